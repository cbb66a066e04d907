using System.Buffers.Binary;
using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Scripting;
using Lodestone.Engine.Security;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Commands;

/// <summary>
/// Function libraries (Redis 7's <c>functions.c</c>): FUNCTION LOAD registers a library's functions,
/// FCALL calls one. Libraries are data: FUNCTION LOAD, DELETE, FLUSH and RESTORE are logged (so they
/// replay and replicate) and libraries are saved in snapshots.
/// </summary>
internal static class FunctionCommands
{
    private const string Group = "scripting";

    /// <summary>FCALL function numkeys [key [key ...]] [arg [arg ...]]</summary>
    [Command("FCALL", -3, Flags = CommandFlags.NoScript | CommandFlags.Stale, NumKeysIndex = 2,
        Syntax = "FCALL function numkeys [key [key ...]] [arg [arg ...]]", Summary = "Invokes a function.",
        Complexity = "Depends on the function that is executed.", Group = Group, Since = "7.0.0")]
    public static Reply FCall(CommandContext ctx) => FCallGeneric(ctx, readOnly: false);

    /// <summary>FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]</summary>
    [Command("FCALL_RO", -3, Flags = CommandFlags.NoScript | CommandFlags.Stale | CommandFlags.ReadOnly, NumKeysIndex = 2,
        Syntax = "FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]", Summary = "Invokes a read-only function.",
        Complexity = "Depends on the function that is executed.", Group = Group, Since = "7.0.0")]
    public static Reply FCallRo(CommandContext ctx) => FCallGeneric(ctx, readOnly: true);

    private static Reply FCallGeneric(CommandContext ctx, bool readOnly)
    {
        var args = ctx.Args;
        if (ScriptingCommands.ParseNumKeys(ctx, 2) is { } invalid)
            return invalid;
        var keyCount = RedisNumbers.TryParseInt64(args[2], out var parsed) ? parsed : 0;
        if (ctx.Scripts.Functions.Find(Encoding.UTF8.GetString(args[1])) is not var (_, function))
            return Errors.FunctionNotFound;
        var noWrites = (function.Flags & ScriptFlags.NoWrites) != 0;
        if (readOnly && !noWrites)
            return Errors.FunctionRoNeedsNoWrites;
        var call = new ScriptCall { Name = function.Name, FunctionName = function.Name, User = ctx.User, ReadOnly = readOnly || noWrites,
            AllowStale = (function.Flags & ScriptFlags.AllowStale) != 0 };
        return ScriptingCommands.RunWrapped(ctx, call, function.Ref, args, 3, (int)keyCount, asFunction: true);
    }

    /// <summary>
    /// FUNCTION LOAD [REPLACE] code | DELETE library | LIST [LIBRARYNAME pattern] [WITHCODE] | FLUSH [ASYNC|SYNC] |
    /// DUMP | RESTORE payload [FLUSH|APPEND|REPLACE] | KILL | STATS | HELP
    /// </summary>
    /// <remarks>
    /// LOAD, DELETE and RESTORE need the write role, FLUSH and KILL the admin role. Differs from Redis:
    /// DUMP's payload is Lodestone's own (the libraries' sources), not Redis's RDB encoding.
    /// </remarks>
    [Command("FUNCTION", -2, Flags = CommandFlags.NoScript | CommandFlags.Stale,
        Syntax = "FUNCTION LOAD [REPLACE] function-code | DELETE library-name | LIST [LIBRARYNAME library-name-pattern] [WITHCODE] | FLUSH [ASYNC|SYNC] | DUMP | RESTORE serialized-value [FLUSH|APPEND|REPLACE] | KILL | STATS | HELP",
        Summary = "Manages function libraries: loads, deletes, lists, flushes, dumps and restores them, or kills the running function.",
        Complexity = "LOAD: O(1) (the library's code runs once); LIST, DUMP, FLUSH: O(N) with N the number of functions; DELETE, KILL, STATS: O(1)",
        Group = Group, Since = "7.0.0")]
    public static Reply Function(CommandContext ctx)
    {
        var sub = ctx.ArgText(1).ToUpperInvariant();
        var functions = ctx.Scripts.Functions;
        switch (sub)
        {
            case "LOAD":
            {
                var replace = ctx.ArgCount == 4 && ctx.ArgIs(2, "REPLACE");
                if (ctx.ArgCount != 3 && !replace)
                    return ctx.ArgCount == 4 ? new EngineError(ErrorKind.BadRequest, $"ERR Unknown option given: {ctx.ArgText(2)}") : Errors.WrongArity("function|load");
                if (Denied(ctx, AclRole.Write, "function|load") is { } denied)
                    return denied;
                if (functions.Load(ctx.Args[^1], replace, out var name) is { } failed)
                    return failed;
                ctx.Propagate(ctx.Args);
                return Reply.Bulk(name);
            }
            case "DELETE":
                if (ctx.ArgCount != 3)
                    return Errors.WrongArity("function|delete");
                if (Denied(ctx, AclRole.Write, "function|delete") is { } deniedDelete)
                    return deniedDelete;
                if (!functions.Delete(ctx.ArgText(2)))
                    return Errors.LibraryNotFound;
                ctx.Propagate(ctx.Args);
                return Reply.Ok;
            case "FLUSH":
                if (ctx.ArgCount > 3)
                    return Errors.WrongArity("function|flush");
                if (ctx.ArgCount == 3 && !ctx.ArgIs(2, "ASYNC") && !ctx.ArgIs(2, "SYNC"))
                    return Errors.FunctionFlushOption;
                if (Denied(ctx, AclRole.Admin, "function|flush") is { } deniedFlush)
                    return deniedFlush;
                functions.Flush();
                ctx.Propagate(ctx.Args);
                return Reply.Ok;
            case "LIST":
                return List(ctx, functions);
            case "DUMP":
                return ctx.ArgCount == 2 ? Reply.Bulk(Dump(functions.Libraries)) : Errors.WrongArity("function|dump");
            case "RESTORE":
                return Restore(ctx, functions);
            case "KILL":
                if (ctx.ArgCount != 2)
                    return Errors.WrongArity("function|kill");
                return Denied(ctx, AclRole.Admin, "function|kill") ?? ctx.Scripts.Kill();
            case "STATS":
                if (ctx.ArgCount != 2)
                    return Errors.WrongArity("function|stats");
                return Reply.Map([
                    Reply.Bulk("running_script"), Reply.Null,
                    Reply.Bulk("engines"), Reply.Map([
                        Reply.Bulk("LUA"), Reply.Map([
                            Reply.Bulk("libraries_count"), Reply.Integer(functions.Libraries.Count()),
                            Reply.Bulk("functions_count"), Reply.Integer(functions.FunctionCount),
                        ]),
                    ]),
                ]);
            case "HELP":
                return ctx.ArgCount == 2 ? Reply.Array(FunctionHelp.Select(Reply.Simple).ToArray()) : Errors.WrongArity("function|help");
            default:
                return Errors.UnknownSubcommand(ctx.ArgText(1), "FUNCTION");
        }
    }

    private static EngineError? Denied(CommandContext ctx, AclRole needed, string name) =>
        ctx.User is { } user && user.Role < needed ? Errors.NoPermissionForCommand(name) : null;

    private static Reply List(CommandContext ctx, FunctionLibraries functions)
    {
        GlobPattern? pattern = null;
        var withCode = false;
        for (var i = 2; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "WITHCODE") && !withCode)
                withCode = true;
            else if (ctx.ArgIs(i, "LIBRARYNAME") && pattern is null && i + 1 < ctx.ArgCount)
                pattern = GlobPattern.Compile(ctx.Args[++i]);
            else
                return new EngineError(ErrorKind.BadRequest, $"ERR Unknown argument {ctx.ArgText(i)}");
        }
        var libraries = new List<Reply>();
        foreach (var library in functions.Libraries)
        {
            if (pattern is not null && !pattern.IsMatch(Encoding.UTF8.GetBytes(library.Name)))
                continue;
            var entries = library.Functions.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => Reply.Map([
                Reply.Bulk("name"), Reply.Bulk(f.Name),
                Reply.Bulk("description"), f.Description is null ? Reply.Null : Reply.Bulk(f.Description),
                Reply.Bulk("flags"), Reply.Set([.. Shebang.FlagNames(f.Flags).Select(Reply.Simple)]),
            ])).ToArray();
            var fields = new List<Reply>
            {
                Reply.Bulk("library_name"), Reply.Bulk(library.Name),
                Reply.Bulk("engine"), Reply.Bulk("LUA"),
                Reply.Bulk("functions"), Reply.Array(entries),
            };
            if (withCode)
                fields.AddRange([Reply.Bulk("library_code"), Reply.Bulk(library.Code)]);
            libraries.Add(Reply.Map([.. fields]));
        }
        return Reply.Array([.. libraries]);
    }

    private static readonly byte[] DumpMagic = "LODESTONE-FUNCTIONS-1\n"u8.ToArray();

    /// <summary>FUNCTION DUMP's payload: a magic line, then each library's source, length-prefixed (4 bytes, little-endian).</summary>
    internal static byte[] Dump(IEnumerable<FunctionLibrary> libraries)
    {
        using var output = new MemoryStream();
        output.Write(DumpMagic);
        Span<byte> length = stackalloc byte[4];
        foreach (var library in libraries)
        {
            BinaryPrimitives.WriteInt32LittleEndian(length, library.Code.Length);
            output.Write(length);
            output.Write(library.Code);
        }
        return output.ToArray();
    }

    private static List<byte[]>? ReadDump(ReadOnlySpan<byte> payload)
    {
        if (!payload.StartsWith(DumpMagic))
            return null;
        var codes = new List<byte[]>();
        var rest = payload[DumpMagic.Length..];
        while (rest.Length > 0)
        {
            if (rest.Length < 4)
                return null;
            var length = BinaryPrimitives.ReadInt32LittleEndian(rest);
            if (length < 0 || length > rest.Length - 4)
                return null;
            codes.Add(rest.Slice(4, length).ToArray());
            rest = rest[(4 + length)..];
        }
        return codes;
    }

    private static Reply Restore(CommandContext ctx, FunctionLibraries functions)
    {
        if (ctx.ArgCount is < 3 or > 4)
            return Errors.WrongArity("function|restore");
        var policy = ctx.ArgCount == 4 ? ctx.ArgText(3).ToUpperInvariant() : "APPEND";
        if (policy is not ("FLUSH" or "APPEND" or "REPLACE"))
            return new EngineError(ErrorKind.BadRequest, "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
        if (Denied(ctx, AclRole.Write, "function|restore") is { } denied)
            return denied;
        if (ReadDump(ctx.Args[2]) is not { } codes)
            return new EngineError(ErrorKind.BadRequest, "ERR payload version or checksum are wrong");
        // All or nothing: on a failure, the libraries there before come back.
        var before = functions.Libraries.Select(library => library.Code).ToList();
        if (policy == "FLUSH")
            functions.Flush();
        foreach (var code in codes)
        {
            if (functions.Load(code, replace: policy != "APPEND", out _) is { } failed)
            {
                functions.Flush();
                foreach (var old in before)
                    functions.Load(old, replace: true, out _);
                return failed;
            }
        }
        ctx.Propagate(ctx.Args);
        return Reply.Ok;
    }

    private static readonly string[] FunctionHelp =
    [
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        "HELP",
        "    Prints this help.",
    ];
}
