using System.Buffers;
using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Lodestone.Engine.Persistence.Snapshots;
using Lodestone.Engine.Types;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>Snapshots: exact point-in-time images that compact the log, taken while writes go on.</summary>
public sealed class SnapshotTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lodestone-snapshot-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private sealed class Node(Executor executor, AppendOnlyLog log, RecoveryReport report) : IDisposable
    {
        public Executor Executor { get; } = executor;

        public AppendOnlyLog Log { get; } = log;

        public RecoveryReport Report { get; } = report;

        public Task<Reply> Run(params string[] args) => Executor.ExecuteAsync(args.Select(Encoding.UTF8.GetBytes).ToArray());

        public Task Snapshot() => Log.Compactor.SnapshotAsync(Executor);

        public void Dispose()
        {
            Executor.Dispose();
            Log.Dispose();
        }
    }

    private Node Start()
    {
        var options = new PersistenceOptions { DataDirectory = _directory, AppendFsync = AppendFsync.No, Save = "" };
        var log = new AppendOnlyLog(LocalFileSystem.Instance, options, _clock);
        var executor = new Executor(new EngineOptions(), _clock, [log]);
        executor.BeginLoading();
        return new Node(executor, log, log.Recover(executor));
    }

    /// <summary>A seeded workload over every type, with TTLs, overwrites, deletions and pops. Digests compare versions (ETags) too.</summary>
    private static async Task Workload(Node node, int seed, int steps)
    {
        var random = new Random(seed);
        for (var i = 0; i < steps; i++)
        {
            var k = random.Next(40);
            var v = random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            switch (random.Next(17))
            {
                case 14: await node.Run("LOCK.ACQUIRE", $"k{k % 5}", "30000", "OWNER", $"o{k % 3}"); break;
                case 15: await node.Run("LOCK.RELEASE", $"k{k % 5}", $"o{k % 3}"); break;
                case 16: await node.Run("LOCK.EXTEND", $"k{k % 5}", $"o{k % 3}", "45000"); break;
                case 0: await node.Run("SET", $"s{k}", v); break;
                case 1: await node.Run("SET", $"s{k}", v, "PX", (1000 + random.Next(100_000)).ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
                case 2: await node.Run("INCRBY", $"n{k}", v); break;
                case 3: await node.Run("APPEND", $"s{k}", v); break;
                case 4: await node.Run("RPUSH", $"l{k}", v, v + "x"); break;
                case 5: await node.Run("LPOP", $"l{k}"); break;
                case 6: await node.Run("SADD", $"t{k}", v); break;
                case 7: await node.Run("SPOP", $"t{k}"); break;
                case 8: await node.Run("HSET", $"h{k}", $"f{random.Next(5)}", v); break;
                case 9: await node.Run("HINCRBYFLOAT", $"h{k}", "f9", "0.5"); break;
                case 10: await node.Run("ZADD", $"z{k}", (random.NextDouble() * 100).ToString("R", System.Globalization.CultureInfo.InvariantCulture), v); break;
                case 11: await node.Run("ZPOPMIN", $"z{k}"); break;
                case 12: await node.Run("DEL", $"s{k}", $"l{k}"); break;
                default: await node.Run("EXPIRE", $"h{k}", "500"); break;
            }
        }
    }

    [Fact]
    public async Task A_restart_from_the_log_from_a_snapshot_and_from_both_gives_the_same_keyspace()
    {
        string expected;
        using (var node = Start())
        {
            await Workload(node, seed: 1, steps: 3000);
            expected = await KeyspaceDigest.OfAsync(node.Executor, withVersions: true);
        }
        using (var fromLog = Start())
        {
            Assert.Equal(0, fromLog.Report.SnapshotEntries);
            Assert.Equal(expected, await KeyspaceDigest.OfAsync(fromLog.Executor, withVersions: true));
            await fromLog.Snapshot();
        }
        using (var fromSnapshot = Start())
        {
            Assert.True(fromSnapshot.Report.SnapshotEntries > 0);
            Assert.Equal(0, fromSnapshot.Report.Records);
            Assert.Equal(expected, await KeyspaceDigest.OfAsync(fromSnapshot.Executor, withVersions: true));
            await Workload(fromSnapshot, seed: 2, steps: 2000);
            expected = await KeyspaceDigest.OfAsync(fromSnapshot.Executor, withVersions: true);
        }
        using var fromBoth = Start();

        Assert.True(fromBoth.Report.SnapshotEntries > 0);
        Assert.True(fromBoth.Report.Records > 0);
        Assert.Equal(expected, await KeyspaceDigest.OfAsync(fromBoth.Executor, withVersions: true));
    }

    [Fact]
    public async Task A_snapshot_compacts_the_log_and_removes_the_old_files_only_after_the_new_manifest()
    {
        long offset;
        using (var node = Start())
        {
            await Workload(node, seed: 3, steps: 500);
            offset = node.Executor.CommittedOffset;
            Assert.True(offset > 100);
            await node.Snapshot();
            var status = node.Log.Compactor.Status;
            Assert.False(status.InProgress);
            Assert.Null(status.LastError);
            Assert.Equal(offset, status.LastSaveOffset);
            Assert.True(status.LastSize > 0);
            await node.Run("SET", "after", "snapshot");
        }

        var files = Directory.GetFiles(_directory).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["log-00000000000000000001.aof", "manifest.json", "run-state", $"snapshot-{offset:D20}.snap"], files);
        var manifest = File.ReadAllText(Path.Combine(_directory, "manifest.json"));
        Assert.Contains($"\"snapshotOffset\": {offset}", manifest, StringComparison.Ordinal);
        using var restarted = Start();
        Assert.Equal(1, restarted.Report.Records);
        ReplyAssert.Bulk(await restarted.Run("GET", "after"), "snapshot");
        var reloaded = restarted.Log.Compactor.Status;
        Assert.Equal(offset, reloaded.LastSaveOffset);
        Assert.Equal(new FileInfo(Path.Combine(_directory, $"snapshot-{offset:D20}.snap")).Length, reloaded.LastSize);
        Assert.NotNull(reloaded.LastSaveTime);
    }

    [Fact]
    public async Task The_log_counts_its_records_across_segments_so_a_snapshot_does_not_reset_them()
    {
        using var node = Start();
        await node.Run("SET", "a", "1");
        await node.Run("SET", "b", "2");

        await node.Snapshot();
        await node.Run("SET", "c", "3");

        // Three writes, the last in the segment the snapshot started: a Prometheus counter must not go back.
        Assert.Equal(3, node.Log.Compactor.Status.LogRecords);
    }

    [Fact]
    public async Task A_snapshot_taken_while_writers_run_plus_the_log_after_it_equals_the_final_keyspace()
    {
        string expected;
        using (var node = Start())
        {
            for (var i = 0; i < 20_000; i++)
                await node.Run("SET", $"k{i}", $"v{i}");
            for (var i = 0; i < 200; i++)
                await node.Run("RPUSH", "list", $"e{i}");

            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                var random = new Random(w);
                while (!stop.IsCancellationRequested)
                {
                    var i = random.Next(20_000);
                    switch (random.Next(4))
                    {
                        case 0: await node.Run("SET", $"k{i}", $"w{w}"); break;
                        case 1: await node.Run("DEL", $"k{i}"); break;
                        case 2: await node.Run("APPEND", $"k{i}", "+"); break;
                        default: await node.Run("LPOP", "list"); await node.Run("RPUSH", "list", $"n{i}"); break;
                    }
                }
            })).ToArray();

            await node.Snapshot();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            expected = await KeyspaceDigest.OfAsync(node.Executor, withVersions: true);
        }

        using var restarted = Start();

        Assert.True(restarted.Report.SnapshotEntries > 0);
        Assert.Equal(expected, await KeyspaceDigest.OfAsync(restarted.Executor, withVersions: true));
    }

    [Fact]
    public async Task Stopping_while_a_snapshot_runs_keeps_every_write_and_publishes_no_partial_snapshot()
    {
        var node = Start();
        var value = new string('x', 100);
        for (var batch = 0; batch < 30; batch++)
            ReplyAssert.Ok(await node.Run([.. Enumerable.Range(batch * 1000, 1000).SelectMany(i => new[] { $"k{i}", value }).Prepend("MSET")]));
        var expected = await KeyspaceDigest.OfAsync(node.Executor, withVersions: true);
        var snapshot = node.Snapshot();
        // The second command runs in a loop turn that began after the snapshot did.
        await node.Run("PING");
        await node.Run("PING");
        Assert.True(node.Executor.IsSnapshotting, "The snapshot finished before the stop: this test tested nothing.");

        node.Dispose();
        await snapshot;
        Assert.Contains("abandoned", node.Log.Compactor.Status.LastError, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, "*.snap*"));

        using var restarted = Start();
        Assert.Equal(expected, await KeyspaceDigest.OfAsync(restarted.Executor, withVersions: true));
    }

    [Fact]
    public async Task A_key_deleted_before_a_snapshot_never_gets_its_old_version_again_after_a_restart()
    {
        long deleted;
        using (var node = Start())
        {
            await node.Run("SET", "k", "v");
            deleted = await KeyspaceDigest.VersionAsync(node.Executor, "k");
            await node.Run("DEL", "k");
            await node.Snapshot();
        }
        using var restarted = Start();
        Assert.Equal(0, restarted.Report.Records);

        await restarted.Run("SET", "k", "v");

        // The snapshot keeps the counter, not just the versions of the keys it holds.
        Assert.True(await KeyspaceDigest.VersionAsync(restarted.Executor, "k") > deleted);
    }

    [Fact]
    public async Task The_engine_may_still_be_completing_a_snapshot_writer_its_owner_has_already_disposed()
    {
        // The owner disposes the writer once Done completes, which can be before the engine thread's
        // Complete call has returned: completing a disposed writer must not throw on the engine thread.
        Directory.CreateDirectory(_directory);
        var writer = new SnapshotWriter(LocalFileSystem.Instance, Path.Combine(_directory, SnapshotFile.Name(0)));
        writer.Add("bytes"u8);
        writer.Complete();
        Assert.True(await writer.Done > 0);
        writer.Dispose();

        writer.Complete();
    }

    [Fact]
    public async Task A_snapshot_while_one_is_running_is_refused()
    {
        using var node = Start();
        for (var i = 0; i < 5000; i++)
            await node.Run("SET", $"k{i}", "v");

        var first = node.Snapshot();
        Assert.Throws<InvalidOperationException>(() => { _ = node.Log.Compactor.SnapshotAsync(node.Executor); });
        await first;
    }

    [Fact]
    public async Task A_damaged_snapshot_refuses_to_start_naming_it()
    {
        using (var node = Start())
        {
            await node.Run("SET", "a", "1");
            await node.Snapshot();
        }
        var snapshot = Directory.GetFiles(_directory, "*.snap").Single();
        var bytes = File.ReadAllBytes(snapshot);
        bytes[^6] ^= 0xFF;
        File.WriteAllBytes(snapshot, bytes);

        var refused = Assert.Throws<PersistenceException>(() => Start());

        Assert.Contains(snapshot, refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A directory as an operator who deleted the manifest and the log leaves it: the snapshot alone.</summary>
    private async Task<string> SnapshotAloneAsync()
    {
        using (var node = Start())
        {
            for (var i = 0; i < 100; i++)
                await node.Run("SET", $"k{i}", $"v{i}");
            await node.Run("RPUSH", "list", "a", "b");
            await node.Snapshot();
            await node.Run("SET", "after", "lost with the log");
        }
        File.Delete(Path.Combine(_directory, "manifest.json"));
        foreach (var segment in Directory.GetFiles(_directory, "log-*.aof"))
            File.Delete(segment);
        return Path.GetFileName(Directory.GetFiles(_directory, "*.snap").Single());
    }

    [Fact]
    public async Task A_snapshot_without_its_manifest_and_log_refuses_to_start_naming_it_and_how_to_start_from_it()
    {
        var snapshot = await SnapshotAloneAsync();

        var refused = Assert.Throws<PersistenceException>(() => Start());

        Assert.Contains(snapshot, refused.Message, StringComparison.Ordinal);
        Assert.Contains($"restore-snapshot {_directory} {snapshot}", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "manifest.json")), "A refused start wrote a manifest.");
    }

    [Fact]
    public async Task Restore_snapshot_starts_from_a_snapshot_left_without_its_manifest_and_the_log_goes_on_from_it()
    {
        var snapshot = await SnapshotAloneAsync();
        var offset = long.Parse(snapshot["snapshot-".Length..^".snap".Length], System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(0, SnapshotRestore.Run(LocalFileSystem.Instance, _directory, snapshot, new StringWriter()));

        using (var node = Start())
        {
            Assert.Equal(101, node.Report.SnapshotEntries);
            Assert.Equal(offset, node.Executor.CommittedOffset);
            ReplyAssert.BulkArray(await node.Run("MGET", "k0", "k99", "after"), "v0", "v99", null);
            ReplyAssert.BulkArray(await node.Run("LRANGE", "list", "0", "-1"), "a", "b");
            await node.Run("SET", "new", "1");
            Assert.True(node.Executor.CommittedOffset > offset);
            offset = node.Executor.CommittedOffset;
        }
        using var restarted = Start();
        ReplyAssert.BulkArray(await restarted.Run("MGET", "k0", "new"), "v0", "1");
        Assert.Equal(offset, restarted.Executor.CommittedOffset);
    }

    [Fact]
    public async Task Hash_field_TTLs_survive_a_snapshot_and_the_log_after_it_as_absolute_times()
    {
        string before;
        using (var node = Start())
        {
            await node.Run("HSET", "h", "a", "1", "b", "2", "c", "3");
            await node.Run("HEXPIRE", "h", "100", "FIELDS", "1", "a");
            await node.Snapshot();
            await node.Run("HPEXPIRE", "h", "5000", "FIELDS", "1", "b");
            before = TextOf(await node.Run("HPEXPIRETIME", "h", "FIELDS", "3", "a", "b", "c"));
        }
        _clock.Advance(TimeSpan.FromSeconds(2));
        using var restarted = Start();
        Assert.Equal(before, TextOf(await restarted.Run("HPEXPIRETIME", "h", "FIELDS", "3", "a", "b", "c")));
        _clock.Advance(TimeSpan.FromSeconds(4));
        ReplyAssert.Integer(await restarted.Run("HLEN", "h"), 2);
    }

    private static string TextOf(Reply reply) => string.Join(' ', reply.AsItems().Select(item => item.AsInteger()));

    [Fact]
    public async Task Restore_snapshot_never_replaces_a_manifest()
    {
        using (var node = Start())
        {
            await node.Run("SET", "a", "1");
            await node.Snapshot();
        }
        var manifest = File.ReadAllBytes(Path.Combine(_directory, "manifest.json"));
        var snapshot = Path.GetFileName(Directory.GetFiles(_directory, "*.snap").Single());

        Assert.Equal(2, SnapshotRestore.Run(LocalFileSystem.Instance, _directory, snapshot, new StringWriter()));
        Assert.Equal(manifest, File.ReadAllBytes(Path.Combine(_directory, "manifest.json")));
    }

    [Fact]
    public async Task Function_libraries_survive_a_snapshot_and_a_restart_but_eval_scripts_do_not()
    {
        using (var node = Start())
        {
            Assert.Equal("\"lib\"", (await node.Run("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('seven', function() return 7 end)")).ToString());
            await node.Run("SCRIPT", "LOAD", "return 1");
            await node.Snapshot();
            Assert.Equal("\"lib2\"", (await node.Run("FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('eight', function() return 8 end)")).ToString());
        }
        using var again = Start();
        Assert.Equal("(integer) 7", (await again.Run("FCALL", "seven", "0")).ToString());
        Assert.Equal("(integer) 8", (await again.Run("FCALL", "eight", "0")).ToString());
        Assert.Equal("[(integer) 0]", (await again.Run("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")).ToString());
    }

    [Fact]
    public void The_snapshot_format_is_pinned_byte_for_byte()
    {
        // Golden bytes: type numbers and codecs are append-only; a change needs a new format version.
        Assert.Equal([1, 2, 3, 4, 5, 6], new[] { RedisType.String, RedisType.List, RedisType.Set, RedisType.Hash, RedisType.ZSet, RedisType.Stream }.Select(t => (int)t));
        var buffer = new ArrayBufferWriter<byte>();
        // Format 4: the function libraries' sources follow the counter.
        SnapshotFile.WriteHeader(buffer, 7, lastVersion: 0x1234, libraries: ["ab"u8.ToArray()]);
        var encoder = new SnapshotEncoder(buffer);
        SnapshotFile.WriteEntry(encoder, RedisType.String, "k"u8.ToArray(), -1, 300, StringValue.Wrap("v"u8.ToArray()));
        var zset = new SortedSetValue();
        zset.Set("m"u8.ToArray(), 1.5);
        SnapshotFile.WriteEntry(encoder, RedisType.ZSet, "z"u8.ToArray(), 1000, 0x1234, zset);
        // Format 3: a hash ends with its fields' TTLs (count, then each field again with its expiry).
        var hash = new HashValue();
        hash.Set("f"u8.ToArray(), "1"u8.ToArray());
        hash.SetExpiry("f"u8, 2000);
        SnapshotFile.WriteEntry(encoder, RedisType.Hash, "h"u8.ToArray(), -1, 5, hash);
        SnapshotFile.WriteEnd(encoder, 3);

        Assert.Equal(
            "4C4F444553544F4E452D534E41500A" + "04" + "0700000000000000" + "3412000000000000" + "01" + "026162" +
            "01" + "016B" + "FFFFFFFFFFFFFFFF" + "2C01000000000000" + "0176" +
            "05" + "017A" + "E803000000000000" + "3412000000000000" + "01" + "016D" + "000000000000F83F" +
            "04" + "0168" + "FFFFFFFFFFFFFFFF" + "0500000000000000" + "01" + "0166" + "0131" + "01" + "0166" + "D007000000000000" +
            "FF" + "03",
            Convert.ToHexString(buffer.WrittenSpan));
        var read = SnapshotFile.Read(new MemoryStream(WithTrailer(Convert.ToHexString(buffer.WrittenSpan))), _ => { });
        Assert.Equal(["ab"], read.Libraries.Select(code => Encoding.UTF8.GetString(code)));
    }

    [Fact]
    public void Format_3_reads_back_without_libraries()
    {
        // Format 3 as the previous build wrote it (its golden bytes): no library section.
        var entries = new List<SnapshotEntry>();
        var format3 = SnapshotFile.Read(new MemoryStream(WithTrailer(
            "4C4F444553544F4E452D534E41500A" + "03" + "0700000000000000" + "3412000000000000" +
            "01" + "016B" + "FFFFFFFFFFFFFFFF" + "2C01000000000000" + "0176" +
            "04" + "0168" + "FFFFFFFFFFFFFFFF" + "0500000000000000" + "01" + "0166" + "0131" + "01" + "0166" + "D007000000000000" +
            "FF" + "02")), entries.Add);
        Assert.Equal(new SnapshotInfo(7, 2, 0x1234, 3), format3);
        Assert.Empty(format3.Libraries);
        Assert.Equal(["k", "h"], entries.Select(e => Encoding.UTF8.GetString(e.Key)));
    }

    /// <summary>A whole snapshot file from golden bytes: the body, then the CRC-32C trailer.</summary>
    private static byte[] WithTrailer(string hex)
    {
        var body = Convert.FromHexString(hex);
        return [.. body, .. BitConverter.GetBytes(Persistence.Aof.AofFormat.Checksum(body))];
    }

    [Fact]
    public void Older_formats_read_back_with_their_versions_and_format_1_has_none()
    {
        var entries = new List<SnapshotEntry>();
        var format2 = SnapshotFile.Read(new MemoryStream(WithTrailer(
            "4C4F444553544F4E452D534E41500A" + "02" + "0700000000000000" + "3412000000000000" +
            "01" + "016B" + "FFFFFFFFFFFFFFFF" + "2C01000000000000" + "0176" +
            "FF" + "01")), entries.Add);

        Assert.Equal(new SnapshotInfo(7, 1, 0x1234, 2), format2);
        Assert.Equal(("k", -1L, 300L), (Encoding.UTF8.GetString(entries[0].Key), entries[0].ExpireAtMs, entries[0].Version));

        // A format-2 hash has no TTL section: its fields have none.
        entries.Clear();
        SnapshotFile.Read(new MemoryStream(WithTrailer(
            "4C4F444553544F4E452D534E41500A" + "02" + "0700000000000000" + "3412000000000000" +
            "04" + "0168" + "FFFFFFFFFFFFFFFF" + "0500000000000000" + "01" + "0166" + "0131" +
            "FF" + "01")), entries.Add);
        var hash = (HashValue)entries.Single().Value;
        Assert.True(hash.TryGet("f"u8, out var value) && value.SequenceEqual("1"u8.ToArray()));
        Assert.False(hash.HasFieldExpiries);

        // Format 1 as the previous build wrote it (its golden bytes): no counter, no versions.
        entries.Clear();
        var format1 = SnapshotFile.Read(new MemoryStream(WithTrailer(
            "4C4F444553544F4E452D534E41500A" + "01" + "0700000000000000" +
            "01" + "016B" + "FFFFFFFFFFFFFFFF" + "0176" +
            "05" + "017A" + "E803000000000000" + "01" + "016D" + "000000000000F83F" +
            "FF" + "02")), entries.Add);

        Assert.Equal(new SnapshotInfo(7, 2, 0, 1), format1);
        Assert.Equal(["k", "z"], entries.Select(e => Encoding.UTF8.GetString(e.Key)));
        Assert.All(entries, e => Assert.Equal(0, e.Version));
        Assert.Equal(1000, entries[1].ExpireAtMs);
        Assert.True(((SortedSetValue)entries[1].Value).TryGetScore("m"u8, out var score) && score == 1.5);
    }

    [Fact]
    public void The_lock_codec_is_pinned_byte_for_byte()
    {
        Assert.Equal(7, (int)RedisType.Lock);
        var buffer = new ArrayBufferWriter<byte>();
        var encoder = new SnapshotEncoder(buffer);
        SnapshotFile.WriteEntry(encoder, RedisType.Lock, "l"u8.ToArray(), -1, 9, new LockValue { Token = 300, Owner = "o"u8.ToArray(), ExpiresAtMs = 1000 });
        SnapshotFile.WriteEntry(encoder, RedisType.Lock, "f"u8.ToArray(), -1, 9, new LockValue { Token = 5 });

        Assert.Equal(
            "07" + "016C" + "FFFFFFFFFFFFFFFF" + "0900000000000000" + "AC02" + "01" + "016F" + "E803000000000000" +
            "07" + "0166" + "FFFFFFFFFFFFFFFF" + "0900000000000000" + "05" + "00",
            Convert.ToHexString(buffer.WrittenSpan));
    }
}
