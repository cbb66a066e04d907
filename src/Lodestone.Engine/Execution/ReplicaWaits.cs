using Lodestone.Engine.Replication;

namespace Lodestone.Engine.Execution;

/// <summary>Callers parked until enough replicas acknowledged an offset (WAIT, and the HTTP <c>Lodestone-Wait</c> header): BlockingRegistry's sibling for acks instead of keys.</summary>
/// <remarks>
/// Design note. A waiter wants <c>needed</c> replicas to acknowledge its target offset: the
/// committed offset when it parked — or, when the loop turn it parked in has effects still to
/// commit (the earlier commands of its pipeline), the offset that turn commits at, set by
/// <see cref="Committed"/> right after the commit. It ends three ways, each a work item on the
/// engine thread: enough acknowledgements (<see cref="Acknowledged"/> — called on whatever thread
/// took the ack — queues one check, and only while someone waits), its timeout (it answers the
/// count it has), or its caller's departure (removed, never answered).
///
/// Lost wake-ups: an ack records the replica's offset (a full fence) and then reads
/// <see cref="_count"/>; a park increments <see cref="_count"/> (a full fence) and then counts the
/// replicas' offsets. One of the two sees the other, so an ack that lands while a caller parks
/// either finds it waiting or is counted by it.
///
/// Everything but <see cref="Acknowledged"/> and <see cref="EndWaits"/> is the engine thread's.
/// </remarks>
internal sealed class ReplicaWaits(ReplicationState replication, TimeProvider time, Action<IEngineWork> enqueue)
{
    private readonly ReplicationState _replication = replication;
    private readonly List<Waiter> _waiters = [];
    private readonly List<Waiter> _uncommitted = [];
    private int _count;
    private int _checkQueued;
    private EngineError? _waitsEnded;

    /// <summary>How many callers wait for acknowledgements. Any thread.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Why every wait ends (the service is stopping), once <see cref="EndWaits"/> was called. Any thread.</summary>
    public EngineError? WaitsEnded => Volatile.Read(ref _waitsEnded);

    /// <summary>
    /// Parks a caller until <paramref name="needed"/> replicas acknowledged <paramref name="target"/>
    /// (null: the offset this loop turn commits at), for at most <paramref name="timeout"/> (null:
    /// until then or until <paramref name="aborted"/>).
    /// </summary>
    /// <returns>False when enough replicas acknowledged already: <paramref name="acknowledged"/> is the answer, to give with the loop turn.</returns>
    public bool TryPark(Waiter waiter, long needed, long? target, TimeSpan? timeout, CancellationToken aborted, out long acknowledged)
    {
        waiter.Needed = needed;
        waiter.Target = target ?? long.MaxValue;
        Interlocked.Increment(ref _count);
        // After the fence above: an ack that came before it is counted here (see the design note).
        acknowledged = target is { } known ? _replication.AcknowledgedAtLeast(known) : 0;
        if (acknowledged >= needed)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }
        _waiters.Add(waiter);
        // The replicas are asked to acknowledge once the target is in their streams: now, or after this turn's commit.
        if (target is null)
            _uncommitted.Add(waiter);
        else
            _replication.RequestAcks();
        waiter.Parked = true;
        if (timeout is { } wait)
            waiter.Timer = time.CreateTimer(_ => enqueue(new End(this, waiter, cancelled: false)), null, wait, Timeout.InfiniteTimeSpan);
        // Registered last: if the caller is already gone, the callback runs now and queues the removal.
        try
        {
            waiter.Cancellation = aborted.Register(() => enqueue(new End(this, waiter, cancelled: true)));
        }
        catch (ObjectDisposedException)
        {
            enqueue(new End(this, waiter, cancelled: true));
        }
        return true;
    }

    /// <summary>After a loop turn's commit: the waiters that parked in it wait for its end offset.</summary>
    public void Committed(long offset)
    {
        if (_uncommitted.Count == 0)
            return;
        foreach (var waiter in _uncommitted)
            waiter.Target = offset;
        _uncommitted.Clear();
        _replication.RequestAcks();
    }

    /// <summary>A replica acknowledged an offset (any thread): the waiters are looked at on the engine thread, once per burst of acks.</summary>
    public void Acknowledged()
    {
        if (Volatile.Read(ref _count) > 0 && Interlocked.CompareExchange(ref _checkQueued, 1, 0) == 0)
            enqueue(new Check(this));
    }

    /// <summary>Ends every wait, now and from now on, with <paramref name="reason"/> (any thread).</summary>
    public void EndWaits(EngineError reason)
    {
        Interlocked.CompareExchange(ref _waitsEnded, reason, null);
        enqueue(new EndAll(this, reason));
    }

    /// <summary>Fails every waiter with <paramref name="error"/> (engine thread, or after it stopped).</summary>
    public void FailAll(EngineError error)
    {
        foreach (var waiter in _waiters.ToList())
        {
            Unpark(waiter);
            waiter.Fail(error);
        }
    }

    private void Unpark(Waiter waiter)
    {
        waiter.Parked = false;
        _waiters.Remove(waiter);
        _uncommitted.Remove(waiter);
        waiter.Timer?.Dispose();
        waiter.Cancellation.Dispose();
        Interlocked.Decrement(ref _count);
    }

    /// <summary>A parked caller: what it waits for, and how it is answered (a WAIT command's reply, or a task's count).</summary>
    internal abstract class Waiter
    {
        public long Needed { get; set; }

        /// <summary>The offset to be acknowledged; <see cref="long.MaxValue"/> until the turn it parked in commits.</summary>
        public long Target { get; set; }

        public bool Parked { get; set; }

        public ITimer? Timer { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }

        /// <summary>Answers with how many replicas acknowledged.</summary>
        public abstract void Answer(long acknowledged);

        /// <summary>The caller has gone.</summary>
        public abstract void Cancel();

        public abstract void Fail(EngineError error);
    }

    /// <summary>A WAIT command's caller: answered with an integer reply.</summary>
    internal sealed class CommandWaiter(Executor.SingleWork work) : Waiter
    {
        public override void Answer(long acknowledged)
        {
            work.Result = new CommandResult(Reply.Integer(acknowledged), default, default);
            work.Complete();
        }

        public override void Cancel() => work.TrySetCanceled(work.Request.Aborted);

        public override void Fail(EngineError error) => work.Fail(error);
    }

    /// <summary>A caller of <see cref="Executor.WaitForReplicasAsync"/>: its task gets the count.</summary>
    internal sealed class TaskWaiter(CancellationToken aborted) : Waiter
    {
        private readonly TaskCompletionSource<long> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<long> Task => _done.Task;

        public override void Answer(long acknowledged) => _done.TrySetResult(acknowledged);

        public override void Cancel() => _done.TrySetCanceled(aborted);

        public override void Fail(EngineError error) => _done.TrySetException(new InvalidOperationException(error.Message));
    }

    /// <summary>Acks arrived: answers the waiters whose target enough replicas reached.</summary>
    private sealed class Check(ReplicaWaits waits) : IEngineWork
    {
        private readonly List<(Waiter Waiter, long Count)> _answered = [];

        public bool Execute(Executor executor)
        {
            // First: an ack from now on queues another check.
            Volatile.Write(ref waits._checkQueued, 0);
            foreach (var waiter in waits._waiters.ToList())
            {
                if (waiter.Target == long.MaxValue)
                    continue;
                var count = waits._replication.AcknowledgedAtLeast(waiter.Target);
                if (count >= waiter.Needed)
                {
                    waits.Unpark(waiter);
                    _answered.Add((waiter, count));
                }
            }
            return _answered.Count > 0;
        }

        public void Complete()
        {
            foreach (var (waiter, count) in _answered)
                waiter.Answer(count);
        }

        public void Fail(EngineError error)
        {
            Volatile.Write(ref waits._checkQueued, 0);
            foreach (var (waiter, _) in _answered)
                waiter.Fail(error);
        }
    }

    /// <summary>A waiter's timeout (it answers the count it has) or its caller's departure.</summary>
    private sealed class End(ReplicaWaits waits, Waiter waiter, bool cancelled) : IEngineWork
    {
        private long _count = -1;

        public bool Execute(Executor executor)
        {
            if (!waiter.Parked)
                return false;
            waits.Unpark(waiter);
            _count = cancelled ? -1 : waits._replication.AcknowledgedAtLeast(waiter.Target);
            return true;
        }

        public void Complete()
        {
            if (cancelled)
                waiter.Cancel();
            else if (_count >= 0)
                waiter.Answer(_count);
        }

        public void Fail(EngineError error)
        {
            // Never run (shutdown): the waiter is still parked, and the executor fails every parked one.
            if (_count >= 0)
                waiter.Fail(error);
        }
    }

    /// <summary>Fails every waiter with the reason given to <see cref="EndWaits"/>.</summary>
    private sealed class EndAll(ReplicaWaits waits, EngineError reason) : IEngineWork
    {
        public bool Execute(Executor executor)
        {
            waits.FailAll(reason);
            return false;
        }

        public void Complete()
        {
        }

        public void Fail(EngineError error)
        {
        }
    }
}
