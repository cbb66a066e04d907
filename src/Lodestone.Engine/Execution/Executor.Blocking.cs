using Lodestone.Engine.Commands;
using Lodestone.Engine.Keyspace;

namespace Lodestone.Engine.Execution;

/// <summary>Blocking commands (Redis's blocked.c): parked callers, woken by keys that become ready.</summary>
/// <remarks>
/// Design note. A blocking command (BLPOP, LOCK.ACQUIRE…) that cannot answer yet calls
/// <c>ctx.Block(keys, timeout)</c>; its caller is then parked — no thread waits — in a FIFO queue per
/// key. Whenever a key with waiters becomes ready (<see cref="IKeyspaceObserver.Ready"/>: it comes
/// into existence — a list or sorted set that becomes empty is deleted, so "created" is the only way
/// for those to become servable — or a lock is released), the key is marked, and after the current
/// command the oldest waiters are resumed by running their command again: the first gets the
/// element (or the lock), as in Redis. A waiter whose rerun blocks again keeps its place. A resumed
/// waiter completes with the rest of the loop turn, after the effects are committed.
///
/// Three timers, all from the <see cref="TimeProvider"/> and all delivered as work items, so every
/// change happens on the engine thread: a waiter's timeout, after which its command runs once more
/// without waiting and that is its answer (nil for a pop, "held" for a lock); the caller's
/// cancellation, which removes the waiter — a caller that has gone is never served, even if its
/// removal is still queued; and a key's wake-up (<see cref="BlockRequest.WakeAfter"/>), which marks
/// the key ready when something that is not a write changes what it can give: a lock's lease ending.
/// </remarks>
public sealed partial class Executor
{
    private readonly Dictionary<byte[], LinkedList<Waiter>> _waiters = new(ByteArrayComparer.Instance);
    private readonly Dictionary<byte[], ITimer> _keyWakes = new(ByteArrayComparer.Instance);
    private readonly List<byte[]> _readyKeys = [];

    /// <summary>How many callers are parked on blocking commands (for INFO's blocked_clients, and tests).</summary>
    public int BlockedCount => Volatile.Read(ref _blockedCount);

    private int _blockedCount;

    private int WaiterCount(byte[] key) => _waiters.TryGetValue(key, out var queue) ? queue.Count : 0;

    /// <summary>Runs a standalone command; parks the caller if it asked to block. True when it can complete now.</summary>
    private bool ExecuteOrPark(SingleWork work)
    {
        var block = ExecuteBlocking(work.Request, resumed: false, out var result);
        work.Result = result;
        if (block is null)
            return true;
        if (Volatile.Read(ref _waitsEnded) is { } ended)
        {
            work.Result = new CommandResult(ended, result.Before, result.After);
            return true;
        }
        Park(work, block);
        return false;
    }

    /// <summary>Runs a command that may block; returns its request to block (null when it answered).</summary>
    private BlockRequest? ExecuteBlocking(CommandRequest request, bool resumed, out CommandResult result)
    {
        _context.CanBlock = true;
        _context.IsResumed = resumed;
        try
        {
            result = Execute(request);
        }
        finally
        {
            _context.CanBlock = false;
            _context.IsResumed = false;
        }
        if (_context.BlockRequest is not { } block || result.Reply.IsError)
            return null;
        if (block.WakeAfter is { } wakeAfter)
        {
            foreach (var key in block.Keys)
                ScheduleWake(key, wakeAfter);
        }
        return block;
    }

    /// <summary>
    /// The longest wait the engine's timers can take (System.Threading.Timer's limit, about 49.7
    /// days): a longer blocking timeout is clamped to it.
    /// </summary>
    public static TimeSpan LongestWait { get; } = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>
    /// How long a blocking command waits: what it asked for (<see cref="TimeSpan.Zero"/> is forever),
    /// capped by its caller's <see cref="CommandRequest.MaxBlock"/> and by <see cref="LongestWait"/>.
    /// Null: forever, no timer.
    /// </summary>
    internal static TimeSpan? WaitFor(TimeSpan requested, TimeSpan? cap)
    {
        TimeSpan? wait = requested > TimeSpan.Zero ? requested : null;
        if (cap is { } limit && (wait is null || wait > limit))
            wait = limit;
        return wait > LongestWait ? LongestWait : wait;
    }

    private void Park(SingleWork work, BlockRequest block)
    {
        var waiter = new Waiter(work, block.Keys);
        // Everything that can fail comes before the waiter enters a queue, so a failure leaves no
        // half-parked caller behind (the loop fails the command and goes on).
        var keys = block.Keys.Distinct(ByteArrayComparer.Instance).ToArray();
        if (WaitFor(block.Timeout, work.Request.MaxBlock) is { } timeout)
            waiter.Timer = _time.CreateTimer(_ => Enqueue(new WaiterEnd(waiter, cancelled: false)), null, timeout, Timeout.InfiniteTimeSpan);
        foreach (var key in keys)
        {
            if (!_waiters.TryGetValue(key, out var queue))
                _waiters[key] = queue = new LinkedList<Waiter>();
            waiter.Nodes.Add((key, queue.AddLast(waiter)));
        }
        waiter.Parked = true;
        Interlocked.Increment(ref _blockedCount);
        // Registered last: if the caller is already gone, the callback runs now and queues the removal.
        try
        {
            waiter.Cancellation = work.Request.Aborted.Register(() => Enqueue(new WaiterEnd(waiter, cancelled: true)));
        }
        catch (ObjectDisposedException)
        {
            // The caller's token source is gone with its request: the caller is gone too.
            Enqueue(new WaiterEnd(waiter, cancelled: true));
        }
    }

    /// <summary>
    /// Ends every wait, now and from now on, with <paramref name="reason"/>: parked callers get it as
    /// their reply, and a blocking command that would park answers it at once. For a service that is
    /// stopping: it must not wait for long polls to time out. Safe on any thread.
    /// </summary>
    public void EndWaits(EngineError reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        Interlocked.CompareExchange(ref _waitsEnded, reason, null);
        Enqueue(new EndWaitsWork());
    }

    private EngineError? _waitsEnded;

    /// <summary>Marks <paramref name="key"/> ready after <paramref name="delay"/> (replacing an earlier wake-up of it: the latest lease is the one that counts).</summary>
    private void ScheduleWake(byte[] key, TimeSpan delay)
    {
        if (_keyWakes.Remove(key, out var previous))
            previous.Dispose();
        var wake = new KeyWake(key);
        _keyWakes[key] = wake.Timer = _time.CreateTimer(_ => Enqueue(wake), null, delay > LongestWait ? LongestWait : delay, Timeout.InfiniteTimeSpan);
    }

    private void SignalKeyAsReady(byte[] key)
    {
        if (_waiters.ContainsKey(key) && !_readyKeys.Any(k => k.AsSpan().SequenceEqual(key)))
            _readyKeys.Add(key);
    }

    /// <summary>Resumes waiters on keys that became ready, oldest first, until a key has nothing more to give.</summary>
    private void ServeReadyKeys()
    {
        if (_readyKeys.Count == 0)
            return;
        // Between two commands of a pipeline: the waiters' replies count against their own callers'
        // limits, and the pipeline's next command goes on with what is left of its own.
        var replyLimit = _context.ReplyLimit;
        try
        {
            ServeReadyKeysInOrder();
        }
        finally
        {
            _context.ReplyLimit = replyLimit;
        }
    }

    private void ServeReadyKeysInOrder()
    {
        // Serving a waiter can create keys others wait on (BLMOVE pushes), so loop until quiet.
        while (_readyKeys.Count > 0)
        {
            var key = _readyKeys[0];
            _readyKeys.RemoveAt(0);
            while (_waiters.TryGetValue(key, out var queue) && queue.First is { } node)
            {
                var waiter = node.Value;
                TakeTimeSnapshot();
                if (!ExecuteOrResume(waiter))
                    break;
            }
        }
    }

    /// <summary>Runs a parked command again; true if it got its answer (and left the queues).</summary>
    private bool ExecuteOrResume(Waiter waiter)
    {
        // A caller that has gone is never served (its removal is queued: it re-signals the key then).
        if (waiter.Work.Request.Aborted.IsCancellationRequested)
            return false;
        if (ExecuteBlocking(waiter.Work.Request, resumed: true, out var result) is not null)
            return false;
        Unpark(waiter);
        waiter.Work.Result = result;
        _completions.Add((waiter.Work, true));
        return true;
    }

    /// <summary>Takes a waiter out of every queue and releases its timer and cancellation hook.</summary>
    private void Unpark(Waiter waiter)
    {
        waiter.Parked = false;
        foreach (var (key, node) in waiter.Nodes)
        {
            var queue = node.List!;
            queue.Remove(node);
            if (queue.Count == 0)
            {
                _waiters.Remove(key);
                if (_keyWakes.Remove(key, out var wake))
                    wake.Dispose();
            }
        }
        waiter.Nodes.Clear();
        waiter.Timer?.Dispose();
        waiter.Cancellation.Dispose();
        Interlocked.Decrement(ref _blockedCount);
    }

    private void FailParked(EngineError error)
    {
        foreach (var waiter in _waiters.Values.SelectMany(queue => queue).Distinct().ToList())
        {
            Unpark(waiter);
            waiter.Work.Fail(error);
        }
    }

    /// <summary>A parked caller: its work item, the keys it waits on and its place in each key's queue.</summary>
    private sealed class Waiter(SingleWork work, byte[][] keys)
    {
        public SingleWork Work { get; } = work;

        public byte[][] Keys { get; } = keys;

        public List<(byte[] Key, LinkedListNode<Waiter> Node)> Nodes { get; } = [];

        /// <summary>In the queues: set once parking is complete, cleared when it leaves them.</summary>
        public bool Parked { get; set; }

        public ITimer? Timer { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }
    }

    /// <summary>A waiter's timeout or its caller's departure, delivered to the engine thread.</summary>
    private sealed class WaiterEnd(Waiter waiter, bool cancelled) : IWork
    {
        private bool _ended;
        private EngineError? _failure;

        public bool Execute(Executor executor)
        {
            // The waiter may have been served (or timed out) since this was queued: then nothing to do.
            if (!waiter.Parked)
                return false;
            executor.Unpark(waiter);
            _ended = true;
            if (cancelled)
            {
                // Waiters behind it may be servable now (it was skipped while its removal was queued).
                foreach (var key in waiter.Keys)
                    executor.SignalKeyAsReady(key);
                return true;
            }
            // Time is up: one last run that may not wait gives the answer (nil, or why the lock is still held).
            executor.TakeTimeSnapshot();
            waiter.Work.Result = executor.Execute(waiter.Work.Request);
            return true;
        }

        public void Complete()
        {
            if (!_ended)
                return;
            if (cancelled)
                waiter.Work.TrySetCanceled(waiter.Work.Request.Aborted);
            else if (_failure is not null)
                waiter.Work.Fail(_failure);
            else
                waiter.Work.Complete();
        }

        public void Fail(EngineError error)
        {
            _failure = error;
            Complete();
        }
    }

    /// <summary>Fails every parked caller with the reason given to <see cref="EndWaits"/>.</summary>
    private sealed class EndWaitsWork : IWork
    {
        public bool Execute(Executor executor)
        {
            executor.FailParked(executor._waitsEnded!);
            return false;
        }

        public void Complete()
        {
        }

        public void Fail(EngineError error)
        {
        }
    }

    /// <summary>A key's wake-up: marks it ready, so its waiters run again (a lease has ended).</summary>
    private sealed class KeyWake(byte[] key) : IWork
    {
        public ITimer? Timer { get; set; }

        public bool Execute(Executor executor)
        {
            // Superseded by a later wake-up of the key, or its waiters are gone: nothing to do.
            if (executor._keyWakes.TryGetValue(key, out var current) && ReferenceEquals(current, Timer))
            {
                executor._keyWakes.Remove(key);
                Timer?.Dispose();
                executor.SignalKeyAsReady(key);
            }
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
