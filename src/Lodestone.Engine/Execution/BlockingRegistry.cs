using Lodestone.Engine.Commands;
using Lodestone.Engine.Keyspace;

namespace Lodestone.Engine.Execution;

/// <summary>Blocking commands' parked callers (Redis's blocked.c): who waits on which key, in what order, until when.</summary>
/// <remarks>
/// Design note. A blocking command (BLPOP, LOCK.ACQUIRE…) that cannot answer yet calls
/// <c>ctx.Block(keys, timeout)</c>; its caller is then parked here — no thread waits — in a FIFO queue
/// per key. Whenever a key with waiters becomes ready (<see cref="IKeyspaceObserver.Ready"/>: it comes
/// into existence — a list or sorted set that becomes empty is deleted, so "created" is the only way
/// for those to become servable — or a lock is released), the key is marked, and after the current
/// command the executor resumes the oldest waiters by running their command again
/// (<see cref="ServeReady"/>): the first gets the element (or the lock), as in Redis. A waiter whose
/// rerun blocks again keeps its place. A resumed waiter completes with the rest of the loop turn,
/// after the effects are committed.
///
/// Three timers, all from the <see cref="TimeProvider"/> and all delivered as work items, so every
/// change happens on the engine thread: a waiter's timeout, after which its command runs once more
/// without waiting and that is its answer (nil for a pop, "held" for a lock); the caller's
/// cancellation, which removes the waiter — a caller that has gone is never served, even if its
/// removal is still queued; and a key's wake-up (<see cref="BlockRequest.WakeAfter"/>), which marks
/// the key ready when something that is not a write changes what it can give: a lock's lease ending.
///
/// Everything but <see cref="BlockedCount"/>, <see cref="WaitsEnded"/> and <see cref="EndWaits"/> is
/// the engine thread's.
/// </remarks>
internal sealed class BlockingRegistry(TimeProvider time, Action<IEngineWork> enqueue)
{
    private readonly Dictionary<byte[], LinkedList<Waiter>> _waiters = new(ByteArrayComparer.Instance);
    private readonly Dictionary<byte[], ITimer> _keyWakes = new(ByteArrayComparer.Instance);
    private readonly List<byte[]> _readyKeys = [];
    private int _blockedCount;
    private EngineError? _waitsEnded;

    /// <summary>
    /// The longest wait the engine's timers can take (System.Threading.Timer's limit, about 49.7
    /// days): a longer blocking timeout is clamped to it.
    /// </summary>
    public static TimeSpan LongestWait { get; } = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>How many callers are parked. Any thread.</summary>
    public int BlockedCount => Volatile.Read(ref _blockedCount);

    /// <summary>Why every wait ends (the service is stopping), once <see cref="EndWaits"/> was called. Any thread.</summary>
    public EngineError? WaitsEnded => Volatile.Read(ref _waitsEnded);

    /// <summary>Whether a key with waiters became ready since the last <see cref="ServeReady"/>.</summary>
    public bool HasReadyKeys => _readyKeys.Count > 0;

    /// <summary>How many callers wait on <paramref name="key"/>.</summary>
    public int WaiterCount(byte[] key) => _waiters.TryGetValue(key, out var queue) ? queue.Count : 0;

    /// <summary>
    /// How long a blocking command waits: what it asked for (<see cref="TimeSpan.Zero"/> is forever),
    /// capped by its caller's <see cref="CommandRequest.MaxBlock"/> and by <see cref="LongestWait"/>.
    /// Null: forever, no timer.
    /// </summary>
    public static TimeSpan? WaitFor(TimeSpan requested, TimeSpan? cap)
    {
        TimeSpan? wait = requested > TimeSpan.Zero ? requested : null;
        if (cap is { } limit && (wait is null || wait > limit))
            wait = limit;
        return wait > LongestWait ? LongestWait : wait;
    }

    /// <summary>Parks <paramref name="work"/>'s caller on the keys <paramref name="block"/> names, with its timeout and its caller's cancellation.</summary>
    public void Park(Executor.SingleWork work, BlockRequest block)
    {
        if (block.WakeAfter is { } wakeAfter)
        {
            foreach (var key in block.Keys)
                ScheduleWake(key, wakeAfter);
        }
        var waiter = new Waiter(work, block.Keys);
        // Everything that can fail comes before the waiter enters a queue, so a failure leaves no
        // half-parked caller behind (the loop fails the command and goes on).
        var keys = block.Keys.Distinct(ByteArrayComparer.Instance).ToArray();
        if (WaitFor(block.Timeout, work.Request.MaxBlock) is { } timeout)
            waiter.Timer = time.CreateTimer(_ => enqueue(new WaiterEnd(this, waiter, cancelled: false)), null, timeout, Timeout.InfiniteTimeSpan);
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
            waiter.Cancellation = work.Request.Aborted.Register(() => enqueue(new WaiterEnd(this, waiter, cancelled: true)));
        }
        catch (ObjectDisposedException)
        {
            // The caller's token source is gone with its request: the caller is gone too.
            enqueue(new WaiterEnd(this, waiter, cancelled: true));
        }
    }

    /// <summary>
    /// A resumed waiter's rerun blocked again (it keeps its place): its lock wake-ups are renewed —
    /// the latest lease is the one that counts.
    /// </summary>
    public void Renew(BlockRequest block)
    {
        if (block.WakeAfter is { } wakeAfter)
        {
            foreach (var key in block.Keys)
                ScheduleWake(key, wakeAfter);
        }
    }

    /// <summary>Ends every wait, now and from now on, with <paramref name="reason"/> (any thread).</summary>
    public void EndWaits(EngineError reason)
    {
        Interlocked.CompareExchange(ref _waitsEnded, reason, null);
        enqueue(new EndWaitsWork(this));
    }

    /// <summary>Marks <paramref name="key"/> ready when it has waiters.</summary>
    public void SignalReady(byte[] key)
    {
        if (_waiters.ContainsKey(key) && !_readyKeys.Any(k => k.AsSpan().SequenceEqual(key)))
            _readyKeys.Add(key);
    }

    /// <summary>
    /// Resumes waiters on the keys that became ready, oldest first, until a key has nothing more to
    /// give: <paramref name="resume"/> reruns a waiter's command and says whether it got its answer
    /// (then the waiter leaves every queue). Serving one can make others ready (BLMOVE pushes), so
    /// this loops until quiet.
    /// </summary>
    public void ServeReady(Func<Executor.SingleWork, bool> resume)
    {
        while (_readyKeys.Count > 0)
        {
            var key = _readyKeys[0];
            _readyKeys.RemoveAt(0);
            while (_waiters.TryGetValue(key, out var queue) && queue.First is { } node)
            {
                var waiter = node.Value;
                // A caller that has gone is never served (its removal is queued: it re-signals the key then).
                if (waiter.Work.Request.Aborted.IsCancellationRequested || !resume(waiter.Work))
                    break;
                Unpark(waiter);
            }
        }
    }

    /// <summary>Fails every parked caller with <paramref name="error"/>.</summary>
    public void FailAll(EngineError error)
    {
        foreach (var waiter in _waiters.Values.SelectMany(queue => queue).Distinct().ToList())
        {
            Unpark(waiter);
            waiter.Work.Fail(error);
        }
    }

    /// <summary>Marks <paramref name="key"/> ready after <paramref name="delay"/> (replacing an earlier wake-up of it).</summary>
    private void ScheduleWake(byte[] key, TimeSpan delay)
    {
        if (_keyWakes.Remove(key, out var previous))
            previous.Dispose();
        var wake = new KeyWake(this, key);
        _keyWakes[key] = wake.Timer = time.CreateTimer(_ => enqueue(wake), null, delay > LongestWait ? LongestWait : delay, Timeout.InfiniteTimeSpan);
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

    /// <summary>A parked caller: its work item, the keys it waits on and its place in each key's queue.</summary>
    private sealed class Waiter(Executor.SingleWork work, byte[][] keys)
    {
        public Executor.SingleWork Work { get; } = work;

        public byte[][] Keys { get; } = keys;

        public List<(byte[] Key, LinkedListNode<Waiter> Node)> Nodes { get; } = [];

        /// <summary>In the queues: set once parking is complete, cleared when it leaves them.</summary>
        public bool Parked { get; set; }

        public ITimer? Timer { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }
    }

    /// <summary>A waiter's timeout or its caller's departure, delivered to the engine thread.</summary>
    private sealed class WaiterEnd(BlockingRegistry registry, Waiter waiter, bool cancelled) : IEngineWork
    {
        private bool _ended;
        private EngineError? _failure;

        public bool Execute(Executor executor)
        {
            // The waiter may have been served (or timed out) since this was queued: then nothing to do.
            if (!waiter.Parked)
                return false;
            registry.Unpark(waiter);
            _ended = true;
            if (cancelled)
            {
                // Waiters behind it may be servable now (it was skipped while its removal was queued).
                foreach (var key in waiter.Keys)
                    registry.SignalReady(key);
                return true;
            }
            // Time is up: one last run that may not wait gives the answer (nil, or why the lock is still held).
            waiter.Work.Result = executor.ExecuteWithoutWaiting(waiter.Work.Request);
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
    private sealed class EndWaitsWork(BlockingRegistry registry) : IEngineWork
    {
        public bool Execute(Executor executor)
        {
            registry.FailAll(registry.WaitsEnded!);
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
    private sealed class KeyWake(BlockingRegistry registry, byte[] key) : IEngineWork
    {
        public ITimer? Timer { get; set; }

        public bool Execute(Executor executor)
        {
            // Superseded by a later wake-up of the key, or its waiters are gone: nothing to do.
            if (registry._keyWakes.TryGetValue(key, out var current) && ReferenceEquals(current, Timer))
            {
                registry._keyWakes.Remove(key);
                Timer?.Dispose();
                registry.SignalReady(key);
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
