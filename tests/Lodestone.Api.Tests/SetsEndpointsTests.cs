using System.Net;
using System.Text;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary><c>/sets</c> over HTTP: every route, the conditional headers, and the problems.</summary>
public sealed class SetsEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";

    private readonly HttpClient _client = factory.CreateClient();

    private static string Sets(string key, string suffix = "") => $"/sets/{Segment(key)}{suffix}";

    private static StringContent MembersBody(params string[] members) => Json(JsonSerializer.Serialize(new { members }));

    private async Task<HttpResponseMessage> Add(string key, params string[] members)
    {
        var response = await _client.PostAsync(Sets(key, "/members"), MembersBody(members));
        Assert.True(response.IsSuccessStatusCode, $"add to {key} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    private static string[] Texts(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static string[] Sorted(JsonElement array) => [.. Texts(array).Order(StringComparer.Ordinal)];

    private async Task<string[]> MembersOf(string key) =>
        Sorted((await (await _client.GetAsync(Sets(key))).Body(HttpStatusCode.OK)).GetProperty("members"));

    private Task<HttpResponseMessage> Send(HttpMethod method, string url, HttpContent? content = null, params (string, string)[] headers) =>
        _client.SendAsync(Request(method, url, content, headers));

    // GET /sets/{key} (SMEMBERS)

    [Fact]
    public async Task Get_returns_the_key_and_its_members_with_an_etag()
    {
        var key = ApiFactory.Key();
        await Add(key, "redis", "db", "cache");

        var response = await _client.GetAsync(Sets(key));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal(["cache", "db", "redis"], Sorted(body.GetProperty("members")));
        Assert.False(body.TryGetProperty("encoding", out _));
        Assert.NotNull(response.Header("ETag"));
    }

    [Fact]
    public async Task Get_of_a_missing_set_is_a_404_naming_the_key()
    {
        var key = ApiFactory.Key();

        var problem = await _client.GetAsync(Sets(key)).Problem(HttpStatusCode.NotFound);

        Assert.Equal("urn:lodestone:problem:no-such-key", problem.GetProperty("type").GetString());
        Assert.Contains(key, problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_of_a_key_of_another_type_is_a_409_wrongtype()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "text");

        var problem = await _client.GetAsync(Sets(key)).Problem(HttpStatusCode.Conflict, "WRONGTYPE");

        Assert.Equal(WrongType, problem.Detail());
    }

    [Fact]
    public async Task Get_with_the_current_etag_is_304_until_the_set_changes()
    {
        var key = ApiFactory.Key();
        var etag = (await Add(key, "a")).ETag();

        var unchanged = await Send(HttpMethod.Get, Sets(key), null, ("If-None-Match", etag));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());

        await Add(key, "b");
        var changed = await Send(HttpMethod.Get, Sets(key), null, ("If-None-Match", etag));
        Assert.Equal(["a", "b"], Sorted((await changed.Body(HttpStatusCode.OK)).GetProperty("members")));
        Assert.NotEqual(etag, changed.ETag());
    }

    [Fact]
    public async Task Get_with_a_stale_if_match_is_412()
    {
        var key = ApiFactory.Key();
        var etag = (await Add(key, "a")).ETag();
        await Add(key, "b");

        await Send(HttpMethod.Get, Sets(key), null, ("If-Match", etag)).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
    }

    [Fact]
    public async Task Members_that_are_not_utf8_come_back_in_base64_with_the_key()
    {
        var key = ApiFactory.Key();
        var binary = Convert.ToBase64String([0xFF, 0x00, 0x80]);
        await _client.PostAsync(Sets(key, "/members"), Json($$"""{"members":["{{binary}}","dGV4dA=="],"encoding":"base64"}"""));

        var body = await (await _client.GetAsync(Sets(key))).Body(HttpStatusCode.OK);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(key)), body.GetProperty("key").GetString());
        Assert.Equal(new[] { binary, "dGV4dA==" }.Order(StringComparer.Ordinal), Sorted(body.GetProperty("members")));
    }

    [Fact]
    public async Task Get_with_encoding_base64_returns_every_field_in_base64()
    {
        var key = ApiFactory.Key();
        await Add(key, "hi");

        var body = await (await _client.GetAsync(Sets(key) + "?encoding=base64")).Body(HttpStatusCode.OK);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal(["aGk="], Texts(body.GetProperty("members")));
    }

    // GET /sets/{key}/members (SSCAN)

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(50)]
    public async Task Paging_visits_every_member_with_no_page_over_its_limit(int limit)
    {
        var key = ApiFactory.Key();
        var all = Enumerable.Range(0, 300).Select(i => $"visitor{i}").ToArray();
        await Add(key, all);

        var seen = await _client.PageThrough(Sets(key, "/members"), "members", limit);

        Assert.Equal(all.Order(StringComparer.Ordinal), seen.Select(m => m.GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_page_carries_the_sets_etag_and_a_next_token_until_the_last()
    {
        var key = ApiFactory.Key();
        await Add(key, Enumerable.Range(0, 30).Select(i => $"m{i}").ToArray());

        var response = await _client.GetAsync(Sets(key, "/members?limit=10"));
        var page = await response.Body(HttpStatusCode.OK);

        Assert.NotNull(response.Header("ETag"));
        Assert.Equal(10, page.GetProperty("members").GetArrayLength());
        Assert.Equal(JsonValueKind.String, page.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Paging_with_match_returns_only_matching_members()
    {
        var key = ApiFactory.Key();
        await Add(key, "tag:red", "tag:blue", "color:red");

        var page = await (await _client.GetAsync(Sets(key, "/members?match=tag:*&limit=1000"))).Body(HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Null, page.GetProperty("next").ValueKind);
        Assert.Equal(["tag:blue", "tag:red"], Sorted(page.GetProperty("members")));
    }

    [Theory]
    [InlineData("?limit=0", "limit must be between 1 and 10000")]
    [InlineData("?limit=10001", "limit must be between 1 and 10000")]
    [InlineData("?page=abc", "page is not a token this listing gave")]
    [InlineData("?page=-1", "page is not a token this listing gave")]
    public async Task Paging_with_a_bad_limit_or_page_is_a_400_naming_it(string query, string message)
    {
        var key = ApiFactory.Key();
        await Add(key, "a");

        var problem = await _client.GetAsync(Sets(key, "/members" + query)).Problem(HttpStatusCode.BadRequest);

        Assert.StartsWith(message, problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Paging_a_missing_set_is_a_404()
    {
        await _client.GetAsync(Sets(ApiFactory.Key(), "/members")).Problem(HttpStatusCode.NotFound);
    }

    // GET /sets/{key}/members/{member} (SISMEMBER)

    [Fact]
    public async Task A_member_is_a_resource_found_or_not_found()
    {
        var key = ApiFactory.Key();
        await Add(key, "10.0.0.1");

        var member = await _client.GetAsync(Sets(key, "/members/10.0.0.1"));
        var stranger = await _client.GetAsync(Sets(key, "/members/10.0.0.2"));

        var body = await member.Body(HttpStatusCode.OK);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal("10.0.0.1", body.GetProperty("member").GetString());
        Assert.NotNull(member.Header("ETag"));
        Assert.Contains("'10.0.0.2' is not a member of set", (await stranger.Problem(HttpStatusCode.NotFound)).Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Membership_reads_the_member_from_the_raw_path_so_any_bytes_round_trip()
    {
        var key = ApiFactory.Key();
        await Add(key, "a/b?c#d %e", "ünï");

        Assert.Equal("a/b?c#d %e", (await (await _client.GetAsync(Sets(key, "/members/" + Segment("a/b?c#d %e")))).Body(HttpStatusCode.OK)).GetProperty("member").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(Sets(key, "/members/" + Segment("ünï")))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync(Sets(key, "/members/a"))).StatusCode);
    }

    [Fact]
    public async Task A_member_of_a_missing_set_is_not_found_without_an_etag()
    {
        var response = await _client.GetAsync(Sets(ApiFactory.Key(), "/members/x"));

        await response.Problem(HttpStatusCode.NotFound);
        Assert.Null(response.Header("ETag"));
    }

    // PUT and DELETE /sets/{key}/members/{member} (SADD, SREM of one member)

    [Fact]
    public async Task Putting_a_member_creates_it_once_and_is_idempotent()
    {
        var key = ApiFactory.Key();

        var created = await _client.PutAsync(Sets(key, "/members/" + Segment("a/b")), null);
        var again = await _client.PutAsync(Sets(key, "/members/" + Segment("a/b")), null);

        var body = await created.Body(HttpStatusCode.Created);
        Assert.Equal(1, body.GetProperty("added").GetInt64());
        Assert.Equal($"/sets/{Segment(key)}/members/a%2Fb", created.Headers.Location?.OriginalString);
        Assert.Equal(0, (await again.Body(HttpStatusCode.OK)).GetProperty("added").GetInt64());
        Assert.Equal(["a/b"], await MembersOf(key));
    }

    [Fact]
    public async Task Deleting_a_member_removes_it_and_a_second_delete_is_404()
    {
        var key = ApiFactory.Key();
        await Add(key, "a", "b");

        var removed = await _client.DeleteAsync(Sets(key, "/members/a"));
        var again = await _client.DeleteAsync(Sets(key, "/members/a"));

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await again.Problem(HttpStatusCode.NotFound);
        Assert.Equal(["b"], await MembersOf(key));
    }

    [Fact]
    public async Task Membership_with_the_current_etag_is_304()
    {
        var key = ApiFactory.Key();
        var etag = (await Add(key, "a")).ETag();

        var response = await Send(HttpMethod.Get, Sets(key, "/members/a"), null, ("If-None-Match", etag));

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    // POST /sets/{key}/contains (SMISMEMBER)

    [Fact]
    public async Task Contains_answers_each_member_in_the_order_asked()
    {
        var key = ApiFactory.Key();
        await Add(key, "alice", "carol");

        var body = await (await _client.PostAsync(Sets(key, "/contains"), MembersBody("alice", "bob", "carol"))).Body(HttpStatusCode.OK);

        var answers = body.GetProperty("members").EnumerateArray()
            .Select(m => (m.GetProperty("member").GetString(), m.GetProperty("isMember").GetBoolean())).ToArray();
        Assert.Equal([("alice", true), ("bob", false), ("carol", true)], answers);
    }

    [Theory]
    [InlineData("""{"members":[]}""")]
    [InlineData("""{"members":[null]}""")]
    [InlineData("""{"members":["***"],"encoding":"base64"}""")]
    [InlineData("""{"members":["a"],"encoding":"latin1"}""")]
    public async Task Contains_with_bad_members_is_a_400_validation_problem(string json)
    {
        var problem = await _client.PostAsync(Sets(ApiFactory.Key(), "/contains"), Json(json)).Problem(HttpStatusCode.BadRequest);

        Assert.Equal(JsonValueKind.Object, problem.GetProperty("errors").ValueKind);
    }

    // GET /sets/{key}/cardinality (SCARD)

    [Fact]
    public async Task Cardinality_counts_members_and_is_zero_for_a_missing_set()
    {
        var key = ApiFactory.Key();
        await Add(key, "a", "b", "a");

        var body = await (await _client.GetAsync(Sets(key, "/cardinality"))).Body(HttpStatusCode.OK);
        var missing = await (await _client.GetAsync(Sets(ApiFactory.Key(), "/cardinality"))).Body(HttpStatusCode.OK);

        Assert.Equal(2, body.GetProperty("cardinality").GetInt64());
        Assert.Equal(0, missing.GetProperty("cardinality").GetInt64());
    }

    // GET /sets/{key}/random (SRANDMEMBER)

    [Fact]
    public async Task Random_returns_one_member_by_default_and_removes_nothing()
    {
        var key = ApiFactory.Key();
        await Add(key, "a", "b", "c");

        var body = await (await _client.GetAsync(Sets(key, "/random"))).Body(HttpStatusCode.OK);

        var picked = Assert.Single(Texts(body.GetProperty("members")));
        Assert.Contains(picked, new[] { "a", "b", "c" });
        Assert.Equal(["a", "b", "c"], await MembersOf(key));
    }

    [Fact]
    public async Task Random_with_a_positive_count_gives_distinct_members_and_with_a_negative_one_may_repeat()
    {
        var key = ApiFactory.Key();
        await Add(key, "a", "b", "c");

        var distinct = Texts((await (await _client.GetAsync(Sets(key, "/random?count=5"))).Body(HttpStatusCode.OK)).GetProperty("members"));
        var repeated = Texts((await (await _client.GetAsync(Sets(key, "/random?count=-7"))).Body(HttpStatusCode.OK)).GetProperty("members"));

        Assert.Equal(["a", "b", "c"], distinct.Order(StringComparer.Ordinal));
        Assert.Equal(7, repeated.Length);
        Assert.All(repeated, m => Assert.Contains(m, new[] { "a", "b", "c" }));
    }

    [Fact]
    public async Task Random_from_a_missing_set_is_empty()
    {
        var body = await (await _client.GetAsync(Sets(ApiFactory.Key(), "/random?count=3"))).Body(HttpStatusCode.OK);

        Assert.Empty(Texts(body.GetProperty("members")));
    }

    [Theory]
    [InlineData("10001")]
    [InlineData("-10001")]
    [InlineData("-9223372036854775808")]
    public async Task Random_beyond_the_response_cap_is_a_400_naming_the_setting(string count)
    {
        var key = ApiFactory.Key();
        await Add(key, "a");

        var problem = await _client.GetAsync(Sets(key, "/random?count=" + count)).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("Http:MaxResponseElements", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Random_with_a_count_that_is_not_a_number_is_a_400()
    {
        var problem = await _client.GetAsync(Sets(ApiFactory.Key(), "/random?count=many")).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("count", problem.Detail(), StringComparison.Ordinal);
    }

    // POST /sets/{key}/members (SADD)

    [Fact]
    public async Task Add_creates_the_set_with_201_and_a_location_then_answers_200()
    {
        var key = ApiFactory.Key();

        var created = await _client.PostAsync(Sets(key, "/members"), MembersBody("u1", "u2", "u1"));
        var again = await _client.PostAsync(Sets(key, "/members"), MembersBody("u2", "u3"));

        var first = await created.Body(HttpStatusCode.Created);
        Assert.Equal(Sets(key), created.Headers.Location?.OriginalString);
        Assert.Equal((2, 2), (first.GetProperty("added").GetInt64(), first.GetProperty("cardinality").GetInt64()));
        var second = await again.Body(HttpStatusCode.OK);
        Assert.Equal((1, 3), (second.GetProperty("added").GetInt64(), second.GetProperty("cardinality").GetInt64()));
        Assert.NotEqual(created.ETag(), again.ETag());
        Assert.Equal(again.ETag(), (await _client.GetAsync(Sets(key))).ETag());
    }

    [Fact]
    public async Task Add_of_members_already_there_keeps_the_etag()
    {
        var key = ApiFactory.Key();
        var etag = (await Add(key, "a")).ETag();

        var response = await Add(key, "a");

        Assert.Equal(0, (await response.Body(HttpStatusCode.OK)).GetProperty("added").GetInt64());
        Assert.Equal(etag, response.ETag());
    }

    [Fact]
    public async Task Add_with_if_none_match_star_only_creates_a_new_set()
    {
        var key = ApiFactory.Key();

        var created = await Send(HttpMethod.Post, Sets(key, "/members"), MembersBody("a"), ("If-None-Match", "*"));
        var refused = await Send(HttpMethod.Post, Sets(key, "/members"), MembersBody("b"), ("If-None-Match", "*"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await refused.Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
        Assert.Equal(["a"], await MembersOf(key));
    }

    [Fact]
    public async Task Add_with_if_match_is_a_compare_and_set()
    {
        var key = ApiFactory.Key();
        var etag = (await Add(key, "a")).ETag();

        var applied = await Send(HttpMethod.Post, Sets(key, "/members"), MembersBody("b"), ("If-Match", etag));
        var stale = await Send(HttpMethod.Post, Sets(key, "/members"), MembersBody("c"), ("If-Match", etag));

        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        await stale.Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
        Assert.Equal(["a", "b"], await MembersOf(key));
    }

    [Fact]
    public async Task Add_to_a_key_of_another_type_is_a_409_and_changes_nothing()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "text");

        var problem = await _client.PostAsync(Sets(key, "/members"), MembersBody("a")).Problem(HttpStatusCode.Conflict, "WRONGTYPE");

        Assert.Equal(WrongType, problem.Detail());
        Assert.Equal("text", await _client.GetValue(key));
    }

    [Theory]
    [InlineData("""{"members":[]}""", "members")]
    [InlineData("""{"members":["a",null]}""", "members[1]")]
    [InlineData("""{"members":["%%%"],"encoding":"base64"}""", "members[0]")]
    [InlineData("""{"members":["a"],"encoding":"hex"}""", "encoding")]
    public async Task Add_with_bad_members_is_a_400_naming_the_field_and_stores_nothing(string json, string field)
    {
        var key = ApiFactory.Key();

        var problem = await _client.PostAsync(Sets(key, "/members"), Json(json)).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        await _client.GetAsync(Sets(key)).Problem(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("")]
    [InlineData("""{"member":"a"}""")]
    [InlineData("""{"members":"a"}""")]
    [InlineData("""["a"]""")]
    public async Task Add_with_a_body_of_the_wrong_shape_is_a_400(string json)
    {
        await _client.PostAsync(Sets(ApiFactory.Key(), "/members"), Json(json)).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Add_accepts_the_empty_member()
    {
        var key = ApiFactory.Key();

        await Add(key, "");

        Assert.Equal([""], await MembersOf(key));
    }

    // DELETE /sets/{key}/members?member=… (SREM)

    [Fact]
    public async Task Remove_counts_removed_members_and_reports_the_size_left()
    {
        var key = ApiFactory.Key();
        await Add(key, "a", "b", "c");

        var body = await (await _client.DeleteAsync(Sets(key, "/members?member=a&member=zz"))).Body(HttpStatusCode.OK);

        Assert.Equal((1, 2), (body.GetProperty("removed").GetInt64(), body.GetProperty("cardinality").GetInt64()));
        Assert.Equal(["b", "c"], await MembersOf(key));
    }

    [Fact]
    public async Task Removing_the_last_members_deletes_the_set()
    {
        var key = ApiFactory.Key();
        await Add(key, "a");

        var response = await _client.DeleteAsync(Sets(key, "/members?member=a"));

        Assert.Equal(0, (await response.Body(HttpStatusCode.OK)).GetProperty("cardinality").GetInt64());
        Assert.Null(response.Header("ETag"));
        await _client.GetAsync(Keys(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Remove_with_a_stale_if_match_is_412_and_removes_nothing()
    {
        var key = ApiFactory.Key();
        var etag = (await Add(key, "a")).ETag();
        await Add(key, "b");

        await Send(HttpMethod.Delete, Sets(key, "/members?member=a"), null, ("If-Match", etag)).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");

        Assert.Equal(["a", "b"], await MembersOf(key));
    }

    [Fact]
    public async Task Remove_takes_percent_encoded_or_base64_members_and_needs_at_least_one()
    {
        var key = ApiFactory.Key();
        await Add(key, "a b", "c&d", "e");

        var text = await (await _client.DeleteAsync(Sets(key, "/members?member=a%20b&member=c%26d"))).Body(HttpStatusCode.OK);
        var base64 = await (await _client.DeleteAsync(Sets(key, $"/members?encoding=base64&member={Uri.EscapeDataString(Convert.ToBase64String("e"u8.ToArray()))}"))).Body(HttpStatusCode.OK);
        var none = await _client.DeleteAsync(Sets(ApiFactory.Key(), "/members")).Problem(HttpStatusCode.BadRequest);

        Assert.Equal(2, text.GetProperty("removed").GetInt64());
        Assert.Equal(1, base64.GetProperty("removed").GetInt64());
        Assert.Contains("?member=a&member=b", none.Detail(), StringComparison.Ordinal);
    }

    // POST /sets/{key}/pop (SPOP)

    [Fact]
    public async Task Pop_removes_and_returns_random_members()
    {
        var key = ApiFactory.Key();
        await Add(key, "a", "b", "c");

        var one = Texts((await (await _client.PostAsync(Sets(key, "/pop"), null)).Body(HttpStatusCode.OK)).GetProperty("members"));
        var two = Texts((await (await _client.PostAsync(Sets(key, "/pop?count=5"), null)).Body(HttpStatusCode.OK)).GetProperty("members"));

        Assert.Single(one);
        Assert.Equal(2, two.Length);
        Assert.Equal(["a", "b", "c"], one.Concat(two).Order(StringComparer.Ordinal));
        await _client.GetAsync(Sets(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Pop_from_a_missing_set_is_empty()
    {
        var body = await (await _client.PostAsync(Sets(ApiFactory.Key(), "/pop?count=2"), null)).Body(HttpStatusCode.OK);

        Assert.Empty(Texts(body.GetProperty("members")));
    }

    [Fact]
    public async Task Pop_with_a_negative_count_is_a_400_and_beyond_the_cap_too()
    {
        var key = ApiFactory.Key();
        await Add(key, "a");

        var negative = await _client.PostAsync(Sets(key, "/pop?count=-1"), null).Problem(HttpStatusCode.BadRequest);
        var tooMany = await _client.PostAsync(Sets(key, "/pop?count=10001"), null).Problem(HttpStatusCode.BadRequest);

        Assert.True(negative.GetProperty("errors").TryGetProperty("count", out _));
        Assert.Contains("Http:MaxResponseElements", tooMany.Detail(), StringComparison.Ordinal);
        Assert.Equal(["a"], await MembersOf(key));
    }

    [Fact]
    public async Task Pop_with_if_match_pops_only_from_the_version_read()
    {
        var key = ApiFactory.Key();
        var etag = (await Add(key, "a", "b")).ETag();

        var popped = await Send(HttpMethod.Post, Sets(key, "/pop"), null, ("If-Match", etag));
        var stale = await Send(HttpMethod.Post, Sets(key, "/pop"), null, ("If-Match", etag));

        Assert.Equal(HttpStatusCode.OK, popped.StatusCode);
        await stale.Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
        Assert.Single(await MembersOf(key));
    }

    // POST /sets/{key}/move (SMOVE)

    [Fact]
    public async Task Move_moves_a_member_to_another_set()
    {
        var (pending, accepted) = (ApiFactory.Key("pending"), ApiFactory.Key("accepted"));
        await Add(pending, "bob", "carol");

        var body = await (await _client.PostAsync(Sets(pending, "/move"), Json($$"""{"destination":"{{accepted}}","member":"bob"}"""))).Body(HttpStatusCode.OK);

        Assert.True(body.GetProperty("moved").GetBoolean());
        Assert.Equal((pending, accepted, "bob"), (body.GetProperty("source").GetString(), body.GetProperty("destination").GetString(), body.GetProperty("member").GetString()));
        Assert.Equal(["carol"], await MembersOf(pending));
        Assert.Equal(["bob"], await MembersOf(accepted));
    }

    [Fact]
    public async Task Move_of_a_member_that_is_not_there_is_not_moved()
    {
        var (source, destination) = (ApiFactory.Key("s"), ApiFactory.Key("d"));
        await Add(source, "a");

        var body = await (await _client.PostAsync(Sets(source, "/move"), Json($$"""{"destination":"{{destination}}","member":"zz"}"""))).Body(HttpStatusCode.OK);

        Assert.False(body.GetProperty("moved").GetBoolean());
        await _client.GetAsync(Sets(destination)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Move_to_a_key_of_another_type_is_a_409_and_moves_nothing()
    {
        var (source, destination) = (ApiFactory.Key("s"), ApiFactory.Key("d"));
        await Add(source, "a");
        await _client.PutString(destination, "text");

        await _client.PostAsync(Sets(source, "/move"), Json($$"""{"destination":"{{destination}}","member":"a"}""")).Problem(HttpStatusCode.Conflict, "WRONGTYPE");

        Assert.Equal(["a"], await MembersOf(source));
    }

    [Theory]
    [InlineData("""{"destination":"","member":"a"}""", "destination")]
    [InlineData("""{"member":"a"}""", null)]
    [InlineData("""{"destination":"d","member":"!!","encoding":"base64"}""", "member")]
    public async Task Move_with_a_bad_body_is_a_400(string json, string? field)
    {
        var problem = await _client.PostAsync(Sets(ApiFactory.Key(), "/move"), Json(json)).Problem(HttpStatusCode.BadRequest);

        if (field is not null)
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    // POST /sets/inter, /union, /diff (SINTER, SUNION, SDIFF and their STORE forms), /intercard (SINTERCARD)

    [Fact]
    public async Task Inter_union_and_diff_return_the_members_and_their_count()
    {
        var (a, b) = (ApiFactory.Key("a"), ApiFactory.Key("b"));
        await Add(a, "1", "2", "3");
        await Add(b, "2", "3", "4");
        var keys = JsonSerializer.Serialize(new { keys = new[] { a, b } });

        var inter = await (await _client.PostAsync("/sets/inter", Json(keys))).Body(HttpStatusCode.OK);
        var union = await (await _client.PostAsync("/sets/union", Json(keys))).Body(HttpStatusCode.OK);
        var diff = await (await _client.PostAsync("/sets/diff", Json(keys))).Body(HttpStatusCode.OK);

        Assert.Equal(["2", "3"], Sorted(inter.GetProperty("members")));
        Assert.Equal(2, inter.GetProperty("cardinality").GetInt64());
        Assert.Equal(["1", "2", "3", "4"], Sorted(union.GetProperty("members")));
        Assert.Equal(4, union.GetProperty("cardinality").GetInt64());
        Assert.Equal(["1"], Sorted(diff.GetProperty("members")));
        Assert.Equal(1, diff.GetProperty("cardinality").GetInt64());
        Assert.False(inter.TryGetProperty("destination", out _));
    }

    [Fact]
    public async Task Algebra_with_a_missing_key_treats_it_as_an_empty_set()
    {
        var a = ApiFactory.Key("a");
        await Add(a, "1");
        var keys = JsonSerializer.Serialize(new { keys = new[] { a, ApiFactory.Key("missing") } });

        var inter = await (await _client.PostAsync("/sets/inter", Json(keys))).Body(HttpStatusCode.OK);

        Assert.Equal(0, inter.GetProperty("cardinality").GetInt64());
        Assert.Empty(Texts(inter.GetProperty("members")));
    }

    [Fact]
    public async Task Algebra_with_a_destination_stores_the_result_and_reports_its_etag()
    {
        var (a, b, dst) = (ApiFactory.Key("a"), ApiFactory.Key("b"), ApiFactory.Key("dst"));
        await Add(a, "1", "2");
        await Add(b, "2", "3");

        var response = await _client.PostAsync("/sets/union", Json(JsonSerializer.Serialize(new { keys = new[] { a, b }, destination = dst })));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal((3, dst), (body.GetProperty("cardinality").GetInt64(), body.GetProperty("destination").GetString()));
        Assert.False(body.TryGetProperty("members", out _));
        Assert.Equal(response.ETag(), (await _client.GetAsync(Sets(dst))).ETag());
        Assert.Equal(["1", "2", "3"], await MembersOf(dst));
    }

    [Fact]
    public async Task Storing_an_empty_result_deletes_the_destination_whatever_it_held()
    {
        var (a, dst) = (ApiFactory.Key("a"), ApiFactory.Key("dst"));
        await Add(a, "1");
        await _client.PutString(dst, "old");

        var body = await (await _client.PostAsync("/sets/diff", Json(JsonSerializer.Serialize(new { keys = new[] { a, a }, destination = dst })))).Body(HttpStatusCode.OK);

        Assert.Equal(0, body.GetProperty("cardinality").GetInt64());
        await _client.GetAsync(Keys(dst)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Storing_with_if_none_match_star_refuses_an_existing_destination()
    {
        var (a, dst) = (ApiFactory.Key("a"), ApiFactory.Key("dst"));
        await Add(a, "1");
        await Add(dst, "keep");

        await Send(HttpMethod.Post, "/sets/inter", Json(JsonSerializer.Serialize(new { keys = new[] { a }, destination = dst })), ("If-None-Match", "*"))
            .Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");

        Assert.Equal(["keep"], await MembersOf(dst));
    }

    [Fact]
    public async Task Algebra_over_a_key_of_another_type_is_a_409()
    {
        var (a, s) = (ApiFactory.Key("a"), ApiFactory.Key("s"));
        await Add(a, "1");
        await _client.PutString(s, "text");

        await _client.PostAsync("/sets/union", Json(JsonSerializer.Serialize(new { keys = new[] { a, s } }))).Problem(HttpStatusCode.Conflict, "WRONGTYPE");
    }

    [Theory]
    [InlineData("/sets/inter", """{"keys":[]}""", "keys")]
    [InlineData("/sets/union", """{"keys":["a",""]}""", "keys[1]")]
    [InlineData("/sets/diff", """{"keys":["a"],"destination":""}""", "destination")]
    [InlineData("/sets/intercard", """{"keys":["a"],"limit":-1}""", "limit")]
    [InlineData("/sets/intercard", """{"keys":["@@"],"encoding":"base64"}""", "keys[0]")]
    public async Task Algebra_with_bad_keys_is_a_400_naming_the_field(string path, string json, string field)
    {
        var problem = await _client.PostAsync(path, Json(json)).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Intercard_counts_the_intersection_up_to_the_limit()
    {
        var (a, b) = (ApiFactory.Key("a"), ApiFactory.Key("b"));
        await Add(a, "1", "2", "3");
        await Add(b, "1", "2", "3", "4");

        var all = await (await _client.PostAsync("/sets/intercard", Json(JsonSerializer.Serialize(new { keys = new[] { a, b } })))).Body(HttpStatusCode.OK);
        var limited = await (await _client.PostAsync("/sets/intercard", Json(JsonSerializer.Serialize(new { keys = new[] { a, b }, limit = 2 })))).Body(HttpStatusCode.OK);

        Assert.Equal(3, all.GetProperty("cardinality").GetInt64());
        Assert.Equal(2, limited.GetProperty("cardinality").GetInt64());
        Assert.False(all.TryGetProperty("members", out _));
    }

    [Fact]
    public async Task Algebra_keys_may_be_sent_in_base64()
    {
        var a = ApiFactory.Key("a");
        await Add(a, "x");
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(a));

        var body = await (await _client.PostAsync("/sets/union", Json($$"""{"keys":["{{base64}}"],"encoding":"base64"}"""))).Body(HttpStatusCode.OK);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal(["eA=="], Texts(body.GetProperty("members")));
    }

    // The seed's use cases, end to end

    [Fact]
    public async Task Mutual_friends_are_the_intersection_of_two_friend_lists()
    {
        var (alice, bob) = (ApiFactory.Key("friends:alice"), ApiFactory.Key("friends:bob"));
        await Add(alice, "carol", "dave", "erin");
        await Add(bob, "dave", "erin", "frank");

        var mutual = await (await _client.PostAsync("/sets/inter", Json(JsonSerializer.Serialize(new { keys = new[] { alice, bob } })))).Body(HttpStatusCode.OK);

        Assert.Equal(["dave", "erin"], Sorted(mutual.GetProperty("members")));
    }

    [Fact]
    public async Task Unique_visitors_count_each_visitor_once()
    {
        var day = ApiFactory.Key("visitors:2024-05-01");

        foreach (var visitor in new[] { "ip1", "ip2", "ip1", "ip3", "ip2" })
            await Add(day, visitor);

        var body = await (await _client.GetAsync(Sets(day, "/cardinality"))).Body(HttpStatusCode.OK);
        Assert.Equal(3, body.GetProperty("cardinality").GetInt64());
    }

    // The command endpoint reaches the set commands

    [Fact]
    public async Task The_command_endpoint_runs_set_commands_with_redis_replies()
    {
        var key = ApiFactory.Key();

        async Task<JsonElement> Run(string json)
        {
            var response = await _client.PostAsync("/commands", Json(json));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("result").Clone();
        }

        Assert.Equal(3, (await Run($"""["SADD","{key}","a","b","c"]""")).GetInt64());
        Assert.Equal(["a", "b", "c"], Sorted(await Run($"""["SMEMBERS","{key}"]""")));
        Assert.Equal([1, 0], (await Run($"""["SMISMEMBER","{key}","a","z"]""")).EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(2, (await Run($"""["SPOP","{key}",2]""")).GetArrayLength());
        Assert.Equal(1, (await Run($"""["SCARD","{key}"]""")).GetInt64());
        Assert.Equal(1, (await Run($"""["SINTERCARD",1,"{key}","LIMIT",5]""")).GetInt64());
    }

    [Fact]
    public async Task The_command_endpoint_reports_set_errors_in_redis_text()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "text");

        var wrongType = await _client.PostAsync("/commands", Json($"""["SADD","{key}","a"]"""));
        var badCount = await _client.PostAsync("/commands", Json($"""["SPOP","{key}s",-1]"""));

        Assert.Equal(WrongType, JsonDocument.Parse(await wrongType.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.Equal("ERR value is out of range, must be positive", JsonDocument.Parse(await badCount.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }
}

/// <summary>The service with a small response cap, to see whole-set reads refused and paging offered instead.</summary>
public sealed class SmallCapApiFactory : ApiFactory
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Http:MaxResponseElements", "5")];
}

/// <summary>Whole-set reads beyond <c>Http:MaxResponseElements</c> are 400 problems naming the cap; paging still works.</summary>
public sealed class SetsEndpointsCapTests(SmallCapApiFactory factory) : IClassFixture<SmallCapApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task A_set_larger_than_the_cap_is_refused_whole_and_read_in_pages()
    {
        var key = ApiFactory.Key();
        var members = Enumerable.Range(0, 6).Select(i => $"m{i}").ToArray();
        await _client.PostAsync($"/sets/{Segment(key)}/members", Json(JsonSerializer.Serialize(new { members })));

        var problem = await _client.GetAsync($"/sets/{Segment(key)}").Problem(HttpStatusCode.BadRequest);
        var page = await (await _client.GetAsync($"/sets/{Segment(key)}/members?limit=3")).Body(HttpStatusCode.OK);

        Assert.Contains("6 elements", problem.Detail(), StringComparison.Ordinal);
        Assert.Contains("Http:MaxResponseElements", problem.Detail(), StringComparison.Ordinal);
        Assert.NotEmpty(page.GetProperty("members").EnumerateArray());
    }

    [Fact]
    public async Task A_set_at_the_cap_is_returned_whole()
    {
        var key = ApiFactory.Key();
        var members = Enumerable.Range(0, 5).Select(i => $"m{i}").ToArray();
        await _client.PostAsync($"/sets/{Segment(key)}/members", Json(JsonSerializer.Serialize(new { members })));

        var body = await (await _client.GetAsync($"/sets/{Segment(key)}")).Body(HttpStatusCode.OK);

        Assert.Equal(5, body.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task An_algebra_result_larger_than_the_cap_is_refused_unless_it_is_stored()
    {
        var (a, b, dst) = (ApiFactory.Key("a"), ApiFactory.Key("b"), ApiFactory.Key("dst"));
        await _client.PostAsync($"/sets/{Segment(a)}/members", Json("""{"members":["1","2","3"]}"""));
        await _client.PostAsync($"/sets/{Segment(b)}/members", Json("""{"members":["4","5","6"]}"""));

        var problem = await _client.PostAsync("/sets/union", Json(JsonSerializer.Serialize(new { keys = new[] { a, b } }))).Problem(HttpStatusCode.BadRequest);
        var stored = await (await _client.PostAsync("/sets/union", Json(JsonSerializer.Serialize(new { keys = new[] { a, b }, destination = dst })))).Body(HttpStatusCode.OK);

        Assert.Contains("Http:MaxResponseElements", problem.Detail(), StringComparison.Ordinal);
        Assert.Equal(6, stored.GetProperty("cardinality").GetInt64());
    }
}
