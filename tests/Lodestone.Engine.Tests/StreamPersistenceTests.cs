using System.Buffers;
using System.Globalization;
using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Lodestone.Engine.Persistence.Snapshots;
using Lodestone.Engine.Types;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Streams survive restarts: replaying the log (whose effects were made deterministic) and loading a
/// snapshot both give back the entries, counters, groups, pending lists, delivery times and counts.
/// </summary>
public sealed class StreamPersistenceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lodestone-streams-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private sealed class Node(Executor executor, AppendOnlyLog log) : IDisposable
    {
        public Executor Executor { get; } = executor;

        public Task<Reply> Run(params string[] args) => Executor.ExecuteAsync(args.Select(Encoding.UTF8.GetBytes).ToArray());

        public Task Snapshot() => log.Compactor.SnapshotAsync(Executor);

        public async Task<string> Digest() =>
            (await Run("DEBUG", "DIGEST")).AsSimple() + "\n" + await KeyspaceDigest.OfAsync(Executor, withVersions: true);

        public void Dispose()
        {
            Executor.Dispose();
            log.Dispose();
        }
    }

    private Node Start()
    {
        var options = new PersistenceOptions { DataDirectory = _directory, AppendFsync = AppendFsync.No, Save = "" };
        var log = new AppendOnlyLog(LocalFileSystem.Instance, options, _clock);
        var executor = new Executor(new EngineOptions(), _clock, [log]);
        executor.BeginLoading();
        log.Recover(executor);
        return new Node(executor, log);
    }

    /// <summary>A seeded workload of every stream command that writes, with generated ids, approximate trims and a moving clock.</summary>
    private async Task Workload(Node node, int seed, int steps)
    {
        var random = new Random(seed);
        string Key() => $"s{random.Next(3)}";
        string Group() => $"g{random.Next(2)}";
        string Consumer() => $"c{random.Next(3)}";
        string Id() => $"{random.Next(400)}-{random.Next(3)}";
        string N(int max) => random.Next(max).ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < steps; i++)
        {
            if (random.Next(10) == 0)
                _clock.Advance(TimeSpan.FromMilliseconds(random.Next(1, 5000)));
            switch (random.Next(16))
            {
                case 0 or 1 or 2: await node.Run("XADD", Key(), "*", "f", N(100), "g", "x"); break;
                case 3: await node.Run("XADD", Key(), "MAXLEN", "~", N(150), "*", "f", N(100)); break;
                case 4: await node.Run("XTRIM", Key(), "MAXLEN", random.Next(2) == 0 ? "~" : "=", N(200)); break;
                case 5: await node.Run("XDEL", Key(), Id()); break;
                case 6: await node.Run("XGROUP", "CREATE", Key(), Group(), random.Next(2) == 0 ? "$" : "0", "MKSTREAM"); break;
                case 7 or 8: await node.Run("XREADGROUP", "GROUP", Group(), Consumer(), "COUNT", N(20), "STREAMS", Key(), ">"); break;
                case 9: await node.Run("XREADGROUP", "GROUP", Group(), Consumer(), "COUNT", N(5), "STREAMS", Key(), "0"); break;
                case 10: await node.Run("XACK", Key(), Group(), Id()); break;
                case 11: await node.Run("XAUTOCLAIM", Key(), Group(), Consumer(), N(3000), "0", "COUNT", N(10)); break;
                case 12:
                    var range = (await node.Run("XRANGE", Key(), "-", "+", "COUNT", "3"));
                    if (!range.IsError && range.AsItems().Count > 0)
                        await node.Run("XCLAIM", Key(), Group(), Consumer(), N(2000), Encoding.UTF8.GetString(range.AsItems()[^1].AsItems()[0].AsBulk().Span), "FORCE");
                    break;
                case 13: await node.Run("XGROUP", "DELCONSUMER", Key(), Group(), Consumer()); break;
                case 14: await node.Run("XGROUP", "SETID", Key(), Group(), "0"); break;
                default: await node.Run("XREADGROUP", "GROUP", Group(), Consumer(), "NOACK", "STREAMS", Key(), ">"); break;
            }
        }
    }

    [Fact]
    public async Task A_restart_from_the_log_and_from_a_snapshot_gives_back_streams_groups_and_pending_entries()
    {
        string expected;
        using (var node = Start())
        {
            await Workload(node, seed: 24, steps: 3000);
            expected = await node.Digest();
            Assert.True((await node.Run("XINFO", "GROUPS", "s0")).AsItems().Count > 0);
        }
        _clock.Advance(TimeSpan.FromSeconds(30));
        using (var fromLog = Start())
        {
            Assert.Equal(expected, await fromLog.Digest());
            await fromLog.Snapshot();
        }
        using (var fromSnapshot = Start())
        {
            Assert.Equal(expected, await fromSnapshot.Digest());
            await Workload(fromSnapshot, seed: 25, steps: 1500);
            expected = await fromSnapshot.Digest();
        }
        using var fromBoth = Start();
        Assert.Equal(expected, await fromBoth.Digest());
    }

    [Fact]
    public async Task A_snapshot_taken_while_stream_writers_run_plus_the_log_after_it_equals_the_final_keyspace()
    {
        string expected;
        using (var node = Start())
        {
            for (var i = 0; i < 2_000; i++)
                await node.Run("XADD", $"s{i % 200}", "*", "f", $"v{i}");
            for (var i = 0; i < 200; i++)
                await node.Run("XGROUP", "CREATE", $"s{i}", "g", "0");

            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
            {
                var random = new Random(w);
                while (!stop.IsCancellationRequested)
                {
                    var key = $"s{random.Next(200)}";
                    switch (random.Next(4))
                    {
                        case 0: await node.Run("XADD", key, "MAXLEN", "~", "5", "*", "f", $"w{w}"); break;
                        case 1: await node.Run("XREADGROUP", "GROUP", "g", $"c{w}", "COUNT", "2", "STREAMS", key, ">"); break;
                        case 2: await node.Run("XAUTOCLAIM", key, "g", $"c{w}", "0", "0", "COUNT", "1"); break;
                        default: await node.Run("XTRIM", key, "MAXLEN", "3"); break;
                    }
                }
            })).ToArray();

            await node.Snapshot();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            expected = await node.Digest();
        }

        using var restarted = Start();
        Assert.Equal(expected, await restarted.Digest());
    }

    [Fact]
    public async Task A_snapshot_keeps_consumers_seen_times_and_the_pending_lists_delivery_times()
    {
        string before;
        using (var node = Start())
        {
            await node.Run("XADD", "s", "1-1", "f", "v");
            await node.Run("XGROUP", "CREATE", "s", "g", "0");
            await node.Run("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
            _clock.Advance(TimeSpan.FromSeconds(3));
            await node.Run("XGROUP", "CREATECONSUMER", "s", "g", "bob");
            await node.Snapshot();
            before = (await node.Run("XINFO", "STREAM", "s", "FULL")).ToString();
        }
        _clock.Advance(TimeSpan.FromSeconds(10));
        using var restarted = Start();
        Assert.Equal(before, (await restarted.Run("XINFO", "STREAM", "s", "FULL")).ToString());
        Assert.Equal(13_000, (await restarted.Run("XPENDING", "s", "g", "-", "+", "1")).AsItems()[0].AsItems()[2].AsInteger());
    }

    [Fact]
    public void The_stream_codec_is_pinned_byte_for_byte_and_reads_back()
    {
        Assert.Equal(6, (int)RedisType.Stream);
        var stream = new StreamValue();
        stream.Append(new StreamId(5, 1), ["f"u8.ToArray(), "v"u8.ToArray()]);
        stream.Append(new StreamId(6, 0), ["a"u8.ToArray(), "b"u8.ToArray()]);
        stream.Delete(new StreamId(5, 1));
        var group = stream.CreateGroup("g"u8.ToArray(), new StreamId(6, 0), 2)!;
        var consumer = group.GetOrCreateConsumer("c"u8.ToArray(), 1000, out _);
        var pending = new PendingEntry(new StreamId(6, 0), consumer, 1500, 3);
        group.Pending.Add(pending);
        consumer.Pending.Add(pending);
        var buffer = new ArrayBufferWriter<byte>();
        var encoder = new SnapshotEncoder(buffer);
        SnapshotFile.WriteEntry(encoder, RedisType.Stream, "s"u8.ToArray(), -1, 9, stream);

        // Entries (count; id ms, seq; pairs; field, value), last id, max deleted id, entries added, first id;
        // groups (count; name, last id, entries read, consumers (name, seen-time), PEL (id, consumer, delivery time, count)).
        var hex = "06" + "0173" + "FFFFFFFFFFFFFFFF" + "0900000000000000" +
            "01" + "06" + "00" + "01" + "0161" + "0162" +
            "0600" + "0501" + "02" + "0600" +
            "01" + "0167" + "0600" + "0200000000000000" +
            "01" + "0163" + "E803000000000000" +
            "01" + "0600" + "0163" + "DC05000000000000" + "03";
        Assert.Equal(hex, Convert.ToHexString(buffer.WrittenSpan));

        var read = (StreamValue)Persistence.Snapshots.Codecs.ValueCodecs.For(RedisType.Stream).Read(
            new SnapshotDecoder(new MemoryStream(Convert.FromHexString(hex[(2 + 4 + 16 + 16)..]))) { Format = 3 });
        Assert.Equal(Diagnostics.ValueDigest.OfValue(stream), Diagnostics.ValueDigest.OfValue(read));
        Assert.Equal(1500, read.Group("g"u8)!.Pending.All().Single().DeliveryTime);
        Assert.Equal(1000, read.Group("g"u8)!.Consumers.Values.Single().SeenTime);
    }
}
