using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

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
/// <remarks>
/// Reads the stream in large blocks and decodes from its own buffer: a byte at a time through the
/// stream (a virtual call each, and sync-over-async on a pipe) made loading a snapshot cost
/// microseconds per key. The checksum is taken over each stretch of the buffer as it is left behind.
/// The per-byte methods are compiled optimized at once: a replica's first full sync (or a start-up
/// load) is over before tiered compilation would have replaced their first, unoptimized code.
/// </remarks>
internal sealed class SnapshotDecoder(Stream input)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _checkedTo;
    private long _before;
    private uint _crc = 0xFFFFFFFFu;

    /// <summary>CRC-32C of everything read so far.</summary>
    public uint Checksum
    {
        get
        {
            Settle();
            return ~_crc;
        }
    }

    /// <summary>The format version of what is being read (codecs whose layout changed between versions ask).</summary>
    public byte Format { get; set; }

    /// <summary>Bytes read so far (for messages).</summary>
    public long Position => _before + _start;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte Byte()
    {
        if (_start == _end)
            Refill();
        return _buffer[_start++];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte[] Bytes()
    {
        var length = Varint();
        if (length > int.MaxValue)
            throw new InvalidDataException($"A length of {length} bytes at byte {Position} is impossible.");
        var bytes = new byte[length];
        Fill(bytes);
        return bytes;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Int64()
    {
        if (_end - _start >= 8)
        {
            var value = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(_start));
            _start += 8;
            return value;
        }
        Span<byte> bytes = stackalloc byte[8];
        Fill(bytes);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
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

    /// <summary>Bytes after the checksummed part (the trailer): what is buffered, then the stream. Returns how many it got.</summary>
    public int ReadUnchecked(Span<byte> destination)
    {
        Settle();
        var take = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, take).CopyTo(destination);
        _start += take;
        _checkedTo = _start;
        return take + (take < destination.Length ? input.ReadAtLeast(destination[take..], destination.Length - take, throwOnEndOfStream: false) : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Fill(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_start == _end)
                Refill();
            var take = Math.Min(destination.Length, _end - _start);
            _buffer.AsSpan(_start, take).CopyTo(destination);
            _start += take;
            destination = destination[take..];
        }
    }

    /// <summary>The buffer is used up: its bytes join the checksum, and the next block is read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Refill()
    {
        Settle();
        _before += _end;
        (_start, _end, _checkedTo) = (0, 0, 0);
        var read = input.Read(_buffer);
        if (read == 0)
            throw new EndOfStreamException($"The snapshot ends early, at byte {Position}.");
        _end = read;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Settle()
    {
        _crc = Aof.AofFormat.Crc32C(_crc, _buffer.AsSpan(_checkedTo, _start - _checkedTo));
        _checkedTo = _start;
    }
}
