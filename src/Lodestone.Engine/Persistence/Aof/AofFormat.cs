using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Persistence.Aof;

/// <summary>
/// The append-only log's on-disk format, version 3 — and the encoding of the effect stream: a
/// segment's records are the stream's bytes from the segment's start offset on, unchanged. Changing it
/// means a new version number and a reader for the old ones; the golden tests pin these bytes.
/// Versions 1 and 2 are still read.
/// </summary>
/// <remarks>
/// A segment file starts with a 24-byte header: the 14 bytes <c>LODESTONE-AOF\n</c>, the format
/// version (1 byte), a reserved byte (0), and the offset of its first record (8 bytes, little-endian
/// — as are all integers here). Then records, each:
/// <code>
/// length   u32   bytes of the body
/// crc      u32   CRC-32C of the body
/// body:
///   offset  u64      the record's position in the effect stream, in bytes: the previous record's
///                    offset plus its size (length field included) — so a record at file position p of
///                    a segment starting at offset s has offset s + p − 24 (format 3; in formats 1
///                    and 2 it counted records: the previous one's plus 1)
///   version varint   the version of the keys the record wrote, 0 for none (format 2 on; see <see cref="Execution.Effect"/>)
///   argc    varint
///   argc × (varint length, bytes)   the command, deterministic (relative TTLs already absolute…)
/// </code>
/// A record is whole or it is not there: a reader that finds a short or mismatching record with no
/// whole record after it treats it as torn (a crash mid-write); anything else is corruption. The
/// offset inside each checksummed body is what lets the reader look past a bad record and tell
/// (<see cref="AofReader"/>), so the format needs no marker of its own. A segment holds records of
/// its header's format only: the log never appends to a segment of an older one (recovery starts a
/// new segment instead).
/// </remarks>
public static class AofFormat
{
    /// <summary>The format new segments are written in (readers also take the older formats).</summary>
    public const byte Version = 3;

    /// <summary>The first format: records without a version (their keys get new ones when replayed).</summary>
    public const byte UnversionedFormat = 1;

    /// <summary>The last format whose record offsets count records rather than bytes.</summary>
    public const byte RecordCountedFormat = 2;

    /// <summary>Whether records of <paramref name="format"/> are at byte offsets (else each is the previous one's plus 1).</summary>
    public static bool HasByteOffsets(byte format) => format > RecordCountedFormat;

    /// <summary>Bytes of a segment's header.</summary>
    public const int HeaderSize = 24;

    /// <summary>Bytes before each record's body: its length and its CRC-32C.</summary>
    public const int RecordHeaderSize = 8;

    /// <summary>A body longer than this is not believed (a corrupt length field), whatever follows.</summary>
    public const int MaxBodySize = int.MaxValue - 64;

    /// <summary>The bytes every segment starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "LODESTONE-AOF\n"u8;

    /// <summary>Whether this build reads segments of format <paramref name="version"/>.</summary>
    public static bool Reads(byte version) => version is UnversionedFormat or RecordCountedFormat or Version;

    /// <summary>Writes a segment's header: magic, version, and the log offset of its first record.</summary>
    public static void WriteHeader(IBufferWriter<byte> output, long startOffset)
    {
        ArgumentNullException.ThrowIfNull(output);
        var header = output.GetSpan(HeaderSize)[..HeaderSize];
        Magic.CopyTo(header);
        header[14] = Version;
        header[15] = 0;
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], startOffset);
        output.Advance(HeaderSize);
    }

    /// <summary>Reads a segment header; false when the bytes are not one.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out long startOffset, out byte version)
    {
        startOffset = 0;
        version = 0;
        if (header.Length < HeaderSize || !header[..14].SequenceEqual(Magic))
            return false;
        version = header[14];
        startOffset = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        return true;
    }

    /// <summary>The bytes <see cref="WriteRecord"/> writes for <paramref name="record"/>: what it adds to the stream's offset.</summary>
    public static int RecordSize(Effect record)
    {
        ArgumentNullException.ThrowIfNull(record.Args);
        return RecordHeaderSize + BodySize(record.Args, (ulong)record.Version);
    }

    private static int BodySize(byte[][] argv, ulong version)
    {
        var bodyLength = 8 + VarintSize(version) + VarintSize((ulong)argv.Length);
        foreach (var arg in argv)
            bodyLength += VarintSize((ulong)arg.Length) + arg.Length;
        return bodyLength;
    }

    /// <summary>Writes one record in the current format; <paramref name="offset"/> is its byte position in the effect stream.</summary>
    public static void WriteRecord(IBufferWriter<byte> output, long offset, Effect record)
    {
        ArgumentNullException.ThrowIfNull(output);
        var argv = record.Args;
        ArgumentNullException.ThrowIfNull(argv);
        var version = (ulong)record.Version;
        var bodyLength = BodySize(argv, version);

        var span = output.GetSpan(RecordHeaderSize + bodyLength)[..(RecordHeaderSize + bodyLength)];
        var body = span[RecordHeaderSize..];
        BinaryPrimitives.WriteInt64LittleEndian(body, offset);
        var position = 8 + WriteVarint(body[8..], version);
        position += WriteVarint(body[position..], (ulong)argv.Length);
        foreach (var arg in argv)
        {
            position += WriteVarint(body[position..], (ulong)arg.Length);
            arg.CopyTo(body[position..]);
            position += arg.Length;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Checksum(body));
        output.Advance(span.Length);
    }

    /// <summary>Decodes a record body of format <paramref name="format"/> whose checksum matched; false if its inside does not add up.</summary>
    public static bool TryReadBody(ReadOnlySpan<byte> body, byte format, out long offset, out Effect record)
    {
        offset = 0;
        record = new Effect([], 0);
        if (body.Length < 9)
            return false;
        offset = BinaryPrimitives.ReadInt64LittleEndian(body);
        var position = 8;
        ulong version = 0;
        if (format != UnversionedFormat && (!TryReadVarint(body, ref position, out version) || version > long.MaxValue))
            return false;
        if (!TryReadVarint(body, ref position, out var argc) || argc == 0 || argc > (ulong)body.Length)
            return false;
        var argv = new byte[argc][];
        for (var i = 0; i < argv.Length; i++)
        {
            if (!TryReadVarint(body, ref position, out var length) || length > (ulong)(body.Length - position))
                return false;
            argv[i] = body.Slice(position, (int)length).ToArray();
            position += (int)length;
        }
        record = new Effect(argv, (long)version);
        return position == body.Length;
    }

    /// <summary>CRC-32C (Castagnoli), hardware-accelerated where the CPU has it.</summary>
    public static uint Checksum(ReadOnlySpan<byte> data) => ~Crc32C(0xFFFFFFFFu, data);

    /// <summary>Continues a running CRC-32C (not yet inverted) over <paramref name="data"/>.</summary>
    public static uint Crc32C(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data)
            crc = BitOperations.Crc32C(crc, b);
        return crc;
    }

    private static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> source, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= source.Length)
                return false;
            var b = source[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return true;
        }
        return false;
    }
}
