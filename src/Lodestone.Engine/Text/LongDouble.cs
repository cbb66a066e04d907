using System.Globalization;
using System.Numerics;
using System.Text;

namespace Lodestone.Engine.Text;

/// <summary>
/// The x87 80-bit extended-precision number — C's <c>long double</c> on x86-64 Linux — which Redis's
/// INCRBYFLOAT and HINCRBYFLOAT compute in: parsed as glibc's <c>strtold</c> does, added with one
/// rounding, and printed as <c>"%.17Lf"</c> with the trailing zeros trimmed, so every reply is Redis's,
/// byte for byte.
/// </summary>
/// <remarks>
/// Design note. A finite value is <c>Significand × 2^Exponent</c>: a 64-bit significand (no hidden
/// bit) and the weight of its last bit. Normal numbers have bit 63 set and their top bit between
/// 2^−16382 and 2^16383; below that are the subnormals, down to 2^−16445. Every operation is done
/// exactly on <see cref="BigInteger"/>s and rounded once, to nearest with ties to even, as the FPU does
/// in its default mode: parsing (the decimal's exact value, or a quotient with a sticky bit),
/// addition (both operands aligned to the smaller exponent) and printing (the exact binary value
/// scaled by 10^17). It is not fast — a few microseconds for ordinary numbers, more near the ends of
/// the range — and does not need to be: two commands use it, once per call.
/// </remarks>
internal readonly struct LongDouble
{
    private const int Precision = 64;
    private const int MaxTopExponent = 16383;
    private const int MinTopExponent = -16382;
    private const int MinExponent = MinTopExponent - Precision + 1; // -16445, the subnormals' last bit

    // Redis refuses longer text (MAX_LONG_DOUBLE_CHARS, with the terminating NUL).
    private const int MaxTextLength = 5 * 1024 - 1;

    private LongDouble(bool negative, ulong significand, int exponent, bool infinity)
    {
        Negative = negative;
        Significand = significand;
        Exponent = exponent;
        IsInfinity = infinity;
    }

    /// <summary>The sign (also of a zero).</summary>
    public bool Negative { get; }

    /// <summary>The significand of a finite value (0 for zero).</summary>
    public ulong Significand { get; }

    /// <summary>The weight of the significand's last bit: the value is <see cref="Significand"/> × 2^Exponent.</summary>
    public int Exponent { get; }

    /// <summary>Positive or negative infinity.</summary>
    public bool IsInfinity { get; }

    /// <summary>Zero of either sign.</summary>
    public bool IsZero => !IsInfinity && Significand == 0;

    /// <summary>
    /// Redis's <c>string2ld</c>: the whole text is one number for <c>strtold</c> — decimal or C
    /// hexadecimal, optionally signed, or "inf"/"infinity" in any case — with no leading space, at
    /// most 5,119 characters, not NaN, and not out of range (too large, or so small it rounds to zero).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out LongDouble value)
    {
        value = default;
        if (text.IsEmpty || text.Length > MaxTextLength)
            return false;
        var negative = text[0] == '-';
        if (text[0] is (byte)'-' or (byte)'+')
            text = text[1..];
        if (IsWord(text, "inf"u8) || IsWord(text, "infinity"u8))
        {
            value = new LongDouble(negative, 0, 0, infinity: true);
            return true;
        }
        if (text.Length >= 2 && text[0] == '0' && (text[1] | 0x20) == 'x')
            return TryParseHex(negative, text[2..], out value);
        return TryParseDecimal(negative, text, out value);
    }

    /// <summary>The text of <paramref name="text"/> parsed, or null when Redis would refuse it.</summary>
    public static LongDouble? Parse(ReadOnlySpan<byte> text) => TryParse(text, out var value) ? value : null;

    /// <summary>The sum, rounded once; infinite when it overflows (or either operand is), as the FPU's.</summary>
    /// <returns>Null when the sum is not a number (infinities of opposite signs).</returns>
    public static LongDouble? Add(LongDouble a, LongDouble b)
    {
        if (a.IsInfinity || b.IsInfinity)
        {
            if (a.IsInfinity && b.IsInfinity && a.Negative != b.Negative)
                return null;
            return a.IsInfinity ? a : b;
        }
        if (a.IsZero && b.IsZero)
            return new LongDouble(a.Negative && b.Negative, 0, 0, infinity: false);
        if (a.IsZero)
            return b;
        if (b.IsZero)
            return a;
        var exponent = Math.Min(a.Exponent, b.Exponent);
        var sum = a.Signed() << (a.Exponent - exponent);
        sum += b.Signed() << (b.Exponent - exponent);
        // An exact zero sum is +0 when rounding to nearest.
        return sum.IsZero ? default : Round(sum.Sign < 0, BigInteger.Abs(sum), exponent);
    }

    /// <summary>
    /// Redis's <c>ld2string</c> in its human mode: <c>"%.17Lf"</c> (the exact value rounded to 17
    /// decimals, ties to even, as glibc's printf), trailing zeros and a trailing point removed, and
    /// "-0" written "0". Infinities are "inf" and "-inf".
    /// </summary>
    public string ToHumanString() => Format(17, human: true);

    /// <summary>
    /// C's <c>"%.{decimals}Lf"</c>: the exact value rounded to <paramref name="decimals"/> decimals,
    /// ties to even, as glibc's printf (GEODIST's "%.4f" of a double is this of the same value).
    /// </summary>
    public string ToFixedString(int decimals) => Format(decimals, human: false);

    /// <summary>The double's exact value (every double is a long double).</summary>
    public static LongDouble FromDouble(double value)
    {
        if (double.IsNaN(value))
            throw new ArgumentOutOfRangeException(nameof(value), "NaN is not a number here.");
        var negative = double.IsNegative(value);
        if (double.IsInfinity(value))
            return new LongDouble(negative, 0, 0, infinity: true);
        if (value == 0)
            return new LongDouble(negative, 0, 0, infinity: false);
        var bits = BitConverter.DoubleToUInt64Bits(value);
        var fraction = bits & ((1UL << 52) - 1);
        var biased = (int)((bits >> 52) & 0x7FF);
        // Normal: the hidden bit and 52 stored bits; subnormal: the stored bits alone, at the lowest weight.
        var significand = biased == 0 ? fraction : fraction | (1UL << 52);
        var exponent = (biased == 0 ? 1 : biased) - 1075;
        var shift = BitOperations.LeadingZeroCount(significand);
        return new LongDouble(negative, significand << shift, exponent - shift, infinity: false);
    }

    private string Format(int decimals, bool human)
    {
        if (IsInfinity)
            return Negative ? "-inf" : "inf";
        var scale = BigInteger.Pow(10, decimals);
        BigInteger scaled;
        if (Exponent >= 0)
        {
            scaled = (new BigInteger(Significand) << Exponent) * scale;
        }
        else
        {
            var shift = -Exponent;
            var exact = new BigInteger(Significand) * scale;
            scaled = exact >> shift;
            var remainder = exact - (scaled << shift);
            var half = BigInteger.One << (shift - 1);
            if (remainder > half || (remainder == half && !scaled.IsEven))
                scaled += 1;
        }
        var whole = BigInteger.DivRem(scaled, scale, out var fraction);
        var text = new StringBuilder();
        if (Negative)
            text.Append('-');
        text.Append(whole.ToString(CultureInfo.InvariantCulture));
        var digits = decimals == 0 ? "" : fraction.ToString(CultureInfo.InvariantCulture).PadLeft(decimals, '0');
        if (human)
            digits = digits.TrimEnd('0');
        if (digits.Length > 0)
            text.Append('.').Append(digits);
        var printed = text.ToString();
        return human && printed == "-0" ? "0" : printed;
    }

    /// <inheritdoc/>
    public override string ToString() => ToHumanString();

    private BigInteger Signed() => Negative ? -new BigInteger(Significand) : new BigInteger(Significand);

    private static bool IsWord(ReadOnlySpan<byte> text, ReadOnlySpan<byte> word)
    {
        if (text.Length != word.Length)
            return false;
        for (var i = 0; i < text.Length; i++)
        {
            if ((text[i] | 0x20) != word[i])
                return false;
        }
        return true;
    }

    /// <summary>Decimal digits with an optional point and an optional exponent; at least one digit.</summary>
    private static bool TryParseDecimal(bool negative, ReadOnlySpan<byte> text, out LongDouble value)
    {
        value = default;
        var digits = new StringBuilder();
        var i = 0;
        var sawDigit = false;
        long pointShift = 0;
        for (; i < text.Length && IsDigit(text[i]); i++)
        {
            sawDigit = true;
            if (digits.Length > 0 || text[i] != '0')
                digits.Append((char)text[i]);
        }
        if (i < text.Length && text[i] == '.')
        {
            for (i++; i < text.Length && IsDigit(text[i]); i++)
            {
                sawDigit = true;
                if (digits.Length > 0 || text[i] != '0')
                    digits.Append((char)text[i]);
                pointShift--;
            }
        }
        if (!sawDigit)
            return false;
        long exponent = 0;
        if (i < text.Length && (text[i] | 0x20) == 'e')
        {
            // strtold takes the exponent only when digits follow; otherwise the text goes on past the number.
            if (!TryParseExponent(text[(i + 1)..], out exponent))
                return false;
            i = text.Length;
        }
        if (i != text.Length)
            return false;
        if (digits.Length == 0)
        {
            value = new LongDouble(negative, 0, 0, infinity: false);
            return true;
        }

        // Leading zeros went; the value is digits × 10^(exponent + pointShift), decimal point after the last digit.
        var scale = exponent + pointShift;
        var magnitude = digits.Length + scale; // the value is below 10^magnitude and at least 10^(magnitude-1)
        if (magnitude > 4933)
            return false; // above the largest long double (1.19e4932): a range error
        if (magnitude < -4951)
            return false; // below half the smallest subnormal (3.65e-4951): rounds to zero, a range error
        var mantissa = BigInteger.Parse(digits.ToString(), NumberStyles.None, CultureInfo.InvariantCulture);
        LongDouble rounded;
        if (scale >= 0)
        {
            rounded = Round(negative, mantissa * BigInteger.Pow(10, (int)scale), 0);
        }
        else
        {
            var divisor = BigInteger.Pow(10, (int)-scale);
            // Enough quotient bits that the sticky bit below them cannot change the rounding.
            var shift = (int)Math.Max(0, divisor.GetBitLength() - mantissa.GetBitLength() + Precision + 3);
            var quotient = BigInteger.DivRem(mantissa << shift, divisor, out var remainder);
            rounded = Round(negative, (quotient << 1) | (remainder.IsZero ? 0 : 1), -shift - 1);
        }
        value = rounded;
        return !rounded.IsInfinity && !rounded.IsZero;
    }

    /// <summary>Hex digits with an optional point and an optional binary exponent ("p"); at least one digit.</summary>
    private static bool TryParseHex(bool negative, ReadOnlySpan<byte> text, out LongDouble value)
    {
        value = default;
        var mantissa = BigInteger.Zero;
        var i = 0;
        var sawDigit = false;
        long pointShift = 0;
        for (; i < text.Length && HexValue(text[i]) >= 0; i++)
        {
            sawDigit = true;
            mantissa = (mantissa << 4) | HexValue(text[i]);
        }
        if (i < text.Length && text[i] == '.')
        {
            for (i++; i < text.Length && HexValue(text[i]) >= 0; i++)
            {
                sawDigit = true;
                mantissa = (mantissa << 4) | HexValue(text[i]);
                pointShift -= 4;
            }
        }
        if (!sawDigit)
            return false;
        long exponent = 0;
        if (i < text.Length && (text[i] | 0x20) == 'p')
        {
            if (!TryParseExponent(text[(i + 1)..], out exponent))
                return false;
            i = text.Length;
        }
        if (i != text.Length)
            return false;
        if (mantissa.IsZero)
        {
            value = new LongDouble(negative, 0, 0, infinity: false);
            return true;
        }
        var scale = exponent + pointShift;
        var top = scale + (long)mantissa.GetBitLength() - 1;
        if (top > MaxTopExponent)
            return false;
        if (top < MinExponent - 1)
            return false;
        value = Round(negative, mantissa, (int)scale);
        return !value.IsInfinity && !value.IsZero;
    }

    /// <summary>An optionally signed run of decimal digits that is the whole text, saturating far beyond any exponent that matters.</summary>
    private static bool TryParseExponent(ReadOnlySpan<byte> text, out long exponent)
    {
        exponent = 0;
        var negative = false;
        if (!text.IsEmpty && text[0] is (byte)'+' or (byte)'-')
        {
            negative = text[0] == '-';
            text = text[1..];
        }
        if (text.IsEmpty)
            return false;
        foreach (var b in text)
        {
            if (!IsDigit(b))
                return false;
            exponent = Math.Min(exponent * 10 + (b - '0'), 1_000_000_000);
        }
        if (negative)
            exponent = -exponent;
        return true;
    }

    /// <summary>
    /// <paramref name="magnitude"/> × 2^<paramref name="exponent"/> rounded to the nearest long double
    /// (ties to even): 64 bits, or fewer among the subnormals; infinity above the range, zero below it.
    /// </summary>
    private static LongDouble Round(bool negative, BigInteger magnitude, int exponent)
    {
        if (magnitude.IsZero)
            return new LongDouble(negative, 0, 0, infinity: false);
        var top = exponent + (long)magnitude.GetBitLength() - 1;
        var last = Math.Max(top - Precision + 1, MinExponent);
        BigInteger kept;
        if (last <= exponent)
        {
            kept = magnitude << (int)(exponent - last);
        }
        else
        {
            var shift = (int)(last - exponent);
            kept = magnitude >> shift;
            var remainder = magnitude - (kept << shift);
            var half = BigInteger.One << (shift - 1);
            if (remainder > half || (remainder == half && !kept.IsEven))
                kept += 1;
            // Rounding up may carry into a 65th bit.
            if (kept.GetBitLength() > Precision)
            {
                kept >>= 1;
                last++;
            }
        }
        if (kept.IsZero)
            return new LongDouble(negative, 0, 0, infinity: false);
        if (last + (long)kept.GetBitLength() - 1 > MaxTopExponent)
            return new LongDouble(negative, 0, 0, infinity: true);
        return new LongDouble(negative, (ulong)kept, (int)last, infinity: false);
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
