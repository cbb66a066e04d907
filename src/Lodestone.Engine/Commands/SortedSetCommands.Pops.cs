using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>Popping the lowest or highest members, blocking or not (Redis's genericZpopCommand family).</summary>
/// <remarks>
/// Every pop is logged as the ZPOPMIN/ZPOPMAX that happened (key and count), as Redis propagates
/// them: the multi-key and blocking forms would not replay to the same state on their own.
/// </remarks>
internal static partial class SortedSetCommands
{
    /// <summary>ZPOPMIN key [count]</summary>
    [Command("ZPOPMIN", -2, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZPOPMIN key [count]", Summary = "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
        Complexity = PopComplexity, Group = Group, Since = "5.0.0")]
    public static Reply ZPopMin(CommandContext ctx) => PopGeneric(ctx, highest: false);

    /// <summary>ZPOPMAX key [count]</summary>
    [Command("ZPOPMAX", -2, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "ZPOPMAX key [count]", Summary = "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
        Complexity = PopComplexity, Group = Group, Since = "5.0.0")]
    public static Reply ZPopMax(CommandContext ctx) => PopGeneric(ctx, highest: true);

    /// <summary>ZMPOP numkeys key [key ...] &lt;MIN | MAX&gt; [COUNT count]</summary>
    /// <remarks>
    /// Pops from the first non-empty key: [key, [[member, score], …]], or nil. Declares no key
    /// positions (they follow numkeys, which the command table cannot express; see BZMPOP).
    /// </remarks>
    [Command("ZMPOP", -4, Flags = CommandFlags.Write, NumKeysIndex = 1,
        Syntax = "ZMPOP numkeys key [key ...] <MIN | MAX> [COUNT count]",
        Summary = "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.",
        Complexity = MultiPopComplexity, Group = Group, Since = "7.0.0")]
    public static Reply ZMPop(CommandContext ctx)
    {
        if (ParseMultiPop(ctx, 1, out var keys, out var highest, out var count) is { } invalid)
            return invalid;
        return MultiPop(ctx, keys, highest, count) ?? Reply.Null;
    }

    /// <summary>BZPOPMIN key [key ...] timeout</summary>
    /// <remarks>O(log N). Logged as the ZPOPMIN that happened.</remarks>
    [Command("BZPOPMIN", -3, Flags = CommandFlags.Write | CommandFlags.Blocking | CommandFlags.Fast, FirstKey = 1, LastKey = -2, KeyType = RedisType.ZSet,
        Syntax = "BZPOPMIN key [key ...] timeout",
        Summary = "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
        Complexity = "O(log(N)) with N being the number of elements in the sorted set.", Group = Group, Since = "5.0.0")]
    public static Reply BZPopMin(CommandContext ctx) => BlockingPopGeneric(ctx, highest: false);

    /// <summary>BZPOPMAX key [key ...] timeout</summary>
    /// <remarks>O(log N). Logged as the ZPOPMAX that happened.</remarks>
    [Command("BZPOPMAX", -3, Flags = CommandFlags.Write | CommandFlags.Blocking | CommandFlags.Fast, FirstKey = 1, LastKey = -2, KeyType = RedisType.ZSet,
        Syntax = "BZPOPMAX key [key ...] timeout",
        Summary = "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise. Deletes the sorted set if the last element was popped.",
        Complexity = "O(log(N)) with N being the number of elements in the sorted set.", Group = Group, Since = "5.0.0")]
    public static Reply BZPopMax(CommandContext ctx) => BlockingPopGeneric(ctx, highest: true);

    /// <summary>BZMPOP timeout numkeys key [key ...] &lt;MIN | MAX&gt; [COUNT count]</summary>
    /// <remarks>
    /// As ZMPOP, waiting while every key is empty. The keys follow numkeys (NumKeysIndex).
    /// </remarks>
    [Command("BZMPOP", -5, Flags = CommandFlags.Write | CommandFlags.Blocking, NumKeysIndex = 2,
        Syntax = "BZMPOP timeout numkeys key [key ...] <MIN | MAX> [COUNT count]",
        Summary = "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
        Complexity = MultiPopComplexity, Group = Group, Since = "7.0.0")]
    public static Reply BZMPop(CommandContext ctx)
    {
        if (ListCommands.ParseTimeout(ctx, 1, out var timeout) is { } badTimeout)
            return badTimeout;
        if (ParseMultiPop(ctx, 2, out var keys, out var highest, out var count) is { } invalid)
            return invalid;
        return MultiPop(ctx, keys, highest, count) ?? ctx.Block(keys, timeout);
    }

    private const string PopComplexity =
        "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.";

    private const string MultiPopComplexity =
        "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.";

    /// <summary>ZPOPMIN/ZPOPMAX: [member, score, …] flat, an empty array when there is nothing.</summary>
    private static Reply PopGeneric(CommandContext ctx, bool highest)
    {
        // Redis 7.0 answers a third argument with a syntax error, not an arity error.
        if (ctx.ArgCount > 3)
            return Errors.Syntax;
        long count = 1;
        if (ctx.ArgCount == 3 && (!ctx.TryInt64(2, out count) || count < 0))
            return Errors.MustBePositive;
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } entry || count == 0)
            return Reply.EmptyArray;
        return Elements(Pop(ctx, entry, highest, count), withScores: true);
    }

    private static Reply BlockingPopGeneric(CommandContext ctx, bool highest)
    {
        if (ListCommands.ParseTimeout(ctx, ctx.ArgCount - 1, out var timeout) is { } invalid)
            return invalid;
        for (var i = 1; i < ctx.ArgCount - 1; i++)
        {
            if (ctx.Keyspace.Lookup(ctx.Arg(i), ctx.Access) is not { } entry)
                continue;
            var (member, score) = Pop(ctx, entry, highest, 1)[0];
            return Reply.Array([Reply.Bulk(entry.Key), Reply.Bulk(member), Reply.Double(score)]);
        }
        return ctx.Block(ctx.Args[1..^1], timeout);
    }

    /// <summary>Redis's zmpopGenericCommand parsing, from the numkeys argument on.</summary>
    private static EngineError? ParseMultiPop(CommandContext ctx, int numKeysIndex, out byte[][] keys, out bool highest, out long count)
    {
        keys = [];
        highest = false;
        count = 1;
        if (!ctx.TryInt64(numKeysIndex, out var numKeys) || numKeys < 1)
            return Errors.NumKeysNotPositive;
        // The MIN/MAX word must follow the keys (compared without forming an index that could overflow).
        if (numKeys >= ctx.ArgCount - numKeysIndex - 1)
            return Errors.Syntax;
        var whereIndex = numKeysIndex + (int)numKeys + 1;
        if (ctx.ArgIs(whereIndex, "MAX"))
            highest = true;
        else if (!ctx.ArgIs(whereIndex, "MIN"))
            return Errors.Syntax;

        var counted = false;
        for (var i = whereIndex + 1; i < ctx.ArgCount; i++)
        {
            if (!counted && ctx.ArgIs(i, "COUNT") && i + 1 < ctx.ArgCount)
            {
                if (!ctx.TryInt64(++i, out count) || count < 1)
                    return Errors.CountNotPositive;
                counted = true;
            }
            else
            {
                return Errors.Syntax;
            }
        }
        keys = ctx.Args[(numKeysIndex + 1)..whereIndex];
        return null;
    }

    /// <summary>Pops from the first existing key: [key, [[member, score], …]]; null when every key is empty. Keys are type-checked in order up to it.</summary>
    private static Reply? MultiPop(CommandContext ctx, byte[][] keys, bool highest, long count)
    {
        foreach (var key in keys)
        {
            if (ctx.Keyspace.Lookup(key, ctx.Access) is not { } entry)
                continue;
            if (entry.Type != RedisType.ZSet)
                return Errors.WrongType;
            var pairs = Pop(ctx, entry, highest, count)
                .Select(popped => Reply.Array([Reply.Bulk(popped.Member), Reply.Double(popped.Score)]))
                .ToArray();
            return Reply.Array([Reply.Bulk(entry.Key), Reply.Array(pairs)]);
        }
        return null;
    }

    /// <summary>
    /// Pops up to <paramref name="count"/> members from an existing sorted set, deleting the key when
    /// it empties, and logs the ZPOPMIN/ZPOPMAX key count that did it.
    /// </summary>
    private static List<ScoredMember> Pop(CommandContext ctx, Entry entry, bool highest, long count)
    {
        var zset = (SortedSetValue)entry.Value;
        var popped = new List<ScoredMember>((int)Math.Min(count, zset.Count));
        while (popped.Count < count && zset.Count > 0)
            popped.Add(zset.Pop(highest));
        ctx.ChangedInPlace(entry, popped.Count);
        ctx.Propagate(Effects.Argv(highest ? "ZPOPMAX" : "ZPOPMIN", entry.Key, (long)popped.Count));
        return popped;
    }
}
