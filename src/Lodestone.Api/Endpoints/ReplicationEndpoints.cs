using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Replication;
using Microsoft.AspNetCore.Http.Features;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// The primary's side of replication over HTTP (not in the public OpenAPI document): a replica opens
/// <c>GET /replication/stream?replid=…&amp;offset=…&amp;id=…&amp;port=…&amp;url=…</c> (<c>url</c>: its
/// <c>Replication:AnnounceUrl</c>) — a long-lived body in the
/// bytes <see cref="ReplicationWire"/> describes — and acknowledges what it applied with
/// <c>POST /replication/ack?id=…&amp;offset=…</c> at least once a second (Redis's REPLCONF ACK). Both
/// need a key of the <c>replica</c> role (or an admin's). A replica serves its own replicas the same
/// way (chained replication): the records it applied, at the same offsets, under its primary's
/// replid — but only while its own link is up (Redis's NOMASTERLINK otherwise), and their streams
/// end whenever its data is replaced by a full sync, it is promoted or it follows another primary
/// (<see cref="ReplicationState.ReplicasDetached"/>): they reconnect and learn the new history.
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
    private static async Task<IResult> Stream(HttpContext http, EngineClient engine, NodeAddress address, ILoggerFactory loggers, IHostApplicationLifetime lifetime,
        string? replid, long? offset, string? id, int? port, string? url, CancellationToken requestAborted)
    {
        var state = engine.Replication;
        // The stream never ends by itself: it ends with the connection, when this node's history changes
        // under it, or once the service stops and the replica has what was committed — given at most a
        // few seconds for that.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, state.ReplicasDetached);
        using var drain = lifetime.ApplicationStopping.Register(() => ending.CancelAfter(ShutdownDrain));
        var aborted = ending.Token;
        // HEAD says what GET would answer without opening a sync (a GET never ends).
        if (HttpMethods.IsHead(http.Request.Method))
        {
            http.Response.ContentType = "application/octet-stream";
            return Results.Empty;
        }
        // As Redis: a replica serves a sync only while it follows its primary's stream, so what it serves is that history.
        if (state.IsReplica && (state.Link != ReplicaLinkState.Connected || state.SyncInProgress))
            return Problems.Of(ErrorKind.Unavailable, "NOMASTERLINK Can't SYNC while not connected with my master", "NOMASTERLINK");
        if (engine.IsLoading)
            return Problems.Of(ErrorKind.Loading, "LOADING Redis is loading the dataset in memory", "LOADING");
        var peerId = id is { Length: > 0 and <= 64 } && id.All(char.IsAsciiLetterOrDigit) ? id : ReplicationIds.RandomId();
        var ip = http.Connection.RemoteIpAddress?.ToString() ?? "";
        var announced = url is { Length: <= 2048 } && NodeAddress.IsHttpUrl(url, out var uri)
            ? uri.AbsoluteUri.TrimEnd('/') : null;
        var peer = new ReplicaPeer(peerId, ip, port ?? 0, engine.Time.GetUtcNow().ToUnixTimeMilliseconds(), announced);
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
            if (address.Announced is { Length: > 0 } ownUrl)
                http.Response.Headers[NodeAddress.Header] = ownUrl;
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
