using System.Buffers;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Persistence.Aof;

/// <summary>
/// Appends the engine's effects to a log segment: the AOF half of persistence.
/// </summary>
/// <remarks>
/// Design note. <see cref="Commit"/> runs on the engine thread once per batch, before any reply of the
/// batch completes. It encodes the batch's records into a pending buffer, writes the buffer with
/// one write, and under <see cref="AppendFsync.Always"/> fsyncs — one fsync for the whole batch (group
/// commit). Under <see cref="AppendFsync.EverySec"/> a timer fsyncs once a second off the engine
/// thread (a positional write and an fsync on the same file may overlap; the OS orders them). A batch
/// the engine asks to sync (one holding a lock grant) is fsynced before Commit returns, under every
/// policy, and treated as under Always if that fails.
///
/// Failure: the pending buffer is kept until it is written, so nothing handed to the writer is ever
/// dropped; a partly written batch is cut back to the last whole record. Under Always, Commit throws
/// — the executor then fails every caller whose command wrote in that batch, so no success reply
/// is given for data that is not durable. Under every policy <see cref="Failure"/> is set, the executor
/// refuses further writes (reads go on), and <see cref="TryRecover"/> — called on the engine's tick —
/// retries; when the disk accepts the bytes again, writes resume by themselves.
/// </remarks>
public sealed class AofWriter : IEffectSink, IDisposable
{
    private readonly IAppendFile _file;
    private readonly AppendFsync _fsync;
    private readonly ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private readonly ITimer? _syncTimer;
    private long _goodLength;
    private long _nextOffset;
    private bool _needsSync;
    private int _unsynced;
    private volatile EngineError? _failure;
    private Exception? _lastException;
    private int _disposed;
    private long _records;
    private long _fsyncs;

    private AofWriter(IAppendFile file, long nextOffset, AppendFsync fsync, TimeProvider time)
    {
        _file = file;
        _fsync = fsync;
        _nextOffset = nextOffset;
        _goodLength = file.Length;
        if (fsync == AppendFsync.EverySec)
            _syncTimer = time.CreateTimer(_ => SyncInBackground(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Opens <paramref name="path"/> for appending records from <paramref name="nextOffset"/>; a new (empty)
    /// file gets its header first. The file must hold exactly the records before that offset.
    /// </summary>
    /// <param name="syncHeader">Fsync a new header at once. Without it (a segment switched to on the engine
    /// thread), the header becomes durable with the first records; a crash before leaves a torn header,
    /// which recovery cuts like any torn tail.</param>
    public static AofWriter Open(IFileSystem fileSystem, string path, long nextOffset, AppendFsync fsync, TimeProvider time, bool syncHeader = true)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentNullException.ThrowIfNull(time);
        var file = fileSystem.OpenAppend(path);
        var writer = new AofWriter(file, nextOffset, fsync, time);
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

    /// <summary>The offset the next record will get.</summary>
    public long NextOffset => _nextOffset;

    /// <summary>Bytes of the segment known to be whole.</summary>
    public long Length => _goodLength;

    /// <summary>Records handed to this writer since it opened.</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>fsyncs done since it opened (under Always, one per batch that wrote: records ÷ fsyncs is the group-commit factor).</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    public EngineError? Failure => _failure;

    public void Commit(IReadOnlyList<byte[][]> effects, bool sync)
    {
        ArgumentNullException.ThrowIfNull(effects);
        foreach (var argv in effects)
            AofFormat.WriteRecord(_pending, _nextOffset++, argv);
        Interlocked.Add(ref _records, effects.Count);
        if (!TryFlush(sync, out var error) && (sync || _fsync == AppendFsync.Always))
            throw new IOException(error!.Message, _lastException);
    }

    public bool TryRecover() => _failure is null || TryFlush(sync: false, out _);

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
            if (_pending.WrittenCount > 0)
            {
                _file.Write(_pending.WrittenSpan);
                _goodLength += _pending.WrittenCount;
                _pending.ResetWrittenCount();
                _needsSync = true;
            }
            if (_needsSync && (sync || _fsync == AppendFsync.Always))
            {
                _file.Sync();
                Interlocked.Increment(ref _fsyncs);
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
            CutBackPartialWrite();
            _lastException = exception;
            _failure = error = Errors.PersistenceFailed(exception);
            return false;
        }
    }

    /// <summary>A write that failed half-way may have left part of a record: remove it so the next write starts at a record boundary.</summary>
    private void CutBackPartialWrite()
    {
        if (_file.Length == _goodLength)
            return;
        try
        {
            _file.Truncate(_goodLength);
        }
        catch (IOException)
        {
            // The next successful write goes at _goodLength anyway (positional), covering the fragment;
            // if the process dies first, recovery cuts the torn tail.
        }
    }

    private void SyncInBackground()
    {
        if (Interlocked.Exchange(ref _unsynced, 0) == 0)
            return;
        try
        {
            _file.Sync();
            Interlocked.Increment(ref _fsyncs);
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
