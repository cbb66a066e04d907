using System.Globalization;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>Sorted sets by range: counts, reads, stores and removals by rank, score or lex (Redis's zrangeGenericCommand family).</summary>
internal static partial class SortedSetCommands
{
    /// <summary>ZCOUNT key min max</summary>
    [Command("ZCOUNT", 4, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZCOUNT key min max", Summary = "Returns the count of members in a sorted set that have scores within a range.",
        Complexity = "O(log(N)) with N being the number of elements in the sorted set.", Group = Group, Since = "2.0.0")]
    public static Reply ZCount(CommandContext ctx)
    {
        if (!TryParseScoreRange(ctx.Arg(2), ctx.Arg(3), out var range))
            return Errors.MinMaxNotFloat;
        if (Find(ctx, 1) is not { } zset)
            return Reply.Zero;
        var (start, end) = zset.RanksOf(range);
        return Reply.Integer(Math.Max(0, end - start));
    }

    /// <summary>ZLEXCOUNT key min max</summary>
    [Command("ZLEXCOUNT", 4, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZLEXCOUNT key min max", Summary = "Returns the number of members in a sorted set within a lexicographical range.",
        Complexity = "O(log(N)) with N being the number of elements in the sorted set.", Group = Group, Since = "2.8.9")]
    public static Reply ZLexCount(CommandContext ctx)
    {
        if (!TryParseLexRange(ctx.Args[2], ctx.Args[3], out var range))
            return Errors.MinMaxNotLexRange;
        if (Find(ctx, 1) is not { } zset)
            return Reply.Zero;
        var (start, end) = zset.RanksOf(range);
        return Reply.Integer(Math.Max(0, end - start));
    }

    /// <summary>ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]</summary>
    /// <remarks>O(log N + M). LIMIT's offset is O(log N) here (a rank), not a walk as in Redis 7.0.</remarks>
    [Command("ZRANGE", -4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
        Summary = "Returns members in a sorted set within a range of indexes.",
        Complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", Group = Group, Since = "1.2.0")]
    public static Reply ZRange(CommandContext ctx) => RangeGeneric(ctx, RangeBy.Auto, reverse: null);

    /// <summary>ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]</summary>
    /// <remarks>O(log N + M). The destination is replaced whatever its type (and loses its TTL); an empty range deletes it.</remarks>
    [Command("ZRANGESTORE", -5, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 2,
        Syntax = "ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]",
        Summary = "Stores a range of members from sorted set in a key.",
        Complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
        Group = Group, Since = "6.2.0")]
    public static Reply ZRangeStore(CommandContext ctx) => RangeGeneric(ctx, RangeBy.Auto, reverse: null, store: true);

    /// <summary>ZREVRANGE key start stop [WITHSCORES]</summary>
    [Command("ZREVRANGE", -4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZREVRANGE key start stop [WITHSCORES]", Summary = "Returns members in a sorted set within a range of indexes in reverse order.",
        Complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", Group = Group, Since = "1.2.0")]
    public static Reply ZRevRange(CommandContext ctx) => RangeGeneric(ctx, RangeBy.Rank, reverse: true);

    /// <summary>ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]</summary>
    [Command("ZRANGEBYSCORE", -4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]", Summary = "Returns members in a sorted set within a range of scores.",
        Complexity = ByRangeComplexity, Group = Group, Since = "1.0.5")]
    public static Reply ZRangeByScore(CommandContext ctx) => RangeGeneric(ctx, RangeBy.Score, reverse: false);

    /// <summary>ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]</summary>
    [Command("ZREVRANGEBYSCORE", -4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]", Summary = "Returns members in a sorted set within a range of scores in reverse order.",
        Complexity = ByRangeComplexity, Group = Group, Since = "2.2.0")]
    public static Reply ZRevRangeByScore(CommandContext ctx) => RangeGeneric(ctx, RangeBy.Score, reverse: true);

    /// <summary>ZRANGEBYLEX key min max [LIMIT offset count]</summary>
    [Command("ZRANGEBYLEX", -4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZRANGEBYLEX key min max [LIMIT offset count]", Summary = "Returns members in a sorted set within a lexicographical range.",
        Complexity = ByRangeComplexity, Group = Group, Since = "2.8.9")]
    public static Reply ZRangeByLex(CommandContext ctx) => RangeGeneric(ctx, RangeBy.Lex, reverse: false);

    /// <summary>ZREVRANGEBYLEX key max min [LIMIT offset count]</summary>
    [Command("ZREVRANGEBYLEX", -4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZREVRANGEBYLEX key max min [LIMIT offset count]", Summary = "Returns members in a sorted set within a lexicographical range in reverse order.",
        Complexity = ByRangeComplexity, Group = Group, Since = "2.8.9")]
    public static Reply ZRevRangeByLex(CommandContext ctx) => RangeGeneric(ctx, RangeBy.Lex, reverse: true);

    /// <summary>ZREMRANGEBYRANK key start stop</summary>
    [Command("ZREMRANGEBYRANK", 4, Flags = CommandFlags.Write, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZREMRANGEBYRANK key start stop", Summary = "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.",
        Complexity = RemoveRangeComplexity, Group = Group, Since = "2.0.0")]
    public static Reply ZRemRangeByRank(CommandContext ctx)
    {
        if (!ctx.TryInt64(2, out var start) || !ctx.TryInt64(3, out var stop))
            return Errors.NotInteger;
        return RemoveRange(ctx, zset => RankWindow(zset.Count, start, stop) is { } window ? (window.First, window.Last + 1) : (0, 0));
    }

    /// <summary>ZREMRANGEBYSCORE key min max</summary>
    [Command("ZREMRANGEBYSCORE", 4, Flags = CommandFlags.Write, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZREMRANGEBYSCORE key min max", Summary = "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.",
        Complexity = RemoveRangeComplexity, Group = Group, Since = "1.2.0")]
    public static Reply ZRemRangeByScore(CommandContext ctx)
    {
        if (!TryParseScoreRange(ctx.Arg(2), ctx.Arg(3), out var range))
            return Errors.MinMaxNotFloat;
        return RemoveRange(ctx, zset => zset.RanksOf(range));
    }

    /// <summary>ZREMRANGEBYLEX key min max</summary>
    [Command("ZREMRANGEBYLEX", 4, Flags = CommandFlags.Write, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZREMRANGEBYLEX key min max", Summary = "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.",
        Complexity = RemoveRangeComplexity, Group = Group, Since = "2.8.9")]
    public static Reply ZRemRangeByLex(CommandContext ctx)
    {
        if (!TryParseLexRange(ctx.Args[2], ctx.Args[3], out var range))
            return Errors.MinMaxNotLexRange;
        return RemoveRange(ctx, zset => zset.RanksOf(range));
    }

    private const string ByRangeComplexity =
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).";

    private const string RemoveRangeComplexity =
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.";

    private enum RangeBy
    {
        Auto,
        Rank,
        Score,
        Lex,
    }

    /// <summary>
    /// Redis's zrangeGenericCommand, for every range read and ZRANGESTORE: options, then their
    /// conflicts, then the range (REV swaps a score or lex range's ends), then the key.
    /// </summary>
    /// <param name="by">Fixed by the command, or Auto for ZRANGE's BYSCORE/BYLEX options.</param>
    /// <param name="reverse">Fixed by the command, or null for ZRANGE's REV option.</param>
    private static Reply RangeGeneric(CommandContext ctx, RangeBy by, bool? reverse, bool store = false)
    {
        var keyIndex = store ? 2 : 1;
        bool withScores = false, rev = reverse ?? false;
        long offset = 0, limit = -1;
        var hasLimit = false;
        for (var i = keyIndex + 3; i < ctx.ArgCount; i++)
        {
            var left = ctx.ArgCount - i - 1;
            if (!store && ctx.ArgIs(i, "WITHSCORES"))
            {
                withScores = true;
            }
            else if (ctx.ArgIs(i, "LIMIT") && left >= 2)
            {
                if (!ctx.TryInt64(i + 1, out offset) || !ctx.TryInt64(i + 2, out limit))
                    return Errors.NotInteger;
                hasLimit = true;
                i += 2;
            }
            else if (reverse is null && !rev && ctx.ArgIs(i, "REV"))
            {
                rev = true;
            }
            else if (by == RangeBy.Auto && ctx.ArgIs(i, "BYLEX"))
            {
                by = RangeBy.Lex;
            }
            else if (by == RangeBy.Auto && ctx.ArgIs(i, "BYSCORE"))
            {
                by = RangeBy.Score;
            }
            else
            {
                return Errors.Syntax;
            }
        }
        if (by == RangeBy.Auto)
            by = RangeBy.Rank;
        // Redis tells an explicit "LIMIT 0 -1" from no LIMIT only by the -1; so do we.
        if (hasLimit && limit != -1 && by == RangeBy.Rank)
            return Errors.LimitNeedsByScoreOrLex;
        if (withScores && by == RangeBy.Lex)
            return Errors.WithScoresNotWithByLex;

        int minIndex = keyIndex + 1, maxIndex = keyIndex + 2;
        if (rev && by != RangeBy.Rank)
            (minIndex, maxIndex) = (maxIndex, minIndex);

        long start = 0, stop = 0;
        ScoreRange scores = default;
        LexRange lex = default;
        switch (by)
        {
            case RangeBy.Rank when !ctx.TryInt64(minIndex, out start) || !ctx.TryInt64(maxIndex, out stop):
                return Errors.NotInteger;
            case RangeBy.Score when !TryParseScoreRange(ctx.Arg(minIndex), ctx.Arg(maxIndex), out scores):
                return Errors.MinMaxNotFloat;
            case RangeBy.Lex when !TryParseLexRange(ctx.Args[minIndex], ctx.Args[maxIndex], out lex):
                return Errors.MinMaxNotLexRange;
        }

        var source = ctx.Keyspace.Lookup(ctx.Arg(keyIndex), ctx.Access);
        if (source is not null && source.Type != RedisType.ZSet)
            return Errors.WrongType;
        IEnumerable<ScoredMember> elements = source?.Value is not SortedSetValue zset ? [] : by switch
        {
            RangeBy.Rank => RankWindow(zset.Count, start, stop) is { } window
                ? zset.Range(rev ? zset.Count - 1 - window.First : window.First, window.Last - window.First + 1, rev)
                : [],
            RangeBy.Score => Window(zset, zset.RanksOf(scores), offset, limit, rev),
            _ => Window(zset, zset.RanksOf(lex, rev), offset, limit, rev),
        };
        return store ? Store(ctx, ctx.Args[1], elements) : Elements(elements, withScores);
    }

    /// <summary>
    /// Redis's rank normalisation: negative indexes count from the end; the window is clamped to the
    /// set, and null when empty. Returns 0-based inclusive ranks in the requested direction.
    /// </summary>
    private static (int First, int Last)? RankWindow(int length, long start, long stop)
    {
        if (start < 0)
            start += length;
        if (stop < 0)
            stop += length;
        if (start < 0)
            start = 0;
        if (start > stop || start >= length)
            return null;
        if (stop >= length)
            stop = length - 1;
        return ((int)start, (int)stop);
    }

    /// <summary>
    /// The elements of ascending ranks [Start, End) after LIMIT: <paramref name="offset"/> skipped from
    /// the starting end (a negative offset selects nothing, as in Redis), at most <paramref name="limit"/>
    /// (negative: no limit). O(log N + M): the offset is rank arithmetic, not a walk.
    /// </summary>
    private static IEnumerable<ScoredMember> Window(SortedSetValue zset, (int Start, int End) ranks, long offset, long limit, bool descending)
    {
        var available = (long)ranks.End - ranks.Start - offset;
        if (offset < 0 || available <= 0)
            return [];
        var count = (int)(limit < 0 ? available : Math.Min(available, limit));
        var first = descending ? ranks.End - 1 - (int)offset : ranks.Start + (int)offset;
        return zset.Range(first, count, descending);
    }

    /// <summary>Shared by the ZREMRANGEBY* commands: <paramref name="ranks"/> gives the ascending ranks [Start, End) to remove.</summary>
    private static Reply RemoveRange(CommandContext ctx, Func<SortedSetValue, (int Start, int End)> ranks)
    {
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } entry)
            return Reply.Zero;
        var zset = (SortedSetValue)entry.Value;
        var (start, end) = ranks(zset);
        var removed = zset.RemoveRange(start, end - 1);
        if (removed > 0)
            ctx.ChangedInPlace(entry, removed);
        return Reply.Integer(removed);
    }

    /// <summary>
    /// Stores <paramref name="elements"/> as a new sorted set at <paramref name="destination"/>,
    /// replacing whatever was there (and its TTL); nothing to store deletes it. Replies with the size.
    /// </summary>
    private static Reply Store(CommandContext ctx, byte[] destination, IEnumerable<ScoredMember> elements)
    {
        var result = new SortedSetValue();
        foreach (var (member, score) in elements)
            result.Set(member, score);
        return Store(ctx, destination, result);
    }

    private static Reply Store(CommandContext ctx, byte[] destination, SortedSetValue result)
    {
        if (result.Count == 0)
        {
            if (ctx.Keyspace.Delete(destination, ctx.Access))
                ctx.MarkDirty();
            return Reply.Zero;
        }
        ctx.Keyspace.Overwrite(destination, RedisType.ZSet, result, ctx.Access);
        ctx.MarkDirty();
        return Reply.Integer(result.Count);
    }

    /// <summary>Redis's zslParseRange: each end a float, exclusive with a leading <c>(</c>; NaN is refused.</summary>
    private static bool TryParseScoreRange(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out ScoreRange range)
    {
        range = default;
        if (!TryParseScoreBound(min, out var low, out var lowExclusive) || !TryParseScoreBound(max, out var high, out var highExclusive))
            return false;
        range = new ScoreRange(low, lowExclusive, high, highExclusive);
        return true;
    }

    /// <summary>
    /// One end of a score range, read as Redis reads it there — with a bare strtod, laxer than a
    /// score: leading spaces are skipped, an empty text is 0, overflow is ±inf, and the text ends at
    /// a NUL byte (a C string).
    /// </summary>
    private static bool TryParseScoreBound(ReadOnlySpan<byte> text, out double value, out bool exclusive)
    {
        value = 0;
        exclusive = !text.IsEmpty && text[0] == '(';
        if (exclusive)
            text = text[1..];
        var nul = text.IndexOf((byte)0);
        if (nul >= 0)
            text = text[..nul];
        if (text.IsEmpty)
            return true;
        var digits = text.TrimStart(" \t\n\v\f\r"u8);
        if (digits.IsEmpty)
            return false;
        if (RedisNumbers.TryParseDouble(digits, out value))
            return true;
        // strtod's overflow: a well-formed decimal beyond double's range is ±inf, not an error.
        Span<char> chars = digits.Length <= 256 ? stackalloc char[digits.Length] : new char[digits.Length];
        for (var i = 0; i < digits.Length; i++)
            chars[i] = (char)digits[i];
        return double.TryParse(chars, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out value) && double.IsInfinity(value);
    }

    /// <summary>Redis's zslParseLexRange: <c>-</c>, <c>+</c>, or a member after <c>[</c> (inclusive) or <c>(</c> (exclusive).</summary>
    private static bool TryParseLexRange(byte[] min, byte[] max, out LexRange range)
    {
        range = default;
        if (!TryParseLexBound(min, out var low) || !TryParseLexBound(max, out var high))
            return false;
        range = new LexRange(low, high);
        return true;
    }

    private static bool TryParseLexBound(byte[] text, out LexBound bound)
    {
        bound = default;
        if (text.Length == 0)
            return false;
        // Redis reads the text as a C string: "+" and "-" must end there (a NUL ends it too).
        var alone = text.Length == 1 || text[1] == 0;
        switch (text[0])
        {
            case (byte)'+' when alone:
                bound = LexBound.Maximum;
                return true;
            case (byte)'-' when alone:
                bound = LexBound.Minimum;
                return true;
            case (byte)'(':
                bound = new LexBound(text[1..], Exclusive: true, Infinity: 0);
                return true;
            case (byte)'[':
                bound = new LexBound(text[1..], Exclusive: false, Infinity: 0);
                return true;
            default:
                return false;
        }
    }
}
