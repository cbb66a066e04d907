using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// Compare-and-delete: DELEX (Redis 8.4) and DELIFEQ (Valkey 9.0), the atomic "release my lock"
/// that Redis-style locks (<c>SET key token NX PX ttl</c>) otherwise need a Lua script for.
/// </summary>
internal static class ConditionalDeleteCommands
{
    private const string Group = "string";

    /// <summary>DELEX key [IFEQ value | IFNE value]</summary>
    /// <remarks>
    /// Without a condition, DEL of one key (any type). With one, the key must hold a string
    /// (WRONGTYPE otherwise). The digest conditions (IFDEQ, IFDNE) are not supported. Logged as DEL.
    /// </remarks>
    [Command("DELEX", -2, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "DELEX key [IFEQ ifeq-value | IFNE ifne-value]",
        Summary = "Conditionally removes the specified key based on value comparison.",
        Complexity = "O(1)", Group = Group, Since = "8.4.0")]
    public static Reply DelEx(CommandContext ctx)
    {
        if (ctx.ArgCount == 2)
            return DeleteIf(ctx, _ => true, anyType: true);
        if (ctx.ArgCount != 4)
            return Errors.Syntax;
        var expected = ctx.Args[3];
        if (ctx.ArgIs(2, "IFEQ"))
            return DeleteIf(ctx, value => value.SequenceEqual(expected), anyType: false);
        if (ctx.ArgIs(2, "IFNE"))
            return DeleteIf(ctx, value => !value.SequenceEqual(expected), anyType: false);
        if (ctx.ArgIs(2, "IFDEQ") || ctx.ArgIs(2, "IFDNE"))
            return Errors.UnsupportedOption(ctx.ArgText(2).ToUpperInvariant());
        return Errors.Syntax;
    }

    /// <summary>DELIFEQ key value</summary>
    [Command("DELIFEQ", 3, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "DELIFEQ key value",
        Summary = "Deletes the key if its value matches the given string.",
        Complexity = "O(1)", Group = Group, Since = "9.0.0")]
    public static Reply DelIfEq(CommandContext ctx)
    {
        var expected = ctx.Args[2];
        return DeleteIf(ctx, value => value.SequenceEqual(expected), anyType: false);
    }

    private delegate bool Condition(ReadOnlySpan<byte> value);

    private static Reply DeleteIf(CommandContext ctx, Condition condition, bool anyType)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Args[1], ctx.Access);
        if (entry is null)
            return Reply.Zero;
        if (!anyType)
        {
            if (entry.Value is not StringValue value)
                return Errors.WrongType;
            if (!condition(value.Span))
                return Reply.Zero;
        }
        ctx.Keyspace.Delete(entry);
        ctx.MarkDirty();
        ctx.Propagate(Effects.Argv("DEL", ctx.Args[1]));
        return Reply.One;
    }
}
