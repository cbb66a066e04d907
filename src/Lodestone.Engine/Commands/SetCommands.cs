using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// The set commands (Redis's t_set.c). Values are <see cref="SetValue"/>s; a set whose last member is
/// removed is deleted, so an existing set key is never empty. Where KeyType is Set the executor has
/// checked every declared key; the commands whose keys it cannot tell apart (a destination that is
/// overwritten whatever its type, SINTERCARD's numkeys) check their sources themselves, as Redis does.
/// Replies that are sets in Redis (SMEMBERS, SPOP with a count, the algebra) are set replies; the
/// order of members is the hash table's, as in Redis.
/// </summary>
internal static class SetCommands
{
    private const string Group = "set";

    /// <summary>SPOP's effect is logged as SREMs of at most this many members each, as Redis batches them.</summary>
    private const int PropagationBatch = 1024;

    /// <summary>
    /// The most members one SRANDMEMBER with a negative count may return (with repeats). Differs from
    /// Redis, which accepts any count down to -LONG_MAX: a reply is built whole here, and one request
    /// must not be able to exhaust the engine's memory.
    /// </summary>
    private const long MaxRandomRepeats = 1L << 24;

    private static readonly byte[] SRemName = "SREM"u8.ToArray();

    // ---- Members ----------------------------------------------------------------------------

    /// <summary>SADD key member [member ...]</summary>
    [Command("SADD", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Set,
        Syntax = "SADD key member [member ...]", Summary = "Adds one or more members to a set. Creates the key if it doesn't exist.",
        Complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", Group = Group, Since = "1.0.0")]
    public static Reply SAdd(CommandContext ctx)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var set = (SetValue?)entry?.Value ?? new SetValue();
        var added = 0;
        for (var i = 2; i < ctx.ArgCount; i++)
        {
            if (set.Add(ctx.Args[i]))
                added++;
        }
        // Nothing new: no write, so the version (ETag) stays.
        if (added == 0)
            return Reply.Zero;
        if (entry is null)
            ctx.Keyspace.Add(ctx.Args[1], RedisType.Set, set, ctx.Access);
        else
            ctx.Keyspace.Touch(entry);
        ctx.MarkDirty(added);
        return Reply.Integer(added);
    }

    /// <summary>SREM key member [member ...]</summary>
    [Command("SREM", -3, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Set,
        Syntax = "SREM key member [member ...]", Summary = "Removes one or more members from a set. Deletes the set if the last member was removed.",
        Complexity = "O(N) where N is the number of members to be removed.", Group = Group, Since = "1.0.0")]
    public static Reply SRem(CommandContext ctx)
    {
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } entry)
            return Reply.Zero;
        var set = (SetValue)entry.Value;
        var removed = 0;
        for (var i = 2; i < ctx.ArgCount && set.Count > 0; i++)
        {
            if (set.Remove(ctx.Arg(i)))
                removed++;
        }
        if (removed > 0)
            ctx.ChangedInPlace(entry, removed);
        return Reply.Integer(removed);
    }

    /// <summary>SMEMBERS key</summary>
    [Command("SMEMBERS", 2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.Set,
        Syntax = "SMEMBERS key", Summary = "Returns all members of a set.",
        Complexity = "O(N) where N is the set cardinality.", Group = Group, Since = "1.0.0")]
    public static Reply SMembers(CommandContext ctx) =>
        ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value is SetValue set ? SetReply(set.Members(), set.Count) : Reply.Set([]);

    /// <summary>SISMEMBER key member</summary>
    [Command("SISMEMBER", 3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Set,
        Syntax = "SISMEMBER key member", Summary = "Determines whether a member belongs to a set.",
        Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply SIsMember(CommandContext ctx) =>
        Reply.Integer(ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value is SetValue set && set.Contains(ctx.Arg(2)) ? 1 : 0);

    /// <summary>SMISMEMBER key member [member ...]</summary>
    [Command("SMISMEMBER", -3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Set,
        Syntax = "SMISMEMBER key member [member ...]", Summary = "Determines whether multiple members belong to a set.",
        Complexity = "O(N) where N is the number of elements being checked for membership", Group = Group, Since = "6.2.0")]
    public static Reply SMIsMember(CommandContext ctx)
    {
        var set = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value as SetValue;
        var answers = new Reply[ctx.ArgCount - 2];
        for (var i = 0; i < answers.Length; i++)
            answers[i] = Reply.Integer(set is not null && set.Contains(ctx.Arg(i + 2)) ? 1 : 0);
        return Reply.Array(answers);
    }

    /// <summary>SCARD key</summary>
    [Command("SCARD", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Set,
        Syntax = "SCARD key", Summary = "Returns the number of members in a set.",
        Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply SCard(CommandContext ctx) =>
        Reply.Integer(ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value is SetValue set ? set.Count : 0);

    /// <summary>SMOVE source destination member</summary>
    /// <remarks>
    /// O(1). As in Redis, a missing source answers 0 before the destination's type is looked at, so
    /// the types are checked here rather than by the executor.
    /// </remarks>
    [Command("SMOVE", 4, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 2,
        Syntax = "SMOVE source destination member", Summary = "Moves a member from one set to another.",
        Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply SMove(CommandContext ctx)
    {
        var source = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var destination = ctx.Keyspace.Lookup(ctx.Arg(2), ctx.Access);
        if (source is null)
            return Reply.Zero;
        if (source.Type != RedisType.Set || (destination is not null && destination.Type != RedisType.Set))
            return Errors.WrongType;

        var from = (SetValue)source.Value;
        var member = ctx.Args[3];
        // Moving within one set changes nothing; the reply still says whether the member is there.
        if (source == destination)
            return Reply.Integer(from.Contains(member) ? 1 : 0);
        if (!from.Remove(member))
            return Reply.Zero;
        ctx.ChangedInPlace(source, 1);

        if (destination is null)
        {
            var to = new SetValue();
            to.Add(member);
            ctx.Keyspace.Add(ctx.Args[2], RedisType.Set, to, ctx.Access);
        }
        else if (((SetValue)destination.Value).Add(member))
        {
            ctx.Keyspace.Touch(destination);
        }
        return Reply.One;
    }

    // ---- Random members ---------------------------------------------------------------------

    /// <summary>SPOP key [count]</summary>
    /// <remarks>
    /// O(1) without a count, O(N) in the count with one. Logged as the SREM of the members it popped
    /// (in batches of 1024), so a replay removes the same members.
    /// </remarks>
    [Command("SPOP", -2, Flags = CommandFlags.Write | CommandFlags.Fast | CommandFlags.Random, FirstKey = 1, LastKey = 1, KeyType = RedisType.Set,
        Syntax = "SPOP key [count]", Summary = "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.",
        Complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", Group = Group, Since = "1.0.0")]
    public static Reply SPop(CommandContext ctx)
    {
        if (ctx.ArgCount > 3)
            return Errors.Syntax;
        long count = -1;
        if (ctx.ArgCount == 3 && (!ctx.TryInt64(2, out count) || count < 0))
            return Errors.MustBePositive;

        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null)
            return count < 0 ? Reply.Null : Reply.Set([]);
        if (count == 0)
            return Reply.Set([]);

        var set = (SetValue)entry.Value;
        var popped = new Reply[Math.Min(count < 0 ? 1 : count, set.Count)];
        var removed = new byte[popped.Length][];
        for (var i = 0; i < popped.Length; i++)
        {
            var member = set.Random(ctx.Random);
            set.Remove(member);
            removed[i] = member;
            popped[i] = Reply.Bulk(member);
        }
        ctx.ChangedInPlace(entry, popped.Length);
        foreach (var batch in removed.Chunk(PropagationBatch))
            ctx.Propagate([SRemName, entry.Key, .. batch]);
        return count < 0 ? popped[0] : Reply.Set(popped);
    }

    /// <summary>SRANDMEMBER key [count]</summary>
    /// <remarks>
    /// O(1) without a count, otherwise O(N) in the absolute value of the count. A positive count gives
    /// distinct members (the whole set when it is larger than the set); a negative one allows repeats.
    /// Differs from Redis: a negative count below -<see cref="MaxRandomRepeats"/> (16777216) is out of range.
    /// </remarks>
    [Command("SRANDMEMBER", -2, Flags = CommandFlags.ReadOnly | CommandFlags.Random, FirstKey = 1, LastKey = 1, KeyType = RedisType.Set,
        Syntax = "SRANDMEMBER key [count]", Summary = "Get one or multiple random members from a set",
        Complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", Group = Group, Since = "1.0.0")]
    public static Reply SRandMember(CommandContext ctx)
    {
        if (ctx.ArgCount > 3)
            return Errors.Syntax;
        var set = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value as SetValue;
        if (ctx.ArgCount == 2)
            return set is null ? Reply.Null : Reply.Bulk(set.Random(ctx.Random));

        if (!ctx.TryInt64(2, out var count))
            return Errors.NotInteger;
        if (count == long.MinValue)
            return Errors.ValueNotBetween(-long.MaxValue, long.MaxValue);
        if (count < -MaxRandomRepeats)
            return Errors.ValueNotBetween(-MaxRandomRepeats, long.MaxValue);
        if (set is null || count == 0)
            return Reply.EmptyArray;

        if (count < 0)
        {
            if (ctx.CheckReplySize(-count) is { } tooLarge)
                return tooLarge;
            var repeated = new Reply[-count];
            for (var i = 0; i < repeated.Length; i++)
                repeated[i] = Reply.Bulk(set.Random(ctx.Random));
            return Reply.Array(repeated);
        }
        if (count >= set.Count)
            return Reply.Array(set.Members().Select(Reply.Bulk).ToArray());
        return Reply.Array(DistinctSample(set, (int)count, ctx.Random).Select(Reply.Bulk).ToArray());
    }

    // ---- Algebra ----------------------------------------------------------------------------

    /// <summary>SINTER key [key ...]</summary>
    [Command("SINTER", -2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = -1, KeyType = RedisType.Set,
        Syntax = "SINTER key [key ...]", Summary = "Returns the intersect of multiple sets.",
        Complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", Group = Group, Since = "1.0.0")]
    public static Reply SInter(CommandContext ctx) => AlgebraGeneric(ctx, Operation.Inter, store: false);

    /// <summary>SUNION key [key ...]</summary>
    [Command("SUNION", -2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = -1, KeyType = RedisType.Set,
        Syntax = "SUNION key [key ...]", Summary = "Returns the union of multiple sets.",
        Complexity = "O(N) where N is the total number of elements in all given sets.", Group = Group, Since = "1.0.0")]
    public static Reply SUnion(CommandContext ctx) => AlgebraGeneric(ctx, Operation.Union, store: false);

    /// <summary>SDIFF key [key ...]</summary>
    [Command("SDIFF", -2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = -1, KeyType = RedisType.Set,
        Syntax = "SDIFF key [key ...]", Summary = "Returns the difference of multiple sets.",
        Complexity = "O(N) where N is the total number of elements in all given sets.", Group = Group, Since = "1.0.0")]
    public static Reply SDiff(CommandContext ctx) => AlgebraGeneric(ctx, Operation.Diff, store: false);

    /// <summary>SINTERSTORE destination key [key ...]</summary>
    /// <remarks>The destination is overwritten whatever its type (and loses its TTL); an empty result deletes it.</remarks>
    [Command("SINTERSTORE", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = -1,
        Syntax = "SINTERSTORE destination key [key ...]", Summary = "Stores the intersect of multiple sets in a key.",
        Complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", Group = Group, Since = "1.0.0")]
    public static Reply SInterStore(CommandContext ctx) => AlgebraGeneric(ctx, Operation.Inter, store: true);

    /// <summary>SUNIONSTORE destination key [key ...]</summary>
    /// <remarks>The destination is overwritten whatever its type (and loses its TTL); an empty result deletes it.</remarks>
    [Command("SUNIONSTORE", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = -1,
        Syntax = "SUNIONSTORE destination key [key ...]", Summary = "Stores the union of multiple sets in a key.",
        Complexity = "O(N) where N is the total number of elements in all given sets.", Group = Group, Since = "1.0.0")]
    public static Reply SUnionStore(CommandContext ctx) => AlgebraGeneric(ctx, Operation.Union, store: true);

    /// <summary>SDIFFSTORE destination key [key ...]</summary>
    /// <remarks>The destination is overwritten whatever its type (and loses its TTL); an empty result deletes it.</remarks>
    [Command("SDIFFSTORE", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = -1,
        Syntax = "SDIFFSTORE destination key [key ...]", Summary = "Stores the difference of multiple sets in a key.",
        Complexity = "O(N) where N is the total number of elements in all given sets.", Group = Group, Since = "1.0.0")]
    public static Reply SDiffStore(CommandContext ctx) => AlgebraGeneric(ctx, Operation.Diff, store: true);

    /// <summary>SINTERCARD numkeys key [key ...] [LIMIT limit]</summary>
    /// <remarks>
    /// O(N*M) worst case, stopping early at the limit. The keys are the numkeys arguments after
    /// numkeys (NumKeysIndex); the handler checks their types itself after the syntax, as Redis does.
    /// </remarks>
    [Command("SINTERCARD", -3, Flags = CommandFlags.ReadOnly, NumKeysIndex = 1,
        Syntax = "SINTERCARD numkeys key [key ...] [LIMIT limit]", Summary = "Returns the number of members of the intersect of multiple sets.",
        Complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", Group = Group, Since = "7.0.0")]
    public static Reply SInterCard(CommandContext ctx)
    {
        if (!ctx.TryInt64(1, out var numKeys) || numKeys < 1)
            return Errors.NumKeysNotPositive;
        if (numKeys > ctx.ArgCount - 2)
            return Errors.TooManyNumKeys;
        long limit = 0;
        for (var i = 2 + (int)numKeys; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "LIMIT") && i + 1 < ctx.ArgCount)
            {
                if (!ctx.TryInt64(++i, out limit) || limit < 0)
                    return Errors.NegativeLimit;
            }
            else
            {
                return Errors.Syntax;
            }
        }
        if (Sources(ctx, 2, (int)numKeys, out var sets) is { } wrongType)
            return wrongType;
        return Reply.Integer(Intersection(sets, limit).Count);
    }

    // ---- Iteration --------------------------------------------------------------------------

    /// <summary>SSCAN key cursor [MATCH pattern] [COUNT count]</summary>
    /// <remarks>
    /// O(1) per call, O(N) for a full iteration: every member present for the whole iteration is
    /// returned at least once, and a member may be returned more than once. As in Redis, a missing
    /// key answers an empty page before the options are read.
    /// </remarks>
    [Command("SSCAN", -3, Flags = CommandFlags.ReadOnly | CommandFlags.Random, FirstKey = 1, LastKey = 1, KeyType = RedisType.Set,
        Syntax = "SSCAN key cursor [MATCH pattern] [COUNT count]", Summary = "Iterates over members of a set.",
        Complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        Group = Group, Since = "2.8.0")]
    public static Reply SScan(CommandContext ctx)
    {
        if (!RedisNumbers.TryParseUInt64(ctx.Arg(2), out var cursor))
            return Errors.InvalidCursor;
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value is not SetValue set)
            return ScanPage(0, []);

        if (ScanOptions.Parse(ctx, 3, allowType: false, out var options) is { } invalid)
            return invalid;

        var found = new List<byte[]>();
        cursor = options.Walk(cursor, set.Scan, member => member, found, out _);
        return ScanPage(cursor, found);
    }

    // ---- Type API ---------------------------------------------------------------------------

    private enum Operation
    {
        Inter,
        Union,
        Diff,
    }

    /// <summary>Redis's sinterGenericCommand / sunionDiffGenericCommand: the sources' types first, then the result, replied or stored.</summary>
    private static Reply AlgebraGeneric(CommandContext ctx, Operation operation, bool store)
    {
        var first = store ? 2 : 1;
        if (Sources(ctx, first, ctx.ArgCount - first, out var sets) is { } wrongType)
            return wrongType;
        var result = operation switch
        {
            Operation.Inter => Intersection(sets, limit: 0),
            Operation.Union => Union(sets),
            _ => Difference(sets),
        };
        if (!store)
            return SetReply(result, result.Count);

        // Overwritten whatever it held, as SET does; an empty result leaves no key.
        ctx.MarkDirty();
        if (result.Count == 0)
        {
            ctx.Keyspace.Delete(ctx.Arg(1), ctx.Access);
            return Reply.Zero;
        }
        var stored = new SetValue();
        foreach (var member in result)
            stored.Add(member);
        ctx.Keyspace.Overwrite(ctx.Args[1], RedisType.Set, stored, ctx.Access);
        return Reply.Integer(stored.Count);
    }

    /// <summary>
    /// The sets at <paramref name="count"/> key arguments from <paramref name="first"/> (null for a
    /// missing key), or WRONGTYPE if any holds another type — every key is checked before any result.
    /// </summary>
    private static EngineError? Sources(CommandContext ctx, int first, int count, out SetValue?[] sets)
    {
        sets = new SetValue?[count];
        for (var i = 0; i < count; i++)
        {
            var entry = ctx.Keyspace.Lookup(ctx.Arg(first + i), ctx.Access);
            if (entry is not null && entry.Type != RedisType.Set)
                return Errors.WrongType;
            sets[i] = (SetValue?)entry?.Value;
        }
        return null;
    }

    /// <summary>
    /// The members of the smallest set found in every other one: O(N*M). A missing key is the empty
    /// set, so it empties the result. Stops at <paramref name="limit"/> members when it is above 0.
    /// </summary>
    private static List<byte[]> Intersection(SetValue?[] sets, long limit)
    {
        var result = new List<byte[]>();
        if (sets.Any(set => set is null))
            return result;
        var ordered = sets.Select(set => set!).OrderBy(set => set.Count).ToArray();
        foreach (var member in ordered[0].Members())
        {
            var everywhere = true;
            for (var i = 1; i < ordered.Length && everywhere; i++)
                everywhere = ordered[i].Contains(member);
            if (!everywhere)
                continue;
            result.Add(member);
            if (limit > 0 && result.Count >= limit)
                break;
        }
        return result;
    }

    private static List<byte[]> Union(SetValue?[] sets)
    {
        var union = new SetValue();
        foreach (var set in sets)
        {
            foreach (var member in set?.Members() ?? [])
                union.Add(member);
        }
        return [.. union.Members()];
    }

    /// <summary>
    /// The members of the first set in none of the others, with Redis's choice of algorithm: test each
    /// member of the first set against the others (|first| × sets) or copy the first and remove every
    /// other member (the total size), whichever is less work.
    /// </summary>
    private static List<byte[]> Difference(SetValue?[] sets)
    {
        if (sets[0] is not { } first)
            return [];
        var others = sets.Skip(1).Where(set => set is not null).Select(set => set!).ToArray();
        // The first key again: nothing is left.
        if (others.Any(set => ReferenceEquals(set, first)))
            return [];
        long testEach = (long)first.Count * (others.Length + 1) / 2;
        long removeAll = first.Count + others.Sum(set => (long)set.Count);
        if (testEach <= removeAll)
        {
            // Largest first: a member that is elsewhere is most likely found in the first look.
            var byLargest = others.OrderByDescending(set => set.Count).ToArray();
            return [.. first.Members().Where(member => !byLargest.Any(set => set.Contains(member)))];
        }

        var rest = (SetValue)first.DeepCopy();
        foreach (var set in others)
        {
            foreach (var member in set.Members())
                rest.Remove(member);
            if (rest.Count == 0)
                return [];
        }
        return [.. rest.Members()];
    }

    /// <summary>
    /// <paramref name="count"/> distinct random members of a set with more than that: by a partial
    /// shuffle of the members when count is over a third of the set (O(N), and N &lt; 3·count), else by
    /// sampling until enough distinct ones are found (O(count) expected) — Redis's cases 3 and 4.
    /// </summary>
    private static List<byte[]> DistinctSample(SetValue set, int count, Random random)
    {
        if ((long)count * 3 > set.Count)
        {
            var members = set.Members().ToArray();
            for (var i = 0; i < count; i++)
            {
                var pick = random.Next(i, members.Length);
                (members[i], members[pick]) = (members[pick], members[i]);
            }
            return [.. members.Take(count)];
        }
        var chosen = new HashSet<byte[]>(ByteArrayComparer.Instance);
        var result = new List<byte[]>(count);
        while (result.Count < count)
        {
            var member = set.Random(random);
            if (chosen.Add(member))
                result.Add(member);
        }
        return result;
    }

    private static Reply SetReply(IEnumerable<byte[]> members, int count)
    {
        var items = new Reply[count];
        var i = 0;
        foreach (var member in members)
            items[i++] = Reply.Bulk(member);
        return Reply.Set(items);
    }

    private static Reply ScanPage(ulong cursor, List<byte[]> members) =>
        Reply.Array([
            Reply.Bulk(cursor.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Reply.Array(members.Select(Reply.Bulk).ToArray()),
        ]);
}
