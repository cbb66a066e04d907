using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using Lodestone.Engine.Diagnostics;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Persistence.Snapshots;
using Lodestone.Engine.Persistence.Snapshots.Codecs;

namespace Lodestone.Engine.Commands;

/// <summary>MEMORY USAGE and DEBUG: what one key costs, how it is stored, and digests of the data.</summary>
/// <remarks>
/// Design note. The numbers are Lodestone's own: MEMORY USAGE is the estimate <c>used_memory</c> adds up
/// (<see cref="Keyspace.MemoryModel"/>), DEBUG OBJECT's serializedlength is the value's length in a
/// Lodestone snapshot, and DEBUG DIGEST hashes the data as <see cref="ValueDigest"/> says — so they
/// compare Lodestone with itself (a replica with its primary, a restart with its past), not with Redis.
/// </remarks>
internal static class DebugCommands
{
    /// <summary>MEMORY USAGE key [SAMPLES count] | MEMORY HELP</summary>
    /// <remarks>
    /// O(1): the key's estimated bytes (entry, key, value, TTL slot), kept current as the value changes,
    /// so SAMPLES is read but not needed. Nil for a missing key. Differs from Redis: the estimate is of
    /// .NET objects, not of Redis's allocations, and DOCTOR, STATS, MALLOC-STATS and PURGE are not
    /// here (INFO memory and /admin/bigkeys report the rest).
    /// </remarks>
    [Command("MEMORY", -2, Flags = CommandFlags.ReadOnly, FirstKey = 2, LastKey = 2, Categories = "@read",
        Syntax = "MEMORY USAGE key [SAMPLES count] | MEMORY HELP", Summary = "Estimates the memory usage of a key.",
        Complexity = "O(1)", Group = "server", Since = "4.0.0")]
    public static Reply Memory(CommandContext ctx)
    {
        if (ctx.ArgIs(1, "HELP"))
            return ctx.ArgCount == 2 ? Reply.Array(MemoryHelp.Select(Reply.Simple).ToArray()) : Errors.WrongArity("memory|help");
        if (!ctx.ArgIs(1, "USAGE"))
            return Errors.UnknownSubcommand(ctx.ArgText(1), "MEMORY");
        if (ctx.ArgCount < 3)
            return Errors.WrongArity("memory|usage");
        for (var j = 3; j < ctx.ArgCount; j += 2)
        {
            if (!ctx.ArgIs(j, "SAMPLES") || j + 1 >= ctx.ArgCount)
                return Errors.Syntax;
            if (!ctx.TryInt64(j + 1, out var samples) || samples < 0)
                return Errors.NotInteger;
        }
        return ctx.Keyspace.Peek(ctx.Args[2], ctx.Access) is { } entry ? Reply.Integer(Keyspace.Keyspace.SizeOf(entry)) : Reply.Null;
    }

    /// <summary>DEBUG OBJECT key | DEBUG DIGEST | DEBUG DIGEST-VALUE [key ...] | DEBUG HELP</summary>
    /// <remarks>
    /// OBJECT: Redis's line (the encoding OBJECT ENCODING reports, the value's snapshot length, its
    /// LRU clock and idle seconds); "Value at" is the value's identity hash, not an address. DIGEST:
    /// the whole keyspace's fingerprint (40 zeros when empty); DIGEST-VALUE: each named value's. O(N)
    /// in what is digested. Differs from Redis: admin callers may always use it (Redis asks for
    /// enable-debug-command); the subcommands that crash, sleep or reload the server are not here.
    /// </remarks>
    [Command("DEBUG", -2, Flags = CommandFlags.Admin | CommandFlags.Dangerous | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "DEBUG OBJECT key | DEBUG DIGEST | DEBUG DIGEST-VALUE [key ...] | DEBUG HELP",
        Summary = "A container for debugging commands: a key's internals, digests of the data.", Complexity = "Depends on subcommand.",
        Group = "server", Since = "1.0.0")]
    public static Reply Debug(CommandContext ctx)
    {
        var sub = ctx.ArgText(1).ToUpperInvariant();
        switch (sub)
        {
            case "HELP" when ctx.ArgCount == 2:
                return Reply.Array(DebugHelp.Select(Reply.Simple).ToArray());
            case "DIGEST" when ctx.ArgCount == 2:
                return Reply.Simple(ValueDigest.Hex(ValueDigest.Of(ctx.Keyspace.All().Where(entry => !ctx.Access.IsExpired(entry)))));
            case "DIGEST-VALUE":
                return Reply.Array(ctx.Args.Skip(2).Select(key => Reply.Simple(ValueDigest.Hex(
                    ctx.Keyspace.Peek(key, ctx.Access) is { } entry ? ValueDigest.OfValue(entry.Value) : new byte[ValueDigest.Size]))).ToArray());
            case "OBJECT" when ctx.ArgCount == 3:
                if (ctx.Keyspace.Peek(ctx.Args[2], ctx.Access) is not { } found)
                    return Errors.NoSuchKey;
                return Reply.Simple(string.Create(CultureInfo.InvariantCulture,
                    $"Value at:0x{RuntimeHelpers.GetHashCode(found.Value):x8} refcount:1 encoding:{ObjectCommands.Encoding(found)} serializedlength:{SerializedLength(found)} lru:{found.Access & 0xFFFFFF} lru_seconds_idle:{Eviction.IdleMs(found.Access, ctx.NowMs) / 1000}"));
            default:
                return Errors.UnknownSubcommandOrArity(ctx.ArgText(1), "DEBUG");
        }
    }

    /// <summary>The value's length as a snapshot stores it.</summary>
    private static long SerializedLength(Entry entry)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ValueCodecs.For(entry.Type).Write(new SnapshotEncoder(buffer), entry.Value);
        return buffer.WrittenCount;
    }

    private static readonly string[] MemoryHelp =
    [
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value (Lodestone's estimate; SAMPLES is accepted",
        "    and not needed).",
        "HELP",
        "    Prints this help.",
    ];

    private static readonly string[] DebugHelp =
    [
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "OBJECT <key>",
        "    Show low level info about the <key> and associated value.",
        "HELP",
        "    Prints this help.",
    ];
}
