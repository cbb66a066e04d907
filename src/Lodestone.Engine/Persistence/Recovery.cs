using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence.Aof;
using Lodestone.Engine.Persistence.Snapshots;

namespace Lodestone.Engine.Persistence;

/// <summary>
/// Reads a data directory into a loading executor: the manifest, the snapshot it names, then its log
/// segments in order, checking that each starts where the one before ended. What it finds wrong it
/// refuses with a <see cref="PersistenceException"/> that names the file, byte and record — except a
/// torn last record at startup, which it cuts off (keeping a <c>.corrupt</c> copy) when
/// <see cref="PersistenceOptions.AofLoadTruncated"/> allows.
/// </summary>
/// <remarks>
/// It reads and replays; it never opens the log for appending nor writes a manifest — that is the
/// log's (<see cref="AppendOnlyLog"/>), which uses it at startup (<see cref="AppendOnlyLog.Recover"/>)
/// and to load again after a refused batch (<see cref="AppendOnlyLog.Reload"/>).
/// </remarks>
internal sealed class Recovery(IFileSystem files, PersistenceOptions options)
{
    private const int ReplayChunk = 4096;

    private string ManifestPath => Path.Combine(options.DataDirectory, Manifest.FileName);

    private string PathOf(string file) => Path.Combine(options.DataDirectory, file);

    /// <summary>What a load read.</summary>
    /// <param name="SnapshotEntries">Keys loaded from the snapshot.</param>
    /// <param name="Replayed">Log records replayed.</param>
    /// <param name="Next">The offset after the last record read: where the log goes on.</param>
    /// <param name="Truncated">Where a torn tail was cut off, and the copy kept; null when none was.</param>
    /// <param name="OlderFormat">Whether any file read is of an older format (without key versions).</param>
    /// <param name="LastSegmentOlder">Whether the last segment is: the log then goes on in a new one.</param>
    /// <param name="Snapshot">The snapshot the manifest names, as the last save; null without one.</param>
    public readonly record struct Loaded(long SnapshotEntries, long Replayed, long Next, string? Truncated, bool OlderFormat, bool LastSegmentOlder, SavedSnapshot? Snapshot);

    /// <summary>The snapshot a directory holds: when it was written, the offset it was taken at, its size.</summary>
    public sealed record SavedSnapshot(DateTimeOffset? Time, long Offset, long Bytes);

    /// <summary>
    /// Loads the manifest's snapshot and replays its segments into the loading <paramref name="executor"/>.
    /// At startup (<paramref name="live"/> null) a torn tail is cut off; on a reload nothing is changed —
    /// the segment <paramref name="live"/> appends to is read only up to its whole records, and any
    /// damage is an error. Also says whether any file read (and the last segment) is of an older format.
    /// </summary>
    /// <exception cref="PersistenceException">The files cannot be trusted: the message names file, offset and record.</exception>
    public Loaded Load(Executor executor, Manifest manifest, AofWriter? live)
    {
        long snapshotEntries = 0;
        SavedSnapshot? saved = null;
        var olderFormat = false;
        var lastSegmentOlder = false;
        if (manifest.Snapshot is { } snapshot)
        {
            var snapshotPath = PathOf(snapshot);
            (snapshotEntries, olderFormat) = LoadSnapshot(executor, snapshotPath, manifest.SnapshotOffset);
            saved = new SavedSnapshot(files.LastWriteTime(snapshotPath), manifest.SnapshotOffset, files.Length(snapshotPath));
        }

        var next = manifest.SnapshotOffset;
        long replayed = 0;
        string? truncated = null;
        for (var i = 0; i < manifest.Segments.Count; i++)
        {
            var path = PathOf(manifest.Segments[i]);
            var last = i == manifest.Segments.Count - 1;
            if (!files.Exists(path))
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
                if (!options.AofLoadTruncated)
                    throw new PersistenceException($"The log ends with a torn record in {where}. Set Persistence:AofLoadTruncated to true to cut it off, or run check-aof --fix.");
                // An empty file (a segment switched to just before a crash) has nothing to cut.
                if (files.Length(path) > result.ValidLength)
                    truncated = $"{where}; the segment as it was is kept in {CutKeepingCopy(path, result.ValidLength, where)}";
            }
        }
        return new Loaded(snapshotEntries, replayed, next, truncated, olderFormat, lastSegmentOlder, saved);
    }

    /// <summary>Cuts a torn tail off, after keeping the file as it was; returns the copy's path.</summary>
    private string CutKeepingCopy(string path, long length, string where)
    {
        string copy;
        try
        {
            copy = CorruptCopies.Keep(files, path);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            throw new PersistenceException($"The log ends with a torn record in {where}, but {path} is not cut without a copy of it, and the copy failed ({failure.Message}). Free some space, or run check-aof --fix.", failure);
        }
        files.Truncate(path, length);
        return copy;
    }

    /// <summary>The manifest at <paramref name="path"/>.</summary>
    public Manifest ReadManifest(string path)
    {
        using var stream = files.OpenRead(path);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Manifest.Parse(buffer.ToArray(), path);
    }

    /// <returns>The entries loaded, and whether the snapshot is of an older format (without versions).</returns>
    private (long Count, bool OlderFormat) LoadSnapshot(Executor executor, string path, long expectedOffset)
    {
        if (!files.Exists(path))
            throw new PersistenceException($"{path}, named by {ManifestPath}, is missing.");
        var chunk = new List<SnapshotEntry>(ReplayChunk);
        try
        {
            using var stream = files.OpenRead(path);
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
            // Function libraries load as the log would have them: FUNCTION LOAD, replayed.
            if (snapshot.Libraries.Count > 0)
            {
                var loads = snapshot.Libraries.Select(code => new Effect([FunctionWord, LoadWord, ReplaceWord, code], 0)).ToList();
                if (executor.ReplayAsync(loads).GetAwaiter().GetResult() is { } failed)
                    throw new PersistenceException($"The snapshot {path} cannot be loaded: function library {failed.Index + 1}: {failed.Error.Message}.");
            }
            if (snapshot.Offset != expectedOffset)
                throw new PersistenceException($"{path} was taken at offset {snapshot.Offset}, but {ManifestPath} says {expectedOffset}.");
            return (snapshot.Count, snapshot.FormatVersion < SnapshotFile.Version);
        }
        catch (Exception invalid) when (invalid is InvalidDataException or EndOfStreamException)
        {
            throw new PersistenceException($"The snapshot {path} cannot be loaded: {invalid.Message}", invalid);
        }
    }

    private static readonly byte[] FunctionWord = "FUNCTION"u8.ToArray();
    private static readonly byte[] LoadWord = "LOAD"u8.ToArray();
    private static readonly byte[] ReplaceWord = "REPLACE"u8.ToArray();

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
        using (var stream = files.OpenRead(path))
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
    public static void Run(Executor executor, List<Effect> chunk, string path, long firstIndex)
    {
        if (chunk.Count == 0)
            return;
        var failure = executor.ReplayAsync(chunk).GetAwaiter().GetResult();
        if (failure is { } failed)
            throw new PersistenceException($"Record {firstIndex + failed.Index} of {path} does not replay: {failed.Error.Message}");
    }
}
