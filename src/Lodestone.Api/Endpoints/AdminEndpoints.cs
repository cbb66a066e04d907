using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/admin</c>: operating the service. With API keys configured, every route needs the admin role.
/// </summary>
public static partial class AdminEndpoints
{
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin").WithTags("Admin").RequireApiKey(app, ApiKeys.AdminPolicy);

        group.MapGet("/snapshots", GetSnapshots)
            .Describe("getSnapshots", "LASTSAVE", "LASTSAVE",
                "The state of snapshots and the log: the last save's time, offset, duration and size, whether one is running, the last error.");
        group.MapPost("/snapshots", Snapshot)
            .Describe("takeSnapshot", "BGSAVE", "BGSAVE",
                "Takes a snapshot now, in the background, and compacts the log to it (a snapshot is also an AOF rewrite here). 202 with the state; poll GET /admin/snapshots.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/aof/rewrite", Snapshot)
            .Describe("rewriteAof", "BGREWRITEAOF", "BGREWRITEAOF",
                "Compacts the log: a new snapshot, then a new log segment from its offset (the same operation as POST /admin/snapshots).")
            .ProducesProblem(StatusCodes.Status409Conflict);
        MapMemory(group);
        MapObservability(group);
        return group;
    }

    /// <summary>An admin route: its operationId, the Redis command it runs (null for none), its syntax line and description.</summary>
    private static RouteHandlerBuilder Describe(this RouteHandlerBuilder route, string operationId, string? command, string syntax, string description) =>
        route.WithMetadata(new RedisCommandMetadata(operationId, command)).WithSummary(syntax).WithDescription(description);

    private static Ok<SnapshotState> GetSnapshots(AppendOnlyLog log, Executor executor, IOptions<PersistenceOptions> options) =>
        TypedResults.Ok(State(log, executor, options.Value));

    private static Results<Accepted<SnapshotState>, ProblemHttpResult> Snapshot(AppendOnlyLog log, Executor executor, IOptions<PersistenceOptions> options)
    {
        if (!options.Value.AppendOnly)
            return Problems.Conflict("Persistence is off (Persistence:AppendOnly is false): there is nothing to snapshot to.");
        try
        {
            _ = log.SnapshotAsync(executor);
        }
        catch (InvalidOperationException busy)
        {
            return Problems.Conflict(busy.Message);
        }
        return TypedResults.Accepted("/admin/snapshots", State(log, executor, options.Value));
    }

    private static SnapshotState State(AppendOnlyLog log, Executor executor, PersistenceOptions options)
    {
        var status = log.Status;
        return new SnapshotState(options.AppendOnly, status.InProgress, status.LastSaveTime, status.LastSaveOffset,
            status.LastDuration?.TotalMilliseconds, status.LastSize, status.LastError, status.LogBytes, executor.CommittedOffset,
            status.LogRecords, status.LogFsyncs);
    }
}
