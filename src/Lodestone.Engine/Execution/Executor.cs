using System.Collections.Concurrent;
using System.Diagnostics;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Diagnostics;
using Lodestone.Engine.Effects;
using Lodestone.Engine.Keyspace;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lodestone.Engine.Execution;

/// <summary>
/// The engine: one dedicated thread that owns all data and executes every command, as Redis's
/// event loop. Callers on any thread enqueue a command and await its result.
/// </summary>
/// <remarks>
/// Design note. The concurrency invariant is simple and enforced here: the keyspace, every value in
/// it and the <see cref="CommandContext"/> are touched only by <see cref="Run"/>'s thread. Nothing
/// else in the engine locks.
///
/// One loop turn:
/// <list type="number">
/// <item>drain up to <see cref="EngineOptions.MaxBatchSize"/> queued work items;</item>
/// <item>execute each synchronously (handlers never await or block), collecting the canonical
/// effects of writes and expirations;</item>
/// <item>encode the batch's effects once, as the next bytes of the effect stream, and hand them to
/// every <see cref="IEffectSink"/> — the AOF, the one reader that must have them before any reply
/// (it writes and fsyncs there: once per batch, i.e. group commit); if the log cannot take them, the
/// batch is refused and undone (Executor.Loading.cs); otherwise publish them to the
/// <see cref="EffectStream"/>'s backlog, which asynchronous readers (replicas) read on their own time;</item>
/// <item>only then complete the callers' tasks, so no caller sees a reply whose effect is not yet
/// logged. Continuations run on the thread pool, never on the engine thread.</item>
/// </list>
/// Timer work (the active expiry cycle, eviction to a lowered memory limit, hot-key ageing; later
/// snapshots, heartbeats) arrives as a tick
/// item from a <see cref="TimeProvider"/> timer, so it runs between commands, on the same thread.
/// Blocking commands park their caller instead of completing it (<see cref="BlockingRegistry"/>); a later
/// write that creates a key they wait on resumes them in the same loop turn.
///
/// The executor owns the queue, the loop, the commit and the kinds of work item; the rest are its
/// parts, each run as work on this thread: <see cref="CommandDispatcher"/> runs one command (the
/// generic checks, the handler, its effect and stats), <see cref="BlockingRegistry"/> keeps parked
/// callers, <see cref="SnapshotCoordinator"/> walks a snapshot between batches (with the keyspace
/// walker, <see cref="Keyspace.Keyspace.Walk"/>, which BIGKEYS uses too), and
/// <see cref="RuntimeSettings"/> is what CONFIG SET swaps in whole.
///
/// Nothing escapes the engine thread: an exception from a handler fails that command (an internal
/// error reply), one from anywhere else in a work item fails that item, and either is logged with
/// the command's name — the loop goes on. One bad argument must never stop the process.
/// </remarks>
public sealed partial class Executor : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentQueue<IEngineWork> _queue = new();

    // What CONFIG SET may change, swapped whole (the bound options are never written).
    private RuntimeSettings _settings;
    private readonly Lock _settingsChange = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly Thread _thread;
    private readonly ITimer _ticker;
    private readonly TimeProvider _time;
    private readonly LoopClock _clock;
    private readonly EngineOptions _options;
    private readonly IEffectSink[] _sinks;
    private readonly EffectStream _stream;
    private readonly List<Effect> _effects = [];
    private readonly List<(IEngineWork Work, bool DependsOnCommit)> _completions = [];
    private readonly CommandContext _context;
    private readonly Keyspace.Keyspace _keyspace;
    private readonly Eviction _eviction;
    private readonly TickWork _tick;
    private readonly SnapshotCoordinator _snapshots;
    private readonly BlockingRegistry _blocking;
    private readonly ReplicaWaits _replicaWaits;
    private readonly Func<SingleWork, bool> _resumeWaiter;
    private long _usedBytes;
    private long _peakBytes;
    private long _keyCount;
    private readonly EngineDiagnostics _diagnostics;
    private int _tickQueued;
    private volatile bool _stopping;
    private int _stopped;
    private readonly ILogger _logger;
    private readonly CommandDispatcher _dispatcher;
    private readonly Scripting.ScriptRuntime _scripts;
    // Work that arrived while a script was busy and is not a caller's command (a tick): run next turn.
    private readonly List<IEngineWork> _deferred = [];
    // The loop turn's work items, and the next one to run (a busy script answers those after it).
    private readonly List<IEngineWork> _batch;
    private int _batchNext;

    /// <summary>Starts an engine thread with <paramref name="options"/> (validated here), its clock, and the sinks every batch's effects go to before its replies complete.</summary>
    public Executor(EngineOptions options, TimeProvider time, IEnumerable<IEffectSink>? sinks = null, ILogger<Executor>? logger = null)
        : this(options, time, sinks, logger, CommandTable.Default)
    {
    }

    /// <summary>An engine with its own command table (tests add commands that misbehave).</summary>
    internal Executor(EngineOptions options, TimeProvider time, IEnumerable<IEffectSink>? sinks, ILogger? logger, CommandTable commands)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _settings = RuntimeSettings.From(options);
        if (options.LockMaxTtlMs < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "LockMaxTtlMs must be at least 1.");
        if (options.ReplBacklogSize is < EngineOptions.MinReplBacklogSize or > EngineOptions.MaxReplBacklogSize)
            throw new ArgumentOutOfRangeException(nameof(options), $"ReplBacklogSize must be between {EngineOptions.MinReplBacklogSize} and {EngineOptions.MaxReplBacklogSize} bytes.");
        _options = options;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        Commands = commands;
        _clock = new LoopClock(time);
        _clock.Rebase();
        _sinks = sinks?.ToArray() ?? [];
        _stream = new EffectStream(options.ReplBacklogSize);
        Replication = new Lodestone.Engine.Replication.ReplicationState();
        _keyspace = new Keyspace.Keyspace(new Random(), firstVersion: time.GetUtcNow().ToUnixTimeMilliseconds() * 1000, new KeyspaceEvents(this));
        _eviction = new Eviction(_keyspace);
        _snapshots = new SnapshotCoordinator(_keyspace, LatencySince, () => [.. _scripts!.Functions.Libraries.Select(library => library.Code)]);
        _blocking = new BlockingRegistry(time, Enqueue);
        _replicaWaits = new ReplicaWaits(Replication, time, Enqueue);
        Replication.Acknowledged += _replicaWaits.Acknowledged;
        _resumeWaiter = ResumeWaiter;
        _diagnostics = new EngineDiagnostics(this, _keyspace, Commands, options, time);
        PubSub = new PubSub.PubSubHub(options, time);
        Notifications = new PubSub.KeyspaceNotifications(PubSub);
        _context = new CommandContext(_keyspace, options, Commands, time, _effects)
        {
            WaiterCount = _blocking.WaiterCount, Eviction = _eviction, Diagnostics = _diagnostics,
            PubSub = PubSub, Notifications = Notifications,
            Scripts = _scripts = new Scripting.ScriptRuntime(new Scripting.ScriptHost(this), _logger),
        };
        _dispatcher = new CommandDispatcher(this, Commands, options, _context, _keyspace, _eviction, _effects, _stream, _clock, _diagnostics, time, _logger);
        _tick = new TickWork(this);
        PublishMemory();

        _batch = new List<IEngineWork>(options.MaxBatchSize);
        _thread = new Thread(Run) { IsBackground = true, Name = "lodestone-engine" };
        _thread.Start();
        _ticker = time.CreateTimer(_ => QueueTick(), null, _settings.TickPeriod, _settings.TickPeriod);
    }

    /// <summary>This node's role in replication, its history ids, its link or its replicas (any thread).</summary>
    public Lodestone.Engine.Replication.ReplicationState Replication { get; }

    /// <summary>The keyspace, for work that runs on the engine thread (replication's apply and install).</summary>
    internal Keyspace.Keyspace Data => _keyspace;

    /// <summary>Runs one command's generic steps (engine thread): scripts run theirs through it, replication applies records with it.</summary>
    internal CommandDispatcher Dispatcher => _dispatcher;

    /// <summary>The running batch's effects, committed at the end of the loop turn (engine thread).</summary>
    internal List<Effect> PendingEffects => _effects;

    /// <summary>The engine's log, for work that runs on the engine thread.</summary>
    internal ILogger Logger => _logger;

    /// <summary>Queues work for the engine thread.</summary>
    internal void Submit(IEngineWork work) => Enqueue(work);

    /// <summary>Reads the loop clock after engine work that took time (engine thread).</summary>
    internal void ReadClock() => _clock.Read();

    /// <summary>Publish/subscribe: channels, patterns, subscribers (any thread).</summary>
    public PubSub.PubSubHub PubSub { get; }

    /// <summary>Keyspace notifications and the HTTP key watchers (settings and events: engine thread; watching: any thread).</summary>
    public PubSub.KeyspaceNotifications Notifications { get; }

    /// <summary>Counters, slow log, latency events, MONITOR and the host's facts (see <see cref="EngineDiagnostics"/>).</summary>
    public EngineDiagnostics Diagnostics => _diagnostics;

    /// <summary>The commands this engine executes.</summary>
    public CommandTable Commands { get; }

    /// <summary>The engine's clock.</summary>
    public TimeProvider Time => _time;

    /// <summary>
    /// The committed offset, in bytes of the encoded effect stream (Redis's replication offset): the
    /// end of the last batch handed to the sinks. Grows with every write, never decreases, and is
    /// updated before any reply of a batch completes — so a caller that reads it after its reply sees
    /// a value covering its own write. Starts where recovery left the log (<see cref="StartAtOffset"/>).
    /// </summary>
    public long CommittedOffset => _stream.Offset;

    /// <summary>The committed effect stream: its backlog, and readers that follow it asynchronously from any offset still held.</summary>
    public EffectStream Effects => _stream;

    /// <summary>Continues offsets from a recovered log; call before the first command (or while loading).</summary>
    public void StartAtOffset(long offset) => _stream.StartAt(offset);

    private static readonly byte[] Del = "DEL"u8.ToArray();
    private static readonly byte[] Hdel = "HDEL"u8.ToArray();

    /// <summary>
    /// The settings in effect: <see cref="RuntimeSettings.From"/> the options at start, then what
    /// <see cref="ChangeSettings"/> last swapped in. Any thread.
    /// </summary>
    public RuntimeSettings Settings => Volatile.Read(ref _settings);

    /// <summary>
    /// Swaps in <paramref name="change"/>'s new settings (CONFIG SET; any thread): the engine applies
    /// them from its next command or tick, and a new <see cref="RuntimeSettings.Hz"/> resets the
    /// timer. <paramref name="change"/> runs under a lock, so concurrent changes do not lose each other.
    /// </summary>
    /// <returns>The settings now in effect.</returns>
    public RuntimeSettings ChangeSettings(Func<RuntimeSettings, RuntimeSettings> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_settingsChange)
        {
            var current = _settings;
            var next = change(current);
            ArgumentNullException.ThrowIfNull(next, nameof(change));
            Volatile.Write(ref _settings, next);
            if (next.Hz != current.Hz)
                _ticker.Change(next.TickPeriod, next.TickPeriod);
            return next;
        }
    }

    /// <summary>The memory figures as of the engine's last loop turn (any thread).</summary>
    public MemoryStats Memory => new(
        Interlocked.Read(ref _usedBytes), Interlocked.Read(ref _peakBytes), Settings.MaxMemoryBytes, Settings.MaxMemoryPolicy,
        _eviction.EvictedKeys, Interlocked.Read(ref _keyCount));

    /// <summary>
    /// The checks a command gets before it runs — it exists, its arity, argument sizes, the user's
    /// permission — without running it: what MULTI does when a command is queued. Safe on any thread
    /// (the table and users are immutable).
    /// </summary>
    public EngineError? Check(byte[][] args, Security.AclUser? user = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        return _dispatcher.Check(args, user, out _);
    }

    /// <summary>Executes one command and returns its reply.</summary>
    public async Task<Reply> ExecuteAsync(params byte[][] args) =>
        (await ExecuteAsync(new CommandRequest(args)).ConfigureAwait(false)).Reply;

    /// <summary>Executes one command, checking its condition and reporting its key's state.</summary>
    public Task<CommandResult> ExecuteAsync(CommandRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var work = new SingleWork(request);
        Enqueue(work);
        return work.Task;
    }

    /// <summary>
    /// Executes the requests one after another with nothing in between (like MULTI/EXEC): no other
    /// caller's command runs between them. Each is executed even if an earlier one failed.
    /// </summary>
    public Task<CommandResult[]> ExecuteAtomicAsync(IReadOnlyList<CommandRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var work = new AtomicWork(requests);
        Enqueue(work);
        return work.Task;
    }

    /// <summary>
    /// Executes the requests in order, as one client's pipeline: each is a standalone command (its
    /// own time; clients blocked on a key it fills are served before the next), and others' commands
    /// may run in between — though a batch is normally taken in one loop turn, with one task for all
    /// of it. A blocking command parks only itself, as it does when sent alone: the commands after it
    /// go on.
    /// </summary>
    public Task<CommandResult[]> ExecuteBatchAsync(IReadOnlyList<CommandRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var request in requests)
        {
            ArgumentNullException.ThrowIfNull(request, nameof(requests));
            // Rare (BLPOP and the like in a pipeline): each command its own work item, still in order.
            if (request.Args.Length > 0 && Commands.Find(request.Args[0]) is { } spec && (spec.Flags & CommandFlags.Blocking) != 0)
                return Task.WhenAll(requests.Select(ExecuteAsync));
        }
        var work = new BatchWork(requests);
        Enqueue(work);
        return work.Task;
    }

    /// <summary>
    /// Stops the engine: commands already queued still run, later ones fail as
    /// <see cref="ErrorKind.Unavailable"/>. Returns when the engine thread has exited.
    /// </summary>
    public void Dispose()
    {
        if (_stopping)
            return;
        _stopping = true;
        _ticker.Dispose();
        _wake.Set();
        _thread.Join();
        _stream.Close();
        _scripts.Dispose();
        // A full fence (see Enqueue), then fail whatever arrived after the thread's last look.
        Interlocked.Exchange(ref _stopped, 1);
        FailQueued();
        _blocking.FailAll(Errors.ShuttingDown);
        _replicaWaits.FailAll(Errors.ShuttingDown);
        // _wake is deliberately not disposed: a racing Enqueue may still Set it, and it never
        // allocates a wait handle (nothing reads its WaitHandle), so there is nothing to free.
    }

    /// <summary>Stops the engine thread and its timer after the work already queued.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Whether <see cref="Dispose"/> has begun (a running script is then ended).</summary>
    internal bool IsStopping => _stopping;

    /// <summary>
    /// Called on the engine thread by a script that has run past busy-reply-threshold: every queued
    /// caller gets BUSY — except what <paramref name="answer"/> answers itself (SCRIPT KILL) — and
    /// other work (a tick) waits for the next loop turn. Redis answers its clients from the same hook.
    /// </summary>
    internal void AnswerWhileBusy(Func<CommandRequest, Reply?> answer)
    {
        // The rest of this turn's batch first (taken from the queue with the script), then the queue.
        for (var i = _batchNext; i < _batch.Count; i++)
        {
            if (AnswerBusy(_batch[i], answer))
                _batch[i] = AnsweredWork.Instance;
        }
        while (_queue.TryDequeue(out var work))
        {
            if (!AnswerBusy(work, answer))
                _deferred.Add(work);
        }
    }

    private static bool AnswerBusy(IEngineWork work, Func<CommandRequest, Reply?> answer)
    {
        switch (work)
        {
            case SingleWork single when answer(single.Request) is { } reply:
                single.Result = new CommandResult(reply, default, default);
                single.Complete();
                return true;
            case SingleWork or AtomicWork or BatchWork:
                work.Fail(Errors.Busy);
                return true;
            default:
                return false;
        }
    }

    /// <summary>What stands in the batch for a caller answered while a script was busy: nothing left to do.</summary>
    private sealed class AnsweredWork : IEngineWork
    {
        public static readonly AnsweredWork Instance = new();

        public bool Execute(Executor executor) => false;

        public void Complete()
        {
        }

        public void Fail(EngineError error)
        {
        }
    }

    private void Enqueue(IEngineWork work)
    {
        if (_stopping)
        {
            work.Fail(Errors.ShuttingDown);
            return;
        }
        _queue.Enqueue(work);
        // Shutdown race: between our check of _stopping and our Enqueue, Dispose may have seen the
        // thread exit and drained the queue; then nobody would ever complete this work. Both sides
        // publish, fence, then look (Dekker): either we see _stopped here, or Dispose's drain sees
        // our item. Draining from here too is safe: each item is dequeued exactly once.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _stopped) != 0)
        {
            FailQueued();
            return;
        }
        _wake.Set();
    }

    private void FailQueued()
    {
        while (_queue.TryDequeue(out var work))
            work.Fail(Errors.ShuttingDown);
    }

    private void QueueTick()
    {
        // One tick in the queue at a time: a slow engine skips ticks rather than piling them up.
        if (Interlocked.CompareExchange(ref _tickQueued, 1, 0) == 0)
            Enqueue(_tick);
    }

    private void Run()
    {
        var batch = _batch;
        while (true)
        {
            // Between batches: nothing is half-done and every effect so far is committed.
            _snapshots.BeginRequested(_stream.Offset);
            if (_deferred.Count > 0)
            {
                batch.AddRange(_deferred);
                _deferred.Clear();
            }
            while (batch.Count < _options.MaxBatchSize && _queue.TryDequeue(out var work))
                batch.Add(work);

            if (batch.Count == 0)
            {
                if (_stopping)
                {
                    _snapshots.Abandon();
                    return;
                }
                if (_snapshots.IsWalking)
                {
                    // Idle while a snapshot runs: walk it, but wake for work (and let a slow disk catch up).
                    _snapshots.Advance();
                    if (_snapshots.WriterIsBehind)
                    {
                        // Reset first (as below): left set by an earlier Enqueue, the wait would return at
                        // once and the loop would spin on the core while the writer drains.
                        _wake.Reset();
                        if (_queue.IsEmpty && !_stopping)
                            _wake.Wait(1);
                    }
                    continue;
                }
                // Reset, look again, then sleep: an Enqueue racing with us either left its item
                // where the second look finds it, or sets the event after our Reset.
                _wake.Reset();
                if (_queue.IsEmpty && !_stopping && !_snapshots.IsRequested)
                    _wake.Wait();
                continue;
            }

            _clock.Rebase();
            for (_batchNext = 0; _batchNext < batch.Count;)
            {
                var work = batch[_batchNext++];
                // A command that ran after the batch's first effect may have seen it: it depends on the commit.
                if (ExecuteGuarded(work))
                    _completions.Add((work, _effects.Count > 0));
            }

            var sinkFailure = CommitEffects();
            // WAIT callers that parked behind this turn's writes wait for the offset it ended at.
            _replicaWaits.Committed(_stream.Offset);
            // A refused batch is undone before anyone hears of it (Executor.Loading.cs).
            if (_reloadPending)
                ReloadAfterRefusal();
            // Before the replies: a caller that reads Memory after its reply sees its own write counted.
            PublishMemory();
            foreach (var (work, depends) in _completions)
            {
                // Callers that ran before the batch's first effect saw only committed data: they get their answer.
                if (sinkFailure is not null && depends)
                    work.Fail(sinkFailure);
                else
                    work.Complete();
            }
            _completions.Clear();
            batch.Clear();
            _snapshots.Advance();
        }
    }

    /// <summary>
    /// Runs one work item, then serves the waiters its writes made ready. An exception here is a bug
    /// outside any handler (those are caught where they run): the item fails with an internal error,
    /// the error is logged with the command's name, and the loop goes on.
    /// </summary>
    /// <returns>True when the item is to be completed after the commit.</returns>
    private bool ExecuteGuarded(IEngineWork work)
    {
        _dispatcher.RunningCommand = null;
        try
        {
            var done = work.Execute(this);
            ServeReadyKeys();
            return done;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _dispatcher.LogFailure(exception);
            work.Fail(Errors.Internal(exception));
            return false;
        }
    }

    private EngineError? CommitEffects()
    {
        if (_effects.Count == 0)
        {
            _context.ClearSyncRequest();
            return null;
        }
        var holdsBacklog = _stream.HoldsBacklog;
        if (_sinks.Length == 0 && !holdsBacklog)
        {
            // Nobody takes the bytes (no log, no reader yet): the offset moves on, nothing is encoded.
            _stream.Skip(_effects);
            _effects.Clear();
            _context.ClearSyncRequest();
            return null;
        }
        var started = Stopwatch.GetTimestamp();
        var rolledBack = false;
        var batch = _stream.Encode(_effects);
        try
        {
            foreach (var sink in _sinks)
                sink.Commit(batch, _context.SyncRequested);
            // Under appendfsync always (or a lock grant's sync) the batch was fsynced too: Redis's aof-fsync-always.
            var synced = _context.SyncRequested || _diagnostics.Persistence?.AppendFsync == Persistence.AppendFsync.Always;
            LatencySince(synced ? "aof-fsync-always" : "aof-write", started);
            return null;
        }
        catch (IOException exception)
        {
            return RefuseBatch(Errors.PersistenceFailed(exception), out rolledBack);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _logger.LogError(exception, "The engine could not hand a batch of {Count} effects to the log", _effects.Count);
            return RefuseBatch(Errors.Internal(exception), out rolledBack);
        }
        finally
        {
            // Every effect handed over has its offset now, whether or not it is durable yet — unless the
            // batch is rolled back: then it never happened, no reader sees it and its offsets are given again.
            if (!rolledBack)
            {
                if (holdsBacklog)
                    _stream.Publish(batch);
                else
                    _stream.Skip(batch);
            }
            _effects.Clear();
            _context.ClearSyncRequest();
            _dispatcher.WriteRefusal = SinkFailure();
        }
    }

    /// <summary>The first sink's failure, if any: while there is one, writes are refused.</summary>
    private EngineError? SinkFailure()
    {
        foreach (var sink in _sinks)
        {
            if (sink.Failure is { } failure)
                return failure;
        }
        return null;
    }

    private void RunTick()
    {
        Volatile.Write(ref _tickQueued, 0);
        if (_dispatcher.WriteRefusal is not null)
        {
            foreach (var sink in _sinks)
                sink.TryRecover();
            _dispatcher.WriteRefusal = SinkFailure();
        }
        if (_loading)
            return;
        _clock.Read();
        _dispatcher.TakeTimeSnapshot();
        _diagnostics.Stats.SampleOps(Stopwatch.GetTimestamp(), Stopwatch.Frequency);
        var settings = Settings;
        // A replica neither expires nor evicts on its own: its primary's DELs do both, so its data
        // and its own stream (its AOF, its replicas) stay byte for byte its primary's.
        var replica = Replication.IsReplica;
        _keyspace.HidesExpired = replica;
        if (!replica)
        {
            var budget = settings.TickPeriod * _options.ActiveExpireCyclePercent / 100;
            var started = Stopwatch.GetTimestamp();
            ActiveExpiry.RunCycle(_keyspace, KeyAccess.At(_dispatcher.NowMs), budget);
            LatencySince("expire-cycle", started);
        }
        _keyspace.HotKeys.Age(_dispatcher.NowMs);
        // A limit lowered at run time applies without waiting for traffic.
        if (!replica)
            _eviction.MakeRoom(_dispatcher.NowMs, settings);
        _clock.Read();
    }

    /// <summary>Whether a snapshot is being taken (or about to begin).</summary>
    public bool IsSnapshotting => _snapshots.IsRunning;

    /// <summary>
    /// Starts a snapshot at the next boundary between batches. <paramref name="onStart"/> runs on the
    /// engine thread at that instant with the snapshot's offset — everything before it is in the
    /// snapshot, everything from it on is not — and returns the writer to stream it to (it may also
    /// switch the log to a new segment starting at that offset). See <see cref="SnapshotCoordinator"/>.
    /// </summary>
    /// <returns>The snapshot's offset, once it has started.</returns>
    internal Task<long> StartSnapshotAsync(Func<long, Persistence.Snapshots.ISnapshotOutput> onStart)
    {
        var started = _snapshots.RequestAsync(onStart);
        _wake.Set();
        return started;
    }

    /// <summary>Publishes the memory figures for <see cref="Memory"/> (engine thread, after each loop turn).</summary>
    private void PublishMemory()
    {
        var used = _keyspace.UsedBytes;
        Interlocked.Exchange(ref _usedBytes, used);
        if (used > _peakBytes)
            Interlocked.Exchange(ref _peakBytes, used);
        Interlocked.Exchange(ref _keyCount, _keyspace.Count);
    }

    /// <summary>
    /// What the keyspace reports, turned into the engine's work: expiries and evictions are logged as
    /// DEL (as Redis propagates them) and counted; a ready key may resume blocked callers; an entry
    /// about to change is saved into a running snapshot first.
    /// </summary>
    private sealed class KeyspaceEvents(Executor executor) : IKeyspaceObserver
    {
        public void Expired(byte[] key)
        {
            executor._effects.Add(new Effect([Del, key], 0));
            executor._diagnostics.Stats.KeyExpired();
            executor.Notifications.Notify(Lodestone.Engine.PubSub.NotifyFlags.Expired, "expired", key);
        }

        public void FieldsExpired(byte[] key, List<byte[]> fields, long version)
        {
            // HDEL with the key's version: replayed, the key keeps the version it has here.
            executor._effects.Add(new Effect([Hdel, key, .. fields], version));
            executor._diagnostics.Stats.FieldsExpired(fields.Count);
            executor.Notifications.Notify(Lodestone.Engine.PubSub.NotifyFlags.Hash, "hexpired", key);
        }

        public void Missed(ReadOnlySpan<byte> key)
        {
            if ((executor.Notifications.Flags & Lodestone.Engine.PubSub.NotifyFlags.KeyMiss) != 0)
                executor.Notifications.Notify(Lodestone.Engine.PubSub.NotifyFlags.KeyMiss, "keymiss", key.ToArray());
        }

        public void Evicted(byte[] key)
        {
            executor._effects.Add(new Effect([Del, key], 0));
            executor.Notifications.Notify(Lodestone.Engine.PubSub.NotifyFlags.Evicted, "evicted", key);
            executor._diagnostics.Stats.KeyEvicted();
        }

        public void Ready(byte[] key) => executor._blocking.SignalReady(key);

        public void BeforeChange(Entry entry) => executor._snapshots.Save(entry);
    }

    /// <summary>One standalone command, and its caller's task (parked while it blocks).</summary>
    internal sealed class SingleWork(CommandRequest request)
        : TaskCompletionSource<CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously), IEngineWork
    {
        public CommandRequest Request => request;

        /// <summary>The result to hand over on completion (set again when a parked command is resumed).</summary>
        public CommandResult Result { get; set; }

        public bool Execute(Executor executor)
        {
            executor._dispatcher.TakeTimeSnapshot();
            return executor.ExecuteOrPark(this);
        }

        public void Complete() => TrySetResult(Result);

        public void Fail(EngineError error) => TrySetResult(new CommandResult(error, default, default));
    }

    private sealed class AtomicWork(IReadOnlyList<CommandRequest> requests)
        : TaskCompletionSource<CommandResult[]>(TaskCreationOptions.RunContinuationsAsynchronously), IEngineWork
    {
        private readonly CommandResult[] _results = new CommandResult[requests.Count];

        public bool Execute(Executor executor)
        {
            // Inside a transaction nothing may wait: a blocking command that finds nothing answers
            // at once, as it does inside Redis's EXEC.
            executor._dispatcher.TakeTimeSnapshot();
            var first = executor._effects.Count;
            for (var i = 0; i < _results.Length; i++)
                _results[i] = executor._dispatcher.Execute(requests[i], continuesReply: i > 0);
            // Logged and replicated as one unit (MULTI … EXEC), as Redis propagates a transaction: a
            // replica applies it whole, and recovery drops it if its EXEC never reached the disk.
            executor._context.WrapEffects(first);
            return true;
        }

        public void Complete() => TrySetResult(_results);

        public void Fail(EngineError error)
        {
            Array.Fill(_results, new CommandResult(error, default, default));
            TrySetResult(_results);
        }
    }

    private sealed class BatchWork(IReadOnlyList<CommandRequest> requests)
        : TaskCompletionSource<CommandResult[]>(TaskCreationOptions.RunContinuationsAsynchronously), IEngineWork
    {
        private readonly CommandResult[] _results = new CommandResult[requests.Count];
        private bool[]? _wrote;

        public bool Execute(Executor executor)
        {
            _wrote = new bool[_results.Length];
            for (var i = 0; i < _results.Length; i++)
            {
                executor._dispatcher.TakeTimeSnapshot();
                _results[i] = executor._dispatcher.Execute(requests[i], continuesReply: i > 0);
                _wrote[i] = executor._effects.Count > 0;
                executor.ServeReadyKeys();
            }
            return true;
        }

        public void Complete() => TrySetResult(_results);

        public void Fail(EngineError error)
        {
            // Never run (shutdown): every command fails. Run, but the commit failed: the commands that ran
            // after the batch's first effect fail, the ones before keep their answers — as for single commands.
            for (var i = 0; i < _results.Length; i++)
            {
                if (_wrote is null || _wrote[i])
                    _results[i] = new CommandResult(error, default, default);
            }
            TrySetResult(_results);
        }
    }

    private sealed class TickWork(Executor executor) : IEngineWork
    {
        public bool Execute(Executor ignored)
        {
            executor.RunTick();
            return true;
        }

        public void Complete()
        {
        }

        public void Fail(EngineError error)
        {
        }
    }
}
