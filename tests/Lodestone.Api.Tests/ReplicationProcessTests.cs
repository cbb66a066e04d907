using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

using static Lodestone.Api.Tests.ReplicationNodes;

namespace Lodestone.Api.Tests;

/// <summary>
/// Replication between real processes on loopback: a primary and two replicas (the built service,
/// started and killed as an operator would), a randomised workload over every family, then the
/// same dataset (DEBUG DIGEST) and the same ETags everywhere; partial resync after a replica's
/// restart; a full sync when the backlog no longer holds its offset; READONLY on every /commands
/// entry point of a replica and 307 on a resource route; a promotion that keeps replid2. Every wait
/// is bounded and every process is stopped.
/// </summary>
public sealed class ReplicationProcessTests : IDisposable
{
    private readonly ReplicationNodes _nodes = new();

    public void Dispose() => _nodes.Dispose();

    private Task<ServiceProcess> Start(string name, string? primaryOf = null, params string[] settings) => _nodes.Start(name, primaryOf, settings);

    private static async Task<string?> ETag(HttpClient client, string key)
    {
        using var response = await client.GetAsync("/strings/" + Uri.EscapeDataString(key));
        return response.StatusCode == HttpStatusCode.OK ? response.Headers.ETag?.Tag : null;
    }

    [Fact]
    public async Task Two_replicas_follow_a_randomised_workload_to_the_same_digest_and_ETags_and_refuse_writes()
    {
        var primary = await Start("primary");
        var url = UrlOf(primary);
        var one = await Start("one", url);
        var two = await Start("two", url);

        await Workload(primary.Client, "w", 20, seed: 1);
        await Task.Delay(400); // the short TTLs pass: the primary's expiry DELs replicate
        await Workload(primary.Client, "w", 10, seed: 2);
        // Eviction under maxmemory on the primary: its DELs replicate; the replicas never evict on their own.
        var used = long.Parse(Field(await Info(primary.Client, "memory"), "used_memory"), CultureInfo.InvariantCulture);
        await Command(primary.Client, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        await Command(primary.Client, "CONFIG", "SET", "maxmemory", (used + 100_000).ToString(CultureInfo.InvariantCulture));
        for (var i = 0; i < 300; i++)
            await Command(primary.Client, "SET", $"w:fill:{i}", new string('f', 1000));
        Assert.True(await Stat(primary.Client, "evicted_keys") > 0);
        await Command(primary.Client, "CONFIG", "SET", "maxmemory", "0");
        await SameData(primary, one);
        await SameData(primary, two);
        Assert.NotEqual(new string('0', 40), await Digest(primary.Client));
        for (var i = 0; i < 20; i++)
        {
            var key = $"w:s:{i}";
            var etag = await ETag(primary.Client, key);
            Assert.Equal(etag, await ETag(one.Client, key));
            Assert.Equal(etag, await ETag(two.Client, key));
        }

        var info = await Info(primary.Client, "replication");
        Assert.Equal("2", Field(info, "connected_slaves"));
        Assert.Matches("^ip=127.0.0.1,port=\\d+,state=online,offset=\\d+,lag=\\d+$", Field(info, "slave0"));
        Assert.Equal(2, await Stat(primary.Client, "sync_full"));
        Assert.Equal(0, await Stat(one.Client, "evicted_keys"));
        var state = JsonDocument.Parse(await primary.Client.GetStringAsync("/admin/replication")).RootElement;
        Assert.Equal(2, state.GetProperty("replicas").GetArrayLength());
        Assert.True(state.GetProperty("replicas")[0].GetProperty("lagBytes").GetInt64() >= 0);
        var replicaState = JsonDocument.Parse(await one.Client.GetStringAsync("/admin/replication")).RootElement;
        Assert.Equal("slave", replicaState.GetProperty("role").GetString());
        Assert.Equal("up", replicaState.GetProperty("primary").GetProperty("linkStatus").GetString());
        var role = (await Command(one.Client, "ROLE")).GetProperty("result");
        Assert.Equal("slave", role[0].GetString());
        Assert.Equal("connected", role[3].GetString());

        // READONLY on every /commands entry point, in Redis's words; nothing written.
        const string ReadOnly = "READONLY You can't write against a read only replica.";
        Assert.Equal(ReadOnly, (await Command(one.Client, "SET", "w:new", "1")).GetProperty("error").GetString());
        using (var pipeline = await one.Client.PostAsync("/commands/pipeline", Http.Json("""[["GET","w:s:1"],["SET","w:new","1"]]""")))
            Assert.Contains(ReadOnly, await pipeline.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using (var multi = await one.Client.PostAsync("/commands/multi-exec", Http.Json("""[["SET","w:new","1"]]""")))
            Assert.Contains(ReadOnly, await multi.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using (var path = await one.Client.PostAsync("/commands/set/w:new/1", null))
            Assert.Contains(ReadOnly, await path.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await Command(one.Client, "GET", "w:new")).GetProperty("result").ValueKind);

        // A resource route's write is redirected to the primary, method and path kept.
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = one.Client.BaseAddress };
        noRedirects.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var redirected = await noRedirects.PutAsync("/strings/w:new", Http.Json("""{"value":"1"}"""));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirected.StatusCode);
        Assert.Equal(url + "/strings/w:new", redirected.Headers.Location!.AbsoluteUri);
        using var read = await noRedirects.GetAsync("/strings/w:s:1");
        Assert.NotEqual(HttpStatusCode.TemporaryRedirect, read.StatusCode);
    }

    [Fact]
    public async Task A_restarted_replica_resyncs_partially_and_one_beyond_the_backlog_gets_exactly_one_full_sync()
    {
        var primary = await Start("primary", null, "--Replication:BacklogBytes", "65536");
        var url = UrlOf(primary);
        var replica = await Start("replica", url);
        await Workload(primary.Client, "p", 5, seed: 3);
        await CaughtUp(primary, replica);
        Assert.Equal(1, await Stat(primary.Client, "sync_full"));

        // Stopped and restarted with its data: it asks for (replid, offset) and gets only what it missed.
        await replica.StopAsync();
        _nodes.Forget(replica);
        await Workload(primary.Client, "p", 2, seed: 4);
        replica = await Start("replica", url);
        await CaughtUp(primary, replica);
        Assert.Equal(1, await Stat(primary.Client, "sync_full"));
        Assert.Equal(1, await Stat(primary.Client, "sync_partial_ok"));
        await SameData(primary, replica);

        // Killed, and the primary writes more than its backlog holds: one full sync, nothing more.
        replica.Kill();
        _nodes.Forget(replica);
        var big = new string('x', 4096);
        for (var i = 0; i < 40; i++)
            await Command(primary.Client, "SET", $"p:big:{i}", big);
        replica = await Start("replica", url);
        await CaughtUp(primary, replica);
        Assert.True(await Stat(primary.Client, "sync_full") == 2, replica.Output + "\n--- primary:\n" + primary.Output);
        Assert.True(await Stat(primary.Client, "sync_partial_ok") == 1, replica.Output + "\n--- primary:\n" + primary.Output);
        Assert.Equal(1, await Stat(primary.Client, "sync_partial_err"));
        await SameData(primary, replica);
    }

    [Fact]
    public async Task A_replica_redirects_writes_to_the_url_its_primary_announces()
    {
        var primary = await Start("primary", null, "--Replication:AnnounceUrl", "http://primary.example:8379/");
        var replica = await Start("replica", UrlOf(primary));
        await CaughtUp(primary, replica);

        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = replica.Client.BaseAddress };
        noRedirects.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var redirected = await noRedirects.PostAsync("/lists/jobs/right?x=1", Http.Json("""{"values":["a"]}"""));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirected.StatusCode);
        Assert.Equal("http://primary.example:8379/lists/jobs/right?x=1", redirected.Headers.Location!.AbsoluteUri);
    }

    [Fact]
    public async Task A_primary_restarted_on_its_own_files_keeps_its_history_and_its_replica_continues_partially()
    {
        var primary = await Start("primary");
        var url = UrlOf(primary);
        var replica = await Start("replica", url);
        await Workload(primary.Client, "r", 5, seed: 7);
        await Task.Delay(400); // the short TTLs pass, and their DELs replicate, before the primary stops
        await SameData(primary, replica);
        var before = await Info(primary.Client, "replication");

        // Stopped cleanly (its log complete) and started again where the replica looks for it.
        await primary.StopAsync();
        _nodes.Forget(primary);
        primary = await _nodes.Start("primary", null, new Uri(url).Port);
        var after = await Info(primary.Client, "replication");
        Assert.Equal(Field(before, "master_replid"), Field(after, "master_replid"));
        // Where it left off, or further on: keys whose time passed meanwhile are deleted as it starts.
        Assert.True(long.Parse(Field(after, "master_repl_offset"), CultureInfo.InvariantCulture) >= long.Parse(Field(before, "master_repl_offset"), CultureInfo.InvariantCulture));

        await Command(primary.Client, "SET", "r:after-restart", "1");
        await SameData(primary, replica);
        Assert.Equal(0, await Stat(primary.Client, "sync_full"));
        Assert.Equal(1, await Stat(primary.Client, "sync_partial_ok"));
    }

    [Fact]
    public async Task A_promoted_replica_keeps_the_old_replid_as_replid2_and_the_other_replica_continues_from_it_partially()
    {
        var primary = await Start("primary");
        var url = UrlOf(primary);
        var one = await Start("one", url);
        var two = await Start("two", url);
        await Workload(primary.Client, "f", 3, seed: 5);
        await CaughtUp(primary, one);
        await CaughtUp(primary, two);
        var oldId = Field(await Info(primary.Client, "replication"), "master_replid");

        primary.Kill();
        Assert.Equal("OK", (await Command(one.Client, "REPLICAOF", "NO", "ONE")).GetProperty("result").GetString());
        var promoted = await Info(one.Client, "replication");
        Assert.Equal("master", Field(promoted, "role"));
        Assert.Equal(oldId, Field(promoted, "master_replid2"));
        Assert.NotEqual(oldId, Field(promoted, "master_replid"));
        // replid2 names its history up to the promotion; the new primary's own expiry may have written since.
        var second = long.Parse(Field(promoted, "second_repl_offset"), CultureInfo.InvariantCulture);
        Assert.InRange(second, 2, long.Parse(Field(promoted, "master_repl_offset"), CultureInfo.InvariantCulture) + 1);

        var newPrimary = new Uri(UrlOf(one));
        using var moved = await two.Client.PutAsync("/admin/replication", Http.Json($$"""{"primaryOf":"{{UrlOf(one)}}"}"""));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        await Command(one.Client, "SET", "f:after", "1");
        await CaughtUp(one, two);
        Assert.Equal(0, await Stat(one.Client, "sync_full"));
        Assert.Equal(1, await Stat(one.Client, "sync_partial_ok"));
        await SameData(one, two);
        Assert.Equal(newPrimary.Port.ToString(CultureInfo.InvariantCulture), Field(await Info(two.Client, "replication"), "master_port"));
    }
}
