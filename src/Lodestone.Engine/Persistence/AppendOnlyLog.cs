using Lodestone.Engine.Effects;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence.Aof;
using Lodestone.Engine.Persistence.Snapshots;

namespace Lodestone.Engine.Persistence;

/// <summary>What recovery found and did.</summary>
/// <param name="SnapshotEntries">Keys loaded from the snapshot (0 without one).</param>
/// <param name="Records">Log records replayed after it.</param>
/// <param name="NextOffset">The offset the next write gets.</param>
/// <param name="Truncated">When a torn last record was cut off: where, why, and the copy of the segment as it was. Null otherwise.</param>
/// <param name="LockGrantsPaused">The last stop was not clean and the fsync policy is not Always, so lock
/// grants are paused for one maximum lease (<see cref="Executor.PauseLockGrants"/>).</param>
public sealed record RecoveryReport(long SnapshotEntries, long Records, long NextOffset, string? Truncated, TimeSpan Duration, bool LockGrantsPaused = false);

/// <summary>The state of snapshots, for operators (GET /admin/snapshots).</summary>
/// <param name="LogRecords">Records written to the log since this process opened it, every segment counted (a snapshot does not reset it).</param>
/// <param name="LogFsyncs">fsyncs of the log in that time (LogRecords ÷ LogFsyncs: records per fsync).</param>
/// <param name="LastPeakBufferBytes">The most snapshot bytes that waited for the disk during the last snapshot: its extra memory.</param>
public sealed record SnapshotStatus(
    bool InProgress, DateTimeOffset? LastSaveTime, long? LastSaveOffset, TimeSpan? LastDuration, long? LastSize, string? LastError,
    long LogBytes, long LogRecords = 0, long LogFsyncs = 0, long? LastPeakBufferBytes = null);

/// <summary>
/// Persistence: the append-only log as the engine's effect sink, the recovery that opens it, and
/// snapshots that compact it.
/// </summary>
/// <remarks>
/// Design note. The data directory holds a manifest naming a snapshot (optional) and the log segments
/// after it. Recovery loads the snapshot and replays the segments. A snapshot (<see cref="SnapshotAsync"/>)
/// is also a compaction: at its offset O the log switches to a new segment starting at O, and an
/// intermediate manifest naming old segments and the new one is made durable before anything is
/// written there; once the snapshot is durable, the manifest is replaced by {snapshot O, segment O}
/// and the old files are deleted. A crash at any point leaves a manifest whose files are all there
/// and together hold every acknowledged write.
///
/// A batch the log could not take and the engine refused is forgotten (<see cref="Discard"/>) and the
/// engine loads these same files again (<see cref="Reload"/>, on its own thread, the live segment read
/// only up to its whole records), so memory never holds a write the log will not.
///
/// Key versions (ETags) are in the files: each record carries the version of what it wrote, and a
/// snapshot each key's version and the counter, so loading gives every key the version it had
/// (Executor.Loading.cs). Files of the previous format hold none and are still read; the log then goes
/// on in a new segment (never appending to one of another format), and a snapshot is due at once
/// (<see cref="SnapshotDue"/>), after which every key's version is on disk.
/// </remarks>
public sealed class AppendOnlyLog : IEffectSink, IDisposable
{
    private readonly IFileSystem _files;
    private readonly PersistenceOptions _options;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly object _reloadGate = new();
    private readonly Recovery _recovery;
    private AofWriter? _writer;
    private readonly AofCounters _counters = new();
    private Manifest? _manifest;
    private long _sizeAtLastRewrite;
    private DateTimeOffset _lastSaveAttempt;
    // Writes (records) since the last save, for the save rules: offsets count bytes, not changes.
    private long _recordsAtLastSave;
    private bool _olderFormatLoaded;
    private SnapshotStatus _status = new(false, null, null, null, null, null, 0);
    private Task? _running;

    /// <summary>A log in <paramref name="options"/>' data directory on <paramref name="files"/>; nothing is read until recovery.</summary>
    public AppendOnlyLog(IFileSystem files, PersistenceOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _files = files;
        _options = options;
        _time = time;
        _lastSaveAttempt = time.GetUtcNow();
        _recovery = new Recovery(files, options);
    }

    /// <summary>The data directory.</summary>
    public string Directory => _options.DataDirectory;

    /// <inheritdoc/>
    public EngineError? Failure => _writer?.Failure;

    /// <summary>Snapshot and rewrite status (INFO persistence, LASTSAVE).</summary>
    public SnapshotStatus Status
    {
        get
        {
            lock (_gate)
                return _status with { LogBytes = _writer?.Length ?? 0, LogRecords = _counters.Records, LogFsyncs = _counters.Fsyncs };
        }
    }

    /// <inheritdoc/>
    public bool TryRecover() => _writer?.TryRecover() ?? true;

    /// <inheritdoc/>
    public void Commit(EffectBatch batch, bool sync) =>
        (_writer ?? throw new InvalidOperationException("The log is not open: recovery has not run.")).Commit(batch, sync);

    /// <summary>
    /// Loads the data directory into <paramref name="executor"/> (which must be loading): the snapshot,
    /// then the log after it; opens the log for appending and ends loading.
    /// </summary>
    /// <exception cref="PersistenceException">The files cannot be trusted: the message names file, offset and record.</exception>
    public RecoveryReport Recover(Executor executor)
    {
        ArgumentNullException.ThrowIfNull(executor);
        var started = _time.GetTimestamp();
        _files.CreateDirectory(Directory);
        var manifestPath = ManifestPath;
        // Lock writes an unclean stop may have lost (not fsynced under EverySec/No) could let a lock be
        // granted twice: pause grants for one maximum lease. A new directory has lost nothing.
        var pauseLocks = _files.Exists(manifestPath) && _options.AppendFsync != AppendFsync.Always && !StoppedCleanly();
        _files.WriteAtomically(RunStatePath, "running\n"u8);
        if (!_files.Exists(manifestPath))
        {
            var strays = _files.List(Directory, "log-*.aof");
            if (strays.Count > 0)
                throw new PersistenceException($"{Directory} holds log segments ({string.Join(", ", strays)}) but no {Manifest.FileName}: refusing to guess which are live.");
            // Never start empty next to data: a snapshot without its manifest is data someone may need.
            var snapshots = _files.List(Directory, "snapshot-*.snap");
            if (snapshots.Count > 0)
                throw new PersistenceException(
                    $"{Directory} holds {string.Join(", ", snapshots)} but no {Manifest.FileName} and no log: refusing to start empty next to a snapshot. "
                    + $"To start from it (writes after it are lost with the log), run: dotnet Lodestone.Api.dll {SnapshotRestore.Command} {Directory} {snapshots[^1]}");
            // The segment first (its header written and synced), then the manifest naming it: the
            // manifest never names a file that is not there.
            var fresh = new Manifest(Manifest.CurrentVersion, null, 0, [Manifest.SegmentName(0)]);
            AofWriter.Open(_files, PathOf(fresh.Segments[0]), 0, _options.AppendFsync, _time).Dispose();
            _files.WriteAtomically(manifestPath, fresh.Serialize());
        }

        var manifest = _recovery.ReadManifest(manifestPath);
        var loaded = _recovery.Load(executor, manifest, live: null);
        var next = loaded.Next;
        if (loaded.LastSegmentOlder)
            manifest = StartNewSegment(manifest, next);

        _writer = AofWriter.Open(_files, PathOf(manifest.Segments[^1]), next, _options.AppendFsync, _time, counters: _counters);
        lock (_gate)
        {
            _manifest = manifest;
            // The live snapshot is the last save, whichever process took it (its duration is not known).
            if (loaded.Snapshot is { } saved)
                _status = _status with { LastSaveTime = saved.Time, LastSaveOffset = saved.Offset, LastSize = saved.Bytes };
            // Files of an older format hold no versions: one compaction puts every key's on disk.
            _olderFormatLoaded = loaded.OlderFormat;
            _sizeAtLastRewrite = _writer.Length;
            _recordsAtLastSave = _counters.Records;
        }
        if (pauseLocks)
            executor.PauseLockGrants();
        executor.FinishLoading(next);
        return new RecoveryReport(loaded.SnapshotEntries, loaded.Replayed, next, loaded.Truncated, _time.GetElapsedTime(started), pauseLocks);
    }

    /// <summary>
    /// After loading a directory whose last segment is of an older format: records of this build's
    /// format go to a new segment from <paramref name="next"/> — the segment first (its header synced),
    /// then the manifest naming it, as for a fresh directory.
    /// </summary>
    private Manifest StartNewSegment(Manifest manifest, long next)
    {
        var upgraded = manifest with { Segments = [.. manifest.Segments, manifest.NextSegmentName()] };
        AofWriter.Open(_files, PathOf(upgraded.Segments[^1]), next, _options.AppendFsync, _time).Dispose();
        _files.WriteAtomically(ManifestPath, upgraded.Serialize());
        return upgraded;
    }

    /// <summary>Raised on the engine thread after a refused batch was rolled back and the data loaded again.</summary>
    public event Action<RecoveryReport>? Reloaded;

    /// <summary>Raised on the engine thread when loading again after a refused batch failed: the engine stays loading.</summary>
    public event Action<Exception>? ReloadFailed;

    /// <summary>The engine refused the last batch: its records are never written (see <see cref="AofWriter.Discard"/>).</summary>
    public bool Discard() => _writer?.Discard() ?? false;

    /// <summary>
    /// After <see cref="Discard"/>: loads the engine again, on its thread, from the files the manifest
    /// names and the records still waiting for the disk — which is exactly what a restart would load.
    /// </summary>
    public long Reload(Executor executor)
    {
        ArgumentNullException.ThrowIfNull(executor);
        var started = _time.GetTimestamp();
        var writer = _writer ?? throw new InvalidOperationException("The log is not open: recovery has not run.");
        try
        {
            long entries, replayed, next;
            // A snapshot finishing meanwhile deletes the files it replaces only once this has read them.
            lock (_reloadGate)
            {
                Manifest manifest;
                lock (_gate)
                    manifest = _manifest!;
                var loaded = _recovery.Load(executor, manifest, writer);
                (entries, replayed, next) = (loaded.SnapshotEntries, loaded.Replayed, loaded.Next);
            }
            var pending = new List<Effect>();
            writer.ReadPending((offset, record) =>
            {
                if (offset != next)
                    throw new PersistenceException($"A record waiting for the disk has offset {offset} where {next} was expected.");
                pending.Add(record);
                next += AofFormat.RecordSize(record);
            });
            Recovery.Run(executor, pending, "the records waiting for the disk", 0);
            if (next != writer.NextOffset)
                throw new PersistenceException($"The log reads back to offset {next}, but its writer is at {writer.NextOffset}.");
            Reloaded?.Invoke(new RecoveryReport(entries, replayed + pending.Count, next, null, _time.GetElapsedTime(started)));
            return next;
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // The engine stays loading whatever went wrong; whoever hosts it must hear of it.
            ReloadFailed?.Invoke(failure);
            throw;
        }
    }

    /// <summary>
    /// A small file saying whether the process that last used the directory stopped cleanly: "running"
    /// from recovery on, "clean" once <see cref="Dispose"/> has made the whole log durable.
    /// </summary>
    private const string RunStateFile = "run-state";

    private string RunStatePath => Path.Combine(Directory, RunStateFile);

    private bool StoppedCleanly()
    {
        if (!_files.Exists(RunStatePath))
            return false;
        using var stream = _files.OpenRead(RunStatePath);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Trim() == "clean";
    }

    /// <summary>
    /// Takes a snapshot now (Redis's BGSAVE / BGREWRITEAOF) and compacts the log to it; completes when
    /// the snapshot is durable and the old files are gone.
    /// </summary>
    /// <exception cref="InvalidOperationException">A snapshot is already running, or the log is failing.</exception>
    public Task SnapshotAsync(Executor executor) =>
        Start(executor, () => RunSnapshotAsync(executor)) ?? throw new InvalidOperationException("A snapshot is already being taken.");

    /// <summary>
    /// Starts a snapshot unless one is running (BGSAVE, BGREWRITEAOF); false when one is. Returns at
    /// once — the first file is written on the thread pool — so the engine thread may call it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The log is not open (recovery has not run).</exception>
    public bool TryStartSnapshot(Executor executor) =>
        Start(executor, () => Task.Run(() => RunSnapshotAsync(executor))) is not null;

    /// <returns>The running snapshot, or null when one was already running.</returns>
    private Task? Start(Executor executor, Func<Task> run)
    {
        ArgumentNullException.ThrowIfNull(executor);
        lock (_gate)
        {
            if (_running is { IsCompleted: false })
                return null;
            if (_manifest is null)
                throw new InvalidOperationException("The log is not open: recovery has not run.");
            _status = _status with { InProgress = true };
            _lastSaveAttempt = _time.GetUtcNow();
            return _running = run();
        }
    }

    /// <summary>
    /// Whether a snapshot is due: a save rule is met (time since the last one and writes since), the
    /// log has outgrown its last compaction, or the files loaded at startup were of an older format
    /// (without key versions, so every restart would give their keys new ETags until one is taken).
    /// </summary>
    public bool SnapshotDue()
    {
        lock (_gate)
        {
            if (_manifest is null || _running is { IsCompleted: false })
                return false;
            if (_olderFormatLoaded)
                return true;
            var changes = _counters.Records - _recordsAtLastSave;
            var elapsed = _time.GetUtcNow() - _lastSaveAttempt;
            if (changes > 0 && (_options.SaveRules() ?? []).Any(rule => elapsed.TotalSeconds >= rule.Seconds && changes >= rule.Changes))
                return true;
            var size = _writer?.Length ?? 0;
            return _options.AutoRewritePercentage > 0 && size >= _options.AutoRewriteMinSizeBytes
                && size >= _sizeAtLastRewrite * (100 + _options.AutoRewritePercentage) / 100;
        }
    }

    /// <summary>Stops the timers and closes the log.</summary>
    public void Dispose()
    {
        try
        {
            _running?.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // Its failure is in Status; the log itself is still whole.
        }
        if (_writer is not { } writer)
            return;
        var healthy = writer.Failure is null;
        writer.Dispose();
        // Clean only if every record reached the disk (Dispose fsyncs); the engine has stopped by now.
        if (healthy && writer.Failure is null)
        {
            try
            {
                _files.WriteAtomically(RunStatePath, "clean\n"u8);
            }
            catch (IOException)
            {
                // Then the next start treats this stop as unclean: the safe side.
            }
        }
    }

    private string ManifestPath => Path.Combine(Directory, Manifest.FileName);

    private string PathOf(string file) => Path.Combine(Directory, file);

    private async Task RunSnapshotAsync(Executor executor)
    {
        var started = _time.GetTimestamp();
        Manifest before;
        lock (_gate)
            before = _manifest!;
        try
        {
            // Before the cut, off the engine thread: a manifest naming the segment the log will switch
            // to. Recovery treats a missing last segment as not yet started, so this is safe to make
            // durable now, and the switch itself needs no fsync.
            var next = before.NextSegmentName();
            var intermediate = before with { Segments = [.. before.Segments, next] };
            _files.WriteAtomically(ManifestPath, intermediate.Serialize());
            lock (_gate)
                _manifest = intermediate;

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
                    (writer, previous) = SwitchSegment(next, offset);
                    recordsAtCut = _counters.Records;
                    return writer;
                }).ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (writer is null)
            {
                // The log did not switch: name only the segments it writes to again.
                _files.WriteAtomically(ManifestPath, before.Serialize());
                lock (_gate)
                    _manifest = before;
                throw;
            }
            previous?.Dispose(); // its final fsync, here rather than on the engine thread
            var size = await writer!.Done.ConfigureAwait(false);
            var peakBuffer = writer.PeakQueuedBytes;
            writer.Dispose();

            var after = new Manifest(Manifest.CurrentVersion, SnapshotFile.Name(offset), offset, [next]);
            _files.WriteAtomically(ManifestPath, after.Serialize());
            lock (_gate)
            {
                _manifest = after;
                _sizeAtLastRewrite = _writer?.Length ?? 0;
                _recordsAtLastSave = recordsAtCut;
                _olderFormatLoaded = false;
                _status = new SnapshotStatus(false, _time.GetUtcNow(), offset, _time.GetElapsedTime(started), size, null, 0, LastPeakBufferBytes: peakBuffer);
            }
            // Only now, with the new manifest durable, are the old files unneeded.
            var live = new[] { after.Snapshot!, next };
            lock (_reloadGate)
            {
                foreach (var old in before.Segments.Append(before.Snapshot).OfType<string>().Except(live))
                {
                    if (_files.Exists(PathOf(old)))
                        _files.Delete(PathOf(old));
                }
            }
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            lock (_gate)
                _status = _status with { InProgress = false, LastError = failure.Message };
        }
    }

    /// <summary>
    /// Engine thread, at the snapshot's offset: append from now on to <paramref name="segment"/>, which
    /// the manifest already names. No fsync here: the new header is made durable with the first records.
    /// </summary>
    private (SnapshotWriter Writer, AofWriter? Previous) SwitchSegment(string segment, long offset)
    {
        if (_writer is { Failure: { } failure })
            throw new InvalidOperationException($"The log is failing ({failure.Message}); no snapshot until it recovers.");
        var previous = _writer;
        _writer = AofWriter.Open(_files, PathOf(segment), offset, _options.AppendFsync, _time, syncHeader: false, _counters);
        return (new SnapshotWriter(_files, PathOf(SnapshotFile.Name(offset))), previous);
    }
}
