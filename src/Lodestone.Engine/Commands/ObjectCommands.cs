using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// OBJECT: what the engine knows about a key's value — its encoding, access frequency or idle time
/// (the eviction metadata) and reference count. Reading it is not an access (Redis's LOOKUP_NOTOUCH).
/// </summary>
internal static class ObjectCommands
{
    /// <summary>OBJECT ENCODING key | FREQ key | IDLETIME key | REFCOUNT key | HELP</summary>
    /// <remarks>
    /// Differs from Redis: our structures have one representation per type, so ENCODING names the
    /// encoding Redis 7.0 would use for the same value under its default thresholds (strings: int for
    /// a canonical integer, embstr up to 44 bytes, raw beyond or once grown in place; lists:
    /// quicklist; hashes: listpack up to 128 fields of at most 64 bytes, else hashtable; sets: intset
    /// up to 512 integers, else hashtable; sorted sets: listpack up to 128 members of at most 64 bytes,
    /// else skiplist). Redis never converts back to the small encoding when a value shrinks; we judge
    /// the value as it is now. A string of digits grown by APPEND reports int where Redis says raw.
    /// A HyperLogLog is raw, as Redis makes it (also one SET from Redis's bytes, which Redis would call
    /// embstr up to 44 bytes). Streams report "stream". Locks, Lodestone's own type, report "lock". REFCOUNT is always 1 (no shared objects).
    /// </remarks>
    [Command("OBJECT", -2, Flags = CommandFlags.ReadOnly | CommandFlags.Random, FirstKey = 2, LastKey = 2,
        Syntax = "OBJECT ENCODING key | OBJECT FREQ key | OBJECT IDLETIME key | OBJECT REFCOUNT key | OBJECT HELP",
        Summary = "Inspects the internals of a key's value: its encoding, access frequency, idle time or reference count.",
        Complexity = "O(1)", Group = "generic", Since = "2.2.3")]
    public static Reply Object(CommandContext ctx)
    {
        var sub = ctx.ArgText(1).ToUpperInvariant();
        if (sub == "HELP")
            return ctx.ArgCount == 2 ? Reply.Array(HelpLines.Select(Reply.Simple).ToArray()) : Errors.WrongArity("object|help");
        if (sub is not ("ENCODING" or "FREQ" or "IDLETIME" or "REFCOUNT"))
            return Errors.UnknownSubcommand(ctx.ArgText(1), "OBJECT");
        if (ctx.ArgCount != 3)
            return Errors.WrongArity("object|" + sub.ToLowerInvariant());

        if (ctx.Keyspace.Peek(ctx.Args[2], ctx.Access) is not { } entry)
            return Reply.Null;
        var lfu = ctx.Settings.MaxMemoryPolicy.IsLfu();
        return sub switch
        {
            "ENCODING" => Reply.Bulk(Encoding(entry)),
            "REFCOUNT" => Reply.Integer(1),
            "FREQ" => lfu ? Reply.Integer(Eviction.LfuCounter(entry.Access, ctx.NowMs)) : Errors.NotLfu,
            _ => lfu ? Errors.NotLru : Reply.Integer(Eviction.IdleMs(entry.Access, ctx.NowMs) / 1000),
        };
    }

    private const int EmbstrLimit = 44;
    private const int ListpackEntries = 128;
    private const int ListpackValue = 64;
    private const int IntsetEntries = 512;

    /// <summary>The encoding Redis 7.0 would use for the value (see OBJECT ENCODING); DEBUG OBJECT shows it too.</summary>
    internal static string Encoding(Entry entry) => entry.Value switch
    {
        StringValue s when s.Length <= 20 && RedisNumbers.TryParseInt64(s.Span, out _) => "int",
        // HyperLogLogs are made raw (createHLLObject), whatever their size.
        StringValue s when HyperLogLog.IsValid(s.Span) => "raw",
        StringValue s => s.Length <= EmbstrLimit && s.Capacity == s.Length ? "embstr" : "raw",
        ListValue => "quicklist",
        // Redis 7.4 calls a small hash with field TTLs listpackex.
        HashValue h => h.Count <= ListpackEntries && h.Entries().All(f => f.Key.Length <= ListpackValue && f.Value.Length <= ListpackValue)
            ? (h.HasFieldExpiries ? "listpackex" : "listpack") : "hashtable",
        SetValue s => s.Count <= IntsetEntries && s.Members().All(m => RedisNumbers.TryParseInt64(m, out _)) ? "intset" : "hashtable",
        SortedSetValue z => z.Count <= ListpackEntries && z.All().All(m => m.Member.Length <= ListpackValue) ? "listpack" : "skiplist",
        StreamValue => "stream",
        _ => "lock",
    };

    private static readonly string[] HelpLines =
    [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
}
