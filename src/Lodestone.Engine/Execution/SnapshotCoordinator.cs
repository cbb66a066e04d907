using System.Buffers;
using System.Diagnostics;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Persistence.Snapshots;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Execution;

/// <summary>Point-in-time snapshots taken while the engine keeps serving: the engine thread's side (the walk, and saving entries about to change).</summary>
/// <remarks>
/// Design note. There is no fork in .NET, so a snapshot is a versioned cut (as Dragonfly takes
/// them): it starts between two loop turns at a log offset O, with a new epoch number. From then on
/// the engine thread (1) walks the key table with the SCAN cursor in time-boxed slices between
/// batches, serialising every entry it has not saved in this epoch, and (2) saves any such entry just
/// before a write could change or remove it (the keyspace calls <see cref="Save"/> on lookups
/// made by write commands, on deletion, expiry and FLUSHALL). Entries created after the start carry
/// the new epoch and are left out: the log from O has them. So the snapshot is exactly the keyspace
/// at O, with no copy of the keyspace and no pause longer than a slice (or than saving one value
/// about to change). Serialised bytes go to a <see cref="SnapshotWriter"/> thread in chunks; extra
/// memory is what is waiting to be written, which is bounded by what changes while it runs (slices
/// pause while the writer is far behind).
/// </remarks>
internal sealed class SnapshotCoordinator
{
    private readonly Func<IReadOnlyList<byte[]>> _libraries;
    private const int ChunkBytes = 256 * 1024;
    private const long MaxQueuedBytes = 8L * 1024 * 1024;
    private static readonly TimeSpan SliceBudget = TimeSpan.FromMilliseconds(1);

    private readonly Action<Entry> _save;
    private SnapshotRequest? _request;
    private SnapshotJob? _job;
    private int _lastEpoch;

    private readonly Keyspace.Keyspace _keyspace;
    private readonly Action<string, long> _latencySince;

    /// <param name="keyspace">The keyspace to walk and save from.</param>
    /// <param name="latencySince">Records a latency event for a slice that began at a timestamp.</param>
    /// <param name="libraries">The function libraries' sources at the snapshot's instant (engine thread).</param>
    public SnapshotCoordinator(Keyspace.Keyspace keyspace, Action<string, long> latencySince, Func<IReadOnlyList<byte[]>> libraries)
    {
        _libraries = libraries;
        _keyspace = keyspace;
        _latencySince = latencySince;
        _save = Save;
    }

    /// <summary>Whether a snapshot is requested or being taken. Any thread.</summary>
    public bool IsRunning => Volatile.Read(ref _job) is not null || Volatile.Read(ref _request) is not null;

    /// <summary>Whether a snapshot waits to begin at the next batch boundary. Any thread.</summary>
    public bool IsRequested => Volatile.Read(ref _request) is not null;

    /// <summary>Whether a walk is under way (engine thread).</summary>
    public bool IsWalking => _job is not null;

    /// <summary>Whether the writer is so far behind that the walk pauses (engine thread: the loop then lets the disk catch up).</summary>
    public bool WriterIsBehind => _job is { } job && job.Writer.QueuedBytes > MaxQueuedBytes;

    /// <summary>
    /// Asks for a snapshot at the next boundary between batches (any thread; the caller wakes the
    /// engine). <paramref name="onStart"/> runs on the engine thread at that instant with the
    /// snapshot's offset and returns the writer to stream it to.
    /// </summary>
    /// <returns>The snapshot's offset, once it has started.</returns>
    public Task<long> RequestAsync(Func<long, ISnapshotOutput> onStart)
    {
        var request = new SnapshotRequest(onStart);
        if (Volatile.Read(ref _job) is not null || Interlocked.CompareExchange(ref _request, request, null) is not null)
            throw new InvalidOperationException("A snapshot is already being taken.");
        return request.Started.Task;
    }

    /// <summary>At a batch boundary (engine thread): begins a requested snapshot at <paramref name="offset"/>, the end of the committed stream.</summary>
    public void BeginRequested(long offset)
    {
        if (Interlocked.Exchange(ref _request, null) is not { } request)
            return;
        // A request that raced with one that has begun meanwhile: one walk at a time.
        if (_job is not null)
        {
            request.Started.TrySetException(new InvalidOperationException("A snapshot is already being taken."));
            return;
        }
        ISnapshotOutput writer;
        try
        {
            writer = request.OnStart(offset);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            request.Started.TrySetException(failure);
            return;
        }
        var job = new SnapshotJob(++_lastEpoch, writer);
        // The counter now: every version handed out before the offset, deleted keys' too, is at most this.
        SnapshotFile.WriteHeader(job.Chunk, offset, _keyspace.LastVersion, _libraries());
        _keyspace.SnapshotEpoch = job.Epoch;
        Volatile.Write(ref _job, job);
        request.Started.TrySetResult(offset);
    }

    /// <summary>One slice of the walk (engine thread): serialise unsaved entries for about a millisecond, or finish.</summary>
    public void Advance()
    {
        if (_job is not { } job || job.Writer.QueuedBytes > MaxQueuedBytes)
            return;
        var started = Stopwatch.GetTimestamp();
        job.Cursor = _keyspace.Walk(job.Cursor, SliceBudget, _save);
        if (job.Cursor == 0)
        {
            Finish(job);
            return;
        }
        FlushChunk(job, force: false);
        _latencySince("snapshot", started);
    }

    /// <summary>Writes an entry into the running snapshot unless it is already in it (or not part of it). Engine thread.</summary>
    public void Save(Entry entry)
    {
        if (_job is not { } job || entry.SavedEpoch >= job.Epoch)
            return;
        SnapshotFile.WriteEntry(job.Encoder, entry.Type, entry.Key, entry.ExpireAtMs, entry.Version, entry.Value);
        entry.SavedEpoch = job.Epoch;
        job.Count++;
        FlushChunk(job, force: false);
    }

    /// <summary>Stopping with a snapshot half-written (engine thread): abandon its writer (the file is removed, never published).</summary>
    public void Abandon()
    {
        Interlocked.Exchange(ref _request, null)?.Started.TrySetException(new InvalidOperationException("The engine stopped."));
        if (_job is { } job)
        {
            Volatile.Write(ref _job, null);
            _keyspace.SnapshotEpoch = 0;
            job.Writer.Abandon();
        }
    }

    private static void FlushChunk(SnapshotJob job, bool force)
    {
        if (job.Chunk.WrittenCount == 0 || (!force && job.Chunk.WrittenCount < ChunkBytes))
            return;
        job.Writer.Add(job.Chunk.WrittenSpan);
        job.Chunk.ResetWrittenCount();
    }

    private void Finish(SnapshotJob job)
    {
        SnapshotFile.WriteEnd(job.Encoder, job.Count);
        FlushChunk(job, force: true);
        job.Writer.Complete();
        _keyspace.SnapshotEpoch = 0;
        Volatile.Write(ref _job, null);
    }

    private sealed class SnapshotRequest(Func<long, ISnapshotOutput> onStart)
    {
        public Func<long, ISnapshotOutput> OnStart { get; } = onStart;

        public TaskCompletionSource<long> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class SnapshotJob
    {
        public SnapshotJob(int epoch, ISnapshotOutput writer)
        {
            Epoch = epoch;
            Writer = writer;
            Encoder = new SnapshotEncoder(Chunk);
        }

        public int Epoch { get; }

        public ISnapshotOutput Writer { get; }

        public ArrayBufferWriter<byte> Chunk { get; } = new(ChunkBytes * 2);

        public SnapshotEncoder Encoder { get; }

        public ulong Cursor { get; set; }

        public long Count { get; set; }
    }
}
