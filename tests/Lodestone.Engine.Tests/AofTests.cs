using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Lodestone.Engine.Persistence.Aof;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>The log format, its reader's torn-tail and corruption rules, and the writer's failure handling.</summary>
public sealed class AofTests
{
    private static Effect Record(params string[] args) => new(args.Select(Encoding.UTF8.GetBytes).ToArray(), 0);

    private static byte[] Segment(long start, params Effect[] records)
    {
        var buffer = new ArrayBufferWriter<byte>();
        AofFormat.WriteHeader(buffer, start);
        foreach (var record in records)
            AofFormat.WriteRecord(buffer, start + buffer.WrittenCount - AofFormat.HeaderSize, record);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A segment of format 2, as the previous build wrote it: each record's offset the previous one's plus 1.</summary>
    private static byte[] Format2Segment(long start, params Effect[] records)
    {
        var buffer = new ArrayBufferWriter<byte>();
        AofFormat.WriteHeader(buffer, start);
        for (var i = 0; i < records.Length; i++)
            AofFormat.WriteRecord(buffer, start + i, records[i]);
        var bytes = buffer.WrittenSpan.ToArray();
        bytes[14] = 2;
        return bytes;
    }

    private static (AofReadResult Result, List<string> Records) Read(byte[] bytes)
    {
        var records = new List<string>();
        var result = AofReader.Read(new MemoryStream(bytes), (offset, record) =>
            records.Add($"{offset}:{string.Join(' ', record.Args.Select(a => Encoding.UTF8.GetString(a)))}"));
        return (result, records);
    }

    [Fact]
    public void The_format_is_pinned_byte_for_byte()
    {
        // Golden bytes: changing the format needs a new version number and a reader for versions 1 to 3.
        var bytes = Segment(5, Record("SET", "k", "v") with { Version = 300 });

        Assert.Equal(
            "4C4F444553544F4E452D414F460A0300" + "0500000000000000" +
            "13000000" + Convert.ToHexString(BitConverter.GetBytes(AofFormat.Checksum(bytes.AsSpan(32)))) +
            "0500000000000000" + "AC02" + "03" + "03534554" + "016B" + "0176",
            Convert.ToHexString(bytes));
        Assert.Equal(0xE3069283u, AofFormat.Checksum("123456789"u8));
    }

    [Fact]
    public void A_format_1_segment_still_reads_and_its_records_carry_no_version()
    {
        // Format 1 as the previous build wrote it (its golden bytes): no version in the body.
        var body = Convert.FromHexString("0500000000000000" + "03" + "03534554" + "016B" + "0176");
        var bytes = Convert.FromHexString("4C4F444553544F4E452D414F460A0100" + "0500000000000000" + "11000000")
            .Concat(BitConverter.GetBytes(AofFormat.Checksum(body))).Concat(body).ToArray();
        var versions = new List<long>();

        var result = AofReader.Read(new MemoryStream(bytes), (_, record) => versions.Add(record.Version));

        Assert.Equal(["5:SET k v"], Read(bytes).Records);
        Assert.Equal((null, (byte)1, 6L), (result.Damage, result.FormatVersion, result.NextOffset));
        Assert.Equal([0L], versions);
    }

    [Fact]
    public void Versions_round_trip_with_their_records_and_an_unknown_format_is_refused()
    {
        var versions = new List<long>();
        var bytes = Segment(0, Record("SET", "a", "1") with { Version = 1_796_576_550_593_009 }, Record("DEL", "a"), Record("SET", "b", "2") with { Version = long.MaxValue });

        var result = AofReader.Read(new MemoryStream(bytes), (_, record) => versions.Add(record.Version));

        Assert.Equal([1_796_576_550_593_009, 0, long.MaxValue], versions);
        Assert.Equal((byte)3, result.FormatVersion);

        bytes[14] = 4;
        var refused = AofReader.Read(new MemoryStream(bytes), (_, _) => Assert.Fail("no record of an unknown format is read"));
        Assert.Equal("log format version 4 is not supported (this build reads versions 1 to 3)", refused.Damage!.Reason);
        Assert.False(refused.Damage.Torn);
    }

    [Fact]
    public void A_format_2_segment_still_reads_with_offsets_counting_records()
    {
        var bytes = Format2Segment(5, Record("SET", "k", "v") with { Version = 7 }, Record("DEL", "k"));

        var (result, records) = Read(bytes);

        Assert.Equal(["5:SET k v", "6:DEL k"], records);
        Assert.Equal((null, (byte)2, 7L), (result.Damage, result.FormatVersion, result.NextOffset));
    }

    [Fact]
    public void Records_round_trip_in_order_with_their_offsets()
    {
        var big = new string('x', 300);
        var (result, records) = Read(Segment(10, Record("SET", "k", "v"), Record("DEL", "k"), Record("SET", big, "")));

        Assert.Null(result.Damage);
        // Offsets count bytes of the stream: each record's is the previous one's plus its size.
        var sizes = new[] { Record("SET", "k", "v"), Record("DEL", "k"), Record("SET", big, "") }.Select(AofFormat.RecordSize).ToArray();
        Assert.Equal([26, 24, 325], sizes);
        Assert.Equal(["10:SET k v", "36:DEL k", $"60:SET {big} "], records);
        Assert.Equal(385, result.NextOffset);
    }

    [Fact]
    public void A_log_cut_at_any_byte_of_its_last_record_reads_as_a_torn_tail_after_the_whole_records()
    {
        var whole = Segment(0, Record("SET", "a", "1"), Record("SET", "b", "2"));
        var lastStart = Segment(0, Record("SET", "a", "1")).Length;

        for (var cut = lastStart + 1; cut < whole.Length; cut++)
        {
            var (result, records) = Read(whole[..cut]);

            Assert.Equal(["0:SET a 1"], records);
            Assert.True(result.Damage is { Torn: true }, $"cut at {cut}: {result.Damage}");
            Assert.Equal(lastStart, result.ValidLength);
            Assert.Equal(lastStart, result.Damage!.FileOffset);
        }
    }

    [Fact]
    public void A_last_record_with_a_bad_checksum_is_torn_but_one_before_the_end_is_corruption()
    {
        var whole = Segment(0, Record("SET", "a", "1"), Record("SET", "b", "2"));
        var secondStart = Segment(0, Record("SET", "a", "1")).Length;

        var lastDamaged = (byte[])whole.Clone();
        lastDamaged[^1] ^= 0xFF;
        var (tail, _) = Read(lastDamaged);
        Assert.True(tail.Damage is { Torn: true });

        var firstDamaged = (byte[])whole.Clone();
        firstDamaged[AofFormat.HeaderSize + 12] ^= 0xFF;
        var (middle, records) = Read(firstDamaged);
        Assert.Empty(records);
        Assert.Equal(new AofDamage(false, AofFormat.HeaderSize, 0, "the record's checksum does not match", NextRecordAt: secondStart), middle.Damage);
        Assert.NotEqual(secondStart, middle.ValidLength);
    }

    [Fact]
    public void A_corrupt_length_field_before_the_end_is_corruption_even_when_it_reaches_past_the_end()
    {
        var records = Enumerable.Range(0, 10).Select(i => Record("SET", $"k{i}", "v")).ToArray();
        var whole = Segment(0, records);
        var fourth = Segment(0, records[..3]).Length;
        var fifth = Segment(0, records[..4]).Length;

        // Past the end of the file (what a crash mid-write also looks like), impossible, and plausible but wrong.
        foreach (var length in new uint[] { 0x00FF_FFFF, (uint)whole.Length, 0, 3, (uint)(fifth - fourth) })
        {
            var damaged = (byte[])whole.Clone();
            BinaryPrimitives.WriteUInt32LittleEndian(damaged.AsSpan(fourth), length);

            var (result, read) = Read(damaged);

            Assert.Equal(["0:SET k0 v", "27:SET k1 v", "54:SET k2 v"], read);
            Assert.False(result.Damage!.Torn, $"length {length}: {result.Damage}");
            Assert.Equal((fourth, 3L, fifth), (result.Damage.FileOffset, result.Damage.RecordIndex, result.Damage.NextRecordAt));
        }
    }

    [Fact]
    public void Any_damaged_byte_before_the_last_record_is_corruption_and_any_in_the_last_record_is_a_torn_tail()
    {
        var records = new[] { Record("SET", "a", "1"), Record("RPUSH", "list", "x", "y"), Record("DEL", "a"), Record("SET", "b", new string('v', 40)) };
        var whole = Segment(7, records);
        var lastStart = Segment(7, records[..3]).Length;

        for (var at = AofFormat.HeaderSize; at < whole.Length; at++)
        {
            var damaged = (byte[])whole.Clone();
            damaged[at] ^= 0x5A;

            var (result, _) = Read(damaged);

            Assert.True(result.Damage is not null, $"byte {at}: the damage was not found");
            Assert.True(result.Damage.Torn == at >= lastStart, $"byte {at}: {result.Damage}");
        }
    }

    [Fact]
    public void Zeros_after_the_last_whole_record_are_a_torn_tail()
    {
        // What some file systems leave after a crash: the size grew, the data never arrived.
        var whole = Segment(0, Record("SET", "a", "1"));

        var (result, records) = Read([.. whole, .. new byte[5000]]);

        Assert.Equal(["0:SET a 1"], records);
        Assert.True(result.Damage is { Torn: true, NextRecordAt: null }, $"{result.Damage}");
        Assert.Equal(whole.Length, result.ValidLength);
    }

    [Fact]
    public void A_whole_record_is_found_past_damage_longer_than_the_scan_window()
    {
        // The record after the damage is bigger than the 1 MB the scan reads at a time: it still counts.
        var big = new string('x', 3 << 20);
        var records = new[] { Record("SET", "a", "1"), Record("SET", "b", "2"), Record("SET", "big", big) };
        var whole = Segment(0, records);
        var second = Segment(0, records[..1]).Length;
        var third = Segment(0, records[..2]).Length;
        var damaged = (byte[])whole.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(damaged.AsSpan(second), 0x7FFF_0000);

        var (result, _) = Read(damaged);

        Assert.Equal((false, (long?)third), (result.Damage!.Torn, result.Damage.NextRecordAt));
    }

    [Fact]
    public void A_gap_in_offsets_is_corruption()
    {
        var buffer = new ArrayBufferWriter<byte>();
        AofFormat.WriteHeader(buffer, 0);
        AofFormat.WriteRecord(buffer, 0, Record("PING"));
        AofFormat.WriteRecord(buffer, 24, Record("PING"));

        var (result, records) = Read(buffer.WrittenSpan.ToArray());

        Assert.Single(records);
        Assert.False(result.Damage!.Torn);
        Assert.Equal("the record has offset 24 where 23 was expected", result.Damage.Reason);
    }

    [Fact]
    public void A_file_that_is_not_a_log_is_refused()
    {
        var (result, _) = Read(Encoding.UTF8.GetBytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"));

        Assert.False(result.Damage!.Torn);
        Assert.Equal("the file does not start with a Lodestone log header", result.Damage.Reason);
    }

    [Fact]
    public void Under_always_a_failed_write_throws_keeps_the_records_and_a_retry_writes_them_whole()
    {
        var disk = new FaultyFileSystem();
        using (var writer = AofWriter.Open(disk, "log", 0, AppendFsync.Always, TimeProvider.System))
        {
            writer.Commit([Record("SET", "a", "1")], sync: false);
            disk.File.FailNextWrite(afterBytes: 5);

            Assert.Throws<IOException>(() => writer.Commit([Record("SET", "b", "2")], sync: false));
            Assert.Equal(ErrorKind.DiskFull, writer.Failure!.Kind);
            Assert.Equal(writer.Length, disk.File.Contents.Length);

            Assert.True(writer.TryRecover());
            Assert.Null(writer.Failure);
            writer.Commit([Record("SET", "c", "3")], sync: false);
        }

        var (result, records) = Read(disk.File.Contents);
        Assert.Null(result.Damage);
        Assert.Equal(["0:SET a 1", "26:SET b 2", "52:SET c 3"], records);
        Assert.True(disk.File.Syncs >= 3);
    }

    [Fact]
    public void Discard_after_a_failed_write_forgets_the_batch_and_the_next_records_take_its_offsets()
    {
        var disk = new FaultyFileSystem();
        using (var writer = AofWriter.Open(disk, "log", 0, AppendFsync.Always, TimeProvider.System))
        {
            writer.Commit([Record("SET", "a", "1")], sync: false);
            disk.File.FailNextWrite(afterBytes: 30);
            Assert.Throws<IOException>(() => writer.Commit([Record("SET", "b", "2"), Record("SET", "c", "3")], sync: false));

            Assert.True(writer.Discard());

            Assert.Equal(26, writer.NextOffset);
            Assert.True(writer.TryRecover());
            writer.Commit([Record("SET", "d", "4")], sync: false);
        }

        var (result, records) = Read(disk.File.Contents);
        Assert.Null(result.Damage);
        Assert.Equal(["0:SET a 1", "26:SET d 4"], records);
    }

    [Fact]
    public void Discard_after_a_failed_fsync_cuts_the_written_batch_off_the_file_and_makes_the_cut_durable()
    {
        var disk = new FaultyFileSystem();
        using var writer = AofWriter.Open(disk, "log", 0, AppendFsync.Always, TimeProvider.System);
        writer.Commit([Record("SET", "a", "1")], sync: false);
        var whole = disk.File.Contents.Length;
        disk.File.FailNextSync = true;
        Assert.Throws<IOException>(() => writer.Commit([Record("SET", "b", "2")], sync: false));
        var syncs = disk.File.Syncs;

        writer.Discard();

        Assert.Equal(whole, disk.File.Contents.Length);
        Assert.Equal(whole, writer.Length);
        Assert.True(disk.File.Syncs > syncs, "The cut was not fsynced: the refused record could come back after a crash.");
        writer.Commit([Record("SET", "c", "3")], sync: false);
        Assert.Equal(["0:SET a 1", "26:SET c 3"], Read(disk.File.Contents).Records);
    }

    [Fact]
    public void Under_always_a_failed_fsync_throws_and_is_retried()
    {
        var disk = new FaultyFileSystem();
        using var writer = AofWriter.Open(disk, "log", 0, AppendFsync.Always, TimeProvider.System);
        disk.File.FailNextSync = true;

        Assert.Throws<IOException>(() => writer.Commit([Record("SET", "a", "1")], sync: false));
        Assert.NotNull(writer.Failure);
        var syncs = disk.File.Syncs;

        Assert.True(writer.TryRecover());
        Assert.Equal(syncs + 1, disk.File.Syncs);
    }

    [Fact]
    public void Under_everysec_writes_reach_the_os_at_once_and_a_timer_fsyncs()
    {
        var disk = new FaultyFileSystem();
        var clock = new FakeTimeProvider();
        using var writer = AofWriter.Open(disk, "log", 0, AppendFsync.EverySec, clock);
        var syncs = disk.File.Syncs;

        writer.Commit([Record("SET", "a", "1")], sync: false);
        Assert.Equal(syncs, disk.File.Syncs);
        Assert.Single(Read(disk.File.Contents).Records);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(syncs + 1, disk.File.Syncs);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(syncs + 1, disk.File.Syncs);
    }

    [Fact]
    public void Under_everysec_a_failed_write_does_not_throw_but_reports_the_failure_until_it_is_written()
    {
        var disk = new FaultyFileSystem();
        using var writer = AofWriter.Open(disk, "log", 0, AppendFsync.EverySec, new FakeTimeProvider());
        disk.File.FailNextWrite(afterBytes: 0);

        writer.Commit([Record("SET", "a", "1")], sync: false);

        Assert.NotNull(writer.Failure);
        Assert.True(writer.TryRecover());
        Assert.Equal(["0:SET a 1"], Read(disk.File.Contents).Records);
    }

    /// <summary>An in-memory file system whose log ("log") can be told to fail its next write (after some bytes) or fsync; other files (the writer's probe) just work.</summary>
    private sealed class FaultyFileSystem : IFileSystem
    {
        private readonly Dictionary<string, FaultyFile> _others = [];

        public FaultyFile File { get; } = new();

        private FaultyFile Of(string path) => path == "log" ? File : _others.TryGetValue(path, out var file) ? file : _others[path] = new FaultyFile();

        public IAppendFile OpenAppend(string path) => Of(path);

        public Stream OpenRead(string path) => new MemoryStream(Of(path).Contents);

        public void WriteAtomically(string path, ReadOnlySpan<byte> contents) => throw new NotSupportedException("Not used by the writer.");

        public bool Exists(string path) => path == "log" || _others.ContainsKey(path);

        public long Length(string path) => Of(path).Length;

        public void Truncate(string path, long length) => Of(path).Truncate(length);

        public void Delete(string path) => _others.Remove(path);

        public void Rename(string from, string to) => throw new NotSupportedException("Not used by the writer.");

        public IReadOnlyList<string> List(string directory, string pattern) => [];

        public void CreateDirectory(string directory)
        {
        }
    }

    private sealed class FaultyFile : IAppendFile
    {
        private readonly MemoryStream _bytes = new();
        private int? _failAfter;

        public bool FailNextSync { get; set; }

        public int Syncs { get; private set; }

        public byte[] Contents => _bytes.ToArray();

        public long Length => _bytes.Length;

        public void FailNextWrite(int afterBytes) => _failAfter = afterBytes;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            if (_failAfter is { } after)
            {
                _failAfter = null;
                _bytes.Write(bytes[..Math.Min(after, bytes.Length)]);
                throw new IOException("No space left on device");
            }
            _bytes.Write(bytes);
        }

        public void Sync()
        {
            if (FailNextSync)
            {
                FailNextSync = false;
                throw new IOException("Input/output error");
            }
            Syncs++;
        }

        public void Truncate(long length) => _bytes.SetLength(length);

        public void Dispose()
        {
        }
    }
}
