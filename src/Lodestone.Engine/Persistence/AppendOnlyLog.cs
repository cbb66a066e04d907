using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence.Aof;

namespace Lodestone.Engine.Persistence;

/// <summary>What recovery found and did.</summary>
/// <param name="Records">Log records replayed.</param>
/// <param name="NextOffset">The offset the next write gets.</param>
/// <param name="Truncated">When a torn last record was cut off: where, and why. Null otherwise.</param>
public sealed record RecoveryReport(long Records, long NextOffset, string? Truncated, TimeSpan Duration);

/// <summary>
/// The append-only log as the engine's effect sink, and the recovery that opens it: read the
/// manifest, replay its segments through the engine, cut a torn tail, then append from where the log
/// ends. Until recovery has run, the engine is loading and logs nothing.
/// </summary>
public sealed class AppendOnlyLog : IEffectSink, IDisposable
{
    private const int ReplayChunk = 4096;

    private readonly IFileSystem _files;
    private readonly PersistenceOptions _options;
    private readonly TimeProvider _time;
    private AofWriter? _writer;

    public AppendOnlyLog(IFileSystem files, PersistenceOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _files = files;
        _options = options;
        _time = time;
    }

    public string Directory => _options.DataDirectory;

    public EngineError? Failure => _writer?.Failure;

    public bool TryRecover() => _writer?.TryRecover() ?? true;

    public void Commit(IReadOnlyList<byte[][]> effects) =>
        (_writer ?? throw new InvalidOperationException("The log is not open: recovery has not run.")).Commit(effects);

    /// <summary>
    /// Loads the data directory into <paramref name="executor"/> (which must be loading), then opens
    /// the log for appending and ends loading.
    /// </summary>
    /// <exception cref="PersistenceException">The files cannot be trusted: the message names file, offset and record.</exception>
    public RecoveryReport Recover(Executor executor)
    {
        ArgumentNullException.ThrowIfNull(executor);
        var started = _time.GetTimestamp();
        _files.CreateDirectory(Directory);
        var manifestPath = Path.Combine(Directory, Manifest.FileName);
        if (!_files.Exists(manifestPath))
        {
            var strays = _files.List(Directory, "log-*.aof");
            if (strays.Count > 0)
                throw new PersistenceException($"{Directory} holds log segments ({string.Join(", ", strays)}) but no {Manifest.FileName}: refusing to guess which are live.");
            // The segment first (its header written and synced), then the manifest naming it: the
            // manifest never names a file that is not there.
            var fresh = new Manifest(Manifest.CurrentVersion, null, 0, [Manifest.SegmentName(0)]);
            AofWriter.Open(_files, Path.Combine(Directory, fresh.Segments[0]), 0, _options.AppendFsync, _time).Dispose();
            _files.WriteAtomically(manifestPath, fresh.Serialize());
        }

        Manifest manifest;
        using (var stream = _files.OpenRead(manifestPath))
        using (var buffer = new MemoryStream())
        {
            stream.CopyTo(buffer);
            manifest = Manifest.Parse(buffer.ToArray(), manifestPath);
        }

        var next = manifest.SnapshotOffset;
        long replayed = 0;
        string? truncated = null;
        for (var i = 0; i < manifest.Segments.Count; i++)
        {
            var path = Path.Combine(Directory, manifest.Segments[i]);
            var last = i == manifest.Segments.Count - 1;
            if (!_files.Exists(path))
            {
                if (last && i > 0)
                    continue; // a rewrite named a new segment but crashed before the first write: start it now
                throw new PersistenceException($"{path}, named by {manifestPath}, is missing.");
            }
            var result = ReplaySegment(executor, path);
            replayed += result.Records;
            if (result.Records > 0 || result.Damage is null)
            {
                if (result.StartOffset != next)
                    throw new PersistenceException($"{path} starts at offset {result.StartOffset}, but the log before it ends at {next}.");
                next = result.NextOffset;
            }
            if (result.Damage is { } damage)
            {
                var where = $"{path} at byte {damage.FileOffset} (record {damage.RecordIndex} of the segment, offset {result.StartOffset + damage.RecordIndex}): {damage.Reason}";
                if (!damage.Torn || !last)
                    throw new PersistenceException($"The log is corrupt in {where}. Run check-aof to inspect it.");
                if (!_options.AofLoadTruncated)
                    throw new PersistenceException($"The log ends with a torn record in {where}. Set Persistence:AofLoadTruncated to true to cut it off, or run check-aof --fix.");
                _files.Truncate(path, result.ValidLength);
                truncated = where;
            }
        }

        _writer = AofWriter.Open(_files, Path.Combine(Directory, manifest.Segments[^1]), next, _options.AppendFsync, _time);
        executor.FinishLoading(next);
        return new RecoveryReport(replayed, next, truncated, _time.GetElapsedTime(started));
    }

    public void Dispose() => _writer?.Dispose();

    private AofReadResult ReplaySegment(Executor executor, string path)
    {
        var chunk = new List<byte[][]>(ReplayChunk);
        long replayedBefore = 0;
        AofReadResult result;
        using (var stream = _files.OpenRead(path))
        {
            result = AofReader.Read(stream, (offset, argv) =>
            {
                chunk.Add(argv);
                if (chunk.Count == ReplayChunk)
                {
                    Run(executor, chunk, path, replayedBefore);
                    replayedBefore += chunk.Count;
                    chunk = new List<byte[][]>(ReplayChunk);
                }
            });
        }
        Run(executor, chunk, path, replayedBefore);
        return result;
    }

    /// <summary>Replays a chunk and waits for it (recovery runs off the engine thread, so waiting is fine).</summary>
    private static void Run(Executor executor, List<byte[][]> chunk, string path, long firstIndex)
    {
        if (chunk.Count == 0)
            return;
        var failure = executor.ReplayAsync(chunk).GetAwaiter().GetResult();
        if (failure is { } failed)
            throw new PersistenceException($"Record {firstIndex + failed.Index} of {path} does not replay: {failed.Error.Message}");
    }
}
