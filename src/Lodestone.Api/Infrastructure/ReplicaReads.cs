using System.Globalization;
using Lodestone.Api.Errors;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Read-your-writes across replicas, for every entry point (resource routes, <c>/commands</c>, the
/// push routes, <c>/admin</c>): every response carries <c>upstash-sync-token</c>, this node's committed
/// offset when the response starts — for a write, an offset at or after the one it committed at; a
/// replica's responses also carry <c>Lodestone-Replication-Offset</c> (its applied offset) and
/// <c>Lodestone-Replication-Lag-Ms</c> (<see cref="Lodestone.Engine.Replication.ReplicationState.LagMs"/>).
/// A request that sends a token to a replica waits, woken by each applied batch and for at most
/// <c>Replication:ReadYourWritesWaitMs</c>, until the replica has applied that offset; else it answers
/// 503 TRYAGAIN with Retry-After. A primary has every offset it ever handed out: its tokens pass at once.
/// </summary>
/// <remarks>
/// The headers are set when the response starts (<see cref="HttpResponse.OnStarting(Func{Task})"/>), so
/// every way a response is made — a handler, a problem from the exception handler, the auth or rate
/// limit refusal, a redirect — carries them. The wait runs after auth (an anonymous caller holds
/// nothing open) and after the replica's write redirect (a redirected write waits for nothing).
/// </remarks>
internal static class ReplicaReads
{
    public const string OffsetHeader = "Lodestone-Replication-Offset";
    public const string LagHeader = "Lodestone-Replication-Lag-Ms";

    /// <summary>Stamps the sync token (and, on a replica, its offset and lag) on every response.</summary>
    public static IApplicationBuilder UseReplicationHeaders(this IApplicationBuilder app)
    {
        // Resolved once: every request passes here.
        var executor = app.ApplicationServices.GetRequiredService<Executor>();
        // One callback for every response (the request's response is its state): nothing allocated per request for it.
        Func<object, Task> stamp = state =>
        {
            var response = (HttpResponse)state;
            var offset = executor.CommittedOffset.ToString(CultureInfo.InvariantCulture);
            response.Headers[UpstashErrors.SyncTokenHeader] = offset;
            var lag = executor.Replication.LagMs(executor.Time.GetUtcNow().ToUnixTimeMilliseconds());
            if (lag >= 0)
            {
                response.Headers[OffsetHeader] = offset;
                response.Headers[LagHeader] = lag.ToString(CultureInfo.InvariantCulture);
            }
            return Task.CompletedTask;
        };
        return app.Use((context, next) =>
        {
            context.Response.OnStarting(stamp, context.Response);
            return next(context);
        });
    }

    /// <summary>On a replica, holds a request that sends a sync token until that offset is applied (bounded).</summary>
    public static IApplicationBuilder UseReadYourWrites(this IApplicationBuilder app)
    {
        var executor = app.ApplicationServices.GetRequiredService<Executor>();
        var wait = TimeSpan.FromMilliseconds(app.ApplicationServices.GetRequiredService<IOptions<ReplicationSettings>>().Value.ReadYourWritesWaitMs);
        // Not async on the way through: a primary, or a replica that has the token's offset, costs no state machine here.
        // A token that is not an offset is one this service never handed out: accepted and ignored, as on a primary.
        return app.Use((context, next) =>
            !executor.Replication.IsReplica
            || !long.TryParse(context.Request.Headers[UpstashErrors.SyncTokenHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var token)
            || executor.CommittedOffset >= token
                ? next(context)
                : WaitForTokenAsync(context, next, executor, token, wait));
    }

    /// <summary>A replica behind the caller's sync token: wait (bounded) until it has applied that offset, else 503 TRYAGAIN.</summary>
    private static async Task WaitForTokenAsync(HttpContext context, RequestDelegate next, Executor executor, long token, TimeSpan wait)
    {
        if (await executor.Effects.WaitForOffsetAsync(token, wait, executor.Time, context.RequestAborted))
        {
            await next(context);
            return;
        }
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"TRYAGAIN This replica has applied up to offset {executor.CommittedOffset}, not yet the sync token's {token} (waited {wait.TotalMilliseconds:F0} ms). Retry, or read from the primary.");
        if (context.GetEndpoint()?.Metadata.GetMetadata<UpstashErrors>() is not null)
        {
            context.Response.Headers.RetryAfter = "1";
            await UpstashErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, detail);
            return;
        }
        await Problems.Of(ErrorKind.Unavailable, detail, "TRYAGAIN").ExecuteAsync(context);
    }
}
