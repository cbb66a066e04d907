using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// The list commands (Redis's t_list.c). Values are <see cref="ListValue"/>s; a list whose last
/// element is removed is deleted, so an existing list key is never empty. The executor has checked
/// that every declared key holds a list (or is missing) when KeyType is List.
/// </summary>
internal static class ListCommands
{
    private const string Group = "list";

    /// <summary>LPUSH key element [element ...]</summary>
    [Command("LPUSH", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "LPUSH key element [element ...]", Summary = "Prepends one or more elements to a list. Creates the key if it doesn't exist.",
        Complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", Group = Group, Since = "1.0.0")]
    public static Reply LPush(CommandContext ctx) => PushGeneric(ctx, head: true, onlyIfExists: false);

    /// <summary>RPUSH key element [element ...]</summary>
    [Command("RPUSH", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.List,
        Syntax = "RPUSH key element [element ...]", Summary = "Appends one or more elements to a list. Creates the key if it doesn't exist.",
        Complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", Group = Group, Since = "1.0.0")]
    public static Reply RPush(CommandContext ctx) => PushGeneric(ctx, head: false, onlyIfExists: false);

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
    public static Reply LLen(CommandContext ctx) =>
        Reply.Integer(ctx.Keyspace.Lookup(ctx.Arg(1))?.Value is ListValue list ? list.Count : 0);

    /// <summary>BLPOP key [key ...] timeout</summary>
    /// <remarks>O(N) in the number of keys. Logged as the LPOP that happened.</remarks>
    [Command("BLPOP", -3, Flags = CommandFlags.Write | CommandFlags.Blocking, FirstKey = 1, LastKey = -2, KeyType = RedisType.List,
        Syntax = "BLPOP key [key ...] timeout", Summary = "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
        Complexity = "O(N) where N is the number of provided keys.", Group = Group, Since = "2.0.0")]
    public static Reply BLPop(CommandContext ctx) => BlockingPopGeneric(ctx, head: true);

    /// <summary>BRPOP key [key ...] timeout</summary>
    /// <remarks>O(N) in the number of keys. Logged as the RPOP that happened.</remarks>
    [Command("BRPOP", -3, Flags = CommandFlags.Write | CommandFlags.Blocking, FirstKey = 1, LastKey = -2, KeyType = RedisType.List,
        Syntax = "BRPOP key [key ...] timeout", Summary = "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
        Complexity = "O(N) where N is the number of provided keys.", Group = Group, Since = "2.0.0")]
    public static Reply BRPop(CommandContext ctx) => BlockingPopGeneric(ctx, head: false);

    private static Reply PushGeneric(CommandContext ctx, bool head, bool onlyIfExists)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1));
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
            ctx.Keyspace.Add(ctx.Args[1], RedisType.List, list);
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

        var entry = ctx.Keyspace.Lookup(ctx.Arg(1));
        if (entry is null)
            return Reply.Null;
        var list = (ListValue)entry.Value;
        if (count < 0)
        {
            var item = Pop(ctx, entry, list, head);
            return Reply.Bulk(item);
        }
        var popped = new Reply[Math.Min(count, list.Count)];
        for (var i = 0; i < popped.Length; i++)
            popped[i] = Reply.Bulk(Pop(ctx, entry, list, head));
        return Reply.Array(popped);
    }

    private static Reply BlockingPopGeneric(CommandContext ctx, bool head)
    {
        if (ParseTimeout(ctx, ctx.ArgCount - 1, out var timeout) is { } invalid)
            return invalid;
        for (var i = 1; i < ctx.ArgCount - 1; i++)
        {
            if (ctx.Keyspace.Lookup(ctx.Arg(i)) is not { } entry)
                continue;
            var item = Pop(ctx, entry, (ListValue)entry.Value, head);
            // A blocking pop replays as the plain pop it turned into.
            ctx.Propagate(Effects.Argv(head ? "LPOP" : "RPOP", entry.Key));
            return Reply.Array([Reply.Bulk(entry.Key), Reply.Bulk(item)]);
        }
        return ctx.Block(ctx.Args[1..^1], timeout);
    }

    /// <summary>Pops one element, deleting the key when the list becomes empty.</summary>
    private static byte[] Pop(CommandContext ctx, Entry entry, ListValue list, bool head)
    {
        var item = head ? list.PopHead() : list.PopTail();
        if (list.Count == 0)
            ctx.Keyspace.Delete(entry);
        else
            ctx.Keyspace.Touch(entry);
        ctx.MarkDirty();
        return item;
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
