using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

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
    private const string AdminToken = "repl-admin-token-0123456789";
    private const string ReplicaToken = "repl-replica-token-0123456789";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "lodestone-repl-" + Guid.NewGuid().ToString("N"));
    private readonly List<ServiceProcess> _processes = [];

    public void Dispose()
    {
        foreach (var process in _processes)
            process.Dispose();
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static readonly string[] Keys =
    [
        "--Auth:ApiKeys:0:Name", "admin", "--Auth:ApiKeys:0:Sha256", Hash(AdminToken), "--Auth:ApiKeys:0:Role", "admin",
        "--Auth:ApiKeys:1:Name", "replica", "--Auth:ApiKeys:1:Sha256", Hash(ReplicaToken), "--Auth:ApiKeys:1:Role", "replica",
    ];

    private async Task<ServiceProcess> Start(string name, string? primaryOf = null, params string[] settings)
    {
        string[] replication = primaryOf is null ? [] : ["--Replication:PrimaryOf", primaryOf, "--Replication:ApiKey", ReplicaToken];
        var process = await ServiceProcess.StartAsync(Path.Combine(_root, name), [.. Keys, .. replication, .. settings]);
        process.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        _processes.Add(process);
        return process;
    }

    private static string UrlOf(ServiceProcess process) => process.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);

    private static async Task<JsonElement> Command(HttpClient client, params string[] args)
    {
        using var response = await client.PostAsync("/commands", Http.Json(JsonSerializer.Serialize(args)));
        var body = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<string> Info(HttpClient client, string section) =>
        (await Command(client, "INFO", section)).GetProperty("result").GetString()!;

    private static string Field(string info, string name) =>
        info.Split("\r\n").First(line => line.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..];

    private static async Task<long> Stat(HttpClient client, string name) =>
        long.Parse(Field(await Info(client, "stats"), name), CultureInfo.InvariantCulture);

    private static async Task<long> Offset(HttpClient client) =>
        long.Parse(Field(await Info(client, "replication"), "master_repl_offset"), CultureInfo.InvariantCulture);

    private static async Task<string> Digest(HttpClient client) =>
        (await Command(client, "DEBUG", "DIGEST")).GetProperty("result").GetString()!;

    /// <summary>Waits (bounded) until the replica has applied everything the primary committed and its link is up.</summary>
    private static async Task CaughtUp(ServiceProcess primary, ServiceProcess replica)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var target = await Offset(primary.Client);
            var info = await Info(replica.Client, "replication");
            if (Field(info, "master_link_status") == "up" && long.Parse(Field(info, "master_repl_offset"), CultureInfo.InvariantCulture) == target)
                return;
            Assert.True(DateTime.UtcNow < deadline, $"The replica did not catch up with offset {target}:\n{info}\n{replica.Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Waits (bounded) until the replica has the primary's dataset: caught up and the same DEBUG DIGEST.
    /// Both are asked again while they differ, because the primary's own expiry may delete a key
    /// between the two questions (the replica then gets that DEL a moment later).
    /// </summary>
    private static async Task SameData(ServiceProcess primary, ServiceProcess replica)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            await CaughtUp(primary, replica);
            var (expected, actual) = (await Digest(primary.Client), await Digest(replica.Client));
            if (expected == actual && await Offset(primary.Client) == await Offset(replica.Client))
                return;
            Assert.True(DateTime.UtcNow < deadline, $"The replica's digest {actual} is not the primary's {expected}.");
            await Task.Delay(100);
        }
    }

    /// <summary>Writes of every family through pipelines: TTLs, counters, pops, random pops, renames, deletions, rate limits.</summary>
    private static async Task Workload(HttpClient client, string prefix, int rounds, int seed)
    {
        var random = new Random(seed);
        for (var round = 0; round < rounds; round++)
        {
            var batch = new List<string[]>();
            for (var i = 0; i < 50; i++)
            {
                var n = random.Next(20).ToString(CultureInfo.InvariantCulture);
                var v = random.Next(1000).ToString(CultureInfo.InvariantCulture);
                batch.Add(random.Next(22) switch
                {
                    0 => ["SET", $"{prefix}:s:{n}", v],
                    1 => ["SET", $"{prefix}:s:{n}", v, "EX", "1000"],
                    2 => ["INCRBY", $"{prefix}:c:{n}", v],
                    3 => ["APPEND", $"{prefix}:s:{n}", v],
                    4 => ["RPUSH", $"{prefix}:l:{n}", v, v + "x"],
                    5 => ["LPOP", $"{prefix}:l:{n}"],
                    6 => ["HSET", $"{prefix}:h:{n}", "f" + v[..1], v],
                    7 => ["HINCRBY", $"{prefix}:h:{n}", "count", "2"],
                    8 => ["SADD", $"{prefix}:set:{n}", v, v + "y"],
                    9 => ["SPOP", $"{prefix}:set:{n}"],
                    10 => ["ZADD", $"{prefix}:z:{n}", v, "m" + v[..1]],
                    11 => ["ZPOPMIN", $"{prefix}:z:{n}"],
                    12 => ["PFADD", $"{prefix}:hll:{n}", v],
                    13 => ["SETBIT", $"{prefix}:bits:{n}", v, "1"],
                    14 => ["GEOADD", $"{prefix}:geo:{n}", "13.36", "38.11", "m" + v],
                    15 => ["EXPIRE", $"{prefix}:l:{n}", "500"],
                    16 => ["PERSIST", $"{prefix}:l:{n}"],
                    17 => ["DEL", $"{prefix}:c:{n}"],
                    18 => ["SET", $"{prefix}:short:{n}", v, "PX", "150"],
                    19 => ["HSET", $"{prefix}:hx:{n}", "f", v],
                    20 => ["CL.THROTTLE", $"{prefix}:rate:{n}", "15", "30", "60", "1"],
                    _ => ["RENAME", $"{prefix}:s:{n}", $"{prefix}:s:renamed{n}"],
                });
            }
            using var response = await client.PostAsync("/commands/pipeline", Http.Json(JsonSerializer.Serialize(batch)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await Command(client, "HPEXPIRE", $"{prefix}:hx:1", "200", "FIELDS", "1", "f");
    }

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
        _processes.Remove(replica);
        replica.Dispose();
        await Workload(primary.Client, "p", 2, seed: 4);
        replica = await Start("replica", url);
        await CaughtUp(primary, replica);
        Assert.Equal(1, await Stat(primary.Client, "sync_full"));
        Assert.Equal(1, await Stat(primary.Client, "sync_partial_ok"));
        await SameData(primary, replica);

        // Killed, and the primary writes more than its backlog holds: one full sync, nothing more.
        replica.Kill();
        _processes.Remove(replica);
        replica.Dispose();
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
        Assert.Equal((long.Parse(Field(promoted, "master_repl_offset"), CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture), Field(promoted, "second_repl_offset"));

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
