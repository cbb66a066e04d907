using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Persistence;
using Lodestone.Engine.Persistence.Aof;
using Lodestone.Engine.Persistence.Snapshots;
using Lodestone.Engine.Types;
using Microsoft.Extensions.Logging;

namespace Lodestone.Engine.Replication;

/// <summary>
/// A replica's side of one stream from its primary (<see cref="ReplicationWire"/>): a full sync is
/// received, loaded aside and swapped in whole; then every record is checked (its CRC-32C, its
/// offset following the last) and applied in order.
/// </summary>
/// <remarks>
/// Design note. Reads go on from the old data while a full sync is received and decoded (Redis's
/// <c>replica-serve-stale-data yes</c>): the snapshot is written to a file (the data directory's,
/// when the replica has a log — it becomes the replica's own snapshot — else a scratch one) and, as
/// it arrives, decoded into a new keyspace on a thread of its own; once it is whole and its checksum
/// is right, that keyspace is swapped in on the engine thread in one O(1) step
/// (<see cref="ReplicaWork.Install"/>). Differs from Redis (which loads in place, answering LOADING
/// or stale data meanwhile): the old and new data are both in memory until the swap.
/// A record is applied only once it is whole and its checksum and offset are right; a bad one ends
/// the stream with <see cref="ReplicationStreamException"/> after everything before it was applied,
/// so the replica reconnects from exactly there. Records are applied in engine steps of up to 1024,
/// and a step never ends inside a transaction: the records from a MULTI are held until its EXEC
/// arrives (up to <see cref="MaxHeldTransactionBytes"/>), so no reader on the replica sees half of a
/// script's or a MULTI's effects; a stream that ends inside one leaves it unapplied, and the replica
/// asks again from its MULTI. Nothing the primary sends is trusted to size an
/// allocation beyond <see cref="MaxRecordBytes"/>.
/// </remarks>
public sealed class ReplicaLink(Executor executor, AppendOnlyLog? log, string scratchDirectory)
{
    /// <summary>The largest record body believed (a corrupt length is refused before any allocation).</summary>
    public const int MaxRecordBytes = 1 << 30;

    /// <summary>How long the stream may stay silent (heartbeats come every second) before the link is dropped.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The most bytes of one transaction (a script's or MULTI's effects, between MULTI and EXEC records)
    /// held back until its EXEC; a larger one is applied in parts, as the stream delivers it.
    /// </summary>
    public const long MaxHeldTransactionBytes = 512L << 20;

    private const int ApplyBatch = 1024;

    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>Follows the stream on <paramref name="input"/> until it ends (returns) or is refused (throws).</summary>
    /// <exception cref="ReplicationStreamException">A bad header, record or snapshot, or a record that does not apply: reconnect.</exception>
    public async Task RunAsync(Stream input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var state = executor.Replication;
        // A replica keeps a backlog of its own, as Redis's do: promoted, it can then serve the other
        // replicas a partial resync even when they are behind it.
        Effects.EffectReader? marker = null;
        if (!executor.Effects.BacklogActive)
            executor.Effects.TryOpenReader(executor.CommittedOffset, out marker);
        marker?.Dispose();
        var line = await ReadLineAsync(input, cancellationToken).ConfigureAwait(false);
        if (!ReplicationWire.TryParseHeader(line, out var full, out var replid, out var offset))
            throw new ReplicationStreamException($"The primary's stream does not start with a sync header: '{line}'.");
        if (full)
        {
            state.Link = ReplicaLinkState.Sync;
            state.SyncInProgress = true;
            try
            {
                await ReceiveFullSyncAsync(input, replid, offset, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                state.SyncInProgress = false;
            }
        }
        else
        {
            if (offset != executor.CommittedOffset)
                throw new ReplicationStreamException($"The primary continues at offset {offset}, but this replica is at {executor.CommittedOffset}.");
            if (!string.Equals(state.Ids.Id, replid, StringComparison.OrdinalIgnoreCase))
                state.ContinueAs(replid, offset);
        }
        state.Link = ReplicaLinkState.Connected;
        await FollowAsync(input, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReceiveFullSyncAsync(Stream input, string replid, long offset, CancellationToken cancellationToken)
    {
        var path = log is null
            ? Path.Combine(scratchDirectory, $"lodestone-sync-{Guid.NewGuid():N}.snap")
            : Path.Combine(log.Directory, "replica-sync.snap.tmp");
        // Decoded while it arrives, into a keyspace of its own off the engine thread; the file is kept
        // for the log (it becomes this replica's snapshot). The pipe's bounds hold the network back
        // when decoding is the slower of the two.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, useSynchronizationContext: false));
        var loading = LoadAside(pipe.Reader, executor.Settings.MaxMemoryPolicy.IsLfu());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var received = 0L;
        Exception? failed = null;
        try
        {
            // Written synchronously, a megabyte at a time: a write into the page cache is quicker than the
            // thread-pool round trip an asynchronous one costs for every 64 KiB, and this thread's core
            // also decodes the snapshot.
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: false))
            {
                while (true)
                {
                    await EnsureAsync(input, 4, cancellationToken).ConfigureAwait(false);
                    var length = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
                    _start += 4;
                    if (length == 0)
                        break;
                    if (length > MaxRecordBytes)
                        throw new ReplicationStreamException($"A snapshot frame of {length} bytes is not believed.");
                    var left = (int)length;
                    while (left > 0)
                    {
                        if (_end == _start)
                            await EnsureAsync(input, 1, cancellationToken).ConfigureAwait(false);
                        var take = Math.Min(left, _end - _start);
                        var chunk = _buffer.AsMemory(_start, take);
                        file.Write(chunk.Span);
                        // The decoder stopped early: the snapshot is bad, and the decoder says why.
                        if ((await pipe.Writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false)).IsCompleted)
                        {
                            await DecodedAsync(loading).ConfigureAwait(false);
                            throw new ReplicationStreamException("The primary's snapshot goes on past its end.");
                        }
                        _start += take;
                        left -= take;
                        received += take;
                    }
                }
                file.Flush(flushToDisk: true);
            }
        }
        catch (Exception failure)
        {
            failed = failure;
            throw;
        }
        finally
        {
            await pipe.Writer.CompleteAsync(failed).ConfigureAwait(false);
            if (failed is not null)
            {
                // The decoder ends with the pipe; what it says no longer matters.
                try
                {
                    await loading.ConfigureAwait(false);
                }
                catch (Exception ended) when (ended is InvalidDataException or EndOfStreamException or IOException or OperationCanceledException)
                {
                }
                if (File.Exists(path))
                    File.Delete(path);
            }
        }

        try
        {
            // Checked whole (entries, count, checksum) before anything is swapped in.
            var (info, loaded) = await DecodedAsync(loading).ConfigureAwait(false);
            var decodedMs = clock.ElapsedMilliseconds;
            if (info.Offset != offset)
                throw new ReplicationStreamException($"The primary's snapshot was taken at offset {info.Offset}, but its header says {offset}.");

            var ids = new ReplicationIds(replid, ReplicationIds.None, -1);
            var rebased = false;
            var deadline = DateTime.UtcNow + ReplicationSource.SnapshotWait;
            while (true)
            {
                var install = new ReplicaWork.Install(loaded.Keyspace, loaded.Streams, info.Libraries, info.LastVersion, offset, log is null ? null : () =>
                {
                    log.Rebase(path, offset, ids);
                    rebased = true;
                });
                executor.Submit(install);
                if (await install.Task.ConfigureAwait(false) is not { } refused)
                    break;
                if (DateTime.UtcNow > deadline)
                    throw new ReplicationStreamException($"The full sync could not be installed: {refused}.");
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            if (rebased)
                path = "";
            executor.Replication.Adopt(replid);
            executor.Logger.LogInformation(
                "Full sync: {Keys} keys ({Bytes} bytes) received and decoded in {DecodedMs} ms, swapped in after {TotalMs} ms; meanwhile {Gen0}/{Gen1}/{Gen2} collections of generations 0/1/2 paused the process for {PausedMs} ms",
                info.Count, received, decodedMs, clock.ElapsedMilliseconds, GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1,
                GC.CollectionCount(2) - gen2, (long)(GC.GetTotalPauseDuration() - paused).TotalMilliseconds);
        }
        finally
        {
            if (path.Length > 0 && File.Exists(path))
                File.Delete(path);
        }
    }

    /// <summary>The decoded snapshot, or the stream failure that says why it is not one.</summary>
    private static async Task<(SnapshotInfo Info, Loaded Loaded)> DecodedAsync(Task<(SnapshotInfo, Loaded)> loading)
    {
        try
        {
            return await loading.ConfigureAwait(false);
        }
        catch (Exception invalid) when (invalid is InvalidDataException or EndOfStreamException)
        {
            throw new ReplicationStreamException($"The primary's snapshot cannot be loaded: {invalid.Message}", invalid);
        }
    }

    /// <summary>A full sync's data, decoded aside: its keyspace and the streams in it (whose waiters wake once it is swapped in).</summary>
    private sealed record Loaded(Keyspace.Keyspace Keyspace, List<byte[]> Streams);

    /// <summary>Decodes a snapshot from <paramref name="reader"/> into a new keyspace, on a thread of its own (the decoder reads synchronously).</summary>
    private static Task<(SnapshotInfo, Loaded)> LoadAside(PipeReader reader, bool lfu) => Task.Factory.StartNew(() =>
    {
        var loaded = new Loaded(new Keyspace.Keyspace(new Random(), firstVersion: 0), []);
        // Loaded keys are not accesses at any real time: nothing expires while loading.
        var access = KeyAccess.At(0, lfu);
        try
        {
            using var input = reader.AsStream();
            var info = SnapshotFile.Read(input, entry =>
            {
                loaded.Keyspace.AddBulkLoaded(entry.Type, entry.Key, entry.ExpireAtMs, entry.Version, entry.Value, access);
                if (entry.Type == RedisType.Stream)
                    loaded.Streams.Add(entry.Key);
            });
            if (loaded.Keyspace.LinkBulkLoaded() is { } twice)
                throw new InvalidDataException($"The key '{Encoding.UTF8.GetString(twice)}' appears twice.");
            // Every entry's size counted here, not by the engine thread's first memory question after the swap.
            _ = loaded.Keyspace.UsedBytes;
            return (info, loaded);
        }
        finally
        {
            reader.Complete();
        }
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private async Task FollowAsync(Stream input, CancellationToken cancellationToken)
    {
        // Records read and not yet applied. The first `whole` of them may be applied: none is inside a
        // transaction whose EXEC has not arrived (`open`: where its MULTI is in `pending`, or -1).
        var pending = new List<Effect>(ApplyBatch);
        var whole = 0;
        var open = -1;
        long held = 0;
        var expected = executor.CommittedOffset;
        while (true)
        {
            string? corrupt = null;
            var needed = 8;
            while (whole < ApplyBatch && _end - _start >= 8)
            {
                var header = _buffer.AsSpan(_start, 8);
                var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
                var crc = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
                if (length == 0 && crc is 0 or ReplicationWire.GetAckMark)
                {
                    // A heartbeat, or a GETACK: acknowledge once the records read so far are applied.
                    if (crc == ReplicationWire.GetAckMark)
                        executor.Replication.WantAck(expected);
                    _start += 8;
                    continue;
                }
                if (length is < 9 or > MaxRecordBytes)
                {
                    corrupt = $"a record at offset {expected} claims {length} bytes";
                    break;
                }
                if (_end - _start < 8 + (int)length)
                {
                    needed = 8 + (int)length;
                    break;
                }
                var body = _buffer.AsSpan(_start + 8, (int)length);
                if (AofFormat.Checksum(body) != crc)
                {
                    corrupt = $"the record at offset {expected} fails its checksum";
                    break;
                }
                if (!AofFormat.TryReadBody(body, AofFormat.Version, out var at, out var record) || at != expected)
                {
                    corrupt = $"the record at offset {expected} does not decode or names offset {at}";
                    break;
                }
                _start += 8 + (int)length;
                expected += 8 + length;
                pending.Add(record);
                if (Commands.Effects.IsTransactionMarker(record))
                {
                    var opens = record.Args[0].Length == Commands.Effects.Multi.Length;
                    open = opens ? pending.Count - 1 : -1;
                    held = 0;
                }
                if (open < 0)
                {
                    whole = pending.Count;
                }
                else if ((held += 8 + length) > MaxHeldTransactionBytes)
                {
                    // Past any sane size: applied in parts rather than held without bound.
                    whole = pending.Count;
                    held = 0;
                }
            }
            if (whole > 0)
            {
                var apply = new ReplicaWork.Apply(pending.GetRange(0, whole).ToArray());
                executor.Submit(apply);
                if (await apply.Task.ConfigureAwait(false) is { } failure)
                    throw new ReplicationStreamException($"The replica's data no longer follows the primary's: {failure}.") { Diverged = true };
                pending.RemoveRange(0, whole);
                open = open < 0 ? -1 : Math.Max(0, open - whole);
                whole = 0;
                continue;
            }
            if (corrupt is not null)
                throw new ReplicationStreamException($"The primary's stream is corrupt: {corrupt}; nothing from it on was applied.");
            if (!await TryEnsureAsync(input, needed, cancellationToken).ConfigureAwait(false))
                return;
        }
    }

    private async Task<string> ReadLineAsync(Stream input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, newline - _start);
                _start = newline + 1;
                return line;
            }
            if (_end - _start > ReplicationWire.MaxHeaderLength)
                throw new ReplicationStreamException("The primary's stream header is too long.");
            await EnsureAsync(input, _end - _start + 1, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task EnsureAsync(Stream input, int count, CancellationToken cancellationToken)
    {
        if (!await TryEnsureAsync(input, count, cancellationToken).ConfigureAwait(false))
            throw new ReplicationStreamException("The primary's stream ended in the middle of the sync.");
    }

    /// <summary>Reads until <paramref name="count"/> bytes are buffered; false when the stream ends first.</summary>
    private async Task<bool> TryEnsureAsync(Stream input, int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
            return true;
        if (_buffer.Length < count)
        {
            var larger = new byte[Math.Max(count, _buffer.Length * 2)];
            _buffer.AsSpan(_start, _end - _start).CopyTo(larger);
            (_buffer, _end, _start) = (larger, _end - _start, 0);
        }
        else if (_buffer.Length - _start < count)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            (_end, _start) = (_end - _start, 0);
        }
        while (_end - _start < count)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ReadTimeout);
            int read;
            try
            {
                read = await input.ReadAsync(_buffer.AsMemory(_end), timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ReplicationStreamException($"The primary sent nothing for {ReadTimeout.TotalSeconds:F0} s.");
            }
            if (read == 0)
                return false;
            _end += read;
            executor.Replication.HeardFromPrimary(executor.Time.GetUtcNow().ToUnixTimeMilliseconds());
        }
        return true;
    }
}

/// <summary>The primary's stream cannot be followed (corrupt, cut, or not matching this replica): reconnect and resync.</summary>
public sealed class ReplicationStreamException : Exception
{
    /// <summary>The replica's data no longer matches the primary's history: only a full sync can mend it.</summary>
    public bool Diverged { get; init; }

    /// <summary>A stream failure without a message.</summary>
    public ReplicationStreamException()
    {
    }

    /// <summary>A stream failure; the message says what was wrong and where.</summary>
    public ReplicationStreamException(string message)
        : base(message)
    {
    }

    /// <summary>A stream failure caused by <paramref name="inner"/>.</summary>
    public ReplicationStreamException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
