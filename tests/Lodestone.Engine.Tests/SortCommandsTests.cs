using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Security;

namespace Lodestone.Engine.Tests;

/// <summary>SORT's key-pattern rule (RedisTablesTests compares its replies with Redis's): a scoped caller cannot read other keys through BY or GET.</summary>
public sealed class SortCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    private Task<CommandResult> RunAs(AclUser user, params string[] args) =>
        _engine.Executor.ExecuteAsync(new CommandRequest([.. args.Select(B)]) { User = user });

    [Fact]
    public async Task A_caller_scoped_to_key_patterns_may_sort_its_keys_but_not_read_others_through_BY_or_GET()
    {
        await _engine.Run("RPUSH", "user:l", "3", "1", "2");
        await _engine.Run("SET", "secret_1", "9");
        var scoped = new AclUser("scoped", AclRole.Write, [B("user:*")]);

        ReplyAssert.BulkArray((await RunAs(scoped, "SORT", "user:l")).Reply, "1", "2", "3");
        ReplyAssert.BulkArray((await RunAs(scoped, "SORT", "user:l", "BY", "nosort")).Reply, "3", "1", "2");
        ReplyAssert.Error((await RunAs(scoped, "SORT", "user:l", "BY", "secret_*")).Reply, "ERR BY option of SORT denied due to insufficient ACL permissions.");
        ReplyAssert.Error((await RunAs(scoped, "SORT_RO", "user:l", "GET", "secret_*")).Reply, "ERR GET option of SORT denied due to insufficient ACL permissions.");
        ReplyAssert.Error((await RunAs(scoped, "SORT", "user:l", "GET", "#")).Reply, "ERR GET option of SORT denied due to insufficient ACL permissions.");
        // STORE's destination is a key too: outside the patterns it is refused, and nothing is written.
        ReplyAssert.Error((await RunAs(scoped, "SORT", "user:l", "STORE", "elsewhere")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "elsewhere"), 0);
        ReplyAssert.Integer((await RunAs(scoped, "SORT", "user:l", "STORE", "user:sorted")).Reply, 3);

        // Unscoped, the same patterns read what they name.
        var everything = new AclUser("all", AclRole.Write);
        ReplyAssert.BulkArray((await RunAs(everything, "SORT", "user:l", "GET", "secret_*")).Reply, "9", null, null);
    }
}
