using Lodestone.Engine.Effects;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence.Aof;
using Lodestone.Engine.Persistence.Snapshots;
using Lodestone.Engine.Types;

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
    private const int ReplayChunk = 4096;

    private readonly IFileSystem _files;
    private readonly PersistenceOptions _options;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly object _reloadGate = new();
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

        var manifest = ReadManifest(manifestPath);
        var (snapshotEntries, replayed, next, truncated, older) = Load(executor, manifest, live: null);
        if (older.LastSegment)
            manifest = StartNewSegment(manifest, next);

        _writer = AofWriter.Open(_files, PathOf(manifest.Segments[^1]), next, _options.AppendFsync, _time, counters: _counters);
        lock (_gate)
        {
            _manifest = manifest;
            // Files of an older format hold no versions: one compaction puts every key's on disk.
            _olderFormatLoaded = older.Any;
            _sizeAtLastRewrite = _writer.Length;
            _recordsAtLastSave = _counters.Records;
        }
        if (pauseLocks)
            executor.PauseLockGrants();
        executor.FinishLoading(next);
        return new RecoveryReport(snapshotEntries, replayed, next, truncated, _time.GetElapsedTime(started), pauseLocks);
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

    /// <summary>
    /// Loads the manifest's snapshot and replays its segments into the loading <paramref name="executor"/>.
    /// At startup (<paramref name="live"/> null) a torn tail is cut off; on a reload nothing is changed —
    /// the segment <paramref name="live"/> appends to is read only up to its whole records, and any
    /// damage is an error. Also says whether any file read (and the last segment) is of an older format.
    /// </summary>
    private (long SnapshotEntries, long Replayed, long Next, string? Truncated, (bool Any, bool LastSegment) Older) Load(Executor executor, Manifest manifest, AofWriter? live)
    {
        long snapshotEntries = 0;
        var olderFormat = false;
        var lastSegmentOlder = false;
        if (manifest.Snapshot is { } snapshot)
        {
            var snapshotPath = PathOf(snapshot);
            (snapshotEntries, olderFormat) = LoadSnapshot(executor, snapshotPath, manifest.SnapshotOffset);
            // The live snapshot is the last save, whichever process took it (its duration is not known).
            if (live is null)
            {
                lock (_gate)
                    _status = _status with { LastSaveTime = _files.LastWriteTime(snapshotPath), LastSaveOffset = manifest.SnapshotOffset, LastSize = _files.Length(snapshotPath) };
            }
        }

        var next = manifest.SnapshotOffset;
        long replayed = 0;
        string? truncated = null;
        for (var i = 0; i < manifest.Segments.Count; i++)
        {
            var path = PathOf(manifest.Segments[i]);
            var last = i == manifest.Segments.Count - 1;
            if (!_files.Exists(path))
            {
                if (last && i > 0)
                    continue; // named by a compaction that crashed before its first write: started below
                throw new PersistenceException($"{path}, named by {ManifestPath}, is missing.");
            }
            var result = ReplaySegment(executor, path, live?.Path == path ? live.Length : null);
            replayed += result.Records;
            if (result.FormatVersion is not 0 and < AofFormat.Version)
                (olderFormat, lastSegmentOlder) = (true, last);
            if (result.Records > 0 || result.Damage is null)
            {
                if (result.StartOffset != next)
                    throw new PersistenceException($"{path} starts at offset {result.StartOffset}, but the log before it ends at {next}.");
                next = result.NextOffset;
            }
            if (result.Damage is { } damage)
            {
                var where = $"{path} at byte {damage.FileOffset} (record {damage.RecordIndex} of the segment, offset {result.OffsetOf(damage.FileOffset, damage.RecordIndex)}): {damage.Reason}";
                if (live is not null)
                    throw new PersistenceException($"The log does not read back whole in {where}.");
                if (!damage.Torn || !last)
                {
                    var goesOn = damage.NextRecordAt is { } resumes ? $"; a whole record follows at byte {resumes}, so this is not a torn tail" : "";
                    throw new PersistenceException($"The log is corrupt in {where}{goesOn}. Nothing was changed. Run check-aof to inspect it; check-aof --fix cuts the log there (keeping a .corrupt copy), which loses every record after it.");
                }
                if (!_options.AofLoadTruncated)
                    throw new PersistenceException($"The log ends with a torn record in {where}. Set Persistence:AofLoadTruncated to true to cut it off, or run check-aof --fix.");
                // An empty file (a segment switched to just before a crash) has nothing to cut.
                if (_files.Length(path) > result.ValidLength)
                    truncated = $"{where}; the segment as it was is kept in {CutKeepingCopy(path, result.ValidLength, where)}";
            }
        }
        return (snapshotEntries, replayed, next, truncated, (olderFormat, lastSegmentOlder));
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
                (entries, replayed, next, _, _) = Load(executor, manifest, writer);
            }
            var pending = new List<Effect>();
            writer.ReadPending((offset, record) =>
            {
                if (offset != next)
                    throw new PersistenceException($"A record waiting for the disk has offset {offset} where {next} was expected.");
                pending.Add(record);
                next += AofFormat.RecordSize(record);
            });
            Run(executor, pending, "the records waiting for the disk", 0);
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

    /// <summary>Cuts a torn tail off, after keeping the file as it was; returns the copy's path.</summary>
    private string CutKeepingCopy(string path, long length, string where)
    {
        string copy;
        try
        {
            copy = CorruptCopies.Keep(_files, path);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            throw new PersistenceException($"The log ends with a torn record in {where}, but {path} is not cut without a copy of it, and the copy failed ({failure.Message}). Free some space, or run check-aof --fix.", failure);
        }
        _files.Truncate(path, length);
        return copy;
    }

    private Manifest ReadManifest(string path)
    {
        using var stream = _files.OpenRead(path);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Manifest.Parse(buffer.ToArray(), path);
    }

    /// <returns>The entries loaded, and whether the snapshot is of an older format (without versions).</returns>
    private (long Count, bool OlderFormat) LoadSnapshot(Executor executor, string path, long expectedOffset)
    {
        if (!_files.Exists(path))
            throw new PersistenceException($"{path}, named by {ManifestPath}, is missing.");
        var chunk = new List<SnapshotEntry>(ReplayChunk);
        try
        {
            using var stream = _files.OpenRead(path);
            var snapshot = SnapshotFile.Read(stream, entry =>
            {
                chunk.Add(entry);
                if (chunk.Count == ReplayChunk)
                {
                    LoadChunk(executor, chunk, 0, path);
                    chunk = new List<SnapshotEntry>(ReplayChunk);
                }
            });
            // The last chunk (perhaps empty) also brings the snapshot's version counter in.
            LoadChunk(executor, chunk, snapshot.LastVersion, path);
            if (snapshot.Offset != expectedOffset)
                throw new PersistenceException($"{path} was taken at offset {snapshot.Offset}, but {ManifestPath} says {expectedOffset}.");
            return (snapshot.Count, snapshot.FormatVersion < SnapshotFile.Version);
        }
        catch (Exception invalid) when (invalid is InvalidDataException or EndOfStreamException)
        {
            throw new PersistenceException($"The snapshot {path} cannot be loaded: {invalid.Message}", invalid);
        }
    }

    private static void LoadChunk(Executor executor, List<SnapshotEntry> chunk, long lastVersion, string path)
    {
        if (executor.LoadSnapshotEntriesAsync(chunk, lastVersion).GetAwaiter().GetResult() is { } problem)
            throw new PersistenceException($"The snapshot {path} cannot be loaded: {problem}.");
    }

    private AofReadResult ReplaySegment(Executor executor, string path, long? end = null)
    {
        var chunk = new List<Effect>(ReplayChunk);
        long replayedBefore = 0;
        AofReadResult result;
        using (var stream = _files.OpenRead(path))
        {
            result = AofReader.Read(stream, (offset, record) =>
            {
                chunk.Add(record);
                if (chunk.Count == ReplayChunk)
                {
                    Run(executor, chunk, path, replayedBefore);
                    replayedBefore += chunk.Count;
                    chunk = new List<Effect>(ReplayChunk);
                }
            }, end);
        }
        Run(executor, chunk, path, replayedBefore);
        return result;
    }

    /// <summary>Replays a chunk and waits for it (recovery runs off the engine thread, so waiting is fine).</summary>
    private static void Run(Executor executor, List<Effect> chunk, string path, long firstIndex)
    {
        if (chunk.Count == 0)
            return;
        var failure = executor.ReplayAsync(chunk).GetAwaiter().GetResult();
        if (failure is { } failed)
            throw new PersistenceException($"Record {firstIndex + failed.Index} of {path} does not replay: {failed.Error.Message}");
    }
}
