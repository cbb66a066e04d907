using System.Net;
using System.Text;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// <c>/hashes</c> over HTTP: the whole hash as a JSON object, fields as sub-resources, preconditions on
/// the key, and the problems each route answers with.
/// </summary>
public sealed class HashesEndpointsTests(ApiFactory factory, HashesEndpointsTests.SmallResponses small)
    : IClassFixture<ApiFactory>, IClassFixture<HashesEndpointsTests.SmallResponses>
{
    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>The service with a response cap of 5 elements, for the capped reads.</summary>
    public sealed class SmallResponses : ApiFactory
    {
        protected override IEnumerable<(string Key, string Value)> Settings => [("Http:MaxResponseElements", "5")];
    }

    private static string Hashes(string key, string suffix = "") => $"/hashes/{Segment(key)}{suffix}";

    private static string FieldUrl(string key, string field, string suffix = "") => Hashes(key, $"/fields/{Segment(field)}{suffix}");

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static StringContent FieldsJson(object fields) => Json(JsonSerializer.Serialize(new { fields }));

    /// <summary>PUT of some fields; asserts success.</summary>
    private static async Task<HttpResponseMessage> PutFields(HttpClient client, string key, object fields)
    {
        var response = await client.PutAsync(Hashes(key), FieldsJson(fields));
        Assert.True(response.IsSuccessStatusCode, $"PUT {key} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    /// <summary>GET of the whole hash: its fields, as "field=value" in ordinal order; asserts 200.</summary>
    private async Task<string[]> FieldsOf(string key)
    {
        var body = await (await _client.GetAsync(Hashes(key))).Body(HttpStatusCode.OK);
        return body.GetProperty("fields").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").Order(StringComparer.Ordinal).ToArray();
    }

    private Task<HttpResponseMessage> Command(string json) => _client.PostAsync("/commands", Json(json));

    // GET /hashes/{key} (HGETALL)

    [Fact]
    public async Task Get_returns_the_hash_as_a_json_object_with_field_names_as_written()
    {
        var key = ApiFactory.Key("user:1");
        var written = await PutFields(_client, key, new Dictionary<string, string> { ["Name"] = "Ada", ["email"] = "ada@example.com" });

        var response = await _client.GetAsync(Hashes(key));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("ttlMs").ValueKind);
        Assert.False(body.TryGetProperty("encoding", out _));
        Assert.Equal(["Name=Ada", "email=ada@example.com"], await FieldsOf(key));
        Assert.Equal(written.ETag(), response.ETag());
    }

    [Fact]
    public async Task Get_of_a_missing_key_is_a_404_naming_it_and_of_a_string_a_409()
    {
        var key = ApiFactory.Key();

        var missing = await _client.GetAsync(Hashes(key)).Problem(HttpStatusCode.NotFound);
        Assert.Equal("urn:lodestone:problem:no-such-key", missing.GetProperty("type").GetString());
        Assert.Contains(key, missing.Detail(), StringComparison.Ordinal);

        await _client.PutString(key, "text");
        var wrong = await _client.GetAsync(Hashes(key)).Problem(HttpStatusCode.Conflict, "WRONGTYPE");
        Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", wrong.Detail());
    }

    [Fact]
    public async Task Get_with_the_current_etag_is_304_and_after_a_write_200_again()
    {
        var key = ApiFactory.Key();
        var etag = (await PutFields(_client, key, new { a = "1" })).ETag();

        var unchanged = await _client.SendAsync(Request(HttpMethod.Get, Hashes(key), null, ("If-None-Match", etag)));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Equal(etag, unchanged.ETag());

        await _client.PutAsync(FieldUrl(key, "a"), Json("""{"value":"2"}"""));
        var changed = await _client.SendAsync(Request(HttpMethod.Get, Hashes(key), null, ("If-None-Match", etag)));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.ETag());
    }

    [Fact]
    public async Task Get_reports_the_ttl_of_a_hash_with_an_expiry()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { a = "1" });
        await _client.PutAsync(Keys(key, "/expiry"), Json("""{"ttlMs":60000}"""));

        var response = await _client.GetAsync(Hashes(key));

        Assert.Equal(60000, (await response.Body(HttpStatusCode.OK)).GetProperty("ttlMs").GetInt64());
        Assert.Equal("60000", response.Header("Lodestone-Ttl-Ms"));
    }

    [Fact]
    public async Task Field_names_that_are_not_utf8_make_the_whole_object_base64()
    {
        var key = ApiFactory.Key();
        var fields = new Dictionary<string, string> { [Convert.ToBase64String([0xFF, 0x00])] = B64("bin"), [B64("plain")] = B64("text") };
        await _client.PutAsync(Hashes(key), Json(JsonSerializer.Serialize(new { fields, encoding = "base64" })));

        var body = await (await _client.GetAsync(Hashes(key))).Body(HttpStatusCode.OK);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal(B64(key), body.GetProperty("key").GetString());
        var decoded = body.GetProperty("fields").EnumerateObject()
            .ToDictionary(p => Convert.ToHexString(Convert.FromBase64String(p.Name)), p => Encoding.UTF8.GetString(Convert.FromBase64String(p.Value.GetString()!)));
        Assert.Equal("bin", decoded["FF00"]);
        Assert.Equal("text", decoded[Convert.ToHexString(Encoding.UTF8.GetBytes("plain"))]);
    }

    [Fact]
    public async Task Get_with_encoding_base64_returns_names_and_values_in_base64()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { name = "Ada" });

        var body = await (await _client.GetAsync(Hashes(key) + "?encoding=base64")).Body(HttpStatusCode.OK);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal(B64("Ada"), body.GetProperty("fields").GetProperty(B64("name")).GetString());
    }

    [Fact]
    public async Task Reads_larger_than_the_response_cap_are_a_400_naming_the_cap()
    {
        var client = small.CreateCheckedClient();
        var key = ApiFactory.Key();
        await PutFields(client, key, Enumerable.Range(0, 6).ToDictionary(i => $"f{i}", i => $"{i}"));

        foreach (var url in new[] { Hashes(key), Hashes(key, "/values"), Hashes(key, "/random?count=-6"), Hashes(key, "/fields?limit=6") })
        {
            var problem = await client.GetAsync(url).Problem(HttpStatusCode.BadRequest);
            Assert.Contains("Http:MaxResponseElements", problem.Detail(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Hashes(key, "/random?count=5"))).StatusCode);
    }

    // PUT /hashes/{key} (HMSET)

    [Fact]
    public async Task Put_creates_the_hash_with_201_a_location_and_its_length()
    {
        var key = ApiFactory.Key("product:42");

        var response = await _client.PutAsync(Hashes(key), FieldsJson(new { name = "Lamp", price = "19.90", stock = "12" }));

        var body = await response.Body(HttpStatusCode.Created);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal(3, body.GetProperty("length").GetInt64());
        Assert.Equal(Hashes(key), response.Headers.Location?.OriginalString);
        Assert.Equal(["name=Lamp", "price=19.90", "stock=12"], await FieldsOf(key));
    }

    [Fact]
    public async Task Put_on_an_existing_hash_sets_the_given_fields_keeps_the_others_and_answers_200()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { name = "Lamp", price = "19.90" });

        var response = await _client.PutAsync(Hashes(key), FieldsJson(new { price = "17.50", color = "red" }));

        Assert.Equal(3, (await response.Body(HttpStatusCode.OK)).GetProperty("length").GetInt64());
        Assert.Null(response.Headers.Location);
        Assert.Equal(["color=red", "name=Lamp", "price=17.50"], await FieldsOf(key));
    }

    [Theory]
    [InlineData("""{"fields":{}}""", "fields must hold at least one field.")]
    [InlineData("""{"fields":{"a":"1"},"encoding":"hex"}""", "encoding must be \"utf8\" or \"base64\".")]
    [InlineData("""{"fields":{"a":"!!"},"encoding":"base64"}""", "Each field name and value must be valid base64 when encoding is \"base64\".")]
    public async Task Put_with_an_invalid_body_is_a_400_naming_the_problem_and_stores_nothing(string json, string message)
    {
        var key = ApiFactory.Key();

        var problem = await _client.PutAsync(Hashes(key), Json(json)).Problem(HttpStatusCode.BadRequest);

        Assert.Contains(message, problem.Detail(), StringComparison.Ordinal);
        await _client.GetAsync(Hashes(key)).Problem(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"fields":{"age":36}}""")]
    [InlineData("""{"fields":{"a":null}}""")]
    [InlineData("""{"fields":["a","b"]}""")]
    [InlineData("""{"fields":{"a":"1"},"ttlMs":5}""")]
    [InlineData("""{}""")]
    public async Task Put_with_json_of_the_wrong_shape_is_a_400_and_stores_nothing(string json)
    {
        var key = ApiFactory.Key();

        await _client.PutAsync(Hashes(key), Json(json)).Problem(HttpStatusCode.BadRequest);

        await _client.GetAsync(Hashes(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_over_the_field_limit_is_a_400()
    {
        var fields = Enumerable.Range(0, 1001).ToDictionary(i => $"f{i}", i => "v");

        var problem = await _client.PutAsync(Hashes(ApiFactory.Key()), FieldsJson(fields)).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("fields may hold at most 1000 fields.", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_on_a_string_is_a_409_and_leaves_it_alone()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "text");

        await _client.PutAsync(Hashes(key), FieldsJson(new { a = "1" })).Problem(HttpStatusCode.Conflict, "WRONGTYPE");

        Assert.Equal("text", await _client.GetValue(key));
    }

    [Fact]
    public async Task Put_honours_if_match_and_if_none_match_on_the_key()
    {
        var key = ApiFactory.Key();
        await _client.SendAsync(Request(HttpMethod.Put, Hashes(key), FieldsJson(new { a = "1" }), ("If-Match", "*"))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
        var etag = (await _client.SendAsync(Request(HttpMethod.Put, Hashes(key), FieldsJson(new { a = "1" }), ("If-None-Match", "*")))).ETag();
        await _client.SendAsync(Request(HttpMethod.Put, Hashes(key), FieldsJson(new { a = "2" }), ("If-None-Match", "*"))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");

        var matched = await _client.SendAsync(Request(HttpMethod.Put, Hashes(key), FieldsJson(new { b = "2" }), ("If-Match", etag)));
        Assert.Equal(HttpStatusCode.OK, matched.StatusCode);
        await _client.SendAsync(Request(HttpMethod.Put, Hashes(key), FieldsJson(new { c = "3" }), ("If-Match", etag))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");

        Assert.Equal(["a=1", "b=2"], await FieldsOf(key));
        Assert.Equal(matched.ETag(), (await _client.GetAsync(Hashes(key))).ETag());
    }

    [Fact]
    public async Task Every_hash_write_changes_the_etag_and_every_read_reports_the_current_one()
    {
        var key = ApiFactory.Key();
        var writes = new Func<Task<HttpResponseMessage>>[]
        {
            () => _client.PutAsync(Hashes(key), FieldsJson(new { a = "1", n = "0" })),
            () => _client.PutAsync(Hashes(key), FieldsJson(new { a = "1" })),
            () => _client.PutAsync(FieldUrl(key, "b"), Json("""{"value":"2"}""")),
            () => _client.PostAsync(FieldUrl(key, "n", "/incr"), null),
            () => _client.PostAsync(FieldUrl(key, "n", "/incrbyfloat"), Json("""{"by":0.5}""")),
            () => _client.DeleteAsync(FieldUrl(key, "b")),
        };
        string[] reads = [Hashes(key), Hashes(key, "/length"), Hashes(key, "/fields"), Hashes(key, "/values"), Hashes(key, "/random"), FieldUrl(key, "a")];

        var seen = new List<string>();
        foreach (var write in writes)
        {
            var response = await write();
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            var etag = response.ETag();
            Assert.DoesNotContain(etag, seen);
            seen.Add(etag);
            foreach (var read in reads)
                Assert.Equal(etag, (await _client.GetAsync(read)).ETag());
        }
    }

    // GET /hashes/{key}/length, /values

    [Fact]
    public async Task Length_and_values_describe_the_hash()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { a = "1", b = "2", c = "3" });

        var length = await (await _client.GetAsync(Hashes(key, "/length"))).Body(HttpStatusCode.OK);
        var values = await (await _client.GetAsync(Hashes(key, "/values"))).Body(HttpStatusCode.OK);

        Assert.Equal(3, length.GetProperty("length").GetInt64());
        Assert.Equal(["1", "2", "3"], values.GetProperty("values").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("/length")]
    [InlineData("/fields")]
    [InlineData("/values")]
    [InlineData("/random")]
    public async Task Reads_of_a_missing_hash_are_404_and_of_a_string_409(string suffix)
    {
        var key = ApiFactory.Key();
        await _client.GetAsync(Hashes(key, suffix)).Problem(HttpStatusCode.NotFound);

        await _client.PutString(key, "text");
        await _client.GetAsync(Hashes(key, suffix)).Problem(HttpStatusCode.Conflict, "WRONGTYPE");
    }

    // POST /hashes/{key}/mget (HMGET)

    [Fact]
    public async Task Mget_answers_each_requested_field_with_null_for_missing_ones()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { price = "19.90", stock = "12" });

        var body = await (await _client.PostAsync(Hashes(key, "/mget"), Json("""{"fields":["price","color"]}"""))).Body(HttpStatusCode.OK);

        var fields = body.GetProperty("fields");
        Assert.Equal("19.90", fields.GetProperty("price").GetString());
        Assert.Equal(JsonValueKind.Null, fields.GetProperty("color").ValueKind);
        Assert.Equal(2, fields.EnumerateObject().Count());
    }

    [Fact]
    public async Task Mget_with_base64_field_names_answers_in_base64()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { a = "1" });

        var body = await (await _client.PostAsync(Hashes(key, "/mget"), Json($$"""{"fields":["{{B64("a")}}"],"encoding":"base64"}"""))).Body(HttpStatusCode.OK);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal(B64("1"), body.GetProperty("fields").GetProperty(B64("a")).GetString());
    }

    [Theory]
    [InlineData("""{"fields":[]}""")]
    [InlineData("""{"fields":[null]}""")]
    [InlineData("""{"fields":["!!"],"encoding":"base64"}""")]
    [InlineData("""{}""")]
    public async Task Mget_with_an_invalid_body_is_a_400(string json)
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { a = "1" });

        await _client.PostAsync(Hashes(key, "/mget"), Json(json)).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Mget_of_a_missing_hash_is_a_404()
    {
        await _client.PostAsync(Hashes(ApiFactory.Key(), "/mget"), Json("""{"fields":["a"]}""")).Problem(HttpStatusCode.NotFound);
    }

    // GET /hashes/{key}/random (HRANDFIELD)

    [Fact]
    public async Task Random_picks_one_field_by_default_and_distinct_fields_with_values_on_request()
    {
        var key = ApiFactory.Key("giveaway");
        await PutFields(_client, key, new { alice = "a@example.com", bob = "b@example.com", carol = "c@example.com" });

        var one = (await (await _client.GetAsync(Hashes(key, "/random"))).Body(HttpStatusCode.OK)).GetProperty("fields");
        Assert.Equal(1, one.GetArrayLength());
        Assert.Contains(one[0].GetProperty("field").GetString(), new[] { "alice", "bob", "carol" });
        Assert.False(one[0].TryGetProperty("value", out _));

        var two = (await (await _client.GetAsync(Hashes(key, "/random?count=2&withValues=true"))).Body(HttpStatusCode.OK)).GetProperty("fields");
        Assert.Equal(2, two.GetArrayLength());
        Assert.NotEqual(two[0].GetProperty("field").GetString(), two[1].GetProperty("field").GetString());
        Assert.All(two.EnumerateArray(), f => Assert.Equal(f.GetProperty("field").GetString()![0], f.GetProperty("value").GetString()![0]));
    }

    [Fact]
    public async Task Random_with_a_negative_count_may_repeat_fields_and_returns_exactly_that_many()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { only = "1" });

        var fields = (await (await _client.GetAsync(Hashes(key, "/random?count=-4"))).Body(HttpStatusCode.OK)).GetProperty("fields");

        Assert.Equal(["only", "only", "only", "only"], fields.EnumerateArray().Select(f => f.GetProperty("field").GetString()));
    }

    [Theory]
    [InlineData("?count=abc")]
    [InlineData("?count=10001")]
    [InlineData("?count=-9223372036854775808")]
    [InlineData("?withValues=maybe")]
    public async Task Random_with_a_bad_or_too_large_count_is_a_400(string query)
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { a = "1" });

        await _client.GetAsync(Hashes(key, "/random" + query)).Problem(HttpStatusCode.BadRequest);
    }

    // GET /hashes/{key}/fields (HSCAN)

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    public async Task The_fields_page_through_every_field_and_value_never_more_than_the_limit(int limit)
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, Enumerable.Range(0, 300).ToDictionary(i => $"f{i}", i => $"v{i}"));

        var seen = (await _client.PageThrough(Hashes(key, "/fields"), "fields", limit))
            .ToDictionary(pair => pair[0].GetString()!, pair => pair[1].GetString()!);

        Assert.Equal(300, seen.Count);
        Assert.All(seen, pair => Assert.Equal("v" + pair.Key[1..], pair.Value));
    }

    [Fact]
    public async Task The_fields_with_match_are_only_the_matching_ones()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { apple = "1", avocado = "2", banana = "3" });

        var body = await (await _client.GetAsync(Hashes(key, "/fields?match=a*"))).Body(HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Null, body.GetProperty("next").ValueKind);
        Assert.Equal(["apple", "avocado"], body.GetProperty("fields").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("?limit=0", "limit must be between 1 and 10000")]
    [InlineData("?limit=10001", "limit must be between 1 and 10000")]
    [InlineData("?page=-1", "page is not a token this listing gave")]
    [InlineData("?page=abc", "page is not a token this listing gave")]
    public async Task The_fields_with_a_bad_limit_or_page_are_a_400(string query, string message)
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { a = "1" });

        var problem = await _client.GetAsync(Hashes(key, "/fields" + query)).Problem(HttpStatusCode.BadRequest);

        Assert.Contains(message, problem.Detail(), StringComparison.Ordinal);
    }

    // GET, HEAD, PUT, DELETE /hashes/{key}/fields/{field} (HGET, HEXISTS, HSET, HDEL)

    [Fact]
    public async Task A_field_reads_with_its_value_and_the_hash_etag()
    {
        var key = ApiFactory.Key();
        var etag = (await PutFields(_client, key, new { email = "ada@example.com" })).ETag();

        var response = await _client.GetAsync(FieldUrl(key, "email"));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal("email", body.GetProperty("field").GetString());
        Assert.Equal("ada@example.com", body.GetProperty("value").GetString());
        Assert.Equal(etag, response.ETag());
        var unchanged = await _client.SendAsync(Request(HttpMethod.Get, FieldUrl(key, "email"), null, ("If-None-Match", etag)));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
    }

    [Fact]
    public async Task A_missing_field_is_a_404_not_found_and_a_missing_hash_a_404_no_such_key()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { a = "1" });

        var field = await _client.GetAsync(FieldUrl(key, "nope")).Problem(HttpStatusCode.NotFound);
        Assert.Equal("urn:lodestone:problem:not-found", field.GetProperty("type").GetString());
        Assert.Equal($"Field 'nope' does not exist in hash '{key}'.", field.Detail());

        var hash = await _client.GetAsync(FieldUrl(ApiFactory.Key(), "a")).Problem(HttpStatusCode.NotFound);
        Assert.Equal("urn:lodestone:problem:no-such-key", hash.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Field_names_are_percent_encoded_bytes_in_the_path()
    {
        var key = ApiFactory.Key();
        const string field = "a/b?c %#é";

        var created = await _client.PutAsync(FieldUrl(key, field), Json("""{"value":"odd"}"""));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(FieldUrl(key, field), created.Headers.Location?.OriginalString);
        var body = await (await _client.GetAsync(created.Headers.Location)).Body(HttpStatusCode.OK);
        Assert.Equal(field, body.GetProperty("field").GetString());
        Assert.Equal([$"{field}=odd"], await FieldsOf(key));
    }

    [Fact]
    public async Task A_field_that_is_not_utf8_comes_back_as_base64_with_its_key_and_value()
    {
        var key = ApiFactory.Key();
        await _client.PutAsync(Hashes(key) + "/fields/%FF", Json("""{"value":"v"}"""));

        var body = await (await _client.GetAsync(Hashes(key) + "/fields/%FF")).Body(HttpStatusCode.OK);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal(Convert.ToBase64String([0xFF]), body.GetProperty("field").GetString());
        Assert.Equal(B64("v"), body.GetProperty("value").GetString());
        Assert.Equal(B64(key), body.GetProperty("key").GetString());
    }

    [Fact]
    public async Task Head_tells_whether_a_field_exists()
    {
        var key = ApiFactory.Key("blocklist");
        var etag = (await PutFields(_client, key, new { spammer = "2024-01-01" })).ETag();

        var exists = await _client.SendAsync(Request(HttpMethod.Head, FieldUrl(key, "spammer")));
        var missing = await _client.SendAsync(Request(HttpMethod.Head, FieldUrl(key, "friend")));
        var noHash = await _client.SendAsync(Request(HttpMethod.Head, FieldUrl(ApiFactory.Key(), "spammer")));

        Assert.Equal(HttpStatusCode.OK, exists.StatusCode);
        Assert.Equal(etag, exists.ETag());
        Assert.Empty(await exists.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noHash.StatusCode);
    }

    [Fact]
    public async Task Put_of_a_new_field_is_201_with_its_location_and_of_an_existing_one_200()
    {
        var key = ApiFactory.Key("user:7");

        var created = await _client.PutAsync(FieldUrl(key, "name"), Json("""{"value":"Grace"}"""));
        var replaced = await _client.PutAsync(FieldUrl(key, "name"), Json("""{"value":"Grace Hopper"}"""));

        var body = await created.Body(HttpStatusCode.Created);
        Assert.Equal("Grace", body.GetProperty("value").GetString());
        Assert.Equal(FieldUrl(key, "name"), created.Headers.Location?.OriginalString);
        Assert.Equal("Grace Hopper", (await replaced.Body(HttpStatusCode.OK)).GetProperty("value").GetString());
        Assert.Null(replaced.Headers.Location);
        Assert.NotEqual(created.ETag(), replaced.ETag());
        Assert.Equal(["name=Grace Hopper"], await FieldsOf(key));
    }

    [Fact]
    public async Task Put_only_if_new_on_an_existing_field_is_a_409_and_keeps_the_value()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { name = "Ada" });

        var problem = await _client.PutAsync(FieldUrl(key, "name"), Json("""{"value":"Eve","onlyIfNew":true}""")).Problem(HttpStatusCode.Conflict);
        var added = await _client.PutAsync(FieldUrl(key, "city"), Json("""{"value":"London","onlyIfNew":true}"""));

        Assert.Equal($"Field 'name' already exists in hash '{key}'.", problem.Detail());
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(["city=London", "name=Ada"], await FieldsOf(key));
    }

    [Fact]
    public async Task Put_of_a_base64_value_stores_its_bytes()
    {
        var key = ApiFactory.Key();

        var body = await (await _client.PutAsync(FieldUrl(key, "blob"), Json("""{"value":"AP8=","encoding":"base64"}"""))).Body(HttpStatusCode.Created);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal("AP8=", body.GetProperty("value").GetString());
        Assert.Equal(B64("blob"), body.GetProperty("field").GetString());
        var read = await (await _client.GetAsync(FieldUrl(key, "blob"))).Body(HttpStatusCode.OK);
        Assert.Equal("AP8=", read.GetProperty("value").GetString());
    }

    [Theory]
    [InlineData("""{"value":"!!","encoding":"base64"}""")]
    [InlineData("""{"value":null}""")]
    [InlineData("""{"value":5}""")]
    [InlineData("""{}""")]
    [InlineData("""{"value":"v","extra":1}""")]
    public async Task Put_of_a_field_with_an_invalid_body_is_a_400_and_stores_nothing(string json)
    {
        var key = ApiFactory.Key();

        await _client.PutAsync(FieldUrl(key, "f"), Json(json)).Problem(HttpStatusCode.BadRequest);

        await _client.GetAsync(Hashes(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Field_writes_honour_if_match_on_the_key()
    {
        var key = ApiFactory.Key();
        var etag = (await PutFields(_client, key, new { a = "1" })).ETag();
        await _client.PutAsync(FieldUrl(key, "b"), Json("""{"value":"2"}"""));

        await _client.SendAsync(Request(HttpMethod.Put, FieldUrl(key, "a"), Json("""{"value":"x"}"""), ("If-Match", etag))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
        await _client.SendAsync(Request(HttpMethod.Delete, FieldUrl(key, "a"), null, ("If-Match", etag))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
        await _client.SendAsync(Request(HttpMethod.Post, FieldUrl(key, "n", "/incr"), null, ("If-Match", etag))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
        await _client.SendAsync(Request(HttpMethod.Get, FieldUrl(key, "a"), null, ("If-Match", etag))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");

        Assert.Equal(["a=1", "b=2"], await FieldsOf(key));
        var current = (await _client.GetAsync(Hashes(key))).ETag();
        var matched = await _client.SendAsync(Request(HttpMethod.Put, FieldUrl(key, "a"), Json("""{"value":"x"}"""), ("If-Match", current)));
        Assert.Equal(HttpStatusCode.OK, matched.StatusCode);
    }

    [Fact]
    public async Task Delete_removes_a_field_and_removing_the_last_one_removes_the_hash()
    {
        var key = ApiFactory.Key("cart:9");
        await PutFields(_client, key, new { sku1 = "2", sku2 = "1" });

        var first = await _client.DeleteAsync(FieldUrl(key, "sku1"));
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal((await _client.GetAsync(Hashes(key))).ETag(), first.ETag());
        Assert.Equal(["sku2=1"], await FieldsOf(key));

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync(FieldUrl(key, "sku2"))).StatusCode);
        await _client.GetAsync(Hashes(key)).Problem(HttpStatusCode.NotFound);
        await _client.GetAsync(Keys(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_of_a_missing_field_or_hash_is_a_404_and_of_a_string_a_409()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { a = "1" });

        var field = await _client.DeleteAsync(FieldUrl(key, "nope")).Problem(HttpStatusCode.NotFound);
        var hash = await _client.DeleteAsync(FieldUrl(ApiFactory.Key(), "a")).Problem(HttpStatusCode.NotFound);
        var text = ApiFactory.Key();
        await _client.PutString(text, "v");
        await _client.DeleteAsync(FieldUrl(text, "a")).Problem(HttpStatusCode.Conflict, "WRONGTYPE");

        Assert.Equal("urn:lodestone:problem:not-found", field.GetProperty("type").GetString());
        Assert.Equal("urn:lodestone:problem:no-such-key", hash.GetProperty("type").GetString());
        Assert.Equal(["a=1"], await FieldsOf(key));
    }

    // POST /hashes/{key}/fields/{field}/incr, /incrbyfloat (HINCRBY, HINCRBYFLOAT)

    [Fact]
    public async Task Incr_counts_a_cart_quantity_from_zero_by_one_or_by_a_given_amount()
    {
        var key = ApiFactory.Key("cart:1");

        var one = await (await _client.PostAsync(FieldUrl(key, "sku-42", "/incr"), null)).Body(HttpStatusCode.OK);
        var more = await (await _client.PostAsync(FieldUrl(key, "sku-42", "/incr"), Json("""{"by":3}"""))).Body(HttpStatusCode.OK);
        var less = await (await _client.PostAsync(FieldUrl(key, "sku-42", "/incr"), Json("""{"by":-2}"""))).Body(HttpStatusCode.OK);

        Assert.Equal(1, one.GetProperty("value").GetInt64());
        Assert.Equal(4, more.GetProperty("value").GetInt64());
        Assert.Equal(2, less.GetProperty("value").GetInt64());
        Assert.Equal("sku-42", less.GetProperty("field").GetString());
        Assert.Equal(["sku-42=2"], await FieldsOf(key));
    }

    [Fact]
    public async Task Incrbyfloat_adds_to_a_field_and_answers_a_json_number()
    {
        var key = ApiFactory.Key("product:7");
        await PutFields(_client, key, new { price = "10.50" });

        var response = await _client.PostAsync(FieldUrl(key, "price", "/incrbyfloat"), Json("""{"by":0.1}"""));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Number, body.GetProperty("value").ValueKind);
        Assert.Equal(10.6, body.GetProperty("value").GetDouble());
        Assert.Equal(["price=10.6"], await FieldsOf(key));
    }

    [Fact]
    public async Task Incrementing_a_field_that_is_not_a_number_is_a_422_with_the_redis_text_and_changes_nothing()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { name = "Ada", price = "1.5" });

        var integer = await _client.PostAsync(FieldUrl(key, "name", "/incr"), null).Problem(HttpStatusCode.UnprocessableEntity);
        var notInteger = await _client.PostAsync(FieldUrl(key, "price", "/incr"), null).Problem(HttpStatusCode.UnprocessableEntity);
        var floating = await _client.PostAsync(FieldUrl(key, "name", "/incrbyfloat"), Json("""{"by":1}""")).Problem(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("urn:lodestone:problem:not-a-number", integer.GetProperty("type").GetString());
        Assert.Equal("ERR hash value is not an integer", integer.Detail());
        Assert.Equal("ERR hash value is not an integer", notInteger.Detail());
        Assert.Equal("ERR hash value is not a float", floating.Detail());
        Assert.Equal(["name=Ada", "price=1.5"], await FieldsOf(key));
    }

    [Fact]
    public async Task Incr_past_the_largest_integer_is_a_422()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { n = "9223372036854775807" });

        var problem = await _client.PostAsync(FieldUrl(key, "n", "/incr"), null).Problem(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("ERR increment or decrement would overflow", problem.Detail());
    }

    [Theory]
    [InlineData("/incr", """{"by":1.5}""")]
    [InlineData("/incr", """{"by":"1"}""")]
    [InlineData("/incrbyfloat", """{}""")]
    [InlineData("/incrbyfloat", """{"by":"x"}""")]
    public async Task Increments_with_a_bad_body_are_a_400_and_create_nothing(string suffix, string json)
    {
        var key = ApiFactory.Key();

        await _client.PostAsync(FieldUrl(key, "n", suffix), Json(json)).Problem(HttpStatusCode.BadRequest);

        await _client.GetAsync(Hashes(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Incrementing_a_field_of_a_string_key_is_a_409()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "5");

        await _client.PostAsync(FieldUrl(key, "n", "/incr"), null).Problem(HttpStatusCode.Conflict, "WRONGTYPE");
        await _client.PostAsync(FieldUrl(key, "n", "/incrbyfloat"), Json("""{"by":1}""")).Problem(HttpStatusCode.Conflict, "WRONGTYPE");
    }

    // The command endpoint reaches the hash commands

    [Fact]
    public async Task The_command_endpoint_runs_hash_commands_with_redis_shapes()
    {
        var key = ApiFactory.Key();

        var set = JsonDocument.Parse(await (await Command($"""["HSET","{key}","a","1","b","2"]""")).Content.ReadAsStringAsync()).RootElement;
        var all = JsonDocument.Parse(await (await Command($"""["HGETALL","{key}"]""")).Content.ReadAsStringAsync()).RootElement;
        var incr = JsonDocument.Parse(await (await Command($"""["HINCRBYFLOAT","{key}","a","0.5"]""")).Content.ReadAsStringAsync()).RootElement;
        var wrong = JsonDocument.Parse(await (await Command($"""["HINCRBY","{key}","a",1]""")).Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(2, set.GetProperty("result").GetInt64());
        var flat = all.GetProperty("result").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(["a=1", "b=2"], Enumerable.Range(0, flat.Length / 2).Select(i => $"{flat[2 * i]}={flat[2 * i + 1]}").Order(StringComparer.Ordinal));
        Assert.Equal("1.5", incr.GetProperty("result").GetString());
        Assert.Equal("ERR hash value is not an integer", wrong.GetProperty("error").GetString());
        Assert.Equal(["a=1.5", "b=2"], await FieldsOf(key));
    }

    [Fact]
    public async Task Hrandfield_with_values_is_a_flat_array_on_the_command_endpoint()
    {
        var key = ApiFactory.Key();
        await PutFields(_client, key, new { a = "1" });

        var reply = JsonDocument.Parse(await (await Command($"""["HRANDFIELD","{key}",-2,"WITHVALUES"]""")).Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(["a", "1", "a", "1"], reply.GetProperty("result").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task The_field_path_parameter_is_documented_on_every_field_route()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");

        foreach (var path in new[] { "/hashes/{key}/fields/{field}", "/hashes/{key}/fields/{field}/incr", "/hashes/{key}/fields/{field}/incrbyfloat" })
        {
            foreach (var operation in paths.GetProperty(path).EnumerateObject())
            {
                var field = operation.Value.GetProperty("parameters").EnumerateArray().Select(p => OpenApiTests.Resolve(document.RootElement, p))
                    .Single(p => p.GetProperty("name").GetString() == "field" && p.GetProperty("in").GetString() == "path");
                Assert.True(field.GetProperty("required").GetBoolean());
                Assert.Contains("percent-encoded", field.GetProperty("description").GetString(), StringComparison.Ordinal);
            }
        }
    }
}
