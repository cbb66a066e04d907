using System.Collections.Concurrent;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Replication;

/// <summary>
/// This node's place in replication: primary or replica of one primary (by URL), its history names
/// (<see cref="ReplicationIds"/>), the link to its primary when it is a replica, the replicas attached
/// to it when it is a primary, and Redis's sync counters.
/// </summary>
/// <remarks>
/// Any thread. The engine thread reads <see cref="IsReplica"/> and <see cref="ReadOnly"/> on every
/// write command (READONLY) and tick (a replica neither expires nor evicts on its own); the host's
/// replication client and stream endpoint write the rest. Role changes are serialised by a lock and
/// announced through <see cref="RoleChanged"/>; id changes through <see cref="IdsChanged"/> (the log
/// persists them, so a restart keeps its history).
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The token sources behind ReplicasDetached have no timer and no wait handle: nothing to release, and a disposed one would throw at a session that asks late.")]
public sealed class ReplicationState
{
    private readonly Lock _gate = new();
    private ReplicationIds _ids = ReplicationIds.New();
    private volatile string? _primary;
    private long _syncFull;
    private long _syncPartialOk;
    private long _syncPartialErr;
    private long _lastIoMs = -1;
    private volatile ReplicaLinkState _link = ReplicaLinkState.Connect;
    private volatile bool _syncInProgress;
    private int _minReplicasToWrite;
    private int _minReplicasMaxLagSeconds = 10;
    private long _followingSinceMs = -1;
    private CancellationTokenSource _replicasAttached = new();

    /// <summary>The current history names. Any thread.</summary>
    public ReplicationIds Ids => Volatile.Read(ref _ids);

    /// <summary>The primary's URL when this node is a replica; null for a primary.</summary>
    public string? PrimaryUrl => _primary;

    /// <summary>
    /// The URL the primary announced for clients (its <c>Replication:AnnounceUrl</c>), learnt from its
    /// stream; null until then, or when it gave none. A replica's redirects go there, else to <see cref="PrimaryUrl"/>.
    /// </summary>
    public string? PrimaryAnnouncedUrl
    {
        get => Volatile.Read(ref _primaryAnnounced);
        set => Volatile.Write(ref _primaryAnnounced, value);
    }

    private string? _primaryAnnounced;

    /// <summary>Whether this node follows a primary.</summary>
    public bool IsReplica => _primary is not null;

    /// <summary>Whether a replica refuses writes from callers (Redis's <c>replica-read-only</c>, default yes).</summary>
    public bool ReadOnly { get; set; } = true;

    /// <summary>Whether writes from callers are refused now: a read-only replica.</summary>
    public bool RefusesWrites => _primary is not null && ReadOnly;

    /// <summary>
    /// Set while this node, a member of a failover group, may not take writes: it is not the primary
    /// holding the group's lease (it cannot reach a majority, or another is primary), or a manual
    /// failover has paused it. Writes are refused with this TRYAGAIN error, so a primary cut off from
    /// the others never acknowledges a write the majority side may never see. Null when writes may
    /// go on, and always outside a group. Any thread.
    /// </summary>
    public EngineError? WriteFence
    {
        get => Volatile.Read(ref _writeFence);
        set => Volatile.Write(ref _writeFence, value);
    }

    private EngineError? _writeFence;

    /// <summary>
    /// This node's failover group as INFO replication shows it (<c>failover_*</c> fields), set by the
    /// host that runs the group; null outside one. Any thread.
    /// </summary>
    public FailoverGroupInfo? Group
    {
        get => Volatile.Read(ref _group);
        set => Volatile.Write(ref _group, value);
    }

    private FailoverGroupInfo? _group;

    /// <summary>How many log bytes one failover group epoch may span before its lock tokens could reach the next epoch's: 2^44 (16 TiB).</summary>
    public const int LockTokenEpochShift = 44;

    /// <summary>
    /// The least fencing token a lock grant hands out: the failover group's applied epoch times
    /// 2^<see cref="LockTokenEpochShift"/>, 0 outside a group. Tokens within an epoch are log offsets
    /// (or the last token plus one), so every token of a later epoch is above every token of an
    /// earlier one, whatever the new primary received before it was promoted. Any thread.
    /// </summary>
    public long LockTokenFloor => Volatile.Read(ref _group) is { Epoch: > 0 and var epoch } ? Math.Min(epoch, (1L << (62 - LockTokenEpochShift)) - 1) << LockTokenEpochShift : 0;

    /// <summary>
    /// Redis's <c>min-replicas-to-write</c>: a primary refuses writes (NOREPLICAS) while fewer replicas
    /// than this are good — online, and acknowledged within <see cref="MinReplicasMaxLagSeconds"/>.
    /// 0 (the default) turns the check off, as does a max lag of 0.
    /// </summary>
    public int MinReplicasToWrite
    {
        get => Volatile.Read(ref _minReplicasToWrite);
        set => Volatile.Write(ref _minReplicasToWrite, value);
    }

    /// <summary>Redis's <c>min-replicas-max-lag</c>: how many seconds old a good replica's last acknowledgement may be (default 10).</summary>
    public int MinReplicasMaxLagSeconds
    {
        get => Volatile.Read(ref _minReplicasMaxLagSeconds);
        set => Volatile.Write(ref _minReplicasMaxLagSeconds, value);
    }

    /// <summary>Whether the min-replicas check is on (both settings above 0), as Redis decides it.</summary>
    public bool ChecksGoodReplicas => MinReplicasToWrite > 0 && MinReplicasMaxLagSeconds > 0;

    /// <summary>
    /// The replicas that count for min-replicas-to-write at <paramref name="nowMs"/>: online, with a
    /// last acknowledgement at most <see cref="MinReplicasMaxLagSeconds"/> whole seconds old (Redis's
    /// <c>min_slaves_good_slaves</c>). Any thread.
    /// </summary>
    public int GoodReplicas(long nowMs)
    {
        var maxLag = MinReplicasMaxLagSeconds;
        var good = 0;
        foreach (var peer in Replicas.Values)
        {
            if (peer.State == "online" && (nowMs - peer.AckAtMs) / 1000 <= maxLag)
                good++;
        }
        return good;
    }

    /// <summary>Whether a primary must refuse writes now: the check is on and too few replicas are good. Any thread.</summary>
    public bool LacksGoodReplicas(long nowMs) => _primary is null && ChecksGoodReplicas && GoodReplicas(nowMs) < MinReplicasToWrite;

    /// <summary>How many replicas acknowledged <paramref name="offset"/> or beyond (WAIT's count). Any thread.</summary>
    public int AcknowledgedAtLeast(long offset)
    {
        var count = 0;
        foreach (var peer in Replicas.Values)
        {
            if (peer.AckOffset >= offset)
                count++;
        }
        return count;
    }

    /// <summary>
    /// Raised (on the acknowledging thread) after a replica acknowledged an offset: the engine wakes
    /// its WAIT callers from it, when it has any.
    /// </summary>
    public event Action? Acknowledged;

    /// <summary>Records <paramref name="peer"/>'s acknowledgement (REPLCONF ACK) and tells whoever waits for one. Any thread.</summary>
    public void Acknowledge(ReplicaPeer peer, long offset, long atMs)
    {
        ArgumentNullException.ThrowIfNull(peer);
        peer.Acknowledge(offset, atMs);
        Acknowledged?.Invoke();
    }

    /// <summary>
    /// Whether a replica answers data commands while its link is down or a full sync is arriving
    /// (Redis's <c>replica-serve-stale-data</c>, default yes). When no, it answers MASTERDOWN or
    /// LOADING instead; commands Redis flags <c>stale</c> (INFO, REPLICAOF, CONFIG…) still run.
    /// </summary>
    public bool ServeStaleData { get; set; } = true;

    /// <summary>
    /// The error a data command gets now because this replica's data may be stale and
    /// <see cref="ServeStaleData"/> is off: LOADING while a full sync arrives, MASTERDOWN while the link
    /// is not up; null when it may run. Any thread.
    /// </summary>
    public Execution.EngineError? StaleDataRefusal =>
        ServeStaleData || _primary is null ? null
        : _syncInProgress ? Execution.Errors.Loading
        : _link != ReplicaLinkState.Connected ? Execution.Errors.MasterDown
        : null;

    /// <summary>Raised (on the caller's thread) after the role changed: the new primary's URL, or null after a promotion.</summary>
    public event Action<string?>? RoleChanged;

    /// <summary>Raised after the ids changed (a promotion, a full sync): the log persists them.</summary>
    public event Action<ReplicationIds>? IdsChanged;

    /// <summary>The replicas attached to this node, by their id.</summary>
    public ConcurrentDictionary<string, ReplicaPeer> Replicas { get; } = new(StringComparer.Ordinal);

    /// <summary>Full syncs served (INFO's sync_full).</summary>
    public long SyncFull => Interlocked.Read(ref _syncFull);

    /// <summary>Partial resyncs served (sync_partial_ok).</summary>
    public long SyncPartialOk => Interlocked.Read(ref _syncPartialOk);

    /// <summary>Partial resyncs asked for and refused, served as full syncs (sync_partial_err).</summary>
    public long SyncPartialErr => Interlocked.Read(ref _syncPartialErr);

    /// <summary>A replica's link to its primary (ROLE's state, INFO's master_link_status).</summary>
    public ReplicaLinkState Link
    {
        get => _link;
        set => _link = value;
    }

    /// <summary>Whether a replica is receiving a full sync (master_sync_in_progress).</summary>
    public bool SyncInProgress
    {
        get => _syncInProgress;
        set => _syncInProgress = value;
    }

    /// <summary>When a replica last heard from its primary (Unix ms), or -1 never.</summary>
    public long LastIoMs => Interlocked.Read(ref _lastIoMs);

    /// <summary>A replica heard from its primary at <paramref name="unixMs"/>.</summary>
    public void HeardFromPrimary(long unixMs) => Interlocked.Exchange(ref _lastIoMs, unixMs);

    /// <summary>
    /// How stale a replica's view of its primary may be, in ms at <paramref name="nowMs"/>: the time
    /// since it last received anything on its primary's stream — records, or the heartbeat a primary
    /// sends after each quiet second — so a healthy idle link reads 0 to about 1000 and a broken one
    /// grows. Before anything was heard, the time since this node began to follow. -1 on a primary.
    /// </summary>
    public long LagMs(long nowMs)
    {
        if (_primary is null)
            return -1;
        var since = Math.Max(Interlocked.Read(ref _lastIoMs), Interlocked.Read(ref _followingSinceMs));
        return since < 0 ? 0 : Math.Max(0, nowMs - since);
    }

    /// <summary>
    /// Cancelled when the streams served to this node's own replicas must end: its data was replaced
    /// by a full sync, it was promoted, or it follows another primary. They reconnect and learn the
    /// new history (partially when it continues theirs, PSYNC2). Any thread.
    /// </summary>
    public CancellationToken ReplicasDetached => Volatile.Read(ref _replicasAttached).Token;

    /// <summary>Ends the streams served to this node's replicas (see <see cref="ReplicasDetached"/>).</summary>
    public void DetachReplicas()
    {
        // Marked at once, its callbacks run on the thread pool: this may be called on the engine thread
        // (REPLICAOF, a full sync's install), which must not run the streams' cancellation work.
        _ = Interlocked.Exchange(ref _replicasAttached, new CancellationTokenSource()).CancelAsync();
    }

    private CancellationTokenSource _ackRequest = new();
    private long _ackWantedAt = -1;
    private TaskCompletionSource _ackWanted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The current request for acknowledgements: cancelled, and replaced, at the next
    /// <see cref="RequestAcks"/>. A stream that holds an older token than this one owes its replica a
    /// GETACK; one waiting for records wakes when its token is cancelled. Any thread.
    /// </summary>
    public CancellationToken AckRequested => Volatile.Read(ref _ackRequest).Token;

    /// <summary>
    /// Asks every replica to acknowledge what it has been sent (Redis's <c>REPLCONF GETACK</c>, which
    /// WAIT sends). Replicas otherwise acknowledge once a second, so a stream of writes costs no
    /// acknowledgement traffic unless someone waits for one. Any thread (the engine's too: the
    /// streams' wake-up runs on the thread pool).
    /// </summary>
    public void RequestAcks() => _ = Interlocked.Exchange(ref _ackRequest, new CancellationTokenSource()).CancelAsync();

    /// <summary>On a replica: the offset its primary last asked it to acknowledge (a GETACK in the stream), or -1. Any thread.</summary>
    public long AckWantedAt => Interlocked.Read(ref _ackWantedAt);

    /// <summary>Completes at the next GETACK from the primary. Any thread.</summary>
    public Task WhenAckWanted() => Volatile.Read(ref _ackWanted).Task;

    /// <summary>The primary asked for an acknowledgement once this replica has applied up to <paramref name="offset"/>.</summary>
    public void WantAck(long offset)
    {
        Interlocked.Exchange(ref _ackWantedAt, offset);
        Interlocked.Exchange(ref _ackWanted, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Counts a sync served: full, partial, or a partial asked for and refused (then also full).</summary>
    public void CountSync(bool full, bool partialRefused)
    {
        if (full)
            Interlocked.Increment(ref _syncFull);
        else
            Interlocked.Increment(ref _syncPartialOk);
        if (partialRefused)
            Interlocked.Increment(ref _syncPartialErr);
    }

    /// <summary>The ids a restart found in the data directory (before the engine serves).</summary>
    public void Restore(ReplicationIds ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        Volatile.Write(ref _ids, ids);
    }

    /// <summary>A full sync made this node's data that of <paramref name="id"/>'s history; no second id.</summary>
    public void Adopt(string id)
    {
        ReplicationIds ids;
        lock (_gate)
        {
            ids = new ReplicationIds(id, ReplicationIds.None, -1);
            Volatile.Write(ref _ids, ids);
        }
        IdsChanged?.Invoke(ids);
    }

    /// <summary>
    /// A partial resync told this replica that its primary's history goes on under
    /// <paramref name="id"/> from <paramref name="offset"/> (the primary was promoted, or is another
    /// node that continues it): as Redis, this node takes that id and keeps its own as the second up
    /// to <paramref name="offset"/> — so its own replicas, still at the old id, continue from it — and
    /// sends them away to ask again.
    /// </summary>
    public void ContinueAs(string id, long offset)
    {
        ReplicationIds ids;
        lock (_gate)
        {
            ids = new ReplicationIds(id, Ids.Id, offset + 1);
            Volatile.Write(ref _ids, ids);
        }
        IdsChanged?.Invoke(ids);
        DetachReplicas();
    }

    /// <summary>
    /// Makes this node a replica of <paramref name="primaryUrl"/>. The ids stay: the node asks the
    /// new primary to continue its own history, which it can if that one knows it (PSYNC2).
    /// </summary>
    /// <param name="primaryUrl">The primary's base URL.</param>
    /// <param name="nowMs">Now (Unix ms): a replica's lag counts from here until it first hears from the primary.</param>
    /// <returns>False when it already follows that primary.</returns>
    public bool Follow(string primaryUrl, long nowMs = -1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(primaryUrl);
        lock (_gate)
        {
            if (string.Equals(_primary, primaryUrl, StringComparison.OrdinalIgnoreCase))
                return false;
            _primary = primaryUrl;
            _primaryAnnounced = null;
            _link = ReplicaLinkState.Connect;
            Interlocked.Exchange(ref _followingSinceMs, nowMs);
        }
        DetachReplicas();
        RoleChanged?.Invoke(primaryUrl);
        return true;
    }

    /// <summary>
    /// Makes a replica a primary at <paramref name="offset"/> (REPLICAOF NO ONE): a new id, the old one
    /// kept as the second up to this offset, so the other replicas can continue from this node.
    /// </summary>
    /// <returns>False when the node was a primary already (nothing changes).</returns>
    public bool Promote(long offset)
    {
        ReplicationIds ids;
        lock (_gate)
        {
            if (_primary is null)
                return false;
            _primary = null;
            _primaryAnnounced = null;
            _syncInProgress = false;
            ids = Ids.Shift(offset);
            Volatile.Write(ref _ids, ids);
        }
        IdsChanged?.Invoke(ids);
        DetachReplicas();
        RoleChanged?.Invoke(null);
        return true;
    }
}

/// <summary>A replica's link to its primary, as ROLE names it. Values are not persisted.</summary>
public enum ReplicaLinkState
{
    /// <summary>Not connected; about to connect.</summary>
    Connect,

    /// <summary>Connecting.</summary>
    Connecting,

    /// <summary>Receiving a full sync.</summary>
    Sync,

    /// <summary>Following the stream.</summary>
    Connected,
}

/// <summary>A replica attached to this node, as the primary sees it.</summary>
public sealed class ReplicaPeer(string id, string ip, int port, long connectedAtMs, string? url = null)
{
    /// <summary>The URL the replica announced for itself (its <c>Replication:AnnounceUrl</c>), or null when it gave none.</summary>
    public string? Url { get; } = url;

    private long _ackOffset;
    private long _ackAtMs = connectedAtMs;
    private volatile string _state = "wait_bgsave";

    /// <summary>The id the replica gave (a random id of its process).</summary>
    public string Id { get; } = id;

    /// <summary>Its address as this node sees it.</summary>
    public string Ip { get; } = ip;

    /// <summary>The port it says it serves on.</summary>
    public int Port { get; } = port;

    /// <summary>wait_bgsave, send_bulk or online, as INFO's slaveN state.</summary>
    public string State
    {
        get => _state;
        set => _state = value;
    }

    /// <summary>The last offset the replica acknowledged having applied.</summary>
    public long AckOffset => Interlocked.Read(ref _ackOffset);

    /// <summary>When it last acknowledged (Unix ms).</summary>
    public long AckAtMs => Interlocked.Read(ref _ackAtMs);

    /// <summary>Records an acknowledgement (REPLCONF ACK).</summary>
    public void Acknowledge(long offset, long atMs)
    {
        Interlocked.Exchange(ref _ackOffset, offset);
        Interlocked.Exchange(ref _ackAtMs, atMs);
    }
}

/// <summary>A failover group member's state, for INFO replication.</summary>
/// <param name="NodeId">This node's member id.</param>
/// <param name="Epoch">The configuration epoch it applied.</param>
/// <param name="Primary">The primary's member id in that configuration; empty before the first.</param>
/// <param name="Leader">The Raft leader's base URL; empty while there is none.</param>
/// <param name="Lease">Whether this node holds the primary's write lease.</param>
/// <param name="Paused">Whether a manual failover has paused this primary's writes (Redis's <c>master_failover_state:waiting-for-sync</c>).</param>
/// <param name="Failovers">Failovers this node committed as the group's coordinator.</param>
/// <param name="LeaseLosses">Times this node, as primary, lost its lease.</param>
public sealed record FailoverGroupInfo(string NodeId, long Epoch, string Primary, string Leader, bool Lease, bool Paused, long Failovers, long LeaseLosses);
