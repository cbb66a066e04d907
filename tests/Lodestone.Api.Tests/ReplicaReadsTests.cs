using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.ReplicationNodes;

namespace Lodestone.Api.Tests;

/// <summary>
/// Reading from a replica, between real processes: the sync token a write's response carries makes
/// a read on a replica wait until the replica has applied that write (or answer 503 TRYAGAIN); a
/// replica's responses say its offset and lag; with <c>Replication:ServeStaleData=false</c> a replica
/// whose primary is gone answers MASTERDOWN; the primary shows the URL each replica announced.
/// </summary>
public sealed class ReplicaReadsTests : IDisposable
{
    private const string Token = "upstash-sync-token";
    private readonly ReplicationNodes _nodes = new();

    public void Dispose() => _nodes.Dispose();

    private static long Header(HttpResponseMessage response, string name) =>
        long.Parse(response.Headers.GetValues(name).Single(), CultureInfo.InvariantCulture);

    private static HttpRequestMessage Get(string path, long? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is { } offset)
            request.Headers.Add(Token, offset.ToString(CultureInfo.InvariantCulture));
        return request;
    }

    [Fact]
    public async Task A_write_on_the_primary_is_read_on_a_replica_that_is_sent_its_sync_token()
    {
        var primary = await _nodes.Start("primary");
        // The replica follows through a proxy that holds the stream back 200 ms: it is always behind.
        // It may wait 3 s for a token (not the default 0.5 s): on a machine busy with other tests' processes
        // the 200 ms can stretch, and this test is about waiting for the write, not about how long.
        await using var proxy = new FaultProxy(new Uri(UrlOf(primary))) { Delay = TimeSpan.FromMilliseconds(200) };
        var replica = await _nodes.Start("replica", proxy.Url, "--Replication:ReadYourWritesWaitMs", "3000");
        await CaughtUp(primary, replica);

        // Each write's token, sent with the read that follows at once: the replica answers only once it has the write.
        for (var i = 0; i < 10; i++)
        {
            var value = "v" + i.ToString(CultureInfo.InvariantCulture);
            using var written = await primary.Client.PutAsync($"/strings/ryw:{i}", Http.Json(JsonSerializer.Serialize(new { value })));
            Assert.True(written.IsSuccessStatusCode, written.StatusCode.ToString());
            var token = Header(written, Token);
            Assert.True(token > 0);

            using var read = await replica.Client.SendAsync(Get($"/strings/ryw:{i}", token));
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(value, JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.GetProperty("value").GetString());
            Assert.True(Header(read, "Lodestone-Replication-Offset") >= token);
            Assert.True(Header(read, Token) >= token);
        }

        // The command endpoint, both ways: its write's token, its read waiting for it.
        using var set = await primary.Client.PostAsync("/commands", Http.Json("""["INCRBY","ryw:counter","7"]"""));
        using var get = new HttpRequestMessage(HttpMethod.Post, "/commands") { Content = Http.Json("""["GET","ryw:counter"]""") };
        get.Headers.Add(Token, set.Headers.GetValues(Token).Single());
        using var got = await replica.Client.SendAsync(get);
        Assert.Equal("7", JsonDocument.Parse(await got.Content.ReadAsStringAsync()).RootElement.GetProperty("result").GetString());

        // A primary has every offset it handed out: a token passes at once, and it says nothing of replication.
        using var onPrimary = await primary.Client.SendAsync(Get("/strings/ryw:0", Header(set, Token)));
        Assert.Equal(HttpStatusCode.OK, onPrimary.StatusCode);
        Assert.False(onPrimary.Headers.Contains("Lodestone-Replication-Offset"));
        Assert.False(onPrimary.Headers.Contains("Lodestone-Replication-Lag-Ms"));
    }

    [Fact]
    public async Task A_token_the_replica_does_not_reach_in_time_is_a_503_TRYAGAIN_with_Retry_After()
    {
        var primary = await _nodes.Start("primary");
        var replica = await _nodes.Start("replica", UrlOf(primary), "--Replication:ReadYourWritesWaitMs", "300");
        await CaughtUp(primary, replica);
        var ahead = await Offset(primary.Client) + 1_000_000;

        var watch = Stopwatch.StartNew();
        using var refused = await replica.Client.SendAsync(Get("/strings/nothing", ahead));
        watch.Stop();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("TRYAGAIN", problem.GetProperty("code").GetString());
        Assert.Contains(ahead.ToString(CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // It waited (the bound it was given), it did not refuse at once.
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), $"answered after {watch.Elapsed}");

        using var command = new HttpRequestMessage(HttpMethod.Post, "/commands") { Content = Http.Json("""["GET","nothing"]""") };
        command.Headers.Add(Token, ahead.ToString(CultureInfo.InvariantCulture));
        using var commandRefused = await replica.Client.SendAsync(command);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, commandRefused.StatusCode);
        Assert.NotNull(commandRefused.Headers.RetryAfter);
        Assert.StartsWith("TRYAGAIN ", JsonDocument.Parse(await commandRefused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);

        // Tokens it has reached, or that are not offsets, pass.
        using var reached = await replica.Client.SendAsync(Get("/keys", await Offset(replica.Client)));
        Assert.Equal(HttpStatusCode.OK, reached.StatusCode);
        using var notAnOffset = new HttpRequestMessage(HttpMethod.Get, "/keys");
        notAnOffset.Headers.TryAddWithoutValidation(Token, "not-a-number");
        using var passed = await replica.Client.SendAsync(notAnOffset);
        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
    }

    [Fact]
    public async Task Every_replica_response_says_its_offset_and_lag_and_the_primary_shows_the_url_it_announced()
    {
        var primary = await _nodes.Start("primary");
        var announcing = await _nodes.Start("announcing", UrlOf(primary), "--Replication:AnnounceUrl", "http://replica-one.example:8379");
        var plain = await _nodes.Start("plain", UrlOf(primary));
        await Command(primary.Client, "SET", "h:k", "v");
        await CaughtUp(primary, announcing);
        await CaughtUp(primary, plain);
        var offset = await Offset(primary.Client);

        foreach (var path in new[] { "/strings/h:k", "/strings/h:missing", "/admin/replication", "/health/nosuch" })
        {
            using var response = await announcing.Client.GetAsync(path);
            Assert.Equal(offset, Header(response, "Lodestone-Replication-Offset"));
            var lag = Header(response, "Lodestone-Replication-Lag-Ms");
            Assert.InRange(lag, 0, 30_000);
            Assert.Equal(offset, Header(response, Token));
        }
        using (var command = await announcing.Client.PostAsync("/commands", Http.Json("""["GET","h:k"]""")))
            Assert.Equal(offset, Header(command, "Lodestone-Replication-Offset"));

        var replicas = JsonDocument.Parse(await primary.Client.GetStringAsync("/admin/replication")).RootElement.GetProperty("replicas")
            .EnumerateArray().Select(r => (Url: r.GetProperty("url").GetString(), Port: r.GetProperty("port").GetInt32())).ToList();
        Assert.Contains(replicas, r => r.Url == "http://replica-one.example:8379");
        Assert.Contains(replicas, r => r.Url == UrlOf(plain) && r.Port == new Uri(UrlOf(plain)).Port);
        // INFO keeps Redis's ip and port.
        var info = await Info(primary.Client, "replication");
        Assert.Matches("^ip=127.0.0.1,port=\\d+,state=online,offset=\\d+,lag=\\d+$", Field(info, "slave0"));
    }

    [Fact]
    public async Task A_replica_that_must_not_serve_stale_data_answers_MASTERDOWN_once_its_primary_is_gone()
    {
        var primary = await _nodes.Start("primary");
        var replica = await _nodes.Start("replica", UrlOf(primary), "--Replication:ServeStaleData", "false");
        await Command(primary.Client, "SET", "stale:k", "v");
        await CaughtUp(primary, replica);
        using (var served = await replica.Client.GetAsync("/strings/stale:k"))
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);

        await _nodes.Stop(primary);
        await Until(async () => Field(await Info(replica.Client, "replication"), "master_link_status") == "down", () => Task.FromResult(replica.Output));

        using var refused = await replica.Client.GetAsync("/strings/stale:k");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("MASTERDOWN", problem.GetProperty("code").GetString());
        Assert.Equal("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", problem.GetProperty("detail").GetString());
        Assert.Equal("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            (await Command(replica.Client, "GET", "stale:k")).GetProperty("error").GetString());
        // What Redis flags stale still answers; and CONFIG SET turns stale data back on.
        Assert.Equal("down", Field(await Info(replica.Client, "replication"), "master_link_status"));
        Assert.Equal("OK", (await Command(replica.Client, "CONFIG", "SET", "replica-serve-stale-data", "yes")).GetProperty("result").GetString());
        Assert.Equal("v", (await Command(replica.Client, "GET", "stale:k")).GetProperty("result").GetString());
    }
}
