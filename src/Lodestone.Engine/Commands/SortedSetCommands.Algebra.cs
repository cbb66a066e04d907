using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>Union, intersection and difference of sorted sets (Redis's zunionInterDiffGenericCommand).</summary>
/// <remarks>
/// These commands name their keys after a numkeys argument (declared with NumKeysIndex), and check
/// their keys' types themselves, after numkeys and before the options, as Redis does. Inputs may be
/// sorted sets or plain sets (every member scoring 1), as in Redis.
/// </remarks>
internal static partial class SortedSetCommands
{
    /// <summary>ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE &lt;SUM | MIN | MAX&gt;] [WITHSCORES]</summary>
    [Command("ZUNION", -3, Flags = CommandFlags.ReadOnly, NumKeysIndex = 1,
        Syntax = "ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
        Summary = "Returns the union of multiple sorted sets.", Complexity = UnionComplexity, Group = Group, Since = "6.2.0")]
    public static Reply ZUnion(CommandContext ctx) => SetOperation(ctx, SetOp.Union, numKeysIndex: 1);

    /// <summary>ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE &lt;SUM | MIN | MAX&gt;] [WITHSCORES]</summary>
    [Command("ZINTER", -3, Flags = CommandFlags.ReadOnly, NumKeysIndex = 1,
        Syntax = "ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
        Summary = "Returns the intersect of multiple sorted sets.", Complexity = InterComplexity, Group = Group, Since = "6.2.0")]
    public static Reply ZInter(CommandContext ctx) => SetOperation(ctx, SetOp.Inter, numKeysIndex: 1);

    /// <summary>ZDIFF numkeys key [key ...] [WITHSCORES]</summary>
    [Command("ZDIFF", -3, Flags = CommandFlags.ReadOnly, NumKeysIndex = 1,
        Syntax = "ZDIFF numkeys key [key ...] [WITHSCORES]",
        Summary = "Returns the difference between multiple sorted sets.", Complexity = DiffComplexity, Group = Group, Since = "6.2.0")]
    public static Reply ZDiff(CommandContext ctx) => SetOperation(ctx, SetOp.Diff, numKeysIndex: 1);

    /// <summary>ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE &lt;SUM | MIN | MAX&gt;]</summary>
    [Command("ZUNIONSTORE", -4, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, NumKeysIndex = 2,
        Syntax = "ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]",
        Summary = "Stores the union of multiple sorted sets in a key.", Complexity = UnionComplexity, Group = Group, Since = "2.0.0")]
    public static Reply ZUnionStore(CommandContext ctx) => SetOperation(ctx, SetOp.Union, numKeysIndex: 2);

    /// <summary>ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE &lt;SUM | MIN | MAX&gt;]</summary>
    [Command("ZINTERSTORE", -4, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, NumKeysIndex = 2,
        Syntax = "ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]",
        Summary = "Stores the intersect of multiple sorted sets in a key.", Complexity = InterComplexity, Group = Group, Since = "2.0.0")]
    public static Reply ZInterStore(CommandContext ctx) => SetOperation(ctx, SetOp.Inter, numKeysIndex: 2);

    /// <summary>ZDIFFSTORE destination numkeys key [key ...]</summary>
    [Command("ZDIFFSTORE", -4, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, NumKeysIndex = 2,
        Syntax = "ZDIFFSTORE destination numkeys key [key ...]",
        Summary = "Stores the difference of multiple sorted sets in a key.", Complexity = DiffComplexity, Group = Group, Since = "6.2.0")]
    public static Reply ZDiffStore(CommandContext ctx) => SetOperation(ctx, SetOp.Diff, numKeysIndex: 2);

    /// <summary>ZINTERCARD numkeys key [key ...] [LIMIT limit]</summary>
    /// <remarks>Stops counting at LIMIT (0: no limit).</remarks>
    [Command("ZINTERCARD", -3, Flags = CommandFlags.ReadOnly, NumKeysIndex = 1,
        Syntax = "ZINTERCARD numkeys key [key ...] [LIMIT limit]",
        Summary = "Returns the number of members of the intersect of multiple sorted sets.",
        Complexity = "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.", Group = Group, Since = "7.0.0")]
    public static Reply ZInterCard(CommandContext ctx) => SetOperation(ctx, SetOp.Inter, numKeysIndex: 1, cardinalityOnly: true);

    private const string UnionComplexity =
        "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.";

    private const string InterComplexity =
        "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.";

    private const string DiffComplexity =
        "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.";

    private enum SetOp
    {
        Union,
        Inter,
        Diff,
    }

    private enum Aggregate
    {
        Sum,
        Min,
        Max,
    }

    /// <summary>One input: its members (null for a missing key) and its weight.</summary>
    /// <summary>One input of the algebra: a sorted set, a plain set (members scoring 1), or nothing (a missing key).</summary>
    private sealed record Source(SortedSetValue? Sorted, SetValue? Plain = null, double Weight = 1)
    {
        public int Count => Sorted?.Count ?? Plain?.Count ?? 0;

        public bool IsMissing => Sorted is null && Plain is null;

        public double Weight { get; set; } = Weight;

        public IEnumerable<ScoredMember> All() =>
            Sorted?.All() ?? Plain?.Members().Select(member => new ScoredMember(member, 1)) ?? [];

        public bool TryGetScore(byte[] member, out double score)
        {
            if (Sorted is not null)
                return Sorted.TryGetScore(member, out score);
            score = 1;
            return Plain?.Contains(member) == true;
        }
    }

    /// <summary>
    /// Redis's order of checks: numkeys, then every input key's type, then the options; then the
    /// result, which ZUNION/ZINTER/ZDIFF return, the STORE forms store and ZINTERCARD counts.
    /// </summary>
    private static Reply SetOperation(CommandContext ctx, SetOp op, int numKeysIndex, bool cardinalityOnly = false)
    {
        var store = numKeysIndex == 2;
        if (!ctx.TryInt64(numKeysIndex, out var numKeys))
            return Errors.NotInteger;
        if (numKeys < 1)
            return Errors.AtLeastOneInputKey(ctx.Spec.Name);
        if (numKeys > ctx.ArgCount - numKeysIndex - 1)
            return Errors.Syntax;

        var sources = new Source[numKeys];
        var j = numKeysIndex + 1;
        for (var i = 0; i < sources.Length; i++, j++)
        {
            if (ReadSource(ctx, ctx.Arg(j)) is not { } source)
                return Errors.WrongType;
            sources[i] = source;
        }

        var aggregate = Aggregate.Sum;
        var withScores = false;
        long limit = 0;
        while (j < ctx.ArgCount)
        {
            var remaining = ctx.ArgCount - j;
            if (op != SetOp.Diff && !cardinalityOnly && remaining >= sources.Length + 1 && ctx.ArgIs(j, "WEIGHTS"))
            {
                j++;
                foreach (var source in sources)
                {
                    if (!TryParseScore(ctx.Arg(j++), out var weight))
                        return Errors.WeightNotFloat;
                    source.Weight = weight;
                }
            }
            else if (op != SetOp.Diff && !cardinalityOnly && remaining >= 2 && ctx.ArgIs(j, "AGGREGATE"))
            {
                if (ctx.ArgIs(j + 1, "SUM"))
                    aggregate = Aggregate.Sum;
                else if (ctx.ArgIs(j + 1, "MIN"))
                    aggregate = Aggregate.Min;
                else if (ctx.ArgIs(j + 1, "MAX"))
                    aggregate = Aggregate.Max;
                else
                    return Errors.Syntax;
                j += 2;
            }
            else if (!store && !cardinalityOnly && ctx.ArgIs(j, "WITHSCORES"))
            {
                withScores = true;
                j++;
            }
            else if (cardinalityOnly && remaining >= 2 && ctx.ArgIs(j, "LIMIT"))
            {
                if (!ctx.TryInt64(j + 1, out limit) || limit < 0)
                    return Errors.NegativeLimit;
                j += 2;
            }
            else
            {
                return Errors.Syntax;
            }
        }

        if (cardinalityOnly)
            return Reply.Integer(IntersectionCount(sources, limit));
        // A result only replied keeps a -0 score, as Redis replies it; a stored one holds 0.
        var result = new SortedSetValue { KeepsNegativeZero = !store };
        switch (op)
        {
            case SetOp.Union:
                Union(sources, aggregate, result);
                break;
            case SetOp.Inter:
                Intersection(sources, aggregate, result);
                break;
            default:
                Difference(sources, result);
                break;
        }
        return store ? Store(ctx, ctx.Args[1], result) : Elements(result.All(), withScores);
    }

    /// <summary>An input of the algebra: a sorted set, a plain set, or an empty input for a missing key; null (WRONGTYPE) for any other type.</summary>
    private static Source? ReadSource(CommandContext ctx, ReadOnlySpan<byte> key) =>
        ctx.Keyspace.Lookup(key, ctx.Access) switch
        {
            null => new Source(null),
            { Value: SortedSetValue zset } => new Source(zset),
            { Value: SetValue set } => new Source(null, set),
            _ => null,
        };

    /// <summary>Every member of any input, its weighted scores combined. The inputs are visited smallest first, as in Redis.</summary>
    private static void Union(Source[] sources, Aggregate aggregate, SortedSetValue result)
    {
        var scores = new Dictionary<byte[], double>(ByteArrayComparer.Instance);
        foreach (var source in sources.OrderBy(s => s.Count))
        {
            foreach (var (member, score) in source.All())
            {
                var weighted = Weighted(score, source.Weight);
                scores[member] = scores.TryGetValue(member, out var sum) ? Combine(sum, weighted, aggregate) : weighted;
            }
        }
        foreach (var (member, score) in scores)
            result.Set(member, score);
    }

    /// <summary>The members of the smallest input that every other input has, their weighted scores combined.</summary>
    private static void Intersection(Source[] sources, Aggregate aggregate, SortedSetValue result) =>
        ForEachInAll(sources, aggregate, (member, score) =>
        {
            result.Set(member, score);
            return true;
        });

    /// <summary>How many members every input has, counting no further than <paramref name="limit"/> (0: all).</summary>
    private static long IntersectionCount(Source[] sources, long limit)
    {
        long count = 0;
        ForEachInAll(sources, Aggregate.Sum, (_, _) => ++count != limit);
        return count;
    }

    /// <summary>
    /// Calls <paramref name="found"/> for each member of the smallest input present in all the
    /// others, with its combined score, while it returns true.
    /// </summary>
    private static void ForEachInAll(Source[] sources, Aggregate aggregate, Func<byte[], double, bool> found)
    {
        var ordered = sources.OrderBy(s => s.Count).ToArray();
        // The smallest input decides: when it is empty (or missing) so is the intersection.
        if (ordered[0].Count == 0)
            return;
        foreach (var (member, score) in ordered[0].All())
        {
            var combined = Weighted(score, ordered[0].Weight);
            var inAll = true;
            for (var i = 1; i < ordered.Length && inAll; i++)
            {
                inAll = ordered[i].TryGetScore(member, out var other);
                if (inAll)
                    combined = Combine(combined, other * ordered[i].Weight, aggregate);
            }
            if (inAll && !found(member, combined))
                return;
        }
    }

    /// <summary>The members of the first input that no other input has, with their scores (no weights).</summary>
    private static void Difference(Source[] sources, SortedSetValue result)
    {
        if (sources[0].IsMissing)
            return;
        var others = sources.Skip(1).Where(s => !s.IsMissing).OrderBy(s => s.Count).ToArray();
        foreach (var (member, score) in sources[0].All())
        {
            if (!others.Any(other => other.TryGetScore(member, out _)))
                result.Set(member, score);
        }
    }

    /// <summary>A score times its input's weight; inf × 0 is NaN, which Redis makes 0.</summary>
    private static double Weighted(double score, double weight)
    {
        var weighted = score * weight;
        return double.IsNaN(weighted) ? 0 : weighted;
    }

    /// <summary>Redis's zunionInterAggregate: SUM (inf + -inf is 0, not NaN), MIN or MAX.</summary>
    private static double Combine(double current, double value, Aggregate aggregate) => aggregate switch
    {
        Aggregate.Sum => double.IsNaN(current + value) ? 0 : current + value,
        Aggregate.Min => value < current ? value : current,
        _ => value > current ? value : current,
    };
}
