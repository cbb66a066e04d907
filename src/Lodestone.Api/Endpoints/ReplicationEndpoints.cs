using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Replication;
using Microsoft.AspNetCore.Http.Features;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// The primary's side of replication over HTTP (not in the public OpenAPI document): a replica opens
/// <c>GET /replication/stream?replid=…&amp;offset=…&amp;id=…&amp;port=…</c> — a long-lived body in the
/// bytes <see cref="ReplicationWire"/> describes — and acknowledges what it applied with
/// <c>POST /replication/ack?id=…&amp;offset=…</c> at least once a second (Redis's REPLCONF ACK). Both
/// need a key of the <c>replica</c> role (or an admin's).
/// </summary>
internal static class ReplicationEndpoints
{
    /// <summary>How long a stopping primary keeps a stream open for its replica to get what was committed.</summary>
    private static readonly TimeSpan ShutdownDrain = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapReplication(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/replication").ExcludeFromDescription().RequireApiKey(app, ApiKeys.ReplicaPolicy);
        group.MapGet("/stream", Stream);
        group.MapPost("/ack", Ack);
        return app;
    }

    /// <summary>PSYNC replid offset, then the stream until the replica goes or falls out of the backlog.</summary>
    private static async Task<IResult> Stream(HttpContext http, EngineClient engine, ILoggerFactory loggers, IHostApplicationLifetime lifetime,
        string? replid, long? offset, string? id, int? port, CancellationToken requestAborted)
    {
        // The stream never ends by itself: it ends with the connection, or once the service stops and
        // the replica has what was committed — given at most a few seconds for that.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        using var drain = lifetime.ApplicationStopping.Register(() => ending.CancelAfter(ShutdownDrain));
        var aborted = ending.Token;
        // HEAD says what GET would answer without opening a sync (a GET never ends).
        if (HttpMethods.IsHead(http.Request.Method))
        {
            http.Response.ContentType = "application/octet-stream";
            return Results.Empty;
        }
        var state = engine.Replication;
        if (state.IsReplica)
            return Problems.Of(ErrorKind.Unavailable, "This node is a replica: replicas of replicas are not served yet. Follow the primary.");
        if (engine.IsLoading)
            return Problems.Of(ErrorKind.Loading, "LOADING Redis is loading the dataset in memory", "LOADING");
        var peerId = id is { Length: > 0 and <= 64 } && id.All(char.IsAsciiLetterOrDigit) ? id : ReplicationIds.RandomId();
        var ip = http.Connection.RemoteIpAddress?.ToString() ?? "";
        var peer = new ReplicaPeer(peerId, ip, port ?? 0, engine.Time.GetUtcNow().ToUnixTimeMilliseconds());
        peer.Acknowledge(offset ?? 0, engine.Time.GetUtcNow().ToUnixTimeMilliseconds());
        state.Replicas[peerId] = peer;
        var log = loggers.CreateLogger("Lodestone.Replication");
        ReplicationSession session;
        try
        {
            session = await engine.ReplicationSource().OpenAsync(replid, offset ?? -1, peer, aborted);
        }
        catch (Exception refused) when (refused is TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            state.Replicas.TryRemove(new KeyValuePair<string, ReplicaPeer>(peerId, peer));
            return Problems.Of(ErrorKind.Unavailable, $"No sync now: {refused.Message}");
        }
        using (session)
        {
            log.LogInformation("Replica {Id} at {Ip}:{Port} asked for ({Replid}, {Offset}): {Header}", peerId, ip, port, replid, offset, session.Header);
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            http.Response.ContentType = "application/octet-stream";
            http.Response.Headers.CacheControl = "no-store";
            try
            {
                await http.Response.StartAsync(aborted);
                await session.WriteToAsync(http.Response.Body, aborted, lifetime.ApplicationStopping);
                log.LogInformation("The stream to replica {Id} ended: {Reason}", peerId, session.EndReason);
            }
            catch (Exception gone) when (gone is OperationCanceledException or IOException or InvalidOperationException)
            {
                log.LogInformation("The stream to replica {Id} ended: {Reason}", peerId, gone.Message);
            }
            finally
            {
                state.Replicas.TryRemove(new KeyValuePair<string, ReplicaPeer>(peerId, peer));
            }
        }
        return Results.Empty;
    }

    /// <summary>REPLCONF ACK offset: the replica has applied everything before <paramref name="offset"/>.</summary>
    private static IResult Ack(EngineClient engine, string? id, long? offset)
    {
        if (id is null || offset is not >= 0)
            return Problems.Of(ErrorKind.BadRequest, "Send ?id= (the replica's id given to the stream) and ?offset= (what it applied).");
        if (!engine.Replication.Replicas.TryGetValue(id, out var peer))
            return Problems.Of(ErrorKind.NoSuchKey, $"No replica '{id}' is connected.");
        engine.Replication.Acknowledge(peer, offset.Value, engine.Time.GetUtcNow().ToUnixTimeMilliseconds());
        return Results.NoContent();
    }
}
