using Lodestone.Engine.Effects;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence.Aof;
using Lodestone.Engine.Persistence.Snapshots;
using Lodestone.Engine.Replication;

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
/// The append-only log: the engine's effect sink (the one reader of the effect stream that must
/// finish before replies), its data directory's manifest, and opening it — <see cref="Recovery"/>
/// reads the files into the engine; <see cref="Compactor"/> snapshots and compacts them.
/// </summary>
/// <remarks>
/// Design note. The data directory holds a manifest naming a snapshot (optional) and the log segments
/// after it. Recovery loads the snapshot and replays the segments; the log then appends to the last
/// segment. The manifest is only ever replaced whole (written aside, fsynced, renamed): this class
/// holds the current one, and the compactor swaps in the next (<see cref="Compactor"/> explains the
/// order that keeps a crash at any point recoverable).
///
/// A batch the log could not take and the engine refused is forgotten (<see cref="Discard"/>) and the
/// engine loads these same files again (<see cref="Reload"/>, on its own thread, the live segment read
/// only up to its whole records), so memory never holds a write the log will not.
///
/// Key versions (ETags) are in the files: each record carries the version of what it wrote, and a
/// snapshot each key's version and the counter, so loading gives every key the version it had
/// (Executor.Loading.cs). Files of the previous format hold none and are still read; the log then goes
/// on in a new segment (never appending to one of another format), and a snapshot is due at once
/// (<see cref="Persistence.Compactor.SnapshotDue"/>), after which every key's version is on disk.
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

    /// <summary>A log in <paramref name="options"/>' data directory on <paramref name="files"/>; nothing is read until recovery.</summary>
    public AppendOnlyLog(IFileSystem files, PersistenceOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _files = files;
        _options = options;
        _time = time;
        _recovery = new Recovery(files, options);
        Compactor = new Compactor(this, options, time);
    }

    /// <summary>Snapshots of this log's data, and the compaction they bring (BGSAVE, BGREWRITEAOF, the save rules).</summary>
    public Compactor Compactor { get; }

    /// <summary>The data directory.</summary>
    public string Directory => _options.DataDirectory;

    /// <inheritdoc/>
    public EngineError? Failure => _writer?.Failure;

    /// <summary>The bytes in the live segment (0 before recovery).</summary>
    public long Length => _writer?.Length ?? 0;

    /// <summary>Records and fsyncs of the log since this process opened it, every segment counted.</summary>
    public AofCounters Counters => _counters;

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
        // The history the data belongs to: kept from the last run, or this run's new one written down now.
        if (manifest.Replication is { } ids)
            executor.Replication.Restore(ids);
        _ids = executor.Replication.Ids;
        executor.Replication.IdsChanged += StoreIds;
        var loaded = _recovery.Load(executor, manifest, live: null);
        var next = loaded.Next;
        if (loaded.LastSegmentOlder)
            manifest = StartNewSegment(manifest, next);

        _writer = AofWriter.Open(_files, PathOf(manifest.Segments[^1]), next, _options.AppendFsync, _time, counters: _counters);
        lock (_gate)
            _manifest = manifest;
        if (manifest.Replication != _ids)
            ReplaceManifest(manifest);
        Compactor.Opened(loaded.Snapshot, loaded.OlderFormat);
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

    /// <summary>Stops the timers and closes the log.</summary>
    public void Dispose()
    {
        try
        {
            Compactor.Running?.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // Its failure is in the compactor's status; the log itself is still whole.
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

    /// <summary>The manifest in effect (null before recovery).</summary>
    internal Manifest? Manifest
    {
        get
        {
            lock (_gate)
                return _manifest;
        }
    }

    /// <summary>
    /// Makes <paramref name="next"/> the manifest: durable first (written aside, fsynced, renamed), then
    /// in effect — with the node's replication ids as they are now, whoever wrote the rest.
    /// </summary>
    internal void ReplaceManifest(Manifest next)
    {
        lock (_manifestWrite)
        {
            next = next with { Replication = Volatile.Read(ref _ids) };
            _files.WriteAtomically(ManifestPath, next.Serialize());
            lock (_gate)
                _manifest = next;
        }
    }

    // Serialises manifest writes: an id change rewrites the manifest in effect, never an older one.
    private readonly object _manifestWrite = new();
    private ReplicationIds? _ids;

    /// <summary>The replication ids changed (a promotion, a replica's full sync): written down with the data they name.</summary>
    private void StoreIds(ReplicationIds ids)
    {
        lock (_manifestWrite)
        {
            Volatile.Write(ref _ids, ids);
            if (Manifest is { } current && current.Replication != ids)
                ReplaceManifest(current);
        }
    }

    /// <summary>
    /// A replica's full sync, on the engine thread as the new data is swapped in: the snapshot it
    /// received (<paramref name="receivedSnapshot"/>, a whole snapshot file) becomes this directory's
    /// snapshot at <paramref name="offset"/>, the log goes on in a new segment from there, and the
    /// manifest names both with <paramref name="ids"/> — one atomic replacement, so a crash leaves the
    /// old data with the old history or the new with the new. The files it replaces are deleted after.
    /// </summary>
    internal void Rebase(string receivedSnapshot, long offset, ReplicationIds ids)
    {
        var before = Manifest ?? throw new InvalidOperationException("The log is not open: recovery has not run.");
        var snapshot = SnapshotFile.Name(offset);
        _files.Rename(receivedSnapshot, PathOf(snapshot));
        var segment = before.NextSegmentName();
        var previous = _writer;
        _writer = AofWriter.Open(_files, PathOf(segment), offset, _options.AppendFsync, _time, counters: _counters);
        lock (_manifestWrite)
        {
            Volatile.Write(ref _ids, ids);
            ReplaceManifest(new Manifest(Persistence.Manifest.CurrentVersion, snapshot, offset, [segment]));
        }
        previous?.Dispose();
        DeleteUnlessLive(before.Segments.Append(before.Snapshot).OfType<string>(), [snapshot, segment]);
    }

    /// <summary>Deletes files the manifest no longer names — never while a reload after a refused batch is reading them.</summary>
    internal void DeleteUnlessLive(IEnumerable<string> files, IReadOnlyCollection<string> live)
    {
        lock (_reloadGate)
        {
            foreach (var old in files.Except(live))
            {
                if (_files.Exists(PathOf(old)))
                    _files.Delete(PathOf(old));
            }
        }
    }

    /// <summary>
    /// Engine thread, at the snapshot's offset: append from now on to <paramref name="segment"/>, which
    /// the manifest already names. No fsync here: the new header is made durable with the first records.
    /// </summary>
    internal (SnapshotWriter Writer, AofWriter? Previous) SwitchSegment(string segment, long offset)
    {
        if (_writer is { Failure: { } failure })
            throw new InvalidOperationException($"The log is failing ({failure.Message}); no snapshot until it recovers.");
        var previous = _writer;
        _writer = AofWriter.Open(_files, PathOf(segment), offset, _options.AppendFsync, _time, syncHeader: false, _counters);
        return (new SnapshotWriter(_files, PathOf(SnapshotFile.Name(offset))), previous);
    }
}
