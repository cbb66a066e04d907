using System.Buffers.Binary;

namespace Lodestone.Engine.Persistence.Aof;

/// <summary>What reading a log segment found.</summary>
/// <param name="StartOffset">The offset of the segment's first record (from its header).</param>
/// <param name="Records">Whole, valid records read.</param>
/// <param name="ValidLength">Bytes of the file up to the end of the last valid record.</param>
/// <param name="Damage">Null when the file is sound to its end.</param>
public sealed record AofReadResult(long StartOffset, long Records, long ValidLength, AofDamage? Damage)
{
    /// <summary>The offset the next record would have.</summary>
    public long NextOffset => StartOffset + Records;
}

/// <summary>Where a segment stops being valid, and why.</summary>
/// <param name="Torn">True when only the final record is incomplete or mismatching — a crash mid-write, safe to cut off.</param>
/// <param name="FileOffset">Byte position of the bad record (or header) in the file.</param>
/// <param name="RecordIndex">Which record (0-based) in the segment.</param>
public sealed record AofDamage(bool Torn, long FileOffset, long RecordIndex, string Reason);

/// <summary>Reads log segments written in <see cref="AofFormat"/>, telling a torn tail from corruption.</summary>
public static class AofReader
{
    /// <summary>Reads every whole record of a segment in order, handing each to <paramref name="onRecord"/>.</summary>
    public static AofReadResult Read(Stream stream, Action<long, byte[][]> onRecord)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(onRecord);
        var fileLength = stream.Length;
        var header = new byte[AofFormat.HeaderSize];
        var headerRead = ReadFully(stream, header);
        if (headerRead < AofFormat.HeaderSize)
            return new AofReadResult(0, 0, 0, new AofDamage(true, 0, 0, $"the header is incomplete ({headerRead} of {AofFormat.HeaderSize} bytes)"));
        if (!AofFormat.TryReadHeader(header, out var startOffset, out var version))
            return new AofReadResult(0, 0, 0, new AofDamage(false, 0, 0, "the file does not start with a Lodestone log header"));
        if (version != AofFormat.Version)
            return new AofReadResult(startOffset, 0, 0, new AofDamage(false, 0, 0, $"log format version {version} is not supported (this build reads version {AofFormat.Version})"));

        long position = AofFormat.HeaderSize;
        long records = 0;
        var recordHeader = new byte[AofFormat.RecordHeaderSize];
        while (true)
        {
            var got = ReadFully(stream, recordHeader);
            if (got == 0)
                return new AofReadResult(startOffset, records, position, null);
            AofDamage Damage(bool torn, string reason) => new(torn, position, records, reason);
            if (got < AofFormat.RecordHeaderSize)
                return new AofReadResult(startOffset, records, position, Damage(true, "the last record's header is incomplete"));

            var length = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader);
            var checksum = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader.AsSpan(4));
            var end = position + AofFormat.RecordHeaderSize + length;
            if (end > fileLength)
                return new AofReadResult(startOffset, records, position, Damage(true, "the last record is incomplete"));
            if (length < 9 || length > AofFormat.MaxBodySize)
                return new AofReadResult(startOffset, records, position, Damage(end == fileLength, $"the record length {length} is impossible"));

            var body = new byte[length];
            if (ReadFully(stream, body) < length)
                return new AofReadResult(startOffset, records, position, Damage(true, "the last record is incomplete"));
            if (AofFormat.Checksum(body) != checksum)
                return new AofReadResult(startOffset, records, position, Damage(end == fileLength, "the record's checksum does not match"));
            if (!AofFormat.TryReadBody(body, out var offset, out var argv))
                return new AofReadResult(startOffset, records, position, Damage(false, "the record's contents are malformed"));
            if (offset != startOffset + records)
                return new AofReadResult(startOffset, records, position, Damage(false, $"the record has offset {offset} where {startOffset + records} was expected"));

            onRecord(offset, argv);
            records++;
            position = end;
        }
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
