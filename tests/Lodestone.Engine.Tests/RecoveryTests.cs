using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Lodestone.Engine.Persistence.Aof;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>Restarting from the data directory brings back exactly what was acknowledged.</summary>
public sealed class RecoveryTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lodestone-recovery-" + Guid.NewGuid().ToString("N"));
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

        public void Dispose()
        {
            Executor.Dispose();
            Log.Dispose();
        }
    }

    private Node Start(AppendFsync fsync = AppendFsync.Always, bool loadTruncated = true)
    {
        var options = new PersistenceOptions { DataDirectory = _directory, AppendFsync = fsync, AofLoadTruncated = loadTruncated };
        var log = new AppendOnlyLog(LocalFileSystem.Instance, options, _clock);
        var executor = new Executor(new EngineOptions(), _clock, [log]);
        executor.BeginLoading();
        try
        {
            return new Node(executor, log, log.Recover(executor));
        }
        catch
        {
            executor.Dispose();
            log.Dispose();
            throw;
        }
    }

    private string Segment => Path.Combine(_directory, "log-00000000000000000000.aof");

    [Fact]
    public async Task The_replication_ids_are_kept_with_the_data_across_restarts_and_a_promotion_is_written_down()
    {
        Replication.ReplicationIds first;
        long offset;
        using (var node = Start())
        {
            first = node.Executor.Replication.Ids;
            await node.Run("SET", "k", "v");
            offset = node.Executor.CommittedOffset;
        }
        Replication.ReplicationIds promoted;
        using (var restarted = Start())
        {
            Assert.Equal(first, restarted.Executor.Replication.Ids);
            Assert.Equal(offset, restarted.Executor.CommittedOffset);
            restarted.Executor.Replication.Follow("http://elsewhere:8379");
            restarted.Executor.Replication.Promote(restarted.Executor.CommittedOffset);
            promoted = restarted.Executor.Replication.Ids;
        }
        using var again = Start();
        Assert.Equal(promoted, again.Executor.Replication.Ids);
        Assert.Equal(first.Id, again.Executor.Replication.Ids.Id2);
        Assert.Equal(offset + 1, again.Executor.Replication.Ids.SecondOffset);
    }

    [Fact]
    public async Task A_fresh_directory_gets_a_manifest_and_a_log_and_a_restart_restores_everything()
    {
        using (var node = Start())
        {
            Assert.Equal(0, node.Report.Records);
            await node.Run("SET", "s", "v");
            await node.Run("SET", "ttl", "v", "EX", "100");
            await node.Run("INCRBYFLOAT", "f", "0.1");
            await node.Run("RPUSH", "q", "a", "b", "c");
            await node.Run("LPOP", "q");
            await node.Run("DEL", "gone");
        }
        Assert.True(File.Exists(Path.Combine(_directory, "manifest.json")));

        using var restarted = Start();

        Assert.Equal(5, restarted.Report.Records);
        ReplyAssert.Bulk(await restarted.Run("GET", "s"), "v");
        ReplyAssert.Integer(await restarted.Run("PTTL", "ttl"), 100_000);
        ReplyAssert.Bulk(await restarted.Run("GET", "f"), "0.1");
        ReplyAssert.BulkArray(await restarted.Run("LPOP", "q", "5"), "b", "c");
        Assert.True(restarted.Executor.CommittedOffset > restarted.Report.NextOffset);
    }

    [Fact]
    public async Task Offsets_continue_across_restarts()
    {
        long first, second;
        using (var node = Start())
        {
            await node.Run("SET", "a", "1");
            first = node.Executor.CommittedOffset;
        }
        using (var node = Start())
        {
            Assert.Equal(first, node.Executor.CommittedOffset);
            await node.Run("SET", "b", "2");
            second = node.Executor.CommittedOffset;
        }
        using var last = Start();
        Assert.Equal(second, last.Report.NextOffset);
        Assert.Equal(second, last.Executor.CommittedOffset);
        // Bytes of the stream, which are the segment's bytes after its header.
        var segment = Directory.GetFiles(_directory, "log-*.aof").Single();
        Assert.Equal(second, new FileInfo(segment).Length - AofFormat.HeaderSize);
        ReplyAssert.BulkArray(await last.Run("MGET", "a", "b"), "1", "2");
    }

    [Fact]
    public async Task A_key_written_before_it_expired_replays_onto_that_key_even_after_its_time()
    {
        using (var node = Start())
        {
            await node.Run("SET", "k", "v", "PX", "100");
            await node.Run("APPEND", "k", "x");
        }
        _clock.Advance(TimeSpan.FromSeconds(1));

        using var restarted = Start();

        ReplyAssert.Null(await restarted.Run("GET", "k"));
        ReplyAssert.Integer(await restarted.Run("EXISTS", "k"), 0);
    }

    [Fact]
    public async Task Keys_that_expired_while_the_service_was_down_are_dropped_at_the_end_of_loading()
    {
        using (var node = Start())
        {
            await node.Run("SET", "short", "v", "PX", "100");
            await node.Run("SET", "long", "v", "EX", "100");
        }
        _clock.Advance(TimeSpan.FromSeconds(1));

        using var restarted = Start();

        ReplyAssert.Integer(await restarted.Run("DBSIZE"), 1);
        // The DEL of the key that expired, logged at the end of loading.
        Assert.Equal(restarted.Report.NextOffset + AofFormat.RecordSize(new Effect(Argv.Of("DEL", "short"), 0)), restarted.Executor.CommittedOffset);
    }

    [Fact]
    public async Task While_loading_callers_get_loading()
    {
        var executor = new Executor(new EngineOptions(), _clock);
        executor.BeginLoading();

        ReplyAssert.Error(await executor.ExecuteAsync("GET"u8.ToArray(), "k"u8.ToArray()), "LOADING Lodestone is loading the dataset in memory");

        executor.FinishLoading(0);
        ReplyAssert.Null(await executor.ExecuteAsync("GET"u8.ToArray(), "k"u8.ToArray()));
        executor.Dispose();
    }

    [Fact]
    public async Task A_torn_last_record_is_cut_off_and_reported_and_the_rest_is_loaded()
    {
        using (var node = Start())
        {
            await node.Run("SET", "a", "1");
            await node.Run("SET", "b", "2");
        }
        var length = new FileInfo(Segment).Length;
        using (var file = new FileStream(Segment, FileMode.Open))
            file.SetLength(length - 3);

        using var restarted = Start();

        Assert.NotNull(restarted.Report.Truncated);
        Assert.Contains("record 1 of the segment", restarted.Report.Truncated, StringComparison.Ordinal);
        ReplyAssert.BulkArray(await restarted.Run("MGET", "a", "b"), "1", null);
        await restarted.Run("SET", "c", "3");
        restarted.Dispose();
        using var again = Start();
        Assert.Null(again.Report.Truncated);
        ReplyAssert.BulkArray(await again.Run("MGET", "a", "b", "c"), "1", null, "3");
    }

    [Fact]
    public async Task A_torn_tail_is_cut_only_after_the_segment_is_kept_as_it_was_in_a_corrupt_copy()
    {
        using (var node = Start())
        {
            await node.Run("SET", "a", "1");
            await node.Run("SET", "b", "2");
        }
        using (var file = new FileStream(Segment, FileMode.Open))
            file.SetLength(file.Length - 3);
        var torn = File.ReadAllBytes(Segment);

        using var restarted = Start();

        Assert.Contains($"kept in {Segment}.corrupt", restarted.Report.Truncated, StringComparison.Ordinal);
        Assert.Equal(torn, File.ReadAllBytes(Segment + ".corrupt"));
        Assert.True(new FileInfo(Segment).Length < torn.Length);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public async Task A_corrupt_length_field_in_the_middle_refuses_to_start_and_changes_nothing()
    {
        // A length that reaches past the end of the file is what a torn last record looks like too:
        // only the whole records after it tell that this is not the end of the log.
        using (var node = Start(AppendFsync.No))
        {
            for (var i = 0; i < 200; i++)
                await node.Run("SET", $"key:{i}", $"value:{i}");
        }
        var bytes = File.ReadAllBytes(Segment);
        var record100 = RecordStart(bytes, 100);
        var record101 = RecordStart(bytes, 101);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(record100), (uint)bytes.Length);
        File.WriteAllBytes(Segment, bytes);

        var refused = Assert.Throws<PersistenceException>(() => Start());

        Assert.Contains($"{Segment} at byte {record100} (record 100 of the segment, offset {record100 - AofFormat.HeaderSize})", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"a whole record follows at byte {record101}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(Segment));
        Assert.Empty(Directory.GetFiles(_directory, "*.corrupt"));

        var check = new StringWriter();
        Assert.Equal(1, AofCheck.Run(LocalFileSystem.Instance, _directory, fix: false, check));
        Assert.Contains($"Corruption at byte {record100} (record 100 of the segment, offset {record100 - AofFormat.HeaderSize})", check.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Where record <paramref name="index"/> of a segment starts, walking the length fields.</summary>
    private static int RecordStart(byte[] segment, int index)
    {
        var position = 24;
        for (var i = 0; i < index; i++)
            position += 8 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(segment.AsSpan(position));
        return position;
    }

    [Fact]
    public async Task A_torn_last_record_refuses_to_start_when_truncation_is_off()
    {
        using (var node = Start())
            await node.Run("SET", "a", "1");
        using (var file = new FileStream(Segment, FileMode.Open))
            file.SetLength(file.Length - 1);

        var refused = Assert.Throws<PersistenceException>(() => Start(loadTruncated: false));

        Assert.Contains("torn record", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Persistence:AofLoadTruncated", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Corruption_before_the_end_refuses_to_start_naming_file_offset_and_record()
    {
        using (var node = Start())
        {
            await node.Run("SET", "a", "1");
            await node.Run("SET", "b", "2");
        }
        var bytes = File.ReadAllBytes(Segment);
        bytes[30] ^= 0xFF;
        File.WriteAllBytes(Segment, bytes);

        var refused = Assert.Throws<PersistenceException>(() => Start());

        Assert.Contains(Segment, refused.Message, StringComparison.Ordinal);
        Assert.Contains("at byte 24 (record 0 of the segment, offset 0)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"version\":2,\"snapshot\":null,\"snapshotOffset\":0,\"segments\":[\"log-00000000000000000000.aof\"]}")]
    [InlineData("{\"version\":1,\"snapshot\":null,\"snapshotOffset\":0,\"segments\":[]}")]
    [InlineData("{\"version\":1,\"snapshot\":null,\"snapshotOffset\":0,\"segments\":[\"../escape.aof\"]}")]
    [InlineData("{\"version\":1,\"snapshot\":null,\"snapshotOffset\":0,\"segments\":[\"log-missing.aof\"]}")]
    public void A_malformed_manifest_refuses_to_start_naming_the_manifest(string manifest)
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "manifest.json"), manifest);

        var refused = Assert.Throws<PersistenceException>(() => Start());

        Assert.Contains("manifest.json", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_segments_without_a_manifest_refuse_to_start()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllBytes(Segment, []);

        var refused = Assert.Throws<PersistenceException>(() => Start());

        Assert.Contains("no manifest.json", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_aof_reports_corruption_and_fix_cuts_the_log_at_the_first_bad_record()
    {
        using (var node = Start())
        {
            await node.Run("SET", "a", "1");
            await node.Run("SET", "b", "2");
            await node.Run("SET", "c", "3");
        }
        var bytes = File.ReadAllBytes(Segment);
        bytes[60] ^= 0xFF;
        File.WriteAllBytes(Segment, bytes);

        var report = new StringWriter();
        Assert.Equal(1, AofCheck.Run(LocalFileSystem.Instance, _directory, fix: false, report));
        Assert.Contains("Corruption at byte 57 (record 1 of the segment, offset 33)", report.ToString(), StringComparison.Ordinal);
        Assert.Equal(bytes.Length, new FileInfo(Segment).Length);

        Assert.Equal(0, AofCheck.Run(LocalFileSystem.Instance, _directory, fix: true, new StringWriter()));
        Assert.Equal(0, AofCheck.Run(LocalFileSystem.Instance, _directory, fix: false, new StringWriter()));
        using var restarted = Start();
        ReplyAssert.BulkArray(await restarted.Run("MGET", "a", "b", "c"), "1", null, null);
    }

    [Fact]
    public async Task Check_aof_fix_keeps_what_it_cuts_in_a_corrupt_copy_and_moves_the_segments_it_drops_aside()
    {
        using (var node = Start())
        {
            await node.Run("SET", "a", "1");
            await node.Run("SET", "b", "2");
            await node.Run("SET", "c", "3");
        }
        // A second segment after the first, as a snapshot that stopped part-way leaves them.
        var second = Path.Combine(_directory, "log-00000000000000000001.aof");
        using (var writer = AofWriter.Open(LocalFileSystem.Instance, second, 3, AppendFsync.Always, _clock))
            writer.Commit([new Effect(["SET"u8.ToArray(), "d"u8.ToArray(), "4"u8.ToArray()], 0)], sync: false);
        File.WriteAllText(Path.Combine(_directory, "manifest.json"),
            "{\"version\":1,\"snapshot\":null,\"snapshotOffset\":0,\"segments\":[\"log-00000000000000000000.aof\",\"log-00000000000000000001.aof\"]}");
        var bytes = File.ReadAllBytes(Segment);
        bytes[60] ^= 0xFF;
        File.WriteAllBytes(Segment, bytes);
        var secondBytes = File.ReadAllBytes(second);

        var report = new StringWriter();
        Assert.Equal(0, AofCheck.Run(LocalFileSystem.Instance, _directory, fix: true, report));

        Assert.Equal(bytes, File.ReadAllBytes(Segment + ".corrupt"));
        Assert.False(File.Exists(second), "A dropped segment kept its name: the next snapshot's segment would append to it.");
        Assert.Equal(secondBytes, File.ReadAllBytes(second + ".corrupt"));
        Assert.Contains($"Kept {Segment} as it was in {Segment}.corrupt", report.ToString(), StringComparison.Ordinal);
        using var restarted = Start();
        ReplyAssert.BulkArray(await restarted.Run("MGET", "a", "b", "c", "d"), "1", null, null, null);
    }

    [Theory]
    [InlineData(AppendFsync.EverySec, false, true)]
    [InlineData(AppendFsync.No, false, true)]
    [InlineData(AppendFsync.EverySec, true, false)]
    [InlineData(AppendFsync.Always, false, false)]
    public async Task Lock_grants_pause_after_a_stop_that_may_have_lost_lock_writes(AppendFsync fsync, bool clean, bool paused)
    {
        long token;
        using (var node = Start(fsync))
        {
            Assert.False(node.Report.LockGrantsPaused); // a new directory has lost nothing
            var grant = await node.Run("LOCK.ACQUIRE", "l", "1000", "OWNER", "a");
            token = grant.AsItems()[5].AsInteger();
        }
        if (!clean)
            File.WriteAllText(Path.Combine(_directory, "run-state"), "running\n"); // as a crash leaves it

        using var restarted = Start(fsync);

        Assert.Equal(paused, restarted.Report.LockGrantsPaused);
        _clock.Advance(TimeSpan.FromMilliseconds(1000));
        var next = await restarted.Run("LOCK.ACQUIRE", "l", "1000", "OWNER", "b");
        if (paused)
        {
            Assert.Equal("LOCKED", next.AsError().Code);
            _clock.Advance(TimeSpan.FromMilliseconds(new EngineOptions().LockMaxTtlMs));
            next = await restarted.Run("LOCK.ACQUIRE", "l", "1000", "OWNER", "b");
        }
        Assert.True(next.AsItems()[5].AsInteger() > token);
    }

    private static Task<long> Version(Node node, string key) => KeyspaceDigest.VersionAsync(node.Executor, key);

    [Theory]
    [InlineData(AppendFsync.Always, true)]
    [InlineData(AppendFsync.EverySec, false)]
    [InlineData(AppendFsync.No, false)]
    public async Task Every_key_keeps_its_version_across_a_restart_and_the_next_write_gets_one_never_seen(AppendFsync fsync, bool clean)
    {
        string expected;
        var seen = new List<long>();
        using (var node = Start(fsync))
        {
            await node.Run("SET", "s", "1");
            await node.Run("SET", "s", "2", "EX", "100");
            seen.Add(await Version(node, "s"));
            await node.Run("MSET", "a", "1", "b", "2");
            await node.Run("RENAME", "b", "c");
            await node.Run("COPY", "c", "d");
            await node.Run("HSET", "h", "f", "v");
            await node.Run("DEL", "a");
            expected = await KeyspaceDigest.OfAsync(node.Executor, withVersions: true);
        }
        if (!clean)
            File.WriteAllText(Path.Combine(_directory, "run-state"), "running\n"); // as a crash leaves it

        using var restarted = Start(fsync);

        Assert.Equal(expected, await KeyspaceDigest.OfAsync(restarted.Executor, withVersions: true));
        Assert.Equal(seen[0], await Version(restarted, "s"));
        await restarted.Run("SET", "s", "3");
        await restarted.Run("SET", "a", "again");
        Assert.True(await Version(restarted, "s") > seen[0]);
        Assert.True(await Version(restarted, "a") > await Version(restarted, "d"));
    }

    [Fact]
    public async Task After_a_torn_tail_is_cut_a_write_never_gets_the_version_the_lost_record_gave_its_key()
    {
        long kept, lost;
        using (var node = Start(AppendFsync.EverySec))
        {
            await node.Run("SET", "k", "1");
            kept = await Version(node, "k");
            await node.Run("SET", "k", "2");
            lost = await Version(node, "k"); // a caller saw this ETag
        }
        // The last record never reached the disk whole (a machine crash under EverySec).
        using (var file = new FileStream(Segment, FileMode.Open))
            file.SetLength(file.Length - 3);
        File.WriteAllText(Path.Combine(_directory, "run-state"), "running\n");

        using var restarted = Start(AppendFsync.EverySec);

        Assert.NotNull(restarted.Report.Truncated);
        ReplyAssert.Bulk(await restarted.Run("GET", "k"), "1");
        Assert.Equal(kept, await Version(restarted, "k"));
        await restarted.Run("SET", "k", "3");
        // If-Match with the lost write's ETag must not match the new value.
        Assert.True(await Version(restarted, "k") > lost);
    }

    /// <summary>A segment in format 1, as the previous build wrote it: no version in its records.</summary>
    private static byte[] Format1Segment(long start, params string[][] records)
    {
        var bytes = new List<byte>(Convert.FromHexString("4C4F444553544F4E452D414F460A0100"));
        bytes.AddRange(BitConverter.GetBytes(start));
        for (var i = 0; i < records.Length; i++)
        {
            var body = new List<byte>(BitConverter.GetBytes(start + i)) { (byte)records[i].Length };
            foreach (var arg in records[i])
            {
                body.Add((byte)arg.Length);
                body.AddRange(Encoding.UTF8.GetBytes(arg));
            }
            bytes.AddRange(BitConverter.GetBytes(body.Count));
            bytes.AddRange(BitConverter.GetBytes(AofFormat.Checksum(body.ToArray())));
            bytes.AddRange(body);
        }
        return [.. bytes];
    }

    [Fact]
    public async Task A_directory_of_the_previous_format_loads_continues_in_a_new_segment_and_asks_for_a_snapshot()
    {
        Directory.CreateDirectory(_directory);
        var old = Format1Segment(0, ["SET", "a", "1"], ["RPUSH", "l", "x"]);
        File.WriteAllBytes(Segment, old);
        File.WriteAllText(Path.Combine(_directory, "manifest.json"),
            "{\"version\":1,\"snapshot\":null,\"snapshotOffset\":0,\"segments\":[\"log-00000000000000000000.aof\"]}");

        long written;
        using (var node = Start())
        {
            ReplyAssert.Bulk(await node.Run("GET", "a"), "1");
            Assert.True(await Version(node, "a") > 0);
            Assert.True(node.Log.Compactor.SnapshotDue(), "Old files hold no versions: a compaction is due.");
            await node.Run("SET", "b", "2");
            written = await Version(node, "b");
        }
        // The old segment is never appended to: the new records went to a segment of the current format.
        Assert.Equal(old, File.ReadAllBytes(Segment));
        var second = Path.Combine(_directory, "log-00000000000000000001.aof");
        Assert.Equal(AofFormat.Version, File.ReadAllBytes(second)[14]);
        Assert.Contains("log-00000000000000000001.aof", File.ReadAllText(Path.Combine(_directory, "manifest.json")), StringComparison.Ordinal);

        using (var node = Start())
        {
            ReplyAssert.BulkArray(await node.Run("MGET", "a", "b"), "1", "2");
            // The old segment's offsets counted records (2); from there on they count bytes.
            Assert.Equal(2 + AofFormat.RecordSize(new Effect(Argv.Of("SET", "b", "2"), written)), node.Report.NextOffset);
            Assert.Equal(written, await Version(node, "b"));
            await node.Log.Compactor.SnapshotAsync(node.Executor);
            Assert.False(node.Log.Compactor.SnapshotDue());
        }
        string expected;
        using (var node = Start())
        {
            expected = await KeyspaceDigest.OfAsync(node.Executor, withVersions: true);
            Assert.False(node.Log.Compactor.SnapshotDue());
        }
        using var last = Start();
        Assert.Equal(expected, await KeyspaceDigest.OfAsync(last.Executor, withVersions: true));
        Assert.Contains("l|list|-1|[x]", expected, StringComparison.Ordinal);
    }
}
