using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>The set commands against Redis 7's replies and error texts: adding, removing and asking about members.</summary>
public sealed partial class SetCommandsTests : IDisposable
{
    private const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";

    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    /// <summary>A set reply (RESP3 <c>~</c>) holding exactly these members, in any order.</summary>
    private static void SetOf(Reply reply, params string[] expected)
    {
        Assert.True(reply.Kind == ReplyKind.Set, $"Expected a set reply, got {reply}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), ReplyAssert.Texts(reply).Order(StringComparer.Ordinal));
    }

    /// <summary>The members of a set key, sorted.</summary>
    private async Task<string[]> Members(string key) =>
        [.. ReplyAssert.Texts(await _engine.Run("SMEMBERS", key)).Select(m => m!).Order(StringComparer.Ordinal)];

    /// <summary>The key's version (its ETag), as the engine reports it.</summary>
    private async Task<long> Version(string key) =>
        (await _engine.Executor.ExecuteAsync(new CommandRequest(Argv.Of("TYPE", key), Argv.Of(key)[0]))).After.Version;

    // SADD

    [Fact]
    public async Task Sadd_creates_the_set_and_counts_only_new_members()
    {
        ReplyAssert.Integer(await _engine.Run("SADD", "s", "a", "b", "a"), 2);
        ReplyAssert.Integer(await _engine.Run("SADD", "s", "b", "c"), 1);
        ReplyAssert.Integer(await _engine.Run("SADD", "s", "a"), 0);

        Assert.Equal(["a", "b", "c"], await Members("s"));
        ReplyAssert.Simple(await _engine.Run("TYPE", "s"), "set");
    }

    [Fact]
    public async Task Sadd_takes_members_as_bytes_including_the_empty_member()
    {
        ReplyAssert.Integer(await _engine.RunBytes("SADD"u8.ToArray(), "s"u8.ToArray(), [], [0xFF, 0x00], [0xFF]), 3);

        ReplyAssert.Integer(await _engine.RunBytes("SISMEMBER"u8.ToArray(), "s"u8.ToArray(), []), 1);
        ReplyAssert.Integer(await _engine.RunBytes("SISMEMBER"u8.ToArray(), "s"u8.ToArray(), [0xFF, 0x00]), 1);
        ReplyAssert.Integer(await _engine.RunBytes("SISMEMBER"u8.ToArray(), "s"u8.ToArray(), [0x00]), 0);
    }

    [Fact]
    public async Task Sadd_without_a_member_is_a_wrong_arity_error()
    {
        ReplyAssert.Error(await _engine.Run("SADD", "s"), "ERR wrong number of arguments for 'sadd' command");
    }

    [Fact]
    public async Task Sadd_that_adds_nothing_keeps_the_version_and_is_not_logged()
    {
        await _engine.Run("SADD", "s", "a");
        var before = await Version("s");
        _engine.Log.Clear();

        ReplyAssert.Integer(await _engine.Run("SADD", "s", "a"), 0);

        Assert.Equal(before, await Version("s"));
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Sadd_keeps_the_keys_ttl_and_gives_it_a_new_version()
    {
        await _engine.Run("SADD", "s", "a");
        await _engine.Run("EXPIRE", "s", "100");
        var before = await Version("s");

        await _engine.Run("SADD", "s", "b");

        ReplyAssert.Integer(await _engine.Run("TTL", "s"), 100);
        Assert.NotEqual(before, await Version("s"));
    }

    // SREM

    [Fact]
    public async Task Srem_counts_the_members_it_removed()
    {
        await _engine.Run("SADD", "s", "a", "b", "c");

        ReplyAssert.Integer(await _engine.Run("SREM", "s", "a", "a", "zz"), 1);
        ReplyAssert.Integer(await _engine.Run("SREM", "s", "zz"), 0);

        Assert.Equal(["b", "c"], await Members("s"));
    }

    [Fact]
    public async Task Srem_of_the_last_members_deletes_the_key()
    {
        await _engine.Run("SADD", "s", "a", "b");

        ReplyAssert.Integer(await _engine.Run("SREM", "s", "a", "b", "zz"), 2);

        ReplyAssert.Integer(await _engine.Run("EXISTS", "s"), 0);
        ReplyAssert.Simple(await _engine.Run("TYPE", "s"), "none");
    }

    [Fact]
    public async Task Srem_on_a_missing_key_is_zero_and_without_a_member_is_a_wrong_arity_error()
    {
        ReplyAssert.Integer(await _engine.Run("SREM", "nokey", "a"), 0);
        ReplyAssert.Error(await _engine.Run("SREM", "s"), "ERR wrong number of arguments for 'srem' command");
    }

    // SMEMBERS, SISMEMBER, SMISMEMBER, SCARD

    [Fact]
    public async Task Smembers_is_a_set_reply_and_empty_for_a_missing_key()
    {
        await _engine.Run("SADD", "s", "x", "y");

        SetOf(await _engine.Run("SMEMBERS", "s"), "x", "y");
        SetOf(await _engine.Run("SMEMBERS", "nokey"));
    }

    [Fact]
    public async Task Sismember_is_one_or_zero()
    {
        await _engine.Run("SADD", "s", "a");

        ReplyAssert.Integer(await _engine.Run("SISMEMBER", "s", "a"), 1);
        ReplyAssert.Integer(await _engine.Run("SISMEMBER", "s", "b"), 0);
        ReplyAssert.Integer(await _engine.Run("SISMEMBER", "nokey", "a"), 0);
        ReplyAssert.Error(await _engine.Run("SISMEMBER", "s"), "ERR wrong number of arguments for 'sismember' command");
    }

    [Fact]
    public async Task Smismember_answers_each_member_in_order()
    {
        await _engine.Run("SADD", "s", "a", "c");

        ReplyAssert.BulkArray(await _engine.Run("SMISMEMBER", "s", "a", "b", "c", "a"), "1", "0", "1", "1");
        ReplyAssert.BulkArray(await _engine.Run("SMISMEMBER", "nokey", "a", "b"), "0", "0");
        ReplyAssert.Error(await _engine.Run("SMISMEMBER", "s"), "ERR wrong number of arguments for 'smismember' command");
    }

    [Fact]
    public async Task Scard_counts_members_and_is_zero_for_a_missing_key()
    {
        await _engine.Run("SADD", "s", "a", "b", "c");

        ReplyAssert.Integer(await _engine.Run("SCARD", "s"), 3);
        ReplyAssert.Integer(await _engine.Run("SCARD", "nokey"), 0);
    }

    [Theory]
    [InlineData("SADD", "str", "a")]
    [InlineData("SREM", "str", "a")]
    [InlineData("SMEMBERS", "str")]
    [InlineData("SISMEMBER", "str", "a")]
    [InlineData("SMISMEMBER", "str", "a")]
    [InlineData("SCARD", "str")]
    [InlineData("SPOP", "str")]
    [InlineData("SPOP", "str", "0")]
    [InlineData("SRANDMEMBER", "str")]
    [InlineData("SRANDMEMBER", "str", "-1")]
    [InlineData("SSCAN", "str", "0")]
    [InlineData("SINTER", "s", "str")]
    [InlineData("SINTER", "nokey", "str")]
    [InlineData("SUNION", "s", "str")]
    [InlineData("SDIFF", "nokey", "str")]
    [InlineData("SINTERSTORE", "d", "nokey", "str")]
    [InlineData("SUNIONSTORE", "d", "s", "str")]
    [InlineData("SDIFFSTORE", "d", "nokey", "str")]
    [InlineData("SINTERCARD", "2", "nokey", "str")]
    [InlineData("SMOVE", "str", "s", "a")]
    [InlineData("SMOVE", "s", "str", "a")]
    [InlineData("SMOVE", "str", "str", "a")]
    public async Task Set_commands_on_a_string_are_wrongtype_and_change_nothing(params string[] command)
    {
        await _engine.Run("SET", "str", "v");
        await _engine.Run("SADD", "s", "a");
        await _engine.Run("SADD", "d", "q");

        ReplyAssert.Error(await _engine.Run(command), WrongType);

        ReplyAssert.Bulk(await _engine.Run("GET", "str"), "v");
        Assert.Equal(["a"], await Members("s"));
        Assert.Equal(["q"], await Members("d"));
    }

    [Fact]
    public async Task Copy_gives_an_independent_set()
    {
        await _engine.Run("SADD", "s", "a", "b");

        ReplyAssert.Integer(await _engine.Run("COPY", "s", "c"), 1);
        await _engine.Run("SADD", "c", "z");
        await _engine.Run("SREM", "s", "a");

        Assert.Equal(["b"], await Members("s"));
        Assert.Equal(["a", "b", "z"], await Members("c"));
        ReplyAssert.Simple(await _engine.Run("TYPE", "c"), "set");
    }

    [Fact]
    public async Task A_set_grows_and_shrinks_through_many_members()
    {
        var members = Enumerable.Range(0, 5000).Select(i => $"m{i}").ToArray();
        ReplyAssert.Integer(await _engine.Run(["SADD", "s", .. members]), 5000);
        ReplyAssert.Integer(await _engine.Run(["SREM", "s", .. members[..4990]]), 4990);

        Assert.Equal(members[4990..].Order(StringComparer.Ordinal), await Members("s"));
        ReplyAssert.Integer(await _engine.Run("SCARD", "s"), 10);
    }

    [Fact]
    public async Task Set_commands_are_in_the_command_table_with_redis_arity_flags_and_keys()
    {
        var table = _engine.Executor.Commands;

        Assert.Equal((-3, 1, 1), (table["SADD"].Arity, table["SADD"].FirstKey, table["SADD"].LastKey));
        Assert.Equal((-2, 1, -1), (table["SINTER"].Arity, table["SINTER"].FirstKey, table["SINTER"].LastKey));
        Assert.Equal((4, 1, 2), (table["SMOVE"].Arity, table["SMOVE"].FirstKey, table["SMOVE"].LastKey));
        Assert.Equal((-3, 1, -1), (table["SDIFFSTORE"].Arity, table["SDIFFSTORE"].FirstKey, table["SDIFFSTORE"].LastKey));
        Assert.True(table["SPOP"].IsWrite);
        Assert.False(table["SRANDMEMBER"].IsWrite);
        Assert.Equal("SINTERCARD numkeys key [key ...] [LIMIT limit]", table["SINTERCARD"].Syntax);
        Assert.Equal("set", table["SSCAN"].Group);
    }

    // SMOVE

    [Fact]
    public async Task Smove_moves_a_member_creating_the_destination()
    {
        await _engine.Run("SADD", "src", "a", "b");

        ReplyAssert.Integer(await _engine.Run("SMOVE", "src", "dst", "a"), 1);

        Assert.Equal(["b"], await Members("src"));
        Assert.Equal(["a"], await Members("dst"));
    }

    [Fact]
    public async Task Smove_of_the_last_member_deletes_the_source()
    {
        await _engine.Run("SADD", "src", "a");
        await _engine.Run("SADD", "dst", "a", "x");

        ReplyAssert.Integer(await _engine.Run("SMOVE", "src", "dst", "a"), 1);

        ReplyAssert.Integer(await _engine.Run("EXISTS", "src"), 0);
        Assert.Equal(["a", "x"], await Members("dst"));
    }

    [Fact]
    public async Task Smove_of_a_member_that_is_not_there_is_zero_and_not_logged()
    {
        await _engine.Run("SADD", "src", "a");
        _engine.Log.Clear();

        ReplyAssert.Integer(await _engine.Run("SMOVE", "src", "dst", "zz"), 0);
        ReplyAssert.Integer(await _engine.Run("SMOVE", "nokey", "dst", "a"), 0);

        ReplyAssert.Integer(await _engine.Run("EXISTS", "dst"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Smove_from_a_missing_source_is_zero_even_when_the_destination_has_another_type()
    {
        await _engine.Run("SET", "str", "v");

        ReplyAssert.Integer(await _engine.Run("SMOVE", "nokey", "str", "a"), 0);
    }

    [Fact]
    public async Task Smove_within_one_set_changes_nothing_and_says_whether_the_member_is_there()
    {
        await _engine.Run("SADD", "s", "a", "b");
        var before = await Version("s");

        ReplyAssert.Integer(await _engine.Run("SMOVE", "s", "s", "a"), 1);
        ReplyAssert.Integer(await _engine.Run("SMOVE", "s", "s", "zz"), 0);

        Assert.Equal(["a", "b"], await Members("s"));
        Assert.Equal(before, await Version("s"));
    }

    [Fact]
    public async Task Smove_is_logged_as_it_was_sent()
    {
        await _engine.Run("SADD", "src", "a");
        _engine.Log.Clear();

        await _engine.Run("SMOVE", "src", "dst", "a");

        Assert.Equal(["SMOVE src dst a"], _engine.Log.Effects);
    }

    [Fact]
    public async Task A_set_that_expired_is_a_missing_key_for_every_set_command()
    {
        await _engine.Run("SADD", "s", "a");
        await _engine.Run("PEXPIRE", "s", "100");
        _engine.Advance(TimeSpan.FromMilliseconds(101));

        ReplyAssert.Integer(await _engine.Run("SCARD", "s"), 0);
        ReplyAssert.Integer(await _engine.Run("SADD", "s", "b"), 1);
        Assert.Equal(["b"], await Members("s"));
        ReplyAssert.Integer(await _engine.Run("TTL", "s"), -1);
    }
}
