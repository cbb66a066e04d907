using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Persistence.Snapshots;

namespace Lodestone.Engine.Execution;

/// <summary>Loading: a snapshot and the log into the engine at startup — and again after a refused batch.</summary>
/// <remarks>
/// Design note. While loading, callers get <c>LOADING</c> (503) and the log's records run through
/// the same command table as live commands. Time is frozen at the Unix epoch during replay, which is
/// how Redis's rule "nothing expires while loading" falls out: no key looks expired, and EXPIRE-style
/// commands never see their instant as already past — so a record that touched a key before it
/// expired replays onto that key, not onto a fresh one. Keys whose time has come are reclaimed by
/// lazy and active expiry once loading ends. Effects of replayed records are not logged again.
///
/// A refused batch is rolled back by loading again. With group commit a batch has run in memory
/// before its effects reach the log; when the log cannot take them (a full disk under appendfsync
/// always, a failed fsync) the batch's callers are told it failed, so it must not have happened —
/// not in memory, not on disk, not later. The log forgets the batch (<see cref="IEffectSink.Discard"/>:
/// never written, its offsets given again), and the engine, still on its thread and before any reply
/// of the batch or any later command, drops every key and loads the log again, inline: callers wait
/// rather than see LOADING, and memory is then exactly what a restart would load. Every caller whose
/// command ran after the batch's first effect fails (it may have seen what is undone); those before
/// it keep their answers. Why not undo each write: that means copying every value a write touches
/// before it changes, on every batch, for a failure that is rare; a reload costs only when it happens
/// (as long as a startup's load). What it resets, as a restart does: LRU/LFU and hot-key statistics;
/// parked callers stay parked. What it keeps: key versions (ETags), which come back from the records
/// and the snapshot (<see cref="Effect"/>); the versions the refused batch took are never handed out
/// again, as the counter never goes back. A batch whose effects are only expirations and
/// evictions is not rolled back: nobody's write depends on it, the log keeps it for when it recovers,
/// and rolling it back would bring back keys that expire again at once.
///
/// Versions. A key's version is loaded with it: from the snapshot (which also holds the counter, so a
/// deleted key's version is not handed out again) and from each record (which carries the version of
/// what it wrote). Loading ends by moving the counter <see cref="VersionMargin"/> above everything
/// loaded: the files may have lost the last records before a crash (not yet fsynced under EverySec or
/// No, a torn tail, a log cut by check-aof --fix), and callers may have seen the versions those took —
/// so a write after the restart must not take one of them again. Files of an older format hold no
/// versions: their keys get new ones as they load.
/// </remarks>
public sealed partial class Executor
{
    private volatile bool _loading;

    // While loading: the records of a script read since its MULTI, held until its EXEC (engine thread).
    private List<Effect>? _openTransaction;

    /// <summary>Whether the engine is loading (callers get LOADING).</summary>
    public bool IsLoading => _loading;

    /// <summary>Refuses callers with LOADING until <see cref="FinishLoading"/>. Call before the engine is shared.</summary>
    public void BeginLoading() => _loading = true;

    /// <summary>
    /// How far above everything loaded versions continue: more versions than the writes a crash can
    /// lose (the last second or two under EverySec, what the OS had not flushed under No) could take.
    /// 2^32 per load leaves room for billions of restarts below <see cref="long.MaxValue"/>.
    /// </summary>
    public const long VersionMargin = 1L << 32;

    /// <summary>Runs logged records, in order, as loading replay: no permissions, no logging, time frozen; each record's keys get its version.</summary>
    /// <returns>The first record that failed, with its error, or null.</returns>
    public Task<(long Index, EngineError Error)?> ReplayAsync(IReadOnlyList<Effect> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (!_loading)
            throw new InvalidOperationException("Replay runs only while loading (BeginLoading).");
        var work = new ReplayWork(records);
        RunLoading(work);
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
    /// versions continue <see cref="VersionMargin"/> above every one loaded, then callers are served,
    /// with offsets continuing from <paramref name="nextOffset"/>.
    /// </summary>
    public void FinishLoading(long nextOffset)
    {
        StartAtOffset(nextOffset);
        // Data with a history on disk: the backlog starts now, before the sweep's DELs, so replicas
        // that followed this node before it restarted continue with a partial resync (Redis 4+).
        if (nextOffset > 0)
        {
            _stream.TryOpenReader(nextOffset, out var marker);
            marker?.Dispose();
        }
        var sweep = new ExpiredSweepWork();
        RunLoading(sweep);
        sweep.Task.GetAwaiter().GetResult();
        _loading = false;
    }

    /// <summary>Runs first after loading, before any caller: drops the keys that expired meanwhile, and moves versions past the margin.</summary>
    private sealed class ExpiredSweepWork() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), IEngineWork
    {
        public bool Execute(Executor executor)
        {
            // A script's effects whose EXEC never reached the disk (a torn last batch): none of them apply.
            executor._openTransaction = null;
            executor._dispatcher.TakeTimeSnapshot();
            // A replica keeps them: its primary's DELs will come.
            if (!executor.Replication.IsReplica)
                executor._keyspace.RemoveExpired(KeyAccess.At(executor._dispatcher.NowMs));
            executor._keyspace.ContinueVersionsAbove(executor._keyspace.LastVersion + VersionMargin);
            executor._clock.Read();
            return true;
        }

        public void Complete() => TrySetResult();

        public void Fail(EngineError error) => TrySetResult();
    }

    /// <summary>
    /// Adds snapshot entries while loading (keys must be new; expired ones are kept and reclaimed after
    /// loading, as replay needs them), each at its saved version (none: a new one); versions then
    /// continue above <paramref name="lastVersion"/>, the snapshot's counter.
    /// </summary>
    internal Task<string?> LoadSnapshotEntriesAsync(IReadOnlyList<SnapshotEntry> entries, long lastVersion)
    {
        if (!_loading)
            throw new InvalidOperationException("Snapshot entries load only while loading (BeginLoading).");
        var work = new SnapshotLoadWork(entries, lastVersion);
        RunLoading(work);
        return work.Task;
    }

    /// <summary>Queues loading work — or, on the engine thread itself (a reload after a refused batch), runs it at once.</summary>
    private void RunLoading(IEngineWork work)
    {
        if (Thread.CurrentThread != _thread)
        {
            Enqueue(work);
            return;
        }
        work.Execute(this);
        work.Complete();
    }

    private bool _reloadPending;

    /// <summary>
    /// After a sink threw: whether the batch is rolled back (then its offsets are given again), and the
    /// error for the callers that depend on it — null when it holds only expirations and evictions.
    /// </summary>
    private EngineError? RefuseBatch(EngineError failure, out bool rolledBack)
    {
        rolledBack = false;
        // Expirations and evictions are logged with the engine's own DEL array, never a caller's.
        if (_effects.TrueForAll(effect => ReferenceEquals(effect.Args[0], Del)))
            return null;
        if (_sinks.Length == 0 || !_sinks[0].Discard())
            return failure;
        foreach (var sink in _sinks.AsSpan(1))
            sink.Discard();
        rolledBack = _reloadPending = true;
        return failure;
    }

    /// <summary>Engine thread, after a refused batch the log has forgotten: drops every key and loads the log again, inline.</summary>
    private void ReloadAfterRefusal()
    {
        _reloadPending = false;
        _loading = true;
        // A running snapshot saves every key it still needs first, so its image (at its offset, before
        // this batch) stays whole; the keys loaded now are newer than it and left out.
        _keyspace.Clear();
        try
        {
            FinishLoading(_sinks[0].Reload(this));
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // Nothing can be trusted to serve: stay loading, so callers get LOADING. The sink reports why.
        }
    }


    private sealed class SnapshotLoadWork(IReadOnlyList<SnapshotEntry> entries, long lastVersion)
        : TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously), IEngineWork
    {
        private string? _problem;

        public bool Execute(Executor executor)
        {
            var keyspace = executor._keyspace;
            // Loaded keys are not accesses at any real time: nothing expires while loading (the sweep after it does).
            var access = KeyAccess.At(0, executor.Settings.MaxMemoryPolicy.IsLfu());
            foreach (var (type, key, expireAt, version, value) in entries)
            {
                // As a command that wrote the key: one version for the entry, the saved one if there is one.
                if (!keyspace.AddLoaded(type, key, expireAt, version, value, access))
                {
                    _problem = $"the key '{System.Text.Encoding.UTF8.GetString(key)}' appears twice";
                    break;
                }
            }
            keyspace.ContinueVersionsAbove(lastVersion);
            executor._effects.Clear();
            executor._clock.Read();
            return true;
        }

        public void Complete() => TrySetResult(_problem);

        public void Fail(EngineError error) => TrySetResult(error.Message);
    }

    private sealed class ReplayWork(IReadOnlyList<Effect> records)
        : TaskCompletionSource<(long, EngineError)?>(TaskCreationOptions.RunContinuationsAsynchronously), IEngineWork
    {
        private (long, EngineError)? _failure;

        public bool Execute(Executor executor)
        {
            // Replayed commands run at time 0: nothing expires while loading (the sweep after it does).
            executor._dispatcher.NowMs = 0;
            for (var i = 0; i < records.Count; i++)
            {
                // A script's effects (MULTI … EXEC) apply whole or not at all: held until the EXEC.
                if (Lodestone.Engine.Commands.Effects.IsTransactionMarker(records[i]))
                {
                    var opens = records[i].Args[0].Length == Lodestone.Engine.Commands.Effects.Multi.Length;
                    var held = executor._openTransaction;
                    executor._openTransaction = opens ? [] : null;
                    if (opens || held is null || ReplayAll(executor, held, i) is null)
                        continue;
                    break;
                }
                if (executor._openTransaction is { } open)
                {
                    open.Add(records[i]);
                    continue;
                }
                var reply = executor._dispatcher.Replay(records[i]);
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

        /// <summary>Replays a script's held records; returns the failure (also kept as this work's), or null.</summary>
        private (long, EngineError)? ReplayAll(Executor executor, List<Effect> held, long index)
        {
            foreach (var record in held)
            {
                var reply = executor._dispatcher.Replay(record);
                if (reply.IsError)
                    return _failure = (index, reply.AsError());
            }
            return null;
        }

        public void Complete() => TrySetResult(_failure);

        public void Fail(EngineError error) => TrySetResult((-1, error));
    }
}
