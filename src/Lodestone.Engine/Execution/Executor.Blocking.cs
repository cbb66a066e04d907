using Lodestone.Engine.Keyspace;

namespace Lodestone.Engine.Execution;

/// <summary>Blocking commands (Redis's blocked.c): parked callers, woken by keys that come into existence.</summary>
/// <remarks>
/// Design note. A blocking command (BLPOP…) that finds nothing calls <c>ctx.Block(keys, timeout)</c>;
/// its caller is then parked — no thread waits — in a FIFO queue per key. Whenever a key with
/// waiters comes into existence (<see cref="Keyspace.Keyspace.KeyAdded"/>; a list or sorted set that
/// becomes empty is deleted, so "created" is the only way to become servable), the key is marked
/// ready, and after the current command the oldest waiters are resumed by running their command
/// again: the first gets the element, as in Redis. A waiter whose rerun blocks again keeps its place.
/// A resumed waiter completes with the rest of the loop turn, after the effects are committed. A
/// timer (from the <see cref="TimeProvider"/>) or the caller's cancellation removes a waiter that is
/// still parked; each of those arrives as a work item, so all of this happens on the engine thread.
/// </remarks>
public sealed partial class Executor
{
    private readonly Dictionary<byte[], LinkedList<Waiter>> _waiters = new(ByteArrayComparer.Instance);
    private readonly List<byte[]> _readyKeys = [];

    /// <summary>How many callers are parked on blocking commands (for INFO's blocked_clients, and tests).</summary>
    public int BlockedCount => Volatile.Read(ref _blockedCount);

    private int _blockedCount;

    /// <summary>Runs a standalone command; parks the caller if it asked to block. True when it can complete now.</summary>
    private bool ExecuteOrPark(SingleWork work)
    {
        _context.CanBlock = true;
        try
        {
            work.Result = Execute(work.Request);
        }
        finally
        {
            _context.CanBlock = false;
        }
        if (_context.BlockRequest is not { } block || work.Result.Reply.IsError)
            return true;
        Park(work, block.Keys, block.Timeout);
        return false;
    }

    private void Park(SingleWork work, byte[][] keys, TimeSpan timeout)
    {
        var waiter = new Waiter(work, keys);
        foreach (var key in keys.Distinct(ByteArrayComparer.Instance))
        {
            if (!_waiters.TryGetValue(key, out var queue))
                _waiters[key] = queue = new LinkedList<Waiter>();
            waiter.Nodes.Add((key, queue.AddLast(waiter)));
        }
        Interlocked.Increment(ref _blockedCount);
        if (timeout > TimeSpan.Zero)
            waiter.Timer = _time.CreateTimer(_ => Enqueue(new WaiterEnd(waiter, cancelled: false)), null, timeout, Timeout.InfiniteTimeSpan);
        // Registered last: if the caller is already gone, the callback runs now and queues the removal.
        waiter.Cancellation = work.Request.Aborted.Register(() => Enqueue(new WaiterEnd(waiter, cancelled: true)));
    }

    private void SignalKeyAsReady(byte[] key)
    {
        if (_waiters.ContainsKey(key) && !_readyKeys.Any(k => k.AsSpan().SequenceEqual(key)))
            _readyKeys.Add(key);
    }

    /// <summary>Resumes waiters on keys that came into existence, oldest first, until a key has nothing more to give.</summary>
    private void ServeReadyKeys()
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
        _context.CanBlock = true;
        CommandResult result;
        try
        {
            result = Execute(waiter.Work.Request);
        }
        finally
        {
            _context.CanBlock = false;
        }
        if (_context.BlockRequest is not null && !result.Reply.IsError)
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
                _waiters.Remove(key);
        }
        waiter.Nodes.Clear();
        waiter.Timer?.Dispose();
        waiter.Cancellation.Dispose();
        Interlocked.Decrement(ref _blockedCount);
    }

    private void FailParked()
    {
        foreach (var waiter in _waiters.Values.SelectMany(queue => queue).Distinct().ToList())
        {
            Unpark(waiter);
            waiter.Work.Fail(Errors.ShuttingDown);
        }
    }

    /// <summary>A parked caller: its work item, the keys it waits on and its place in each key's queue.</summary>
    private sealed class Waiter(SingleWork work, byte[][] keys)
    {
        public SingleWork Work { get; } = work;

        public byte[][] Keys { get; } = keys;

        public List<(byte[] Key, LinkedListNode<Waiter> Node)> Nodes { get; } = [];

        public bool Parked { get; set; } = true;

        public ITimer? Timer { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }
    }

    /// <summary>A waiter's timeout or its caller's departure, delivered to the engine thread.</summary>
    private sealed class WaiterEnd(Waiter waiter, bool cancelled) : IWork
    {
        private bool _ended;

        public bool Execute(Executor executor)
        {
            // The waiter may have been served (or timed out) since this was queued: then nothing to do.
            if (!waiter.Parked)
                return false;
            executor.Unpark(waiter);
            _ended = true;
            return true;
        }

        public void Complete()
        {
            if (!_ended)
                return;
            if (cancelled)
                waiter.Work.TrySetCanceled(waiter.Work.Request.Aborted);
            else
                waiter.Work.TrySetResult(new CommandResult(Reply.Null, default, default));
        }

        public void Fail(EngineError error) => Complete();
    }
}
