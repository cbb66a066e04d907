using System.Numerics;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>Bitmaps: bit operations on a string's bytes, in place (Redis's bitops.c).</summary>
/// <remarks>
/// Design note. A bitmap is a plain string; bit 0 is the most significant bit of byte 0, as in Redis.
/// SETBIT grows the string with zero bytes and changes one byte of it in place — no copy per bit
/// (a buffer a reply still holds is copied once, as for every string write). Offsets are bounded by
/// proto-max-bulk-len (512 MB, so bits below 2^32), as Redis bounds them.
/// </remarks>
internal static class BitmapCommands
{
    private const string Group = "bitmap";

    /// <summary>SETBIT key offset value</summary>
    /// <remarks>O(1); grows the string (zero-padded) when the offset is past its end. Replies the bit's old value.</remarks>
    [Command("SETBIT", 4, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "SETBIT key offset value", Summary = "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "2.2.0")]
    public static Reply SetBit(CommandContext ctx)
    {
        if (BitOffset(ctx, 2) is not { } offset)
            return Errors.BitOffsetOutOfRange;
        var bit = ctx.Arg(3);
        if (bit.Length != 1 || bit[0] is not ((byte)'0' or (byte)'1'))
            return Errors.BitOutOfRange;
        var byteIndex = (int)(offset >> 3);
        var mask = (byte)(0x80 >> (int)(offset & 7));

        var bytes = StringCommands.BytesToChange(ctx, ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access), byteIndex + 1);
        var old = (bytes[byteIndex] & mask) != 0;
        bytes[byteIndex] = bit[0] == '1' ? (byte)(bytes[byteIndex] | mask) : (byte)(bytes[byteIndex] & ~mask);
        ctx.MarkDirty();
        return old ? Reply.One : Reply.Zero;
    }

    /// <summary>GETBIT key offset</summary>
    /// <remarks>O(1). A bit past the end, or of a missing key, is 0.</remarks>
    [Command("GETBIT", 3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "GETBIT key offset", Summary = "Returns a bit value by offset.", Complexity = "O(1)", Group = Group, Since = "2.2.0")]
    public static Reply GetBit(CommandContext ctx)
    {
        if (BitOffset(ctx, 2) is not { } offset)
            return Errors.BitOffsetOutOfRange;
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value is not StringValue value)
            return Reply.Zero;
        var byteIndex = offset >> 3;
        return byteIndex < value.Length && (value.Span[(int)byteIndex] & (0x80 >> (int)(offset & 7))) != 0 ? Reply.One : Reply.Zero;
    }

    /// <summary>BITCOUNT key [start end [BYTE | BIT]]</summary>
    /// <remarks>
    /// O(N) in the bytes counted. start and end are inclusive, negative from the end, in bytes or (BIT,
    /// Redis 7.0) in bits. A missing key counts 0 before its arguments are read, as in Redis.
    /// </remarks>
    [Command("BITCOUNT", -2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "BITCOUNT key [start end [BYTE | BIT]]", Summary = "Counts the number of set bits (population counting) in a string.",
        Complexity = "O(N)", Group = Group, Since = "2.6.0")]
    public static Reply BitCount(CommandContext ctx)
    {
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value is not StringValue value)
            return Reply.Zero;
        var bytes = value.Span;
        if (ctx.ArgCount == 2)
            return Reply.Integer(PopCount(bytes));
        if (ctx.ArgCount is not (4 or 5))
            return Errors.Syntax;
        if (!ctx.TryInt64(2, out var start) || !ctx.TryInt64(3, out var end))
            return Errors.NotInteger;
        var inBits = false;
        if (ctx.ArgCount == 5)
        {
            if (ctx.ArgIs(4, "BIT"))
                inBits = true;
            else if (!ctx.ArgIs(4, "BYTE"))
                return Errors.Syntax;
        }
        long total = inBits ? (long)bytes.Length * 8 : bytes.Length;
        if (start < 0 && end < 0 && start > end)
            return Reply.Zero;
        var (first, last, firstMask, lastMask) = ByteRange(start, end, total, inBits);
        if (first > last)
            return Reply.Zero;

        // Whole bytes, less the bits of the first and last bytes outside the range (BIT).
        var count = PopCount(bytes[(int)first..(int)(last + 1)]);
        count -= BitOperations.PopCount((uint)(bytes[(int)first] & firstMask));
        count -= BitOperations.PopCount((uint)(bytes[(int)last] & lastMask));
        return Reply.Integer(count);
    }

    /// <summary>BITPOS key bit [start [end [BYTE | BIT]]]</summary>
    /// <remarks>
    /// O(N) in the bytes searched. The first bit set to <c>bit</c> in the range (bytes, or bits with
    /// BIT), as an absolute bit position; -1 when there is none. A missing key is endless zeros (0 for
    /// a clear bit, -1 for a set one). Looking for a clear bit without an end, the string counts as
    /// zero-padded to the right, so the position just past it is the answer; with an explicit end it
    /// is -1, as in Redis.
    /// </remarks>
    [Command("BITPOS", -3, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "BITPOS key bit [start [end [BYTE | BIT]]]", Summary = "Finds the first set (1) or clear (0) bit in a string.",
        Complexity = "O(N)", Group = Group, Since = "2.8.7")]
    public static Reply BitPos(CommandContext ctx)
    {
        if (!ctx.TryInt64(2, out var bit))
            return Errors.NotInteger;
        if (bit is not (0 or 1))
            return Errors.BitPosBit;
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value is not StringValue value)
            return Reply.Integer(bit == 1 ? -1 : 0);
        var bytes = value.Span;
        long start, end;
        var endGiven = false;
        var inBits = false;
        byte firstMask = 0, lastMask = 0;
        if (ctx.ArgCount is 4 or 5 or 6)
        {
            long total = bytes.Length;
            if (!ctx.TryInt64(3, out start))
                return Errors.NotInteger;
            if (ctx.ArgCount == 6)
            {
                if (ctx.ArgIs(5, "BIT"))
                    inBits = true;
                else if (!ctx.ArgIs(5, "BYTE"))
                    return Errors.Syntax;
            }
            if (ctx.ArgCount >= 5)
            {
                if (!ctx.TryInt64(4, out end))
                    return Errors.NotInteger;
                endGiven = true;
            }
            else
            {
                end = total - 1;
            }
            if (inBits)
                total <<= 3;
            (start, end, firstMask, lastMask) = ByteRange(start, end, total, inBits);
        }
        else if (ctx.ArgCount == 3)
        {
            (start, end) = (0, bytes.Length - 1);
        }
        else
        {
            return Errors.Syntax;
        }
        if (start > end)
            return Reply.Integer(-1);

        // Redis's walk: the first byte masked to the range, the whole bytes between, the last byte masked.
        var look = bit == 1;
        var count = end - start + 1;
        long position;
        Span<byte> one = stackalloc byte[1];
        if (firstMask != 0)
        {
            one[0] = look ? (byte)(bytes[(int)start] & ~firstMask) : (byte)(bytes[(int)start] | firstMask);
            if (lastMask != 0 && count == 1)
                one[0] = look ? (byte)(one[0] & ~lastMask) : (byte)(one[0] | lastMask);
            position = FirstBit(one, look);
            if (count == 1 || (position != -1 && position != 8))
                return Result(position, start, count, look, endGiven);
            start++;
            count--;
        }
        var whole = count - (lastMask != 0 ? 1 : 0);
        if (whole > 0)
        {
            position = FirstBit(bytes.Slice((int)start, (int)whole), look);
            if (count == whole || (position != -1 && position != whole << 3))
                return Result(position, start, count, look, endGiven);
            start += whole;
            count -= whole;
        }
        one[0] = look ? (byte)(bytes[(int)end] & ~lastMask) : (byte)(bytes[(int)end] | lastMask);
        return Result(FirstBit(one, look), start, count, look, endGiven);
    }

    /// <summary>
    /// A BITCOUNT/BITPOS range as Redis normalises it: negative indexes from the end, clamped to the
    /// string; with BIT, the byte indexes of its ends and masks of the bits of those bytes outside it.
    /// Empty when start ends up above end.
    /// </summary>
    private static (long First, long Last, byte FirstMask, byte LastMask) ByteRange(long start, long end, long total, bool inBits)
    {
        if (start < 0)
            start = Math.Max(0, total + start);
        if (end < 0)
            end = Math.Max(0, total + end);
        end = Math.Min(end, total - 1);
        if (!inBits || start > end)
            return (start, end, 0, 0);
        return (start >> 3, end >> 3, (byte)(~((1 << (8 - (int)(start & 7))) - 1) & 0xFF), (byte)((1 << (7 - (int)(end & 7))) - 1));
    }

    /// <summary>BITPOS's answer from a position relative to <paramref name="start"/> (in bytes).</summary>
    private static Reply Result(long position, long start, long count, bool look, bool endGiven)
    {
        // With an explicit end, the bit just past the range is not a clear bit of it.
        if (endGiven && !look && position == count << 3)
            return Reply.Integer(-1);
        return Reply.Integer(position == -1 ? -1 : position + (start << 3));
    }

    /// <summary>Redis's redisBitpos: the first bit equal to <paramref name="look"/>; past the end (count × 8) for a clear bit not found, -1 for a set one.</summary>
    private static long FirstBit(ReadOnlySpan<byte> bytes, bool look)
    {
        var skip = look ? (byte)0 : (byte)0xFF;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == skip)
                continue;
            var b = look ? bytes[i] : (byte)~bytes[i];
            return ((long)i << 3) + BitOperations.LeadingZeroCount((uint)b) - 24;
        }
        return look ? -1 : (long)bytes.Length << 3;
    }

    /// <summary>BITOP &lt;AND | OR | XOR | NOT | DIFF | DIFF1 | ANDOR | ONE&gt; destkey key [key ...]</summary>
    /// <remarks>
    /// O(N) in the longest source. Missing sources are empty strings; shorter ones are zero-padded to
    /// the longest. The result (as long as the longest source) replaces destkey, whatever its type; an
    /// empty result deletes it. Replies the result's length. Redis 8.2's operations, with X the first
    /// source and Y the others: DIFF is X ∧ ¬(Y1 ∨ Y2 …), DIFF1 ¬X ∧ (Y1 ∨ Y2 …), ANDOR X ∧ (Y1 ∨ Y2 …)
    /// (those three need two sources at least), and ONE the bits set in exactly one source.
    /// </remarks>
    [Command("BITOP", -4, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 2, LastKey = -1,
        Syntax = "BITOP <AND | OR | XOR | NOT | DIFF | DIFF1 | ANDOR | ONE> destkey key [key ...]", Summary = "Performs bitwise operations on multiple strings, and stores the result.",
        Complexity = "O(N)", Group = Group, Since = "2.6.0")]
    public static Reply BitOp(CommandContext ctx)
    {
        if (ParseBitOp(ctx) is not { } op)
            return Errors.Syntax;
        if (op == BitOperation.Not && ctx.ArgCount != 4)
            return Errors.BitOpNotSingleSource;
        if (op is BitOperation.Diff or BitOperation.Diff1 or BitOperation.AndOr && ctx.ArgCount < 5)
            return Errors.BitOpTwoSources(ctx.ArgText(1).ToUpperInvariant());
        var sources = new List<byte[]>(ctx.ArgCount - 3);
        var longest = 0;
        for (var i = 3; i < ctx.ArgCount; i++)
        {
            var entry = ctx.Keyspace.Lookup(ctx.Arg(i), ctx.Access);
            if (entry is null)
            {
                sources.Add([]);
                continue;
            }
            if (entry.Value is not StringValue value)
                return Errors.WrongType;
            sources.Add(value.Span.ToArray());
            longest = Math.Max(longest, value.Length);
        }

        var result = new byte[longest];
        for (var j = 0; j < longest; j++)
            result[j] = Combine(op, sources, j);
        if (longest == 0)
            ctx.Keyspace.Delete(ctx.Arg(2), ctx.Access);
        else
            ctx.Keyspace.Overwrite(ctx.Args[2], RedisType.String, StringValue.Wrap(result), ctx.Access);
        ctx.MarkDirty();
        return Reply.Integer(longest);
    }

    private enum BitOperation
    {
        And,
        Or,
        Xor,
        Not,
        Diff,
        Diff1,
        AndOr,
        One,
    }

    private static BitOperation? ParseBitOp(CommandContext ctx)
    {
        foreach (var op in Enum.GetValues<BitOperation>())
        {
            if (ctx.ArgIs(1, op.ToString()))
                return op;
        }
        return null;
    }

    /// <summary>Byte <paramref name="j"/> of the result: each source's byte (0 past its end) combined as <paramref name="op"/> says.</summary>
    private static byte Combine(BitOperation op, List<byte[]> sources, int j)
    {
        static int At(byte[] source, int j) => j < source.Length ? source[j] : 0;
        var first = At(sources[0], j);
        int any = 0, once = 0, twice = 0, all = first, odd = first;
        for (var s = 1; s < sources.Count; s++)
        {
            var b = At(sources[s], j);
            any |= b;
            all &= b;
            odd ^= b;
        }
        foreach (var source in sources)
        {
            var b = At(source, j);
            twice |= once & b;
            once |= b;
        }
        return (byte)(op switch
        {
            BitOperation.And => all,
            BitOperation.Or => first | any,
            BitOperation.Xor => odd,
            BitOperation.Not => ~first,
            BitOperation.Diff => first & ~any,
            BitOperation.Diff1 => ~first & any,
            BitOperation.AndOr => first & any,
            _ => once & ~twice,
        });
    }

    /// <summary>BITFIELD key [GET encoding offset | [OVERFLOW &lt;WRAP | SAT | FAIL&gt;] &lt;SET encoding offset value | INCRBY encoding offset increment&gt; ...]</summary>
    /// <remarks>
    /// O(1) per operation. Encodings are <c>i1</c>…<c>i64</c> and <c>u1</c>…<c>u63</c>; an offset is in
    /// bits, or with <c>#</c> in units of the encoding's width. SET replies the old value, INCRBY the
    /// new one; OVERFLOW (default WRAP) applies to the operations after it, and under FAIL an
    /// overflowing one writes nothing and replies nil. All arguments are checked before anything is
    /// written; a write grows the string to its farthest bit first, as Redis does.
    /// </remarks>
    [Command("BITFIELD", -2, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]]",
        Summary = "Performs arbitrary bitfield integer operations on strings.", Complexity = "O(1) for each subcommand specified", Group = Group, Since = "3.2.0")]
    public static Reply BitField(CommandContext ctx) => BitFieldGeneric(ctx, readOnly: false);

    /// <summary>BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]</summary>
    /// <remarks>O(1) per GET: BITFIELD's reads, for read-only callers (replicas, read-only keys).</remarks>
    [Command("BITFIELD_RO", -2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]",
        Summary = "Performs arbitrary read-only bitfield integer operations on strings.", Complexity = "O(1) for each subcommand specified", Group = Group, Since = "6.0.0")]
    public static Reply BitFieldRo(CommandContext ctx) => BitFieldGeneric(ctx, readOnly: true);

    private enum Overflow
    {
        Wrap,
        Sat,
        Fail,
    }

    private readonly record struct FieldOp(char Op, bool Signed, int Bits, long Offset, long Value, Overflow Overflow);

    private static Reply BitFieldGeneric(CommandContext ctx, bool readOnly)
    {
        var ops = new List<FieldOp>();
        var overflow = Overflow.Wrap;
        var onlyGets = true;
        long highest = -1;
        for (var j = 2; j < ctx.ArgCount; j++)
        {
            var remaining = ctx.ArgCount - j - 1;
            char op;
            if (ctx.ArgIs(j, "GET") && remaining >= 2)
                op = 'g';
            else if (ctx.ArgIs(j, "SET") && remaining >= 3)
                op = 's';
            else if (ctx.ArgIs(j, "INCRBY") && remaining >= 3)
                op = 'i';
            else if (ctx.ArgIs(j, "OVERFLOW") && remaining >= 1)
            {
                j++;
                if (ctx.ArgIs(j, "WRAP"))
                    overflow = Overflow.Wrap;
                else if (ctx.ArgIs(j, "SAT"))
                    overflow = Overflow.Sat;
                else if (ctx.ArgIs(j, "FAIL"))
                    overflow = Overflow.Fail;
                else
                    return Errors.BitFieldOverflowType;
                continue;
            }
            else
            {
                return Errors.Syntax;
            }

            if (!TryEncoding(ctx.Arg(j + 1), out var signed, out var bits))
                return Errors.BitFieldType;
            if (FieldOffset(ctx, ctx.Arg(j + 2), bits) is not { } offset)
                return Errors.BitOffsetOutOfRange;
            long value = 0;
            if (op != 'g')
            {
                onlyGets = false;
                highest = Math.Max(highest, offset + bits - 1);
                if (!ctx.TryInt64(j + 3, out value))
                    return Errors.NotInteger;
            }
            ops.Add(new FieldOp(op, signed, bits, offset, value, overflow));
            j += op == 'g' ? 2 : 3;
        }
        if (readOnly && !onlyGets)
            return Errors.BitFieldRoGetOnly;

        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        // Reads see the string as it is; with a write, as grown to its farthest bit (and earlier writes of this call).
        ReadOnlySpan<byte> readable = entry?.Value is StringValue existing ? existing.Span : [];
        var bytes = onlyGets ? default : StringCommands.BytesToChange(ctx, entry, (int)(highest >> 3) + 1);
        if (!onlyGets)
            readable = bytes;

        var replies = new Reply[ops.Count];
        var changes = 0;
        Span<byte> window = stackalloc byte[9];
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if (op.Op == 'g')
            {
                // Up to 9 bytes from the field's first byte, zero-padded past the end of the string.
                window.Clear();
                var first = op.Offset >> 3;
                for (var k = 0; k < 9 && first + k < readable.Length; k++)
                    window[k] = readable[(int)(first + k)];
                var local = op.Offset - (first << 3);
                replies[i] = Reply.Integer(op.Signed ? GetSigned(window, local, op.Bits) : (long)GetUnsigned(window, local, op.Bits));
                continue;
            }
            changes++;
            ulong old, next;
            bool overflowed;
            long reply;
            if (op.Signed)
            {
                var current = GetSigned(bytes, op.Offset, op.Bits);
                if (op.Op == 'i')
                {
                    overflowed = SignedOverflow(current, op.Value, op.Bits, op.Overflow, out var limited);
                    next = (ulong)(overflowed ? limited : unchecked(current + op.Value));
                    reply = (long)next;
                }
                else
                {
                    overflowed = SignedOverflow(op.Value, 0, op.Bits, op.Overflow, out var limited);
                    next = (ulong)(overflowed ? limited : op.Value);
                    reply = current;
                }
                old = (ulong)current;
            }
            else
            {
                old = GetUnsigned(bytes, op.Offset, op.Bits);
                if (op.Op == 'i')
                {
                    overflowed = UnsignedOverflow(old, op.Value, op.Bits, op.Overflow, out var limited);
                    next = overflowed ? limited : unchecked(old + (ulong)op.Value);
                    reply = (long)next;
                }
                else
                {
                    overflowed = UnsignedOverflow((ulong)op.Value, 0, op.Bits, op.Overflow, out var limited);
                    next = overflowed ? limited : (ulong)op.Value;
                    reply = (long)old;
                }
            }
            if (overflowed && op.Overflow == Overflow.Fail)
            {
                replies[i] = Reply.Null;
                continue;
            }
            replies[i] = Reply.Integer(reply);
            SetUnsigned(bytes, op.Offset, op.Bits, next);
        }
        if (changes > 0)
            ctx.MarkDirty(changes);
        return Reply.Array(replies);
    }

    /// <summary>Redis's bitfield types: <c>i</c> with 1–64 bits, <c>u</c> with 1–63 (lower case).</summary>
    private static bool TryEncoding(ReadOnlySpan<byte> text, out bool signed, out int bits)
    {
        signed = !text.IsEmpty && text[0] == 'i';
        bits = 0;
        if (text.IsEmpty || text[0] is not ((byte)'i' or (byte)'u') || !Text.RedisNumbers.TryParseInt64(text[1..], out var width))
            return false;
        if (width < 1 || width > (signed ? 64 : 63))
            return false;
        bits = (int)width;
        return true;
    }

    /// <summary>A field offset: bits, or <c>#n</c> for n fields of <paramref name="bits"/>; within the string limit.</summary>
    private static long? FieldOffset(CommandContext ctx, ReadOnlySpan<byte> text, int bits)
    {
        var hash = !text.IsEmpty && text[0] == '#';
        if (!Text.RedisNumbers.TryParseInt64(hash ? text[1..] : text, out var offset))
            return null;
        if (hash)
        {
            try
            {
                offset = checked(offset * bits);
            }
            catch (OverflowException)
            {
                return null;
            }
        }
        return offset >= 0 && (offset >> 3) < ctx.Options.ProtoMaxBulkLen && (offset >> 3) < Array.MaxLength - 8 ? offset : null;
    }

    private static ulong GetUnsigned(ReadOnlySpan<byte> bytes, long offset, int bits)
    {
        ulong value = 0;
        for (var j = 0; j < bits; j++, offset++)
            value = (value << 1) | (uint)((bytes[(int)(offset >> 3)] >> (7 - (int)(offset & 7))) & 1);
        return value;
    }

    private static long GetSigned(ReadOnlySpan<byte> bytes, long offset, int bits)
    {
        var value = (long)GetUnsigned(bytes, offset, bits);
        if (bits < 64 && (value & (1L << (bits - 1))) != 0)
            value |= -1L << bits;
        return value;
    }

    private static void SetUnsigned(Span<byte> bytes, long offset, int bits, ulong value)
    {
        for (var j = 0; j < bits; j++, offset++)
        {
            var bit = (value >> (bits - 1 - j)) & 1;
            var at = (int)(offset >> 3);
            var shift = 7 - (int)(offset & 7);
            bytes[at] = (byte)((bytes[at] & ~(1 << shift)) | ((int)bit << shift));
        }
    }

    /// <summary>Redis's checkUnsignedBitfieldOverflow: whether value + incr leaves [0, 2^bits − 1], and what WRAP or SAT make of it.</summary>
    private static bool UnsignedOverflow(ulong value, long incr, int bits, Overflow overflow, out ulong limited)
    {
        var max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        var maxIncr = unchecked((long)(max - value));
        var minIncr = unchecked(-(long)value);
        limited = 0;
        bool high;
        if (value > max || (incr > 0 && incr > maxIncr))
            high = true;
        else if (incr < 0 && incr < minIncr)
            high = false;
        else
            return false;
        if (overflow == Overflow.Wrap)
            limited = unchecked(value + (ulong)incr) & ~(ulong.MaxValue << bits);
        else if (overflow == Overflow.Sat)
            limited = high ? max : 0;
        return true;
    }

    /// <summary>Redis's checkSignedBitfieldOverflow: whether value + incr leaves the range of a signed field of <paramref name="bits"/>.</summary>
    private static bool SignedOverflow(long value, long incr, int bits, Overflow overflow, out long limited)
    {
        var max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
        var min = -max - 1;
        var maxIncr = unchecked(max - value);
        var minIncr = unchecked(min - value);
        limited = 0;
        bool high;
        if (value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr))
            high = true;
        else if (value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr))
            high = false;
        else
            return false;
        if (overflow == Overflow.Wrap)
        {
            var sum = unchecked((ulong)value + (ulong)incr);
            if (bits < 64)
            {
                var mask = ulong.MaxValue << bits;
                sum = (sum & (1UL << (bits - 1))) != 0 ? sum | mask : sum & ~mask;
            }
            limited = unchecked((long)sum);
        }
        else if (overflow == Overflow.Sat)
        {
            limited = high ? max : min;
        }
        return true;
    }

    /// <summary>A bit offset as Redis reads one: an integer from 0 to below proto-max-bulk-len × 8; null otherwise.</summary>
    private static long? BitOffset(CommandContext ctx, int index) =>
        ctx.TryInt64(index, out var offset) && offset >= 0 && (offset >> 3) < ctx.Options.ProtoMaxBulkLen && (offset >> 3) < Array.MaxLength
            ? offset : null;

    private static long PopCount(ReadOnlySpan<byte> bytes)
    {
        long count = 0;
        var i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
            count += BitOperations.PopCount(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..]));
        for (; i < bytes.Length; i++)
            count += BitOperations.PopCount(bytes[i]);
        return count;
    }
}
