using System.Net;
using System.Text.Json;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// <c>/zsets</c> over HTTP: every route, its preconditions and problems, the seed use cases
/// (leaderboard, priority queue, time series, geohash ranges), and the command endpoint reaching the
/// sorted-set commands.
/// </summary>
public sealed class ZSetsEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string ZSets(string key, string suffix = "") => $"/zsets/{Segment(key)}{suffix}";

    private static string Member(string key, string member, string suffix = "") => ZSets(key, $"/members/{Segment(member)}{suffix}");

    /// <summary>Adds members with ZADD through the route; asserts success.</summary>
    private async Task<HttpResponseMessage> Add(string key, string membersJson, string options = "")
    {
        var response = await _client.PostAsync(ZSets(key, "/members"), Json($$"""{"members":{{membersJson}}{{options}}}"""));
        Assert.True(response.IsSuccessStatusCode, $"ZADD answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    /// <summary>A range, pop or algebra reply's members as "member=score" texts (just "member" when there is no score).</summary>
    private static string[] Pairs(JsonElement body) =>
        body.GetProperty("members").EnumerateArray().Select(item => item.TryGetProperty("score", out var score)
            ? $"{item.GetProperty("member").GetString()}={score}"
            : item.GetProperty("member").GetString()!).ToArray();

    private async Task<string[]> Range(string key, string query = "")
    {
        var body = await (await _client.GetAsync(ZSets(key, "/members" + query))).Body(HttpStatusCode.OK);
        return Pairs(body);
    }

    private async Task<long> Card(string key)
    {
        var response = await _client.GetAsync(ZSets(key));
        if (response.StatusCode == HttpStatusCode.NotFound)
            return 0;
        return (await response.Body(HttpStatusCode.OK)).GetProperty("count").GetInt64();
    }

    private Executor Engine => factory.Services.GetRequiredService<Executor>();

    private async Task Parked(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Engine.BlockedCount != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Expected {count} blocked callers, have {Engine.BlockedCount}.");
            await Task.Delay(5);
        }
    }

    // GET /zsets/{key} (ZCARD)

    [Fact]
    public async Task Get_returns_the_size_and_an_etag_and_304_while_unchanged()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1},{"member":"b","score":2}]""");

        var response = await _client.GetAsync(ZSets(key));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal(2, body.GetProperty("count").GetInt64());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("ttlMs").ValueKind);
        var again = await _client.SendAsync(Request(HttpMethod.Get, ZSets(key), null, ("If-None-Match", response.ETag())));
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
    }

    [Fact]
    public async Task Get_reports_the_ttl_in_the_body_and_header()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1}]""");
        await _client.PutAsync(Keys(key, "/expiry"), Json("""{"ttlMs":5000}"""));

        var response = await _client.GetAsync(ZSets(key));

        Assert.Equal(5000, (await response.Body(HttpStatusCode.OK)).GetProperty("ttlMs").GetInt64());
        Assert.Equal("5000", response.Header("Lodestone-Ttl-Ms"));
    }

    [Fact]
    public async Task Get_of_a_missing_key_is_404_and_of_another_type_409()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key + ":s", "v");

        var missing = await _client.GetAsync(ZSets(key)).Problem(HttpStatusCode.NotFound);
        await _client.GetAsync(ZSets(key + ":s")).Problem(HttpStatusCode.Conflict, "WRONGTYPE");

        Assert.Equal("urn:lodestone:problem:no-such-key", missing.GetProperty("type").GetString());
    }

    // POST /zsets/{key}/members (ZADD)

    [Fact]
    public async Task Add_creates_the_key_with_201_and_then_answers_200_with_the_new_members_count()
    {
        var key = ApiFactory.Key();

        var created = await _client.PostAsync(ZSets(key, "/members"), Json("""{"members":[{"member":"a","score":1},{"member":"b","score":2}]}"""));
        var more = await _client.PostAsync(ZSets(key, "/members"), Json("""{"members":[{"member":"a","score":5},{"member":"c","score":3}]}"""));

        Assert.Equal(2, (await created.Body(HttpStatusCode.Created)).GetProperty("count").GetInt64());
        Assert.Equal(ZSets(key), created.Headers.Location?.OriginalString);
        Assert.Equal(1, (await more.Body(HttpStatusCode.OK)).GetProperty("count").GetInt64());
        Assert.NotEqual(created.ETag(), more.ETag());
        Assert.Equal(["b=2", "c=3", "a=5"], await Range(key));
    }

    [Fact]
    public async Task Add_takes_redis_conditions_and_ch()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":5},{"member":"b","score":5}]""");

        var nx = await (await Add(key, """[{"member":"a","score":1},{"member":"n","score":1}]""", ""","condition":"nx" """)).Body(HttpStatusCode.OK);
        var xx = await (await Add(key, """[{"member":"b","score":6},{"member":"x","score":1}]""", ""","condition":"xx","ch":true""")).Body(HttpStatusCode.OK);
        var gt = await (await Add(key, """[{"member":"a","score":4},{"member":"b","score":9}]""", ""","compare":"gt","ch":true""")).Body(HttpStatusCode.OK);

        Assert.Equal(1, nx.GetProperty("count").GetInt64());
        Assert.Equal(1, xx.GetProperty("count").GetInt64());
        Assert.Equal(1, gt.GetProperty("count").GetInt64());
        Assert.Equal(["n=1", "a=5", "b=9"], await Range(key));
    }

    [Fact]
    public async Task Add_with_incr_answers_the_new_score_or_null_when_a_condition_stops_it()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":5}]""");

        var incremented = await (await Add(key, """[{"member":"a","score":2.5}]""", ""","incr":true""")).Body(HttpStatusCode.OK);
        var stopped = await (await Add(key, """[{"member":"a","score":-1}]""", ""","incr":true,"compare":"gt" """)).Body(HttpStatusCode.OK);

        Assert.Equal(7.5, incremented.GetProperty("score").GetDouble());
        Assert.Equal("a", incremented.GetProperty("member").GetString());
        Assert.Equal(JsonValueKind.Null, stopped.GetProperty("score").ValueKind);
    }

    [Fact]
    public async Task Infinite_scores_are_the_strings_inf_and_minus_inf_both_ways()
    {
        var key = ApiFactory.Key();

        await Add(key, """[{"member":"top","score":"+inf"},{"member":"bottom","score":"-inf"},{"member":"mid","score":0.25}]""");

        var body = await (await _client.GetAsync(ZSets(key, "/members"))).Body(HttpStatusCode.OK);
        Assert.Equal("""[{"member":"bottom","score":"-inf"},{"member":"mid","score":0.25},{"member":"top","score":"inf"}]""", body.GetProperty("members").GetRawText());
    }

    [Theory]
    [InlineData("""{"members":[]}""", "members")]
    [InlineData("""{"members":[{"member":"a","score":1}],"condition":"maybe"}""", "condition")]
    [InlineData("""{"members":[{"member":"a","score":1}],"compare":"eq"}""", "compare")]
    [InlineData("""{"members":[{"member":"a","score":1}],"condition":"nx","compare":"gt"}""", "compare")]
    [InlineData("""{"members":[{"member":"a","score":1},{"member":"b","score":2}],"incr":true}""", "incr")]
    [InlineData("""{"members":[{"member":"%%%","score":1}],"encoding":"base64"}""", "members[0]")]
    [InlineData("""{"members":[{"member":"a","score":1}],"encoding":"hex"}""", "encoding")]
    public async Task Add_with_an_invalid_body_is_a_validation_problem_and_stores_nothing(string body, string field)
    {
        var key = ApiFactory.Key();

        var problem = await _client.PostAsync(ZSets(key, "/members"), Json(body)).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        Assert.Equal(0, await Card(key));
    }

    [Theory]
    [InlineData("""{"members":[{"member":"a","score":"lots"}]}""")]
    [InlineData("""{"members":[{"member":"a"}]}""")]
    [InlineData("""{"members":[{"member":"a","score":1,"weight":2}]}""")]
    [InlineData("""{"members":[null]}""")]
    [InlineData("""{"members":[{"member":null,"score":1}]}""")]
    [InlineData("""{"members":[{"member":"a","score":1e400}]}""")]
    [InlineData("""{"members":[{"member":"a","score":"NaN"}]}""")]
    [InlineData("""{"members":[{"member":"a","score":true}]}""")]
    public async Task Add_with_malformed_json_is_a_400_problem(string body)
    {
        var key = ApiFactory.Key();

        await _client.PostAsync(ZSets(key, "/members"), Json(body)).Problem(HttpStatusCode.BadRequest);

        Assert.Equal(0, await Card(key));
    }

    [Fact]
    public async Task Add_with_base64_members_stores_their_bytes_and_reads_back_as_base64()
    {
        var key = ApiFactory.Key();

        await Add(key, """[{"member":"AP8=","score":1}]""", ""","encoding":"base64" """);

        var body = await (await _client.GetAsync(ZSets(key, "/members"))).Body(HttpStatusCode.OK);
        var only = Assert.Single(body.GetProperty("members").EnumerateArray());
        Assert.Equal("AP8=", only.GetProperty("member").GetString());
        Assert.Equal("base64", only.GetProperty("encoding").GetString());
    }

    [Fact]
    public async Task Add_to_a_key_of_another_type_is_409()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        await _client.PostAsync(ZSets(key, "/members"), Json("""{"members":[{"member":"a","score":1}]}""")).Problem(HttpStatusCode.Conflict, "WRONGTYPE");

        Assert.Equal("v", await _client.GetValue(key));
    }

    [Fact]
    public async Task Add_honours_if_match_and_if_none_match()
    {
        var key = ApiFactory.Key();
        var first = await Add(key, """[{"member":"a","score":1}]""");
        var body = Json("""{"members":[{"member":"b","score":2}]}""");

        await _client.SendAsync(Request(HttpMethod.Post, ZSets(key, "/members"), body, ("If-None-Match", "*"))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
        var matched = await _client.SendAsync(Request(HttpMethod.Post, ZSets(key, "/members"), Json("""{"members":[{"member":"b","score":2}]}"""), ("If-Match", first.ETag())));
        await _client.SendAsync(Request(HttpMethod.Post, ZSets(key, "/members"), Json("""{"members":[{"member":"c","score":3}]}"""), ("If-Match", first.ETag())))
            .Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");

        Assert.Equal(HttpStatusCode.OK, matched.StatusCode);
        Assert.Equal(["a=1", "b=2"], await Range(key));
    }

    // GET/DELETE /zsets/{key}/members/{member} (ZSCORE, ZREM)

    [Fact]
    public async Task Score_of_a_member_any_bytes_in_its_name()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a/b c?%","score":1.5}]""");

        var response = await _client.GetAsync(Member(key, "a/b c?%"));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal("a/b c?%", body.GetProperty("member").GetString());
        Assert.Equal(1.5, body.GetProperty("score").GetDouble());
        Assert.Equal(key, body.GetProperty("key").GetString());
        var again = await _client.SendAsync(Request(HttpMethod.Get, Member(key, "a/b c?%"), null, ("If-None-Match", response.ETag())));
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
    }

    [Fact]
    public async Task Score_of_a_missing_member_or_key_is_404_naming_which()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1}]""");

        var member = await _client.GetAsync(Member(key, "nope")).Problem(HttpStatusCode.NotFound);
        var missing = await _client.GetAsync(Member(key + ":missing", "a")).Problem(HttpStatusCode.NotFound);

        Assert.Equal("urn:lodestone:problem:not-found", member.GetProperty("type").GetString());
        Assert.Contains("'nope'", member.Detail(), StringComparison.Ordinal);
        Assert.Equal("urn:lodestone:problem:no-such-key", missing.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Remove_deletes_a_member_and_the_last_one_deletes_the_key()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1},{"member":"b","score":2}]""");

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync(Member(key, "a"))).StatusCode);
        await _client.DeleteAsync(Member(key, "a")).Problem(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync(Member(key, "b"))).StatusCode);

        await _client.GetAsync(ZSets(key)).Problem(HttpStatusCode.NotFound);
        await _client.DeleteAsync(Member(key, "b")).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Remove_with_a_stale_if_match_is_412_and_keeps_the_member()
    {
        var key = ApiFactory.Key();
        var first = await Add(key, """[{"member":"a","score":1}]""");
        await Add(key, """[{"member":"b","score":2}]""");

        await _client.SendAsync(Request(HttpMethod.Delete, Member(key, "a"), null, ("If-Match", first.ETag()))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");

        Assert.Equal(["a=1", "b=2"], await Range(key));
    }

    // POST /zsets/{key}/members/{member}/incr (ZINCRBY), GET …/rank (ZRANK)

    [Fact]
    public async Task Increment_adds_by_1_by_default_or_by_the_given_amount()
    {
        var key = ApiFactory.Key();

        var first = await (await _client.PostAsync(Member(key, "player", "/incr"), null)).Body(HttpStatusCode.OK);
        var second = await (await _client.PostAsync(Member(key, "player", "/incr"), Json("""{"by":2.5}"""))).Body(HttpStatusCode.OK);

        Assert.Equal(1, first.GetProperty("score").GetDouble());
        Assert.Equal(3.5, second.GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task Increment_to_nan_is_422_with_the_redis_text()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":"inf"}]""");

        var problem = await _client.PostAsync(Member(key, "a", "/incr"), Json("""{"by":"-inf"}""")).Problem(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("ERR resulting score is not a number (NaN)", problem.Detail());
    }

    [Fact]
    public async Task Rank_answers_the_rank_and_score_from_either_end()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":10},{"member":"b","score":20},{"member":"c","score":30}]""");

        var up = await (await _client.GetAsync(Member(key, "b", "/rank"))).Body(HttpStatusCode.OK);
        var down = await (await _client.GetAsync(Member(key, "a", "/rank?reverse=true"))).Body(HttpStatusCode.OK);

        Assert.Equal(1, up.GetProperty("rank").GetInt64());
        Assert.Equal(20, up.GetProperty("score").GetDouble());
        Assert.Equal(2, down.GetProperty("rank").GetInt64());
        await _client.GetAsync(Member(key, "nope", "/rank")).Problem(HttpStatusCode.NotFound);
    }

    // GET /zsets/{key}/count (ZCOUNT)

    [Fact]
    public async Task Count_counts_a_score_range_with_redis_bounds()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1},{"member":"b","score":2},{"member":"c","score":3}]""");

        async Task<long> Count(string query) =>
            (await (await _client.GetAsync(ZSets(key, "/count" + query))).Body(HttpStatusCode.OK)).GetProperty("count").GetInt64();

        Assert.Equal(3, await Count(""));
        Assert.Equal(1, await Count("?min=(1&max=(3"));
        Assert.Equal(2, await Count("?min=2&max=%2Binf"));
        Assert.Equal(0, (await (await _client.GetAsync(ZSets(key + ":missing", "/count"))).Body(HttpStatusCode.OK)).GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Count_with_a_bad_bound_is_400_with_the_redis_text()
    {
        var problem = await _client.GetAsync(ZSets(ApiFactory.Key(), "/count?min=low")).Problem(HttpStatusCode.BadRequest);

        Assert.Equal("ERR min or max is not a float", problem.Detail());
    }

    // GET /zsets/{key}/members (ZRANGE)

    [Fact]
    public async Task Range_by_rank_from_either_end()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1},{"member":"b","score":2},{"member":"c","score":3},{"member":"d","score":4}]""");

        Assert.Equal(["a=1", "b=2", "c=3", "d=4"], await Range(key));
        Assert.Equal(["b=2", "c=3"], await Range(key, "?start=1&stop=2"));
        Assert.Equal(["d=4", "c=3"], await Range(key, "?stop=1&reverse=true"));
        Assert.Equal(["c=3", "d=4"], await Range(key, "?start=-2"));
        Assert.Empty(await Range(key, "?start=10&stop=20"));
    }

    [Fact]
    public async Task Range_by_score_takes_exclusive_bounds_reverse_and_a_page_limit()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1},{"member":"b","score":2},{"member":"c","score":3},{"member":"d","score":4}]""");

        Assert.Equal(["b=2", "c=3"], await Range(key, "?by=score&min=(1&max=3"));
        Assert.Equal(["c=3", "b=2"], await Range(key, "?by=score&min=(1&max=3&reverse=true"));
        Assert.Equal(["a=1", "b=2"], await Range(key, "?by=score&limit=2"));
        Assert.Equal(["c=3"], await Range(key, "?by=score&max=(4&reverse=true&limit=1"));
        Assert.Empty(await Range(key, "?by=score&min=5"));
    }

    [Fact]
    public async Task Range_by_lex_returns_members_without_scores()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"apple","score":0},{"member":"banana","score":0},{"member":"cherry","score":0}]""");

        Assert.Equal(["banana", "cherry"], await Range(key, "?by=lex&min=[b"));
        Assert.Equal(["banana", "apple"], await Range(key, "?by=lex&max=(c&reverse=true"));
        var problem = await _client.GetAsync(ZSets(key, "/members?by=lex&min=b")).Problem(HttpStatusCode.BadRequest);
        Assert.Equal("ERR min or max not valid string range item", problem.Detail());
    }

    [Fact]
    public async Task Range_of_a_missing_key_is_an_empty_list()
    {
        Assert.Empty(await Range(ApiFactory.Key()));
        Assert.Empty(await Range(ApiFactory.Key(), "?by=score"));
    }

    [Fact]
    public async Task Range_has_the_etag_of_the_key_and_answers_304_while_unchanged()
    {
        var key = ApiFactory.Key();
        var added = await Add(key, """[{"member":"a","score":1}]""");

        var response = await _client.GetAsync(ZSets(key, "/members"));
        var again = await _client.SendAsync(Request(HttpMethod.Get, ZSets(key, "/members?by=score"), null, ("If-None-Match", response.ETag())));

        Assert.Equal(added.ETag(), response.ETag());
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
    }

    [Theory]
    [InlineData("?by=rating", "by")]
    [InlineData("?min=1", "min")]
    [InlineData("?by=score&start=1", "start")]
    public async Task Range_with_options_that_do_not_fit_is_a_validation_problem(string query, string field)
    {
        var problem = await _client.GetAsync(ZSets(ApiFactory.Key(), "/members" + query)).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Theory]
    [InlineData("/members?start=abc")]
    [InlineData("/members?reverse=maybe")]
    [InlineData("/members?limit=0")]
    [InlineData("/members?by=lex&limit=-1")]
    [InlineData("/members?page=nope")]
    [InlineData("/popmin?count=many")]
    [InlineData("/members/a/rank?reverse=2")]
    public async Task Query_values_of_the_wrong_type_are_400_problems(string suffix)
    {
        var method = suffix.StartsWith("/popmin", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get;

        await _client.SendAsync(Request(method, ZSets(ApiFactory.Key(), suffix))).Problem(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("", "a b c d e f g")]
    [InlineData("?reverse=true", "g f e d c b a")]
    [InlineData("?start=1&stop=-2", "b c d e f")]
    [InlineData("?start=-5&stop=-2", "c d e f")]
    [InlineData("?start=-100&stop=4&reverse=true", "g f e d c")]
    [InlineData("?by=score&min=(1&max=6", "b c d e f")]
    [InlineData("?by=score&reverse=true", "g f e d c b a")]
    public async Task A_range_is_read_page_by_page_with_no_page_over_its_limit(string query, string expected)
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1},{"member":"b","score":2},{"member":"c","score":3},{"member":"d","score":4},{"member":"e","score":5},{"member":"f","score":6},{"member":"g","score":7}]""");

        foreach (var limit in new[] { 1, 2, 3, 100 })
        {
            var members = await _client.PageThrough(ZSets(key, "/members" + query), "members", limit);

            Assert.Equal(expected, string.Join(' ', members.Select(m => m.GetProperty("member").GetString())));
        }
    }

    [Fact]
    public async Task A_page_has_a_next_token_only_while_the_range_goes_on_and_the_limit_is_capped()
    {
        using var limited = factory.WithWebHostBuilder(b => b.UseSetting("Http:MaxResponseElements", "3"));
        var client = limited.CreateCheckedClient();
        var key = ApiFactory.Key();
        await client.PostAsync(ZSets(key, "/members"), Json("""{"members":[{"member":"a","score":1},{"member":"b","score":2},{"member":"c","score":3},{"member":"d","score":4}]}"""));

        var first = await (await client.GetAsync(ZSets(key, "/members"))).Body(HttpStatusCode.OK);
        var second = await (await client.GetAsync(ZSets(key, $"/members?page={first.GetProperty("next").GetString()}"))).Body(HttpStatusCode.OK);
        var top = await (await client.GetAsync(ZSets(key, "/members?stop=2&reverse=true"))).Body(HttpStatusCode.OK);

        Assert.Equal(["a=1", "b=2", "c=3"], Pairs(first));
        Assert.Equal(["d=4"], Pairs(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Equal(["d=4", "c=3", "b=2"], Pairs(top));
        Assert.Equal(JsonValueKind.Null, top.GetProperty("next").ValueKind);
        Assert.Contains("Http:MaxResponseElements", (await client.GetAsync(ZSets(key, "/members?limit=4")).Problem(HttpStatusCode.BadRequest)).Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Members_named_in_the_query_are_removed_together()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1},{"member":"b","score":2},{"member":"c","score":3}]""");

        var body = await (await _client.DeleteAsync(ZSets(key, "/members?member=a&member=c&member=zz"))).Body(HttpStatusCode.OK);

        Assert.Equal(2, body.GetProperty("removed").GetInt64());
        Assert.Equal(["b=2"], await Range(key));
    }

    // POST /zsets/{key}/popmin, /popmax (ZPOPMIN, ZPOPMAX, BZPOPMIN, BZMPOP)

    [Fact]
    public async Task Pops_take_the_lowest_or_highest_members_and_an_empty_set_gives_an_empty_list()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1},{"member":"b","score":2},{"member":"c","score":3}]""");

        Assert.Equal(["a=1"], Pairs(await (await _client.PostAsync(ZSets(key, "/popmin"), null)).Body(HttpStatusCode.OK)));
        Assert.Equal(["c=3", "b=2"], Pairs(await (await _client.PostAsync(ZSets(key, "/popmax?count=5"), null)).Body(HttpStatusCode.OK)));
        Assert.Empty(Pairs(await (await _client.PostAsync(ZSets(key, "/popmin"), null)).Body(HttpStatusCode.OK)));
        Assert.Equal(0, await Card(key));
    }

    [Theory]
    [InlineData("?count=0")]
    [InlineData("?count=-2")]
    [InlineData("?timeout=0")]
    [InlineData("?timeout=-1")]
    [InlineData("?timeout=100000")]
    [InlineData("?count=20000")]
    public async Task Pops_with_a_bad_count_or_timeout_are_400(string query)
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1}]""");

        await _client.PostAsync(ZSets(key, "/popmin" + query), null).Problem(HttpStatusCode.BadRequest);

        Assert.Equal(1, await Card(key));
    }

    [Fact]
    public async Task A_pop_with_a_stale_if_match_is_412_and_pops_nothing()
    {
        var key = ApiFactory.Key();
        var first = await Add(key, """[{"member":"a","score":1}]""");
        await Add(key, """[{"member":"b","score":2}]""");

        await _client.SendAsync(Request(HttpMethod.Post, ZSets(key, "/popmin"), null, ("If-Match", first.ETag()))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");

        Assert.Equal(2, await Card(key));
    }

    [Fact]
    public async Task A_blocking_pop_waits_for_a_member_and_gets_it()
    {
        var key = ApiFactory.Key();

        var pop = _client.PostAsync(ZSets(key, "/popmin?timeout=30"), null);
        await Parked(1);
        await Add(key, """[{"member":"job","score":7}]""");

        Assert.Equal(["job=7"], Pairs(await (await pop).Body(HttpStatusCode.OK)));
        Assert.Equal(0, await Card(key));
    }

    [Fact]
    public async Task A_blocking_pop_with_a_count_takes_up_to_count_members()
    {
        var key = ApiFactory.Key();

        var pop = _client.PostAsync(ZSets(key, "/popmax?timeout=30&count=2"), null);
        await Parked(1);
        await Add(key, """[{"member":"a","score":1},{"member":"b","score":2},{"member":"c","score":3}]""");

        Assert.Equal(["c=3", "b=2"], Pairs(await (await pop).Body(HttpStatusCode.OK)));
        Assert.Equal(1, await Card(key));
    }

    [Fact]
    public async Task A_blocking_pop_that_times_out_is_an_empty_list()
    {
        var key = ApiFactory.Key();

        var pop = _client.PostAsync(ZSets(key, "/popmin?timeout=2"), null);
        await Parked(1);
        factory.Clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Empty(Pairs(await (await pop).Body(HttpStatusCode.OK)));
        await Parked(0);
    }

    [Fact]
    public async Task A_blocking_pop_refuses_conditional_headers()
    {
        var key = ApiFactory.Key();

        var problem = await _client.SendAsync(Request(HttpMethod.Post, ZSets(key, "/popmin?timeout=1"), null, ("If-Match", "*"))).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("If-Match", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hundred_blocked_http_consumers_and_a_hundred_adds_deliver_every_member_exactly_once()
    {
        var key = ApiFactory.Key("pq");
        var pops = Enumerable.Range(0, 100).Select(_ => _client.PostAsync(ZSets(key, "/popmin?timeout=60"), null)).ToList();
        await Parked(100);

        await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            _client.PostAsync(ZSets(key, "/members"), Json($$"""{"members":[{"member":"job-{{i}}","score":{{i}}}]}"""))));
        var delivered = new List<string>();
        foreach (var pop in pops)
            delivered.AddRange(Pairs(await (await pop).Body(HttpStatusCode.OK)).Select(p => p.Split('=')[0]));

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"job-{i}").Order(), delivered.Order());
        Assert.Equal(0, await Card(key));
    }

    // POST /zsets/union, /inter, /diff

    [Fact]
    public async Task Union_inter_and_diff_return_members_with_scores()
    {
        string k1 = ApiFactory.Key("a"), k2 = ApiFactory.Key("b");
        await Add(k1, """[{"member":"a","score":1},{"member":"b","score":2}]""");
        await Add(k2, """[{"member":"b","score":10},{"member":"c","score":20}]""");
        var keys = JsonSerializer.Serialize(new[] { k1, k2 });

        var union = await (await _client.PostAsync("/zsets/union", Json($$"""{"keys":{{keys}},"weights":[2,1],"aggregate":"max"}"""))).Body(HttpStatusCode.OK);
        var inter = await (await _client.PostAsync("/zsets/inter", Json($$"""{"keys":{{keys}}}"""))).Body(HttpStatusCode.OK);
        var diff = await (await _client.PostAsync("/zsets/diff", Json($$"""{"keys":{{keys}}}"""))).Body(HttpStatusCode.OK);

        Assert.Equal(["a=2", "b=10", "c=20"], Pairs(union));
        Assert.Equal(["b=12"], Pairs(inter));
        Assert.Equal(["a=1"], Pairs(diff));
    }

    [Fact]
    public async Task Weights_may_be_infinite()
    {
        var key = ApiFactory.Key();
        await Add(key, """[{"member":"a","score":1},{"member":"b","score":-2}]""");

        var union = await (await _client.PostAsync("/zsets/union", Json($$"""{"keys":["{{key}}"],"weights":["inf"]}"""))).Body(HttpStatusCode.OK);

        Assert.Equal(["b=-inf", "a=inf"], Pairs(union));
    }

    [Fact]
    public async Task A_store_writes_the_result_to_a_key_under_its_preconditions()
    {
        string k1 = ApiFactory.Key("a"), k2 = ApiFactory.Key("b"), destination = ApiFactory.Key("out");
        await Add(k1, """[{"member":"a","score":1}]""");
        await Add(k2, """[{"member":"b","score":2}]""");
        var body = $$"""{"keys":{{JsonSerializer.Serialize(new[] { k1, k2 })}},"store":"{{destination}}"}""";

        var stored = await (await _client.PostAsync("/zsets/union", Json(body))).Body(HttpStatusCode.OK);
        await _client.SendAsync(Request(HttpMethod.Post, "/zsets/inter", Json(body), ("If-None-Match", "*"))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");

        Assert.Equal(destination, stored.GetProperty("key").GetString());
        Assert.Equal(2, stored.GetProperty("count").GetInt64());
        Assert.Equal(["a=1", "b=2"], await Range(destination));
    }

    [Theory]
    [InlineData("/zsets/union", """{"keys":[]}""")]
    [InlineData("/zsets/union", """{"keys":["a","b"],"weights":[1]}""")]
    [InlineData("/zsets/inter", """{"keys":["a"],"aggregate":"avg"}""")]
    [InlineData("/zsets/inter", """{"keys":[""]}""")]
    [InlineData("/zsets/diff", """{"keys":["a","b"],"weights":[1,2]}""")]
    [InlineData("/zsets/diff", """{"keys":["a"],"aggregate":"sum"}""")]
    [InlineData("/zsets/union", """{"keys":["a"],"weights":[1e400]}""")]
    [InlineData("/zsets/union", """{"keys":["a"],"weights":["lots"]}""")]
    [InlineData("/zsets/union", """{"keys":["a"],"weights":{"a":1}}""")]
    [InlineData("/zsets/union", """{"keys":null}""")]
    public async Task The_algebra_refuses_bad_bodies_with_400(string path, string body)
    {
        await _client.PostAsync(path, Json(body)).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_algebra_over_a_key_of_another_type_is_409()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        await _client.PostAsync("/zsets/union", Json($$"""{"keys":["{{key}}"]}""")).Problem(HttpStatusCode.Conflict, "WRONGTYPE");
    }

    // The command endpoint reaches the sorted-set commands

    [Fact]
    public async Task The_command_endpoint_runs_sorted_set_commands_with_scores_as_redis_prints_them()
    {
        var key = ApiFactory.Key();

        async Task<JsonElement> Command(string json)
        {
            var response = await _client.PostAsync("/commands", Json(json));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("result").Clone();
        }

        Assert.Equal(3, (await Command($"""["ZADD","{key}","1.5","a","+inf","b","0.1","c"]""")).GetInt64());
        Assert.Equal("""["c","0.1","a","1.5","b","inf"]""", (await Command($"""["ZRANGE","{key}","0","-1","WITHSCORES"]""")).GetRawText());
        Assert.Equal("0.30000000000000004", (await Command($"""["ZINCRBY","{key}","0.2","c"]""")).GetString());
        Assert.Equal($"""["{key}","c","0.30000000000000004"]""", (await Command($"""["BZPOPMIN","{key}","1"]""")).GetRawText());
        Assert.Equal("""[0,"1.5"]""", (await Command($"""["ZRANK","{key}","a","WITHSCORE"]""")).GetRawText());
    }

    [Fact]
    public async Task The_command_endpoint_reports_sorted_set_errors_as_redis_does()
    {
        var key = ApiFactory.Key();

        var response = await _client.PostAsync("/commands", Json($"""["ZADD","{key}","NX","XX","1","a"]"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.Equal("ERR XX and NX options at the same time are not compatible", error);
    }
}
