using System.Net;
using System.Text;
using System.Text.Json;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.DependencyInjection;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>The service with a small response cap, so the cap can be reached with short lists.</summary>
public sealed class ListsApiFactory : ApiFactory
{
    public const int MaxResponseElements = 20;

    protected override IEnumerable<(string Key, string Value)> Settings =>
        [("Http:MaxResponseElements", MaxResponseElements.ToString(System.Globalization.CultureInfo.InvariantCulture))];
}

/// <summary>
/// <c>/lists</c> over HTTP: every route, the seed's queue and feed use cases, preconditions, the
/// response cap, long-poll pops and the problems each bad request gets.
/// </summary>
public sealed class ListsEndpointsTests(ListsApiFactory factory) : IClassFixture<ListsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private Executor Engine => factory.Services.GetRequiredService<Executor>();

    private static string Lists(string key, string suffix = "") => $"/lists/{Segment(key)}{suffix}";

    private static StringContent Items(params string[] items) => Json(JsonSerializer.Serialize(new { items }));

    private async Task<HttpResponseMessage> Push(string key, params string[] items)
    {
        var response = await _client.PostAsync(Lists(key, "/right"), Items(items));
        Assert.True(response.IsSuccessStatusCode, $"Push answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    private async Task<string[]> Read(string key, string query = "")
    {
        var body = await (await _client.GetAsync(Lists(key) + query)).Body(HttpStatusCode.OK);
        return Strings(body.GetProperty("items"));
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(item => item.GetString()!)];

    /// <summary>Waits (with a generous deadline) until the engine has parked <paramref name="count"/> callers.</summary>
    private async Task Parked(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Engine.BlockedCount != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Expected {count} blocked callers, have {Engine.BlockedCount}.");
            await Task.Delay(5);
        }
    }

    // GET /lists/{key} (LRANGE)

    [Fact]
    public async Task Get_returns_the_elements_head_first_with_the_length_and_an_etag()
    {
        var key = ApiFactory.Key();
        await Push(key, "a", "b", "c");

        var response = await _client.GetAsync(Lists(key));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal(3, body.GetProperty("length").GetInt64());
        Assert.Equal(["a", "b", "c"], Strings(body.GetProperty("items")));
        Assert.False(body.TryGetProperty("encoding", out _));
        Assert.Equal((await _client.GetAsync(Keys(key))).ETag(), response.ETag());
    }

    [Theory]
    [InlineData("?start=0&end=1", new[] { "a", "b" })]
    [InlineData("?start=-2", new[] { "d", "e" })]
    [InlineData("?start=2&end=-2", new[] { "c", "d" })]
    [InlineData("?start=-100&end=100", new[] { "a", "b", "c", "d", "e" })]
    [InlineData("?end=0", new[] { "a" })]
    [InlineData("?start=3&end=1", new string[0])]
    [InlineData("?start=9", new string[0])]
    public async Task Get_with_start_and_end_follows_redis_index_rules(string query, string[] expected)
    {
        var key = ApiFactory.Key();
        await Push(key, "a", "b", "c", "d", "e");

        Assert.Equal(expected, await Read(key, query));
    }

    [Fact]
    public async Task Get_of_a_missing_list_is_empty_without_an_etag()
    {
        var response = await _client.GetAsync(Lists(ApiFactory.Key()));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal(0, body.GetProperty("length").GetInt64());
        Assert.Empty(Strings(body.GetProperty("items")));
        Assert.Null(response.Header("ETag"));
    }

    [Fact]
    public async Task Get_with_the_current_etag_in_if_none_match_is_304_until_the_list_changes()
    {
        var key = ApiFactory.Key();
        var etag = (await Push(key, "a")).ETag();

        var unchanged = await _client.SendAsync(Request(HttpMethod.Get, Lists(key), null, ("If-None-Match", etag)));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Equal(etag, unchanged.ETag());
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());

        await Push(key, "b");
        var changed = await _client.SendAsync(Request(HttpMethod.Get, Lists(key), null, ("If-None-Match", etag)));
        Assert.Equal(["a", "b"], Strings((await changed.Body(HttpStatusCode.OK)).GetProperty("items")));
    }

    [Fact]
    public async Task Get_with_a_stale_if_match_is_412()
    {
        var key = ApiFactory.Key();
        var etag = (await Push(key, "a")).ETag();
        await Push(key, "b");

        await _client.SendAsync(Request(HttpMethod.Get, Lists(key), null, ("If-Match", etag))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
    }

    [Theory]
    [InlineData("", 0, 29)]
    [InlineData("?start=0&end=20", 0, 20)]
    [InlineData("?start=-21", 9, 29)]
    [InlineData("?start=5&end=-5", 5, 25)]
    [InlineData("?start=-100&end=25", 0, 25)]
    [InlineData("?start=-25&end=-3", 5, 27)]
    public async Task A_range_larger_than_a_page_is_read_page_by_page_whatever_the_signs_of_the_indexes(string query, int first, int last)
    {
        var key = ApiFactory.Key();
        await Push(key, [.. Enumerable.Range(0, 30).Select(i => $"e{i}")]);

        foreach (var limit in new[] { 1, 4, ListsApiFactory.MaxResponseElements })
        {
            var items = await _client.PageThrough(Lists(key) + query, "items", limit);

            Assert.Equal(Enumerable.Range(first, last - first + 1).Select(i => $"e{i}"), items.Select(i => i.GetString()));
        }
    }

    [Fact]
    public async Task A_page_says_the_lists_length_and_whether_there_is_more()
    {
        var key = ApiFactory.Key();
        await Push(key, [.. Enumerable.Range(0, 30).Select(i => $"e{i}")]);

        var first = await (await _client.GetAsync(Lists(key) + "?limit=20")).Body(HttpStatusCode.OK);
        var last = await (await _client.GetAsync(Lists(key) + $"?limit=20&page={first.GetProperty("next").GetString()}")).Body(HttpStatusCode.OK);

        Assert.Equal(30, first.GetProperty("length").GetInt64());
        Assert.Equal(20, first.GetProperty("items").GetArrayLength());
        Assert.Equal(["e20", "e21", "e22", "e23", "e24", "e25", "e26", "e27", "e28", "e29"], Strings(last.GetProperty("items")));
        Assert.Equal(JsonValueKind.Null, last.GetProperty("next").ValueKind);
        await _client.GetAsync(Lists(key) + "?limit=21").Problem(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("?start=0&end=19", 0, 19)]
    [InlineData("?start=-20", 10, 29)]
    [InlineData("?start=5&end=-6", 5, 24)]
    [InlineData("?start=-100&end=5", 0, 5)]
    [InlineData("?start=-25&end=-6", 5, 24)]
    [InlineData("?start=28&end=100", 28, 29)]
    public async Task Get_of_up_to_the_cap_answers_whatever_the_signs_of_the_indexes(string query, int first, int last)
    {
        var key = ApiFactory.Key();
        await Push(key, [.. Enumerable.Range(0, 30).Select(i => $"e{i}")]);

        Assert.Equal(Enumerable.Range(first, last - first + 1).Select(i => $"e{i}"), await Read(key, query));
    }

    [Fact]
    public async Task Get_of_a_string_is_a_409_wrongtype_problem_and_bad_indexes_are_400()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        var problem = await _client.GetAsync(Lists(key)).Problem(HttpStatusCode.Conflict, "WRONGTYPE");
        Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", problem.Detail());
        await _client.GetAsync(Lists(key) + "?start=x").Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Elements_that_are_not_utf8_come_back_as_base64_with_the_key()
    {
        var key = ApiFactory.Key();
        await _client.PostAsync(Lists(key, "/right"), Json("""{"items":["/w==","YQ=="],"encoding":"base64"}"""));

        var body = await (await _client.GetAsync(Lists(key))).Body(HttpStatusCode.OK);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(key)), body.GetProperty("key").GetString());
        Assert.Equal(["/w==", "YQ=="], Strings(body.GetProperty("items")));
    }

    // GET /lists/{key}/length (LLEN)

    [Fact]
    public async Task Length_is_llen_with_an_etag_and_zero_for_a_missing_list()
    {
        var key = ApiFactory.Key();
        var etag = (await Push(key, "a", "b")).ETag();

        var response = await _client.GetAsync(Lists(key, "/length"));
        Assert.Equal(2, (await response.Body(HttpStatusCode.OK)).GetProperty("length").GetInt64());
        Assert.Equal(etag, response.ETag());
        var missing = await (await _client.GetAsync(Lists(ApiFactory.Key(), "/length"))).Body(HttpStatusCode.OK);
        Assert.Equal(0, missing.GetProperty("length").GetInt64());
        var unchanged = await _client.SendAsync(Request(HttpMethod.Get, Lists(key, "/length"), null, ("If-None-Match", etag)));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
    }

    // POST /lists/{key}/left, /right (LPUSH, RPUSH, LPUSHX, RPUSHX)

    [Fact]
    public async Task Pushing_creates_the_list_with_201_then_answers_200_with_the_length()
    {
        var key = ApiFactory.Key();

        var created = await _client.PostAsync(Lists(key, "/right"), Items("b", "c"));
        var body = await created.Body(HttpStatusCode.Created);
        Assert.Equal(2, body.GetProperty("length").GetInt64());
        Assert.Equal(Lists(key), created.Headers.Location?.OriginalString);

        var prepended = await _client.PostAsync(Lists(key, "/left"), Items("a", "z"));
        Assert.Equal(4, (await prepended.Body(HttpStatusCode.OK)).GetProperty("length").GetInt64());
        Assert.NotEqual(created.ETag(), prepended.ETag());
        Assert.Equal(["z", "a", "b", "c"], await Read(key));
    }

    [Fact]
    public async Task Pushing_only_if_the_list_exists_pushes_nothing_onto_a_missing_list()
    {
        var key = ApiFactory.Key();

        var missing = await _client.PostAsync(Lists(key, "/left"), Json("""{"items":["a"],"onlyIfExists":true}"""));
        Assert.Equal(0, (await missing.Body(HttpStatusCode.OK)).GetProperty("length").GetInt64());
        await _client.GetAsync(Keys(key)).Problem(HttpStatusCode.NotFound);

        await Push(key, "x");
        var pushed = await _client.PostAsync(Lists(key, "/right"), Json("""{"items":["y"],"onlyIfExists":true}"""));
        Assert.Equal(2, (await pushed.Body(HttpStatusCode.OK)).GetProperty("length").GetInt64());
    }

    [Fact]
    public async Task Pushing_under_if_match_is_compare_and_set()
    {
        var key = ApiFactory.Key();
        var etag = (await Push(key, "a")).ETag();

        var pushed = await _client.SendAsync(Request(HttpMethod.Post, Lists(key, "/right"), Items("b"), ("If-Match", etag)));
        Assert.Equal(HttpStatusCode.OK, pushed.StatusCode);
        await _client.SendAsync(Request(HttpMethod.Post, Lists(key, "/right"), Items("c"), ("If-Match", etag))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
        await _client.SendAsync(Request(HttpMethod.Post, Lists(key, "/left"), Items("c"), ("If-None-Match", "*"))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");

        Assert.Equal(["a", "b"], await Read(key));
    }

    [Theory]
    [InlineData("""{"items":[]}""", "items")]
    [InlineData("""{"items":["a",null]}""", "items[1]")]
    [InlineData("""{"items":["%%"],"encoding":"base64"}""", "items[0]")]
    [InlineData("""{"items":["a"],"encoding":"hex"}""", "encoding")]
    public async Task A_bad_push_body_is_a_400_validation_problem_and_pushes_nothing(string json, string field)
    {
        var key = ApiFactory.Key();

        var problem = await _client.PostAsync(Lists(key, "/right"), Json(json)).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Empty(await Read(key));
    }

    [Fact]
    public async Task Pushing_onto_a_string_is_409_and_an_unknown_field_is_400()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        await _client.PostAsync(Lists(key, "/left"), Items("a")).Problem(HttpStatusCode.Conflict, "WRONGTYPE");
        await _client.PostAsync(Lists(ApiFactory.Key(), "/left"), Json("""{"items":["a"],"ttl":5}""")).Problem(HttpStatusCode.BadRequest);
        Assert.Equal("v", await _client.GetValue(key));
    }

    // POST /lists/{key}/left/pop, /right/pop (LPOP, RPOP; BLPOP, BRPOP, BLMPOP with a timeout)

    [Fact]
    public async Task Pops_take_from_either_end_and_an_emptied_list_is_gone()
    {
        var key = ApiFactory.Key();
        await Push(key, "a", "b", "c");

        var left = await (await _client.PostAsync(Lists(key, "/left/pop"), null)).Body(HttpStatusCode.OK);
        Assert.Equal(key, left.GetProperty("key").GetString());
        Assert.Equal(["a"], Strings(left.GetProperty("items")));
        var right = await _client.PostAsync(Lists(key, "/right/pop?count=5"), null);
        Assert.Equal(["c", "b"], Strings((await right.Body(HttpStatusCode.OK)).GetProperty("items")));
        Assert.Null(right.Header("ETag"));

        await _client.GetAsync(Keys(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_pop_from_a_missing_list_is_200_with_no_items()
    {
        var body = await (await _client.PostAsync(Lists(ApiFactory.Key(), "/left/pop?count=2"), null)).Body(HttpStatusCode.OK);

        Assert.Empty(Strings(body.GetProperty("items")));
    }

    [Theory]
    [InlineData("?count=0")]
    [InlineData("?count=-1")]
    [InlineData("?count=21")]
    [InlineData("?count=x")]
    [InlineData("?timeout=0")]
    [InlineData("?timeout=-1")]
    [InlineData("?timeout=61")]
    [InlineData("?timeout=abc")]
    public async Task A_bad_pop_is_400_and_pops_nothing(string query)
    {
        var key = ApiFactory.Key();
        await Push(key, "a");

        await _client.PostAsync(Lists(key, "/left/pop" + query), null).Problem(HttpStatusCode.BadRequest);

        Assert.Equal(["a"], await Read(key));
    }

    [Fact]
    public async Task A_pop_with_a_stale_if_match_is_412_and_pops_nothing()
    {
        var key = ApiFactory.Key();
        var etag = (await Push(key, "a")).ETag();
        await Push(key, "b");

        await _client.SendAsync(Request(HttpMethod.Post, Lists(key, "/left/pop"), null, ("If-Match", etag))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
        var problem = await _client.SendAsync(Request(HttpMethod.Post, Lists(key, "/left/pop?timeout=1"), null, ("If-Match", etag))).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("If-Match", problem.Detail(), StringComparison.Ordinal);
        Assert.Equal(["a", "b"], await Read(key));
    }

    [Fact]
    public async Task A_blocking_pop_on_a_list_with_elements_answers_at_once()
    {
        var key = ApiFactory.Key();
        await Push(key, "a", "b", "c");

        var one = await (await _client.PostAsync(Lists(key, "/right/pop?timeout=5"), null)).Body(HttpStatusCode.OK);
        var two = await (await _client.PostAsync(Lists(key, "/left/pop?timeout=5&count=2"), null)).Body(HttpStatusCode.OK);

        Assert.Equal(["c"], Strings(one.GetProperty("items")));
        Assert.Equal(["a", "b"], Strings(two.GetProperty("items")));
    }

    [Fact]
    public async Task A_blocking_pop_waits_for_a_push_and_takes_up_to_its_count()
    {
        var key = ApiFactory.Key();
        var single = _client.PostAsync(Lists(key, "/left/pop?timeout=30"), null);
        await Parked(1);
        var several = _client.PostAsync(Lists(key, "/left/pop?timeout=30&count=3"), null);
        await Parked(2);

        await Push(key, "j1", "j2", "j3", "j4", "j5");

        Assert.Equal(["j1"], Strings((await (await single).Body(HttpStatusCode.OK)).GetProperty("items")));
        Assert.Equal(["j2", "j3", "j4"], Strings((await (await several).Body(HttpStatusCode.OK)).GetProperty("items")));
        Assert.Equal(["j5"], await Read(key));
    }

    [Fact]
    public async Task A_blocking_pop_that_times_out_is_200_with_no_items()
    {
        var key = ApiFactory.Key();
        var pop = _client.PostAsync(Lists(key, "/right/pop?timeout=5"), null);
        await Parked(1);

        factory.Clock.Advance(TimeSpan.FromSeconds(5));

        var body = await (await pop).Body(HttpStatusCode.OK);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Empty(Strings(body.GetProperty("items")));
    }

    [Fact]
    public async Task A_hundred_blocked_http_consumers_and_a_hundred_pushes_deliver_every_element_exactly_once()
    {
        var key = ApiFactory.Key();
        var consumers = Enumerable.Range(0, 100).Select(_ => _client.PostAsync(Lists(key, "/left/pop?timeout=60"), null)).ToList();
        await Parked(100);

        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => _client.PostAsync(Lists(key, "/right"), Items($"job-{i}"))));

        var delivered = new List<string>();
        foreach (var consumer in consumers)
            delivered.AddRange(Strings((await (await consumer).Body(HttpStatusCode.OK)).GetProperty("items")));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"job-{i}").Order(), delivered.Order());
        Assert.Empty(await Read(key));
        Assert.Equal(0, Engine.BlockedCount);
    }

    [Fact]
    public async Task A_consumer_that_disconnects_while_blocked_is_removed_and_nothing_is_popped_for_it()
    {
        var key = ApiFactory.Key();
        using var gone = new CancellationTokenSource();
        var abandoned = _client.PostAsync(Lists(key, "/left/pop?timeout=60"), null, gone.Token);
        await Parked(1);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await Parked(0);
        await Push(key, "kept");

        Assert.Equal(["kept"], await Read(key));
    }

    // GET and PUT /lists/{key}/items/{index} (LINDEX, LSET)

    [Fact]
    public async Task An_element_is_read_by_its_index_from_either_end()
    {
        var key = ApiFactory.Key();
        var etag = (await Push(key, "a", "b", "c")).ETag();

        var first = await _client.GetAsync(Lists(key, "/items/0"));
        var firstBody = await first.Body(HttpStatusCode.OK);
        Assert.Equal("a", firstBody.GetProperty("value").GetString());
        Assert.Equal(0, firstBody.GetProperty("index").GetInt64());
        Assert.Equal(etag, first.ETag());
        var last = await (await _client.GetAsync(Lists(key, "/items/-1"))).Body(HttpStatusCode.OK);
        Assert.Equal("c", last.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Reading_outside_the_list_or_a_missing_list_is_404_and_a_bad_index_400()
    {
        var key = ApiFactory.Key();
        await Push(key, "a");

        var outside = await _client.GetAsync(Lists(key, "/items/1")).Problem(HttpStatusCode.NotFound);
        Assert.Equal("urn:lodestone:problem:not-found", outside.GetProperty("type").GetString());
        Assert.Contains("index 1", outside.Detail(), StringComparison.Ordinal);
        var missing = await _client.GetAsync(Lists(ApiFactory.Key(), "/items/0")).Problem(HttpStatusCode.NotFound);
        Assert.Equal("urn:lodestone:problem:no-such-key", missing.GetProperty("type").GetString());
        var bad = await _client.GetAsync(Lists(key, "/items/first")).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("'index'", bad.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_element_is_replaced_by_its_index()
    {
        var key = ApiFactory.Key();
        await Push(key, "a", "b", "c");

        var body = await (await _client.PutAsync(Lists(key, "/items/-2"), Json("""{"value":"B"}"""))).Body(HttpStatusCode.OK);

        Assert.Equal("B", body.GetProperty("value").GetString());
        Assert.Equal(["a", "B", "c"], await Read(key));
    }

    [Fact]
    public async Task Replacing_outside_the_list_is_400_on_a_missing_list_404_and_under_a_stale_etag_412()
    {
        var key = ApiFactory.Key();
        var etag = (await Push(key, "a")).ETag();
        await Push(key, "b");

        var outside = await _client.PutAsync(Lists(key, "/items/2"), Json("""{"value":"x"}""")).Problem(HttpStatusCode.BadRequest);
        Assert.Equal("ERR index out of range", outside.Detail());
        await _client.PutAsync(Lists(ApiFactory.Key(), "/items/0"), Json("""{"value":"x"}""")).Problem(HttpStatusCode.NotFound);
        await _client.SendAsync(Request(HttpMethod.Put, Lists(key, "/items/0"), Json("""{"value":"x"}"""), ("If-Match", etag))).Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");

        Assert.Equal(["a", "b"], await Read(key));
    }

    // POST /lists/{key}/insert (LINSERT)

    [Fact]
    public async Task Insert_puts_an_element_before_or_after_the_pivot()
    {
        var key = ApiFactory.Key();
        await Push(key, "a", "c");

        var before = await _client.PostAsync(Lists(key, "/insert"), Json("""{"pivot":"c","element":"b","position":"before"}"""));
        Assert.Equal(3, (await before.Body(HttpStatusCode.OK)).GetProperty("length").GetInt64());
        await _client.PostAsync(Lists(key, "/insert"), Json("""{"pivot":"c","element":"d","position":"after"}"""));

        Assert.Equal(["a", "b", "c", "d"], await Read(key));
    }

    [Fact]
    public async Task Insert_without_the_pivot_or_the_list_is_404_and_changes_nothing()
    {
        var key = ApiFactory.Key();
        await Push(key, "a");

        var pivot = await _client.PostAsync(Lists(key, "/insert"), Json("""{"pivot":"zz","element":"b","position":"after"}""")).Problem(HttpStatusCode.NotFound);
        Assert.Contains("pivot", pivot.Detail(), StringComparison.Ordinal);
        var missing = await _client.PostAsync(Lists(ApiFactory.Key(), "/insert"), Json("""{"pivot":"a","element":"b","position":"after"}""")).Problem(HttpStatusCode.NotFound);
        Assert.Equal("urn:lodestone:problem:no-such-key", missing.GetProperty("type").GetString());
        var position = await _client.PostAsync(Lists(key, "/insert"), Json("""{"pivot":"a","element":"b","position":"middle"}""")).Problem(HttpStatusCode.BadRequest);
        Assert.True(position.GetProperty("errors").TryGetProperty("position", out _));

        Assert.Equal(["a"], await Read(key));
    }

    // DELETE /lists/{key}/items?element=… (LREM)

    [Theory]
    [InlineData("?element=a", 3, new[] { "b", "c" })]
    [InlineData("?element=a&count=2", 2, new[] { "b", "c", "a" })]
    [InlineData("?element=a&count=-1", 1, new[] { "a", "b", "a", "c" })]
    [InlineData("?element=zz", 0, new[] { "a", "b", "a", "c", "a" })]
    [InlineData("?encoding=base64&element=YQ%3D%3D", 3, new[] { "b", "c" })]
    public async Task Remove_takes_away_matches_from_the_head_the_tail_or_everywhere(string query, long removed, string[] left)
    {
        var key = ApiFactory.Key();
        await Push(key, "a", "b", "a", "c", "a");

        var body = await (await _client.DeleteAsync(Lists(key, "/items" + query))).Body(HttpStatusCode.OK);

        Assert.Equal(removed, body.GetProperty("removed").GetInt64());
        Assert.Equal(left, await Read(key));
    }

    [Fact]
    public async Task Remove_without_an_element_is_a_400_saying_how()
    {
        var problem = await _client.DeleteAsync(Lists(ApiFactory.Key(), "/items")).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("?element=x", problem.Detail(), StringComparison.Ordinal);
    }

    // POST /lists/{key}/trim (LTRIM)

    [Fact]
    public async Task Trim_keeps_the_range_and_answers_the_length_and_trimming_everything_deletes_the_list()
    {
        var key = ApiFactory.Key();
        await Push(key, "a", "b", "c", "d");

        var kept = await (await _client.PostAsync(Lists(key, "/trim"), Json("""{"start":1,"end":-2}"""))).Body(HttpStatusCode.OK);
        Assert.Equal(2, kept.GetProperty("length").GetInt64());
        Assert.Equal(["b", "c"], await Read(key));

        var emptied = await _client.PostAsync(Lists(key, "/trim"), Json("""{"start":5,"end":10}"""));
        Assert.Equal(0, (await emptied.Body(HttpStatusCode.OK)).GetProperty("length").GetInt64());
        Assert.Null(emptied.Header("ETag"));
        await _client.GetAsync(Keys(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_activity_feed_keeps_its_most_recent_items_with_push_left_and_trim()
    {
        var key = ApiFactory.Key("feed");
        for (var i = 1; i <= 8; i++)
        {
            await _client.PostAsync(Lists(key, "/left"), Items($"event-{i}"));
            await _client.PostAsync(Lists(key, "/trim"), Json("""{"start":0,"end":4}"""));
        }

        Assert.Equal(["event-8", "event-7", "event-6"], await Read(key, "?start=0&end=2"));
        Assert.Equal(5, (await (await _client.GetAsync(Lists(key, "/length"))).Body(HttpStatusCode.OK)).GetProperty("length").GetInt64());
    }

    // GET /lists/{key}/position (LPOS)

    [Theory]
    [InlineData("?element=c", new long[] { 2 })]
    [InlineData("?element=c&rank=-1", new long[] { 7 })]
    [InlineData("?element=c&count=0", new long[] { 2, 6, 7 })]
    [InlineData("?element=c&count=2&rank=2", new long[] { 6, 7 })]
    [InlineData("?element=c&maxLen=2", new long[0])]
    [InlineData("?element=zz", new long[0])]
    public async Task Position_finds_matches_by_rank_count_and_max_len(string query, long[] expected)
    {
        var key = ApiFactory.Key();
        await Push(key, "a", "b", "c", "1", "2", "3", "c", "c");

        var body = await (await _client.GetAsync(Lists(key, "/position") + query)).Body(HttpStatusCode.OK);

        Assert.Equal(expected, body.GetProperty("positions").EnumerateArray().Select(p => p.GetInt64()));
    }

    [Theory]
    [InlineData("?element=a&rank=0", "rank")]
    [InlineData("?element=a&count=-1", "count")]
    [InlineData("?element=a&maxLen=-1", "maxLen")]
    [InlineData("?element=%25&encoding=base64", "element")]
    public async Task Position_with_bad_options_is_a_400_validation_problem(string query, string field)
    {
        var key = ApiFactory.Key();
        await Push(key, "a");

        var problem = await _client.GetAsync(Lists(key, "/position") + query).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Position_needs_an_element_and_more_matches_than_the_cap_is_400()
    {
        var key = ApiFactory.Key();
        await Push(key, [.. Enumerable.Repeat("x", 25)]);

        await _client.GetAsync(Lists(key, "/position")).Problem(HttpStatusCode.BadRequest);
        var problem = await _client.GetAsync(Lists(key, "/position?element=x&count=0")).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("Http:MaxResponseElements", problem.Detail(), StringComparison.Ordinal);
        var capped = await (await _client.GetAsync(Lists(key, "/position?element=x&count=0&maxLen=20"))).Body(HttpStatusCode.OK);
        Assert.Equal(20, capped.GetProperty("positions").GetArrayLength());
    }

    // POST /lists/{key}/move (LMOVE, BLMOVE)

    [Fact]
    public async Task Move_pops_from_the_list_and_pushes_onto_the_destination()
    {
        var source = ApiFactory.Key("jobs");
        var processing = ApiFactory.Key("processing");
        await Push(source, "j1", "j2");

        var body = await (await _client.PostAsync(Lists(source, "/move"),
            Json(JsonSerializer.Serialize(new { destination = processing, from = "left", to = "right" })))).Body(HttpStatusCode.OK);

        Assert.Equal("j1", body.GetProperty("element").GetString());
        Assert.Equal(source, body.GetProperty("source").GetString());
        Assert.Equal(processing, body.GetProperty("destination").GetString());
        Assert.Equal(["j2"], await Read(source));
        Assert.Equal(["j1"], await Read(processing));
    }

    [Fact]
    public async Task Move_from_a_missing_list_moves_nothing_and_onto_a_string_is_409()
    {
        var source = ApiFactory.Key();
        var text = ApiFactory.Key();
        await _client.PutString(text, "v");

        var none = await (await _client.PostAsync(Lists(ApiFactory.Key(), "/move"),
            Json(JsonSerializer.Serialize(new { destination = text, from = "left", to = "left" })))).Body(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, none.GetProperty("element").ValueKind);

        await Push(source, "a");
        await _client.PostAsync(Lists(source, "/move"), Json(JsonSerializer.Serialize(new { destination = text, from = "left", to = "left" })))
            .Problem(HttpStatusCode.Conflict, "WRONGTYPE");
        Assert.Equal(["a"], await Read(source));
        Assert.Equal("v", await _client.GetValue(text));
    }

    [Fact]
    public async Task A_blocking_move_waits_for_its_source()
    {
        var source = ApiFactory.Key();
        var destination = ApiFactory.Key();
        var move = _client.PostAsync(Lists(source, "/move"), Json(JsonSerializer.Serialize(new { destination, from = "right", to = "left", timeout = 30 })));
        await Parked(1);

        await Push(source, "job");

        Assert.Equal("job", (await (await move).Body(HttpStatusCode.OK)).GetProperty("element").GetString());
        Assert.Equal(["job"], await Read(destination));
    }

    [Theory]
    [InlineData("""{"destination":"d","from":"up","to":"left"}""", "from")]
    [InlineData("""{"destination":"","from":"left","to":"left"}""", "destination")]
    [InlineData("""{"destination":"d","from":"left","to":"left","timeout":0}""", null)]
    [InlineData("""{"destination":"d","from":"left"}""", null)]
    public async Task A_bad_move_is_400_and_moves_nothing(string json, string? field)
    {
        var key = ApiFactory.Key();
        await Push(key, "a");

        var problem = await _client.PostAsync(Lists(key, "/move"), Json(json)).Problem(HttpStatusCode.BadRequest);

        if (field is not null)
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(["a"], await Read(key));
    }

    // POST /lists/mpop (LMPOP, BLMPOP)

    [Fact]
    public async Task Multi_pop_takes_from_the_first_list_with_elements_and_names_it()
    {
        var high = ApiFactory.Key("high");
        var low = ApiFactory.Key("low");
        await Push(low, "l1", "l2", "l3");

        var body = await (await _client.PostAsync("/lists/mpop",
            Json(JsonSerializer.Serialize(new { keys = new[] { high, low }, from = "left", count = 2 })))).Body(HttpStatusCode.OK);
        Assert.Equal(low, body.GetProperty("key").GetString());
        Assert.Equal(["l1", "l2"], Strings(body.GetProperty("items")));

        var none = await (await _client.PostAsync("/lists/mpop",
            Json(JsonSerializer.Serialize(new { keys = new[] { high, ApiFactory.Key() }, from = "right" })))).Body(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, none.GetProperty("key").ValueKind);
        Assert.Empty(Strings(none.GetProperty("items")));
    }

    [Fact]
    public async Task A_blocking_multi_pop_is_served_by_a_push_to_any_of_its_lists()
    {
        var high = ApiFactory.Key("high");
        var low = ApiFactory.Key("low");
        var pop = _client.PostAsync("/lists/mpop", Json(JsonSerializer.Serialize(new { keys = new[] { high, low }, from = "left", timeout = 30 })));
        await Parked(1);

        await Push(low, "urgent-later");

        var body = await (await pop).Body(HttpStatusCode.OK);
        Assert.Equal(low, body.GetProperty("key").GetString());
        Assert.Equal(["urgent-later"], Strings(body.GetProperty("items")));
    }

    [Theory]
    [InlineData("""{"keys":[],"from":"left"}""", "keys")]
    [InlineData("""{"keys":["a"],"from":"middle"}""", "from")]
    [InlineData("""{"keys":["a"],"from":"left","count":0}""", "count")]
    [InlineData("""{"keys":[""],"from":"left"}""", "keys[0]")]
    public async Task A_bad_multi_pop_is_a_400_validation_problem(string json, string field)
    {
        var problem = await _client.PostAsync("/lists/mpop", Json(json)).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    // The command endpoint reaches the list commands too.

    [Fact]
    public async Task The_command_endpoint_runs_list_commands_with_redis_replies_and_errors()
    {
        var key = ApiFactory.Key();

        async Task<JsonElement> Command(string json)
        {
            var response = await _client.PostAsync("/commands", Json(json));
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }

        Assert.Equal(3, (await Command($"""["RPUSH","{key}","a","b","c"]""")).GetProperty("result").GetInt64());
        Assert.Equal(["a", "b", "c"], Strings((await Command($"""["LRANGE","{key}",0,-1]""")).GetProperty("result")));
        Assert.Equal(1, (await Command($"""["LPOS","{key}","b"]""")).GetProperty("result").GetInt64());
        Assert.Equal("ERR index out of range", (await Command($"""["LSET","{key}",9,"x"]""")).GetProperty("error").GetString());
        var popped = (await Command($"""["LMPOP",1,"{key}","RIGHT","COUNT",2]""")).GetProperty("result");
        Assert.Equal(key, popped[0].GetString());
        Assert.Equal(["c", "b"], Strings(popped[1]));
        Assert.Equal("a", (await Command($"""["BLMOVE","{key}","{key}:done","LEFT","RIGHT",0]""")).GetProperty("result").GetString());
        Assert.Equal(["a"], await Read(key + ":done"));
    }
}

/// <summary>API keys on <c>/lists</c>: roles and key patterns apply to every list a route touches.</summary>
public sealed class ListsEndpointsAuthTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    private static string Lists(string key, string suffix = "") => $"/lists/{Segment(key)}{suffix}";

    [Fact]
    public async Task A_scoped_key_uses_its_own_lists_but_may_not_move_into_another()
    {
        var scoped = factory.ClientWith(SecuredApiFactory.ScopedToken);
        var mine = "app1:" + ApiFactory.Key();
        var theirs = ApiFactory.Key();

        Assert.Equal(HttpStatusCode.Created, (await scoped.PostAsync(Lists(mine, "/right"), Json("""{"items":["a","b"]}"""))).StatusCode);
        await scoped.PostAsync(Lists(mine, "/move"), Json(JsonSerializer.Serialize(new { destination = theirs, from = "left", to = "left" })))
            .Problem(HttpStatusCode.Forbidden, "NOPERM");
        await scoped.GetAsync(Lists(theirs)).Problem(HttpStatusCode.Forbidden, "NOPERM");

        var items = (await (await scoped.GetAsync(Lists(mine))).Body(HttpStatusCode.OK)).GetProperty("items");
        Assert.Equal(["a", "b"], items.EnumerateArray().Select(item => item.GetString()!));
    }

    [Fact]
    public async Task A_read_key_may_read_a_list_but_not_pop_it()
    {
        var key = ApiFactory.Key();
        await factory.ClientWith(SecuredApiFactory.WriteToken).PostAsync(Lists(key, "/right"), Json("""{"items":["a"]}"""));
        var reader = factory.ClientWith(SecuredApiFactory.ReadToken);

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync(Lists(key, "/length"))).StatusCode);
        await reader.PostAsync(Lists(key, "/left/pop"), null).Problem(HttpStatusCode.Forbidden, "NOPERM");
        await reader.PostAsync(Lists(key, "/left/pop?timeout=1"), null).Problem(HttpStatusCode.Forbidden, "NOPERM");

        Assert.Equal(1, (await (await reader.GetAsync(Lists(key, "/length"))).Body(HttpStatusCode.OK)).GetProperty("length").GetInt64());
    }
}
