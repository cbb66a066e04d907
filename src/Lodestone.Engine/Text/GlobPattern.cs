namespace Lodestone.Engine.Text;

/// <summary>
/// Redis's glob-style matching (<c>stringmatchlen</c>) over bytes: <c>*</c>, <c>?</c>,
/// <c>[abc]</c>, <c>[^a-z]</c> and <c>\</c> escapes, used by KEYS, SCAN MATCH, API key patterns and
/// later PSUBSCRIBE. A pattern is compiled once (<see cref="Compile"/>) and matched against many texts.
/// </summary>
/// <remarks>
/// Design note. Redis matches by recursion over the pattern, retrying every '*' at every position of
/// the text (its <c>skipLongerMatches</c> stops the worst of the backtracking); that costs about
/// stars × text length per text — 80 million steps for a 5 MB key under a 16-star pattern, and one
/// SCAN over twenty such keys held the engine 0.4 s. Here the pattern is compiled into its segments:
/// the runs of one-byte tokens (a literal, <c>?</c>, a class) between the stars. The text must start
/// with the first segment and end with the last; each segment between is placed at its earliest
/// occurrence after the one before. Earliest placement is always safe — it leaves the most text for
/// what follows — so this accepts exactly the texts the recursion does, in about one pass over the
/// text: a literal segment is found with a vectorised search, others position by position.
///
/// Redis's quirks are kept, each a property of its tokens rather than of the recursion: an empty text
/// matches only the empty pattern (<c>*</c> does not match it; KEYS special-cases a lone <c>*</c>);
/// a class is read as Redis's loop reads it, so <c>[]]</c> is the empty class followed by <c>]</c> and
/// an unterminated class takes the rest of the pattern; an escape inside a class compares case-
/// sensitively even when matching ignores case; a trailing <c>\</c> is a literal backslash. The
/// class's verdict for each of the 256 bytes is computed once, by Redis's own class loop.
/// A test checks this matcher against a port of <c>stringmatchlen</c> over random patterns and texts.
///
/// Differs from Redis: bytes compare unsigned in ranges. Redis compares C chars, whose sign depends
/// on the platform: on x86 <c>[a-\xff]</c> is the range -1..97 and matches no letter after 'a'; on
/// ARM it behaves as here. Commands also refuse patterns over <see cref="MaxLength"/> bytes or
/// <see cref="MaxStars"/> stars (<see cref="Refusal"/>); Redis caps neither.
/// </remarks>
public sealed class GlobPattern
{
    /// <summary>Longest pattern a command accepts, in bytes.</summary>
    public const int MaxLength = 1024;

    /// <summary>Most '*' a pattern a command accepts may hold (a run of stars counts once).</summary>
    public const int MaxStars = 16;

    private readonly Segment[] _segments;
    private readonly bool _hasStar;
    private readonly bool _empty;

    private GlobPattern(Segment[] segments, bool hasStar, bool empty)
    {
        _segments = segments;
        _hasStar = hasStar;
        _empty = empty;
    }

    /// <summary>Compiles <paramref name="pattern"/> for matching (any pattern compiles; see <see cref="Refusal"/> for what commands accept).</summary>
    public static GlobPattern Compile(ReadOnlySpan<byte> pattern, bool ignoreCase = false)
    {
        var segments = new List<Segment>();
        var current = new List<Token>();
        var hasStar = false;
        for (var p = 0; p < pattern.Length; p++)
        {
            switch (pattern[p])
            {
                case (byte)'*':
                    hasStar = true;
                    segments.Add(new Segment([.. current]));
                    current.Clear();
                    while (p + 1 < pattern.Length && pattern[p + 1] == (byte)'*')
                        p++;
                    break;
                case (byte)'?':
                    current.Add(Token.Any);
                    break;
                case (byte)'[':
                    current.Add(Token.ForClass(ReadClass(pattern, ref p, ignoreCase)));
                    break;
                case (byte)'\\' when p + 1 < pattern.Length:
                    current.Add(Token.ForLiteral(pattern[++p], ignoreCase));
                    break;
                default:
                    current.Add(Token.ForLiteral(pattern[p], ignoreCase));
                    break;
            }
        }
        segments.Add(new Segment([.. current]));
        return new GlobPattern([.. segments], hasStar, pattern.IsEmpty);
    }

    /// <summary>Whether <paramref name="text"/> matches the glob <paramref name="pattern"/> (Redis's stringmatchlen: <c>*</c>, <c>?</c>, <c>[…]</c>, <c>\</c>).</summary>
    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool ignoreCase = false) =>
        Compile(pattern, ignoreCase).IsMatch(text);

    /// <summary>As <see cref="IsMatch(ReadOnlySpan{byte}, ReadOnlySpan{byte}, bool)"/>, adding the matcher's steps to <paramref name="steps"/> (for tests of its cost).</summary>
    internal static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool ignoreCase, ref long steps) =>
        Compile(pattern, ignoreCase).IsMatch(text, ref steps);

    /// <summary>Whether <paramref name="text"/> matches this pattern.</summary>
    public bool IsMatch(ReadOnlySpan<byte> text)
    {
        long steps = 0;
        return IsMatch(text, ref steps);
    }

    /// <summary>
    /// Whether <paramref name="text"/> matches this pattern, adding the work done to
    /// <paramref name="steps"/>: one per token compared, one per byte a search passed over.
    /// </summary>
    public bool IsMatch(ReadOnlySpan<byte> text, ref long steps)
    {
        // Redis's loop never runs on an empty text: only the empty pattern matches it.
        if (text.IsEmpty)
            return _empty;
        var first = _segments[0];
        if (!_hasStar)
            return text.Length == first.Length && first.MatchesAt(text, ref steps);

        var last = _segments[^1];
        if (first.Length + last.Length > text.Length)
            return false;
        if (!first.MatchesAt(text, ref steps) || !last.MatchesAt(text[^last.Length..], ref steps))
            return false;
        var position = first.Length;
        var end = text.Length - last.Length;
        for (var i = 1; i < _segments.Length - 1; i++)
        {
            var segment = _segments[i];
            var found = segment.Find(text[position..end], ref steps);
            if (found < 0)
                return false;
            position += found + segment.Length;
        }
        return true;
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

    /// <summary>
    /// Reads the class that starts at <paramref name="p"/> (its '[') as Redis's loop does, leaving
    /// <paramref name="p"/> on its last byte, and returns its verdict for every byte.
    /// </summary>
    private static bool[] ReadClass(ReadOnlySpan<byte> pattern, ref int p, bool ignoreCase)
    {
        var start = p;
        var verdicts = new bool[256];
        var end = start;
        for (var c = 0; c < 256; c++)
        {
            end = start;
            verdicts[c] = ClassMatches(pattern, ref end, (byte)c, ignoreCase);
        }
        p = end;
        return verdicts;
    }

    /// <summary>Redis's class loop for one byte of text: moves <paramref name="p"/> from the '[' to the class's last byte.</summary>
    private static bool ClassMatches(ReadOnlySpan<byte> pattern, ref int p, byte c, bool ignoreCase)
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
                // Unterminated class: it ends with the pattern.
                p--;
                break;
            }
            if (pattern[p] == (byte)'\\' && pattern.Length - p >= 2)
            {
                p++;
                if (pattern[p] == c)
                    matched = true;
            }
            else if (pattern[p] == (byte)']')
            {
                break;
            }
            else if (pattern.Length - p >= 3 && pattern[p + 1] == (byte)'-')
            {
                int low = pattern[p], high = pattern[p + 2], value = c;
                if (low > high)
                    (low, high) = (high, low);
                if (ignoreCase)
                {
                    low = Lower(low);
                    high = Lower(high);
                    value = Lower(value);
                }
                p += 2;
                if (value >= low && value <= high)
                    matched = true;
            }
            else if (ignoreCase ? Lower(pattern[p]) == Lower(c) : pattern[p] == c)
            {
                matched = true;
            }
            p++;
        }
        return negate ? !matched : matched;
    }

    private static int Lower(int c) => c is >= 'A' and <= 'Z' ? c + 32 : c;

    /// <summary>The one-byte tokens between two stars (or before the first, after the last).</summary>
    private sealed class Segment(Token[] tokens)
    {
        /// <summary>The bytes, when every token is a plain literal: then the segment is found with a vectorised search.</summary>
        private readonly byte[]? _literal = Array.TrueForAll(tokens, t => t.Literal is not null) ? [.. tokens.Select(t => t.Literal!.Value)] : null;

        /// <summary>Where the segment's literal tokens are (offset, byte), for choosing an anchor.</summary>
        private readonly (int Offset, byte Value)[] _literals =
            [.. tokens.Select((t, i) => (Offset: i, t.Literal)).Where(l => l.Literal is not null).Select(l => (l.Offset, l.Literal!.Value))];

        /// <summary>Below this many bytes the first literal anchors the search; above it, the rarest of a few is worth counting.</summary>
        private const int CountAbove = 4096;

        public int Length => tokens.Length;

        /// <summary>The literal token to search for: the first, or in a long text the one whose byte is rarest there (of the first few).</summary>
        private (int Offset, byte Value)? Anchor(ReadOnlySpan<byte> text, ref long steps)
        {
            if (_literals.Length == 0)
                return null;
            if (_literals.Length == 1 || text.Length < CountAbove)
                return _literals[0];
            var best = _literals[0];
            var fewest = long.MaxValue;
            foreach (var literal in _literals.DistinctBy(l => l.Value).Take(8))
            {
                var count = text.Count(literal.Value);
                steps += text.Length;
                if (count < fewest)
                    (best, fewest) = (literal, count);
            }
            return best;
        }

        /// <summary>Whether the segment matches the first bytes of <paramref name="text"/> (which holds at least <see cref="Length"/>).</summary>
        public bool MatchesAt(ReadOnlySpan<byte> text, ref long steps)
        {
            for (var i = 0; i < tokens.Length; i++)
            {
                steps++;
                if (!tokens[i].Matches(text[i]))
                    return false;
            }
            return true;
        }

        /// <summary>The earliest index at which the segment matches in <paramref name="text"/>, or -1.</summary>
        public int Find(ReadOnlySpan<byte> text, ref long steps)
        {
            var last = text.Length - tokens.Length;
            if (last < 0)
                return -1;
            if (_literal is not null)
            {
                var at = text.IndexOf(_literal);
                steps += (at < 0 ? text.Length : at) + _literal.Length;
                return at;
            }
            // A byte that must be one value: jump between its occurrences (vectorised). In a long text,
            // the literal whose byte is rarest there, so "*a?b*" over a text of 'a's costs one search.
            if (Anchor(text, ref steps) is { } anchor)
            {
                var (offset, value) = anchor;
                for (var start = 0; start <= last;)
                {
                    var next = text[(start + offset)..(last + 1 + offset)].IndexOf(value);
                    steps += next < 0 ? last + 1 - start : next + 1;
                    if (next < 0)
                        return -1;
                    start += next;
                    if (MatchesAt(text[start..], ref steps))
                        return start;
                    start++;
                }
                return -1;
            }
            for (var start = 0; start <= last; start++)
            {
                if (MatchesAt(text[start..], ref steps))
                    return start;
            }
            return -1;
        }
    }

    /// <summary>One token that matches exactly one byte: a literal (exact bytes only), any byte, or a class.</summary>
    private readonly struct Token
    {
        private readonly bool[]? _accepts;
        private readonly byte _literal;
        private readonly byte _kind;

        private Token(byte kind, byte literal, bool[]? accepts)
        {
            _kind = kind;
            _literal = literal;
            _accepts = accepts;
        }

        public static Token Any => new(1, 0, null);

        /// <summary>A literal byte; matching ignoring case, a letter becomes the class of both its cases.</summary>
        public static Token ForLiteral(byte value, bool ignoreCase)
        {
            if (!ignoreCase || value is not (>= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z'))
                return new(0, value, null);
            var accepts = new bool[256];
            accepts[Lower(value)] = true;
            accepts[Lower(value) - 32] = true;
            return new(2, 0, accepts);
        }

        public static Token ForClass(bool[] accepts) => new(2, 0, accepts);

        /// <summary>The one byte this token accepts, when it is a plain literal.</summary>
        public byte? Literal => _kind == 0 ? _literal : null;

        public bool Matches(byte b) => _kind switch
        {
            0 => b == _literal,
            1 => true,
            _ => _accepts![b],
        };
    }
}
