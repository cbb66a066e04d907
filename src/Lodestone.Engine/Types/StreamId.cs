using System.Buffers.Text;

namespace Lodestone.Engine.Types;

/// <summary>
/// A stream entry id, <c>&lt;ms&gt;-&lt;seq&gt;</c>: two unsigned 64-bit numbers, ordered by time then sequence.
/// </summary>
internal readonly record struct StreamId(ulong Ms, ulong Seq) : IComparable<StreamId>
{
    /// <summary>0-0: below every id an entry may have.</summary>
    public static StreamId Min => default;

    /// <summary>18446744073709551615-18446744073709551615: the largest id.</summary>
    public static StreamId Max => new(ulong.MaxValue, ulong.MaxValue);

    public bool IsZero => Ms == 0 && Seq == 0;

    public int CompareTo(StreamId other) => Ms != other.Ms ? Ms.CompareTo(other.Ms) : Seq.CompareTo(other.Seq);

    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;

    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;

    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;

    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;

    /// <summary>The next id (Redis's streamIncrID); false at <see cref="Max"/>.</summary>
    /// <remarks>The result is computed before it is stored: <paramref name="next"/> may be this very variable.</remarks>
    public bool TryNext(out StreamId next)
    {
        var (ms, seq) = (Ms, Seq);
        var ok = ms != ulong.MaxValue || seq != ulong.MaxValue;
        next = seq != ulong.MaxValue ? new StreamId(ms, seq + 1) : ms != ulong.MaxValue ? new StreamId(ms + 1, 0) : new StreamId(ms, seq);
        return ok;
    }

    /// <summary>The previous id (Redis's streamDecrID); false at 0-0.</summary>
    /// <remarks>The result is computed before it is stored: <paramref name="previous"/> may be this very variable.</remarks>
    public bool TryPrevious(out StreamId previous)
    {
        var (ms, seq) = (Ms, Seq);
        var ok = ms != 0 || seq != 0;
        previous = seq != 0 ? new StreamId(ms, seq - 1) : ms != 0 ? new StreamId(ms - 1, ulong.MaxValue) : new StreamId(ms, seq);
        return ok;
    }

    public override string ToString() => $"{Ms}-{Seq}";

    /// <summary>The id as Redis prints it, as bytes.</summary>
    public byte[] ToBytes()
    {
        Span<byte> buffer = stackalloc byte[41];
        Utf8Formatter.TryFormat(Ms, buffer, out var written);
        buffer[written++] = (byte)'-';
        Utf8Formatter.TryFormat(Seq, buffer[written..], out var more);
        return buffer[..(written + more)].ToArray();
    }

    /// <summary>
    /// Redis's streamParseID: <c>ms</c> or <c>ms-seq</c> (a missing seq is <paramref name="missingSeq"/>),
    /// each part an unsigned 64-bit decimal; with <paramref name="strict"/> off, <c>-</c> and <c>+</c> are
    /// the smallest and largest ids. With <paramref name="seqGiven"/> non-null, <c>ms-*</c> is accepted
    /// and reports false there (XADD's "generate the sequence").
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, ulong missingSeq, bool strict, out StreamId id, bool? seqGivenAllowed, out bool seqGiven)
    {
        id = default;
        seqGiven = true;
        if (text.Length > 127)
            return false;
        if (!strict && text.Length == 1)
        {
            if (text[0] == (byte)'-')
                return true;
            if (text[0] == (byte)'+')
            {
                id = Max;
                return true;
            }
        }
        var dash = text.IndexOf((byte)'-');
        if (dash < 0)
        {
            if (!ParsePart(text, out var ms))
                return false;
            id = new StreamId(ms, missingSeq);
            return true;
        }
        if (!ParsePart(text[..dash], out var millis))
            return false;
        var rest = text[(dash + 1)..];
        if (seqGivenAllowed == true && rest.Length == 1 && rest[0] == (byte)'*')
        {
            seqGiven = false;
            id = new StreamId(millis, 0);
            return true;
        }
        if (!ParsePart(rest, out var seq))
            return false;
        id = new StreamId(millis, seq);
        return true;
    }

    /// <summary>
    /// Redis's string2ull on one part of an id: a canonical integer (string2ll) that is not negative,
    /// or else what strtoull takes whole — leading spaces, a sign (a minus wraps around), digits.
    /// </summary>
    private static bool ParsePart(ReadOnlySpan<byte> text, out ulong value)
    {
        if (Text.RedisNumbers.TryParseInt64(text, out var signed))
        {
            value = (ulong)signed;
            return signed >= 0;
        }
        value = 0;
        var i = 0;
        while (i < text.Length && text[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r')
            i++;
        var negative = false;
        if (i < text.Length && text[i] is (byte)'+' or (byte)'-')
            negative = text[i++] == (byte)'-';
        if (i == text.Length)
            return false;
        for (; i < text.Length; i++)
        {
            if (text[i] < (byte)'0' || text[i] > (byte)'9')
                return false;
            var digit = (ulong)(text[i] - '0');
            if (value > (ulong.MaxValue - digit) / 10)
                return false;
            value = (value * 10) + digit;
        }
        if (negative)
            value = unchecked(0 - value);
        return true;
    }
}
