using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// <c>/streams</c> over HTTP: entries added and read by range, one entry, trimming, consumer groups
/// (read, long poll, acknowledge, pending, claim), the event stream resuming with Last-Event-ID, and
/// the problems for bad input.
/// </summary>
public sealed class StreamsEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Streams(string key, string suffix = "") => $"/streams/{Segment(key)}{suffix}";

    private async Task<string> Add(string key, string fields, string? id = null)
    {
        var body = id is null ? $$"""{"fields":{{fields}}}""" : $$"""{"fields":{{fields}},"id":"{{id}}"}""";
        var response = await _client.PostAsync(Streams(key, "/entries"), Json(body));
        var added = await response.Body(HttpStatusCode.Created);
        var entryId = added.GetProperty("id").GetString()!;
        Assert.Equal(Streams(key, "/entries/" + entryId), response.Headers.Location?.OriginalString);
        return entryId;
    }

    private static List<string> Ids(JsonElement body, string name = "entries") =>
        body.GetProperty(name).EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();

    [Fact]
    public async Task Entries_are_added_with_generated_or_explicit_ids_and_read_back_by_range()
    {
        var key = ApiFactory.Key("orders");
        var generated = await Add(key, """{"order":"1","total":"9.50"}""");
        Assert.Matches(@"^\d+-0$", generated);
        var explicitId = long.Parse(generated.Split('-')[0], System.Globalization.CultureInfo.InvariantCulture) + 1000 + "-7";
        Assert.Equal(explicitId, await Add(key, """{"order":"2"}""", explicitId));
        var third = await Add(key, """{"order":"3","note":"héllo ✓"}""");

        var all = await (await _client.GetAsync(Streams(key, "/entries"))).Body(HttpStatusCode.OK);
        Assert.Equal([generated, explicitId, third], Ids(all));
        Assert.Equal("9.50", all.GetProperty("entries")[0].GetProperty("fields").GetProperty("total").GetString());
        Assert.Equal("héllo ✓", all.GetProperty("entries")[2].GetProperty("fields").GetProperty("note").GetString());
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next").ValueKind);

        // Pages: a full page's next token continues after its last entry, either way.
        var page = await (await _client.GetAsync(Streams(key, "/entries?limit=2"))).Body(HttpStatusCode.OK);
        Assert.Equal([generated, explicitId], Ids(page));
        var rest = await (await _client.GetAsync(Streams(key, $"/entries?limit=2&page={page.GetProperty("next").GetString()}"))).Body(HttpStatusCode.OK);
        Assert.Equal([third], Ids(rest));
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("next").ValueKind);
        var newestFirst = await (await _client.GetAsync(Streams(key, "/entries?reverse=true&limit=2"))).Body(HttpStatusCode.OK);
        Assert.Equal([third, explicitId], Ids(newestFirst));
        var older = await (await _client.GetAsync(Streams(key, $"/entries?reverse=true&limit=2&page={newestFirst.GetProperty("next").GetString()}"))).Body(HttpStatusCode.OK);
        Assert.Equal([generated], Ids(older));
        await _client.GetAsync(Streams(key, "/entries?page=nonsense")).Problem(HttpStatusCode.BadRequest);
        await _client.GetAsync(Streams(key, "/entries?count=2")).Problem(HttpStatusCode.BadRequest);

        var one = await (await _client.GetAsync(Streams(key, "/entries/" + explicitId))).Body(HttpStatusCode.OK);
        Assert.Equal("2", one.GetProperty("fields").GetProperty("order").GetString());

        var info = await (await _client.GetAsync(Streams(key))).Body(HttpStatusCode.OK);
        Assert.Equal(3, info.GetProperty("length").GetInt64());
        Assert.Equal(third, info.GetProperty("lastGeneratedId").GetString());
        Assert.Equal(generated, info.GetProperty("firstEntry").GetProperty("id").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync(Streams(key, "/entries/" + explicitId))).StatusCode);
        await _client.GetAsync(Streams(key, "/entries/" + explicitId)).Problem(HttpStatusCode.NotFound);
        await _client.DeleteAsync(Streams(key, "/entries/" + explicitId)).Problem(HttpStatusCode.NotFound);
        Assert.Equal([generated, third], Ids(await (await _client.GetAsync(Streams(key, "/entries"))).Body(HttpStatusCode.OK)));
    }

    [Fact]
    public async Task Reads_carry_the_stream_s_etag_and_a_trim_says_what_it_removed()
    {
        var key = ApiFactory.Key("trim");
        for (var i = 1; i <= 5; i++)
            await Add(key, $$"""{"n":"{{i}}"}""", $"{i}-1");
        var read = await _client.GetAsync(Streams(key, "/entries"));
        var etag = read.ETag();
        var notModified = await _client.SendAsync(Request(HttpMethod.Get, Streams(key, "/entries"), null, ("If-None-Match", etag)));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        var trimmed = await (await _client.PostAsync(Streams(key, "/trim"), Json("""{"maxLen":2}"""))).Body(HttpStatusCode.OK);
        Assert.Equal(3, trimmed.GetProperty("removed").GetInt64());
        Assert.Equal(2, trimmed.GetProperty("length").GetInt64());
        Assert.Equal(["4-1", "5-1"], Ids(await (await _client.GetAsync(Streams(key, "/entries"))).Body(HttpStatusCode.OK)));

        // Adding with a threshold trims too.
        await (await _client.PostAsync(Streams(key, "/entries"), Json("""{"fields":{"n":"6"},"id":"6-1","minId":"5"}"""))).Body(HttpStatusCode.Created);
        Assert.Equal(["5-1", "6-1"], Ids(await (await _client.GetAsync(Streams(key, "/entries"))).Body(HttpStatusCode.OK)));
        // An old ETag no longer matches: the stream changed.
        var stale = await _client.SendAsync(Request(HttpMethod.Post, Streams(key, "/entries"), Json("""{"fields":{"n":"7"}}"""), ("If-Match", etag)));
        await stale.Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
    }

    [Fact]
    public async Task Bad_input_gets_a_problem_that_says_what_is_wrong_and_changes_nothing()
    {
        var key = ApiFactory.Key("bad");
        await Add(key, """{"a":"1"}""", "5-5");

        var smaller = await _client.PostAsync(Streams(key, "/entries"), Json("""{"fields":{"a":"2"},"id":"5-5"}""")).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("equal or smaller than the target stream top item", smaller.Detail(), StringComparison.Ordinal);
        await _client.PostAsync(Streams(key, "/entries"), Json("""{"fields":{"a":"2"},"id":"x-y"}""")).Problem(HttpStatusCode.BadRequest);
        await _client.PostAsync(Streams(key, "/entries"), Json("""{"fields":{}}""")).Problem(HttpStatusCode.BadRequest);
        await _client.PostAsync(Streams(key, "/entries"), Json("""{"fields":{"a":"1"},"maxLen":1,"minId":"1"}""")).Problem(HttpStatusCode.BadRequest);
        await _client.PostAsync(Streams(key, "/entries"), Json("""{"fields":{"a":"1"},"maxLen":1,"limit":5}""")).Problem(HttpStatusCode.BadRequest);
        await _client.PostAsync(Streams(key, "/trim"), Json("{}")).Problem(HttpStatusCode.BadRequest);
        await _client.GetAsync(Streams(key, "/entries?from=nope")).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(["5-5"], Ids(await (await _client.GetAsync(Streams(key, "/entries"))).Body(HttpStatusCode.OK)));

        var missing = ApiFactory.Key("missing");
        await _client.GetAsync(Streams(missing, "/entries")).Problem(HttpStatusCode.NotFound);
        await _client.GetAsync(Streams(missing)).Problem(HttpStatusCode.NotFound);
        await _client.PostAsync(Streams(missing, "/entries"), Json("""{"fields":{"a":"1"},"noMkStream":true}""")).Problem(HttpStatusCode.NotFound);
        await _client.GetAsync(Streams(missing, "/entries")).Problem(HttpStatusCode.NotFound);

        var text = ApiFactory.Key("text");
        await _client.PutString(text, "v");
        await _client.PostAsync(Streams(text, "/entries"), Json("""{"fields":{"a":"1"}}""")).Problem(HttpStatusCode.Conflict, "WRONGTYPE");
        await _client.GetAsync(Streams(text, "/events")).Problem(HttpStatusCode.Conflict, "WRONGTYPE");
    }

    [Fact]
    public async Task A_consumer_group_shares_entries_between_consumers_until_they_are_acknowledged_or_claimed()
    {
        var key = ApiFactory.Key("jobs");
        await _client.PutAsync(Streams(key, "/groups/workers"), Json("{}")).Problem(HttpStatusCode.NotFound);
        var created = await (await _client.PutAsync(Streams(key, "/groups/workers"), Json("""{"mkStream":true}"""))).Body(HttpStatusCode.Created);
        Assert.Equal("workers", created.GetProperty("name").GetString());
        await _client.PutAsync(Streams(key, "/groups/workers"), Json("""{"mkStream":true}""")).Problem(HttpStatusCode.Conflict, "BUSYGROUP");

        var ids = new List<string>();
        for (var i = 1; i <= 3; i++)
            ids.Add(await Add(key, $$"""{"job":"{{i}}"}"""));

        var a = await (await _client.PostAsync(Streams(key, "/groups/workers/read?consumer=a&count=2"), null)).Body(HttpStatusCode.OK);
        Assert.Equal(ids[..2], Ids(a));
        var b = await (await _client.PostAsync(Streams(key, "/groups/workers/read?consumer=b"), null)).Body(HttpStatusCode.OK);
        Assert.Equal(ids[2..], Ids(b));
        var none = await (await _client.PostAsync(Streams(key, "/groups/workers/read?consumer=b"), null)).Body(HttpStatusCode.OK);
        Assert.Empty(Ids(none));

        var acked = await (await _client.PostAsync(Streams(key, "/groups/workers/ack"), Json($$"""{"ids":["{{ids[0]}}"]}"""))).Body(HttpStatusCode.OK);
        Assert.Equal(1, acked.GetProperty("count").GetInt64());

        var pending = await (await _client.GetAsync(Streams(key, "/groups/workers/pending"))).Body(HttpStatusCode.OK);
        Assert.Equal(2, pending.GetProperty("count").GetInt64());
        Assert.Equal(ids[1], pending.GetProperty("smallest").GetString());
        Assert.Equal(["a", "b"], pending.GetProperty("consumers").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal([ids[1], ids[2]], Ids(pending));
        Assert.Equal(1, pending.GetProperty("entries")[0].GetProperty("deliveries").GetInt64());
        var onlyB = await (await _client.GetAsync(Streams(key, "/groups/workers/pending?consumer=b"))).Body(HttpStatusCode.OK);
        Assert.Equal([ids[2]], Ids(onlyB));
        var firstPage = await (await _client.GetAsync(Streams(key, "/groups/workers/pending?limit=1"))).Body(HttpStatusCode.OK);
        Assert.Equal([ids[1]], Ids(firstPage));
        var secondPage = await (await _client.GetAsync(Streams(key, $"/groups/workers/pending?limit=1&page={firstPage.GetProperty("next").GetString()}"))).Body(HttpStatusCode.OK);
        Assert.Equal([ids[2]], Ids(secondPage));

        // Consumer a stops: b claims what a had, by id, then by idle time.
        var claimed = await (await _client.PostAsync(Streams(key, "/groups/workers/claim"), Json($$"""{"consumer":"b","ids":["{{ids[1]}}"]}"""))).Body(HttpStatusCode.OK);
        Assert.Equal([ids[1]], Ids(claimed));
        Assert.Equal("2", claimed.GetProperty("entries")[0].GetProperty("fields").GetProperty("job").GetString());
        var auto = await (await _client.PostAsync(Streams(key, "/groups/workers/claim"), Json("""{"consumer":"c","minIdleMs":0,"count":10}"""))).Body(HttpStatusCode.OK);
        Assert.Equal([ids[1], ids[2]], Ids(auto));
        Assert.False(auto.TryGetProperty("next", out _));
        Assert.Equal(0, auto.GetProperty("deleted").GetArrayLength());

        // c's history: what it holds, from the start.
        var history = await (await _client.PostAsync(Streams(key, "/groups/workers/read?consumer=c&from=0"), null)).Body(HttpStatusCode.OK);
        Assert.Equal([ids[1], ids[2]], Ids(history));

        var groups = await (await _client.GetAsync(Streams(key, "/groups"))).Body(HttpStatusCode.OK);
        var workers = groups.GetProperty("groups")[0];
        Assert.Equal(2, workers.GetProperty("pending").GetInt64());
        Assert.Equal(ids[2], workers.GetProperty("lastDeliveredId").GetString());

        await _client.PostAsync(Streams(key, "/groups/nobody/read?consumer=a"), null).Problem(HttpStatusCode.NotFound, "NOGROUP");
        await _client.PostAsync(Streams(key, "/groups/workers/read"), null).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync(Streams(key, "/groups/workers"))).StatusCode);
        await _client.DeleteAsync(Streams(key, "/groups/workers")).Problem(HttpStatusCode.NotFound, "NOGROUP");
    }

    [Fact]
    public async Task A_group_read_with_block_waits_for_the_next_entry()
    {
        var key = ApiFactory.Key("poll");
        await (await _client.PutAsync(Streams(key, "/groups/g"), Json("""{"mkStream":true}"""))).Body(HttpStatusCode.Created);
        var waiting = _client.PostAsync(Streams(key, "/groups/g/read?consumer=w&block=20000"), null);
        await Parked(1);
        Assert.False(waiting.IsCompleted);
        var id = await Add(key, """{"wake":"up"}""");
        var read = await (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Body(HttpStatusCode.OK);
        Assert.Equal([id], Ids(read));

        await _client.PostAsync(Streams(key, "/groups/g/read?consumer=w&block=0"), null).Problem(HttpStatusCode.BadRequest);
        await _client.PostAsync(Streams(key, "/groups/g/read?consumer=w&block=600000"), null).Problem(HttpStatusCode.BadRequest);
        var timing = _client.PostAsync(Streams(key, "/groups/g/read?consumer=w&block=5000"), null);
        await Parked(1);
        factory.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(Ids(await (await timing.WaitAsync(TimeSpan.FromSeconds(10))).Body(HttpStatusCode.OK)));
    }

    private async Task Parked(int count)
    {
        var engine = factory.Services.GetRequiredService<Lodestone.Engine.Execution.Executor>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (engine.BlockedCount != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Expected {count} blocked callers, have {engine.BlockedCount}.");
            await Task.Delay(5);
        }
    }

    /// <summary>An open SSE stream of a stream's entries: each event's id and data.</summary>
    private sealed class EntryEvents(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public async Task<(string Id, JsonElement Data)> NextAsync(CancellationToken cancel)
        {
            string? id = null;
            var data = new List<string>();
            while (await reader.ReadLineAsync(cancel) is { } line)
            {
                if (line.Length == 0 && data.Count > 0)
                    return (id!, JsonDocument.Parse(string.Join('\n', data)).RootElement);
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                    id = line["id: ".Length..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    data.Add(line["data: ".Length..]);
            }
            throw new EndOfStreamException("The event stream ended.");
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }

    private async Task<EntryEvents> FollowAsync(string url, string? lastEventId, CancellationToken cancel)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (lastEventId is not null)
            request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel));
        Assert.Equal(": stream", await reader.ReadLineAsync(cancel));
        return new EntryEvents(response, reader);
    }

    [Fact]
    public async Task The_event_stream_follows_new_entries_and_a_reconnect_with_Last_Event_ID_loses_and_repeats_nothing()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var key = ApiFactory.Key("feed");
        var before = await Add(key, """{"n":"0"}""");
        var ids = new List<string>();
        using (var events = await FollowAsync(Streams(key, "/events"), null, cancel.Token))
        {
            ids.Add(await Add(key, """{"n":"1"}"""));
            ids.Add(await Add(key, """{"n":"2\nlines"}"""));
            var first = await events.NextAsync(cancel.Token);
            var second = await events.NextAsync(cancel.Token);
            Assert.Equal(ids, [first.Id, second.Id]);
            Assert.Equal(first.Id, first.Data.GetProperty("id").GetString());
            Assert.Equal("2\nlines", second.Data.GetProperty("fields").GetProperty("n").GetString());
        }
        // Gone: what is added meanwhile is there when it comes back with the last id it saw.
        ids.Add(await Add(key, """{"n":"3"}"""));
        ids.Add(await Add(key, """{"n":"4"}"""));
        using (var resumed = await FollowAsync(Streams(key, "/events"), ids[1], cancel.Token))
        {
            Assert.Equal(ids[2], (await resumed.NextAsync(cancel.Token)).Id);
            Assert.Equal(ids[3], (await resumed.NextAsync(cancel.Token)).Id);
            ids.Add(await Add(key, """{"n":"5"}"""));
            Assert.Equal(ids[4], (await resumed.NextAsync(cancel.Token)).Id);
        }
        // From the start: every entry, the one before the first stream too.
        using var replay = await FollowAsync(Streams(key, "/events?from=0"), null, cancel.Token);
        Assert.Equal(before, (await replay.NextAsync(cancel.Token)).Id);
        foreach (var id in ids)
            Assert.Equal(id, (await replay.NextAsync(cancel.Token)).Id);
    }

    [Fact]
    public async Task An_event_stream_with_a_bad_last_event_id_is_refused_before_it_starts()
    {
        var key = ApiFactory.Key("feed");
        await Add(key, """{"n":"0"}""");
        var request = new HttpRequestMessage(HttpMethod.Get, Streams(key, "/events"));
        request.Headers.Add("Last-Event-ID", "not-an-id");
        var problem = await (await _client.SendAsync(request)).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("Invalid stream ID", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_command_endpoint_reaches_the_stream_commands()
    {
        var key = ApiFactory.Key("cmd");
        var added = await (await _client.PostAsync("/commands", Json($$"""["XADD","{{key}}","1-1","f","v"]"""))).Body(HttpStatusCode.OK);
        Assert.Equal("1-1", added.GetProperty("result").GetString());
        var range = await (await _client.PostAsync("/commands", Json($$"""["XRANGE","{{key}}","-","+"]"""))).Body(HttpStatusCode.OK);
        Assert.Equal("""[["1-1",["f","v"]]]""", range.GetProperty("result").GetRawText());
        var len = await (await _client.PostAsync("/commands", Json($$"""["XLEN","{{key}}"]"""))).Body(HttpStatusCode.OK);
        Assert.Equal(1, len.GetProperty("result").GetInt64());
    }
}
