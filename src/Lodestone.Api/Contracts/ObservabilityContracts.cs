using System.Text.Json.Serialization;

namespace Lodestone.Api.Contracts;

/// <summary>One slow command (GET /admin/slowlog), as SLOWLOG GET reports it.</summary>
/// <param name="Id">Grows by one per logged command, never reused.</param>
/// <param name="Timestamp">When it ran, Unix seconds.</param>
/// <param name="DurationUs">How long it ran, microseconds.</param>
/// <param name="Args">The command and its arguments (at most 32, each cut to 128 bytes, as Redis does).</param>
/// <param name="ClientAddress">The caller's ip:port, or empty.</param>
/// <param name="ClientName">The caller's API key name, or empty.</param>
/// <param name="Encoding">"base64" when an argument is not UTF-8 text (then all are base64), else absent.</param>
public sealed record SlowlogEntryView(long Id, long Timestamp, long DurationUs, string[] Args, string ClientAddress, string ClientName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Encoding);

/// <summary>The newest slow commands, newest first (GET /admin/slowlog), as SLOWLOG GET.</summary>
public sealed record SlowlogEntries(SlowlogEntryView[] Entries);

/// <summary>How many entries the slow log holds (GET /admin/slowlog/length).</summary>
public sealed record SlowlogLength(long Length);

/// <summary>An event class's latest and worst latency spike (GET /admin/latency), as LATENCY LATEST.</summary>
public sealed record LatencyLatest(string Event, long Timestamp, long LatestMs, long MaxMs);

/// <summary>Every event class's latest and worst spike (GET /admin/latency), as LATENCY LATEST.</summary>
public sealed record LatencyLatestEntries(LatencyLatest[] Entries);

/// <summary>One latency sample: Unix seconds, milliseconds.</summary>
public sealed record LatencySampleView(long Timestamp, long LatencyMs);

/// <summary>An event class's spikes, oldest first (GET /admin/latency/{event}), as LATENCY HISTORY.</summary>
public sealed record LatencyHistory(string Event, LatencySampleView[] History);

/// <summary>How many event classes had data and were reset (DELETE /admin/latency).</summary>
public sealed record LatencyReset(long Reset);

/// <summary>INFO replication as JSON (GET /admin/replication), with each replica's acknowledged offset and lag, and INFO stats' sync counters.</summary>
/// <param name="Role">master or slave, as INFO says.</param>
/// <param name="Primary">A replica's link to its primary; null on a primary.</param>
/// <param name="Failover">This node's failover group (INFO's failover_* fields); null outside one.</param>
public sealed record ReplicationState(
    string Role, long ConnectedSlaves, ReplicaView[] Replicas, string MasterReplid, string MasterReplid2, long MasterReplOffset,
    long SecondReplOffset, long ReplBacklogActive, long ReplBacklogSize, long ReplBacklogFirstByteOffset, long ReplBacklogHistlen,
    PrimaryLinkView? Primary, long SyncFull, long SyncPartialOk, long SyncPartialErr, FailoverView? Failover);

/// <summary>A member's view of its failover group (GET /admin/replication; INFO's failover_* fields).</summary>
/// <param name="Node">This node's member id.</param>
/// <param name="Epoch">The configuration epoch it applied.</param>
/// <param name="Primary">The primary's member id in it; empty before the first.</param>
/// <param name="Leader">The Raft leader's base URL; empty while there is none.</param>
/// <param name="Lease">Whether this node holds the primary's write lease (takes writes).</param>
/// <param name="State">INFO's master_failover_state: no-failover, or waiting-for-sync while a manual failover pauses this primary's writes.</param>
/// <param name="Failovers">Failovers this node committed as the group's coordinator.</param>
/// <param name="LeaseLosses">Times this node, as primary, lost its lease.</param>
public sealed record FailoverView(string Node, long Epoch, string Primary, string Leader, bool Lease, string State, long Failovers, long LeaseLosses);

/// <summary>A replica attached to this node (INFO's slaveN).</summary>
/// <param name="Url">The URL it announced for itself (its Replication:AnnounceUrl, by default its first listen URL); null when it gave none.</param>
/// <param name="AckOffset">The offset it last acknowledged having applied.</param>
/// <param name="LagBytes">How far that is behind this node's offset, in bytes.</param>
/// <param name="LagMs">How long ago it acknowledged, in milliseconds (INFO's lag, in seconds there).</param>
public sealed record ReplicaView(string Id, string Ip, int Port, string? Url, string State, long AckOffset, long LagBytes, long LagMs);

/// <summary>A replica's link to its primary (INFO's master_* fields).</summary>
/// <param name="LinkStatus">up or down.</param>
/// <param name="LastIoSecondsAgo">Seconds since the primary last sent anything (records or heartbeats); -1 never.</param>
public sealed record PrimaryLinkView(string Url, string Host, int Port, string LinkStatus, long LastIoSecondsAgo, bool SyncInProgress);

/// <summary>PUT /admin/replication: follow a primary (its URL), or become a primary (null), as REPLICAOF host port | NO ONE.</summary>
public sealed record ReplicationChange(string? PrimaryOf);

/// <summary>One executed command on the MONITOR stream (GET /admin/monitor, one Server-Sent Event each).</summary>
/// <param name="Time">Unix seconds, with microseconds.</param>
/// <param name="Client">The caller's ip:port, or empty.</param>
/// <param name="Command">The command, lower case.</param>
/// <param name="Args">Its arguments.</param>
/// <param name="Encoding">"base64" when an argument is not UTF-8 text (then all are base64), else absent.</param>
public sealed record MonitorEventView(double Time, string Client, string Command, string[] Args,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Encoding);
