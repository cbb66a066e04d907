using System.Text;
using System.Text.RegularExpressions;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Security;

namespace Lodestone.Engine.Tests;

/// <summary>MEMORY USAGE, DEBUG OBJECT and DEBUG DIGEST, on every type including bitmaps, HyperLogLogs and geo sets.</summary>
public sealed partial class DebugCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private static string Digest(Reply reply) => reply.AsSimple();

    [Fact]
    public async Task The_digest_depends_on_the_data_not_on_the_order_it_was_added_in()
    {
        using var other = new TestEngine();
        Assert.Equal(new string('0', 40), Digest(await _engine.Run("DEBUG", "DIGEST")));

        await _engine.Run("SADD", "s", "a", "b", "c");
        await _engine.Run("HSET", "h", "f1", "v1", "f2", "v2");
        await _engine.Run("RPUSH", "l", "x", "y");
        await _engine.Run("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania");
        await _engine.Run("PFADD", "hll", "a", "b");
        await _engine.Run("SET", "k", "v", "PXAT", "99999999999999");

        await other.Run("SET", "k", "v", "PXAT", "99999999999999");
        await other.Run("PFADD", "hll", "a", "b");
        await other.Run("GEOADD", "g", "15.087269", "37.502669", "Catania", "13.361389", "38.115556", "Palermo");
        await other.Run("RPUSH", "l", "x", "y");
        await other.Run("HSET", "h", "f2", "v2", "f1", "v1");
        await other.Run("SADD", "s", "c", "b", "a");

        var digest = Digest(await _engine.Run("DEBUG", "DIGEST"));
        Assert.Matches("^[0-9a-f]{40}$", digest);
        Assert.Equal(digest, Digest(await other.Run("DEBUG", "DIGEST")));
        Assert.Equal((await _engine.Run("DEBUG", "DIGEST-VALUE", "s", "h", "missing")).ToString(), (await other.Run("DEBUG", "DIGEST-VALUE", "s", "h", "missing")).ToString());
        Assert.Equal(new string('0', 40), (await _engine.Run("DEBUG", "DIGEST-VALUE", "missing")).AsItems()[0].AsSimple());

        // A changed element, a changed TTL, a swapped list order: each changes the digest.
        await other.Run("HSET", "h", "f1", "v9");
        Assert.NotEqual(digest, Digest(await other.Run("DEBUG", "DIGEST")));
        await other.Run("HSET", "h", "f1", "v1");
        Assert.Equal(digest, Digest(await other.Run("DEBUG", "DIGEST")));
        await other.Run("PEXPIREAT", "k", "99999999999998");
        Assert.NotEqual(digest, Digest(await other.Run("DEBUG", "DIGEST")));
        await other.Run("PEXPIREAT", "k", "99999999999999");
        Assert.Equal(digest, Digest(await other.Run("DEBUG", "DIGEST")));
        await other.Run("HEXPIRE", "h", "100", "FIELDS", "1", "f2");
        Assert.NotEqual(digest, Digest(await other.Run("DEBUG", "DIGEST")));
        await _engine.Run("LMOVE", "l", "l", "LEFT", "RIGHT");
        Assert.NotEqual(Digest((await other.Run("DEBUG", "DIGEST-VALUE", "l")).AsItems()[0]), Digest((await _engine.Run("DEBUG", "DIGEST-VALUE", "l")).AsItems()[0]));
    }

    [Fact]
    public async Task DEBUG_OBJECT_shows_the_encoding_the_snapshot_length_and_the_idle_time()
    {
        await _engine.Run("SET", "s", "hello");
        await _engine.Run("SETBIT", "bits", "100", "1");
        await _engine.Run("PFADD", "hll", "a");
        await _engine.Run("GEOADD", "g", "1", "2", "a");

        var line = (await _engine.Run("DEBUG", "OBJECT", "s")).AsSimple();
        Assert.Matches(ObjectLine(), line);
        Assert.Contains(" encoding:embstr ", line, StringComparison.Ordinal);
        Assert.Contains(" encoding:raw ", (await _engine.Run("DEBUG", "OBJECT", "bits")).AsSimple(), StringComparison.Ordinal);
        Assert.Contains(" encoding:raw ", (await _engine.Run("DEBUG", "OBJECT", "hll")).AsSimple(), StringComparison.Ordinal);
        Assert.Contains(" encoding:listpack ", (await _engine.Run("DEBUG", "OBJECT", "g")).AsSimple(), StringComparison.Ordinal);
        ReplyAssert.Bulk(await _engine.Run("OBJECT", "ENCODING", "hll"), "raw");

        _engine.Advance(TimeSpan.FromSeconds(5));
        Assert.Contains(" lru_seconds_idle:5", (await _engine.Run("DEBUG", "OBJECT", "s")).AsSimple(), StringComparison.Ordinal);
        ReplyAssert.Error(await _engine.Run("DEBUG", "OBJECT", "missing"), "ERR no such key");
        ReplyAssert.Error(await _engine.Run("DEBUG", "SLEEP", "1"), "ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.");
    }

    [GeneratedRegex("^Value at:0x[0-9a-f]{8} refcount:1 encoding:[a-z]+ serializedlength:[0-9]+ lru:[0-9]+ lru_seconds_idle:[0-9]+$")]
    private static partial Regex ObjectLine();

    [Fact]
    public async Task MEMORY_USAGE_grows_with_the_value_and_is_nil_for_a_missing_key()
    {
        await _engine.Run("SET", "small", "x");
        await _engine.Run("SET", "large", new string('x', 10_000));
        await _engine.Run("SETBIT", "bits", "80000", "1");

        var small = (await _engine.Run("MEMORY", "USAGE", "small")).AsInteger();
        var large = (await _engine.Run("MEMORY", "USAGE", "large", "SAMPLES", "0")).AsInteger();
        Assert.InRange(small, 1, 200);
        Assert.InRange(large, 10_000, 10_300);
        // A string grown in place keeps spare room for the next growth (up to double), as Redis's sds does.
        Assert.InRange((await _engine.Run("MEMORY", "USAGE", "bits")).AsInteger(), 10_000, 20_300);
        ReplyAssert.Null(await _engine.Run("MEMORY", "USAGE", "missing"));
        ReplyAssert.Error(await _engine.Run("MEMORY", "USAGE", "small", "SAMPLES", "x"), "ERR value is not an integer or out of range");
        ReplyAssert.Error(await _engine.Run("MEMORY", "USAGE", "small", "extra"), "ERR syntax error");
        ReplyAssert.Error(await _engine.Run("MEMORY", "USAGE"), "ERR wrong number of arguments for 'memory|usage' command");
        ReplyAssert.Error(await _engine.Run("MEMORY", "NOSUCH"), "ERR unknown subcommand 'NOSUCH'. Try MEMORY HELP.");
    }

    [Fact]
    public async Task DEBUG_is_for_admin_callers_only()
    {
        var writer = new AclUser("writer", AclRole.Write);
        var result = await _engine.Executor.ExecuteAsync(new CommandRequest([Encoding.UTF8.GetBytes("DEBUG"), Encoding.UTF8.GetBytes("DIGEST")]) { User = writer });
        ReplyAssert.Error(result.Reply, ErrorKind.NoPermission);
    }
}
