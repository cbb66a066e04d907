using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.ReplicationNodes;

namespace Lodestone.Api.Tests;

/// <summary>
/// Replication through faults, between real processes: a <see cref="FaultProxy"/> between primary and
/// replica corrupts a byte of a record and of a full sync's snapshot, cuts the stream in the middle of
/// a record, delays it and partitions the two; and a replica is killed with SIGKILL while writers
/// keep writing. After each fault the replica must reach the primary's exact dataset (DEBUG DIGEST and
/// offset) — a corrupt record applied would leave it different for good — by a partial resync where
/// its history allows, never applying a bad record.
/// </summary>
public sealed class ReplicationFaultTests : IDisposable
{
    private readonly ReplicationNodes _nodes = new();

    public void Dispose() => _nodes.Dispose();

    private static async Task<string?> Get(HttpClient client, string key) =>
        (await Command(client, "GET", key)).GetProperty("result") is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    [Fact]
    public async Task A_corrupt_byte_a_cut_record_a_delay_and_a_partition_each_end_in_the_primarys_data_by_partial_resync()
    {
        var primary = await _nodes.Start("primary");
        await using var proxy = new FaultProxy(new Uri(UrlOf(primary)));
        var replica = await _nodes.Start("replica", proxy.Url);
        await Workload(primary.Client, "x", 5, seed: 11);
        await SameData(primary, replica);
        Assert.Equal(1, await Stat(primary.Client, "sync_full"));
        var value = new string('v', 4000);

        // A flipped byte inside a record's value: the checksum refuses it, the replica continues from the record before.
        var partial = await Stat(primary.Client, "sync_partial_ok");
        proxy.CorruptAt(1000);
        await Command(primary.Client, "SET", "x:corrupt", value);
        await SameData(primary, replica);
        Assert.False(proxy.FaultPending);
        Assert.Equal(value, await Get(replica.Client, "x:corrupt"));
        Assert.Contains("fails its checksum", replica.Output, StringComparison.Ordinal);
        Assert.Equal(partial + 1, await Stat(primary.Client, "sync_partial_ok"));

        // The stream cut in the middle of a record: the half record is never applied; a partial resync brings it whole.
        proxy.CutAfter(1500);
        await Command(primary.Client, "SET", "x:cut", value + "c");
        await SameData(primary, replica);
        Assert.False(proxy.FaultPending);
        Assert.Equal(value + "c", await Get(replica.Client, "x:cut"));
        Assert.True(partial + 2 == await Stat(primary.Client, "sync_partial_ok"), $"{await Info(primary.Client, "stats")}\n{proxy.StreamsOpened}\n{replica.Output}\n--- primary:\n{primary.Output}");

        // A slow link: the write arrives late, but it arrives, on the same stream.
        var streams = proxy.StreamsOpened;
        proxy.Delay = TimeSpan.FromMilliseconds(400);
        var clock = Stopwatch.StartNew();
        await Command(primary.Client, "SET", "x:slow", "1");
        while (await Get(replica.Client, "x:slow") is null)
        {
            Assert.True(clock.Elapsed < Bound, "The delayed write never reached the replica.");
            await Task.Delay(20);
        }
        Assert.True(clock.ElapsedMilliseconds >= 350, $"The write arrived after {clock.ElapsedMilliseconds} ms, through a 400 ms delay.");
        proxy.Delay = TimeSpan.Zero;
        await SameData(primary, replica);
        Assert.Equal(streams, proxy.StreamsOpened);

        // A partition: the link goes down while the primary takes writes, and comes back with only what was missed.
        var partition = proxy.PartitionAsync(TimeSpan.FromSeconds(3));
        await Workload(primary.Client, "x", 3, seed: 12);
        var deadline = DateTime.UtcNow + Bound;
        while (Field(await Info(replica.Client, "replication"), "master_link_status") != "down")
        {
            Assert.True(DateTime.UtcNow < deadline, "The replica never noticed the partition.");
            await Task.Delay(50);
        }
        await partition;
        await SameData(primary, replica);
        Assert.Equal(1, await Stat(primary.Client, "sync_full"));
        Assert.Equal(partial + 3, await Stat(primary.Client, "sync_partial_ok"));
    }

    [Fact]
    public async Task A_corrupt_byte_in_a_full_syncs_snapshot_is_refused_and_the_next_full_sync_installs_the_primarys_data()
    {
        var primary = await _nodes.Start("primary");
        await using var proxy = new FaultProxy(new Uri(UrlOf(primary)));
        await Workload(primary.Client, "f", 10, seed: 13);
        for (var i = 0; i < 10; i++)
            await Command(primary.Client, "SET", $"f:big:{i}", new string((char)('a' + i), 2000));

        // The first sync's snapshot has a flipped byte well inside it (past the HTTP headers and the FULLRESYNC line).
        proxy.CorruptAt(3000);
        var replica = await _nodes.Start("replica", proxy.Url);
        await SameData(primary, replica);
        Assert.False(proxy.FaultPending);
        Assert.Equal(2, await Stat(primary.Client, "sync_full"));
        Assert.Contains("snapshot", replica.Output, StringComparison.Ordinal);
        Assert.Equal(new string('c', 2000), await Get(replica.Client, "f:big:2"));
    }

    [Fact]
    public async Task Every_write_a_replica_acknowledged_by_WAIT_or_Lodestone_Wait_survives_a_kill_9_of_the_primary()
    {
        var primary = await _nodes.Start("primary");
        var replica = await _nodes.Start("replica", UrlOf(primary));
        await CaughtUp(primary, replica);

        // The history: each writer records the writes the primary said a replica acknowledged.
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var unacknowledged = 0L;
        using var stop = new CancellationTokenSource();
        async Task Writer(int id)
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var (key, value) = ($"acked:{id}:{n}", $"{id}-{n}");
                try
                {
                    if (id % 2 == 0)
                    {
                        var body = JsonSerializer.Serialize(new[] { new[] { "SET", key, value }, ["WAIT", "1", "2000"] });
                        using var response = await primary.Client.PostAsync("/commands/pipeline", Http.Json(body));
                        var replies = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                        if (replies[1].GetProperty("result").GetInt64() >= 1)
                            acknowledged[key] = value;
                        else
                            Interlocked.Increment(ref unacknowledged);
                    }
                    else
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Put, "/strings/" + key) { Content = Http.Json(JsonSerializer.Serialize(new { value })) };
                        request.Headers.Add("Lodestone-Wait", "replicas=1; timeout=2000");
                        using var response = await primary.Client.SendAsync(request);
                        if (response.IsSuccessStatusCode && response.Headers.TryGetValues("Lodestone-Replicas-Acked", out var acked) && acked.Single() == "1")
                            acknowledged[key] = value;
                        else
                            Interlocked.Increment(ref unacknowledged);
                    }
                }
                catch (Exception gone) when (gone is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or KeyNotFoundException)
                {
                    return; // the primary is gone: what it answered before is the history
                }
            }
        }
        var writers = Enumerable.Range(0, 4).Select(Writer).ToArray();
        await Task.Delay(1500);
        primary.Kill();
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(acknowledged.Count > 20, $"Only {acknowledged.Count} writes were acknowledged by a replica ({unacknowledged} were not).");

        // The replica, promoted, has every acknowledged write, with its value.
        Assert.Equal("OK", (await Command(replica.Client, "REPLICAOF", "NO", "ONE")).GetProperty("result").GetString());
        var missing = new List<string>();
        foreach (var (key, value) in acknowledged)
        {
            if (await Get(replica.Client, key) != value)
                missing.Add(key);
        }
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged writes are not on the replica: {string.Join(", ", missing.Take(10))}");
    }

    [Fact]
    public async Task A_replica_killed_under_load_and_restarted_reaches_the_primarys_data()
    {
        var primary = await _nodes.Start("primary");
        var replica = await _nodes.Start("replica", UrlOf(primary));
        await CaughtUp(primary, replica);

        using var stop = new CancellationTokenSource();
        var acknowledged = 0L;
        async Task Writer(int id)
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var body = JsonSerializer.Serialize(new[] { new[] { "SET", $"k:{id}:{n}", n.ToString(CultureInfo.InvariantCulture) }, ["INCR", $"count:{id}"], ["RPUSH", $"list:{id}", $"{n}"] });
                using var response = await primary.Client.PostAsync("/commands/pipeline", Http.Json(body));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Interlocked.Increment(ref acknowledged);
                n++;
            }
        }
        var writers = Enumerable.Range(0, 4).Select(Writer).ToArray();
        await Task.Delay(1000);
        replica.Kill();
        _nodes.Forget(replica);
        await Task.Delay(1000);
        replica = await _nodes.Start("replica", UrlOf(primary));
        await Task.Delay(1000);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(acknowledged > 100, $"Only {acknowledged} writes were made under load.");

        await SameData(primary, replica);
        // The restarted replica continued from its own files: one full sync (its first), then a partial one.
        Assert.Equal(1, await Stat(primary.Client, "sync_full"));
        Assert.Equal(1, await Stat(primary.Client, "sync_partial_ok"));
    }
}
