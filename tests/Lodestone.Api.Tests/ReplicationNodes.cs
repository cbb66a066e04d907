using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Lodestone.Api.Tests;

/// <summary>
/// Real Lodestone processes for replication tests: nodes started with an admin and a replica key
/// (replicas pointed at a primary's URL), each in its own data directory under one root, all
/// stopped and removed on dispose; and the questions those tests ask them (INFO fields, offsets,
/// DEBUG DIGEST), with bounded waits for a replica to catch up.
/// </summary>
public sealed class ReplicationNodes : IDisposable
{
    public const string AdminToken = "repl-admin-token-0123456789";
    public const string ReplicaToken = "repl-replica-token-0123456789";
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "lodestone-repl-" + Guid.NewGuid().ToString("N"));
    private readonly List<ServiceProcess> _processes = [];

    /// <summary>Forgets a node the test stopped or killed itself.</summary>
    public void Forget(ServiceProcess process)
    {
        _processes.Remove(process);
        process.Dispose();
    }

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

    /// <summary>Starts node <paramref name="name"/> (its directory under the root), a replica of <paramref name="primaryOf"/> when given.</summary>
    public Task<ServiceProcess> Start(string name, string? primaryOf = null, params string[] settings) =>
        Start(name, primaryOf, ServiceProcess.FreePort(), settings);

    /// <summary>Starts node <paramref name="name"/> on <paramref name="port"/>: a restart where the others look for it, on the data it left.</summary>
    public async Task<ServiceProcess> Start(string name, string? primaryOf, int port, params string[] settings)
    {
        string[] replication = primaryOf is null ? [] : ["--Replication:PrimaryOf", primaryOf, "--Replication:ApiKey", ReplicaToken];
        var process = await ServiceProcess.StartListeningAsync(port,
            ["--Urls", $"http://127.0.0.1:{port}", "--Persistence:DataDirectory", Path.Combine(_root, name), .. Keys, .. replication, .. settings]);
        process.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        _processes.Add(process);
        return process;
    }

    /// <summary>Stops a node cleanly (SIGTERM) and forgets it.</summary>
    public async Task Stop(ServiceProcess process)
    {
        await process.StopAsync();
        Forget(process);
    }

    public static string UrlOf(ServiceProcess process) => process.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);

    public static async Task<JsonElement> Command(HttpClient client, params string[] args)
    {
        using var response = await client.PostAsync("/commands", Http.Json(JsonSerializer.Serialize(args)));
        var body = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<string> Info(HttpClient client, string section) =>
        (await Command(client, "INFO", section)).GetProperty("result").GetString()!;

    public static string Field(string info, string name) =>
        info.Split("\r\n").First(line => line.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..];

    public static async Task<long> Stat(HttpClient client, string name) =>
        long.Parse(Field(await Info(client, "stats"), name), CultureInfo.InvariantCulture);

    public static async Task<long> Offset(HttpClient client) =>
        long.Parse(Field(await Info(client, "replication"), "master_repl_offset"), CultureInfo.InvariantCulture);

    public static async Task<string> Digest(HttpClient client) =>
        (await Command(client, "DEBUG", "DIGEST")).GetProperty("result").GetString()!;

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds.</summary>
    public static async Task Until(Func<Task<bool>> condition, Func<Task<string>> explain)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, await explain());
            await Task.Delay(50);
        }
    }

    /// <summary>Waits (bounded) until the replica has applied everything the primary committed and its link is up.</summary>
    public static async Task CaughtUp(ServiceProcess primary, ServiceProcess replica)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            long target;
            string info;
            try
            {
                target = await Offset(primary.Client);
                info = await Info(replica.Client, "replication");
            }
            catch (HttpRequestException gone)
            {
                throw new InvalidOperationException($"A node stopped answering ({gone.Message}).\n--- replica:\n{replica.Output}\n--- primary:\n{primary.Output}", gone);
            }
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
    public static async Task SameData(ServiceProcess primary, ServiceProcess replica)
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

    /// <summary>Writes of every family through pipelines: TTLs, counters, pops (blocking ones too), random pops, renames, deletions, rate limits, locks.</summary>
    public static async Task Workload(HttpClient client, string prefix, int rounds, int seed)
    {
        await Pipelines(client, rounds, seed, 25, (kind, n, v) => kind switch
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
            21 => ["LOCK.ACQUIRE", $"{prefix}:lock:{n}", "60000", "OWNER", "o" + v[..1]],
            22 => ["LOCK.RELEASE", $"{prefix}:lock:{n}", "o" + v[..1]],
            23 => ["BLPOP", $"{prefix}:l:{n}", "0.01"],
            _ => ["RENAME", $"{prefix}:s:{n}", $"{prefix}:s:renamed{n}"],
        });
        await Command(client, "HPEXPIRE", $"{prefix}:hx:1", "200", "FIELDS", "1", "f");
    }

    /// <summary>
    /// Writes of several families through pipelines and a transaction, with no TTL that passes during a
    /// test: offsets and digests then stay still once the writes stop.
    /// </summary>
    public static async Task SteadyWorkload(HttpClient client, string prefix, int rounds, int seed)
    {
        await Pipelines(client, rounds, seed, 8, (kind, n, v) => kind switch
        {
            0 => ["SET", $"{prefix}:s:{n}", v],
            1 => ["SET", $"{prefix}:s:{n}", v, "EX", "1000"],
            2 => ["INCRBY", $"{prefix}:c:{n}", v],
            3 => ["RPUSH", $"{prefix}:l:{n}", v, v + "x"],
            4 => ["LPOP", $"{prefix}:l:{n}"],
            5 => ["HSET", $"{prefix}:h:{n}", "f" + v[..1], v],
            6 => ["ZADD", $"{prefix}:z:{n}", v, "m" + v[..1]],
            _ => ["SPOP", $"{prefix}:set:{n}"],
        });
        // A transaction too: it reaches the replicas whole.
        using var multi = await client.PostAsync("/commands/multi-exec", Http.Json($$"""[["SET","{{prefix}}:tx:a","1"],["SET","{{prefix}}:tx:b","2"]]"""));
        Assert.Equal(System.Net.HttpStatusCode.OK, multi.StatusCode);
    }

    /// <summary>
    /// <paramref name="rounds"/> pipelines of 50 commands, each made by <paramref name="command"/> from a
    /// kind below <paramref name="kinds"/>, a key number and a value, all drawn from one seeded random.
    /// </summary>
    private static async Task Pipelines(HttpClient client, int rounds, int seed, int kinds, Func<int, string, string, string[]> command)
    {
        var random = new Random(seed);
        for (var round = 0; round < rounds; round++)
        {
            var batch = new List<string[]>();
            for (var i = 0; i < 50; i++)
            {
                var n = random.Next(20).ToString(CultureInfo.InvariantCulture);
                var v = random.Next(1000).ToString(CultureInfo.InvariantCulture);
                batch.Add(command(random.Next(kinds), n, v));
            }
            using var response = await client.PostAsync("/commands/pipeline", Http.Json(JsonSerializer.Serialize(batch)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}
