using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Lodestone.Engine.Text;

/// <summary>
/// Number parsing and printing with Redis's rules, so that what Redis accepts as an integer or a
/// float (and what it refuses) is the same here.
/// </summary>
public static class RedisNumbers
{
    /// <summary>
    /// Redis's <c>string2ll</c>: optional '-', then digits with no leading zero (except "0" itself),
    /// no spaces, no '+', within the signed 64-bit range.
    /// </summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 20)
            return false;
        if (text.Length == 1 && text[0] == (byte)'0')
            return true;

        var negative = text[0] == (byte)'-';
        var digits = negative ? text[1..] : text;
        if (digits.IsEmpty || digits[0] < (byte)'1' || digits[0] > (byte)'9')
            return false;

        ulong magnitude = 0;
        foreach (var b in digits)
        {
            if (b < (byte)'0' || b > (byte)'9')
                return false;
            if (magnitude > (ulong.MaxValue - (ulong)(b - '0')) / 10)
                return false;
            magnitude = magnitude * 10 + (ulong)(b - '0');
        }

        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1)
                return false;
            value = unchecked(-(long)magnitude);
            return true;
        }
        if (magnitude > long.MaxValue)
            return false;
        value = (long)magnitude;
        return true;
    }

    /// <summary>Redis's <c>string2ull</c>, used for SCAN cursors: a non-negative integer up to 2^64-1.</summary>
    public static bool TryParseUInt64(ReadOnlySpan<byte> text, out ulong value)
    {
        if (TryParseInt64(text, out var signed))
        {
            value = (ulong)signed;
            return signed >= 0;
        }
        value = 0;
        if (text.IsEmpty)
            return false;
        foreach (var b in text)
        {
            if (b < (byte)'0' || b > (byte)'9')
                return false;
        }
        return Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
    }

    /// <summary>
    /// Redis's float parsing (<c>strtold</c> with its checks): the whole text must be the number, no
    /// leading space, at most 5119 characters; decimal and C hexadecimal ("0x1.8p3") forms and
    /// "inf"/"-inf"/"infinity" are accepted, NaN and out-of-range values are not.
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        // Redis copies the text, with a terminating NUL, into a buffer of MAX_LONG_DOUBLE_CHARS (5 KB).
        if (text.IsEmpty || text.Length >= 5 * 1024 || IsSpace(text[0]))
            return false;

        Span<char> chars = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            // A NUL ends the number for strtold, so Redis refuses "1\0"; .NET would ignore trailing NULs.
            if (text[i] is > 127 or 0)
                return false;
            chars[i] = (char)text[i];
        }

        if (TryParseInfinity(chars, out value))
            return true;
        if (IsHexFloat(chars))
            return TryParseHexFloat(chars, out value) && double.IsFinite(value);
        if (!double.TryParse(chars, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out value))
            return false;
        // .NET rounds overflow to infinity where strtold reports a range error.
        return double.IsFinite(value);
    }

    /// <summary>Writes <paramref name="value"/> in decimal into <paramref name="destination"/> (20 bytes suffice).</summary>
    public static int FormatInt64(long value, Span<byte> destination)
    {
        Utf8Formatter.TryFormat(value, destination, out var written);
        return written;
    }

    /// <summary>The decimal text of <paramref name="value"/>, as Redis writes integers.</summary>
    public static byte[] FormatInt64(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        return digits[..FormatInt64(value, digits)].ToArray();
    }

    /// <summary>
    /// A double as Redis 7.2+ replies it (its d2string): "inf", "-inf", "nan", "0" and "-0"; an
    /// integral value within ±2^62 as an integer ("10000000000000000" for 1e16); anything else as
    /// fpconv_dtoa writes it — the shortest digits that read back the same, plain when that is short
    /// (up to 7 zeros added to an integer, up to 6 after the point: "0.000015") and otherwise
    /// scientific with a signed exponent without leading zeros ("1e+21", "1e-7", "2.5e-7").
    /// </summary>
    /// <remarks>
    /// The digits are .NET's shortest round-trip digits; fpconv's Grisu2 finds the same except in
    /// rare cases where it yields one digit more (then both read back as the same double).
    /// </remarks>
    public static string FormatDouble(double value)
    {
        if (double.IsNaN(value))
            return "nan";
        if (double.IsInfinity(value))
            return value > 0 ? "inf" : "-inf";
        var negative = double.IsNegative(value);
        if (value == 0)
            return negative ? "-0" : "0";
        // Redis's double2ll: integral and within ±(LLONG_MAX / 2), which as a double is ±2^62.
        if (Math.Abs(value) <= 4611686018427387904.0 && Math.Truncate(value) == value)
            return ((long)value).ToString(CultureInfo.InvariantCulture);

        // Shortest round-trip text, then its digits and the power of ten of the last one (Grisu's K).
        var text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOfAny(['E', 'e']);
        var k = e < 0 ? 0 : int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = e < 0 ? text : text[..e];
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        if (point >= 0)
        {
            k -= mantissa.Length - point - 1;
            mantissa = mantissa.Remove(point, 1);
        }
        var digits = mantissa.TrimStart('0');
        var trimmed = digits.TrimEnd('0');
        k += digits.Length - trimmed.Length;
        digits = trimmed;

        var count = digits.Length;
        var exponent = Math.Abs(k + count - 1);
        var result = new StringBuilder(24);
        if (negative)
            result.Append('-');
        if (k >= 0 && exponent < count + 7)
            return result.Append(digits).Append('0', k).ToString();
        if (k < 0 && (k > -7 || exponent < 4))
        {
            var offset = count + k;
            if (offset <= 0)
                return result.Append("0.").Append('0', -offset).Append(digits).ToString();
            return result.Append(digits, 0, offset).Append('.').Append(digits, offset, count - offset).ToString();
        }
        result.Append(digits[0]);
        if (count > 1)
            result.Append('.').Append(digits, 1, count - 1);
        return result.Append('e').Append(k + count - 1 < 0 ? '-' : '+').Append(exponent.ToString(CultureInfo.InvariantCulture)).ToString();
    }

    private static bool TryParseInfinity(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        var sign = 1.0;
        if (text.Length > 0 && (text[0] == '+' || text[0] == '-'))
        {
            sign = text[0] == '-' ? -1 : 1;
            text = text[1..];
        }
        if (text.Equals("inf", StringComparison.OrdinalIgnoreCase) || text.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = sign * double.PositiveInfinity;
            return true;
        }
        return false;
    }

    private static bool IsHexFloat(ReadOnlySpan<char> text)
    {
        if (text.Length > 0 && text[0] is '+' or '-')
            text = text[1..];
        return text.Length >= 2 && text[0] == '0' && text[1] is 'x' or 'X';
    }

    /// <summary>
    /// C's hexadecimal float, which strtold accepts and .NET does not: [sign] 0x hex-digits
    /// [. hex-digits] [p [sign] decimal-digits], with at least one hex digit; the value is the hex
    /// mantissa times 2 to the power.
    /// </summary>
    private static bool TryParseHexFloat(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        var negative = text[0] == '-';
        if (text[0] is '+' or '-')
            text = text[1..];
        text = text[2..];

        ulong mantissa = 0;
        long exponent = 0;
        var digits = 0;
        var afterPoint = false;
        var i = 0;
        for (; i < text.Length; i++)
        {
            if (text[i] == '.' && !afterPoint)
            {
                afterPoint = true;
                continue;
            }
            var digit = HexDigit(text[i]);
            if (digit < 0)
                break;
            digits++;
            // 60 bits are more than a double's 53: further digits only move the binary point.
            if (mantissa < 1UL << 56)
            {
                mantissa = mantissa << 4 | (uint)digit;
                if (afterPoint)
                    exponent -= 4;
            }
            else if (!afterPoint)
            {
                exponent += 4;
            }
        }
        if (digits == 0)
            return false;

        if (i < text.Length)
        {
            if (text[i] is not ('p' or 'P'))
                return false;
            var power = text[(i + 1)..];
            var powerNegative = power.Length > 0 && power[0] == '-';
            if (power.Length > 0 && power[0] is '+' or '-')
                power = power[1..];
            if (power.IsEmpty)
                return false;
            long magnitude = 0;
            foreach (var c in power)
            {
                if (c is < '0' or > '9')
                    return false;
                // Far beyond any double exponent, the value is 0 or infinity already: stop growing.
                magnitude = Math.Min(magnitude * 10 + (c - '0'), 1_000_000);
            }
            exponent += powerNegative ? -magnitude : magnitude;
        }

        value = Math.ScaleB((double)mantissa, (int)Math.Clamp(exponent, -2_000_000, 2_000_000));
        if (negative)
            value = -value;
        return true;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';
}
