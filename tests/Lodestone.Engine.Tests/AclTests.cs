using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence.Aof;
using Lodestone.Engine.Security;

namespace Lodestone.Engine.Tests;

/// <summary>The executor's permission check, run before anything is read or written.</summary>
public sealed class AclTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private Task<CommandResult> RunAs(AclUser user, params string[] args)
    {
        var argv = args.Select(Encoding.UTF8.GetBytes).ToArray();
        return _engine.Executor.ExecuteAsync(new CommandRequest(argv, argv.Length > 1 ? argv[1] : null) { User = user });
    }

    private static AclUser Reader(params string[] patterns) => new("reader", AclRole.Read, patterns.Select(Encoding.UTF8.GetBytes));

    private static AclUser Writer(params string[] patterns) => new("writer", AclRole.Write, patterns.Select(Encoding.UTF8.GetBytes));

    [Fact]
    public async Task A_read_user_may_read_but_not_write_and_the_write_changes_nothing()
    {
        await _engine.Run("SET", "k", "v");

        ReplyAssert.Bulk((await RunAs(Reader(), "GET", "k")).Reply, "v");
        ReplyAssert.Error((await RunAs(Reader(), "SET", "k", "x")).Reply, "NOPERM this user has no permissions to run the 'set' command");
        ReplyAssert.Error((await RunAs(Reader(), "INCR", "n")).Reply, "NOPERM this user has no permissions to run the 'incr' command");
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "v");
        ReplyAssert.Integer(await _engine.Run("EXISTS", "n"), 0);
    }

    [Fact]
    public async Task A_read_user_may_run_commands_that_touch_no_data()
    {
        ReplyAssert.Simple((await RunAs(Reader(), "PING")).Reply, "PONG");
        ReplyAssert.Bulk((await RunAs(Reader(), "ECHO", "hi")).Reply, "hi");
    }

    [Fact]
    public async Task A_write_user_may_write()
    {
        ReplyAssert.Ok((await RunAs(Writer(), "SET", "k", "v")).Reply);
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "v");
    }

    [Fact]
    public async Task Key_patterns_apply_to_every_key_of_a_multi_key_command()
    {
        var scoped = Writer("app1:*");

        ReplyAssert.Ok((await RunAs(scoped, "MSET", "app1:a", "1", "app1:b", "2")).Reply);
        ReplyAssert.Error((await RunAs(scoped, "MSET", "app1:a", "3", "other", "4")).Reply,
            "NOPERM this user has no permissions to access one of the keys used as arguments");
        ReplyAssert.Error((await RunAs(scoped, "DEL", "app1:a", "other")).Reply, ErrorKind.NoPermission);
        ReplyAssert.BulkArray(await _engine.Run("MGET", "app1:a", "other"), "1", null);
    }

    [Fact]
    public async Task A_scoped_user_may_not_run_keyless_commands_that_reach_into_the_keyspace()
    {
        await _engine.Run("SET", "other", "v");
        var scoped = Writer("app1:*");

        ReplyAssert.Error((await RunAs(scoped, "FLUSHALL")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Error((await RunAs(scoped, "FLUSHDB")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Error((await RunAs(scoped, "KEYS", "*")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Error((await RunAs(scoped, "DBSIZE")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Error((await RunAs(scoped, "RANDOMKEY")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Simple((await RunAs(scoped, "PING")).Reply, "PONG");
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 1);
    }

    [Fact]
    public async Task A_scoped_user_scans_only_its_own_keys_across_a_whole_iteration()
    {
        for (var i = 0; i < 50; i++)
        {
            await _engine.Run("SET", $"app1:{i}", "v");
            await _engine.Run("SET", $"other:{i}", "v");
        }
        var scoped = Reader("app1:*");

        var seen = new HashSet<string>();
        var cursor = "0";
        var calls = 0;
        do
        {
            var reply = (await RunAs(scoped, "SCAN", cursor, "COUNT", "7")).Reply;
            cursor = Encoding.UTF8.GetString(reply.AsItems()[0].AsBulk().Span);
            foreach (var key in reply.AsItems()[1].AsItems())
                seen.Add(Encoding.UTF8.GetString(key.AsBulk().Span));
            calls++;
        }
        while (cursor != "0" && calls < 1000);

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"app1:{i}").Order(), seen.Order());
    }

    [Fact]
    public async Task A_scoped_scan_page_may_be_empty_with_a_cursor_to_go_on()
    {
        for (var i = 0; i < 40; i++)
            await _engine.Run("SET", $"other:{i}", "v");
        await _engine.Run("SET", "app1:only", "v");

        var reply = (await RunAs(Reader("app1:*"), "SCAN", "0", "COUNT", "1")).Reply;

        Assert.NotEqual("0", Encoding.UTF8.GetString(reply.AsItems()[0].AsBulk().Span));
        Assert.All(reply.AsItems()[1].AsItems(), key => Assert.StartsWith("app1:", Encoding.UTF8.GetString(key.AsBulk().Span), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("KEYS", "*")]
    [InlineData("FLUSHALL")]
    [InlineData("FLUSHDB")]
    public async Task Dangerous_commands_need_the_admin_role(params string[] command)
    {
        await _engine.Run("SET", "k", "v");

        ReplyAssert.Error((await RunAs(Writer(), command)).Reply, $"NOPERM this user has no permissions to run the '{command[0].ToLowerInvariant()}' command");
        Assert.False((await RunAs(new AclUser("admin", AclRole.Admin), command)).Reply.IsError);
    }

    [Theory]
    [InlineData("MSET app1:a 1 other 2")]
    [InlineData("DEL app1:a other")]
    [InlineData("SINTERSTORE app1:d app1:s other")]
    [InlineData("SINTERSTORE other app1:s app1:s")]
    [InlineData("ZUNIONSTORE app1:d 2 app1:z other")]
    [InlineData("ZUNIONSTORE other 1 app1:z")]
    [InlineData("LMOVE app1:l other LEFT RIGHT")]
    [InlineData("RENAME app1:a other")]
    [InlineData("RENAME other app1:a")]
    public async Task A_multi_key_command_with_one_key_out_of_scope_is_noperm_and_changes_nothing(string command)
    {
        await _engine.Run("MSET", "app1:a", "1", "other", "2");
        await _engine.Run("SADD", "app1:s", "m");
        await _engine.Run("ZADD", "app1:z", "1", "m");
        await _engine.Run("RPUSH", "app1:l", "x");
        var before = _engine.Executor.CommittedOffset;

        var result = await RunAs(Writer("app1:*"), command.Split(' '));

        ReplyAssert.Error(result.Reply, "NOPERM this user has no permissions to access one of the keys used as arguments");
        Assert.Equal(before, _engine.Executor.CommittedOffset);
        ReplyAssert.BulkArray(await _engine.Run("MGET", "app1:a", "other"), "1", "2");
        ReplyAssert.Integer(await _engine.Run("EXISTS", "app1:d"), 0);
        ReplyAssert.Integer(await _engine.Run("LLEN", "app1:l"), 1);
    }

    [Fact]
    public async Task A_denied_command_reveals_nothing_about_its_key()
    {
        await _engine.Run("SET", "secret", "v");
        var argv = new[] { "GET"u8.ToArray(), "secret"u8.ToArray() };

        var result = await _engine.Executor.ExecuteAsync(new CommandRequest(argv, argv[1], KeyCondition.NotExists) { User = Reader("public:*") });

        ReplyAssert.Error(result.Reply, ErrorKind.NoPermission);
        Assert.False(result.Before.Exists);
        Assert.Equal(0, result.After.Version);
    }

    [Fact]
    public async Task The_committed_offset_grows_with_every_logged_write_and_not_with_reads()
    {
        var start = _engine.Executor.CommittedOffset;
        await _engine.Run("SET", "a", "1");
        await _engine.Run("MSET", "b", "1", "c", "2");
        var afterWrites = _engine.Executor.CommittedOffset;
        await _engine.Run("GET", "a");
        await _engine.Run("SET", "a", "1", "NX");

        // Two records, each its size in bytes of the stream (what the AOF writes); a read and a write that changed nothing add none.
        Assert.Equal(start + _engine.Log.Records.Sum(AofFormat.RecordSize), afterWrites);
        Assert.Equal(2, _engine.Log.Records.Count);
        Assert.Equal(afterWrites, _engine.Executor.CommittedOffset);
    }

    [Fact]
    public void The_table_checks_a_command_the_way_a_transaction_queues_it()
    {
        var table = _engine.Executor.Commands;
        byte[][] Argv(params string[] a) => a.Select(Encoding.UTF8.GetBytes).ToArray();

        Assert.Null(table.Check(Argv("set", "k", "v"), 100, out var spec));
        Assert.Equal("SET", spec.Name);
        Assert.Equal("ERR unknown command 'nope', with args beginning with: ", table.Check(Argv("nope"), 100, out _)!.Message);
        Assert.Equal("ERR wrong number of arguments for 'get' command", table.Check(Argv("GET"), 100, out _)!.Message);
        Assert.Equal(ErrorKind.TooLarge, table.Check(Argv("SET", "k", "12345"), 4, out _)!.Kind);
    }
}
