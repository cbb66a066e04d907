using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Diagnostics;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/admin</c> observability: INFO, the slow log, runtime parameters, latency events, MONITOR as
/// Server-Sent Events, and the replication state. Each route runs the Redis command it is named
/// after, as the caller, so the command endpoint and these routes cannot disagree.
/// </summary>
internal static partial class AdminEndpoints
{
    private static void MapObservability(RouteGroupBuilder group)
    {
        group.MapGet("/info", Info)
            .Describe("getInfo", "INFO",
                "INFO as JSON: section → field → value, numbers as numbers, and 'calls=1,usec=2' values (commandstats, keyspace, errorstats) as objects. " +
                "?section= may repeat (server, clients, memory, persistence, stats, replication, cpu, commandstats, errorstats, keyspace, default, all, everything).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/replication", Replication)
            .Describe("getReplication", "INFO replication",
                "The replication state as INFO replication tells it — role, ids, offsets, backlog — with each replica's acknowledged offset and lag in bytes and ms, a replica's link to its primary, and INFO stats' sync_full, sync_partial_ok, sync_partial_err.");
        group.MapPut("/replication", ChangeReplication)
            .Describe("setReplication", "REPLICAOF",
                "{\"primaryOf\":\"http://host:port\"} makes this node a replica of that primary (REPLICAOF host port); {\"primaryOf\":null} promotes it (REPLICAOF NO ONE): a new replication id, the old kept as replid2. Answers with the new state.")
            .WithMetadata(new OpenApiExamples("""{"primaryOf":"http://127.0.0.1:8379"}""", """{"primaryOf":null}"""))
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/slowlog", GetSlowlog)
            .Describe("getSlowlog", "SLOWLOG GET",
                "The newest slow commands, newest first, as {\"entries\":[…]} (count: default 10, -1 for all). Thresholds: CONFIG slowlog-log-slower-than (µs) and slowlog-max-len.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/slowlog/length", SlowlogLength)
            .Describe("getSlowlogLength", "SLOWLOG LEN",
                "How many entries the slow log holds.");
        group.MapDelete("/slowlog", ResetSlowlog)
            .Describe("resetSlowlog", "SLOWLOG RESET",
                "Empties the slow log (entry ids keep growing).");
        group.MapGet("/config", GetConfig)
            .Describe("getConfig", "CONFIG GET",
                "The runtime parameters and their values (?pattern= globs, may repeat; default *).");
        group.MapPatch("/config", SetConfig)
            .Describe("setConfig", "CONFIG SET",
                "Sets parameters, all or none: a JSON object of name → string value, e.g. {\"slowlog-log-slower-than\":\"5000\"}. " +
                "Answers with every parameter's value. Unknown, read-only or invalid parameters are a 400 with Redis's message.")
            .WithMetadata(new OpenApiExamples("""{"slowlog-log-slower-than":"5000","latency-monitor-threshold":"100"}""", """{"hz":"10","slowlog-log-slower-than":"5000"}"""))
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/latency", LatencyLatest)
            .Describe("getLatestLatency", "LATENCY LATEST",
                "Each event class's latest and worst spike, as {\"entries\":[…]} (events: " + string.Join(", ", LatencyMonitor.EventNames) + "). Empty while latency-monitor-threshold is 0.");
        group.MapGet("/latency/doctor", LatencyDoctor)
            .Describe("getLatencyDoctor", "LATENCY DOCTOR",
                "A plain-English report on the latency events, with advice (text/plain).")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        group.MapGet("/latency/{event}", LatencyHistory)
            .Describe("getLatencyHistory", "LATENCY HISTORY",
                "An event class's spikes, oldest first (at most 160, one per second).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/latency", LatencyResetAll)
            .Describe("resetLatency", "LATENCY RESET",
                "Forgets the named event classes (?event=, may repeat), or all of them.");
        group.MapGet("/monitor", Monitor)
            .Describe("monitor", "MONITOR",
                "Every executed command, as Server-Sent Events: data: {\"time\":…,\"client\":…,\"command\":…,\"args\":[…]}. " +
                "?command= keeps one command, ?match= only commands with a key matching the glob. Administrative commands are not shown. " +
                "A reader that falls " + MonitorBuffer + " events behind gets 'event: overflow' and is disconnected.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    /// <summary>How many events may wait for a MONITOR reader before it is dropped.</summary>
    private const int MonitorBuffer = 4096;

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> Info(EngineClient engine, [FromQuery] string[]? section)
    {
        var sections = section ?? [];
        if (sections.FirstOrDefault(s => !EngineDiagnostics.InfoSections.Contains(s, StringComparer.OrdinalIgnoreCase)) is { } unknown)
            return Problems.Of(ErrorKind.BadRequest, $"There is no INFO section '{unknown}'. Sections: {string.Join(", ", EngineDiagnostics.InfoSections)}.");
        var reply = await engine.RunAsync([Bytes("INFO"), .. sections.Select(Bytes)]);
        if (reply.IsProblem(out var problem))
            return problem;
        return TypedResults.Ok(InfoJson(Text(reply)));
    }

    private static async Task<Results<Ok<ReplicationState>, ProblemHttpResult>> Replication(EngineClient engine)
    {
        var reply = await engine.RunAsync([Bytes("INFO"), Bytes("replication"), Bytes("stats")]);
        if (reply.IsProblem(out var problem))
            return problem;
        return TypedResults.Ok(ReplicationView(InfoJson(Text(reply)), engine));
    }

    /// <summary>INFO's fields, and each replica's offset and lag from the engine's own list (INFO rounds lag to seconds).</summary>
    private static ReplicationState ReplicationView(JsonObject info, EngineClient engine)
    {
        var replication = info["replication"]!;
        var stats = info["stats"]!;
        var offset = (long)replication["master_repl_offset"]!;
        var now = engine.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var replicas = engine.Replication.Replicas.Values.OrderBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => new ReplicaView(r.Id, r.Ip, r.Port, r.Url, r.State, r.AckOffset, Math.Max(0, offset - r.AckOffset), Math.Max(0, now - r.AckAtMs)))
            .ToArray();
        var primary = engine.Replication.PrimaryUrl is { } url
            ? new PrimaryLinkView(url, (string)replication["master_host"]!, (int)(long)replication["master_port"]!, (string)replication["master_link_status"]!,
                (long)replication["master_last_io_seconds_ago"]!, (long)replication["master_sync_in_progress"]! != 0)
            : null;
        return new ReplicationState(
            (string)replication["role"]!, (long)replication["connected_slaves"]!, replicas, (string)replication["master_replid"]!, (string)replication["master_replid2"]!,
            offset, (long)replication["second_repl_offset"]!, (long)replication["repl_backlog_active"]!, (long)replication["repl_backlog_size"]!,
            (long)replication["repl_backlog_first_byte_offset"]!, (long)replication["repl_backlog_histlen"]!, primary,
            (long)stats["sync_full"]!, (long)stats["sync_partial_ok"]!, (long)stats["sync_partial_err"]!,
            // Member ids may be all digits, which INFO's JSON reads as numbers: taken as text.
            replication["failover_epoch"] is null ? null : new FailoverView(replication["failover_node"]?.ToString() ?? "", (long)replication["failover_epoch"]!,
                replication["failover_primary"]?.ToString() ?? "", replication["failover_leader"]?.ToString() ?? "", (long)replication["failover_lease"]! != 0,
                (string)replication["master_failover_state"]!, (long)replication["failover_failovers"]!, (long)replication["failover_lease_losses"]!));
    }

    private static async Task<Results<Ok<ReplicationState>, ProblemHttpResult>> ChangeReplication(EngineClient engine, ReplicationChange change)
    {
        byte[][] command;
        if (change.PrimaryOf is null)
            command = [Bytes("REPLICAOF"), Bytes("NO"), Bytes("ONE")];
        else if (Uri.TryCreate(change.PrimaryOf, UriKind.Absolute, out var primary) && primary.Scheme is "http" or "https" && primary.AbsolutePath == "/" && primary.Query.Length == 0)
            command = [Bytes("REPLICAOF"), Bytes(primary.Scheme + "://" + primary.Host), Bytes(primary.Port.ToString(CultureInfo.InvariantCulture))];
        else
            return Problems.Of(ErrorKind.BadRequest, "primaryOf must be the primary's base URL (http://host:port), or null to become a primary.");
        var reply = await engine.RunAsync(command);
        if (reply.IsProblem(out var problem))
            return problem;
        return await Replication(engine);
    }

    private static async Task<Results<Ok<SlowlogEntries>, ProblemHttpResult>> GetSlowlog(EngineClient engine, long? count)
    {
        var reply = await engine.RunAsync([Bytes("SLOWLOG"), Bytes("GET"), Bytes((count ?? 10).ToString(CultureInfo.InvariantCulture))]);
        if (reply.IsProblem(out var problem))
            return problem;
        return TypedResults.Ok(new SlowlogEntries(reply.AsItems().Select(entry =>
        {
            var fields = entry.AsItems();
            var args = fields[3].AsItems().Select(a => a.AsBulk()).ToArray();
            var encoding = args.Any(a => !System.Text.Unicode.Utf8.IsValid(a.Span)) ? BinaryText.Base64 : null;
            return new SlowlogEntryView(fields[0].AsInteger(), fields[1].AsInteger(), fields[2].AsInteger(),
                args.Select(a => BinaryText.Encode(a.Span, encoding)).ToArray(), Text(fields[4]), Text(fields[5]), encoding);
        }).ToArray()));
    }

    private static async Task<Results<Ok<SlowlogLength>, ProblemHttpResult>> SlowlogLength(EngineClient engine)
    {
        var reply = await engine.RunAsync([Bytes("SLOWLOG"), Bytes("LEN")]);
        return reply.IsProblem(out var problem) ? problem : TypedResults.Ok(new SlowlogLength(reply.AsInteger()));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ResetSlowlog(EngineClient engine)
    {
        var reply = await engine.RunAsync([Bytes("SLOWLOG"), Bytes("RESET")]);
        return reply.IsProblem(out var problem) ? problem : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<Dictionary<string, string>>, ProblemHttpResult>> GetConfig(EngineClient engine, [FromQuery] string[]? pattern)
    {
        var patterns = pattern is { Length: > 0 } ? pattern : ["*"];
        var reply = await engine.RunAsync([Bytes("CONFIG"), Bytes("GET"), .. patterns.Select(Bytes)]);
        return reply.IsProblem(out var problem) ? problem : TypedResults.Ok(ConfigMap(reply));
    }

    private static async Task<Results<Ok<Dictionary<string, string>>, ProblemHttpResult>> SetConfig(EngineClient engine, Dictionary<string, string>? parameters)
    {
        if (parameters is null || parameters.Count == 0)
            return Problems.Of(ErrorKind.BadRequest, "The body must be a JSON object of parameter names to string values, e.g. {\"slowlog-log-slower-than\":\"5000\"}.");
        var reply = await engine.RunAsync([Bytes("CONFIG"), Bytes("SET"), .. parameters.SelectMany(p => new[] { Bytes(p.Key), Bytes(p.Value ?? "") })]);
        if (reply.IsProblem(out var problem))
            return problem;
        var current = await engine.RunAsync([Bytes("CONFIG"), Bytes("GET"), Bytes("*")]);
        return current.IsProblem(out problem) ? problem : TypedResults.Ok(ConfigMap(current));
    }

    private static async Task<Results<Ok<LatencyLatestEntries>, ProblemHttpResult>> LatencyLatest(EngineClient engine)
    {
        var reply = await engine.RunAsync([Bytes("LATENCY"), Bytes("LATEST")]);
        if (reply.IsProblem(out var problem))
            return problem;
        return TypedResults.Ok(new LatencyLatestEntries(reply.AsItems().Select(e => e.AsItems())
            .Select(f => new LatencyLatest(Text(f[0]), f[1].AsInteger(), f[2].AsInteger(), f[3].AsInteger())).ToArray()));
    }

    private static async Task<Results<Ok<LatencyHistory>, ProblemHttpResult>> LatencyHistory(EngineClient engine, string @event)
    {
        if (!LatencyMonitor.EventNames.Contains(@event, StringComparer.Ordinal))
            return Problems.Create(ProblemTable.ForStatus(StatusCodes.Status404NotFound),
                $"There is no latency event '{@event}'. Events: {string.Join(", ", LatencyMonitor.EventNames)}.", "ERR");
        var reply = await engine.RunAsync([Bytes("LATENCY"), Bytes("HISTORY"), Bytes(@event)]);
        if (reply.IsProblem(out var problem))
            return problem;
        return TypedResults.Ok(new LatencyHistory(@event, reply.AsItems().Select(s => s.AsItems())
            .Select(f => new LatencySampleView(f[0].AsInteger(), f[1].AsInteger())).ToArray()));
    }

    private static async Task<Results<Ok<LatencyReset>, ProblemHttpResult>> LatencyResetAll(EngineClient engine, [FromQuery(Name = "event")] string[]? events)
    {
        var reply = await engine.RunAsync([Bytes("LATENCY"), Bytes("RESET"), .. (events ?? []).Select(Bytes)]);
        return reply.IsProblem(out var problem) ? problem : TypedResults.Ok(new LatencyReset(reply.AsInteger()));
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> LatencyDoctor(EngineClient engine)
    {
        var reply = await engine.RunAsync([Bytes("LATENCY"), Bytes("DOCTOR")]);
        return reply.IsProblem(out var problem) ? problem : TypedResults.Text(Text(reply), "text/plain", Encoding.UTF8);
    }

    /// <summary>
    /// MONITOR as Server-Sent Events. The engine writes into this subscriber's bounded buffer and
    /// never waits for it; a reader that lets the buffer fill is told so and disconnected.
    /// </summary>
    private static async Task<IResult> Monitor(HttpContext http, EngineClient engine, IHostApplicationLifetime lifetime, string? command, string? match)
    {
        if (command is not null && Lodestone.Engine.Commands.CommandTable.Default.Find(command) is null)
            return Problems.Of(ErrorKind.BadRequest, $"There is no command '{command}' to monitor.");
        if (engine.Monitor(command, match is null ? null : Bytes(match), MonitorBuffer, out var monitor) is { } refused)
            return Problems.From(refused);
        using var subscription = monitor!;
        await EventStream.RunAsync(http, lifetime, subscription.Events, "monitoring",
            shown =>
            {
                var encoding = shown.Args.Any(a => !System.Text.Unicode.Utf8.IsValid(a)) ? BinaryText.Base64 : null;
                var view = new MonitorEventView(shown.Time, shown.Client, shown.Command,
                    shown.Args.Select(a => BinaryText.Encode(a, encoding)).ToArray(), encoding);
                return "data: " + JsonSerializer.Serialize(view, MonitorJson) + "\n\n";
            },
            () => subscription.Overflowed
                ? $"event: overflow\ndata: {{\"error\":\"the reader fell {MonitorBuffer} events behind and was disconnected\"}}\n\n"
                : null);
        return Results.Empty;
    }


    private static readonly JsonSerializerOptions MonitorJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(Reply reply) => reply.Kind == ReplyKind.SimpleString ? reply.AsSimple() : Encoding.UTF8.GetString(reply.AsBulk().Span);

    private static Dictionary<string, string> ConfigMap(Reply reply)
    {
        var items = reply.AsItems();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Count; i += 2)
            map[Text(items[i])] = Text(items[i + 1]);
        return map;
    }

    /// <summary>INFO's text as JSON: "# Section" → an object; "field:value" → a member; numbers as numbers; "a=1,b=2" as an object.</summary>
    internal static JsonObject InfoJson(string text)
    {
        var root = new JsonObject();
        JsonObject? section = null;
        foreach (var line in text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                section = [];
                root[line[2..].ToLowerInvariant()] = section;
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (section is null || colon < 0)
                continue;
            section[line[..colon]] = InfoValue(line[(colon + 1)..], nested: true);
        }
        return root;
    }

    private static JsonNode InfoValue(string value, bool nested)
    {
        if (Integer().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonValue.Create(integer);
        if (Decimal().IsMatch(value))
            return JsonValue.Create(double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture));
        if (nested && Pairs().IsMatch(value))
        {
            var members = new JsonObject();
            foreach (var pair in value.Split(','))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                members[pair[..equals]] = InfoValue(pair[(equals + 1)..], nested: false);
            }
            return members;
        }
        return JsonValue.Create(value);
    }

    // No leading zeros: "0000…" (master_replid2) is an identifier, not a number.
    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)\.[0-9]+$")]
    private static partial Regex Decimal();

    [GeneratedRegex(@"^[a-z_]+=[^,=]*(,[a-z_]+=[^,=]*)*$")]
    private static partial Regex Pairs();
}
