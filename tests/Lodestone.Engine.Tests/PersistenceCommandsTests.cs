using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Lodestone.Engine.Security;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>BGSAVE, BGREWRITEAOF and LASTSAVE: snapshots on demand through the command table, with Redis 7's replies.</summary>
public sealed class PersistenceCommandsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lodestone-bgsave-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));
    private readonly AppendOnlyLog _log;
    private readonly Executor _executor;

    public PersistenceCommandsTests()
    {
        var options = new PersistenceOptions { DataDirectory = _directory, AppendFsync = AppendFsync.No, Save = "" };
        _log = new AppendOnlyLog(LocalFileSystem.Instance, options, _clock);
        _executor = new Executor(new EngineOptions(), _clock, [_log]);
        // What the host does: INFO, LASTSAVE and BGSAVE find the log through the diagnostics.
        _executor.Diagnostics.Persistence = options;
        _executor.Diagnostics.Log = _log;
        _executor.BeginLoading();
        _log.Recover(_executor);
    }

    public void Dispose()
    {
        _executor.Dispose();
        _log.Dispose();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private Task<Reply> Run(params string[] args) => _executor.ExecuteAsync(args.Select(Encoding.UTF8.GetBytes).ToArray());

    private Task<CommandResult[]> RunTogether(params string[][] commands) =>
        _executor.ExecuteAtomicAsync(commands.Select(args => new CommandRequest(args.Select(Encoding.UTF8.GetBytes).ToArray())).ToArray());

    private async Task<Dictionary<string, string>> Persistence()
    {
        var text = Encoding.UTF8.GetString((await Run("INFO", "persistence")).AsBulk().Span);
        return text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith('#'))
            .Select(line => line.Split(':', 2)).ToDictionary(parts => parts[0], parts => parts[1]);
    }

    private async Task<Dictionary<string, string>> WhenSaved()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var info = await Persistence();
            if (info["rdb_bgsave_in_progress"] == "0")
                return info;
            Assert.True(DateTime.UtcNow < deadline, "The snapshot did not finish.");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Bgsave_starts_a_snapshot_that_lastsave_and_info_persistence_then_report()
    {
        await Run("SET", "k", "v");
        await Run("RPUSH", "l", "a", "b");
        ReplyAssert.Integer(await Run("LASTSAVE"), TestEngine.StartMs / 1000);
        Assert.Equal("-1", (await Persistence())["rdb_last_save_offset"]);
        _clock.Advance(TimeSpan.FromSeconds(90));

        ReplyAssert.Simple(await Run("BGSAVE"), "Background saving started");
        var info = await WhenSaved();

        // The snapshot covers the stream up to its end: the two writes' records, counted in bytes.
        Assert.Equal(_executor.CommittedOffset.ToString(System.Globalization.CultureInfo.InvariantCulture), info["rdb_last_save_offset"]);
        Assert.True(_executor.CommittedOffset > 0);
        Assert.Equal("ok", info["rdb_last_bgsave_status"]);
        Assert.True(long.Parse(info["rdb_last_save_bytes"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains(".", info["rdb_last_bgsave_time_ms"], StringComparison.Ordinal);
        ReplyAssert.Integer(await Run("LASTSAVE"), TestEngine.StartMs / 1000 + 90);
        Assert.Single(Directory.GetFiles(_directory, "snapshot-*.snap"));
    }

    [Fact]
    public async Task Bgrewriteaof_is_the_same_compaction()
    {
        await Run("SET", "k", "v");

        ReplyAssert.Simple(await Run("BGREWRITEAOF"), "Background append only file rewriting started");
        var info = await WhenSaved();

        Assert.Equal(_executor.CommittedOffset.ToString(System.Globalization.CultureInfo.InvariantCulture), info["rdb_last_save_offset"]);
        Assert.Single(Directory.GetFiles(_directory, "snapshot-*.snap"));
    }

    [Fact]
    public async Task While_a_snapshot_runs_bgsave_and_bgrewriteaof_are_refused_in_redis_words()
    {
        await Run("SET", "k", "v");

        // One atomic batch: the snapshot cannot even start before the batch ends, let alone finish.
        var results = await RunTogether(["BGSAVE"], ["BGSAVE"], ["BGREWRITEAOF"]);

        ReplyAssert.Simple(results[0].Reply, "Background saving started");
        ReplyAssert.Error(results[1].Reply, "ERR Background save already in progress");
        ReplyAssert.Error(results[2].Reply, "ERR Background append only file rewriting already in progress");
        Assert.Equal(ErrorKind.Conflict, results[1].Reply.AsError().Kind);
        await WhenSaved();
        ReplyAssert.Simple(await Run("BGSAVE"), "Background saving started");
        await WhenSaved();
    }

    [Fact]
    public async Task Only_the_admin_role_may_run_them()
    {
        foreach (var command in new[] { "BGSAVE", "BGREWRITEAOF", "LASTSAVE" })
        {
            var writer = await _executor.ExecuteAsync(new CommandRequest([Encoding.UTF8.GetBytes(command)]) { User = new AclUser("w", AclRole.Write) });
            ReplyAssert.Error(writer.Reply, $"NOPERM this user has no permissions to run the '{command.ToLowerInvariant()}' command");
        }
        var admin = await _executor.ExecuteAsync(new CommandRequest(["LASTSAVE"u8.ToArray()]) { User = new AclUser("a", AclRole.Admin) });
        Assert.Equal(ReplyKind.Integer, admin.Reply.Kind);
    }

    [Fact]
    public async Task Without_a_log_there_is_nothing_to_save_to()
    {
        using var memoryOnly = new TestEngine();

        var refused = await memoryOnly.Run("BGSAVE");

        Assert.Equal(ErrorKind.Conflict, refused.AsError().Kind);
        Assert.Contains("Persistence:AppendOnly", refused.AsError().Message, StringComparison.Ordinal);
        Assert.Equal(ErrorKind.Conflict, (await memoryOnly.Run("BGREWRITEAOF")).AsError().Kind);
        ReplyAssert.Integer(await memoryOnly.Run("LASTSAVE"), TestEngine.StartMs / 1000);
    }

    [Fact]
    public async Task They_are_declared_as_redis_declares_them()
    {
        var info = (await Run("COMMAND", "INFO", "bgsave", "lastsave", "bgrewriteaof")).AsItems();

        Assert.Equal("admin", Assert.Single(ReplyAssert.Texts(info[0].AsItems()[2])));
        Assert.Equal(1, info[1].AsItems()[1].AsInteger());
        Assert.Contains("@admin", ReplyAssert.Texts(info[2].AsItems()[6]));
    }
}
