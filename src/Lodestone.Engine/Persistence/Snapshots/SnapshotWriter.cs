using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Lodestone.Engine.Persistence.Snapshots;

/// <summary>
/// Writes a snapshot's bytes to disk on its own thread, as the engine hands them over in chunks:
/// the engine never waits for the disk. On <see cref="Complete"/> it appends the checksum, fsyncs,
/// and publishes the file under its final name (temp file, fsync, rename, directory fsync).
/// </summary>
internal sealed class SnapshotWriter : ISnapshotOutput, IDisposable
{
    private readonly BlockingCollection<(byte[] Buffer, int Length)> _chunks = new();
    private readonly Thread _thread;
    private readonly string _path;
    private readonly string _temp;
    private readonly IFileSystem _files;
    private readonly TaskCompletionSource<long> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _queuedBytes;
    private long _peakQueuedBytes;
    private volatile bool _abandoned;
    private int _disposed;
    private readonly object _completing = new();
    private bool _chunksDisposed;

    public SnapshotWriter(IFileSystem files, string path)
    {
        _files = files;
        _path = path;
        _temp = path + ".tmp";
        _thread = new Thread(Write) { IsBackground = true, Name = "lodestone-snapshot" };
        _thread.Start();
    }

    /// <summary>Bytes handed over but not yet written: how far the disk lags behind the engine.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>The most bytes that were ever waiting for the disk: the snapshot's extra memory.</summary>
    public long PeakQueuedBytes => Interlocked.Read(ref _peakQueuedBytes);

    /// <summary>Completes with the file's size once it is durable under its final name; faults on an I/O error.</summary>
    public Task<long> Done => _done.Task;

    /// <summary>Copies <paramref name="bytes"/> into a pooled buffer and queues it (the engine's chunk buffer is reused at once).</summary>
    public void Add(ReadOnlySpan<byte> bytes)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer);
        var queued = Interlocked.Add(ref _queuedBytes, bytes.Length);
        if (queued > Interlocked.Read(ref _peakQueuedBytes))
            Interlocked.Exchange(ref _peakQueuedBytes, queued);
        _chunks.Add((buffer, bytes.Length));
    }

    /// <summary>No more chunks: finish the file. Harmless once the writer is disposed.</summary>
    /// <remarks>
    /// Race: CompleteAdding lets the writer thread finish before it returns (it still reads the
    /// collection afterwards), and the owner disposes the writer as soon as <see cref="Done"/>
    /// completes — on another thread, possibly while the engine thread is still in here. Disposing
    /// the collection then failed the engine thread (and the process). Both hold <see cref="_completing"/>.
    /// </remarks>
    public void Complete()
    {
        lock (_completing)
        {
            if (!_chunksDisposed)
                _chunks.CompleteAdding();
        }
    }

    /// <summary>A failed snapshot's temp file is never used: remove it (on a full disk, it holds the space needed).</summary>
    private void DeleteTemp()
    {
        try
        {
            if (_files.Exists(_temp))
                _files.Delete(_temp);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            // The next snapshot deletes it before it starts.
        }
    }

    /// <summary>
    /// Stops before the snapshot is complete (the engine is stopping): the unfinished file is removed,
    /// never published, and <see cref="Done"/> faults — a snapshot without its end would otherwise
    /// replace the log it was meant to compact.
    /// </summary>
    public void Abandon()
    {
        _abandoned = true;
        Dispose();
    }

    public void Dispose()
    {
        // Twice is normal: the engine abandons a snapshot whose owner disposes it too.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        Complete();
        _thread.Join();
        lock (_completing)
        {
            _chunksDisposed = true;
            _chunks.Dispose();
        }
    }

    private void Write()
    {
        try
        {
            if (_files.Exists(_temp))
                _files.Delete(_temp);
            long size;
            using (var file = _files.OpenAppend(_temp))
            {
                var crc = 0xFFFFFFFFu;
                foreach (var (buffer, length) in _chunks.GetConsumingEnumerable())
                {
                    var chunk = buffer.AsSpan(0, length);
                    file.Write(chunk);
                    crc = Aof.AofFormat.Crc32C(crc, chunk);
                    Interlocked.Add(ref _queuedBytes, -length);
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
                if (_abandoned)
                {
                    file.Dispose();
                    DeleteTemp();
                    _done.TrySetException(new InvalidOperationException("The snapshot was abandoned before it was complete: the engine stopped."));
                    return;
                }
                Span<byte> trailer = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(trailer, ~crc);
                file.Write(trailer);
                file.Sync();
                size = file.Length;
            }
            _files.Rename(_temp, _path);
            _done.TrySetResult(size);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            // Drain what the engine still hands over, so it never blocks on a dead writer.
            foreach (var (buffer, length) in _chunks.GetConsumingEnumerable())
            {
                Interlocked.Add(ref _queuedBytes, -length);
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
            DeleteTemp();
            _done.TrySetException(failure);
        }
    }
}
