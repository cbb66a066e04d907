using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// The hash commands, driven through the executor. Every expected reply and error text was first read
/// from a real Redis 7.0 (redis-cli) given the same commands. Hash order is not Redis's (Redis keeps
/// small hashes in insertion order), so whole-hash replies are compared as sorted pairs.
/// </summary>
public sealed partial class HashCommandsTests : IDisposable
{
    private const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
    private const string NotInteger = "ERR value is not an integer or out of range";
    private const string Syntax = "ERR syntax error";

    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private Task<Reply> Run(params string[] args) => _engine.Run(args);

    /// <summary>Runs a command written as one line (arguments separated by single spaces).</summary>
    private Task<Reply> RunLine(string line) => _engine.Run(line.Split(' '));

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A flat field, value, field, value… reply as "field=value" pairs in ordinal order.</summary>
    private static string[] Pairs(Reply reply)
    {
        var items = ReplyAssert.Texts(reply);
        Assert.True(items.Length % 2 == 0, $"Expected field/value pairs, got {reply}");
        return Enumerable.Range(0, items.Length / 2).Select(i => $"{items[2 * i]}={items[2 * i + 1]}").Order(StringComparer.Ordinal).ToArray();
    }

    private static string[] Sorted(Reply reply) => ReplyAssert.Texts(reply).Select(t => t!).Order(StringComparer.Ordinal).ToArray();

    private async Task<long> Version(string key) =>
        (await _engine.Executor.ExecuteAsync(new CommandRequest([Bytes("TYPE"), Bytes(key)], Bytes(key)))).After.Version;

    // HSET, HMSET, HSETNX

    [Fact]
    public async Task Hset_counts_only_new_fields_and_the_last_of_a_repeated_field_wins()
    {
        ReplyAssert.Integer(await RunLine("HSET h a 1 b 2 a 3"), 2);
        ReplyAssert.Integer(await RunLine("HSET h a 4 c 5"), 1);

        Assert.Equal(["a=4", "b=2", "c=5"], Pairs(await RunLine("HGETALL h")));
        Assert.Equal(["HSET h a 1 b 2 a 3", "HSET h a 4 c 5"], _engine.Log.Effects);
    }

    [Theory]
    [InlineData("HSET h", "hset")]
    [InlineData("HSET h a", "hset")]
    [InlineData("HSET h a 1 b", "hset")]
    [InlineData("HMSET h a", "hmset")]
    [InlineData("HMSET h a 1 b", "hmset")]
    [InlineData("HSETNX h a", "hsetnx")]
    [InlineData("HSETNX h a 1 2", "hsetnx")]
    public async Task Set_commands_with_a_field_and_no_value_are_wrong_arity_and_write_nothing(string line, string name)
    {
        ReplyAssert.Error(await RunLine(line), $"ERR wrong number of arguments for '{name}' command");

        ReplyAssert.Integer(await Run("EXISTS", "h"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Hmset_sets_like_hset_and_answers_ok()
    {
        ReplyAssert.Ok(await RunLine("HMSET h a 1 b 2"));
        ReplyAssert.Ok(await RunLine("HMSET h b 3 c 4"));

        Assert.Equal(["a=1", "b=3", "c=4"], Pairs(await RunLine("HGETALL h")));
        Assert.Equal(["HMSET h a 1 b 2", "HMSET h b 3 c 4"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Hsetnx_sets_a_new_field_only_and_logs_only_what_it_wrote()
    {
        ReplyAssert.Integer(await RunLine("HSETNX h a 1"), 1);
        ReplyAssert.Integer(await RunLine("HSETNX h a 2"), 0);
        ReplyAssert.Integer(await RunLine("HSETNX h b 3"), 1);

        ReplyAssert.Bulk(await RunLine("HGET h a"), "1");
        Assert.Equal(["HSETNX h a 1", "HSETNX h b 3"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Fields_and_values_are_binary_safe_and_may_be_empty()
    {
        byte[] field = [0x00, 0xFF, (byte)'\n'];
        byte[] value = [0xC3, 0x28];
        ReplyAssert.Integer(await _engine.RunBytes(Bytes("HSET"), Bytes("h"), field, value, [], []), 2);

        ReplyAssert.BulkBytes(await _engine.RunBytes(Bytes("HGET"), Bytes("h"), field), value);
        ReplyAssert.Bulk(await _engine.RunBytes(Bytes("HGET"), Bytes("h"), []), "");
        ReplyAssert.Integer(await _engine.RunBytes(Bytes("HSTRLEN"), Bytes("h"), []), 0);
        ReplyAssert.Integer(await _engine.RunBytes(Bytes("HEXISTS"), Bytes("h"), []), 1);
        ReplyAssert.Integer(await RunLine("HLEN h"), 2);
    }

    [Fact]
    public async Task A_write_gives_the_key_a_new_version_and_a_refused_or_empty_one_does_not()
    {
        await RunLine("HSET h a 1");
        var created = await Version("h");

        await RunLine("HSET h a 1");
        var rewritten = await Version("h");
        await RunLine("HSETNX h a 2");
        await RunLine("HDEL h nope");
        await RunLine("HINCRBY h a x");

        Assert.True(rewritten > created);
        Assert.Equal(rewritten, await Version("h"));
    }

    [Fact]
    public async Task Every_hash_command_on_a_string_is_wrongtype_and_changes_nothing()
    {
        ReplyAssert.Ok(await Run("SET", "s", "v"));
        string[] lines =
        [
            "HSET s a 1", "HMSET s a 1", "HSETNX s a 1", "HGET s a", "HMGET s a", "HGETALL s", "HKEYS s", "HVALS s",
            "HDEL s a", "HEXISTS s a", "HLEN s", "HSTRLEN s a", "HINCRBY s a 1", "HINCRBYFLOAT s a 1", "HRANDFIELD s",
            "HRANDFIELD s 2 WITHVALUES", "HSCAN s 0",
        ];

        foreach (var line in lines)
            ReplyAssert.Error(await RunLine(line), WrongType);

        ReplyAssert.Bulk(await Run("GET", "s"), "v");
    }

    [Fact]
    public async Task A_hash_is_typed_hash_and_copy_makes_an_independent_hash()
    {
        await RunLine("HSET h a 1 b 2");
        ReplyAssert.Simple(await RunLine("TYPE h"), "hash");

        ReplyAssert.Integer(await RunLine("COPY h h2"), 1);
        await RunLine("HSET h2 a changed c 3");
        await RunLine("HDEL h2 b");

        Assert.Equal(["a=1", "b=2"], Pairs(await RunLine("HGETALL h")));
        Assert.Equal(["a=changed", "c=3"], Pairs(await RunLine("HGETALL h2")));
    }

    [Fact]
    public async Task A_hash_expires_as_a_whole_and_its_fields_keep_the_ttl_through_writes()
    {
        await RunLine("HSET h a 1");
        ReplyAssert.Integer(await RunLine("EXPIRE h 10"), 1);
        await RunLine("HSET h b 2");
        await RunLine("HINCRBY h a 1");
        await RunLine("HDEL h b");

        ReplyAssert.Integer(await RunLine("TTL h"), 10);
        _engine.Advance(TimeSpan.FromSeconds(10) + TimeSpan.FromMilliseconds(1));
        ReplyAssert.Null(await RunLine("HGET h a"));
        ReplyAssert.Integer(await RunLine("HLEN h"), 0);
    }

    // HGET, HMGET, HGETALL, HKEYS, HVALS, HEXISTS, HLEN, HSTRLEN

    [Fact]
    public async Task Reads_of_a_missing_key_are_nil_zero_or_empty()
    {
        ReplyAssert.Null(await RunLine("HGET nokey a"));
        ReplyAssert.BulkArray(await RunLine("HMGET nokey a b"), null, null);
        Assert.Empty((await RunLine("HGETALL nokey")).AsItems());
        ReplyAssert.BulkArray(await RunLine("HKEYS nokey"));
        ReplyAssert.BulkArray(await RunLine("HVALS nokey"));
        ReplyAssert.Integer(await RunLine("HEXISTS nokey a"), 0);
        ReplyAssert.Integer(await RunLine("HLEN nokey"), 0);
        ReplyAssert.Integer(await RunLine("HSTRLEN nokey a"), 0);
        ReplyAssert.Integer(await RunLine("HDEL nokey a"), 0);
        ReplyAssert.Integer(await RunLine("EXISTS nokey"), 0);
    }

    [Fact]
    public async Task Hget_hexists_and_hstrlen_read_one_field()
    {
        await RunLine("HSET h name Ada city London");

        ReplyAssert.Bulk(await RunLine("HGET h name"), "Ada");
        ReplyAssert.Null(await RunLine("HGET h nope"));
        ReplyAssert.Integer(await RunLine("HEXISTS h city"), 1);
        ReplyAssert.Integer(await RunLine("HEXISTS h nope"), 0);
        ReplyAssert.Integer(await RunLine("HSTRLEN h city"), 6);
        ReplyAssert.Integer(await RunLine("HSTRLEN h nope"), 0);
        ReplyAssert.Integer(await RunLine("HLEN h"), 2);
    }

    [Fact]
    public async Task Hmget_answers_in_request_order_with_nil_for_missing_fields_and_repeats_allowed()
    {
        await RunLine("HSET h a 1 b 2");

        ReplyAssert.BulkArray(await RunLine("HMGET h b nope a b"), "2", null, "1", "2");
        ReplyAssert.Error(await RunLine("HMGET h"), "ERR wrong number of arguments for 'hmget' command");
    }

    [Fact]
    public async Task Hgetall_is_a_map_and_hkeys_and_hvals_list_the_same_fields_in_the_same_order()
    {
        await RunLine("HSET h a 1 b 2 c 3");

        var all = await RunLine("HGETALL h");
        Assert.Equal(ReplyKind.Map, all.Kind);
        Assert.Equal(["a=1", "b=2", "c=3"], Pairs(all));
        var keys = ReplyAssert.Texts(await RunLine("HKEYS h"));
        var values = ReplyAssert.Texts(await RunLine("HVALS h"));
        Assert.Equal(["a=1", "b=2", "c=3"], keys.Zip(values, (k, v) => $"{k}={v}").Order(StringComparer.Ordinal));
        Assert.Equal(ReplyAssert.Texts(all).Where((_, i) => i % 2 == 0), keys);
    }

    [Theory]
    [InlineData("HGET h")]
    [InlineData("HGET h a b")]
    [InlineData("HGETALL")]
    [InlineData("HGETALL h x")]
    [InlineData("HKEYS h x")]
    [InlineData("HVALS h x")]
    [InlineData("HEXISTS h")]
    [InlineData("HLEN h x")]
    [InlineData("HSTRLEN h")]
    [InlineData("HDEL h")]
    [InlineData("HINCRBY h a")]
    [InlineData("HINCRBYFLOAT h a 1 2")]
    [InlineData("HRANDFIELD")]
    [InlineData("HSCAN h")]
    public async Task Wrong_argument_counts_are_refused_with_the_command_named(string line)
    {
        var name = line.Split(' ')[0].ToLowerInvariant();

        ReplyAssert.Error(await RunLine(line), $"ERR wrong number of arguments for '{name}' command");
    }

    // HDEL

    [Fact]
    public async Task Hdel_counts_the_fields_it_removed_each_once()
    {
        await RunLine("HSET h a 1 b 2 c 3");

        ReplyAssert.Integer(await RunLine("HDEL h a nope a b"), 2);
        ReplyAssert.Integer(await RunLine("HDEL h nope"), 0);

        Assert.Equal(["c=3"], Pairs(await RunLine("HGETALL h")));
        Assert.Equal(["HSET h a 1 b 2 c 3", "HDEL h a nope a b"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Removing_the_last_field_deletes_the_key()
    {
        await RunLine("HSET h a 1 b 2");
        await RunLine("EXPIRE h 100");

        ReplyAssert.Integer(await RunLine("HDEL h a b c"), 2);

        ReplyAssert.Integer(await RunLine("EXISTS h"), 0);
        ReplyAssert.Integer(await RunLine("TTL h"), -2);
        ReplyAssert.Integer(await RunLine("HSET h x 1"), 1);
        ReplyAssert.Integer(await RunLine("TTL h"), -1);
    }
}
