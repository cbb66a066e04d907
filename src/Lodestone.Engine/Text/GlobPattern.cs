namespace Lodestone.Engine.Text;

/// <summary>
/// Redis's glob-style matching (<c>stringmatchlen</c>) over bytes: <c>*</c>, <c>?</c>,
/// <c>[abc]</c>, <c>[^a-z]</c> and <c>\</c> escapes, used by KEYS, SCAN MATCH and later PSUBSCRIBE.
/// </summary>
/// <remarks>
/// Differs from Redis: bytes compare unsigned in ranges. Redis compares C chars, whose sign depends
/// on the platform: on x86 <c>[a-\xff]</c> is the range -1..97 and matches no letter after 'a'; on
/// ARM it behaves as here.
///
/// Cost: backtracking over '*' is bounded by Redis's <c>skipLongerMatches</c> — once the rest of the
/// pattern fails at every position of the rest of the text, no outer '*' retries — so a pattern such
/// as <c>*a*a*a*b</c> costs about (stars × text length) steps, not text length to the power of the
/// stars. Commands also refuse patterns over <see cref="MaxLength"/> bytes or <see cref="MaxStars"/>
/// stars (<see cref="Refusal"/>) — differs from Redis, which caps neither — so one call's work per
/// key stays small on the single engine thread.
/// </remarks>
public static class GlobPattern
{
    private const int MaxNesting = 1000;

    /// <summary>Longest pattern a command accepts, in bytes.</summary>
    public const int MaxLength = 1024;

    /// <summary>Most '*' a pattern a command accepts may hold (a run of stars counts once).</summary>
    public const int MaxStars = 16;

    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool ignoreCase = false)
    {
        long steps = 0;
        return IsMatch(pattern, text, ignoreCase, ref steps);
    }

    /// <summary>As <see cref="IsMatch(ReadOnlySpan{byte}, ReadOnlySpan{byte}, bool)"/>, adding the matcher's steps to <paramref name="steps"/> (for tests of its cost).</summary>
    internal static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool ignoreCase, ref long steps)
    {
        var skipLongerMatches = false;
        return Match(pattern, text, ignoreCase, ref skipLongerMatches, 0, ref steps);
    }

    /// <summary>Why a command refuses <paramref name="pattern"/> (too long, too many stars), or null when it is accepted.</summary>
    public static string? Refusal(ReadOnlySpan<byte> pattern)
    {
        if (pattern.Length > MaxLength)
            return $"it is {pattern.Length} bytes long; the limit is {MaxLength}";
        var stars = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == (byte)'\\')
                i++;
            else if (pattern[i] == (byte)'*' && (i == 0 || pattern[i - 1] != (byte)'*'))
                stars++;
        }
        return stars > MaxStars ? $"it has {stars} '*' wildcards; the limit is {MaxStars}" : null;
    }

    /// <summary>True for the pattern "*", which matches everything (callers skip matching then).</summary>
    public static bool MatchesAll(ReadOnlySpan<byte> pattern) => pattern.Length == 1 && pattern[0] == (byte)'*';

    private static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool ignoreCase, ref bool skipLongerMatches, int nesting, ref long steps)
    {
        // Protection against abusive patterns, as in Redis.
        if (nesting > MaxNesting)
            return false;

        int p = 0, t = 0;
        while (p < pattern.Length && t < text.Length)
        {
            steps++;
            switch (pattern[p])
            {
                case (byte)'*':
                    while (p + 1 < pattern.Length && pattern[p + 1] == (byte)'*')
                        p++;
                    if (p == pattern.Length - 1)
                        return true;
                    while (t < text.Length)
                    {
                        if (Match(pattern[(p + 1)..], text[t..], ignoreCase, ref skipLongerMatches, nesting + 1, ref steps))
                            return true;
                        // The rest of the pattern matches nowhere in the rest of the text, so an
                        // earlier '*' taking a longer prefix cannot help either.
                        if (skipLongerMatches)
                            return false;
                        steps++;
                        t++;
                    }
                    skipLongerMatches = true;
                    return false;

                case (byte)'?':
                    t++;
                    break;

                case (byte)'[':
                {
                    p++;
                    var negate = p < pattern.Length && pattern[p] == (byte)'^';
                    if (negate)
                        p++;
                    var matched = false;
                    while (true)
                    {
                        if (p >= pattern.Length)
                        {
                            // Unterminated class: the loop below steps past the end.
                            p--;
                            break;
                        }
                        if (pattern[p] == (byte)'\\' && pattern.Length - p >= 2)
                        {
                            p++;
                            if (pattern[p] == text[t])
                                matched = true;
                        }
                        else if (pattern[p] == (byte)']')
                        {
                            break;
                        }
                        else if (pattern.Length - p >= 3 && pattern[p + 1] == (byte)'-')
                        {
                            int start = pattern[p], end = pattern[p + 2], c = text[t];
                            if (start > end)
                                (start, end) = (end, start);
                            if (ignoreCase)
                            {
                                start = Lower(start);
                                end = Lower(end);
                                c = Lower(c);
                            }
                            p += 2;
                            if (c >= start && c <= end)
                                matched = true;
                        }
                        else if (Same(pattern[p], text[t], ignoreCase))
                        {
                            matched = true;
                        }
                        p++;
                    }
                    if (negate)
                        matched = !matched;
                    if (!matched)
                        return false;
                    t++;
                    break;
                }

                case (byte)'\\':
                    if (pattern.Length - p >= 2)
                        p++;
                    goto default;

                default:
                    if (!Same(pattern[p], text[t], ignoreCase))
                        return false;
                    t++;
                    break;
            }

            p++;
            if (t == text.Length)
            {
                while (p < pattern.Length && pattern[p] == (byte)'*')
                    p++;
                break;
            }
        }
        return p == pattern.Length && t == text.Length;
    }

    private static bool Same(byte a, byte b, bool ignoreCase) => ignoreCase ? Lower(a) == Lower(b) : a == b;

    private static int Lower(int c) => c is >= 'A' and <= 'Z' ? c + 32 : c;
}
