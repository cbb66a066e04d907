using System.Buffers;
using System.Buffers.Binary;

namespace Lodestone.Engine.Persistence.Snapshots;

/// <summary>Writes the snapshot format's primitives: varints, length-prefixed bytes, little-endian integers and doubles.</summary>
internal sealed class SnapshotEncoder(IBufferWriter<byte> output)
{
    public void Byte(byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    public void Varint(ulong value)
    {
        var span = output.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        output.Advance(i);
    }

    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        Varint((ulong)bytes.Length);
        output.Write(bytes);
    }

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    public void Double(double value) => Int64(BitConverter.DoubleToInt64Bits(value));
}

/// <summary>Reads what <see cref="SnapshotEncoder"/> wrote, from a stream, keeping a CRC-32C of every byte read.</summary>
internal sealed class SnapshotDecoder(Stream input)
{
    private readonly byte[] _scratch = new byte[10];
    private uint _crc = 0xFFFFFFFFu;

    /// <summary>CRC-32C of everything read so far.</summary>
    public uint Checksum => ~_crc;

    /// <summary>The format version of what is being read (codecs whose layout changed between versions ask).</summary>
    public byte Format { get; set; }

    /// <summary>Bytes read so far (for messages).</summary>
    public long Position { get; private set; }

    public byte Byte()
    {
        Fill(_scratch.AsSpan(0, 1));
        return _scratch[0];
    }

    public ulong Varint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
        throw new InvalidDataException($"A length at byte {Position} is malformed.");
    }

    /// <summary>Length-prefixed bytes; the length must fit in what a value may be.</summary>
    public byte[] Bytes()
    {
        var length = Varint();
        if (length > int.MaxValue)
            throw new InvalidDataException($"A length of {length} bytes at byte {Position} is impossible.");
        var bytes = new byte[length];
        Fill(bytes);
        return bytes;
    }

    public long Int64()
    {
        Fill(_scratch.AsSpan(0, 8));
        return BinaryPrimitives.ReadInt64LittleEndian(_scratch);
    }

    public double Double() => BitConverter.Int64BitsToDouble(Int64());

    /// <summary>A count that is about to size an allocation: refused when it could not be real.</summary>
    public int Count()
    {
        var count = Varint();
        if (count > int.MaxValue)
            throw new InvalidDataException($"A count of {count} at byte {Position} is impossible.");
        return (int)count;
    }

    private void Fill(Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = input.Read(buffer[total..]);
            if (read == 0)
                throw new EndOfStreamException($"The snapshot ends early, at byte {Position + total}.");
            total += read;
        }
        _crc = Aof.AofFormat.Crc32C(_crc, buffer);
        Position += total;
    }
}
