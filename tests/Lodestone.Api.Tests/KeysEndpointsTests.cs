using System.Globalization;
using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

public sealed class KeysEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private long NowMs => factory.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    // GET /keys

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(1000)]
    public async Task Listing_pages_through_every_key_that_matches_never_more_than_the_limit_per_page(int limit)
    {
        var prefix = ApiFactory.Key("list:");
        var created = Enumerable.Range(0, 25).Select(i => $"{prefix}{i}").ToHashSet();
        foreach (var key in created)
            await _client.PutString(key, "v");

        var listed = await _client.PageThrough($"/keys?match={Uri.EscapeDataString(prefix)}*", "keys", limit);

        foreach (var info in listed)
        {
            Assert.Equal("string", info.GetProperty("type").GetString());
            Assert.True(info.GetProperty("version").GetInt64() > 0);
        }
        Assert.Equal(created, listed.Select(info => info.GetProperty("key").GetString()!).ToHashSet());
    }

    [Fact]
    public async Task A_page_holds_exactly_the_limit_when_there_are_more_and_the_last_page_says_so_with_a_null_next()
    {
        var prefix = ApiFactory.Key("exact:");
        foreach (var i in Enumerable.Range(0, 7))
            await _client.PutString($"{prefix}{i}", "v");
        var query = $"/keys?match={Uri.EscapeDataString(prefix)}*";

        var sizes = new List<int>();
        string? next = null;
        do
        {
            var page = await (await _client.GetAsync($"{query}&limit=2" + (next is null ? "" : $"&page={next}"))).Body(HttpStatusCode.OK);
            sizes.Add(page.GetProperty("keys").GetArrayLength());
            next = page.GetProperty("next").GetString();
        }
        while (next is not null);

        Assert.Equal(7, sizes.Sum());
        Assert.All(sizes, size => Assert.InRange(size, 0, 2));
    }

    [Fact]
    public async Task Listing_reports_each_keys_ttl()
    {
        var prefix = ApiFactory.Key("ttl:");
        await _client.PutAsync(Strings(prefix + "a"), Json("""{"value":"v","ttlMs":7000}"""));

        var keys = await ListAll($"match={Uri.EscapeDataString(prefix)}*");

        var only = Assert.Single(keys);
        Assert.Equal(prefix + "a", only.GetProperty("key").GetString());
        Assert.Equal(7000, only.GetProperty("ttlMs").GetInt64());
    }

    [Fact]
    public async Task Listing_filters_by_type()
    {
        var prefix = ApiFactory.Key("typed:");
        await _client.PutString(prefix + "s", "v");

        var strings = await ListAll($"match={Uri.EscapeDataString(prefix)}*&type=string");
        var lists = await ListAll($"match={Uri.EscapeDataString(prefix)}*&type=list");

        Assert.Equal(prefix + "s", Assert.Single(strings).GetProperty("key").GetString());
        Assert.Empty(lists);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10001")]
    public async Task Listing_with_a_limit_outside_1_to_the_response_cap_is_a_400(string limit)
    {
        var problem = await (await _client.GetAsync($"/keys?limit={limit}")).Problem(HttpStatusCode.BadRequest);

        Assert.Equal("limit must be between 1 and 10000 (Http:MaxResponseElements).", problem.Detail());
    }

    [Fact]
    public async Task Listing_with_an_unknown_type_is_a_validation_problem()
    {
        var problem = await (await _client.GetAsync("/keys?type=foo")).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("type", out _));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("AgAAAAAAAAAB")]
    [InlineData("AQ")]
    public async Task Listing_with_a_page_token_it_did_not_give_is_a_400(string page)
    {
        var problem = await (await _client.GetAsync($"/keys?page={page}")).Problem(HttpStatusCode.BadRequest);

        Assert.StartsWith("page is not a token this listing gave", problem.Detail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/keys?cursor=0&count=10", "cursor")]
    [InlineData("/keys?count=10", "count")]
    [InlineData("/sets/s/members?cursor=0", "cursor")]
    [InlineData("/hashes/h/fields?count=5", "count")]
    [InlineData("/lists/l?count=5", "count")]
    [InlineData("/zsets/z/members?by=score&offset=1", "offset")]
    public async Task A_paged_read_refuses_the_old_cursor_count_and_offset_instead_of_ignoring_them(string url, string parameter)
    {
        var problem = await (await _client.GetAsync(url)).Problem(HttpStatusCode.BadRequest);

        Assert.Equal($"{parameter} is not a parameter of this read: page with limit, and pass each page's next token back as page.", problem.Detail());
    }

    [Fact]
    public async Task Listing_with_a_limit_that_is_not_a_number_is_a_400_naming_limit()
    {
        var problem = await (await _client.GetAsync("/keys?limit=abc")).Problem(HttpStatusCode.BadRequest);

        Assert.Equal("Parameter 'limit' must be an integer, not 'abc'.", problem.Detail());
    }

    // GET /keys/{key}

    [Fact]
    public async Task Get_describes_the_key_type_ttl_and_version_which_is_its_etag()
    {
        var key = ApiFactory.Key();
        await _client.PutAsync(Strings(key), Json("""{"value":"v","ttlMs":8000}"""));

        var response = await _client.GetAsync(Keys(key));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal("string", body.GetProperty("type").GetString());
        Assert.Equal(8000, body.GetProperty("ttlMs").GetInt64());
        Assert.Equal("\"" + body.GetProperty("version").GetInt64().ToString(CultureInfo.InvariantCulture) + "\"", response.ETag());
        Assert.Equal("8000", response.Header("Lodestone-Ttl-Ms"));
    }

    [Fact]
    public async Task Get_of_a_missing_key_is_404()
    {
        var key = ApiFactory.Key();

        var problem = await (await _client.GetAsync(Keys(key))).Problem(HttpStatusCode.NotFound);

        Assert.Contains(key, problem.Detail(), StringComparison.Ordinal);
    }

    // DELETE /keys/{key}

    [Fact]
    public async Task Delete_answers_204_then_404()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync(Keys(key))).StatusCode);
        await (await _client.GetAsync(Strings(key))).Problem(HttpStatusCode.NotFound);
        await (await _client.DeleteAsync(Keys(key))).Problem(HttpStatusCode.NotFound);
    }

    // PUT /keys/{key}/expiry, DELETE /keys/{key}/expiry

    [Fact]
    public async Task Set_expiry_with_ttlMs_applies_it_and_the_key_expires()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        var response = await _client.PutAsync(Keys(key, "/expiry"), Json("""{"ttlMs":10000}"""));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.True(body.GetProperty("applied").GetBoolean());
        Assert.True(body.GetProperty("exists").GetBoolean());
        Assert.Equal(10000, body.GetProperty("ttlMs").GetInt64());
        Assert.Equal("10000", response.Header("Lodestone-Ttl-Ms"));

        factory.Clock.Advance(TimeSpan.FromMilliseconds(10001));
        await (await _client.GetAsync(Keys(key))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Set_expiry_with_atMs_expires_the_key_at_that_instant()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");
        var at = NowMs + 3000;

        var body = await (await _client.PutAsync(Keys(key, "/expiry"), Json($$"""{"atMs":{{at}}}"""))).Body(HttpStatusCode.OK);

        Assert.True(body.GetProperty("applied").GetBoolean());
        Assert.Equal(3000, body.GetProperty("ttlMs").GetInt64());
    }

    [Fact]
    public async Task Set_expiry_with_atMs_in_the_past_deletes_the_key()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        var body = await (await _client.PutAsync(Keys(key, "/expiry"), Json($$"""{"atMs":{{NowMs - 1}}}"""))).Body(HttpStatusCode.OK);

        Assert.True(body.GetProperty("applied").GetBoolean());
        Assert.False(body.GetProperty("exists").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("ttlMs").ValueKind);
        await (await _client.GetAsync(Strings(key))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Set_expiry_condition_nx_applies_only_to_a_key_without_a_ttl()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        var first = await SetExpiry(key, """{"ttlMs":5000,"condition":"nx"}""");
        var second = await SetExpiry(key, """{"ttlMs":9000,"condition":"nx"}""");

        Assert.True(first.GetProperty("applied").GetBoolean());
        Assert.False(second.GetProperty("applied").GetBoolean());
        Assert.Equal(5000, second.GetProperty("ttlMs").GetInt64());
    }

    [Fact]
    public async Task Set_expiry_condition_xx_applies_only_to_a_key_with_a_ttl()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        var withoutTtl = await SetExpiry(key, """{"ttlMs":5000,"condition":"xx"}""");
        await SetExpiry(key, """{"ttlMs":5000}""");
        var withTtl = await SetExpiry(key, """{"ttlMs":9000,"condition":"xx"}""");

        Assert.False(withoutTtl.GetProperty("applied").GetBoolean());
        Assert.Equal(JsonValueKind.Null, withoutTtl.GetProperty("ttlMs").ValueKind);
        Assert.True(withTtl.GetProperty("applied").GetBoolean());
        Assert.Equal(9000, withTtl.GetProperty("ttlMs").GetInt64());
    }

    [Fact]
    public async Task Set_expiry_condition_gt_applies_only_a_later_expiry()
    {
        var key = ApiFactory.Key();
        await _client.PutAsync(Strings(key), Json("""{"value":"v","ttlMs":5000}"""));

        var earlier = await SetExpiry(key, """{"ttlMs":1000,"condition":"gt"}""");
        var later = await SetExpiry(key, """{"ttlMs":9000,"condition":"gt"}""");

        Assert.False(earlier.GetProperty("applied").GetBoolean());
        Assert.Equal(5000, earlier.GetProperty("ttlMs").GetInt64());
        Assert.True(later.GetProperty("applied").GetBoolean());
        Assert.Equal(9000, later.GetProperty("ttlMs").GetInt64());
    }

    [Fact]
    public async Task Set_expiry_condition_lt_applies_only_an_earlier_expiry()
    {
        var key = ApiFactory.Key();
        await _client.PutAsync(Strings(key), Json("""{"value":"v","ttlMs":5000}"""));

        var later = await SetExpiry(key, """{"ttlMs":9000,"condition":"lt"}""");
        var earlier = await SetExpiry(key, """{"ttlMs":1000,"condition":"lt"}""");

        Assert.False(later.GetProperty("applied").GetBoolean());
        Assert.Equal(5000, later.GetProperty("ttlMs").GetInt64());
        Assert.True(earlier.GetProperty("applied").GetBoolean());
        Assert.Equal(1000, earlier.GetProperty("ttlMs").GetInt64());
    }

    [Theory]
    [InlineData("""{"ttlMs":1000,"atMs":1700000000000}""")]
    [InlineData("""{}""")]
    [InlineData("""{"condition":"nx"}""")]
    public async Task Set_expiry_needs_exactly_one_of_ttlMs_and_atMs(string body)
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        var problem = await (await _client.PutAsync(Keys(key, "/expiry"), Json(body))).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("ttlMs", problem.Detail(), StringComparison.Ordinal);
        Assert.Contains("atMs", problem.Detail(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await (await _client.GetAsync(Keys(key))).Body(HttpStatusCode.OK)).GetProperty("ttlMs").ValueKind);
    }

    [Fact]
    public async Task Set_expiry_with_an_unknown_condition_is_a_validation_problem()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        var problem = await (await _client.PutAsync(Keys(key, "/expiry"), Json("""{"ttlMs":1000,"condition":"sometimes"}"""))).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("condition", out _));
    }

    [Fact]
    public async Task Set_expiry_on_a_missing_key_is_404()
    {
        var key = ApiFactory.Key();

        await (await _client.PutAsync(Keys(key, "/expiry"), Json("""{"ttlMs":1000}"""))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_expiry_removes_the_ttl_and_says_whether_there_was_one()
    {
        var key = ApiFactory.Key();
        await _client.PutAsync(Strings(key), Json("""{"value":"v","ttlMs":5000}"""));

        var removed = await (await _client.DeleteAsync(Keys(key, "/expiry"))).Body(HttpStatusCode.OK);
        var again = await (await _client.DeleteAsync(Keys(key, "/expiry"))).Body(HttpStatusCode.OK);

        Assert.True(removed.GetProperty("applied").GetBoolean());
        Assert.Equal(JsonValueKind.Null, removed.GetProperty("ttlMs").ValueKind);
        Assert.False(again.GetProperty("applied").GetBoolean());
        factory.Clock.Advance(TimeSpan.FromMilliseconds(6000));
        Assert.Equal("v", await _client.GetValue(key));
    }

    [Fact]
    public async Task Delete_expiry_of_a_missing_key_is_404()
    {
        var key = ApiFactory.Key();

        await (await _client.DeleteAsync(Keys(key, "/expiry"))).Problem(HttpStatusCode.NotFound);
    }

    // POST /keys/{key}/rename

    [Fact]
    public async Task Rename_moves_the_value_and_ttl_and_answers_the_new_keys_info()
    {
        var (source, target) = (ApiFactory.Key("source"), ApiFactory.Key("target"));
        await _client.PutAsync(Strings(source), Json("""{"value":"v","ttlMs":4000}"""));

        var response = await _client.PostAsync(Keys(source, "/rename"), Json($$"""{"newKey":"{{target}}"}"""));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal(target, body.GetProperty("key").GetString());
        Assert.Equal("string", body.GetProperty("type").GetString());
        Assert.Equal(4000, body.GetProperty("ttlMs").GetInt64());
        Assert.Equal("\"" + body.GetProperty("version").GetInt64().ToString(CultureInfo.InvariantCulture) + "\"", response.ETag());
        Assert.Equal("v", await _client.GetValue(target));
        await (await _client.GetAsync(Strings(source))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Rename_overwrites_an_existing_target()
    {
        var (source, target) = (ApiFactory.Key("source"), ApiFactory.Key("target"));
        await _client.PutString(source, "new");
        await _client.PutString(target, "old");

        await (await _client.PostAsync(Keys(source, "/rename"), Json($$"""{"newKey":"{{target}}"}"""))).Body(HttpStatusCode.OK);

        Assert.Equal("new", await _client.GetValue(target));
    }

    [Fact]
    public async Task Rename_of_a_missing_key_is_404_naming_it()
    {
        var (source, target) = (ApiFactory.Key("source"), ApiFactory.Key("target"));

        var problem = await (await _client.PostAsync(Keys(source, "/rename"), Json($$"""{"newKey":"{{target}}"}"""))).Problem(HttpStatusCode.NotFound);

        Assert.Equal($"Key '{source}' does not exist.", problem.Detail());
        await (await _client.GetAsync(Strings(target))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Rename_only_if_new_is_409_when_the_target_exists_and_changes_nothing()
    {
        var (source, target) = (ApiFactory.Key("source"), ApiFactory.Key("target"));
        await _client.PutString(source, "s");
        await _client.PutString(target, "t");

        var problem = await (await _client.PostAsync(Keys(source, "/rename"), Json($$"""{"newKey":"{{target}}","onlyIfNew":true}"""))).Problem(HttpStatusCode.Conflict);

        Assert.Contains(target, problem.Detail(), StringComparison.Ordinal);
        Assert.Equal("s", await _client.GetValue(source));
        Assert.Equal("t", await _client.GetValue(target));
    }

    [Fact]
    public async Task Rename_with_an_empty_new_key_is_a_validation_problem_naming_newKey()
    {
        var source = ApiFactory.Key("source");
        await _client.PutString(source, "s");

        var problem = await (await _client.PostAsync(Keys(source, "/rename"), Json("""{"newKey":""}"""))).Problem(HttpStatusCode.BadRequest);

        Assert.Equal("newKey must not be empty.", problem.GetProperty("errors").GetProperty("newKey")[0].GetString());
    }

    // POST /keys/{key}/copy

    [Fact]
    public async Task Copy_creates_the_destination_with_201_and_a_usable_location()
    {
        var (source, destination) = (ApiFactory.Key("source"), ApiFactory.Key("destination"));
        await _client.PutAsync(Strings(source), Json("""{"value":"v","ttlMs":6000}"""));

        var response = await _client.PostAsync(Keys(source, "/copy"), Json($$"""{"destination":"{{destination}}"}"""));

        var body = await response.Body(HttpStatusCode.Created);
        Assert.Equal(destination, body.GetProperty("key").GetString());
        Assert.Equal("string", body.GetProperty("type").GetString());
        Assert.Equal(6000, body.GetProperty("ttlMs").GetInt64());
        Assert.Equal(Keys(destination), response.Headers.Location?.OriginalString);
        var described = await (await _client.GetAsync(response.Headers.Location)).Body(HttpStatusCode.OK);
        Assert.Equal(destination, described.GetProperty("key").GetString());
        Assert.Equal("v", await _client.GetValue(source));
        Assert.Equal("v", await _client.GetValue(destination));
    }

    [Fact]
    public async Task A_copy_is_independent_of_its_source()
    {
        var (source, destination) = (ApiFactory.Key("source"), ApiFactory.Key("destination"));
        await _client.PutString(source, "abc");
        await _client.PostAsync(Keys(source, "/copy"), Json($$"""{"destination":"{{destination}}"}"""));

        await _client.PostAsync(Strings(destination, "/append"), Json("""{"value":"def"}"""));
        await _client.PutAsync(Strings(destination, "/range"), Json("""{"offset":0,"value":"X"}"""));

        Assert.Equal("abc", await _client.GetValue(source));
        Assert.Equal("Xbcdef", await _client.GetValue(destination));
    }

    [Fact]
    public async Task Copy_onto_an_existing_key_is_409_unless_replace_is_set()
    {
        var (source, destination) = (ApiFactory.Key("source"), ApiFactory.Key("destination"));
        await _client.PutString(source, "new");
        await _client.PutString(destination, "old");

        var refused = await _client.PostAsync(Keys(source, "/copy"), Json($$"""{"destination":"{{destination}}"}"""));
        var problem = await refused.Problem(HttpStatusCode.Conflict);
        Assert.Contains("replace", problem.Detail(), StringComparison.Ordinal);
        Assert.Equal("old", await _client.GetValue(destination));

        var replaced = await _client.PostAsync(Keys(source, "/copy"), Json($$"""{"destination":"{{destination}}","replace":true}"""));
        Assert.Equal(HttpStatusCode.Created, replaced.StatusCode);
        Assert.Equal("new", await _client.GetValue(destination));
    }

    [Fact]
    public async Task Copy_of_a_missing_key_is_404()
    {
        var (source, destination) = (ApiFactory.Key("source"), ApiFactory.Key("destination"));

        var problem = await (await _client.PostAsync(Keys(source, "/copy"), Json($$"""{"destination":"{{destination}}"}"""))).Problem(HttpStatusCode.NotFound);

        Assert.Contains(source, problem.Detail(), StringComparison.Ordinal);
        await (await _client.GetAsync(Strings(destination))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Copy_onto_itself_is_400()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        var problem = await (await _client.PostAsync(Keys(key, "/copy"), Json($$"""{"destination":"{{key}}","replace":true}"""))).Problem(HttpStatusCode.BadRequest);

        Assert.Equal("ERR source and destination objects are the same", problem.Detail());
        Assert.Equal("v", await _client.GetValue(key));
    }

    private async Task<JsonElement> SetExpiry(string key, string body) =>
        await (await _client.PutAsync(Keys(key, "/expiry"), Json(body))).Body(HttpStatusCode.OK);

    /// <summary>Every key a full listing returns, following the pages to the end.</summary>
    private Task<List<JsonElement>> ListAll(string query) => _client.PageThrough($"/keys?{query}", "keys");
}
