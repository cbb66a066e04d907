using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>
/// The whole path — executor, log, disk — with a disk that fails on command: no caller is told a write
/// succeeded unless it is durable, writes resume when the disk does, and a restart holds every
/// acknowledged write.
/// </summary>
public sealed class FaultInjectionTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lodestone-faults-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));
    private readonly FaultyDisk _disk = new();

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private (Executor Executor, AppendOnlyLog Log) Start(AppendFsync fsync = AppendFsync.Always)
    {
        var log = new AppendOnlyLog(_disk, new PersistenceOptions { DataDirectory = _directory, AppendFsync = fsync, Save = "" }, _clock);
        var executor = new Executor(new EngineOptions(), _clock, [log]);
        executor.BeginLoading();
        log.Recover(executor);
        return (executor, log);
    }

    private static Task<Reply> Run(Executor executor, params string[] args) => executor.ExecuteAsync(args.Select(Encoding.UTF8.GetBytes).ToArray());

    [Theory]
    [InlineData(Fault.FailWrite)]
    [InlineData(Fault.ShortWrite)]
    [InlineData(Fault.FailSync)]
    [InlineData(Fault.DiskFull)]
    public async Task A_failing_disk_never_gets_a_success_reply_and_writes_resume_when_it_recovers(Fault fault)
    {
        var (executor, log) = Start();
        var acknowledged = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ReplyAssert.Ok(await Run(executor, "SET", $"before{i}", "v"));
            acknowledged.Add($"before{i}");
        }

        _disk.Inject(fault);
        var failed = await Run(executor, "SET", "during", "v");
        Assert.True(failed.IsError, $"A write on a failing disk was acknowledged: {failed}");
        Assert.Equal(fault == Fault.DiskFull ? ErrorKind.DiskFull : ErrorKind.PersistenceFailed, failed.AsError().Kind);
        ReplyAssert.Error(await Run(executor, "SET", "refused", "v"), failed.AsError().Kind);
        ReplyAssert.Bulk(await Run(executor, "GET", "before0"), "v");

        _disk.Heal();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await Run(executor, "SET", "after", "v")).IsError)
        {
            Assert.True(DateTime.UtcNow < deadline, "Writes did not resume after the disk recovered.");
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }
        acknowledged.Add("after");
        executor.Dispose();
        log.Dispose();

        var (restarted, restartedLog) = Start();
        foreach (var key in acknowledged)
            ReplyAssert.Bulk(await Run(restarted, "GET", key), "v");
        ReplyAssert.Null(await Run(restarted, "GET", "refused"));
        restarted.Dispose();
        restartedLog.Dispose();
    }

    [Theory]
    [InlineData(Fault.FailWrite)]
    [InlineData(Fault.ShortWrite)]
    [InlineData(Fault.FailSync)]
    [InlineData(Fault.DiskFull)]
    public async Task A_refused_write_never_happens_not_in_memory_not_when_the_disk_recovers_not_after_a_restart(Fault fault)
    {
        var (executor, log) = Start();
        var reloads = 0;
        log.Reloaded += _ => reloads++;
        ReplyAssert.Integer(await Run(executor, "INCR", "counter"), 1);
        var version = await KeyspaceDigest.VersionAsync(executor, "counter");
        var offset = executor.CommittedOffset;

        _disk.Inject(fault);
        var refused = await Run(executor, "INCR", "counter");
        Assert.True(refused.IsError, $"An INCR on a failing disk was acknowledged: {refused}");
        ReplyAssert.Bulk(await Run(executor, "GET", "counter"), "1");
        // Undone by loading again: the key is back at the version its callers saw (its ETag).
        Assert.Equal(version, await KeyspaceDigest.VersionAsync(executor, "counter"));
        // Engine ticks retry the log meanwhile; the disk still fails, so later writes are refused before they run.
        _clock.Advance(TimeSpan.FromMilliseconds(300));
        ReplyAssert.Error(await Run(executor, "INCR", "counter"), refused.AsError().Kind);
        Assert.Equal(1, reloads);
        Assert.Equal(offset, executor.CommittedOffset);

        // The client retries once the disk is back: its INCR applies once.
        _disk.Heal();
        var retried = await RetryUntilAcceptedAsync(executor, "INCR", "counter");
        ReplyAssert.Integer(retried, 2);
        ReplyAssert.Bulk(await Run(executor, "GET", "counter"), "2");
        var written = await KeyspaceDigest.VersionAsync(executor, "counter");
        Assert.True(written > version);
        var committed = executor.CommittedOffset;
        Assert.True(committed > offset);
        executor.Dispose();
        log.Dispose();

        var (restarted, restartedLog) = Start();
        ReplyAssert.Bulk(await Run(restarted, "GET", "counter"), "2");
        Assert.Equal(written, await KeyspaceDigest.VersionAsync(restarted, "counter"));
        Assert.Equal(committed, restarted.CommittedOffset);
        restarted.Dispose();
        restartedLog.Dispose();
    }

    [Fact]
    public async Task A_refused_batch_fails_every_command_from_its_first_write_on_and_those_before_keep_their_answers()
    {
        var (executor, log) = Start();
        ReplyAssert.Ok(await Run(executor, "SET", "a", "1"));
        _disk.Inject(Fault.DiskFull);

        var results = await executor.ExecuteBatchAsync(
            [Request("GET", "a"), Request("INCR", "a"), Request("GET", "a"), Request("SET", "b", "2")]);

        ReplyAssert.Bulk(results[0].Reply, "1");
        ReplyAssert.Error(results[1].Reply, "MISCONF Errors writing to the AOF file: No space left on device");
        // The GET after the INCR saw a value that is undone: it cannot be answered either.
        Assert.All(results.Skip(1), result => ReplyAssert.Error(result.Reply, ErrorKind.DiskFull));
        ReplyAssert.BulkArray(await Run(executor, "MGET", "a", "b"), "1", null);
        executor.Dispose();
        log.Dispose();
    }

    [Fact]
    public async Task A_lock_grant_refused_for_a_full_disk_under_everysec_leaves_the_lock_free()
    {
        // A grant is fsynced before its reply under every policy, so it is refused — and must not be held.
        var (executor, log) = Start(AppendFsync.EverySec);
        _disk.Inject(Fault.DiskFull);

        ReplyAssert.Error(await Run(executor, "LOCK.ACQUIRE", "l", "10000", "OWNER", "a"), ErrorKind.DiskFull);

        _disk.Heal();
        var granted = await RetryUntilAcceptedAsync(executor, "LOCK.ACQUIRE", "l", "10000", "OWNER", "b");
        Assert.False(granted.IsError, $"The refused grant holds the lock: {granted}");
        executor.Dispose();
        log.Dispose();
    }

    [Fact]
    public async Task A_key_that_expires_while_the_disk_is_full_is_gone_for_readers_without_refusing_them_or_reloading()
    {
        var (executor, log) = Start();
        var reloads = 0;
        log.Reloaded += _ => reloads++;
        ReplyAssert.Ok(await Run(executor, "SET", "short", "v", "PX", "30"));
        _disk.Inject(Fault.DiskFull);

        // Before the first engine tick: the read itself finds the key expired, and its deletion cannot be logged.
        _clock.Advance(TimeSpan.FromMilliseconds(50));
        ReplyAssert.Null(await Run(executor, "GET", "short"));
        ReplyAssert.Null(await Run(executor, "GET", "short"));

        Assert.Equal(0, reloads);
        _disk.Heal();
        ReplyAssert.Ok(await RetryUntilAcceptedAsync(executor, "SET", "after", "v"));
        executor.Dispose();
        log.Dispose();
        var (restarted, restartedLog) = Start();
        ReplyAssert.BulkArray(await Run(restarted, "MGET", "short", "after"), null, "v");
        restarted.Dispose();
        restartedLog.Dispose();
    }

    [Fact]
    public async Task A_write_refused_while_a_snapshot_runs_leaves_the_snapshot_and_the_log_whole()
    {
        var (executor, log) = Start();
        // More than the 8 MB a snapshot lets wait for its writer: with the writer held, it is still running below.
        var value = new string('x', 1000);
        for (var batch = 0; batch < 10; batch++)
            ReplyAssert.Ok(await Run(executor, [.. Enumerable.Range(batch * 1000, 1000).SelectMany(i => new[] { $"k{i}", value }).Prepend("MSET")]));
        ReplyAssert.Integer(await Run(executor, "INCR", "counter"), 1);
        _disk.SnapshotWrites.Reset();
        var snapshot = log.Compactor.SnapshotAsync(executor);
        // The engine begins a requested snapshot at the top of a loop turn: the second command runs in a
        // turn that began after the first one's, so by then the snapshot has begun.
        await Run(executor, "PING");
        await Run(executor, "PING");

        var versions = (await KeyspaceDigest.VersionAsync(executor, "counter"), await KeyspaceDigest.VersionAsync(executor, "k9999"));
        _disk.Inject(Fault.DiskFull);
        ReplyAssert.Error(await Run(executor, "INCR", "counter"), ErrorKind.DiskFull);
        Assert.True(executor.IsSnapshotting, "The snapshot finished before the refused write: this test tested nothing.");
        ReplyAssert.Bulk(await Run(executor, "GET", "counter"), "1");
        Assert.Equal(versions, (await KeyspaceDigest.VersionAsync(executor, "counter"), await KeyspaceDigest.VersionAsync(executor, "k9999")));

        _disk.Heal();
        _disk.SnapshotWrites.Set();
        await snapshot;
        Assert.Null(log.Compactor.Status.LastError);
        ReplyAssert.Integer(await RetryUntilAcceptedAsync(executor, "INCR", "counter"), 2);
        ReplyAssert.Integer(await Run(executor, "DEL", "k0"), 1);
        var expected = await KeyspaceDigest.OfAsync(executor, withVersions: true);
        executor.Dispose();
        log.Dispose();

        var (restarted, restartedLog) = Start();
        Assert.Equal(expected, await KeyspaceDigest.OfAsync(restarted, withVersions: true));
        ReplyAssert.Bulk(await Run(restarted, "GET", "counter"), "2");
        restarted.Dispose();
        restartedLog.Dispose();
    }

    [Fact]
    public async Task When_the_data_cannot_be_loaded_again_after_a_refused_write_the_engine_serves_nothing_and_says_why()
    {
        var (executor, log) = Start();
        var failures = new List<Exception>();
        log.ReloadFailed += failures.Add;
        ReplyAssert.Ok(await Run(executor, "SET", "a", "1"));
        await log.Compactor.SnapshotAsync(executor);
        File.Delete(Directory.GetFiles(_directory, "*.snap").Single());

        _disk.Inject(Fault.DiskFull);
        ReplyAssert.Error(await Run(executor, "SET", "a", "2"), ErrorKind.DiskFull);

        // Neither the undone write nor the data before it can be vouched for: nothing is served.
        ReplyAssert.Error(await Run(executor, "GET", "a"), ErrorKind.Loading);
        Assert.Contains("is missing", Assert.Single(failures).Message, StringComparison.Ordinal);
        executor.Dispose();
        log.Dispose();
    }

    [Fact]
    public async Task A_snapshot_that_fails_for_a_full_disk_leaves_no_temp_file_behind()
    {
        var (executor, log) = Start();
        ReplyAssert.Ok(await Run(executor, "SET", "k", "v"));

        // The snapshot's own file cannot be written.
        _disk.InjectIntoSnapshots(Fault.DiskFull);
        await log.Compactor.SnapshotAsync(executor);
        Assert.Contains("No space left on device", log.Compactor.Status.LastError, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        _disk.Heal();

        // The manifest's temp file cannot be written: on Linux, /dev/full fails every write with ENOSPC.
        var manifest = File.ReadAllBytes(Path.Combine(_directory, "manifest.json"));
        if (File.Exists("/dev/full"))
        {
            File.CreateSymbolicLink(Path.Combine(_directory, "manifest.json.tmp"), "/dev/full");
            await log.Compactor.SnapshotAsync(executor);
            Assert.Contains("No space left on device", log.Compactor.Status.LastError, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        }
        Assert.Equal(manifest, File.ReadAllBytes(Path.Combine(_directory, "manifest.json")));
        ReplyAssert.Ok(await Run(executor, "SET", "k", "w"));
        executor.Dispose();
        log.Dispose();

        var (restarted, restartedLog) = Start();
        ReplyAssert.Bulk(await Run(restarted, "GET", "k"), "w");
        restarted.Dispose();
        restartedLog.Dispose();
    }

    private static CommandRequest Request(params string[] args) => new(args.Select(Encoding.UTF8.GetBytes).ToArray());

    /// <summary>Retries a write, letting the engine's tick retry the log, until the log takes it.</summary>
    private async Task<Reply> RetryUntilAcceptedAsync(Executor executor, params string[] args)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var reply = await Run(executor, args);
            if (!reply.IsError || reply.AsError().Kind is not (ErrorKind.DiskFull or ErrorKind.PersistenceFailed))
                return reply;
            Assert.True(DateTime.UtcNow < deadline, $"Writes did not resume after the disk recovered: {reply}");
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    public enum Fault
    {
        FailWrite,
        ShortWrite,
        FailSync,
        DiskFull,
    }

    /// <summary>The real file system, except that appends can be made to fail — snapshot files on their own — and snapshot writes held.</summary>
    private sealed class FaultyDisk : IFileSystem
    {
        private volatile object? _fault;
        private volatile object? _snapshotFault;

        public void Inject(Fault fault) => _fault = fault;

        public void InjectIntoSnapshots(Fault fault) => _snapshotFault = fault;

        public void Heal() => (_fault, _snapshotFault) = (null, null);

        /// <summary>Reset: snapshot files take no bytes (their writer waits) until Set.</summary>
        public ManualResetEventSlim SnapshotWrites { get; } = new(initialState: true);

        public IAppendFile OpenAppend(string path) => path.Contains(".snap", StringComparison.Ordinal)
            ? new File(LocalFileSystem.Instance.OpenAppend(path), () => (Fault?)_snapshotFault, SnapshotWrites)
            : new File(LocalFileSystem.Instance.OpenAppend(path), () => (Fault?)_fault, null);

        public Stream OpenRead(string path) => LocalFileSystem.Instance.OpenRead(path);

        public void WriteAtomically(string path, ReadOnlySpan<byte> contents) => LocalFileSystem.Instance.WriteAtomically(path, contents);

        public bool Exists(string path) => LocalFileSystem.Instance.Exists(path);

        public long Length(string path) => LocalFileSystem.Instance.Length(path);

        public void Truncate(string path, long length) => LocalFileSystem.Instance.Truncate(path, length);

        public void Delete(string path) => LocalFileSystem.Instance.Delete(path);

        public void Rename(string from, string to) => LocalFileSystem.Instance.Rename(from, to);

        public IReadOnlyList<string> List(string directory, string pattern) => LocalFileSystem.Instance.List(directory, pattern);

        public void CreateDirectory(string directory) => LocalFileSystem.Instance.CreateDirectory(directory);

        private sealed class File(IAppendFile inner, Func<Fault?> current, ManualResetEventSlim? gate) : IAppendFile
        {
            public long Length => inner.Length;

            public void Write(ReadOnlySpan<byte> bytes)
            {
                gate?.Wait(TimeSpan.FromSeconds(30));
                switch (current())
                {
                    case Fault.FailWrite:
                        throw new IOException("Input/output error");
                    case Fault.DiskFull:
                        throw new IOException("No space left on device");
                    case Fault.ShortWrite:
                        inner.Write(bytes[..(bytes.Length / 2)]);
                        throw new IOException("Input/output error (short write)");
                    default:
                        inner.Write(bytes);
                        break;
                }
            }

            public void Sync()
            {
                if (current() == Fault.FailSync)
                    throw new IOException("Input/output error (fsync)");
                inner.Sync();
            }

            public void Truncate(long length) => inner.Truncate(length);

            public void Dispose() => inner.Dispose();
        }
    }
}
