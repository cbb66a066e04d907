using System.Text;
using Lodestone.Engine.Diagnostics;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Commands;

/// <summary>Operating the engine: INFO, SLOWLOG, CONFIG, LATENCY and MONITOR (Redis's server.c, slowlog.c, config.c, latency.c).</summary>
/// <remarks>
/// Differs from Redis: statistics are kept per command, not per subcommand (cmdstat_config, not
/// cmdstat_config|get); LATENCY has no GRAPH or HISTOGRAM; MONITOR is served as an HTTP event
/// stream (<c>GET /admin/monitor</c>), not on the command endpoint.
/// </remarks>
internal static class DiagnosticCommands
{
    /// <summary>INFO [section [section ...]]</summary>
    /// <remarks>Not admin, as in Redis (where it is only @dangerous); the HTTP form, <c>GET /admin/info</c>, is admin-only.</remarks>
    [Command("INFO", -1, Flags = CommandFlags.Dangerous | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "INFO [section [section ...]]", Summary = "Returns information and statistics about the server.",
        Complexity = "O(1)", Group = "server", Since = "1.0.0")]
    public static Reply Info(CommandContext ctx) =>
        Reply.Bulk(InfoReport.Build(ctx, ctx.Args.Skip(1).Select(a => Encoding.UTF8.GetString(a)).ToArray()));

    /// <summary>SLOWLOG GET [count] | LEN | RESET | HELP</summary>
    [Command("SLOWLOG", -2, Flags = CommandFlags.Dangerous | CommandFlags.Admin | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "SLOWLOG GET [count] | LEN | RESET | HELP", Summary = "Reads or resets the slow log.",
        Complexity = "GET: O(N) where N is the number of entries returned; LEN, RESET: O(1)", Group = "server", Since = "2.2.12")]
    public static Reply Slowlog(CommandContext ctx)
    {
        var slowlog = ctx.Diagnostics.Slowlog;
        var sub = ctx.ArgText(1).ToUpperInvariant();
        switch (sub)
        {
            case "GET" when ctx.ArgCount <= 3:
                long count = 10;
                if (ctx.ArgCount == 3 && (!ctx.TryInt64(2, out count) || count < -1))
                    return Errors.SlowlogCountBelowMinusOne;
                return Reply.Array(slowlog.Newest(count).Select(SlowlogEntryReply).ToArray());
            case "GET":
                // Redis 7.0's own words for SLOWLOG GET with too many arguments.
                return Errors.UnknownSubcommandOrArity("get", "SLOWLOG");
            case "LEN":
                return ctx.ArgCount == 2 ? Reply.Integer(slowlog.Count) : Errors.WrongArity("slowlog|len");
            case "RESET":
                if (ctx.ArgCount != 2)
                    return Errors.WrongArity("slowlog|reset");
                slowlog.Reset();
                return Reply.Ok;
            case "HELP":
                return ctx.ArgCount == 2 ? Help(SlowlogHelp) : Errors.WrongArity("slowlog|help");
            default:
                return Errors.UnknownSubcommand(ctx.ArgText(1), "SLOWLOG");
        }
    }

    private static Reply SlowlogEntryReply(SlowlogEntry entry) => Reply.Array(
    [
        Reply.Integer(entry.Id),
        Reply.Integer(entry.Timestamp),
        Reply.Integer(entry.DurationUs),
        Reply.Array(entry.Args.Select(Reply.Bulk).ToArray()),
        Reply.Bulk(entry.ClientAddress),
        Reply.Bulk(entry.ClientName),
    ]);

    /// <summary>CONFIG GET parameter [parameter ...] | SET parameter value [parameter value ...] | RESETSTAT | HELP</summary>
    /// <remarks>Only the runtime parameters of one registry (Diagnostics/ConfigParameters.cs); the rest are settings, read at start.</remarks>
    [Command("CONFIG", -2, Flags = CommandFlags.Dangerous | CommandFlags.Admin | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "CONFIG GET parameter [parameter ...] | SET parameter value [parameter value ...] | RESETSTAT | HELP",
        Summary = "Reads or changes runtime parameters, or resets the statistics.",
        Complexity = "GET: O(N) where N is the number of parameters; SET: O(N) where N is the number of parameters set; RESETSTAT: O(1)",
        Group = "server", Since = "2.0.0")]
    public static Reply Config(CommandContext ctx)
    {
        var sub = ctx.ArgText(1).ToUpperInvariant();
        return sub switch
        {
            "GET" => ctx.ArgCount >= 3 ? ConfigGet(ctx) : Errors.WrongArity("config|get"),
            "SET" => ctx.ArgCount >= 4 && ctx.ArgCount % 2 == 0 ? ConfigSet(ctx) : Errors.WrongArity("config|set"),
            "RESETSTAT" => ctx.ArgCount == 2 ? ConfigResetStat(ctx) : Errors.WrongArity("config|resetstat"),
            "HELP" => ctx.ArgCount == 2 ? Help(ConfigHelp) : Errors.WrongArity("config|help"),
            _ => Errors.UnknownSubcommand(ctx.ArgText(1), "CONFIG"),
        };
    }

    /// <summary>The parameters matching any of the glob patterns, each once: a map of name to value.</summary>
    private static Reply ConfigGet(CommandContext ctx)
    {
        var patterns = ctx.Args.Skip(2).Select(pattern => GlobPattern.Compile(pattern, ignoreCase: true)).ToArray();
        var matched = ConfigParameters.All
            .Where(p => patterns.Any(pattern => pattern.IsMatch(Encoding.ASCII.GetBytes(p.Name))));
        return Reply.Map(matched.SelectMany(p => new[] { Reply.Bulk(p.Name), Reply.Bulk(p.Get(ctx)) }).ToArray());
    }

    /// <summary>All or nothing: every pair is validated before any is applied.</summary>
    private static Reply ConfigSet(CommandContext ctx)
    {
        var changes = new List<Action>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 2; i < ctx.ArgCount; i += 2)
        {
            var name = ctx.ArgText(i);
            if (ConfigParameters.Find(name) is not { } parameter)
                return Errors.UnknownConfigOption(name);
            if (!seen.Add(parameter.Name))
                return Errors.ConfigSetFailed(name, "duplicate parameter");
            if (parameter.Set is null)
                return Errors.ConfigSetFailed(name, "can't set immutable config");
            var change = parameter.Set(ctx, ctx.ArgText(i + 1));
            if (change.Error is { } error)
                return Errors.ConfigSetFailed(name, error);
            changes.Add(change.Apply!);
        }
        foreach (var apply in changes)
            apply();
        return Reply.Ok;
    }

    /// <summary>
    /// Starts the counters INFO reports (stats, commandstats, errorstats, hits and misses) again from
    /// zero; the slow log and latency events stay, as in Redis. The totals /metrics exports go on.
    /// </summary>
    private static Reply ConfigResetStat(CommandContext ctx)
    {
        ctx.Diagnostics.Stats.Reset(ctx.Keyspace.Hits, ctx.Keyspace.Misses);
        return Reply.Ok;
    }

    /// <summary>LATENCY LATEST | HISTORY event | RESET [event ...] | DOCTOR | HELP</summary>
    [Command("LATENCY", -2, Flags = CommandFlags.Dangerous | CommandFlags.Admin | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "LATENCY LATEST | HISTORY event | RESET [event ...] | DOCTOR | HELP",
        Summary = "Reports latency spikes by event class, or resets them.",
        Complexity = "O(1) for LATEST and HISTORY; RESET: O(N) where N is the number of events", Group = "server", Since = "2.8.13")]
    public static Reply Latency(CommandContext ctx)
    {
        var monitor = ctx.Diagnostics.Latency;
        var sub = ctx.ArgText(1).ToUpperInvariant();
        return sub switch
        {
            "LATEST" => ctx.ArgCount == 2
                ? Reply.Array(monitor.Events().Select(e => Reply.Array(
                [
                    Reply.Bulk(e.Name), Reply.Integer(e.Latest.Timestamp), Reply.Integer(e.Latest.LatencyMs), Reply.Integer(e.MaxMs),
                ])).ToArray())
                : Errors.WrongArity("latency|latest"),
            "HISTORY" => ctx.ArgCount == 3
                ? Reply.Array((monitor.Event(ctx.ArgText(2))?.History ?? [])
                    .Select(s => Reply.Array([Reply.Integer(s.Timestamp), Reply.Integer(s.LatencyMs)])).ToArray())
                : Errors.WrongArity("latency|history"),
            "RESET" => Reply.Integer(monitor.Reset(ctx.Args.Skip(2).Select(a => Encoding.UTF8.GetString(a)).ToArray())),
            "DOCTOR" => ctx.ArgCount == 2 ? Reply.Bulk(LatencyDoctor.Report(monitor)) : Errors.WrongArity("latency|doctor"),
            "HELP" => ctx.ArgCount == 2 ? Help(LatencyHelp) : Errors.WrongArity("latency|help"),
            _ => Errors.UnknownSubcommand(ctx.ArgText(1), "LATENCY"),
        };
    }

    /// <summary>MONITOR</summary>
    /// <remarks>Differs from Redis: a request/response endpoint cannot stream, so MONITOR answers with where its stream is.</remarks>
    [Command("MONITOR", 1, Flags = CommandFlags.Dangerous | CommandFlags.Admin | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "MONITOR", Summary = "Listens for all requests received by the server in real time (over HTTP: GET /admin/monitor).",
        Complexity = "O(1)", Group = "server", Since = "1.0.0")]
    public static Reply Monitor(CommandContext ctx) => Errors.MonitorOverHttp;

    private static Reply Help(string[] lines) => Reply.Array(lines.Select(Reply.Simple).ToArray());

    private static readonly string[] SlowlogHelp =
    [
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    ];

    private static readonly string[] ConfigHelp =
    [
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "HELP",
        "    Prints this help.",
    ];

    private static readonly string[] LatencyHelp =
    [
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HELP",
        "    Prints this help.",
    ];
}
