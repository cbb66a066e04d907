using System.Buffers.Binary;
using System.Numerics;

namespace Lodestone.Engine.Types;

/// <summary>
/// A HyperLogLog in Redis's own bytes (hyperloglog.c of Redis 7.0), kept in a plain string value: a
/// 16-byte header ("HYLL", the encoding, 3 unused bytes, the cached cardinality little-endian with
/// bit 63 set while it is stale), then the registers — dense (16384 six-bit registers packed from
/// the low bits of each byte up) or sparse (ZERO <c>00xxxxxx</c>, XZERO <c>01xxxxxx yyyyyyyy</c> and
/// VAL <c>1vvvvvxx</c> run-length opcodes).
/// </summary>
/// <remarks>
/// An instance is a private working copy of those bytes that the PF commands change and then store;
/// the static members read a stored value where it is. Every rule here is Redis's, down to the
/// choice of opcodes when a run is split and the merge of equal neighbours after it, because a GET
/// must return Redis's bytes for the same commands. A sparse representation is read as Redis reads
/// an sds string: a byte just past the end is the terminating zero.
/// </remarks>
internal sealed class HyperLogLog
{
    /// <summary>The header's size in bytes.</summary>
    public const int HeaderSize = 16;

    /// <summary>Registers: 2^14, addressed by the hash's low 14 bits.</summary>
    public const int RegisterCount = 1 << IndexBits;

    /// <summary>A dense HLL's size in bytes: the header and 16384 × 6 bits.</summary>
    public const int DenseSize = HeaderSize + (((RegisterCount * RegisterBits) + 7) / 8);

    /// <summary>The encoding byte of a dense HLL.</summary>
    public const byte Dense = 0;

    /// <summary>The encoding byte of a sparse HLL.</summary>
    public const byte Sparse = 1;

    /// <summary>Redis's default hll-sparse-max-bytes: a bigger sparse HLL becomes dense.</summary>
    public const long DefaultSparseMaxBytes = 3000;

    private const int IndexBits = 14;
    private const int HashBits = 64 - IndexBits;
    private const int RegisterBits = 6;
    private const int RegisterMax = (1 << RegisterBits) - 1;
    private const int EncodingOffset = 4;
    private const int CardinalityOffset = 8;
    private const int SparseValMaxValue = 32;
    private const int SparseValMaxLength = 4;
    private const int SparseZeroMaxLength = 64;
    private const double AlphaInfinity = 0.721347520444481703680;

    private byte[] _bytes;
    private int _length;

    private HyperLogLog(byte[] bytes, int length)
    {
        _bytes = bytes;
        _length = length;
    }

    /// <summary>The bytes as they are now.</summary>
    public ReadOnlySpan<byte> Span => _bytes.AsSpan(0, _length);

    /// <summary>Whether the registers are dense.</summary>
    public bool IsDense => _bytes[EncodingOffset] == Dense;

    /// <summary>An empty HLL as PFADD creates it: sparse, one XZERO of 16384, a valid cached cardinality of 0.</summary>
    public static HyperLogLog Empty()
    {
        var bytes = new byte[64];
        "HYLL"u8.CopyTo(bytes);
        bytes[EncodingOffset] = Sparse;
        WriteXZero(bytes, HeaderSize, RegisterCount);
        return new HyperLogLog(bytes, HeaderSize + 2);
    }

    /// <summary>A working copy of a stored HLL (one that <see cref="IsValid"/> accepted).</summary>
    public static HyperLogLog Of(ReadOnlySpan<byte> stored)
    {
        var bytes = new byte[Math.Max(stored.Length + 8, 64)];
        stored.CopyTo(bytes);
        return new HyperLogLog(bytes, stored.Length);
    }

    /// <summary>The bytes, in an array of their exact length (to store).</summary>
    public byte[] ToArray() => Span.ToArray();

    /// <summary>
    /// Redis's isHLLObjectOrReply: at least a header, the magic "HYLL", a known encoding, and a dense
    /// HLL exactly <see cref="DenseSize"/> bytes. A sparse HLL's opcodes are checked only when read.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> value) =>
        value.Length >= HeaderSize && value.StartsWith("HYLL"u8) && value[EncodingOffset] <= Sparse
        && (value[EncodingOffset] != Dense || value.Length == DenseSize);

    /// <summary>Whether the value holds dense registers.</summary>
    public static bool IsDenseValue(ReadOnlySpan<byte> value) => value[EncodingOffset] == Dense;

    /// <summary>The cached cardinality, or null when it is stale (its bit 63 set).</summary>
    public static long? CachedCardinality(ReadOnlySpan<byte> value)
    {
        var cached = BinaryPrimitives.ReadUInt64LittleEndian(value[CardinalityOffset..]);
        return (cached & (1UL << 63)) == 0 ? (long)cached : null;
    }

    /// <summary>Caches <paramref name="cardinality"/> in the header (which marks it valid).</summary>
    public static void WriteCachedCardinality(Span<byte> value, long cardinality) =>
        BinaryPrimitives.WriteUInt64LittleEndian(value[CardinalityOffset..], (ulong)cardinality);

    /// <summary>Marks the cached cardinality stale (Redis's HLL_INVALIDATE_CACHE).</summary>
    public void InvalidateCache() => MarkCacheStale(_bytes);

    /// <summary>Marks the cached cardinality of a stored HLL stale.</summary>
    public static void MarkCacheStale(Span<byte> value) => value[CardinalityOffset + 7] |= 0x80;

    /// <summary>
    /// Redis's hllAdd: sets the element's register to the length of its hash's run if that is
    /// longer. 1 when a register changed, 0 when none did, -1 when a sparse HLL is corrupted. A
    /// sparse HLL becomes dense as <see cref="Set"/> says.
    /// </summary>
    public int Add(ReadOnlySpan<byte> element, long sparseMaxBytes)
    {
        var count = PatternLength(element, out var index);
        return Set(index, count, sparseMaxBytes);
    }

    /// <summary>
    /// Raises register <paramref name="index"/> to <paramref name="count"/> if it is lower (hllDenseSet,
    /// hllSparseSet): 1 if it changed, 0 if not, -1 for a corrupted sparse HLL. A sparse HLL becomes
    /// dense when the value is over 32 (VAL's limit) or when growing it would take it over
    /// <paramref name="sparseMaxBytes"/> bytes, header included.
    /// </summary>
    public int Set(int index, int count, long sparseMaxBytes)
    {
        if (IsDense)
            return DenseSet(_bytes.AsSpan(HeaderSize), index, count) ? 1 : 0;
        if (count > SparseValMaxValue)
            return Promote(index, count);
        EnsureCapacity(_length + 3);

        // Step 1: find the opcode that covers the register.
        int p = HeaderSize, end = _length, first = 0, prev = -1, span = 0;
        while (p < end)
        {
            var oplength = 1;
            var op = _bytes[p];
            if (IsZero(op))
                span = ZeroLength(op);
            else if (IsVal(op))
                span = ValLength(op);
            else
            {
                span = XZeroLength(op, At(p + 1));
                oplength = 2;
            }
            if (index <= first + span - 1)
                break;
            prev = p;
            p += oplength;
            first += span;
        }
        if (span == 0 || p >= end)
            return -1;
        var current = _bytes[p];
        var next = IsXZero(current) ? p + 2 : p + 1;
        if (next >= end)
            next = -1;
        bool isZero = IsZero(current), isXZero = IsXZero(current), isVal = IsVal(current);
        var runLength = isZero ? ZeroLength(current) : isXZero ? XZeroLength(current, At(p + 1)) : ValLength(current);

        // Step 2: a VAL already as high needs nothing; a run of one is changed where it is.
        if (isVal)
        {
            if (ValValue(current) >= count)
                return 0;
            if (runLength == 1)
            {
                _bytes[p] = Val(count, 1);
                return Updated(prev, end);
            }
        }
        if (isZero && runLength == 1)
        {
            _bytes[p] = Val(count, 1);
            return Updated(prev, end);
        }

        // Otherwise the opcode is split into up to three: what is before the register, the register, what is after.
        Span<byte> sequence = stackalloc byte[5];
        var n = 0;
        var last = first + span - 1;
        if (isZero || isXZero)
        {
            if (index != first)
                n += WriteZeros(sequence[n..], index - first);
            sequence[n++] = Val(count, 1);
            if (index != last)
                n += WriteZeros(sequence[n..], last - index);
        }
        else
        {
            var value = ValValue(current);
            if (index != first)
                sequence[n++] = Val(value, index - first);
            sequence[n++] = Val(count, 1);
            if (index != last)
                sequence[n++] = Val(value, last - index);
        }

        // Step 3: the new sequence replaces the old opcode, unless that would make the HLL too big.
        var delta = n - (isXZero ? 2 : 1);
        if (delta > 0 && _length + delta > sparseMaxBytes)
            return Promote(index, count);
        if (delta != 0 && next >= 0)
            Array.Copy(_bytes, next, _bytes, next + delta, end - next);
        _length += delta;
        sequence[..n].CopyTo(_bytes.AsSpan(p));
        end += delta;
        return Updated(prev, end);
    }

    /// <summary>Step 4 of hllSparseSet: merges equal adjacent VALs in up to 5 opcodes from the one before the change.</summary>
    private int Updated(int prev, int end)
    {
        var p = prev >= 0 ? prev : HeaderSize;
        var scan = 5;
        while (p < end && scan-- > 0)
        {
            var op = _bytes[p];
            if (IsXZero(op))
            {
                p += 2;
                continue;
            }
            if (IsZero(op))
            {
                p++;
                continue;
            }
            if (p + 1 < end && IsVal(_bytes[p + 1]) && ValValue(op) == ValValue(_bytes[p + 1]))
            {
                var length = ValLength(op) + ValLength(_bytes[p + 1]);
                if (length <= SparseValMaxLength)
                {
                    _bytes[p + 1] = Val(ValValue(op), length);
                    Array.Copy(_bytes, p + 1, _bytes, p, end - p - 1);
                    _length--;
                    end--;
                    // Again from the same place: the merged VAL may merge with the next one too.
                    continue;
                }
            }
            p++;
        }
        InvalidateCache();
        return 1;
    }

    private int Promote(int index, int count)
    {
        if (!ToDense())
            return -1;
        // A promotion happens only for a register that needs raising, so this changes it.
        DenseSet(_bytes.AsSpan(HeaderSize), index, count);
        return 1;
    }

    /// <summary>
    /// Redis's hllSparseToDense: the same registers, dense, under the same header (cached cardinality
    /// included). False, and nothing changed, when the opcodes do not cover exactly 16384 registers.
    /// </summary>
    public bool ToDense()
    {
        if (IsDense)
            return true;
        var dense = new byte[DenseSize];
        _bytes.AsSpan(0, HeaderSize).CopyTo(dense);
        dense[EncodingOffset] = Dense;
        var registers = dense.AsSpan(HeaderSize);
        int index = 0, p = HeaderSize;
        while (p < _length)
        {
            var op = _bytes[p];
            if (IsZero(op))
            {
                index += ZeroLength(op);
                p++;
            }
            else if (IsXZero(op))
            {
                index += XZeroLength(op, At(p + 1));
                p += 2;
            }
            else
            {
                var runLength = ValLength(op);
                if (runLength + index > RegisterCount)
                    break;
                for (var i = 0; i < runLength; i++)
                    DenseWrite(registers, index++, ValValue(op));
                p++;
            }
        }
        if (index != RegisterCount)
            return false;
        _bytes = dense;
        _length = DenseSize;
        return true;
    }

    /// <summary>
    /// Redis's hllMerge: raises each of <paramref name="max"/>'s 16384 registers to the HLL's. False
    /// for a sparse HLL whose opcodes do not cover exactly 16384 registers.
    /// </summary>
    public static bool Merge(Span<byte> max, ReadOnlySpan<byte> value)
    {
        if (IsDenseValue(value))
        {
            var registers = value[HeaderSize..];
            for (var i = 0; i < RegisterCount; i++)
                max[i] = Math.Max(max[i], (byte)DenseRead(registers, i));
            return true;
        }
        int index = 0, p = HeaderSize;
        while (p < value.Length)
        {
            var op = value[p];
            if (IsZero(op))
            {
                index += ZeroLength(op);
                p++;
            }
            else if (IsXZero(op))
            {
                index += XZeroLength(op, p + 1 < value.Length ? value[p + 1] : (byte)0);
                p += 2;
            }
            else
            {
                var runLength = ValLength(op);
                if (runLength + index > RegisterCount)
                    break;
                for (var i = 0; i < runLength; i++, index++)
                    max[index] = Math.Max(max[index], (byte)ValValue(op));
                p++;
            }
        }
        return index == RegisterCount;
    }

    /// <summary>
    /// Redis 7's hllCount: the cardinality estimated from the register histogram with Ertl's
    /// estimator. Null for a sparse HLL whose opcodes do not cover exactly 16384 registers.
    /// </summary>
    public static long? Count(ReadOnlySpan<byte> value)
    {
        Span<int> histogram = stackalloc int[64];
        histogram.Clear();
        if (IsDenseValue(value))
        {
            var registers = value[HeaderSize..];
            for (var i = 0; i < RegisterCount; i++)
                histogram[DenseRead(registers, i)]++;
        }
        else
        {
            int index = 0, p = HeaderSize;
            while (p < value.Length)
            {
                var op = value[p];
                int runLength, register = 0;
                if (IsZero(op))
                {
                    runLength = ZeroLength(op);
                    p++;
                }
                else if (IsXZero(op))
                {
                    runLength = XZeroLength(op, p + 1 < value.Length ? value[p + 1] : (byte)0);
                    p += 2;
                }
                else
                {
                    runLength = ValLength(op);
                    register = ValValue(op);
                    p++;
                }
                index += runLength;
                histogram[register] += runLength;
            }
            if (index != RegisterCount)
                return null;
        }
        return Estimate(histogram);
    }

    /// <summary>The cardinality of 16384 registers held one per byte (PFCOUNT of several keys, Redis's HLL_RAW).</summary>
    public static long CountRegisters(ReadOnlySpan<byte> registers)
    {
        Span<int> histogram = stackalloc int[64];
        histogram.Clear();
        foreach (var register in registers)
            histogram[register]++;
        return Estimate(histogram);
    }

    /// <summary>
    /// "New cardinality estimation algorithms for HyperLogLog sketches" (Otmar Ertl, arXiv:1702.01284),
    /// in Redis's order of operations: doubles throughout, rounded half away from zero at the end.
    /// </summary>
    private static long Estimate(ReadOnlySpan<int> histogram)
    {
        const double m = RegisterCount;
        var z = m * Tau((m - histogram[HashBits + 1]) / m);
        for (var j = HashBits; j >= 1; j--)
        {
            z += histogram[j];
            z *= 0.5;
        }
        z += m * Sigma(histogram[0] / m);
        return (long)Math.Round(AlphaInfinity * m * m / z, MidpointRounding.AwayFromZero);
    }

    private static double Sigma(double x)
    {
        if (x == 1.0)
            return double.PositiveInfinity;
        double previous, y = 1, z = x;
        do
        {
            x *= x;
            previous = z;
            z += x * y;
            y += y;
        }
        while (previous != z);
        return z;
    }

    private static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0)
            return 0.0;
        double previous, y = 1.0, z = 1 - x;
        do
        {
            x = Math.Sqrt(x);
            previous = z;
            y *= 0.5;
            // Redis writes pow(1 - x, 2), which C compilers fold into this exact product.
            var d = 1 - x;
            z -= d * d * y;
        }
        while (previous != z);
        return z / 3;
    }

    /// <summary>Redis's hllPatLen: the register (the hash's low 14 bits) and the position of the first 1 in the other 50 (51 when there is none).</summary>
    public static int PatternLength(ReadOnlySpan<byte> element, out int index)
    {
        var hash = MurmurHash64A(element, 0xadc83b19);
        index = (int)(hash & (RegisterCount - 1));
        hash >>= IndexBits;
        hash |= 1UL << HashBits;
        return BitOperations.TrailingZeroCount(hash) + 1;
    }

    /// <summary>MurmurHash2, 64-bit version, as Redis has it (8-byte blocks read little-endian on every machine).</summary>
    public static ulong MurmurHash64A(ReadOnlySpan<byte> key, uint seed)
    {
        const ulong m = 0xc6a4a7935bd1e995;
        const int r = 47;
        var h = seed ^ ((ulong)key.Length * m);
        var blocks = key.Length - (key.Length & 7);
        for (var i = 0; i < blocks; i += 8)
        {
            var k = BinaryPrimitives.ReadUInt64LittleEndian(key[i..]);
            k *= m;
            k ^= k >> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        var tail = key[blocks..];
        if (tail.Length > 0)
        {
            for (var i = tail.Length - 1; i >= 0; i--)
                h ^= (ulong)tail[i] << (8 * i);
            h *= m;
        }
        h ^= h >> r;
        h *= m;
        h ^= h >> r;
        return h;
    }

    /// <summary>Register <paramref name="index"/> of dense registers (HLL_DENSE_GET_REGISTER; the byte past the last is sds's zero).</summary>
    public static int DenseRead(ReadOnlySpan<byte> registers, int index)
    {
        var bit = index * RegisterBits;
        int b = bit >> 3, shift = bit & 7;
        int b0 = registers[b], b1 = b + 1 < registers.Length ? registers[b + 1] : 0;
        return ((b0 >> shift) | (b1 << (8 - shift))) & RegisterMax;
    }

    /// <summary>hllDenseSet: raises register <paramref name="index"/> to <paramref name="count"/>; whether it changed.</summary>
    public static bool DenseSet(Span<byte> registers, int index, int count)
    {
        if (count <= DenseRead(registers, index))
            return false;
        DenseWrite(registers, index, count);
        return true;
    }

    /// <summary>HLL_DENSE_SET_REGISTER.</summary>
    private static void DenseWrite(Span<byte> registers, int index, int value)
    {
        var bit = index * RegisterBits;
        int b = bit >> 3, shift = bit & 7;
        registers[b] = (byte)((registers[b] & ~(RegisterMax << shift)) | (value << shift));
        // The last register ends in its first byte; Redis's write to the byte after changes nothing.
        if (b + 1 < registers.Length)
            registers[b + 1] = (byte)((registers[b + 1] & ~(RegisterMax >> (8 - shift))) | (value >> (8 - shift)));
    }

    /// <summary>PFDEBUG DECODE's text for a sparse HLL: <c>z:len</c>, <c>Z:len</c> and <c>v:value,len</c>, space-separated.</summary>
    public static string Decode(ReadOnlySpan<byte> value)
    {
        var parts = new List<string>();
        var p = HeaderSize;
        while (p < value.Length)
        {
            var op = value[p];
            if (IsZero(op))
            {
                parts.Add($"z:{ZeroLength(op)}");
                p++;
            }
            else if (IsXZero(op))
            {
                parts.Add($"Z:{XZeroLength(op, p + 1 < value.Length ? value[p + 1] : (byte)0)}");
                p += 2;
            }
            else
            {
                parts.Add($"v:{ValValue(op)},{ValLength(op)}");
                p++;
            }
        }
        return string.Join(' ', parts);
    }

    private byte At(int index) => index < _length ? _bytes[index] : (byte)0;

    private void EnsureCapacity(int length)
    {
        if (length > _bytes.Length)
            Array.Resize(ref _bytes, Math.Max(length, _bytes.Length * 2));
    }

    private static bool IsZero(byte op) => (op & 0xc0) == 0;

    private static bool IsXZero(byte op) => (op & 0xc0) == 0x40;

    private static bool IsVal(byte op) => (op & 0x80) != 0;

    private static int ZeroLength(byte op) => (op & 0x3f) + 1;

    private static int XZeroLength(byte op, byte second) => (((op & 0x3f) << 8) | second) + 1;

    private static int ValValue(byte op) => ((op >> 2) & 0x1f) + 1;

    private static int ValLength(byte op) => (op & 0x3) + 1;

    private static byte Val(int value, int length) => (byte)((((value - 1) << 2) | (length - 1)) | 0x80);

    /// <summary>A ZERO for up to 64 registers, else an XZERO; the bytes written.</summary>
    private static int WriteZeros(Span<byte> into, int length)
    {
        if (length > SparseZeroMaxLength)
        {
            WriteXZero(into, 0, length);
            return 2;
        }
        into[0] = (byte)(length - 1);
        return 1;
    }

    private static void WriteXZero(Span<byte> into, int at, int length)
    {
        into[at] = (byte)(((length - 1) >> 8) | 0x40);
        into[at + 1] = (byte)((length - 1) & 0xff);
    }
}
