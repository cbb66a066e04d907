using System.Text;
using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Validation;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/locks</c>: distributed locks with fencing tokens, on the engine's LOCK.* commands. A grant's
/// fencing token is strictly greater than every earlier grant of the lock; what the lock protects
/// keeps the largest token it has seen and refuses smaller ones (or asks <c>POST /locks/{name}/fence</c>).
/// </summary>
internal static class LocksEndpoints
{
    public static RouteGroupBuilder MapLocks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/locks").WithTags("Locks").WithValidation().RequireApiKey(app);

        group.MapPost("/{name}", Acquire).ForCommand("LOCK.ACQUIRE", "acquireLock")
            .WithMetadata(new OpenApiExamples("""{"ttlMs":30000,"waitMs":5000}""",
                """{"name":"nightly-report","owner":"3f9c2a7d0b1e4c58a6d2f0e1b7c9a354","fencingToken":42,"expiresAt":"2026-11-26T12:00:30+00:00","ttlMs":30000}"""))
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPatch("/{name}", Extend).ForCommand("LOCK.EXTEND", "extendLock")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/{name}", Release).ForCommand("LOCK.RELEASE", "releaseLock")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{name}", Info).ForCommand("LOCK.INFO", "getLock")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{name}/fence", Fence).ForCommand("LOCK.FENCE", "checkLockFence")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<Results<Created<LockGrant>, StatusCodeHttpResult, ProblemHttpResult>> Acquire(
        RouteKey target, AcquireLockRequest request, HttpContext http, EngineClient engine)
    {
        byte[][] args = request.Owner is { } owner
            ? Argv.Of("LOCK.ACQUIRE", target.Bytes, request.TtlMs, "OWNER", owner, "WAIT", request.WaitMs)
            : Argv.Of("LOCK.ACQUIRE", target.Bytes, request.TtlMs, "WAIT", request.WaitMs);
        if (await Collections.LongPollAsync(engine, http, args, target.Bytes) is not { } result)
            return Collections.ClientGone();
        if (Refused(result.Reply, engine) is { } refused)
            return refused;
        return TypedResults.Created($"/locks/{KeyHttp.PathSegment(target.Bytes)}", Grant(result.Reply));
    }

    private static async Task<Results<Ok<LockGrant>, ProblemHttpResult>> Extend(
        RouteKey target, ExtendLockRequest request, EngineClient engine)
    {
        var reply = await engine.RunAsync(Argv.Of("LOCK.EXTEND", target.Bytes, request.Owner, request.TtlMs));
        if (Refused(reply, engine) is { } refused)
            return refused;
        return TypedResults.Ok(Grant(reply));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Release(
        RouteKey target, [FromQuery] string? owner, EngineClient engine)
    {
        if (string.IsNullOrEmpty(owner))
            return Problems.Of(ErrorKind.BadRequest, "The owner query parameter is required: DELETE /locks/{name}?owner=<your owner token>.");
        var reply = await engine.RunAsync(Argv.Of("LOCK.RELEASE", target.Bytes, owner));
        if (Refused(reply, engine) is { } refused)
            return refused;
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<LockState>, ProblemHttpResult>> Info(RouteKey target, EngineClient engine)
    {
        var reply = await engine.RunAsync(Argv.Of("LOCK.INFO", target.Bytes));
        if (reply.IsProblem(out var problem))
            return problem;
        if (reply.IsNull)
            return Problems.Of(ErrorKind.NoSuchKey, $"No lock '{target}' has ever been granted (or its key was deleted).");
        var fields = Fields(reply);
        var owner = fields["owner"];
        return TypedResults.Ok(new LockState(
            target.ToString(),
            Held: !owner.IsNull,
            Owner: owner.IsNull ? null : Text(owner),
            FencingToken: fields["fencing-token"].AsInteger(),
            ExpiresAt: fields["expires-at"].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(fields["expires-at"].AsInteger()),
            TtlMs: fields["ttl-ms"].IsNull ? null : fields["ttl-ms"].AsInteger(),
            Waiters: fields["waiters"].AsInteger()));
    }

    private static async Task<Results<Ok<FenceResult>, ProblemHttpResult>> Fence(RouteKey target, FenceRequest request, EngineClient engine)
    {
        var reply = await engine.RunAsync(Argv.Of("LOCK.FENCE", target.Bytes, request.FencingToken));
        if (reply.IsProblem(out var problem))
            return problem;
        return TypedResults.Ok(new FenceResult(target.ToString(), request.FencingToken));
    }

    /// <summary>The problem for an error reply; a held lock also says until when (lockedUntil), besides Retry-After.</summary>
    private static ProblemHttpResult? Refused(Reply reply, EngineClient engine)
    {
        if (!reply.IsProblem(out var problem))
            return null;
        if (reply.AsError().RetryAfter is { } retryAfter)
            problem.ProblemDetails.Extensions["lockedUntil"] = engine.Time.GetUtcNow() + retryAfter;
        return problem;
    }

    private static LockGrant Grant(Reply reply)
    {
        var fields = Fields(reply);
        return new LockGrant(
            Text(fields["name"]),
            Text(fields["owner"]),
            fields["fencing-token"].AsInteger(),
            DateTimeOffset.FromUnixTimeMilliseconds(fields["expires-at"].AsInteger()),
            fields["ttl-ms"].AsInteger());
    }

    private static Dictionary<string, Reply> Fields(Reply map) =>
        map.AsItems().Chunk(2).ToDictionary(pair => Text(pair[0]), pair => pair[1], StringComparer.Ordinal);

    private static string Text(Reply bulk) => Encoding.UTF8.GetString(bulk.AsBulk().Span);
}
