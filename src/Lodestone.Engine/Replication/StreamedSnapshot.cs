using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;
using Lodestone.Engine.Persistence.Aof;
using Lodestone.Engine.Persistence.Snapshots;

namespace Lodestone.Engine.Replication;

/// <summary>
/// A snapshot streamed to a replica instead of a file (Redis's diskless sync): the engine thread hands
/// chunks over as it walks (<see cref="ISnapshotOutput"/>), the replica's response reads them
/// (<see cref="ReadAllAsync"/>) and the checksum trailer comes last, as a snapshot file ends.
/// </summary>
/// <remarks>
/// The engine never waits: chunks are copied into pooled buffers and queued; the walk pauses while
/// much is queued (<see cref="QueuedBytes"/>). A reader that goes away (<see cref="Discard"/>) makes
/// every later chunk be dropped at once, so a vanished replica costs no memory.
/// </remarks>
internal sealed class StreamedSnapshot : ISnapshotOutput
{
    private readonly Channel<(byte[] Buffer, int Length)> _chunks =
        Channel.CreateUnbounded<(byte[], int)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private long _queuedBytes;
    private volatile bool _discarded;

    /// <inheritdoc/>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<byte> bytes)
    {
        if (_discarded)
            return;
        var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer);
        Interlocked.Add(ref _queuedBytes, bytes.Length);
        if (!_chunks.Writer.TryWrite((buffer, bytes.Length)))
        {
            Interlocked.Add(ref _queuedBytes, -bytes.Length);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    public void Complete() => _chunks.Writer.TryComplete();

    /// <inheritdoc/>
    public void Abandon() => _chunks.Writer.TryComplete(new InvalidOperationException("The engine stopped before the snapshot was whole."));

    /// <summary>The reader is gone: drop what is queued and everything still to come.</summary>
    public void Discard()
    {
        _discarded = true;
        while (_chunks.Reader.TryRead(out var chunk))
            Release(chunk);
    }

    /// <summary>
    /// Hands each chunk to <paramref name="write"/> in order, then the 4-byte checksum trailer; throws
    /// when the engine abandoned the snapshot. One reader.
    /// </summary>
    public async Task ReadAllAsync(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> write, CancellationToken cancellationToken)
    {
        var crc = 0xFFFFFFFFu;
        try
        {
            await foreach (var chunk in _chunks.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    crc = AofFormat.Crc32C(crc, chunk.Buffer.AsSpan(0, chunk.Length));
                    await write(chunk.Buffer.AsMemory(0, chunk.Length), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    Release(chunk);
                }
            }
        }
        catch
        {
            Discard();
            throw;
        }
        var trailer = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, ~crc);
        await write(trailer, cancellationToken).ConfigureAwait(false);
    }

    private void Release((byte[] Buffer, int Length) chunk)
    {
        Interlocked.Add(ref _queuedBytes, -chunk.Length);
        ArrayPool<byte>.Shared.Return(chunk.Buffer);
    }
}
