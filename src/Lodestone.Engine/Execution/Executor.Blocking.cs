using Lodestone.Engine.Commands;

namespace Lodestone.Engine.Execution;

/// <summary>The executor's side of blocking commands: running a command that may park its caller, and running it again when a key it waits on is ready.</summary>
/// <remarks>Who waits where, the timers and the order of service are <see cref="BlockingRegistry"/>'s.</remarks>
public sealed partial class Executor
{
    /// <summary>How many callers are parked on blocking commands (for INFO's blocked_clients, and tests).</summary>
    public int BlockedCount => _blocking.BlockedCount;

    /// <summary>
    /// The longest wait the engine's timers can take (System.Threading.Timer's limit, about 49.7
    /// days): a longer blocking timeout is clamped to it.
    /// </summary>
    public static TimeSpan LongestWait => BlockingRegistry.LongestWait;

    /// <summary>
    /// Ends every wait, now and from now on, with <paramref name="reason"/>: parked callers get it as
    /// their reply, and a blocking command that would park answers it at once. For a service that is
    /// stopping: it must not wait for long polls to time out. Safe on any thread.
    /// </summary>
    public void EndWaits(EngineError reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        _blocking.EndWaits(reason);
        _replicaWaits.EndWaits(reason);
    }

    /// <summary>How many callers wait for replicas' acknowledgements (WAIT, <see cref="WaitForReplicasAsync"/>).</summary>
    public int ReplicaWaitCount => _replicaWaits.Count;

    /// <summary>
    /// Waits until <paramref name="replicas"/> replicas acknowledged <paramref name="offset"/> (WAIT
    /// for a caller that knows its offset: the HTTP <c>Lodestone-Wait</c> header), for at most
    /// <paramref name="timeout"/> (<see cref="TimeSpan.Zero"/>: until then), or until
    /// <paramref name="cancellationToken"/>. Any thread.
    /// </summary>
    /// <returns>How many replicas acknowledged <paramref name="offset"/> when it ended.</returns>
    /// <exception cref="InvalidOperationException">The node is a replica, or the service is stopping.</exception>
    public Task<long> WaitForReplicasAsync(long offset, long replicas, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var work = new ReplicaWaitWork(offset, replicas, timeout, cancellationToken);
        Enqueue(work);
        return work.Task;
    }

    /// <summary><see cref="WaitForReplicasAsync"/> on the engine thread: answered now, or parked.</summary>
    private sealed class ReplicaWaitWork(long offset, long replicas, TimeSpan timeout, CancellationToken aborted) : IEngineWork
    {
        private readonly ReplicaWaits.TaskWaiter _waiter = new(aborted);
        private long _acknowledged;
        private EngineError? _refused;

        public Task<long> Task => _waiter.Task;

        public bool Execute(Executor executor)
        {
            if (executor.Replication.IsReplica)
                _refused = Errors.WaitOnReplica;
            else if (executor._replicaWaits.WaitsEnded is { } ended)
                _refused = ended;
            else if (executor._replicaWaits.TryPark(_waiter, replicas, offset, BlockingRegistry.WaitFor(timeout, null), aborted, out _acknowledged))
                return false;
            return true;
        }

        public void Complete()
        {
            if (_refused is not null)
                _waiter.Fail(_refused);
            else
                _waiter.Answer(_acknowledged);
        }

        public void Fail(EngineError error) => _waiter.Fail(error);
    }

    /// <summary>Runs a standalone command; parks the caller if it asked to block. True when it can complete now.</summary>
    private bool ExecuteOrPark(SingleWork work)
    {
        var block = ExecuteBlocking(work.Request, resumed: false, out var result);
        work.Result = result;
        if (block is null)
            return true;
        if ((_blocking.WaitsEnded ?? _replicaWaits.WaitsEnded) is { } ended)
        {
            work.Result = new CommandResult(ended, result.Before, result.After);
            return true;
        }
        if (block.Replicas is { } needed)
        {
            // WAIT: with writes of this turn still to commit (its pipeline's), it waits for the offset the turn commits at.
            var waiter = new ReplicaWaits.CommandWaiter(work);
            long? target = _effects.Count > 0 ? null : CommittedOffset;
            if (_replicaWaits.TryPark(waiter, needed, target, BlockingRegistry.WaitFor(block.Timeout, work.Request.MaxBlock), work.Request.Aborted, out var acknowledged))
                return false;
            work.Result = new CommandResult(Reply.Integer(acknowledged), result.Before, result.After);
            return true;
        }
        if (block.ResumeArgs is { } resumeArgs)
            work.Request.Args = resumeArgs;
        _blocking.Park(work, block);
        return false;
    }

    /// <summary>Runs a command that may block; returns its request to block (null when it answered).</summary>
    private BlockRequest? ExecuteBlocking(CommandRequest request, bool resumed, out CommandResult result)
    {
        _context.CanBlock = true;
        _context.IsResumed = resumed;
        try
        {
            result = _dispatcher.Execute(request);
        }
        finally
        {
            _context.CanBlock = false;
            _context.IsResumed = false;
        }
        return _context.BlockRequest is { } block && !result.Reply.IsError ? block : null;
    }

    /// <summary>A waiter's last run when its time is up: at a fresh time snapshot, and it may not wait.</summary>
    internal CommandResult ExecuteWithoutWaiting(CommandRequest request)
    {
        _dispatcher.TakeTimeSnapshot();
        return _dispatcher.Execute(request);
    }

    /// <summary>Resumes the waiters on keys that became ready (after each command).</summary>
    private void ServeReadyKeys()
    {
        if (!_blocking.HasReadyKeys)
            return;
        // Between two commands of a pipeline: the waiters' replies count against their own callers'
        // limits, and the pipeline's next command goes on with what is left of its own.
        var replyLimit = _context.ReplyLimit;
        try
        {
            _blocking.ServeReady(_resumeWaiter);
        }
        finally
        {
            _context.ReplyLimit = replyLimit;
        }
    }

    /// <summary>Runs a parked command again; true if it got its answer (it completes with this loop turn).</summary>
    private bool ResumeWaiter(SingleWork work)
    {
        _dispatcher.TakeTimeSnapshot();
        if (ExecuteBlocking(work.Request, resumed: true, out var result) is { } again)
        {
            _blocking.Renew(again);
            return false;
        }
        work.Result = result;
        _completions.Add((work, true));
        return true;
    }
}
