using Lodestone.Engine.Execution;
using Lodestone.Engine.Scripting;
using Lodestone.Engine.Security;

namespace Lodestone.Engine.Commands;

/// <summary>
/// Lua scripts (Redis's <c>eval.c</c>): EVAL and EVALSHA run a script atomically on the engine
/// thread; SCRIPT manages the cache. The Lua side is <see cref="ScriptRuntime"/>.
/// </summary>
/// <remarks>
/// A script's key arguments are declared by <c>numkeys</c>, so permission checks see them before it
/// runs; each command it calls is checked again (key patterns, role, read-only). Its writes are
/// logged as the commands it ran, wrapped in MULTI … EXEC (<see cref="CommandContext.WrapEffects"/>):
/// Redis 7's effects replication, deterministic whatever the script computed from time or randomness.
/// EVAL itself is not a write: a caller with the read role may run a script that only reads.
/// </remarks>
internal static class ScriptingCommands
{
    private const string Group = "scripting";

    /// <summary>EVAL script numkeys [key [key ...]] [arg [arg ...]]</summary>
    /// <remarks>Differs from Redis: Lua 5.4 rather than 5.1 (see docs/api.md).</remarks>
    [Command("EVAL", -3, Flags = CommandFlags.NoScript | CommandFlags.Stale, NumKeysIndex = 2,
        Syntax = "EVAL script numkeys [key [key ...]] [arg [arg ...]]", Summary = "Executes a server-side Lua script.",
        Complexity = "Depends on the script that is executed.", Group = Group, Since = "2.6.0")]
    public static Reply Eval(CommandContext ctx) => EvalGeneric(ctx, bySha: false, readOnly: false);

    /// <summary>EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]</summary>
    [Command("EVALSHA", -3, Flags = CommandFlags.NoScript | CommandFlags.Stale, NumKeysIndex = 2,
        Syntax = "EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]", Summary = "Executes a server-side Lua script by SHA1 digest.",
        Complexity = "Depends on the script that is executed.", Group = Group, Since = "2.6.0")]
    public static Reply EvalSha(CommandContext ctx) => EvalGeneric(ctx, bySha: true, readOnly: false);

    /// <summary>EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]</summary>
    [Command("EVAL_RO", -3, Flags = CommandFlags.NoScript | CommandFlags.Stale | CommandFlags.ReadOnly, NumKeysIndex = 2,
        Syntax = "EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]", Summary = "Executes a read-only server-side Lua script.",
        Complexity = "Depends on the script that is executed.", Group = Group, Since = "7.0.0")]
    public static Reply EvalRo(CommandContext ctx) => EvalGeneric(ctx, bySha: false, readOnly: true);

    /// <summary>EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]</summary>
    [Command("EVALSHA_RO", -3, Flags = CommandFlags.NoScript | CommandFlags.Stale | CommandFlags.ReadOnly, NumKeysIndex = 2,
        Syntax = "EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]", Summary = "Executes a read-only server-side Lua script by SHA1 digest.",
        Complexity = "Depends on the script that is executed.", Group = Group, Since = "7.0.0")]
    public static Reply EvalShaRo(CommandContext ctx) => EvalGeneric(ctx, bySha: true, readOnly: true);

    private static Reply EvalGeneric(CommandContext ctx, bool bySha, bool readOnly)
    {
        // Kept before the script runs: the commands it calls reuse the context.
        var args = ctx.Args;
        if (ParseNumKeys(ctx, 2) is { } invalid)
            return invalid;
        var keyCount = (int)RedisNumbersParse(args[2]);
        LuaScript? script;
        if (bySha)
        {
            script = ctx.Scripts.Find(args[1]);
            if (script is null)
                return Errors.NoScript;
        }
        else if (ctx.Scripts.Load(args[1], out script) is { } failed)
            return failed;
        var call = new ScriptCall
        {
            Name = script.Name, User = ctx.User,
            ReadOnly = readOnly || (script.Flags & ScriptFlags.NoWrites) != 0,
            AllowStale = (script.Flags & ScriptFlags.AllowStale) != 0,
        };
        return RunWrapped(ctx, call, script.Ref, args, 3, keyCount, asFunction: false);
    }

    /// <summary>Runs a script or function and wraps what it wrote as one unit of the log.</summary>
    internal static Reply RunWrapped(CommandContext ctx, in ScriptCall call, int reference, byte[][] args, int firstKey, int keyCount, bool asFunction)
    {
        var first = ctx.EffectCount;
        var reply = ctx.Scripts.Run(call, reference, args, firstKey, keyCount, asFunction);
        if (ctx.Scripts.LastRunAbandoned)
            ctx.DropEffects(first);
        else
            ctx.WrapEffects(first);
        return reply;
    }

    /// <summary>The key count at <paramref name="index"/>: a number, not negative, not more than the arguments after it.</summary>
    internal static EngineError? ParseNumKeys(CommandContext ctx, int index)
    {
        if (!ctx.TryInt64(index, out var count))
            return Errors.NotInteger;
        if (count < 0)
            return Errors.NegativeNumKeys;
        if (count > ctx.ArgCount - index - 1)
            return Errors.NumKeysTooLarge;
        return null;
    }

    private static long RedisNumbersParse(byte[] text) => Text.RedisNumbers.TryParseInt64(text, out var value) ? value : 0;

    /// <summary>SCRIPT LOAD script | EXISTS sha1 [sha1 ...] | FLUSH [ASYNC|SYNC] | KILL | HELP</summary>
    /// <remarks>
    /// LOAD needs the write role and FLUSH and KILL the admin role (Redis's categories for them:
    /// loading code changes what the server runs; flushing and killing affect every caller). SCRIPT
    /// KILL reaches a running script through the script's own busy hook (see <see cref="ScriptRuntime"/>);
    /// here there is none to kill.
    /// </remarks>
    [Command("SCRIPT", -2, Flags = CommandFlags.NoScript | CommandFlags.Stale,
        Syntax = "SCRIPT LOAD script | EXISTS sha1 [sha1 ...] | FLUSH [ASYNC|SYNC] | KILL | HELP",
        Summary = "Manages the Lua script cache: loads, checks, flushes scripts, or kills the running one.",
        Complexity = "LOAD: O(N) with N the script's length; EXISTS: O(N) with N the number of scripts checked; FLUSH: O(N) with N the number of cached scripts; KILL: O(1)",
        Group = Group, Since = "2.6.0")]
    public static Reply Script(CommandContext ctx)
    {
        var sub = ctx.ArgText(1).ToUpperInvariant();
        switch (sub)
        {
            case "LOAD":
                if (ctx.ArgCount != 3)
                    return Errors.WrongArity("script|load");
                if (ctx.User is { Role: < AclRole.Write })
                    return Errors.NoPermissionForCommand("script|load");
                return ctx.Scripts.Load(ctx.Args[2], out var script) is { } failed ? failed : Reply.Bulk(script.Sha);
            case "EXISTS":
                if (ctx.ArgCount < 3)
                    return Errors.WrongArity("script|exists");
                return Reply.Array(ctx.Args.Skip(2).Select(sha => ctx.Scripts.Exists(sha) ? Reply.One : Reply.Zero).ToArray());
            case "FLUSH":
                if (ctx.ArgCount > 3)
                    return Errors.WrongArity("script|flush");
                if (ctx.ArgCount == 3 && !ctx.ArgIs(2, "ASYNC") && !ctx.ArgIs(2, "SYNC"))
                    return Errors.ScriptFlushOption;
                if (ctx.User is { Role: < AclRole.Admin })
                    return Errors.NoPermissionForCommand("script|flush");
                ctx.Scripts.Flush();
                return Reply.Ok;
            case "KILL":
                if (ctx.ArgCount != 2)
                    return Errors.WrongArity("script|kill");
                if (ctx.User is { Role: < AclRole.Admin })
                    return Errors.NoPermissionForCommand("script|kill");
                return ctx.Scripts.Kill();
            case "HELP":
                return ctx.ArgCount == 2 ? Reply.Array(ScriptHelp.Select(Reply.Simple).ToArray()) : Errors.WrongArity("script|help");
            default:
                return Errors.UnknownSubcommand(ctx.ArgText(1), "SCRIPT");
        }
    }

    private static readonly string[] ScriptHelp =
    [
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    ];
}
