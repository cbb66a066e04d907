namespace Lodestone.Engine.Execution;

/// <summary>Loading: replaying a log (and, later, a snapshot) into the engine at startup.</summary>
/// <remarks>
/// Design note. While loading, callers get <c>LOADING</c> (503) and the log's records run through
/// the same command table as live commands. Time is frozen at the Unix epoch during replay, which is
/// how Redis's rule "nothing expires while loading" falls out: no key looks expired, and EXPIRE-style
/// commands never see their instant as already past — so a record that touched a key before it
/// expired replays onto that key, not onto a fresh one. Keys whose time has come are reclaimed by
/// lazy and active expiry once loading ends. Effects of replayed records are not logged again.
/// </remarks>
public sealed partial class Executor
{
    private volatile bool _loading;

    /// <summary>Whether the engine is loading (callers get LOADING).</summary>
    public bool IsLoading => _loading;

    /// <summary>Refuses callers with LOADING until <see cref="FinishLoading"/>. Call before the engine is shared.</summary>
    public void BeginLoading() => _loading = true;

    /// <summary>Runs logged records, in order, as loading replay: no permissions, no logging, time frozen.</summary>
    /// <returns>The first record that failed, with its error, or null.</returns>
    public Task<(long Index, EngineError Error)?> ReplayAsync(IReadOnlyList<byte[][]> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (!_loading)
            throw new InvalidOperationException("Replay runs only while loading (BeginLoading).");
        var work = new ReplayWork(records);
        Enqueue(work);
        return work.Task;
    }

    /// <summary>
    /// Refuses lock grants for one maximum lease (<see cref="EngineOptions.LockMaxTtlMs"/>) from now:
    /// Redis's "delayed restart", for a restart that may have lost lock writes (no log, or an unclean
    /// stop under a relaxed fsync policy), so a lock held before it cannot be granted twice. Call
    /// before the engine serves callers (while loading).
    /// </summary>
    public void PauseLockGrants() => _context.LockGrantsResumeAtMs = _context.MonotonicMs + _options.LockMaxTtlMs;

    /// <summary>
    /// Ends loading: keys whose time passed while the service was down are dropped (and logged as DEL),
    /// then callers are served, with offsets continuing from <paramref name="nextOffset"/>.
    /// </summary>
    public void FinishLoading(long nextOffset)
    {
        StartAtOffset(nextOffset);
        var sweep = new ExpiredSweepWork();
        Enqueue(sweep);
        sweep.Task.GetAwaiter().GetResult();
        _loading = false;
    }

    /// <summary>Runs first after loading, before any caller: drops the keys that expired meanwhile.</summary>
    private sealed class ExpiredSweepWork() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), IWork
    {
        public bool Execute(Executor executor)
        {
            executor.TakeTimeSnapshot();
            executor._keyspace.RemoveExpired();
            executor._clock.Read();
            return true;
        }

        public void Complete() => TrySetResult();

        public void Fail(EngineError error) => TrySetResult();
    }

    /// <summary>Adds snapshot entries while loading (keys must be new; expired ones are kept and reclaimed after loading, as replay needs them).</summary>
    internal Task<string?> LoadSnapshotEntriesAsync(IReadOnlyList<(Types.RedisType Type, byte[] Key, long ExpireAtMs, Types.IValue Value)> entries)
    {
        if (!_loading)
            throw new InvalidOperationException("Snapshot entries load only while loading (BeginLoading).");
        var work = new SnapshotLoadWork(entries);
        Enqueue(work);
        return work.Task;
    }

    private Reply Replay(byte[][] args)
    {
        if (Commands.Check(args, long.MaxValue, out var spec) is { } invalid)
            return invalid;
        return Dispatch(spec, args);
    }

    private sealed class SnapshotLoadWork(IReadOnlyList<(Types.RedisType Type, byte[] Key, long ExpireAtMs, Types.IValue Value)> entries)
        : TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously), IWork
    {
        private string? _problem;

        public bool Execute(Executor executor)
        {
            executor._keyspace.NowMs = 0;
            foreach (var (type, key, expireAt, value) in entries)
            {
                if (executor._keyspace.Lookup(key) is not null)
                {
                    _problem = $"the key '{System.Text.Encoding.UTF8.GetString(key)}' appears twice";
                    break;
                }
                var entry = executor._keyspace.Add(key, type, value);
                if (expireAt != Keyspace.Entry.NoExpiry)
                    executor._keyspace.SetExpiry(entry, expireAt);
            }
            executor._effects.Clear();
            executor._clock.Read();
            return true;
        }

        public void Complete() => TrySetResult(_problem);

        public void Fail(EngineError error) => TrySetResult(error.Message);
    }

    private sealed class ReplayWork(IReadOnlyList<byte[][]> records)
        : TaskCompletionSource<(long, EngineError)?>(TaskCreationOptions.RunContinuationsAsynchronously), IWork
    {
        private (long, EngineError)? _failure;

        public bool Execute(Executor executor)
        {
            executor._keyspace.NowMs = 0;
            for (var i = 0; i < records.Count; i++)
            {
                var reply = executor.Replay(records[i]);
                // A logged command failed when it ran, so it was never logged: a failure here means the
                // log does not match this engine (or a bug). Stop and say which record.
                if (reply.IsError)
                {
                    _failure = (i, reply.AsError());
                    break;
                }
            }
            executor._effects.Clear();
            executor._clock.Read();
            return true;
        }

        public void Complete() => TrySetResult(_failure);

        public void Fail(EngineError error) => TrySetResult((-1, error));
    }
}
