using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence.Aof;
using Lodestone.Engine.Persistence.Snapshots;

namespace Lodestone.Engine.Persistence;

/// <summary>
/// Snapshots of an <see cref="AppendOnlyLog"/>'s data, each also a compaction of the log: when one is
/// due (the save rules, the log's growth), taking it (BGSAVE, BGREWRITEAOF), the manifest swaps that
/// make it safe, and its status.
/// </summary>
/// <remarks>
/// Design note. A snapshot is a compaction: at its offset O the log switches to a new segment starting
/// at O, and an intermediate manifest naming the old segments and the new one is made durable before
/// anything is written there; once the snapshot is durable, the manifest is replaced by {snapshot O,
/// segment O} and the old files are deleted. A crash at any point leaves a manifest whose files are all
/// there and together hold every acknowledged write. The engine thread's part — the cut at O and the
/// walk of the keyspace — is <see cref="SnapshotCoordinator"/>'s; this class runs on the thread pool.
/// </remarks>
public sealed class Compactor
{
    private readonly AppendOnlyLog _log;
    private readonly PersistenceOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long _sizeAtLastRewrite;
    private DateTimeOffset _lastSaveAttempt;
    // Writes (records) since the last save, for the save rules: offsets count bytes, not changes.
    private long _recordsAtLastSave;
    private bool _olderFormatLoaded;
    private SnapshotStatus _status = new(false, null, null, null, null, null, 0);
    private Task? _running;

    internal Compactor(AppendOnlyLog log, PersistenceOptions options, TimeProvider time)
    {
        _log = log;
        _options = options;
        _time = time;
        _lastSaveAttempt = time.GetUtcNow();
    }

    /// <summary>Snapshot and rewrite status, with the log's figures (INFO persistence, LASTSAVE, /admin/snapshots).</summary>
    public SnapshotStatus Status
    {
        get
        {
            lock (_gate)
                return _status with { LogBytes = _log.Length, LogRecords = _log.Counters.Records, LogFsyncs = _log.Counters.Fsyncs };
        }
    }

    /// <summary>The snapshot being taken, or the last one (null before the first).</summary>
    internal Task? Running
    {
        get
        {
            lock (_gate)
                return _running;
        }
    }

    /// <summary>After recovery opened the log: the live snapshot is the last save, whichever process took it, and the save rules count from here.</summary>
    /// <param name="saved">The snapshot the manifest names (its duration is not known), or null.</param>
    /// <param name="olderFormat">The files were of an older format, without key versions: one compaction puts every key's on disk, so one is due at once.</param>
    internal void Opened(Recovery.SavedSnapshot? saved, bool olderFormat)
    {
        lock (_gate)
        {
            if (saved is not null)
                _status = _status with { LastSaveTime = saved.Time, LastSaveOffset = saved.Offset, LastSize = saved.Bytes };
            _olderFormatLoaded = olderFormat;
            _sizeAtLastRewrite = _log.Length;
            _recordsAtLastSave = _log.Counters.Records;
        }
    }

    /// <summary>
    /// Takes a snapshot now (Redis's BGSAVE / BGREWRITEAOF) and compacts the log to it; completes when
    /// the snapshot is durable and the old files are gone.
    /// </summary>
    /// <exception cref="InvalidOperationException">A snapshot is already running, or the log is not open.</exception>
    public Task SnapshotAsync(Executor executor) =>
        Start(executor, () => RunSnapshotAsync(executor)) ?? throw new InvalidOperationException("A snapshot is already being taken.");

    /// <summary>
    /// Starts a snapshot unless one is running (BGSAVE, BGREWRITEAOF); false when one is. Returns at
    /// once — the first file is written on the thread pool — so the engine thread may call it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The log is not open (recovery has not run).</exception>
    public bool TryStartSnapshot(Executor executor) =>
        Start(executor, () => Task.Run(() => RunSnapshotAsync(executor))) is not null;

    /// <summary>
    /// Whether a snapshot is due: a save rule is met (time since the last one and writes since), the
    /// log has outgrown its last compaction, or the files loaded at startup were of an older format
    /// (without key versions, so every restart would give their keys new ETags until one is taken).
    /// </summary>
    public bool SnapshotDue()
    {
        lock (_gate)
        {
            if (_log.Manifest is null || _running is { IsCompleted: false })
                return false;
            if (_olderFormatLoaded)
                return true;
            var changes = _log.Counters.Records - _recordsAtLastSave;
            var elapsed = _time.GetUtcNow() - _lastSaveAttempt;
            if (changes > 0 && (_options.SaveRules() ?? []).Any(rule => elapsed.TotalSeconds >= rule.Seconds && changes >= rule.Changes))
                return true;
            var size = _log.Length;
            return _options.AutoRewritePercentage > 0 && size >= _options.AutoRewriteMinSizeBytes
                && size >= _sizeAtLastRewrite * (100 + _options.AutoRewritePercentage) / 100;
        }
    }

    /// <returns>The running snapshot, or null when one was already running.</returns>
    private Task? Start(Executor executor, Func<Task> run)
    {
        ArgumentNullException.ThrowIfNull(executor);
        lock (_gate)
        {
            if (_running is { IsCompleted: false })
                return null;
            if (_log.Manifest is null)
                throw new InvalidOperationException("The log is not open: recovery has not run.");
            _status = _status with { InProgress = true };
            _lastSaveAttempt = _time.GetUtcNow();
            return _running = run();
        }
    }

    private async Task RunSnapshotAsync(Executor executor)
    {
        var started = _time.GetTimestamp();
        var before = _log.Manifest!;
        try
        {
            // Before the cut, off the engine thread: a manifest naming the segment the log will switch
            // to. Recovery treats a missing last segment as not yet started, so this is safe to make
            // durable now, and the switch itself needs no fsync.
            var next = before.NextSegmentName();
            _log.ReplaceManifest(before with { Segments = [.. before.Segments, next] });

            SnapshotWriter? writer = null;
            AofWriter? previous = null;
            long offset;
            long recordsAtCut = 0;
            try
            {
                offset = await executor.StartSnapshotAsync(offset =>
                {
                    // On the engine thread, between batches: every record before the offset is in the
                    // current segment; from it on, they go to the next one.
                    (writer, previous) = _log.SwitchSegment(next, offset);
                    recordsAtCut = _log.Counters.Records;
                    return writer;
                }).ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (writer is null)
            {
                // The log did not switch: name only the segments it writes to again.
                _log.ReplaceManifest(before);
                throw;
            }
            previous?.Dispose(); // its final fsync, here rather than on the engine thread
            var size = await writer!.Done.ConfigureAwait(false);
            var peakBuffer = writer.PeakQueuedBytes;
            writer.Dispose();

            var after = new Manifest(Manifest.CurrentVersion, SnapshotFile.Name(offset), offset, [next]);
            _log.ReplaceManifest(after);
            lock (_gate)
            {
                _sizeAtLastRewrite = _log.Length;
                _recordsAtLastSave = recordsAtCut;
                _olderFormatLoaded = false;
                _status = new SnapshotStatus(false, _time.GetUtcNow(), offset, _time.GetElapsedTime(started), size, null, 0, LastPeakBufferBytes: peakBuffer);
            }
            // Only now, with the new manifest durable, are the old files unneeded.
            _log.DeleteUnlessLive(before.Segments.Append(before.Snapshot).OfType<string>(), [after.Snapshot!, next]);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            lock (_gate)
                _status = _status with { InProgress = false, LastError = failure.Message };
        }
    }
}
