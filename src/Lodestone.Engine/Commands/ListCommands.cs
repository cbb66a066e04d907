using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// The list commands (Redis's t_list.c). Values are <see cref="ListValue"/>s; a list whose last
/// element is removed is deleted, so an existing list key is never empty. The executor has checked
/// that every declared key holds a list (or is missing) when KeyType is List; the moves and the
/// multi-key and blocking pops check types themselves, in Redis's order (a missing source is nil
/// whatever the destination holds; the first list with elements is popped whatever later keys hold).
/// </summary>
/// <remarks>
/// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) block on their source keys only and
/// are logged as the non-blocking command they turned into, so replay never waits.
/// </remarks>
internal static class ListCommands
{
    private const string Group = "list";

    private const string PushComplexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.";
    private const string MultiPopComplexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned.";

    /// <summary>LPUSH key element [element ...]</summary>
    [Command("LPUSH", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LPUSH key element [element ...]", Summary = "Prepends one or more elements to a list. Creates the key if it doesn't exist.",
        Complexity = PushComplexity, Group = Group, Since = "1.0.0")]
    public static Reply LPush(CommandContext ctx) => PushGeneric(ctx, head: true, onlyIfExists: false);

    /// <summary>RPUSH key element [element ...]</summary>
    [Command("RPUSH", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "RPUSH key element [element ...]", Summary = "Appends one or more elements to a list. Creates the key if it doesn't exist.",
        Complexity = PushComplexity, Group = Group, Since = "1.0.0")]
    public static Reply RPush(CommandContext ctx) => PushGeneric(ctx, head: false, onlyIfExists: false);

    /// <summary>LPUSHX key element [element ...]</summary>
    [Command("LPUSHX", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LPUSHX key element [element ...]", Summary = "Prepends one or more elements to a list only when the list exists.",
        Complexity = PushComplexity, Group = Group, Since = "2.2.0")]
    public static Reply LPushX(CommandContext ctx) => PushGeneric(ctx, head: true, onlyIfExists: true);

    /// <summary>RPUSHX key element [element ...]</summary>
    [Command("RPUSHX", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "RPUSHX key element [element ...]", Summary = "Appends an element to a list only when the list exists.",
        Complexity = PushComplexity, Group = Group, Since = "2.2.0")]
    public static Reply RPushX(CommandContext ctx) => PushGeneric(ctx, head: false, onlyIfExists: true);

    /// <summary>LPOP key [count]</summary>
    [Command("LPOP", -2, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LPOP key [count]", Summary = "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.",
        Complexity = "O(N) where N is the number of elements returned", Group = Group, Since = "1.0.0")]
    public static Reply LPop(CommandContext ctx) => PopGeneric(ctx, head: true);

    /// <summary>RPOP key [count]</summary>
    [Command("RPOP", -2, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "RPOP key [count]", Summary = "Returns and removes the last elements of a list. Deletes the list if the last element was popped.",
        Complexity = "O(N) where N is the number of elements returned", Group = Group, Since = "1.0.0")]
    public static Reply RPop(CommandContext ctx) => PopGeneric(ctx, head: false);

    /// <summary>LLEN key</summary>
    [Command("LLEN", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LLEN key", Summary = "Returns the length of a list.", Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply LLen(CommandContext ctx) => Reply.Integer(ListAt(ctx, 1)?.Count ?? 0);

    /// <summary>LRANGE key start stop</summary>
    /// <remarks>O(S+N) as in Redis, with S = 0 here: any index is reached in O(1).</remarks>
    [Command("LRANGE", 4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LRANGE key start stop", Summary = "Returns a range of elements from a list.",
        Complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
        Group = Group, Since = "1.0.0")]
    public static Reply LRange(CommandContext ctx)
    {
        if (!ctx.TryInt64(2, out var start) || !ctx.TryInt64(3, out var stop))
            return Errors.NotInteger;
        if (ListAt(ctx, 1) is not { } list || !ResolveRange(list.Count, start, stop, out var from, out var to))
            return Reply.EmptyArray;
        if (ctx.CheckReplySize(to - from + 1) is { } tooLarge)
            return tooLarge;
        var items = new Reply[to - from + 1];
        for (var i = 0; i < items.Length; i++)
            items[i] = Reply.Bulk(list[from + i]);
        return Reply.Array(items);
    }

    /// <summary>LINDEX key index</summary>
    /// <remarks>O(1) here (Redis documents O(N)): the list is an array deque.</remarks>
    [Command("LINDEX", 3, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LINDEX key index", Summary = "Returns an element from a list by its index.",
        Complexity = "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
        Group = Group, Since = "1.0.0")]
    public static Reply LIndex(CommandContext ctx)
    {
        // Redis looks the key up first: a missing key is nil even with an unparsable index.
        if (ListAt(ctx, 1) is not { } list)
            return Reply.Null;
        if (!ctx.TryInt64(2, out var index))
            return Errors.NotInteger;
        return TryResolveIndex(list, index, out var at) ? Reply.Bulk(list[at]) : Reply.Null;
    }

    /// <summary>LSET key index element</summary>
    /// <remarks>O(1) here (Redis documents O(N)).</remarks>
    [Command("LSET", 4, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LSET key index element", Summary = "Sets the value of an element in a list by its index.",
        Complexity = "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
        Group = Group, Since = "1.0.0")]
    public static Reply LSet(CommandContext ctx)
    {
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } entry)
            return Errors.NoSuchKey;
        if (!ctx.TryInt64(2, out var index))
            return Errors.NotInteger;
        var list = (ListValue)entry.Value;
        if (!TryResolveIndex(list, index, out var at))
            return Errors.IndexOutOfRange;
        list[at] = ctx.Args[3];
        ctx.Keyspace.Touch(entry);
        ctx.MarkDirty();
        return Reply.Ok;
    }

    /// <summary>LINSERT key BEFORE | AFTER pivot element</summary>
    /// <remarks>O(N) to find the pivot, then the shorter side of the list shifts by one.</remarks>
    [Command("LINSERT", 5, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LINSERT key <BEFORE | AFTER> pivot element", Summary = "Inserts an element before or after another element in a list.",
        Complexity = "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
        Group = Group, Since = "2.2.0")]
    public static Reply LInsert(CommandContext ctx)
    {
        bool after;
        if (ctx.ArgIs(2, "AFTER"))
            after = true;
        else if (ctx.ArgIs(2, "BEFORE"))
            after = false;
        else
            return Errors.Syntax;

        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } entry)
            return Reply.Zero;
        var list = (ListValue)entry.Value;
        var pivot = list.IndexOf(ctx.Arg(3));
        if (pivot < 0)
            return Reply.Integer(-1);
        list.Insert(after ? pivot + 1 : pivot, ctx.Args[4]);
        ctx.Keyspace.Touch(entry);
        ctx.MarkDirty();
        return Reply.Integer(list.Count);
    }

    /// <summary>LREM key count element</summary>
    /// <remarks>One pass over the list that closes gaps as it goes: O(N), whatever the number removed.</remarks>
    [Command("LREM", 4, Flags = CommandFlags.Write, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LREM key count element", Summary = "Removes elements from a list. Deletes the list if the last element was removed.",
        Complexity = "O(N+M) where N is the length of the list and M is the number of elements removed.", Group = Group, Since = "1.0.0")]
    public static Reply LRem(CommandContext ctx)
    {
        if (!ctx.TryInt64(2, out var count))
            return Errors.NotInteger;
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } entry)
            return Reply.Zero;
        var list = (ListValue)entry.Value;
        // count > 0: the first |count| from the head; < 0: from the tail; 0: all of them.
        var limit = count == 0 ? long.MaxValue : count == long.MinValue ? long.MaxValue : Math.Abs(count);
        var removed = list.RemoveMatches(ctx.Arg(3), limit, fromTail: count < 0);
        if (removed > 0)
            ctx.ChangedInPlace(entry, removed);
        return Reply.Integer(removed);
    }

    /// <summary>LTRIM key start stop</summary>
    [Command("LTRIM", 4, Flags = CommandFlags.Write, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LTRIM key start stop", Summary = "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
        Complexity = "O(N) where N is the number of elements to be removed by the operation.", Group = Group, Since = "1.0.0")]
    public static Reply LTrim(CommandContext ctx)
    {
        if (!ctx.TryInt64(2, out var start) || !ctx.TryInt64(3, out var stop))
            return Errors.NotInteger;
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } entry)
            return Reply.Ok;
        var list = (ListValue)entry.Value;
        var before = list.Count;
        if (!ResolveRange(list.Count, start, stop, out var from, out var to))
        {
            ctx.Keyspace.Delete(entry);
            ctx.MarkDirty(before);
            return Reply.Ok;
        }
        if (from == 0 && to == list.Count - 1)
            return Reply.Ok;
        list.Trim(from, to);
        ctx.ChangedInPlace(entry, before - list.Count);
        return Reply.Ok;
    }

    /// <summary>LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]</summary>
    /// <remarks>
    /// O(N), or O(MAXLEN). A RANK of -9223372036854775808 is refused as Redis 7.2 refuses it (7.0
    /// negates it and overflows).
    /// </remarks>
    [Command("LPOS", -3, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]", Summary = "Returns the index of matching elements in a list.",
        Complexity = "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
        Group = Group, Since = "6.0.6")]
    public static Reply LPos(CommandContext ctx)
    {
        long rank = 1, count = -1, maxLen = 0;
        for (var i = 3; i < ctx.ArgCount; i++)
        {
            var hasValue = i + 1 < ctx.ArgCount;
            if (ctx.ArgIs(i, "RANK") && hasValue)
            {
                if (!ctx.TryInt64(++i, out rank))
                    return Errors.NotInteger;
                if (rank == long.MinValue)
                    return Errors.RankOutOfRange;
                if (rank == 0)
                    return Errors.RankZero;
            }
            else if (ctx.ArgIs(i, "COUNT") && hasValue)
            {
                if (!ctx.TryInt64(++i, out count) || count < 0)
                    return Errors.CountNegative;
            }
            else if (ctx.ArgIs(i, "MAXLEN") && hasValue)
            {
                if (!ctx.TryInt64(++i, out maxLen) || maxLen < 0)
                    return Errors.MaxLenNegative;
            }
            else
            {
                return Errors.Syntax;
            }
        }

        var withCount = count >= 0;
        if (ListAt(ctx, 1) is not { } list)
            return withCount ? Reply.EmptyArray : Reply.Null;

        var element = ctx.Arg(2);
        var fromTail = rank < 0;
        var skip = Math.Abs(rank) - 1;
        var wanted = !withCount ? 1 : count == 0 ? long.MaxValue : count;
        var examine = maxLen == 0 ? list.Count : (int)Math.Min(maxLen, list.Count);
        var found = new List<Reply>();
        for (var step = 0; step < examine && found.Count < wanted; step++)
        {
            var index = fromTail ? list.Count - 1 - step : step;
            if (!element.SequenceEqual(list[index]))
                continue;
            if (skip > 0)
                skip--;
            else
                found.Add(Reply.Integer(index));
        }
        if (withCount)
            return Reply.Array([.. found]);
        return found.Count > 0 ? found[0] : Reply.Null;
    }

    /// <summary>RPOPLPUSH source destination</summary>
    [Command("RPOPLPUSH", 3, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 2,
        Syntax = "RPOPLPUSH source destination", Summary = "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.",
        Complexity = "O(1)", Group = Group, Since = "1.2.0")]
    public static Reply RPopLPush(CommandContext ctx) =>
        ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is { } source ? Move(ctx, source, fromHead: false, toHead: true) : Reply.Null;

    /// <summary>LMOVE source destination LEFT | RIGHT LEFT | RIGHT</summary>
    /// <remarks>O(1). A destination of another type is WRONGTYPE and nothing moves; a missing source is nil.</remarks>
    [Command("LMOVE", 5, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 2,
        Syntax = "LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>", Summary = "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.",
        Complexity = "O(1)", Group = Group, Since = "6.2.0")]
    public static Reply LMove(CommandContext ctx)
    {
        if (!TryEnd(ctx, 3, out var fromHead) || !TryEnd(ctx, 4, out var toHead))
            return Errors.Syntax;
        return ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is { } source ? Move(ctx, source, fromHead, toHead) : Reply.Null;
    }

    /// <summary>LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]</summary>
    /// <remarks>
    /// O(N+M). Its keys follow numkeys (NumKeysIndex); it checks their types itself, in Redis's
    /// order. Logged as the LPOP/RPOP it did.
    /// </remarks>
    [Command("LMPOP", -4, Flags = CommandFlags.Write, NumKeysIndex = 1,
        Syntax = "LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]", Summary = "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.",
        Complexity = MultiPopComplexity, Group = Group, Since = "7.0.0")]
    public static Reply LMPop(CommandContext ctx) => MultiPopGeneric(ctx, numKeysIndex: 1, blocking: false);

    /// <summary>BLPOP key [key ...] timeout</summary>
    /// <remarks>
    /// O(N) in the number of keys. Keys are tried in order, as Redis does: the first list with elements
    /// is popped even if a later key holds another type. Logged as the LPOP that happened.
    /// </remarks>
    [Command("BLPOP", -3, Flags = CommandFlags.Write | CommandFlags.Blocking, FirstKey = 1, LastKey = -2,
        Syntax = "BLPOP key [key ...] timeout", Summary = "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
        Complexity = "O(N) where N is the number of provided keys.", Group = Group, Since = "2.0.0")]
    public static Reply BLPop(CommandContext ctx) => BlockingPopGeneric(ctx, head: true);

    /// <summary>BRPOP key [key ...] timeout</summary>
    /// <remarks>O(N) in the number of keys, tried in order as BLPOP's are. Logged as the RPOP that happened.</remarks>
    [Command("BRPOP", -3, Flags = CommandFlags.Write | CommandFlags.Blocking, FirstKey = 1, LastKey = -2,
        Syntax = "BRPOP key [key ...] timeout", Summary = "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
        Complexity = "O(N) where N is the number of provided keys.", Group = Group, Since = "2.0.0")]
    public static Reply BRPop(CommandContext ctx) => BlockingPopGeneric(ctx, head: false);

    /// <summary>BRPOPLPUSH source destination timeout</summary>
    /// <remarks>O(1). Waits on the source only; logged as the RPOPLPUSH that happened.</remarks>
    [Command("BRPOPLPUSH", 4, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Blocking, FirstKey = 1, LastKey = 2,
        Syntax = "BRPOPLPUSH source destination timeout", Summary = "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
        Complexity = "O(1)", Group = Group, Since = "2.2.0")]
    public static Reply BRPopLPush(CommandContext ctx)
    {
        if (ParseTimeout(ctx, 3, out var timeout) is { } invalid)
            return invalid;
        return BlockingMove(ctx, fromHead: false, toHead: true, timeout, Effects.Argv("RPOPLPUSH", ctx.Args[1], ctx.Args[2]));
    }

    /// <summary>BLMOVE source destination LEFT | RIGHT LEFT | RIGHT timeout</summary>
    /// <remarks>O(1). Waits on the source only; logged as the LMOVE that happened.</remarks>
    [Command("BLMOVE", 6, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Blocking, FirstKey = 1, LastKey = 2,
        Syntax = "BLMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout", Summary = "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
        Complexity = "O(1)", Group = Group, Since = "6.2.0")]
    public static Reply BLMove(CommandContext ctx)
    {
        if (!TryEnd(ctx, 3, out var fromHead) || !TryEnd(ctx, 4, out var toHead))
            return Errors.Syntax;
        if (ParseTimeout(ctx, 5, out var timeout) is { } invalid)
            return invalid;
        var effect = Effects.Argv("LMOVE", ctx.Args[1], ctx.Args[2], fromHead ? "LEFT" : "RIGHT", toHead ? "LEFT" : "RIGHT");
        return BlockingMove(ctx, fromHead, toHead, timeout, effect);
    }

    /// <summary>BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]</summary>
    /// <remarks>O(N+M). Declares no keys, as LMPOP. Logged as the LPOP/RPOP that happened.</remarks>
    [Command("BLMPOP", -5, Flags = CommandFlags.Write | CommandFlags.Blocking, NumKeysIndex = 2,
        Syntax = "BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]", Summary = "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
        Complexity = MultiPopComplexity, Group = Group, Since = "7.0.0")]
    public static Reply BLMPop(CommandContext ctx) => MultiPopGeneric(ctx, numKeysIndex: 2, blocking: true);

    private static Reply PushGeneric(CommandContext ctx, bool head, bool onlyIfExists)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null && onlyIfExists)
            return Reply.Zero;
        var list = (ListValue?)entry?.Value ?? new ListValue();
        for (var i = 2; i < ctx.ArgCount; i++)
        {
            if (head)
                list.PushHead(ctx.Args[i]);
            else
                list.PushTail(ctx.Args[i]);
        }
        if (entry is null)
            ctx.Keyspace.Add(ctx.Args[1], RedisType.List, list, ctx.Access);
        else
            ctx.Keyspace.Touch(entry);
        ctx.MarkDirty(ctx.ArgCount - 2);
        return Reply.Integer(list.Count);
    }

    private static Reply PopGeneric(CommandContext ctx, bool head)
    {
        if (ctx.ArgCount > 3)
            return Errors.WrongArity(ctx.Spec.Name);
        long count = -1;
        if (ctx.ArgCount == 3 && (!ctx.TryInt64(2, out count) || count < 0))
            return Errors.MustBePositive;

        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null)
            return Reply.Null;
        if (count < 0)
            return Reply.Bulk(PopOne(ctx, entry, head));
        return Reply.Array(PopMany(ctx, entry, head, count));
    }

    private static Reply BlockingPopGeneric(CommandContext ctx, bool head)
    {
        if (ParseTimeout(ctx, ctx.ArgCount - 1, out var timeout) is { } invalid)
            return invalid;
        for (var i = 1; i < ctx.ArgCount - 1; i++)
        {
            if (ctx.Keyspace.Lookup(ctx.Arg(i), ctx.Access) is not { } entry)
                continue;
            if (entry.Type != RedisType.List)
                return Errors.WrongType;
            var item = PopOne(ctx, entry, head);
            // A blocking pop replays as the plain pop it turned into.
            ctx.Propagate(Effects.Argv(head ? "LPOP" : "RPOP", entry.Key));
            return Reply.Array([Reply.Bulk(entry.Key), Reply.Bulk(item)]);
        }
        return ctx.Block(ctx.Args[1..^1], timeout);
    }

    /// <summary>LMPOP and BLMPOP: parse numkeys, the end and COUNT (in Redis's order), then pop from the first non-empty list.</summary>
    private static Reply MultiPopGeneric(CommandContext ctx, int numKeysIndex, bool blocking)
    {
        if (!ctx.TryInt64(numKeysIndex, out var numKeys) || numKeys <= 0)
            return Errors.NumKeysNotPositive;
        var endIndex = numKeysIndex + 1 + numKeys;
        if (numKeys > ctx.ArgCount || endIndex >= ctx.ArgCount)
            return Errors.Syntax;
        if (!TryEnd(ctx, (int)endIndex, out var head))
            return Errors.Syntax;
        long count = -1;
        for (var i = (int)endIndex + 1; i < ctx.ArgCount; i++)
        {
            if (count == -1 && ctx.ArgIs(i, "COUNT") && i + 1 < ctx.ArgCount)
            {
                if (!ctx.TryInt64(++i, out count) || count <= 0)
                    return Errors.CountNotPositive;
            }
            else
            {
                return Errors.Syntax;
            }
        }
        if (count == -1)
            count = 1;
        var timeout = TimeSpan.Zero;
        if (blocking && ParseTimeout(ctx, 1, out timeout) is { } invalid)
            return invalid;

        var keys = ctx.Args[(numKeysIndex + 1)..(int)endIndex];
        foreach (var key in keys)
        {
            if (ctx.Keyspace.Lookup(key, ctx.Access) is not { } entry)
                continue;
            if (entry.Type != RedisType.List)
                return Errors.WrongType;
            var popped = PopMany(ctx, entry, head, count);
            // Replays as the plain pop it was (Redis rewrites it the same way): one key, an exact count.
            ctx.Propagate(Effects.Argv(head ? "LPOP" : "RPOP", entry.Key, popped.Length));
            return Reply.Array([Reply.Bulk(entry.Key), Reply.Array(popped)]);
        }
        return blocking ? ctx.Block(keys, timeout) : Reply.Null;
    }

    /// <summary>BLMOVE and BRPOPLPUSH: move now if the source exists, or wait for it.</summary>
    private static Reply BlockingMove(CommandContext ctx, bool fromHead, bool toHead, TimeSpan timeout, byte[][] effect)
    {
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } source)
            return ctx.Block([ctx.Args[1]], timeout);
        var reply = Move(ctx, source, fromHead, toHead);
        if (reply.Kind == ReplyKind.Bulk)
            ctx.Propagate(effect);
        return reply;
    }

    /// <summary>
    /// Pops from the source (argument 1) and pushes onto the destination (argument 2), which may be
    /// the same list (a rotation). Both types are checked before anything changes.
    /// </summary>
    private static Reply Move(CommandContext ctx, Entry source, bool fromHead, bool toHead)
    {
        if (source.Type != RedisType.List)
            return Errors.WrongType;
        var destination = ctx.Keyspace.Lookup(ctx.Arg(2), ctx.Access);
        if (destination is not null && destination.Type != RedisType.List)
            return Errors.WrongType;

        var sourceList = (ListValue)source.Value;
        var item = fromHead ? sourceList.PopHead() : sourceList.PopTail();
        var destinationList = (ListValue?)destination?.Value ?? new ListValue();
        if (toHead)
            destinationList.PushHead(item);
        else
            destinationList.PushTail(item);
        // Pushed before the source is deleted, so a rotation of a one-element list keeps its key.
        if (destination is null)
            ctx.Keyspace.Add(ctx.Args[2], RedisType.List, destinationList, ctx.Access);
        else if (destination != source)
            ctx.Keyspace.Touch(destination);
        ctx.ChangedInPlace(source, 1);
        return Reply.Bulk(item);
    }

    /// <summary>Pops one element, deleting the key when the list becomes empty.</summary>
    private static byte[] PopOne(CommandContext ctx, Entry entry, bool head)
    {
        var list = (ListValue)entry.Value;
        var item = head ? list.PopHead() : list.PopTail();
        ctx.ChangedInPlace(entry, 1);
        return item;
    }

    /// <summary>Pops up to <paramref name="count"/> elements (none for 0), deleting the key when the list becomes empty.</summary>
    private static Reply[] PopMany(CommandContext ctx, Entry entry, bool head, long count)
    {
        var list = (ListValue)entry.Value;
        var popped = new Reply[Math.Min(count, list.Count)];
        for (var i = 0; i < popped.Length; i++)
            popped[i] = Reply.Bulk(head ? list.PopHead() : list.PopTail());
        if (popped.Length > 0)
            ctx.ChangedInPlace(entry, popped.Length);
        return popped;
    }

    private static ListValue? ListAt(CommandContext ctx, int index) => ctx.Keyspace.Lookup(ctx.Arg(index), ctx.Access)?.Value as ListValue;

    /// <summary>LEFT (the head) or RIGHT (the tail).</summary>
    private static bool TryEnd(CommandContext ctx, int index, out bool head)
    {
        head = ctx.ArgIs(index, "LEFT");
        return head || ctx.ArgIs(index, "RIGHT");
    }

    /// <summary>An index counted from the head (or from the tail when negative), if it is inside the list.</summary>
    private static bool TryResolveIndex(ListValue list, long index, out int at)
    {
        if (index < 0)
            index += list.Count;
        at = (int)Math.Clamp(index, -1, list.Count);
        return index >= 0 && index < list.Count;
    }

    /// <summary>
    /// Redis's start/stop rules for LRANGE and LTRIM: negative indexes count from the tail, start is
    /// clamped to the head and stop to the tail. False when the range holds nothing.
    /// </summary>
    internal static bool ResolveRange(int count, long start, long stop, out int from, out int to)
    {
        if (start < 0)
            start += count;
        if (stop < 0)
            stop += count;
        if (start < 0)
            start = 0;
        from = to = 0;
        if (start > stop || start >= count)
            return false;
        from = (int)start;
        to = (int)Math.Min(stop, count - 1);
        return true;
    }

    /// <summary>
    /// Redis's blocking timeout: seconds as a float, 0 = forever; negative or unparsable timeouts are
    /// errors. Shared by every blocking command.
    /// </summary>
    internal static EngineError? ParseTimeout(CommandContext ctx, int index, out TimeSpan timeout)
    {
        timeout = TimeSpan.Zero;
        if (!RedisNumbers.TryParseDouble(ctx.Arg(index), out var seconds) || !double.IsFinite(seconds))
            return Errors.TimeoutNotFloat;
        if (seconds < 0)
            return Errors.TimeoutNegative;
        // Beyond what a TimeSpan holds (about 29,000 years) is out of range, as it is for Redis's long milliseconds.
        if (seconds * 1000 >= TimeSpan.MaxValue.TotalMilliseconds)
            return Errors.TimeoutOutOfRange;
        timeout = TimeSpan.FromMilliseconds(Math.Ceiling(seconds * 1000));
        return null;
    }
}
