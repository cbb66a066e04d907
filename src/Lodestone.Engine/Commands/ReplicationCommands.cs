using System.Globalization;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Replication;

namespace Lodestone.Engine.Commands;

/// <summary>Replication's commands: REPLICAOF (and SLAVEOF), ROLE, WAIT. The stream itself is an HTTP route (<c>GET /replication/stream</c>).</summary>
internal static class ReplicationCommands
{
    /// <summary>REPLICAOF host port | NO ONE</summary>
    /// <remarks>
    /// The primary is reached over HTTP: <c>host port</c> means <c>http://host:port</c>, and a host
    /// that is a URL (<c>https://…</c>) is taken as is with the port put in. The engine only records
    /// the role; the host's replication client connects (and disconnects on NO ONE). NO ONE promotes:
    /// a new replication id, the old kept as replid2 up to this offset (PSYNC2).
    /// </remarks>
    [Command("REPLICAOF", 3, Flags = CommandFlags.Admin | CommandFlags.Dangerous | CommandFlags.Stale,
        Syntax = "REPLICAOF host port | NO ONE", Summary = "Configures a server as replica of another, or promotes it to a master.",
        Complexity = "O(1)", Group = "server", Since = "5.0.0")]
    public static Reply ReplicaOf(CommandContext ctx)
    {
        var replication = ctx.Diagnostics.Engine.Replication;
        if (ctx.ArgIs(1, "NO") && ctx.ArgIs(2, "ONE"))
        {
            replication.Promote(ctx.Diagnostics.Engine.CommittedOffset);
            return Reply.Ok;
        }
        if (!int.TryParse(ctx.ArgText(2), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return Errors.InvalidMasterPort;
        if (PrimaryUrl(ctx.ArgText(1), port) is not { } url)
            return Errors.Syntax;
        return replication.Follow(url, ctx.Clock.GetUtcNow().ToUnixTimeMilliseconds()) ? Reply.Ok : Reply.Simple("OK Already connected to specified master");
    }

    /// <summary>SLAVEOF host port | NO ONE</summary>
    /// <remarks>REPLICAOF's old name, kept by Redis.</remarks>
    [Command("SLAVEOF", 3, Flags = CommandFlags.Admin | CommandFlags.Dangerous | CommandFlags.Stale,
        Syntax = "SLAVEOF host port | NO ONE", Summary = "Sets a Redis server as a replica of another, or promotes it to being a master.",
        Complexity = "O(1)", Group = "server", Since = "1.0.0")]
    public static Reply SlaveOf(CommandContext ctx) => ReplicaOf(ctx);

    /// <summary>ROLE</summary>
    /// <remarks>
    /// A primary: <c>master</c>, its offset, and each replica's ip, port and acknowledged offset. A
    /// replica: <c>slave</c>, its primary's host and port, the link's state (connect, connecting,
    /// sync, connected) and its offset.
    /// </remarks>
    [Command("ROLE", 1, Flags = CommandFlags.Admin | CommandFlags.Fast | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Dangerous,
        Syntax = "ROLE", Summary = "Returns the replication role.", Complexity = "O(1)", Group = "server", Since = "2.8.12")]
    public static Reply Role(CommandContext ctx)
    {
        var engine = ctx.Diagnostics.Engine;
        var replication = engine.Replication;
        if (replication.PrimaryUrl is { } primary)
        {
            var (host, port) = HostAndPort(primary);
            return Reply.Array(
            [
                Reply.Bulk("slave"), Reply.Bulk(host), Reply.Integer(port),
                Reply.Bulk(replication.Link.ToString().ToLowerInvariant()), Reply.Integer(engine.CommittedOffset),
            ]);
        }
        var replicas = replication.Replicas.Values.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => Reply.Array(
        [
            Reply.Bulk(r.Ip), Reply.Bulk(r.Port.ToString(CultureInfo.InvariantCulture)), Reply.Bulk(r.AckOffset.ToString(CultureInfo.InvariantCulture)),
        ])).ToArray();
        return Reply.Array([Reply.Bulk("master"), Reply.Integer(engine.CommittedOffset), Reply.Array(replicas)]);
    }

    /// <summary>WAIT numreplicas timeout</summary>
    /// <remarks>
    /// O(1). Answers how many replicas acknowledged the offset the caller's writes reached: the
    /// committed offset when WAIT runs — or, when writes of the same loop turn are still to commit
    /// (the earlier commands of its pipeline), the offset that turn commits at. With fewer than
    /// <c>numreplicas</c>, the caller parks until enough acknowledge or <c>timeout</c> milliseconds
    /// pass (0: forever, which HTTP callers cap at Http:MaxBlockingTimeoutSeconds), and then gets the
    /// count. Inside MULTI/EXEC it answers the count at once, as Redis; scripts may not call it.
    /// </remarks>
    [Command("WAIT", 3, Flags = CommandFlags.Blocking | CommandFlags.NoScript, Categories = "@connection",
        Syntax = "WAIT numreplicas timeout",
        Summary = "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.",
        Complexity = "O(1)", Group = "generic", Since = "3.0.0")]
    public static Reply Wait(CommandContext ctx)
    {
        var engine = ctx.Diagnostics.Engine;
        if (engine.Replication.IsReplica)
            return Errors.WaitOnReplica;
        if (!ctx.TryInt64(1, out var replicas))
            return Errors.NotInteger;
        if (!ctx.TryInt64(2, out var timeoutMs))
            return Errors.TimeoutNotInteger;
        if (timeoutMs < 0)
            return Errors.TimeoutNegative;
        // Nothing of this turn's writes can have been acknowledged yet: the replicas only have what was committed.
        var pending = ctx.CanBlock && ctx.HasUncommittedEffects;
        var acknowledged = pending ? 0 : engine.Replication.AcknowledgedAtLeast(engine.CommittedOffset);
        if (acknowledged >= replicas || !ctx.CanBlock)
            return Reply.Integer(acknowledged);
        return ctx.WaitForReplicas(replicas, TimeSpan.FromMilliseconds(Math.Min(timeoutMs, (long)Executor.LongestWait.TotalMilliseconds)));
    }

    /// <summary>The URL for REPLICAOF's host and port; null when the host is not one.</summary>
    internal static string? PrimaryUrl(string host, int port)
    {
        if (host.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                return null;
            return new UriBuilder(uri.Scheme, uri.Host, port).Uri.GetLeftPart(UriPartial.Authority);
        }
        if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
            return null;
        return new UriBuilder("http", host, port).Uri.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>A primary URL's host and port, as INFO and ROLE show them.</summary>
    internal static (string Host, int Port) HostAndPort(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? (uri.Host, uri.Port) : (url, 0);
}
