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

    private (Executor Executor, AppendOnlyLog Log) Start()
    {
        var log = new AppendOnlyLog(_disk, new PersistenceOptions { DataDirectory = _directory, AppendFsync = AppendFsync.Always, Save = "" }, _clock);
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

    public enum Fault
    {
        FailWrite,
        ShortWrite,
        FailSync,
        DiskFull,
    }

    /// <summary>The real file system, except that log appends can be made to fail.</summary>
    private sealed class FaultyDisk : IFileSystem
    {
        private volatile object? _fault;

        public void Inject(Fault fault) => _fault = fault;

        public void Heal() => _fault = null;

        private Fault? Current => (Fault?)_fault;

        public IAppendFile OpenAppend(string path) => new File(LocalFileSystem.Instance.OpenAppend(path), this);

        public Stream OpenRead(string path) => LocalFileSystem.Instance.OpenRead(path);

        public void WriteAtomically(string path, ReadOnlySpan<byte> contents) => LocalFileSystem.Instance.WriteAtomically(path, contents);

        public bool Exists(string path) => LocalFileSystem.Instance.Exists(path);

        public long Length(string path) => LocalFileSystem.Instance.Length(path);

        public void Truncate(string path, long length) => LocalFileSystem.Instance.Truncate(path, length);

        public void Delete(string path) => LocalFileSystem.Instance.Delete(path);

        public void Rename(string from, string to) => LocalFileSystem.Instance.Rename(from, to);

        public IReadOnlyList<string> List(string directory, string pattern) => LocalFileSystem.Instance.List(directory, pattern);

        public void CreateDirectory(string directory) => LocalFileSystem.Instance.CreateDirectory(directory);

        private sealed class File(IAppendFile inner, FaultyDisk disk) : IAppendFile
        {
            public long Length => inner.Length;

            public void Write(ReadOnlySpan<byte> bytes)
            {
                switch (disk.Current)
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
                if (disk.Current == Fault.FailSync)
                    throw new IOException("Input/output error (fsync)");
                inner.Sync();
            }

            public void Truncate(long length) => inner.Truncate(length);

            public void Dispose() => inner.Dispose();
        }
    }
}
