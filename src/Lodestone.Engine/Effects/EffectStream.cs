using System.Buffers;
using System.Diagnostics;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Effects;

/// <summary>
/// The committed effect stream: each batch's effects encoded once, as <see cref="Persistence.Aof.AofFormat"/>
/// records, at increasing offsets counted in bytes of that encoding (Redis's replication offset), and
/// the last <see cref="BacklogCapacity"/> bytes of it held in memory for asynchronous readers
/// (<see cref="EffectReader"/>) to read from any offset still there.
/// </summary>
/// <remarks>
/// Design note. The executor encodes a batch (<see cref="Encode"/>), hands it to the synchronous
/// reader — the AOF, which must have it before any reply of the batch completes — and, once it took
/// it, publishes it here (<see cref="Publish"/>): a copy into a ring buffer and a wake-up. A refused
/// batch is never published, so readers only ever see what was acknowledged. Nothing else of the
/// engine thread's time goes to readers, however many there are or however slow: they copy out of
/// the ring on their own threads, and continuations of a wake-up run on the thread pool.
///
/// Concurrency invariant, enforced here: only the engine thread writes (<see cref="Publish"/>,
/// <see cref="StartAt"/>, <see cref="Close"/>); readers never lock and never hold the writer up. The
/// ring is a seqlock of sorts: before overwriting bytes the writer announces the end it is writing
/// to (<c>_writing</c>, with a full fence), then copies, then publishes the end (<c>_end</c>). A reader
/// copies what it wants, fences, and then checks that the writer had not announced anything that
/// reaches its bytes; if it had, the copy may be torn and the reader has fallen out of the backlog —
/// it is told to resynchronise in full, never handed bytes that may be wrong. So a slow reader costs
/// the engine nothing and memory stays at the backlog's size: it falls behind, then off.
///
/// The backlog holds bytes only once a reader has asked for one (<see cref="TryOpenReader"/>), as
/// Redis creates its backlog when the first replica attaches: until then a batch nobody reads as bytes
/// — no synchronous reader either, the log being off — is not encoded at all; its records' sizes move
/// the offset on (<see cref="Skip(IReadOnlyList{Effect})"/>), so offsets mean the same bytes either way. A reader opened in
/// the same instant as such a batch may find itself too old at once and resynchronise in full, as a
/// first replica does anyway.
///
/// Offsets continue across restarts: each record's offset is in the log (a segment's header holds
/// its first one), so recovery ends at the offset the stream had, and <see cref="StartAt"/> continues
/// from it with an empty backlog. Readers open before a jump of the offset are told to resynchronise.
/// </remarks>
public sealed class EffectStream
{
    // Allocated when a reader first asks for the backlog (engine thread), as Redis creates its backlog
    // with the first replica, and grown with the bytes it holds up to the capacity: a node nobody
    // replicates from does not hold Replication:BacklogBytes of memory.
    private byte[]? _ring;
    private const int FirstRingBytes = 1 << 20;
    private int _capacity;
    private readonly ArrayBufferWriter<byte> _encoder = new(64 * 1024);
    private long _origin;
    private long _end;
    private long _writing;
    private int _generation;
    private int _readers;
    private volatile bool _backlogWanted;
    private bool _backlogHeld;
    private volatile bool _closed;
    private TaskCompletionSource? _published;

    /// <param name="backlogBytes">How many of the latest bytes to keep for readers (Redis's <c>repl-backlog-size</c>).</param>
    public EffectStream(int backlogBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(backlogBytes, EngineOptions.MinReplBacklogSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(backlogBytes, EngineOptions.MaxReplBacklogSize);
        _capacity = backlogBytes;
    }

    /// <summary>The offset after the last published byte: the committed offset. Any thread.</summary>
    public long Offset => Volatile.Read(ref _end);

    /// <summary>The oldest offset still in the backlog (equal to <see cref="Offset"/> when it holds nothing). Any thread.</summary>
    public long BacklogStart
    {
        get
        {
            var end = Volatile.Read(ref _end);
            return Math.Max(Volatile.Read(ref _origin), end - (Volatile.Read(ref _ring)?.Length ?? BacklogCapacity));
        }
    }

    /// <summary>The most bytes the backlog holds. Any thread.</summary>
    public int BacklogCapacity => Volatile.Read(ref _capacity);

    /// <summary>
    /// Engine thread (CONFIG SET repl-backlog-size): holds <paramref name="backlogBytes"/> from now on,
    /// keeping as much of the history held as fits, so open readers go on where they are when it still
    /// holds their bytes (and resynchronise in full when a smaller backlog no longer does). A larger
    /// capacity is reached as the ring grows with use (<see cref="Publish"/>); a smaller one at once (<see cref="Regrow"/>).
    /// </summary>
    internal void Resize(int backlogBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(backlogBytes, EngineOptions.MinReplBacklogSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(backlogBytes, EngineOptions.MaxReplBacklogSize);
        if (backlogBytes == _capacity)
            return;
        if (_ring is { } old && backlogBytes < old.Length)
            Regrow(old, backlogBytes);
        Volatile.Write(ref _capacity, backlogBytes);
    }

    /// <summary>
    /// Engine thread: moves the history <paramref name="old"/> holds into a new ring of
    /// <paramref name="size"/> bytes (as much of it as fits) and publishes that ring. The old ring is
    /// never written again: a reader that took it still copies bytes that were right, and one that
    /// takes the new ring finds its window checked against that ring's length (<see cref="TryCopy"/>).
    /// </summary>
    private byte[] Regrow(byte[] old, int size)
    {
        var end = _end;
        var held = (int)Math.Min(end - Math.Max(_origin, end - old.Length), size);
        var ring = new byte[size];
        for (var offset = end - held; offset < end;)
        {
            // Copy in runs that wrap in neither ring.
            var from = (int)(offset % old.Length);
            var to = (int)(offset % ring.Length);
            var run = (int)Math.Min(end - offset, Math.Min(old.Length - from, ring.Length - to));
            old.AsSpan(from, run).CopyTo(ring.AsSpan(to));
            offset += run;
        }
        // What the new ring does not hold is gone: the origin moves up to what it does.
        Volatile.Write(ref _origin, end - held);
        Volatile.Write(ref _ring, ring);
        return ring;
    }

    /// <summary>Whether the backlog has been asked for (a reader has opened since the engine started). Any thread.</summary>
    public bool BacklogActive => _backlogWanted;

    /// <summary>
    /// Engine thread: whether batches go into the backlog — from the first batch after a reader first
    /// asked for it; before that, <see cref="Skip(IReadOnlyList{Effect})"/> (or a publish without the copy) only moves the offset.
    /// </summary>
    internal bool HoldsBacklog
    {
        get
        {
            if (!_backlogHeld && _backlogWanted)
            {
                // Small at first, grown as bytes come (Publish) up to the capacity: memory follows use.
                Volatile.Write(ref _ring, new byte[Math.Min(_capacity, FirstRingBytes)]);
                _backlogHeld = true;
            }
            return _backlogHeld;
        }
    }

    /// <summary>Asynchronous readers open now.</summary>
    public int Readers => Volatile.Read(ref _readers);

    /// <summary>Whether an offset is in the backlog, too old for it, or not yet written.</summary>
    public BacklogPosition Locate(long offset)
    {
        if (offset > Offset)
            return BacklogPosition.InFuture;
        return offset < BacklogStart ? BacklogPosition.TooOld : BacklogPosition.Held;
    }

    /// <summary>
    /// Opens a reader at <paramref name="offset"/> if the backlog still holds it (or it is the
    /// current offset: the reader then gets what comes next). Otherwise null, and the answer says
    /// why: too old (the reader needs a full sync first) or in the future (not an offset of this stream).
    /// </summary>
    /// <remarks>
    /// Any thread. The offset must be a record boundary — as a reader's own position, or an offset
    /// this stream reported, always is. The backlog may move on right after: the reader's first read
    /// then says <see cref="EffectReadStatus.NeedsFullSync"/>.
    /// </remarks>
    public BacklogPosition TryOpenReader(long offset, out EffectReader? reader)
    {
        // Before anything else: the engine holds bytes for readers from its next batch on.
        _backlogWanted = true;
        var generation = Volatile.Read(ref _generation);
        var position = Locate(offset);
        reader = position == BacklogPosition.Held ? new EffectReader(this, offset, generation) : null;
        if (reader is not null)
            Interlocked.Increment(ref _readers);
        return position;
    }

    /// <summary>Engine thread: encodes a batch at the current offset into the stream's reused buffer.</summary>
    internal EffectBatch Encode(IReadOnlyList<Effect> effects) => EffectBatch.Encode(effects, Volatile.Read(ref _end), _encoder);

    /// <summary>Engine thread: a batch the synchronous reader took. Its bytes join the backlog and the offset moves past them.</summary>
    internal void Publish(EffectBatch batch)
    {
        Debug.Assert(batch.StartOffset == _end, "Batches are published in order, each where the last ended.");
        var end = batch.EndOffset;
        var bytes = batch.Bytes.Span;
        var ring = _ring!;
        var start = end - bytes.Length;
        var heldAfter = end - Math.Max(_origin, start - ring.Length);
        if (heldAfter > ring.Length && ring.Length < _capacity)
            ring = Regrow(ring, (int)Math.Min(_capacity, Math.Max(heldAfter, 2L * ring.Length)));
        if (bytes.Length > ring.Length)
            bytes = bytes[^ring.Length..];
        // Announce first (a full fence), so a reader whose bytes these overwrite finds out after its copy.
        Interlocked.Exchange(ref _writing, end);
        var at = (int)((end - bytes.Length) % ring.Length);
        var first = Math.Min(bytes.Length, ring.Length - at);
        bytes[..first].CopyTo(ring.AsSpan(at));
        bytes[first..].CopyTo(ring);
        Volatile.Write(ref _end, end);
        Wake();
    }

    /// <summary>
    /// Engine thread: a batch that no reader takes as bytes — no backlog yet (<see cref="HoldsBacklog"/>)
    /// and no log. The offset moves past its records' encoded size; the backlog stays empty.
    /// </summary>
    internal void Skip(IReadOnlyList<Effect> effects)
    {
        long size = 0;
        for (var i = 0; i < effects.Count; i++)
            size += Persistence.Aof.AofFormat.RecordSize(effects[i]);
        SkipTo(Volatile.Read(ref _end) + size);
    }

    /// <summary>Engine thread: a batch the synchronous reader took while the backlog is not held: the offset moves past it.</summary>
    internal void Skip(EffectBatch batch)
    {
        Debug.Assert(batch.StartOffset == _end, "Batches are published in order, each where the last ended.");
        SkipTo(batch.EndOffset);
    }

    // The backlog starts (empty) at the new end: no reader can be handed bytes that were never copied in.
    private void SkipTo(long end)
    {
        Volatile.Write(ref _origin, end);
        Interlocked.Exchange(ref _writing, end);
        Volatile.Write(ref _end, end);
        Wake();
    }

    /// <summary>
    /// Engine thread, before the stream goes on from <paramref name="offset"/> (after loading): a new
    /// offset empties the backlog and sends readers open before to a full sync; the same one changes nothing.
    /// </summary>
    internal void StartAt(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset == Volatile.Read(ref _end))
            return;
        Restart(offset);
    }

    /// <summary>
    /// Engine thread: the stream goes on from <paramref name="offset"/> with other history (a replica
    /// installed a full sync): the backlog empties and every reader open before is told to
    /// resynchronise, even when the offset is the same.
    /// </summary>
    internal void Restart(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        Interlocked.Increment(ref _generation);
        Volatile.Write(ref _origin, offset);
        Interlocked.Exchange(ref _writing, offset);
        Volatile.Write(ref _end, offset);
        Wake();
    }

    /// <summary>The engine stopped: readers get what is left, then <see cref="EffectReadStatus.Closed"/>.</summary>
    internal void Close()
    {
        _closed = true;
        Wake();
    }

    /// <summary>
    /// Copies bytes from <paramref name="from"/> for a reader opened at <paramref name="generation"/>;
    /// <see cref="EffectReadStatus.UpToDate"/> when there are none yet. Any thread, never blocks.
    /// </summary>
    internal EffectReadStatus TryCopy(long from, int generation, Span<byte> destination, out int count)
    {
        count = 0;
        var closed = _closed;
        var end = Volatile.Read(ref _end);
        if (Volatile.Read(ref _generation) != generation)
            return EffectReadStatus.NeedsFullSync;
        if (from >= end || destination.IsEmpty)
            return closed && from >= end ? EffectReadStatus.Closed : EffectReadStatus.UpToDate;
        // The ring's own length, not the capacity: a resize swaps both, and the ring taken is the one copied from.
        if (Volatile.Read(ref _ring) is not { } ring || from < Math.Max(Volatile.Read(ref _origin), end - ring.Length))
            return EffectReadStatus.NeedsFullSync;
        var length = (int)Math.Min(destination.Length, end - from);
        var at = (int)(from % ring.Length);
        var first = Math.Min(length, ring.Length - at);
        ring.AsSpan(at, first).CopyTo(destination);
        ring.AsSpan(0, length - first).CopyTo(destination[first..]);
        // Were any of those bytes overwritten while we copied? Then the copy cannot be trusted.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _generation) != generation || from < Volatile.Read(ref _writing) - ring.Length)
            return EffectReadStatus.NeedsFullSync;
        count = length;
        return EffectReadStatus.Data;
    }

    /// <summary>
    /// Completes when the offset moves after this call — a batch published or skipped, a new start —
    /// or the stream closes. Any thread; take it before reading <see cref="Offset"/> to miss nothing.
    /// </summary>
    public Task WhenPublished()
    {
        var published = Volatile.Read(ref _published);
        if (published is null)
        {
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            published = Interlocked.CompareExchange(ref _published, fresh, null) ?? fresh;
        }
        return published.Task;
    }

    /// <summary>
    /// Completes with true once the committed offset has reached <paramref name="offset"/> (at once
    /// when it has), false when <paramref name="timeout"/> passed or the stream closed first: a read
    /// on a replica that waits for a write its client made on the primary. Woken by each publish,
    /// never by polling. Any thread.
    /// </summary>
    public async Task<bool> WaitForOffsetAsync(long offset, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        var deadline = time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            // The signal first, then the look: a publish between the two completes the signal.
            var published = WhenPublished();
            if (Offset >= offset)
                return true;
            var left = time.GetElapsedTime(time.GetTimestamp(), deadline);
            if (_closed || left <= TimeSpan.Zero)
                return false;
            try
            {
                await published.WaitAsync(left, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return Offset >= offset;
            }
        }
    }

    internal void ReaderClosed() => Interlocked.Decrement(ref _readers);

    // Unconditionally a full fence: a reader that installed a signal and then saw the old end is
    // certain to find it here (the waiter's continuation runs on the thread pool, not on this thread).
    private void Wake() => Interlocked.Exchange(ref _published, null)?.TrySetResult();
}
