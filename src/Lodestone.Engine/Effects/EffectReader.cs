namespace Lodestone.Engine.Effects;

/// <summary>
/// An asynchronous reader of the committed effect stream, with its own position: it reads the bytes
/// the AOF holds, in the same order and at the same offsets, without ever holding up the engine.
/// </summary>
/// <remarks>
/// One consumer at a time (not safe for concurrent reads). A reader that falls out of the backlog —
/// slower than the writes for longer than the backlog covers, or gone — gets
/// <see cref="EffectReadStatus.NeedsFullSync"/> from then on: it must start again from a full copy
/// (a snapshot) and a new reader at that copy's offset. Reads return whole bytes, not whole records:
/// a record may span two reads.
/// </remarks>
public sealed class EffectReader : IDisposable
{
    private readonly EffectStream _stream;
    private readonly int _generation;
    private long _position;
    private bool _lost;
    private int _disposed;

    internal EffectReader(EffectStream stream, long position, int generation)
    {
        _stream = stream;
        _position = position;
        _generation = generation;
    }

    /// <summary>The offset of the next byte this reader reads.</summary>
    public long Position => Volatile.Read(ref _position);

    /// <summary>Copies what is there from <see cref="Position"/> into <paramref name="destination"/>, without waiting.</summary>
    public EffectRead TryRead(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var from = _position;
        if (_lost)
            return new EffectRead(EffectReadStatus.NeedsFullSync, from, 0);
        var status = _stream.TryCopy(from, _generation, destination, out var count);
        if (status == EffectReadStatus.NeedsFullSync)
            _lost = true;
        Volatile.Write(ref _position, from + count);
        return new EffectRead(status, from, count);
    }

    /// <summary>
    /// Waits until there are bytes at <see cref="Position"/>, copies up to <paramref name="destination"/>'s
    /// length of them and moves past them; or says the reader fell behind, or the engine stopped. Never
    /// returns <see cref="EffectReadStatus.UpToDate"/>.
    /// </summary>
    public async ValueTask<EffectRead> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (destination.IsEmpty)
            throw new ArgumentException("A read needs room for at least one byte.", nameof(destination));
        while (true)
        {
            var read = TryRead(destination.Span);
            if (read.Status != EffectReadStatus.UpToDate)
                return read;
            var published = _stream.WhenPublished();
            // Published between the read and the wait's installation: read again rather than wait.
            read = TryRead(destination.Span);
            if (read.Status != EffectReadStatus.UpToDate)
                return read;
            await published.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Detaches the reader from the stream; the engine no longer wakes it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _stream.ReaderClosed();
    }
}

/// <summary>What a read of the effect stream found.</summary>
/// <param name="Status">Whether bytes were read, and if not, why.</param>
/// <param name="Offset">The stream offset of the first byte read (the reader's position before the read).</param>
/// <param name="Count">Bytes copied (0 unless <see cref="EffectReadStatus.Data"/>).</param>
public readonly record struct EffectRead(EffectReadStatus Status, long Offset, int Count);

/// <summary>The outcome of a read of the effect stream. Values are not persisted.</summary>
public enum EffectReadStatus
{
    /// <summary>Bytes were copied.</summary>
    Data,

    /// <summary>Nothing past the reader's position yet (only from <see cref="EffectReader.TryRead"/>).</summary>
    UpToDate,

    /// <summary>The reader's position is no longer in the backlog: start again from a full copy.</summary>
    NeedsFullSync,

    /// <summary>The engine stopped and the reader has read everything it published.</summary>
    Closed,
}

/// <summary>Where an offset lies with respect to the backlog (<see cref="EffectStream.Locate"/>).</summary>
public enum BacklogPosition
{
    /// <summary>In the backlog, or the current offset: a reader can start there.</summary>
    Held,

    /// <summary>Older than the backlog's first byte: only a full sync can bring a reader there.</summary>
    TooOld,

    /// <summary>Past the current offset: not an offset this stream has reached.</summary>
    InFuture,
}
