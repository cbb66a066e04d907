using System.Globalization;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// The sorted set commands (Redis's t_zset.c). Values are <see cref="SortedSetValue"/>s; a sorted set
/// whose last member is removed is deleted, so an existing zset key is never empty. This file holds
/// the member commands and the parsing the family shares; ranges, pops and the set algebra are in
/// the other parts of this partial class.
/// </summary>
/// <remarks>
/// Replies have Redis's RESP2 shapes (what the command endpoint and Upstash clients expect):
/// WITHSCORES replies are flat <c>[member, score, member, score…]</c>. Scores are
/// <see cref="Reply.Double"/>s; the front ends print them.
/// </remarks>
internal static partial class SortedSetCommands
{
    private const string Group = "sorted-set";

    /// <summary>ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]</summary>
    /// <remarks>O(log N) per member. With INCR, the reply is the new score, or nil when NX/XX/GT/LT stopped it.</remarks>
    [Command("ZADD", -4, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
        Summary = "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.",
        Complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.", Group = Group, Since = "1.2.0")]
    public static Reply ZAdd(CommandContext ctx) => AddGeneric(ctx, ZAddFlags.None);

    /// <summary>ZINCRBY key increment member</summary>
    [Command("ZINCRBY", 4, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZINCRBY key increment member", Summary = "Increments the score of a member in a sorted set.",
        Complexity = "O(log(N)) where N is the number of elements in the sorted set.", Group = Group, Since = "1.2.0")]
    public static Reply ZIncrBy(CommandContext ctx) => AddGeneric(ctx, ZAddFlags.Incr);

    /// <summary>ZREM key member [member ...]</summary>
    [Command("ZREM", -3, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZREM key member [member ...]", Summary = "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.",
        Complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", Group = Group, Since = "1.2.0")]
    public static Reply ZRem(CommandContext ctx)
    {
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } entry)
            return Reply.Zero;
        var zset = (SortedSetValue)entry.Value;
        var removed = 0;
        for (var i = 2; i < ctx.ArgCount; i++)
        {
            if (zset.Remove(ctx.Arg(i)))
                removed++;
        }
        if (removed > 0)
            ctx.ChangedInPlace(entry, removed);
        return Reply.Integer(removed);
    }

    /// <summary>ZCARD key</summary>
    [Command("ZCARD", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZCARD key", Summary = "Returns the number of members in a sorted set.", Complexity = "O(1)", Group = Group, Since = "1.2.0")]
    public static Reply ZCard(CommandContext ctx) => Reply.Integer(Find(ctx, 1)?.Count ?? 0);

    /// <summary>ZSCORE key member</summary>
    [Command("ZSCORE", 3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZSCORE key member", Summary = "Returns the score of a member in a sorted set.", Complexity = "O(1)", Group = Group, Since = "1.2.0")]
    public static Reply ZScore(CommandContext ctx) =>
        Find(ctx, 1) is { } zset && zset.TryGetScore(ctx.Arg(2), out var score) ? Reply.Double(score) : Reply.Null;

    /// <summary>ZMSCORE key member [member ...]</summary>
    [Command("ZMSCORE", -3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZMSCORE key member [member ...]", Summary = "Returns the score of one or more members in a sorted set.",
        Complexity = "O(N) where N is the number of members being requested.", Group = Group, Since = "6.2.0")]
    public static Reply ZMScore(CommandContext ctx)
    {
        var zset = Find(ctx, 1);
        var scores = new Reply[ctx.ArgCount - 2];
        for (var i = 2; i < ctx.ArgCount; i++)
            scores[i - 2] = zset is not null && zset.TryGetScore(ctx.Arg(i), out var score) ? Reply.Double(score) : Reply.Null;
        return Reply.Array(scores);
    }

    /// <summary>ZRANK key member [WITHSCORE]</summary>
    /// <remarks>O(log N). WITHSCORE is Redis 7.2's: the reply is then [rank, score].</remarks>
    [Command("ZRANK", -3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZRANK key member [WITHSCORE]", Summary = "Returns the index of a member in a sorted set ordered by ascending scores.",
        Complexity = "O(log(N))", Group = Group, Since = "2.0.0")]
    public static Reply ZRank(CommandContext ctx) => RankGeneric(ctx, reverse: false);

    /// <summary>ZREVRANK key member [WITHSCORE]</summary>
    [Command("ZREVRANK", -3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZREVRANK key member [WITHSCORE]", Summary = "Returns the index of a member in a sorted set ordered by descending scores.",
        Complexity = "O(log(N))", Group = Group, Since = "2.0.0")]
    public static Reply ZRevRank(CommandContext ctx) => RankGeneric(ctx, reverse: true);

    /// <summary>ZRANDMEMBER key [count [WITHSCORES]]</summary>
    /// <remarks>
    /// O(N) in the members returned. A positive count gives distinct members, a negative one may
    /// repeat them. Differs from Redis: a negative count whose reply would hold more than
    /// <see cref="MaxRandomReply"/> items is refused as out of range, rather than building a reply
    /// that could exhaust the engine's memory (a positive count is bounded by the set's size).
    /// </remarks>
    [Command("ZRANDMEMBER", -2, Flags = CommandFlags.ReadOnly | CommandFlags.Random, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZRANDMEMBER key [count [WITHSCORES]]", Summary = "Returns one or more random members from a sorted set.",
        Complexity = "O(N) where N is the number of members returned", Group = Group, Since = "6.2.0")]
    public static Reply ZRandMember(CommandContext ctx)
    {
        if (ctx.ArgCount == 2)
            return Find(ctx, 1) is { } zset ? Reply.Bulk(zset.Random(ctx.Random).Member) : Reply.Null;

        if (!ctx.TryInt64(2, out var count))
            return Errors.NotInteger;
        if (count == long.MinValue)
            return Errors.ValueNotBetween(-long.MaxValue, long.MaxValue);
        if (ctx.ArgCount > 4 || (ctx.ArgCount == 4 && !ctx.ArgIs(3, "WITHSCORES")))
            return Errors.Syntax;
        var withScores = ctx.ArgCount == 4;
        if (withScores && (count < -long.MaxValue / 2 || count > long.MaxValue / 2))
            return Errors.ValueOutOfRange;
        return RandomMembers(ctx, count, withScores);
    }

    /// <summary>ZSCAN key cursor [MATCH pattern] [COUNT count]</summary>
    /// <remarks>
    /// O(1) per call, O(N) for a full iteration; every member present for the whole iteration is
    /// returned at least once. The reply is [cursor, [member, score, …]].
    /// </remarks>
    [Command("ZSCAN", -3, Flags = CommandFlags.ReadOnly | CommandFlags.Random, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZSCAN key cursor [MATCH pattern] [COUNT count]", Summary = "Iterates over members and scores of a sorted set.",
        Complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        Group = Group, Since = "2.8.0")]
    public static Reply ZScan(CommandContext ctx)
    {
        if (!RedisNumbers.TryParseUInt64(ctx.Arg(2), out var cursor))
            return Errors.InvalidCursor;
        // As Redis: a missing key is an empty, finished scan, whatever the options say.
        if (Find(ctx, 1) is not { } zset)
            return Reply.Array([Reply.Bulk("0"u8.ToArray()), Reply.EmptyArray]);

        if (ScanOptions.Parse(ctx, 3, allowType: false, out var options) is { } invalid)
            return invalid;

        var found = new List<ScoredMember>();
        // Bounded in buckets and matcher steps, so neither a sparse table nor long members stall the engine.
        cursor = options.Walk(cursor, zset.Scan, element => element.Member, found, out _);

        var items = new List<Reply>(found.Count * 2);
        foreach (var (member, score) in found)
        {
            items.Add(Reply.Bulk(member));
            items.Add(Reply.Double(score));
        }
        return Reply.Array([Reply.Bulk(cursor.ToString(CultureInfo.InvariantCulture)), Reply.Array([.. items])]);
    }

    /// <summary>The most items a ZRANDMEMBER reply with repetitions may hold (2^24).</summary>
    public const int MaxRandomReply = 1 << 24;

    [Flags]
    internal enum ZAddFlags
    {
        None = 0,
        Incr = 1,
        Nx = 2,
        Xx = 4,
        Gt = 8,
        Lt = 16,
        Ch = 32,
    }

    /// <summary>Redis's zaddGenericCommand: options, then every score, then the changes (ZADD and ZINCRBY).</summary>
    private static Reply AddGeneric(CommandContext ctx, ZAddFlags flags)
    {
        var scoreIndex = 2;
        // ZINCRBY goes through the same option parser in Redis, so "ZINCRBY k nx m" is a syntax error there too.
        for (; scoreIndex < ctx.ArgCount; scoreIndex++)
        {
            var option = OptionFlag(ctx, scoreIndex);
            if (option == ZAddFlags.None)
                break;
            flags |= option;
        }
        var elements = ctx.ArgCount - scoreIndex;
        if (elements == 0 || elements % 2 != 0)
            return Errors.Syntax;
        elements /= 2;

        bool incr = flags.HasFlag(ZAddFlags.Incr), nx = flags.HasFlag(ZAddFlags.Nx), xx = flags.HasFlag(ZAddFlags.Xx);
        bool gt = flags.HasFlag(ZAddFlags.Gt), lt = flags.HasFlag(ZAddFlags.Lt);
        if (nx && xx)
            return Errors.ZAddXxAndNx;
        if ((gt && nx) || (lt && nx) || (gt && lt))
            return Errors.ZAddGtLtAndNx;
        if (incr && elements > 1)
            return Errors.ZAddIncrOnePair;

        var scores = new double[elements];
        for (var j = 0; j < elements; j++)
        {
            if (!TryParseScore(ctx.Arg(scoreIndex + j * 2), out scores[j]))
                return Errors.NotFloat;
        }
        return AddScored(ctx, scores, scoreIndex + 1, 2, flags);
    }

    /// <summary>
    /// ZADD's changes once every score is known: member <c>j</c> (of <paramref name="scores"/>) is
    /// argument <paramref name="firstMember"/> + j·<paramref name="stride"/> (ZADD's pairs, GEOADD's triples).
    /// </summary>
    internal static Reply AddScored(CommandContext ctx, double[] scores, int firstMember, int stride, ZAddFlags flags)
    {
        bool incr = flags.HasFlag(ZAddFlags.Incr), nx = flags.HasFlag(ZAddFlags.Nx), xx = flags.HasFlag(ZAddFlags.Xx);
        bool gt = flags.HasFlag(ZAddFlags.Gt), lt = flags.HasFlag(ZAddFlags.Lt);
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null && xx)
            return incr ? Reply.Null : Reply.Zero;
        var zset = (SortedSetValue?)entry?.Value ?? new SortedSetValue();

        int added = 0, updated = 0, processed = 0;
        var newScore = 0.0;
        for (var j = 0; j < scores.Length; j++)
        {
            var member = ctx.Args[firstMember + (j * stride)];
            var score = scores[j];
            if (zset.TryGetScore(member, out var current))
            {
                if (nx)
                    continue;
                if (incr)
                {
                    score += current;
                    // Only INCR can make NaN (inf + -inf), and INCR has one element: nothing changed yet.
                    if (double.IsNaN(score))
                        return Errors.ScoreIsNaN;
                }
                if ((lt && score >= current) || (gt && score <= current))
                    continue;
                processed++;
                newScore = score;
                if (score != current)
                {
                    zset.Set(member, score);
                    updated++;
                }
            }
            else if (!xx)
            {
                zset.Set(member, score);
                added++;
                processed++;
                newScore = score;
            }
        }

        if (entry is null && added > 0)
            ctx.Keyspace.Add(ctx.Args[1], RedisType.ZSet, zset, ctx.Access);
        else if (entry is not null && added + updated > 0)
            ctx.Keyspace.Touch(entry);
        ctx.MarkDirty(added + updated);

        if (incr)
            return processed > 0 ? Reply.Double(newScore) : Reply.Null;
        return Reply.Integer(flags.HasFlag(ZAddFlags.Ch) ? added + updated : added);
    }

    private static ZAddFlags OptionFlag(CommandContext ctx, int index)
    {
        if (ctx.ArgIs(index, "NX"))
            return ZAddFlags.Nx;
        if (ctx.ArgIs(index, "XX"))
            return ZAddFlags.Xx;
        if (ctx.ArgIs(index, "CH"))
            return ZAddFlags.Ch;
        if (ctx.ArgIs(index, "INCR"))
            return ZAddFlags.Incr;
        if (ctx.ArgIs(index, "GT"))
            return ZAddFlags.Gt;
        return ctx.ArgIs(index, "LT") ? ZAddFlags.Lt : ZAddFlags.None;
    }

    private static Reply RankGeneric(CommandContext ctx, bool reverse)
    {
        if (ctx.ArgCount > 4)
            return Errors.WrongArity(ctx.Spec.Name);
        var withScore = ctx.ArgCount == 4;
        if (withScore && !ctx.ArgIs(3, "WITHSCORE"))
            return Errors.Syntax;
        var score = 0.0;
        var rank = Find(ctx, 1) is { } zset ? zset.RankOf(ctx.Arg(2), reverse, out score) : -1;
        if (rank < 0)
            return Reply.Null;
        return withScore ? Reply.Array([Reply.Integer(rank), Reply.Double(score)]) : Reply.Integer(rank);
    }

    /// <summary>Redis's zrandmemberWithCountCommand: repeats allowed for a negative count, distinct members otherwise.</summary>
    private static Reply RandomMembers(CommandContext ctx, long requested, bool withScores)
    {
        if (Find(ctx, 1) is not { } zset || requested == 0)
            return Reply.EmptyArray;
        var unique = requested > 0;
        var count = Math.Abs(requested);

        if (!unique || count == 1)
        {
            if (count > MaxRandomReply / (withScores ? 2 : 1))
                return Errors.ValueOutOfRange;
            if (ctx.CheckReplySize(count * (withScores ? 2 : 1)) is { } tooLarge)
                return tooLarge;
            var picks = new List<ScoredMember>((int)count);
            for (var i = 0; i < count; i++)
                picks.Add(zset.Random(ctx.Random));
            return Elements(picks, withScores);
        }
        // The whole set: no sampling needed.
        if (count >= zset.Count)
            return Elements(zset.All(), withScores);
        // Most of the set: drop random members until count are left (Redis's CASE 3).
        if (count * 3 > zset.Count)
        {
            var all = zset.All().ToList();
            while (all.Count > count)
            {
                var drop = ctx.Random.Next(all.Count);
                all[drop] = all[^1];
                all.RemoveAt(all.Count - 1);
            }
            return Elements(all, withScores);
        }
        // A small part: sample until count distinct members are found (Redis's CASE 4).
        var chosen = new HashSet<byte[]>(ByteArrayComparer.Instance);
        var sample = new List<ScoredMember>((int)count);
        while (sample.Count < count)
        {
            var pick = zset.Random(ctx.Random);
            if (chosen.Add(pick.Member))
                sample.Add(pick);
        }
        return Elements(sample, withScores);
    }

    /// <summary>The sorted set at argument <paramref name="index"/>, or null when missing (the type is already checked).</summary>
    private static SortedSetValue? Find(CommandContext ctx, int index) =>
        ctx.Keyspace.Lookup(ctx.Arg(index), ctx.Access)?.Value as SortedSetValue;

    /// <summary>Members, or flat member/score pairs with scores (RESP2's WITHSCORES shape).</summary>
    private static Reply Elements(IEnumerable<ScoredMember> elements, bool withScores)
    {
        var items = new List<Reply>();
        foreach (var (member, score) in elements)
        {
            items.Add(Reply.Bulk(member));
            if (withScores)
                items.Add(Reply.Double(score));
        }
        return Reply.Array([.. items]);
    }

    /// <summary>
    /// A score or weight as Redis's getDoubleFromObject reads it (strtod): the whole text, no leading
    /// space, no NaN, and neither overflow nor an underflow to zero. -0 reads as 0.
    /// </summary>
    private static bool TryParseScore(ReadOnlySpan<byte> text, out double score)
    {
        if (!RedisNumbers.TryParseDouble(text, out score))
            return false;
        if (score == 0 && HasNonZeroDigit(text))
            return false;
        score += 0.0;
        return true;
    }

    /// <summary>Whether the mantissa of a number's text has a digit other than 0 (so reading it as 0 was an underflow).</summary>
    private static bool HasNonZeroDigit(ReadOnlySpan<byte> text)
    {
        var i = text.Length > 0 && text[0] is (byte)'+' or (byte)'-' ? 1 : 0;
        var hex = text.Length - i >= 2 && text[i] == '0' && (text[i + 1] | 0x20) == 'x';
        if (hex)
            i += 2;
        for (; i < text.Length; i++)
        {
            var c = text[i] | 0x20;
            if (c == (hex ? 'p' : 'e'))
                return false;
            if (c is >= '1' and <= '9' || (hex && c is >= 'a' and <= 'f'))
                return true;
        }
        return false;
    }
}
