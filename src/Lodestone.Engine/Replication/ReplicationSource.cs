using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Lodestone.Engine.Effects;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Replication;

/// <summary>
/// The primary's side of replication (Redis's PSYNC): a replica asks to continue from (replid,
/// offset); it gets the missing records from the backlog when this node's history and backlog still
/// hold them (partial resync), else a point-in-time snapshot streamed from the running engine and
/// the records after it (full sync). See <see cref="ReplicationWire"/> for the bytes.
/// </summary>
public sealed class ReplicationSource(Executor executor)
{
    /// <summary>How long a full sync waits for a snapshot already running (a BGSAVE, another replica's) to finish.</summary>
    public static readonly TimeSpan SnapshotWait = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Decides how the replica continues and prepares the stream. <paramref name="replid"/> null (or
    /// "?") asks for a full sync. Partial when this node's ids continue that history at
    /// <paramref name="offset"/> and the backlog holds it; otherwise full, counted as such.
    /// </summary>
    /// <exception cref="TimeoutException">Another snapshot kept running for <see cref="SnapshotWait"/>.</exception>
    public async Task<ReplicationSession> OpenAsync(string? replid, long offset, ReplicaPeer? peer, CancellationToken cancellationToken)
    {
        var state = executor.Replication;
        var asksPartial = replid is not null && replid != "?" && offset >= 0;
        if (asksPartial && state.Ids.Continues(replid!, offset)
            && executor.Effects.TryOpenReader(offset, out var reader) == BacklogPosition.Held)
        {
            state.CountSync(full: false, partialRefused: false);
            if (peer is not null)
                peer.State = "online";
            return new ReplicationSession(executor, $"CONTINUE {state.Ids.Id} {offset}", reader!, null, peer);
        }

        var deadline = DateTime.UtcNow + SnapshotWait;
        while (true)
        {
            var snapshot = new StreamedSnapshot();
            EffectReader? follower = null;
            string? id = null;
            try
            {
                var at = await executor.StartSnapshotAsync(start =>
                {
                    // Engine thread, between batches: the snapshot is the data at `start`, the reader takes what follows.
                    id = state.Ids.Id;
                    executor.Effects.TryOpenReader(start, out follower);
                    return snapshot;
                }).ConfigureAwait(false);
                if (follower is null)
                {
                    snapshot.Discard();
                    throw new InvalidOperationException("The effect stream refused a reader at the snapshot's offset.");
                }
                state.CountSync(full: true, partialRefused: asksPartial);
                if (peer is not null)
                    peer.State = "send_bulk";
                return new ReplicationSession(executor, $"FULLRESYNC {id} {at}", follower, snapshot, peer);
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                // Another snapshot is running: one walk at a time, so wait for it, as Redis waits for the next BGSAVE.
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException busy)
            {
                throw new TimeoutException("A snapshot kept running; the replica should try again.", busy);
            }
        }
    }
}

/// <summary>
/// One replica's stream: the header line, then (for a full sync) the snapshot, then records as they
/// are committed, with a heartbeat while there are none. Ends when the replica falls out of the
/// backlog (it then syncs in full again), the engine stops, or the caller cancels.
/// </summary>
public sealed class ReplicationSession : IDisposable
{
    private readonly Executor _executor;
    private readonly EffectReader _reader;
    private readonly StreamedSnapshot? _snapshot;
    private readonly ReplicaPeer? _peer;

    internal ReplicationSession(Executor executor, string header, EffectReader reader, StreamedSnapshot? snapshot, ReplicaPeer? peer)
    {
        _executor = executor;
        Header = header;
        _reader = reader;
        _snapshot = snapshot;
        _peer = peer;
    }

    /// <summary><c>FULLRESYNC replid offset</c> or <c>CONTINUE replid offset</c>.</summary>
    public string Header { get; }

    /// <summary>Whether the replica gets a full sync.</summary>
    public bool IsFull => _snapshot is not null;

    /// <summary>Why the stream ended, once it has.</summary>
    public string? EndReason { get; private set; }

    /// <summary>Writes the stream to <paramref name="output"/> until it ends (see the type's remarks).</summary>
    /// <param name="stopping">The service is stopping: the stream ends once the replica has everything committed so far (Redis's shutdown waits for its replicas too).</param>
    public async Task WriteToAsync(Stream output, CancellationToken cancellationToken, CancellationToken stopping = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteAsync(Encoding.ASCII.GetBytes(Header + "\n"), cancellationToken).ConfigureAwait(false);
        if (_snapshot is { } snapshot)
        {
            var frame = new byte[4];
            await snapshot.ReadAllAsync(async (chunk, token) =>
            {
                BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)chunk.Length);
                await output.WriteAsync(frame, token).ConfigureAwait(false);
                await output.WriteAsync(chunk, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            BinaryPrimitives.WriteUInt32LittleEndian(frame, 0);
            await output.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            if (_peer is not null)
                _peer.State = "online";
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

        var buffer = new byte[64 * 1024];
        var replication = _executor.Replication;
        // The request for acknowledgements this stream has answered (the one current when it began).
        var answered = replication.AckRequested;
        while (!cancellationToken.IsCancellationRequested)
        {
            // A request after this is taken cancels it, and the wait below wakes for it.
            var ackRequested = replication.AckRequested;
            var read = _reader.TryRead(buffer);
            switch (read.Status)
            {
                case EffectReadStatus.Data:
                    await output.WriteAsync(buffer.AsMemory(0, read.Count), cancellationToken).ConfigureAwait(false);
                    continue;
                case EffectReadStatus.NeedsFullSync:
                    EndReason = "the replica fell out of the backlog";
                    return;
                case EffectReadStatus.Closed:
                    EndReason = "the engine stopped";
                    return;
            }
            // Everything committed is sent: a caller waiting for acknowledgements gets them after it.
            if (ackRequested != answered)
            {
                answered = ackRequested;
                await output.WriteAsync(ReplicationWire.GetAck, cancellationToken).ConfigureAwait(false);
            }
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (stopping.IsCancellationRequested)
            {
                EndReason = "the service is stopping, and the replica has everything committed";
                return;
            }
            using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping, ackRequested);
            heartbeat.CancelAfter(ReplicationWire.HeartbeatPeriod);
            try
            {
                read = await _reader.ReadAsync(buffer, heartbeat.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Stopping: round again, to send what was committed meanwhile and end. Asked for an
                // acknowledgement: round again to send the GETACK.
                if (!stopping.IsCancellationRequested && !ackRequested.IsCancellationRequested)
                    await output.WriteAsync(ReplicationWire.Heartbeat, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (read.Status != EffectReadStatus.Data)
            {
                EndReason = read.Status == EffectReadStatus.Closed ? "the engine stopped" : "the replica fell out of the backlog";
                return;
            }
            await output.WriteAsync(buffer.AsMemory(0, read.Count), cancellationToken).ConfigureAwait(false);
        }
        EndReason = "the connection closed";
    }

    /// <summary>The committed offset of the primary now (for lag).</summary>
    public long PrimaryOffset => _executor.CommittedOffset;

    /// <summary>Detaches the reader; a snapshot still streaming is dropped.</summary>
    public void Dispose()
    {
        _snapshot?.Discard();
        _reader.Dispose();
    }
}

/// <summary>
/// The bytes of <c>GET /replication/stream</c>: one ASCII header line (<c>FULLRESYNC replid offset\n</c>
/// or <c>CONTINUE replid offset\n</c>); for a full sync, the snapshot (a whole snapshot file, checksum
/// trailer included) in frames of a u32 little-endian length and that many bytes, ended by a frame of
/// length 0; then the effect stream's records from the offset on, exactly as the log holds them
/// (<see cref="Persistence.Aof.AofFormat"/>: length, CRC-32C, body with the record's offset). Eight zero
/// bytes — a record of length 0, which no real record is — are a heartbeat, sent after a second without records;
/// a record of length 0 and checksum 1 is a GETACK: acknowledge once everything before it is applied.
/// </summary>
public static class ReplicationWire
{
    /// <summary>How long the stream may be quiet before a heartbeat.</summary>
    public static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(1);

    /// <summary>A heartbeat: a record header of length 0 and checksum 0.</summary>
    public static ReadOnlyMemory<byte> Heartbeat { get; } = new byte[8];

    /// <summary>The checksum field of a <see cref="GetAck"/> (its length is 0).</summary>
    public const uint GetAckMark = 1;

    /// <summary>Redis's <c>REPLCONF GETACK</c>: a record header of length 0 and checksum <see cref="GetAckMark"/>.</summary>
    public static ReadOnlyMemory<byte> GetAck { get; } = new byte[] { 0, 0, 0, 0, (byte)GetAckMark, 0, 0, 0 };

    /// <summary>The longest header line.</summary>
    public const int MaxHeaderLength = 128;

    /// <summary>Parses a header line; false when it is not one.</summary>
    public static bool TryParseHeader(string line, out bool full, out string replid, out long offset)
    {
        full = false;
        replid = "";
        offset = 0;
        var parts = (line ?? "").Split(' ');
        if (parts.Length != 3 || parts[0] is not ("FULLRESYNC" or "CONTINUE") || !ReplicationIds.IsWellFormed(parts[1])
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            return false;
        full = parts[0] == "FULLRESYNC";
        replid = parts[1];
        return true;
    }
}
