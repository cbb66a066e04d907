using Lodestone.Engine.Text;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Redis's <c>stringmatchlen</c> as Redis writes it — recursion over the pattern with
/// <c>skipLongerMatches</c> — ported line by line: the oracle the compiled <see cref="GlobPattern"/>
/// is checked against (it was the engine's matcher until the compiled one replaced it).
/// </summary>
internal static class ReferenceGlob
{
    private const int MaxNesting = 1000;

    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool ignoreCase)
    {
        var skipLongerMatches = false;
        long steps = 0;
        return Match(pattern, text, ignoreCase, ref skipLongerMatches, 0, ref steps);
    }

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
