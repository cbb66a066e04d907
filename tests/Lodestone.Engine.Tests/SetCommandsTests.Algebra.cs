using Lodestone.Engine.Execution;
using Lodestone.Engine.Security;

namespace Lodestone.Engine.Tests;

/// <summary>Intersection, union and difference, replied or stored, and SINTERCARD.</summary>
public sealed partial class SetCommandsTests
{
    /// <summary>a = {1,2,3,4}, b = {3,4,5}, c = {4,6}: Redis's documentation examples, extended.</summary>
    private async Task ThreeSets()
    {
        await _engine.Run("SADD", "a", "1", "2", "3", "4");
        await _engine.Run("SADD", "b", "3", "4", "5");
        await _engine.Run("SADD", "c", "4", "6");
    }

    // SINTER

    [Fact]
    public async Task Sinter_keeps_the_members_of_every_set()
    {
        await ThreeSets();

        SetOf(await _engine.Run("SINTER", "a", "b", "c"), "4");
        SetOf(await _engine.Run("SINTER", "a", "b"), "3", "4");
        SetOf(await _engine.Run("SINTER", "c", "a"), "4");
    }

    [Fact]
    public async Task Sinter_of_one_set_or_a_set_with_itself_is_that_set()
    {
        await ThreeSets();

        SetOf(await _engine.Run("SINTER", "a"), "1", "2", "3", "4");
        SetOf(await _engine.Run("SINTER", "a", "a"), "1", "2", "3", "4");
    }

    [Fact]
    public async Task Sinter_with_a_missing_key_is_empty()
    {
        await ThreeSets();

        SetOf(await _engine.Run("SINTER", "a", "nokey"));
        SetOf(await _engine.Run("SINTER", "nokey"));
    }

    [Fact]
    public async Task Sinter_of_disjoint_sets_is_empty()
    {
        await ThreeSets();
        await _engine.Run("SADD", "d", "x");

        SetOf(await _engine.Run("SINTER", "a", "d"));
    }

    // SUNION

    [Fact]
    public async Task Sunion_holds_each_member_of_any_set_once()
    {
        await ThreeSets();

        SetOf(await _engine.Run("SUNION", "a", "b", "c"), "1", "2", "3", "4", "5", "6");
        SetOf(await _engine.Run("SUNION", "c", "c"), "4", "6");
    }

    [Fact]
    public async Task Sunion_ignores_missing_keys()
    {
        await ThreeSets();

        SetOf(await _engine.Run("SUNION", "nokey", "c", "other"), "4", "6");
        SetOf(await _engine.Run("SUNION", "nokey"));
    }

    // SDIFF

    [Fact]
    public async Task Sdiff_keeps_the_members_of_the_first_set_in_no_other()
    {
        await ThreeSets();

        SetOf(await _engine.Run("SDIFF", "a", "b", "c"), "1", "2");
        SetOf(await _engine.Run("SDIFF", "b", "a"), "5");
        SetOf(await _engine.Run("SDIFF", "a"), "1", "2", "3", "4");
        SetOf(await _engine.Run("SDIFF", "a", "nokey"), "1", "2", "3", "4");
    }

    [Fact]
    public async Task Sdiff_of_a_missing_first_key_or_of_a_set_with_itself_is_empty()
    {
        await ThreeSets();

        SetOf(await _engine.Run("SDIFF", "nokey", "a"));
        SetOf(await _engine.Run("SDIFF", "a", "a"));
        SetOf(await _engine.Run("SDIFF", "a", "b", "a"));
    }

    [Fact]
    public async Task Sdiff_gives_the_same_result_whichever_algorithm_the_sizes_choose()
    {
        // A small first set against a large one tests each member; a large first set against small
        // ones copies it and removes the others' members.
        await _engine.Run(["SADD", "big", .. Enumerable.Range(0, 1000).Select(i => $"m{i}")]);
        await _engine.Run("SADD", "small", "m1", "m2", "x");
        await _engine.Run("SADD", "tiny", "m3");

        SetOf(await _engine.Run("SDIFF", "small", "big"), "x");
        var rest = ReplyAssert.Texts(await _engine.Run("SDIFF", "big", "small", "tiny", "small"));
        Assert.Equal(997, rest.Length);
        Assert.DoesNotContain("m1", rest);
        Assert.DoesNotContain("m3", rest);
        Assert.Contains("m0", rest);
    }

    // SINTERSTORE, SUNIONSTORE, SDIFFSTORE

    [Theory]
    [InlineData("SINTERSTORE", 2, new[] { "3", "4" })]
    [InlineData("SUNIONSTORE", 5, new[] { "1", "2", "3", "4", "5" })]
    [InlineData("SDIFFSTORE", 2, new[] { "1", "2" })]
    public async Task Store_commands_store_the_result_and_reply_with_its_size(string command, long size, string[] members)
    {
        await ThreeSets();

        ReplyAssert.Integer(await _engine.Run(command, "dst", "a", "b"), size);

        Assert.Equal(members, await Members("dst"));
        ReplyAssert.Simple(await _engine.Run("TYPE", "dst"), "set");
    }

    [Theory]
    [InlineData("SINTERSTORE")]
    [InlineData("SUNIONSTORE")]
    [InlineData("SDIFFSTORE")]
    public async Task Store_commands_overwrite_a_destination_of_any_type_and_drop_its_ttl(string command)
    {
        await ThreeSets();
        await _engine.Run("SET", "dst", "a string");
        await _engine.Run("EXPIRE", "dst", "100");

        ReplyAssert.Integer(await _engine.Run(command, "dst", "c"), 2);

        Assert.Equal(["4", "6"], await Members("dst"));
        ReplyAssert.Integer(await _engine.Run("TTL", "dst"), -1);
    }

    [Theory]
    [InlineData("SINTERSTORE", "a", "nokey")]
    [InlineData("SUNIONSTORE", "nokey")]
    [InlineData("SDIFFSTORE", "a", "a")]
    [InlineData("SDIFFSTORE", "nokey", "a")]
    public async Task Store_commands_with_an_empty_result_delete_the_destination(string command, params string[] sources)
    {
        await ThreeSets();
        await _engine.Run("SET", "dst", "old");

        ReplyAssert.Integer(await _engine.Run([command, "dst", .. sources]), 0);

        ReplyAssert.Integer(await _engine.Run("EXISTS", "dst"), 0);
    }

    [Fact]
    public async Task Store_commands_may_use_the_destination_as_a_source()
    {
        await ThreeSets();

        ReplyAssert.Integer(await _engine.Run("SUNIONSTORE", "a", "a", "c"), 5);
        ReplyAssert.Integer(await _engine.Run("SINTERSTORE", "b", "b", "a"), 2);
        ReplyAssert.Integer(await _engine.Run("SDIFFSTORE", "c", "c", "b"), 1);

        Assert.Equal(["1", "2", "3", "4", "6"], await Members("a"));
        Assert.Equal(["3", "4"], await Members("b"));
        Assert.Equal(["6"], await Members("c"));
    }

    [Fact]
    public async Task A_stored_result_is_independent_of_its_sources()
    {
        await ThreeSets();

        await _engine.Run("SDIFFSTORE", "copy", "a");
        await _engine.Run("SADD", "copy", "new");
        await _engine.Run("SREM", "a", "1");

        Assert.Equal(["1", "2", "3", "4", "new"], await Members("copy"));
        Assert.Equal(["2", "3", "4"], await Members("a"));
    }

    [Fact]
    public async Task Store_commands_are_logged_as_sent_even_when_the_result_is_empty()
    {
        await ThreeSets();
        _engine.Log.Clear();

        await _engine.Run("SINTERSTORE", "dst", "a", "b");
        await _engine.Run("SINTERSTORE", "none", "a", "nokey");

        Assert.Equal(["SINTERSTORE dst a b", "SINTERSTORE none a nokey"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Store_commands_without_a_source_are_wrong_arity_errors()
    {
        ReplyAssert.Error(await _engine.Run("SINTERSTORE", "dst"), "ERR wrong number of arguments for 'sinterstore' command");
        ReplyAssert.Error(await _engine.Run("SUNION"), "ERR wrong number of arguments for 'sunion' command");
    }

    // SINTERCARD

    [Fact]
    public async Task Sintercard_counts_the_intersection()
    {
        await ThreeSets();

        ReplyAssert.Integer(await _engine.Run("SINTERCARD", "2", "a", "b"), 2);
        ReplyAssert.Integer(await _engine.Run("SINTERCARD", "3", "a", "b", "c"), 1);
        ReplyAssert.Integer(await _engine.Run("SINTERCARD", "1", "a"), 4);
        ReplyAssert.Integer(await _engine.Run("SINTERCARD", "2", "a", "nokey"), 0);
    }

    [Theory]
    [InlineData("0", 2)]
    [InlineData("1", 1)]
    [InlineData("2", 2)]
    [InlineData("3", 2)]
    public async Task Sintercard_stops_counting_at_the_limit_and_zero_means_no_limit(string limit, long expected)
    {
        await ThreeSets();

        ReplyAssert.Integer(await _engine.Run("SINTERCARD", "2", "a", "b", "LIMIT", limit), expected);
        ReplyAssert.Integer(await _engine.Run("SINTERCARD", "2", "a", "b", "limit", limit), expected);
    }

    [Fact]
    public async Task Sintercard_takes_the_last_limit_given()
    {
        await ThreeSets();

        ReplyAssert.Integer(await _engine.Run("SINTERCARD", "2", "a", "b", "LIMIT", "1", "LIMIT", "0"), 2);
    }

    [Theory]
    [InlineData("ERR numkeys should be greater than 0", "0", "a")]
    [InlineData("ERR numkeys should be greater than 0", "-1", "a")]
    [InlineData("ERR numkeys should be greater than 0", "abc", "a")]
    [InlineData("ERR Number of keys can't be greater than number of args", "2", "a")]
    [InlineData("ERR Number of keys can't be greater than number of args", "9223372036854775807", "a")]
    [InlineData("ERR syntax error", "1", "a", "extra")]
    [InlineData("ERR syntax error", "1", "a", "LIMIT")]
    [InlineData("ERR syntax error", "3", "a", "b", "c", "d")]
    [InlineData("ERR LIMIT can't be negative", "1", "a", "LIMIT", "-1")]
    [InlineData("ERR LIMIT can't be negative", "1", "a", "LIMIT", "abc")]
    [InlineData("ERR LIMIT can't be negative", "1", "a", "LIMIT", "9223372036854775808")]
    public async Task Sintercard_refuses_bad_arguments_with_redis_texts(string error, params string[] args)
    {
        await ThreeSets();

        ReplyAssert.Error(await _engine.Run(["SINTERCARD", .. args]), error);
    }

    [Fact]
    public async Task Sintercard_checks_its_arguments_before_the_types_of_its_keys()
    {
        await _engine.Run("SET", "str", "v");

        ReplyAssert.Error(await _engine.Run("SINTERCARD", "1", "str", "LIMIT", "-1"), "ERR LIMIT can't be negative");
        ReplyAssert.Error(await _engine.Run("SINTERCARD", "1", "str"), WrongType);
    }

    [Fact]
    public async Task Sintercard_does_not_take_limit_or_its_value_for_keys_of_another_type()
    {
        await ThreeSets();
        await _engine.Run("SET", "LIMIT", "a string");
        await _engine.Run("SET", "1", "a string");

        ReplyAssert.Integer(await _engine.Run("SINTERCARD", "2", "a", "b", "LIMIT", "1"), 1);
    }

    [Fact]
    public async Task A_user_limited_to_some_keys_may_not_reach_others_through_any_key_of_a_set_command()
    {
        await _engine.Run("SADD", "app1:a", "x");
        await _engine.Run("SADD", "other", "x");
        var scoped = new AclUser("app1", AclRole.Write, [Argv.Of("app1:*")[0]]);
        async Task<Reply> RunAs(params string[] args) =>
            (await _engine.Executor.ExecuteAsync(new CommandRequest(Argv.Of(args)) { User = scoped })).Reply;
        const string noPerm = "NOPERM this user has no permissions to access one of the keys used as arguments";

        ReplyAssert.Integer(await RunAs("SINTERCARD", "2", "app1:a", "app1:b"), 0);
        ReplyAssert.Error(await RunAs("SINTERCARD", "2", "app1:a", "other"), noPerm);
        ReplyAssert.Error(await RunAs("SINTER", "app1:a", "other"), noPerm);
        ReplyAssert.Error(await RunAs("SUNIONSTORE", "other", "app1:a"), noPerm);
        ReplyAssert.Error(await RunAs("SMOVE", "app1:a", "other", "x"), noPerm);

        Assert.Equal(["x"], await Members("other"));
        Assert.Equal(["x"], await Members("app1:a"));
    }
}
