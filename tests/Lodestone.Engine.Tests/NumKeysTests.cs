using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Security;

namespace Lodestone.Engine.Tests;

/// <summary>Commands whose keys follow a count (Redis's keynum key spec): key positions, permissions and plain-set inputs.</summary>
public sealed class NumKeysTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private Task<CommandResult> RunAs(AclUser user, params string[] args) =>
        _engine.Executor.ExecuteAsync(new CommandRequest(args.Select(Encoding.UTF8.GetBytes).ToArray()) { User = user });

    [Theory]
    [InlineData("ZUNIONSTORE d 2 a b WEIGHTS 1 2", "d a b")]
    [InlineData("SINTERCARD 2 a b LIMIT 1", "a b")]
    [InlineData("BLMPOP 0 2 x y LEFT", "x y")]
    [InlineData("LMPOP 1 q RIGHT COUNT 2", "q")]
    [InlineData("BZMPOP 1 2 p q MIN", "p q")]
    [InlineData("ZINTERCARD 3 a b c", "a b c")]
    public async Task Command_getkeys_finds_the_keys_after_the_count(string command, string keys)
    {
        ReplyAssert.BulkArray(await _engine.Run(["COMMAND", "GETKEYS", .. command.Split(' ')]), keys.Split(' '));
    }

    [Fact]
    public async Task Command_info_marks_count_led_commands_as_movablekeys_with_redis_legacy_triple()
    {
        var union = (await _engine.Run("COMMAND", "INFO", "zunionstore")).AsItems()[0].AsItems();
        var intercard = (await _engine.Run("COMMAND", "INFO", "sintercard")).AsItems()[0].AsItems();

        Assert.Contains("movablekeys", ReplyAssert.Texts(union[2]));
        Assert.Equal([1L, 1L, 1L], union.Skip(3).Take(3).Select(r => r.AsInteger()));
        Assert.Equal([0L, 0L, 0L], intercard.Skip(3).Take(3).Select(r => r.AsInteger()));
    }

    [Fact]
    public async Task A_scoped_key_may_run_count_led_commands_on_its_own_keys_only()
    {
        await _engine.Run("SADD", "app1:a", "x", "y");
        await _engine.Run("SADD", "app1:b", "y");
        await _engine.Run("RPUSH", "app1:q", "1");
        var scoped = new AclUser("app1", AclRole.Write, [Encoding.UTF8.GetBytes("app1:*")]);

        ReplyAssert.Integer((await RunAs(scoped, "SINTERCARD", "2", "app1:a", "app1:b", "LIMIT", "5")).Reply, 1);
        Assert.Equal(2, (await RunAs(scoped, "ZUNION", "2", "app1:a", "app1:b")).Reply.AsItems().Count);
        Assert.Equal(ReplyKind.Array, (await RunAs(scoped, "LMPOP", "1", "app1:q", "LEFT")).Reply.Kind);
        ReplyAssert.Error((await RunAs(scoped, "ZUNIONSTORE", "other", "1", "app1:a")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Error((await RunAs(scoped, "SINTERCARD", "2", "app1:a", "other")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "other"), 0);
    }

    [Fact]
    public async Task Sorted_set_algebra_reads_plain_sets_as_members_scoring_one()
    {
        await _engine.Run("SADD", "s", "a", "b");
        await _engine.Run("ZADD", "z", "2", "a");

        ReplyAssert.BulkArray(await _engine.Run("ZUNION", "2", "s", "z", "WITHSCORES"), "b", "1", "a", "3");
        ReplyAssert.BulkArray(await _engine.Run("ZINTER", "2", "s", "z", "WITHSCORES"), "a", "3");
        ReplyAssert.BulkArray(await _engine.Run("ZDIFF", "2", "s", "z", "WITHSCORES"), "b", "1");
        ReplyAssert.Integer(await _engine.Run("ZINTERSTORE", "d", "2", "s", "z", "WEIGHTS", "2", "3"), 1);
        ReplyAssert.BulkArray(await _engine.Run("ZRANGE", "d", "0", "-1", "WITHSCORES"), "a", "8");
        ReplyAssert.Error(await _engine.Run("ZUNION", "1", "d", "WEIGHTS", "x"), "ERR weight value is not a float");
    }
}
