using System.Text.Json.Nodes;
using Lodestone.Api.Contracts;
using Lodestone.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/admin</c>: operating the service. With API keys configured, every route needs the admin role.
/// Every route runs Redis commands through <see cref="EngineClient"/>, as the caller, so the command
/// table's checks (the admin flag, ACLs, loading) apply here as on <c>/commands</c>.
/// </summary>
internal static partial class AdminEndpoints
{
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin").WithTags("Admin").RequireApiKey(app, ApiKeys.AdminPolicy);

        group.MapGet("/snapshots", GetSnapshots)
            .Describe("getSnapshots", "INFO persistence replication",
                "The state of snapshots and the log, from INFO persistence and replication: the last save's time, offset, duration and size, whether one is running, the last error.");
        group.MapPost("/snapshots", Snapshot)
            .Describe("takeSnapshot", "BGSAVE",
                "Takes a snapshot now, in the background, and compacts the log to it (a snapshot is also an AOF rewrite here). 202 with the state; poll GET /admin/snapshots. " +
                "409 while one runs, or without persistence.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/aof/rewrite", RewriteAof)
            .Describe("rewriteAof", "BGREWRITEAOF",
                "Compacts the log: a new snapshot, then a new log segment from its offset (the same operation as POST /admin/snapshots).")
            .ProducesProblem(StatusCodes.Status409Conflict);
        MapMemory(group);
        MapObservability(group);
        return group;
    }

    /// <summary>
    /// An admin route: its operationId, the Redis command it runs as written (<c>SLOWLOG GET</c>; the
    /// first word names it in the command table, whose syntax line is the summary) and what the route does.
    /// </summary>
    private static RouteHandlerBuilder Describe(this RouteHandlerBuilder route, string operationId, string runs, string description) =>
        route.ForCommand(runs.Split(' ')[0], operationId).WithDescription($"{description} Runs: {runs}.");

    private static async Task<Results<Ok<SnapshotState>, ProblemHttpResult>> GetSnapshots(EngineClient engine)
    {
        var reply = await engine.RunAsync(SnapshotInfo);
        return reply.IsProblem(out var problem) ? problem : TypedResults.Ok(State(reply));
    }

    private static Task<Results<Accepted<SnapshotState>, ProblemHttpResult>> Snapshot(EngineClient engine) => StartSnapshot(engine, "BGSAVE");

    private static Task<Results<Accepted<SnapshotState>, ProblemHttpResult>> RewriteAof(EngineClient engine) => StartSnapshot(engine, "BGREWRITEAOF");

    /// <summary>Starts the snapshot and reads the state in one pipeline, so the state shows it running.</summary>
    private static async Task<Results<Accepted<SnapshotState>, ProblemHttpResult>> StartSnapshot(EngineClient engine, string command)
    {
        var replies = await engine.RunBatchAsync([[Bytes(command)], SnapshotInfo]);
        if (replies[0].IsProblem(out var problem) || replies[1].IsProblem(out problem))
            return problem;
        return TypedResults.Accepted("/admin/snapshots", State(replies[1]));
    }

    private static readonly byte[][] SnapshotInfo = [Bytes("INFO"), Bytes("persistence"), Bytes("replication")];

    /// <summary>The snapshot state as INFO persistence (and replication's offset) tell it; Lodestone's own fields are there only with a log.</summary>
    private static SnapshotState State(Lodestone.Engine.Execution.Reply info)
    {
        var json = InfoJson(Text(info));
        var persistence = json["persistence"]!;
        long? Long(string field) => persistence[field] is JsonValue value && value.TryGetValue<long>(out var n) ? n : null;
        var lastOffset = Long("rdb_last_save_offset") is >= 0 and var offset ? offset : (long?)null;
        return new SnapshotState(
            Enabled: Long("aof_enabled") == 1,
            InProgress: Long("rdb_bgsave_in_progress") == 1,
            LastSaveTime: lastOffset is null ? null : DateTimeOffset.FromUnixTimeSeconds(Long("rdb_last_save_time") ?? 0),
            LastSaveOffset: lastOffset,
            LastDurationMs: persistence["rdb_last_bgsave_time_ms"] is JsonValue ms && ms.TryGetValue<double>(out var duration) ? duration : null,
            LastSizeBytes: Long("rdb_last_save_bytes"),
            LastError: persistence["last_save_error"]?.ToString(),
            LogBytes: Long("aof_current_size") ?? 0,
            Offset: (long)json["replication"]!["master_repl_offset"]!,
            LogRecords: Long("aof_records") ?? 0,
            LogFsyncs: Long("aof_fsyncs") ?? 0);
    }
}
