using System.Buffers;
using Lodestone.Engine.Effects;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Persistence.Aof;

/// <summary>
/// Appends the engine's effects to a log segment: the AOF half of persistence.
/// </summary>
/// <remarks>
/// Design note. <see cref="Commit(EffectBatch, bool)"/> runs on the engine thread once per batch, before any reply of the
/// batch completes. It copies the batch's records — already encoded as effect-stream bytes, which
/// the segment holds unchanged after its header — into a pending buffer, writes the buffer with
/// one write, and under <see cref="AppendFsync.Always"/> fsyncs — one fsync for the whole batch (group
/// commit). Under <see cref="AppendFsync.EverySec"/> a timer fsyncs once a second off the engine
/// thread (a positional write and an fsync on the same file may overlap; the OS orders them). A batch
/// the engine asks to sync (one holding a lock grant) is fsynced before Commit returns, under every
/// policy, and treated as under Always if that fails.
///
/// Failure: the pending buffer is kept until it is written, so nothing handed to the writer is dropped
/// unless the engine says so. Under Always (or for a batch asked to sync) Commit throws: the engine
/// then refuses the batch — its callers get the error — and calls <see cref="Discard"/>, which forgets
/// the batch's records (cutting them off the file if they reached it and only the fsync failed) and
/// gives their offsets to the next records, so a refused write is never written later. Under
/// EverySec and No a failed write does not throw: the batch is acknowledged, as Redis does, and its
/// records are written first when the disk takes them. Under every policy <see cref="Failure"/> is set,
/// the executor refuses further writes (reads go on), and <see cref="TryRecover"/> — called on the
/// engine's tick — retries; when the disk accepts the bytes again, writes resume by themselves.
///
/// On-disk invariant: nothing is written after bytes that are not whole, wanted records. A failed
/// write may leave part of a batch in the file (beyond <see cref="Length"/>), and a discarded batch
/// may be whole in it; before anything more is written the file is cut back to <see cref="Length"/>
/// and that cut is fsynced, so a record the engine refused cannot reappear after a crash.
/// </remarks>
public sealed class AofWriter : IEffectSink, IDisposable
{
    private readonly IFileSystem _fileSystem;
    private readonly IAppendFile _file;
    private readonly string _path;
    private readonly AppendFsync _fsync;
    private readonly ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private readonly ITimer? _syncTimer;
    private long _goodLength;
    private long _nextOffset;
    private bool _needsSync;
    private bool _mustCut;
    private long _probeBytes;
    private long _lastStart;
    private long _lastOffset;
    private int _lastCount;
    private int _unsynced;
    private volatile EngineError? _failure;
    private Exception? _lastException;
    private int _disposed;
    private readonly AofCounters _counters;

    private AofWriter(IFileSystem fileSystem, IAppendFile file, string path, long nextOffset, AppendFsync fsync, TimeProvider time, AofCounters counters)
    {
        _counters = counters;
        _fileSystem = fileSystem;
        _file = file;
        _path = path;
        _fsync = fsync;
        _nextOffset = nextOffset;
        _goodLength = file.Length;
        if (fsync == AppendFsync.EverySec)
            _syncTimer = time.CreateTimer(_ => SyncInBackground(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Opens <paramref name="path"/> for appending records from <paramref name="nextOffset"/>; a new (empty)
    /// file gets its header first. The file must hold exactly the records before that offset, in this
    /// build's format: records are never appended to a segment of an older one.
    /// </summary>
    /// <exception cref="PersistenceException">The file is a segment of another format.</exception>
    /// <param name="syncHeader">Fsync a new header at once. Without it (a segment switched to on the engine
    /// thread), the header becomes durable with the first records; a crash before leaves a torn header,
    /// which recovery cuts like any torn tail.</param>
    /// <param name="counters">Where to count records and fsyncs: the log's, shared by its segments; a set of its own when null.</param>
    public static AofWriter Open(IFileSystem fileSystem, string path, long nextOffset, AppendFsync fsync, TimeProvider time, bool syncHeader = true, AofCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentNullException.ThrowIfNull(time);
        if (fileSystem.Exists(path) && fileSystem.Length(path) >= AofFormat.HeaderSize)
        {
            Span<byte> existing = stackalloc byte[AofFormat.HeaderSize];
            using (var read = fileSystem.OpenRead(path))
                read.ReadExactly(existing);
            if (AofFormat.TryReadHeader(existing, out _, out var format) && format != AofFormat.Version)
                throw new PersistenceException($"{path} is a log segment of format {format}: records of format {AofFormat.Version} are never appended to it.");
        }
        var file = fileSystem.OpenAppend(path);
        var writer = new AofWriter(fileSystem, file, path, nextOffset, fsync, time, counters ?? new AofCounters());
        if (file.Length == 0)
        {
            var header = new ArrayBufferWriter<byte>(AofFormat.HeaderSize);
            AofFormat.WriteHeader(header, nextOffset);
            file.Write(header.WrittenSpan);
            writer._goodLength = file.Length;
            if (syncHeader)
                file.Sync();
            else
                writer._needsSync = true;
        }
        return writer;
    }

    /// <summary>The segment file this writer appends to.</summary>
    public string Path => _path;

    /// <summary>The offset the next record will get: this segment's start offset plus its record bytes, pending ones included.</summary>
    public long NextOffset => _nextOffset;

    /// <summary>Bytes of the segment known to be whole.</summary>
    public long Length => _goodLength;

    /// <summary>Records and fsyncs, counted with those of the writers it shares them with.</summary>
    public AofCounters Counters => _counters;

    /// <inheritdoc/>
    public EngineError? Failure => _failure;

    /// <summary>Encodes <paramref name="effects"/> at <see cref="NextOffset"/> and commits them (tools and tests).</summary>
    public void Commit(IReadOnlyList<Effect> effects, bool sync) => Commit(EffectBatch.Encode(effects, _nextOffset), sync);

    /// <inheritdoc/>
    public void Commit(EffectBatch batch, bool sync)
    {
        if (batch.StartOffset != _nextOffset)
            throw new InvalidOperationException($"A batch at offset {batch.StartOffset} was handed to a log segment that is at {_nextOffset}.");
        (_lastStart, _lastOffset, _lastCount) = (_goodLength + _pending.WrittenCount, _nextOffset, batch.Effects.Count);
        _pending.Write(batch.Bytes.Span);
        _nextOffset = batch.EndOffset;
        _counters.AddRecords(batch.Effects.Count);
        // The disk's own exception: the engine words the error (MISCONF …) from it.
        if (!TryFlush(sync, out _) && (sync || _fsync == AppendFsync.Always))
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_lastException!);
    }

    /// <inheritdoc/>
    public bool TryRecover() => _failure is null || TryFlush(sync: false, out _);

    /// <summary>
    /// Forgets the records of the last <see cref="Commit(EffectBatch, bool)"/> (which threw): they are never written, and
    /// the next records take their offsets. Records from before them are kept. Engine thread, before
    /// the next Commit.
    /// </summary>
    public bool Discard()
    {
        var refusedBytes = _goodLength + _pending.WrittenCount - _lastStart;
        var keepPending = _lastStart - _goodLength;
        if (keepPending >= 0)
        {
            // The write failed: the batch is still pending, after whatever was pending before it.
            if (keepPending < _pending.WrittenCount)
            {
                var keep = _pending.WrittenSpan[..(int)keepPending].ToArray();
                _pending.ResetWrittenCount();
                _pending.Write(keep);
            }
        }
        else
        {
            // Written but not fsynced: cut it off the file (now if the disk lets us, else before the next write).
            _pending.ResetWrittenCount();
            _goodLength = _lastStart;
            _mustCut = true;
            TryCut();
        }
        _nextOffset = _lastOffset;
        _counters.AddRecords(-_lastCount);
        _lastCount = 0;
        // With nothing left to write, a retry would succeed on a disk that is still full: recovering
        // first proves the disk takes at least what was refused.
        _probeBytes = Math.Max(MinProbeBytes, Math.Max(_probeBytes, refusedBytes));
        return true;
    }

    private const int MinProbeBytes = 64 * 1024;

    /// <summary>
    /// Writes and fsyncs <see cref="_probeBytes"/> to a scratch file beside the segment, then deletes it:
    /// the evidence that the disk takes bytes again once nothing of the log is left to retry.
    /// </summary>
    private void Probe()
    {
        var probe = _path + ".probe";
        try
        {
            using var file = _fileSystem.OpenAppend(probe);
            file.Truncate(0);
            var zeros = new byte[(int)Math.Min(_probeBytes, MinProbeBytes)];
            for (var left = _probeBytes; left > 0; left -= zeros.Length)
                file.Write(zeros.AsSpan(0, (int)Math.Min(zeros.Length, left)));
            file.Sync();
        }
        finally
        {
            if (_fileSystem.Exists(probe))
                _fileSystem.Delete(probe);
        }
        _probeBytes = 0;
    }

    /// <summary>The records handed over but not yet written (in order), for a reload that must include them.</summary>
    public void ReadPending(Action<long, Effect> onRecord)
    {
        ArgumentNullException.ThrowIfNull(onRecord);
        var bytes = _pending.WrittenSpan;
        while (bytes.Length > 0)
        {
            var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes);
            if (!AofFormat.TryReadBody(bytes.Slice(AofFormat.RecordHeaderSize, length), AofFormat.Version, out var offset, out var record))
                throw new InvalidOperationException("A pending record does not decode: the writer's buffer is damaged.");
            onRecord(offset, record);
            bytes = bytes[(AofFormat.RecordHeaderSize + length)..];
        }
    }

    /// <summary>Flushes and closes the segment.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _syncTimer?.Dispose();
        if (TryFlush(sync: false, out _) && _fsync != AppendFsync.Always)
        {
            try
            {
                _file.Sync();
            }
            catch (IOException)
            {
                // Shutting down: the failure was already reported to writers; nothing more to tell.
            }
        }
        _file.Dispose();
    }

    /// <summary>
    /// Writes everything pending, and fsyncs under Always or when <paramref name="sync"/> asks (whatever the
    /// policy); false, with the failure recorded, if the disk refused.
    /// </summary>
    private bool TryFlush(bool sync, out EngineError? error)
    {
        try
        {
            if (_mustCut)
                Cut();
            if (_probeBytes > 0)
                Probe();
            if (_pending.WrittenCount > 0)
            {
                // Until the write returns, the file may hold any part of it (its length says nothing of that).
                _mustCut = true;
                _file.Write(_pending.WrittenSpan);
                _mustCut = false;
                _goodLength += _pending.WrittenCount;
                _pending.ResetWrittenCount();
                _needsSync = true;
            }
            if (_needsSync && (sync || _fsync == AppendFsync.Always))
            {
                _file.Sync();
                _counters.Fsynced();
                _needsSync = false;
            }
            else if (_needsSync && _fsync == AppendFsync.EverySec)
            {
                Volatile.Write(ref _unsynced, 1);
                _needsSync = false;
            }
            _failure = null;
            error = null;
            return true;
        }
        catch (IOException exception)
        {
            // A write that failed half-way may have left part of a batch: nothing more is written until it is cut off.
            if (_mustCut)
                TryCut();
            _lastException = exception;
            _failure = error = Errors.PersistenceFailed(exception);
            return false;
        }
    }

    /// <summary>Cuts the file back to its whole records and fsyncs the cut.</summary>
    private void Cut()
    {
        _file.Truncate(_goodLength);
        _file.Sync();
        _mustCut = false;
        _needsSync = false;
    }

    private void TryCut()
    {
        try
        {
            Cut();
        }
        catch (IOException)
        {
            // Still owed: TryFlush cuts first, before anything else is written.
        }
    }

    private void SyncInBackground()
    {
        if (Interlocked.Exchange(ref _unsynced, 0) == 0)
            return;
        try
        {
            _file.Sync();
            _counters.Fsynced();
        }
        catch (IOException exception)
        {
            _lastException = exception;
            _failure = Errors.PersistenceFailed(exception);
            // Try again on the next second; TryRecover on the engine tick clears the failure once writes work.
            Volatile.Write(ref _unsynced, 1);
        }
    }
}
