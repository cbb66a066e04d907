using System.Buffers.Binary;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Persistence.Aof;

/// <summary>What reading a log segment found.</summary>
/// <param name="StartOffset">The offset of the segment's first record (from its header).</param>
/// <param name="Records">Whole, valid records read.</param>
/// <param name="ValidLength">Bytes of the file up to the end of the last valid record.</param>
/// <param name="Damage">Null when the file is sound to its end.</param>
/// <param name="FormatVersion">The format its header names (<see cref="AofFormat.Version"/> or an older one it reads); 0 when the header could not be read.</param>
public sealed record AofReadResult(long StartOffset, long Records, long ValidLength, AofDamage? Damage, byte FormatVersion = 0)
{
    /// <summary>The offset the next record would have: in bytes of the effect stream (format 3 on), or in records before.</summary>
    public long NextOffset => AofFormat.HasByteOffsets(FormatVersion)
        ? StartOffset + Math.Max(0, ValidLength - AofFormat.HeaderSize)
        : StartOffset + Records;

    /// <summary>The offset of the record at <paramref name="fileOffset"/>, the <paramref name="recordIndex"/>th of the segment.</summary>
    public long OffsetOf(long fileOffset, long recordIndex) => AofFormat.HasByteOffsets(FormatVersion)
        ? StartOffset + fileOffset - AofFormat.HeaderSize
        : StartOffset + recordIndex;
}

/// <summary>Where a segment stops being valid, and why.</summary>
/// <param name="Torn">True when nothing whole follows the bad record — a crash mid-write, safe to cut off.</param>
/// <param name="FileOffset">Byte position of the bad record (or header) in the file.</param>
/// <param name="RecordIndex">Which record (0-based) in the segment.</param>
/// <param name="NextRecordAt">For corruption found by looking past a bad record: where the next whole record starts.</param>
public sealed record AofDamage(bool Torn, long FileOffset, long RecordIndex, string Reason, long? NextRecordAt = null);

/// <summary>Reads log segments written in <see cref="AofFormat"/>, telling a torn tail from corruption.</summary>
/// <remarks>
/// Design note. A torn tail and corruption can look alike at the bad record itself: a length field
/// hit by a bit flip in the middle of the file claims more bytes than are left, exactly as the last
/// record of a crash mid-write does. What tells them apart is what comes after. Every record carries
/// its own log offset inside its checksummed body, so the reader looks past a bad record, byte by
/// byte, for a record that is whole: a length that fits, a checksum that matches, and an offset this
/// segment could hold. If there is one, the log goes on after the damage and cutting it there would
/// drop acknowledged writes: corruption. If not, the damage is the end of the log: a torn tail
/// (Redis's rule: only a record incomplete at the end of the file is). The scan costs nothing in the
/// normal case (it runs only at damage), reads the bytes after the damage once, and checks a
/// checksum only where the length and the offset are plausible.
/// </remarks>
public static class AofReader
{
    /// <summary>The smallest record: its header and a body of an offset and one empty argument.</summary>
    private const int MinRecordSize = AofFormat.RecordHeaderSize + 9;

    private const int ScanWindow = 1 << 20;

    /// <summary>Reads every whole record of a segment (of either format) in order, handing each to <paramref name="onRecord"/> with its offset.</summary>
    /// <param name="end">Read only this many bytes of the file (null: all of it).</param>
    public static AofReadResult Read(Stream stream, Action<long, Effect> onRecord, long? end = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(onRecord);
        var fileLength = Math.Min(stream.Length, end ?? long.MaxValue);
        var header = new byte[AofFormat.HeaderSize];
        var headerRead = ReadFully(stream, header.AsSpan(0, (int)Math.Min(AofFormat.HeaderSize, fileLength)));
        if (headerRead < AofFormat.HeaderSize)
            return new AofReadResult(0, 0, 0, new AofDamage(true, 0, 0, $"the header is incomplete ({headerRead} of {AofFormat.HeaderSize} bytes)"));
        if (!AofFormat.TryReadHeader(header, out var startOffset, out var version))
            return new AofReadResult(0, 0, 0, new AofDamage(false, 0, 0, "the file does not start with a Lodestone log header"));
        if (!AofFormat.Reads(version))
            return new AofReadResult(startOffset, 0, 0, new AofDamage(false, 0, 0, $"log format version {version} is not supported (this build reads versions {AofFormat.UnversionedFormat} to {AofFormat.Version})"));

        long position = AofFormat.HeaderSize;
        long records = 0;
        var byteOffsets = AofFormat.HasByteOffsets(version);
        var recordHeader = new byte[AofFormat.RecordHeaderSize];
        while (true)
        {
            if (position == fileLength)
                return new AofReadResult(startOffset, records, position, null, version);
            AofReadResult Bad(string reason)
            {
                var next = FindWholeRecord(stream, version, position + 1, fileLength, startOffset, startOffset + records);
                return new AofReadResult(startOffset, records, position, new AofDamage(next is null, position, records, reason, next), version);
            }
            AofReadResult Corrupt(string reason) => new(startOffset, records, position, new AofDamage(false, position, records, reason), version);

            if (fileLength - position < AofFormat.RecordHeaderSize)
                return Bad("the file ends inside a record header");
            ReadFully(stream, recordHeader);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader);
            var checksum = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader.AsSpan(4));
            var recordEnd = position + AofFormat.RecordHeaderSize + length;
            if (length < 9 || length > AofFormat.MaxBodySize)
                return Bad($"the record length {length} is impossible");
            if (recordEnd > fileLength)
                return Bad($"the record's length {length} runs past the end of the file");

            var body = new byte[length];
            ReadFully(stream, body);
            if (AofFormat.Checksum(body) != checksum)
                return Bad("the record's checksum does not match");
            // A record whose checksum matches was written whole: what is wrong with it is not a crash.
            if (!AofFormat.TryReadBody(body, version, out var offset, out var record))
                return Corrupt("the record's contents are malformed");
            var expected = byteOffsets ? startOffset + position - AofFormat.HeaderSize : startOffset + records;
            if (offset != expected)
                return Corrupt($"the record has offset {offset} where {expected} was expected");

            onRecord(offset, record);
            records++;
            position = recordEnd;
        }
    }

    /// <summary>
    /// Where the first whole record at or after <paramref name="from"/> starts, or null: a length that fits
    /// before <paramref name="end"/>, a matching checksum, a body that decodes, and an offset between the
    /// segment's first and the most records that could lie between the damage and it.
    /// </summary>
    private static long? FindWholeRecord(Stream stream, byte format, long from, long end, long firstOffset, long expectedOffset)
    {
        var window = new byte[(int)Math.Min(ScanWindow, Math.Max(0, end - from))];
        for (var windowStart = from; end - windowStart >= MinRecordSize; windowStart += window.Length - MinRecordSize)
        {
            stream.Position = windowStart;
            var filled = ReadFully(stream, window);
            for (var i = 0; i + MinRecordSize <= filled; i++)
            {
                var at = windowStart + i;
                var length = BinaryPrimitives.ReadUInt32LittleEndian(window.AsSpan(i));
                if (length < 9 || length > end - at - AofFormat.RecordHeaderSize)
                    continue;
                var offset = BinaryPrimitives.ReadInt64LittleEndian(window.AsSpan(i + AofFormat.RecordHeaderSize));
                // Byte offsets say exactly where a record of this segment must be; counted ones only how far it can be.
                var plausible = AofFormat.HasByteOffsets(format)
                    ? offset == firstOffset + at - AofFormat.HeaderSize
                    : offset >= firstOffset && offset <= expectedOffset + (at - from) / MinRecordSize + 1;
                if (!plausible)
                    continue;
                var checksum = BinaryPrimitives.ReadUInt32LittleEndian(window.AsSpan(i + 4));
                if (IsWholeRecord(stream, format, window, filled, i, at, length, checksum))
                    return at;
            }
            if (windowStart + filled >= end)
                break;
        }
        return null;
    }

    private static bool IsWholeRecord(Stream stream, byte format, byte[] window, int filled, int index, long at, uint length, uint checksum)
    {
        var bodyStart = index + AofFormat.RecordHeaderSize;
        if (bodyStart + length <= filled)
        {
            var inWindow = window.AsSpan(bodyStart, (int)length);
            return AofFormat.Checksum(inWindow) == checksum && AofFormat.TryReadBody(inWindow, format, out _, out _);
        }
        // Longer than what is in the window: checksum it in pieces, and decode it only if it matches.
        stream.Position = at + AofFormat.RecordHeaderSize;
        var crc = 0xFFFFFFFFu;
        var piece = new byte[64 * 1024];
        for (var left = (long)length; left > 0;)
        {
            var read = ReadFully(stream, piece.AsSpan(0, (int)Math.Min(piece.Length, left)));
            if (read == 0)
                return false;
            crc = AofFormat.Crc32C(crc, piece.AsSpan(0, read));
            left -= read;
        }
        if (~crc != checksum)
            return false;
        var body = new byte[length];
        stream.Position = at + AofFormat.RecordHeaderSize;
        return ReadFully(stream, body) == body.Length && AofFormat.TryReadBody(body, format, out _, out _);
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = stream.Read(buffer[total..]);
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }
}
