using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Lodestone.Engine.Persistence.Snapshots;

/// <summary>
/// Writes a snapshot's bytes to disk on its own thread, as the engine hands them over in chunks:
/// the engine never waits for the disk. On <see cref="Complete"/> it appends the checksum, fsyncs,
/// and publishes the file under its final name (temp file, fsync, rename, directory fsync).
/// </summary>
internal sealed class SnapshotWriter : IDisposable
{
    private readonly BlockingCollection<byte[]> _chunks = new();
    private readonly Thread _thread;
    private readonly string _path;
    private readonly string _temp;
    private readonly IFileSystem _files;
    private readonly TaskCompletionSource<long> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _queuedBytes;

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

    /// <summary>Completes with the file's size once it is durable under its final name; faults on an I/O error.</summary>
    public Task<long> Done => _done.Task;

    public void Add(byte[] chunk)
    {
        Interlocked.Add(ref _queuedBytes, chunk.Length);
        _chunks.Add(chunk);
    }

    /// <summary>No more chunks: finish the file.</summary>
    public void Complete() => _chunks.CompleteAdding();

    public void Dispose()
    {
        _chunks.CompleteAdding();
        _thread.Join();
        _chunks.Dispose();
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
                foreach (var chunk in _chunks.GetConsumingEnumerable())
                {
                    file.Write(chunk);
                    foreach (var b in chunk)
                        crc = System.Numerics.BitOperations.Crc32C(crc, b);
                    Interlocked.Add(ref _queuedBytes, -chunk.Length);
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
            foreach (var chunk in _chunks.GetConsumingEnumerable())
                Interlocked.Add(ref _queuedBytes, -chunk.Length);
            _done.TrySetException(failure);
        }
    }
}
