using System.Diagnostics;
using DotNext.Net.Cluster.Consensus.Raft;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Failover;

/// <summary>
/// A member's own side of failover: it makes its replication role what the committed configuration
/// says (promotes itself when it is named primary, follows the named primary otherwise), and it
/// holds the primary's write lease. A primary takes writes only while (1) the configuration it
/// applied names it, (2) the coordinator's last heartbeat, sent by a Raft leader that held its
/// leader lease, named it under that epoch less than <c>DownAfterMs / 2</c> ago, and (3) its own Raft
/// node is in touch with a leader. Otherwise every write is refused with TRYAGAIN
/// (<see cref="Lodestone.Engine.Replication.ReplicationState.WriteFence"/>), so a primary cut off from
/// the majority stops acknowledging writes well before the coordinator may promote another
/// (<c>DownAfterMs</c> after its last heartbeat answered).
/// </summary>
internal sealed partial class FailoverNode(
    Executor executor, GroupStateMachine group, IRaftCluster raft, FailoverCoordinator coordinator, IOptions<FailoverSettings> settings, ILogger<FailoverNode> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly SemaphoreSlim _changed = new(0);
    private long _leaseUntilTicks = long.MinValue;

    /// <summary>The refusal while the lease is not held; its text names the reason.</summary>
    private static readonly EngineError NoLease = new(ErrorKind.Unavailable,
        "TRYAGAIN This node does not hold the failover group's primary lease now (it cannot reach a majority, or it is not the primary of the committed configuration); retry, or find the primary at /topology.")
    {
        RetryAfter = TimeSpan.FromSeconds(1),
    };

    /// <summary>The refusal while a manual failover has paused this primary's writes.</summary>
    private static readonly EngineError Paused = new(ErrorKind.Unavailable,
        "TRYAGAIN A manual failover is under way: writes pause until a replica has caught up and takes over; retry, or find the primary at /topology.")
    {
        RetryAfter = TimeSpan.FromSeconds(1),
    };

    private long _pausedUntilTicks = long.MinValue;
    private long _pausedEpoch = -1;

    /// <summary>Whether this node holds the primary's write lease now. Any thread.</summary>
    public bool HasLease
    {
        get
        {
            var self = settings.Value.NodeId;
            var applied = group.Current;
            return applied.Primary == self
                && _clock.Elapsed.Ticks < Interlocked.Read(ref _leaseUntilTicks)
                && raft.Leader is not null && !raft.ConsensusToken.IsCancellationRequested;
        }
    }

    /// <summary>
    /// The coordinator's heartbeat (from the Raft leader): when it names this node primary under an
    /// epoch this node has applied, the lease runs for half of DownAfterMs from now. Returns this node's status.
    /// </summary>
    public NodeStatus Heard(Heartbeat heartbeat)
    {
        var self = settings.Value.NodeId;
        var applied = group.Current;
        // A heartbeat from a leader of an earlier term (delayed on the way, or from one deposed since) grants nothing.
        if (heartbeat.Term < raft.Term)
            return Status();
        if (heartbeat.Primary == self && heartbeat.Epoch == applied.Epoch && applied.Primary == self)
        {
            var until = _clock.Elapsed + TimeSpan.FromMilliseconds(settings.Value.DownAfterMs / 2.0);
            Interlocked.Exchange(ref _leaseUntilTicks, until.Ticks);
            UpdateFence();
        }
        else if (heartbeat.Epoch > applied.Epoch)
        {
            // A configuration this node has not applied yet: no lease until it has (Raft brings it).
            Interlocked.Exchange(ref _leaseUntilTicks, long.MinValue);
            UpdateFence();
        }
        return Status();
    }

    /// <summary>
    /// A manual failover's first step, on the primary of <paramref name="epoch"/>: writes are refused
    /// (TRYAGAIN) for <paramref name="milliseconds"/>, or until a new configuration is applied; 0 lifts
    /// the pause. Returns the status once every write that got in before is committed, so its offset
    /// is the last a replica must reach.
    /// </summary>
    public async Task<NodeStatus> PauseAsync(long epoch, int milliseconds)
    {
        var applied = group.Current;
        if (milliseconds <= 0 || applied.Epoch != epoch || applied.Primary != settings.Value.NodeId)
        {
            Interlocked.Exchange(ref _pausedUntilTicks, long.MinValue);
            UpdateFence();
            return Status();
        }
        Interlocked.Exchange(ref _pausedEpoch, epoch);
        Interlocked.Exchange(ref _pausedUntilTicks, (_clock.Elapsed + TimeSpan.FromMilliseconds(milliseconds)).Ticks);
        UpdateFence();
        // A command that passed its checks before the fence was set runs before this one: once it answers, all are committed.
        await executor.ExecuteAsync("PING"u8.ToArray());
        return Status();
    }

    private bool IsPaused =>
        Interlocked.Read(ref _pausedEpoch) == group.Current.Epoch && _clock.Elapsed.Ticks < Interlocked.Read(ref _pausedUntilTicks);

    /// <summary>This node's status, as the coordinator sees it.</summary>
    public NodeStatus Status()
    {
        var replication = executor.Replication;
        return new NodeStatus(settings.Value.NodeId, replication.IsReplica ? "slave" : "master", executor.CommittedOffset,
            replication.Ids.Id, settings.Value.Priority, group.Current.Epoch, executor.IsLoading, HasLease);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Until the group has a primary, and whenever this node is not it, writes wait.
        executor.Replication.WriteFence = NoLease;
        group.Changed += OnChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                UpdateFence();
                await ConvergeAsync();
                try
                {
                    await _changed.WaitAsync(Tick, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            group.Changed -= OnChanged;
        }
    }

    private void OnChanged(GroupConfiguration configuration) => _changed.Release();

    /// <summary>Sets the write fence from the lease and a manual failover's pause, and what INFO and /metrics show of the group.</summary>
    private void UpdateFence()
    {
        var lease = HasLease;
        var paused = IsPaused;
        var replication = executor.Replication;
        var applied = group.Current;
        lock (_fenceGate)
        {
            // A primary that held its lease and lost it (cut off, or a heartbeat late): counted for /metrics.
            if (_hadLease && !lease && applied.Primary == settings.Value.NodeId)
                _leaseLosses++;
            _hadLease = lease;
            // The group first, then the fence: a write let through under this epoch's lease finds this
            // epoch's lock-token floor (ReplicationState.LockTokenFloor) already in place.
            replication.Group = new Lodestone.Engine.Replication.FailoverGroupInfo(settings.Value.NodeId, applied.Epoch, applied.Primary,
                raft.LeaderUrl() ?? "",
                lease, paused, coordinator.Failovers, _leaseLosses);
            replication.WriteFence = paused ? Paused : lease ? null : NoLease;
        }
    }

    private readonly Lock _fenceGate = new();
    private bool _hadLease;
    private long _leaseLosses;

    /// <summary>Makes this node's replication role the committed configuration's (REPLICAOF through the engine, as an operator's would be).</summary>
    private async Task ConvergeAsync()
    {
        var applied = group.Current;
        if (applied.PrimaryMember is not { } primary || executor.IsLoading)
            return;
        var replication = executor.Replication;
        try
        {
            if (primary.Id == settings.Value.NodeId)
            {
                if (replication.IsReplica)
                {
                    var reply = await executor.ExecuteAsync("REPLICAOF"u8.ToArray(), "NO"u8.ToArray(), "ONE"u8.ToArray());
                    LogPromoted(applied.Epoch, reply.ToString());
                }
            }
            else if (!string.Equals(replication.PrimaryUrl, primary.Url, StringComparison.OrdinalIgnoreCase))
            {
                var url = new Uri(primary.Url);
                var reply = await executor.ExecuteAsync("REPLICAOF"u8.ToArray(),
                    System.Text.Encoding.UTF8.GetBytes(url.Scheme + "://" + url.Host),
                    System.Text.Encoding.UTF8.GetBytes(url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                LogFollowing(applied.Epoch, primary.Id, primary.Url, reply.ToString());
            }
        }
        catch (InvalidOperationException stopping)
        {
            // The engine is stopping: nothing to converge any more.
            LogNotConverged(stopping.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failover epoch {Epoch}: this node is the primary now ({Reply})")]
    private partial void LogPromoted(long epoch, string reply);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failover epoch {Epoch}: following the primary {Primary} at {Url} ({Reply})")]
    private partial void LogFollowing(long epoch, string primary, string url, string reply);

    [LoggerMessage(Level = LogLevel.Information, Message = "Failover: the role was not changed: {Reason}")]
    private partial void LogNotConverged(string reason);

    public override void Dispose()
    {
        _changed.Dispose();
        base.Dispose();
    }
}
