using Lodestone.Engine.Execution;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Commands;

/// <summary>Connection and server commands: PING, ECHO, TIME, and COMMAND, which describes the command table itself.</summary>
internal static class ServerCommands
{
    /// <summary>PING [message]</summary>
    /// <remarks>Only 'fast', as in Redis 7.0: refused while loading or on a stale replica, so a PONG says the node can serve data.</remarks>
    [Command("PING", -1, Flags = CommandFlags.Fast,
        Syntax = "PING [message]", Summary = "Returns the server's liveliness response.", Complexity = "O(1)", Group = "connection", Since = "1.0.0")]
    public static Reply Ping(CommandContext ctx) => ctx.ArgCount switch
    {
        1 => Reply.Simple("PONG"),
        2 => Reply.Bulk(ctx.Args[1]),
        _ => Errors.WrongArity("ping"),
    };

    /// <summary>ECHO message</summary>
    [Command("ECHO", 2, Flags = CommandFlags.Fast | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "ECHO message", Summary = "Returns the given string.", Complexity = "O(1)", Group = "connection", Since = "1.0.0")]
    public static Reply Echo(CommandContext ctx) => Reply.Bulk(ctx.Args[1]);

    /// <summary>TIME</summary>
    [Command("TIME", 1, Flags = CommandFlags.Fast | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Random,
        Syntax = "TIME", Summary = "Returns the server time.", Complexity = "O(1)", Group = "server", Since = "2.6.0")]
    public static Reply Time(CommandContext ctx)
    {
        var now = ctx.Clock.GetUtcNow();
        var microseconds = (now - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        return Reply.Array(
        [
            Reply.Bulk(RedisNumbers.FormatInt64(microseconds / 1_000_000)),
            Reply.Bulk(RedisNumbers.FormatInt64(microseconds % 1_000_000)),
        ]);
    }

    /// <summary>COMMAND [COUNT | LIST [FILTERBY …] | INFO [name …] | DOCS [name …] | GETKEYS command [arg …] | HELP]</summary>
    [Command("COMMAND", -1, Flags = CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "COMMAND [COUNT | LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern] | INFO [command-name ...] | DOCS [command-name ...] | GETKEYS command [arg ...] | HELP]",
        Summary = "Returns detailed information about all commands.", Complexity = "O(N) where N is the total number of Redis commands",
        Group = "server", Since = "2.8.13")]
    public static Reply Command(CommandContext ctx)
    {
        if (ctx.ArgCount == 1)
            return Reply.Array(ByName(ctx.Table.All).Select(Info).ToArray());

        var sub = ctx.ArgText(1).ToUpperInvariant();
        return sub switch
        {
            "COUNT" => ctx.ArgCount == 2 ? Reply.Integer(ctx.Table.Count) : Errors.WrongArity("command|count"),
            "LIST" => List(ctx),
            "INFO" => Reply.Array(Named(ctx).Select(s => s is null ? Reply.Null : Info(s)).ToArray()),
            "DOCS" => Reply.Map(Named(ctx).Where(s => s is not null).SelectMany(s => new[] { Reply.Bulk(s!.Name.ToLowerInvariant()), Docs(s) }).ToArray()),
            "GETKEYS" => GetKeys(ctx),
            "HELP" => ctx.ArgCount == 2 ? Help() : Errors.WrongArity("command|help"),
            _ => Errors.UnknownSubcommand(ctx.ArgText(1), "COMMAND"),
        };
    }

    /// <summary>The specs named by COMMAND INFO/DOCS arguments (null for unknown names), or all of them when none are named.</summary>
    private static IEnumerable<CommandSpec?> Named(CommandContext ctx) =>
        ctx.ArgCount == 2
            ? ByName(ctx.Table.All)
            : ctx.Args.Skip(2).Select(name => ctx.Table.Find(name));

    private static Reply List(CommandContext ctx)
    {
        IEnumerable<CommandSpec> specs = ctx.Table.All;
        if (ctx.ArgCount == 5 && ctx.ArgIs(2, "FILTERBY"))
        {
            var pattern = GlobPattern.Compile(ctx.Args[4], ignoreCase: true);
            if (ctx.ArgIs(3, "MODULE"))
                specs = [];
            else if (ctx.ArgIs(3, "ACLCAT"))
                specs = specs.Where(s => AclCategories(s).Any(c => string.Equals(c, "@" + ctx.ArgText(4), StringComparison.OrdinalIgnoreCase)));
            else if (ctx.ArgIs(3, "PATTERN"))
                specs = specs.Where(s => pattern.IsMatch(System.Text.Encoding.ASCII.GetBytes(s.Name.ToLowerInvariant())));
            else
                return Errors.Syntax;
        }
        else if (ctx.ArgCount != 2)
        {
            return Errors.Syntax;
        }
        return Reply.Array(ByName(specs).Select(s => Reply.Bulk(s.Name.ToLowerInvariant())).ToArray());
    }

    /// <summary>Commands in the order of the lowercase names COMMAND replies with ("georadius_ro" before "georadiusbymember").</summary>
    private static IEnumerable<CommandSpec> ByName(IEnumerable<CommandSpec> specs) =>
        specs.OrderBy(s => s.Name.ToLowerInvariant(), StringComparer.Ordinal);

    private static Reply GetKeys(CommandContext ctx)
    {
        // COMMAND GETKEYS's own arity is -4 in Redis: a command name alone is not a full command.
        if (ctx.ArgCount < 4)
            return Errors.WrongArity("command|getkeys");
        var spec = ctx.Table.Find(ctx.Args[2]);
        if (spec is null)
            return Errors.GetKeysInvalidCommand;
        var argc = ctx.ArgCount - 2;
        if (!spec.AcceptsArgumentCount(argc))
            return Errors.GetKeysInvalidArity;
        var keys = spec.KeyIndexes(ctx.Args[2..]).Select(i => Reply.Bulk(ctx.Args[i + 2])).ToArray();
        return keys.Length == 0 ? Errors.GetKeysNoKeys : Reply.Array(keys);
    }

    /// <summary>One command as COMMAND INFO describes it (Redis 7's ten fields).</summary>
    private static Reply Info(CommandSpec spec) => Reply.Array(
    [
        Reply.Bulk(spec.Name.ToLowerInvariant()),
        Reply.Integer(spec.Arity),
        Reply.Set(FlagNames(spec).Select(Reply.Simple).ToArray()),
        Reply.Integer(spec.FirstKey),
        Reply.Integer(spec.LastKey),
        Reply.Integer(spec.FirstKey == 0 ? 0 : spec.KeyStep),
        Reply.Set(AclCategories(spec).Select(Reply.Simple).ToArray()),
        Reply.EmptyArray,
        Reply.EmptyArray,
        Reply.EmptyArray,
    ]);

    private static Reply Docs(CommandSpec spec) => Reply.Map(
    [
        Reply.Bulk("summary"), Reply.Bulk(spec.Summary),
        Reply.Bulk("since"), Reply.Bulk(spec.Since),
        Reply.Bulk("group"), Reply.Bulk(spec.Group),
        Reply.Bulk("complexity"), Reply.Bulk(spec.Complexity),
        Reply.Bulk("syntax"), Reply.Bulk(spec.Syntax),
    ]);

    private static Reply Help() => Reply.Array(HelpLines.Select(Reply.Simple).ToArray());

    private static readonly string[] HelpLines =
    [
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all commands.",
        "COUNT",
        "    Return the total number of commands.",
        "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
        "    Return a list of all commands, optionally filtered.",
        "INFO [<command-name> ...]",
        "    Return details about the named commands, or all commands if none is given.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about the named commands, or all commands if none is given.",
        "GETKEYS <full-command>",
        "    Return the keys from a full command.",
        "HELP",
        "    Prints this help.",
    ];

    private static IEnumerable<string> FlagNames(CommandSpec spec)
    {
        var flags = spec.Flags;
        if ((flags & CommandFlags.Write) != 0) yield return "write";
        if ((flags & CommandFlags.ReadOnly) != 0) yield return "readonly";
        if ((flags & CommandFlags.DenyOom) != 0) yield return "denyoom";
        if ((flags & CommandFlags.Admin) != 0) yield return "admin";
        if ((flags & CommandFlags.NoScript) != 0) yield return "noscript";
        if ((flags & CommandFlags.Blocking) != 0) yield return "blocking";
        if ((flags & CommandFlags.Loading) != 0) yield return "loading";
        if ((flags & CommandFlags.Stale) != 0) yield return "stale";
        if ((flags & CommandFlags.PubSub) != 0) yield return "pubsub";
        if ((flags & CommandFlags.Fast) != 0) yield return "fast";
        if (spec.HasMovableKeys) yield return "movablekeys";
    }

    /// <summary>
    /// Redis's ACL categories, derived from the declaration. The data-type category comes from the
    /// group, except that Redis has no @server category: its server commands that read or write keys
    /// (DBSIZE, FLUSHDB…) are @keyspace, and the others (TIME) have none.
    /// </summary>
    /// <remarks>Differs from Redis: COMMAND lacks @connection.</remarks>
    private static IEnumerable<string> AclCategories(CommandSpec spec) => Categories(spec).Distinct();

    private static IEnumerable<string> Categories(CommandSpec spec)
    {
        var reads = (spec.Flags & CommandFlags.ReadOnly) != 0;
        if (spec.IsWrite) yield return "@write";
        if (reads) yield return "@read";
        foreach (var category in spec.Categories)
            yield return category;
        switch (spec.Categories.Count > 0 ? "declared" : spec.Group)
        {
            case "declared":
                break;
            case "generic":
            case "server" when spec.IsWrite || reads:
                yield return "@keyspace";
                break;
            case "server":
                break;
            default:
                yield return "@" + spec.Group;
                break;
        }
        if ((spec.Flags & CommandFlags.Admin) != 0) yield return "@admin";
        if ((spec.Flags & CommandFlags.Dangerous) != 0) yield return "@dangerous";
        yield return (spec.Flags & CommandFlags.Fast) != 0 ? "@fast" : "@slow";
    }
}
