using System.Buffers;
using System.Diagnostics;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Persistence.Snapshots;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Execution;

/// <summary>Point-in-time snapshots taken while the engine keeps serving.</summary>
/// <remarks>
/// Design note. There is no fork in .NET, so a snapshot is a versioned cut (as Dragonfly takes
/// them): it starts between two loop turns at a log offset O, with a new epoch number. From then on
/// the engine thread (1) walks the key table with the SCAN cursor in time-boxed slices between
/// batches, serialising every entry it has not saved in this epoch, and (2) saves any such entry just
/// before a write could change or remove it (the keyspace calls <see cref="SaveEntry"/> on lookups
/// made by write commands, on deletion, expiry and FLUSHALL). Entries created after the start carry
/// the new epoch and are left out: the log from O has them. So the snapshot is exactly the keyspace
/// at O, with no copy of the keyspace and no pause longer than a slice (or than saving one value
/// about to change). Serialised bytes go to a <see cref="SnapshotWriter"/> thread in chunks; extra
/// memory is what is waiting to be written, which is bounded by what changes while it runs (slices
/// pause while the writer is far behind).
/// </remarks>
public sealed partial class Executor
{
    private const int ChunkBytes = 256 * 1024;
    private const long MaxQueuedBytes = 8L * 1024 * 1024;
    private static readonly TimeSpan SliceBudget = TimeSpan.FromMilliseconds(1);

    private SnapshotRequest? _snapshotRequest;
    private SnapshotJob? _snapshot;
    private int _lastEpoch;

    /// <summary>Whether a snapshot is being taken.</summary>
    public bool IsSnapshotting => Volatile.Read(ref _snapshot) is not null || Volatile.Read(ref _snapshotRequest) is not null;

    /// <summary>
    /// Starts a snapshot at the next boundary between batches. <paramref name="onStart"/> runs on the
    /// engine thread at that instant with the snapshot's log offset — everything before it is in the
    /// snapshot, everything from it on is not — and returns the writer to stream it to (it may also
    /// switch the log to a new segment starting at that offset).
    /// </summary>
    /// <returns>The snapshot's offset, once it has started.</returns>
    internal Task<long> StartSnapshotAsync(Func<long, SnapshotWriter> onStart)
    {
        var request = new SnapshotRequest(onStart);
        if (Interlocked.CompareExchange(ref _snapshotRequest, request, null) is not null || _snapshot is not null)
            throw new InvalidOperationException("A snapshot is already being taken.");
        _wake.Set();
        return request.Started.Task;
    }

    /// <summary>At a batch boundary: begins a requested snapshot.</summary>
    private void BeginRequestedSnapshot()
    {
        if (Interlocked.Exchange(ref _snapshotRequest, null) is not { } request)
            return;
        var offset = _stream.Offset;
        SnapshotWriter writer;
        try
        {
            writer = request.OnStart(offset);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            request.Started.TrySetException(failure);
            return;
        }
        var job = new SnapshotJob(++_lastEpoch, offset, writer);
        // The counter now: every version handed out before the offset, deleted keys' too, is at most this.
        SnapshotFile.WriteHeader(job.Chunk, offset, _keyspace.LastVersion);
        _keyspace.SnapshotEpoch = job.Epoch;
        _snapshot = job;
        request.Started.TrySetResult(offset);
    }

    /// <summary>One slice of the walk: serialise unsaved entries for about a millisecond, or finish.</summary>
    private void AdvanceSnapshot()
    {
        if (_snapshot is not { } job || job.Writer.QueuedBytes > MaxQueuedBytes)
            return;
        var started = Stopwatch.GetTimestamp();
        var bucket = new List<Entry>();
        do
        {
            bucket.Clear();
            job.Cursor = _keyspace.ScanAll(job.Cursor, bucket);
            foreach (var entry in bucket)
                SaveEntry(entry);
            if (job.Cursor == 0)
            {
                FinishSnapshot(job);
                return;
            }
        }
        while (Stopwatch.GetElapsedTime(started) < SliceBudget);
        FlushChunk(job, force: false);
        LatencySince("snapshot", started);
    }

    /// <summary>Writes an entry into the running snapshot unless it is already in it (or not part of it).</summary>
    private void SaveEntry(Entry entry)
    {
        if (_snapshot is not { } job || entry.SavedEpoch >= job.Epoch)
            return;
        SnapshotFile.WriteEntry(job.Encoder, entry.Type, entry.Key, entry.ExpireAtMs, entry.Version, entry.Value);
        entry.SavedEpoch = job.Epoch;
        job.Count++;
        FlushChunk(job, force: false);
    }

    private static void FlushChunk(SnapshotJob job, bool force)
    {
        if (job.Chunk.WrittenCount == 0 || (!force && job.Chunk.WrittenCount < ChunkBytes))
            return;
        job.Writer.Add(job.Chunk.WrittenSpan);
        job.Chunk.ResetWrittenCount();
    }

    private void FinishSnapshot(SnapshotJob job)
    {
        SnapshotFile.WriteEnd(job.Encoder, job.Count);
        FlushChunk(job, force: true);
        job.Writer.Complete();
        _keyspace.SnapshotEpoch = 0;
        _snapshot = null;
    }

    /// <summary>Stopping with a snapshot half-written: abandon its writer (the file is removed, never published).</summary>
    private void AbandonSnapshot()
    {
        Interlocked.Exchange(ref _snapshotRequest, null)?.Started.TrySetException(new InvalidOperationException("The engine stopped."));
        if (_snapshot is { } job)
        {
            _snapshot = null;
            _keyspace.SnapshotEpoch = 0;
            job.Writer.Abandon();
        }
    }

    private sealed class SnapshotRequest(Func<long, SnapshotWriter> onStart)
    {
        public Func<long, SnapshotWriter> OnStart { get; } = onStart;

        public TaskCompletionSource<long> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class SnapshotJob
    {
        public SnapshotJob(int epoch, long offset, SnapshotWriter writer)
        {
            Epoch = epoch;
            Offset = offset;
            Writer = writer;
            Encoder = new SnapshotEncoder(Chunk);
        }

        public int Epoch { get; }

        public long Offset { get; }

        public SnapshotWriter Writer { get; }

        public ArrayBufferWriter<byte> Chunk { get; } = new(ChunkBytes * 2);

        public SnapshotEncoder Encoder { get; }

        public ulong Cursor { get; set; }

        public long Count { get; set; }
    }
}
