namespace Lodestone.Engine.Tests;

/// <summary>The algebra: ZUNION, ZINTER, ZDIFF, their STORE forms (WEIGHTS, AGGREGATE) and ZINTERCARD.</summary>
public sealed partial class SortedSetCommandsTests
{
    private async Task TwoSets()
    {
        await Run("ZADD", "z1", "1", "a", "2", "b", "3", "c");
        await Run("ZADD", "z2", "10", "b", "20", "c", "30", "d");
    }

    [Theory]
    [InlineData("[a, 1, b, 12, c, 23, d, 30]")]
    [InlineData("[a, 2, b, 14, c, 26, d, 30]", "WEIGHTS", "2", "1")]
    [InlineData("[a, 1, b, 2, c, 3, d, 30]", "AGGREGATE", "MIN")]
    [InlineData("[a, 1, b, 10, c, 20, d, 30]", "aggregate", "max")]
    [InlineData("[d, -30, c, -17, b, -8, a, 1]", "WEIGHTS", "1", "-1")]
    [InlineData("[a, 1, b, 10, c, 20, d, 30]", "AGGREGATE", "MIN", "AGGREGATE", "MAX")]
    public async Task Zunion_combines_every_member_with_weights_and_aggregate(string expected, params string[] options)
    {
        await TwoSets();

        await Shows(expected, ["ZUNION", "2", "z1", "z2", .. options, "WITHSCORES"]);
    }

    [Theory]
    [InlineData("[b, 12, c, 23]")]
    [InlineData("[c, -17, b, -8]", "WEIGHTS", "1", "-1", "AGGREGATE", "SUM")]
    [InlineData("[b, 46, c, 89]", "WEIGHTS", "1", "2", "WEIGHTS", "3", "4")]
    [InlineData("[b, 2, c, 3]", "AGGREGATE", "MIN")]
    public async Task Zinter_keeps_members_in_every_input(string expected, params string[] options)
    {
        await TwoSets();

        await Shows(expected, ["ZINTER", "2", "z1", "z2", .. options, "WITHSCORES"]);
    }

    [Fact]
    public async Task Zdiff_keeps_members_of_the_first_input_only_with_their_scores()
    {
        await TwoSets();
        await Run("ZADD", "z3", "0", "a");

        await Shows("[a, 1]", "ZDIFF", "2", "z1", "z2", "WITHSCORES");
        await Shows("[]", "ZDIFF", "3", "z1", "z2", "z3");
        await Shows("[a, b, c]", "ZDIFF", "2", "z1", "missing");
        await Shows("[]", "ZDIFF", "2", "missing", "z1");
    }

    [Fact]
    public async Task Missing_keys_are_empty_inputs()
    {
        await TwoSets();

        await Shows("[a, b, c]", "ZUNION", "2", "z1", "missing");
        await Shows("[]", "ZINTER", "2", "z1", "missing");
        await Shows("[]", "ZUNION", "1", "missing");
        ReplyAssert.Integer(await Run("ZINTERCARD", "2", "missing", "z1"), 0);
    }

    [Fact]
    public async Task A_key_given_twice_is_combined_with_itself()
    {
        await TwoSets();

        await Shows("[a, 2, b, 4, c, 6]", "ZINTER", "2", "z1", "z1", "WITHSCORES");
        await Shows("[a, 3, b, 6, c, 9]", "ZUNION", "2", "z1", "z1", "WEIGHTS", "1", "2", "WITHSCORES");
    }

    [Fact]
    public async Task Infinite_scores_never_make_nan()
    {
        await Run("ZADD", "pinf", "+inf", "a");
        await Run("ZADD", "ninf", "-inf", "a");
        await TwoSets();

        await Shows("[a, 0]", "ZUNION", "2", "pinf", "ninf", "WITHSCORES");
        await Shows("[a, 0]", "ZINTER", "2", "pinf", "ninf", "WITHSCORES");
        await Shows("[a, 0]", "ZUNION", "1", "pinf", "WEIGHTS", "0", "WITHSCORES");
        await Shows("[d, 30, a, inf, b, inf, c, inf]", "ZUNION", "2", "z1", "z2", "WEIGHTS", "inf", "1", "WITHSCORES");
    }

    [Theory]
    [InlineData("ZUNION", "ERR at least 1 input key is needed for 'zunion' command", "0", "z1")]
    [InlineData("ZINTER", "ERR at least 1 input key is needed for 'zinter' command", "-1", "z1")]
    [InlineData("ZUNION", "ERR value is not an integer or out of range", "abc", "z1")]
    [InlineData("ZUNION", "ERR syntax error", "3", "z1", "z2")]
    [InlineData("ZUNION", "ERR syntax error", "2", "z1", "z2", "WEIGHTS", "1")]
    [InlineData("ZUNION", "ERR weight value is not a float", "2", "z1", "z2", "WEIGHTS", "1", "x")]
    [InlineData("ZUNION", "ERR weight value is not a float", "2", "z1", "z2", "WEIGHTS", "1", "nan")]
    [InlineData("ZUNION", "ERR syntax error", "2", "z1", "z2", "AGGREGATE", "avg")]
    [InlineData("ZUNION", "ERR syntax error", "2", "z1", "z2", "AGGREGATE")]
    [InlineData("ZUNION", "ERR syntax error", "2", "z1", "z2", "foo")]
    [InlineData("ZDIFF", "ERR syntax error", "2", "z1", "z2", "WEIGHTS", "1", "1")]
    [InlineData("ZDIFF", "ERR syntax error", "2", "z1", "z2", "AGGREGATE", "SUM")]
    [InlineData("ZUNIONSTORE", "ERR syntax error", "out", "2", "z1", "z2", "WITHSCORES")]
    [InlineData("ZUNIONSTORE", "ERR at least 1 input key is needed for 'zunionstore' command", "out", "0", "z1")]
    [InlineData("ZDIFFSTORE", "ERR at least 1 input key is needed for 'zdiffstore' command", "out", "0", "z1")]
    [InlineData("ZINTERCARD", "ERR at least 1 input key is needed for 'zintercard' command", "0", "z1")]
    [InlineData("ZINTERCARD", "ERR LIMIT can't be negative", "2", "z1", "z2", "LIMIT", "-1")]
    [InlineData("ZINTERCARD", "ERR LIMIT can't be negative", "2", "z1", "z2", "LIMIT", "abc")]
    [InlineData("ZINTERCARD", "ERR syntax error", "2", "z1", "z2", "WITHSCORES")]
    [InlineData("ZINTERCARD", "ERR syntax error", "2", "z1", "z2", "WEIGHTS", "1", "1")]
    public async Task The_algebra_refuses_bad_arguments_and_stores_nothing(string command, string error, params string[] arguments)
    {
        await TwoSets();

        ReplyAssert.Error(await Run([command, .. arguments]), error);

        ReplyAssert.Integer(await Run("EXISTS", "out"), 0);
    }

    [Fact]
    public async Task An_input_of_another_type_is_wrongtype_before_any_option_is_read()
    {
        await TwoSets();
        await Run("SET", "s", "v");

        ReplyAssert.Error(await Run("ZUNION", "2", "z1", "s", "foo"), WrongType);
        ReplyAssert.Error(await Run("ZINTERSTORE", "out", "2", "s", "z1"), WrongType);
        ReplyAssert.Error(await Run("ZINTERCARD", "1", "s"), WrongType);
        ReplyAssert.Integer(await Run("EXISTS", "out"), 0);
    }

    [Fact]
    public async Task The_store_forms_replace_the_destination_whatever_it_was()
    {
        await TwoSets();
        await Run("SET", "out", "v", "EX", "100");

        ReplyAssert.Integer(await Run("ZUNIONSTORE", "out", "2", "z1", "z2", "WEIGHTS", "2", "1", "AGGREGATE", "MAX"), 4);

        await Contents("out", "[a, 2, b, 10, c, 20, d, 30]");
        ReplyAssert.Integer(await Run("TTL", "out"), -1);
        ReplyAssert.Integer(await Run("ZINTERSTORE", "out", "2", "z1", "z2"), 2);
        await Contents("out", "[b, 12, c, 23]");
        ReplyAssert.Integer(await Run("ZDIFFSTORE", "out", "2", "z2", "z1"), 1);
        await Contents("out", "[d, 30]");
    }

    [Fact]
    public async Task An_empty_result_deletes_the_destination()
    {
        await TwoSets();
        await Run("ZADD", "out", "1", "old");

        ReplyAssert.Integer(await Run("ZINTERSTORE", "out", "2", "z1", "missing"), 0);

        ReplyAssert.Integer(await Run("EXISTS", "out"), 0);
    }

    [Fact]
    public async Task A_store_may_overwrite_one_of_its_inputs()
    {
        await TwoSets();

        ReplyAssert.Integer(await Run("ZUNIONSTORE", "z1", "2", "z1", "z2"), 4);

        await Contents("z1", "[a, 1, b, 12, c, 23, d, 30]");
    }

    [Fact]
    public async Task The_store_forms_are_logged_as_given()
    {
        await TwoSets();
        _engine.Log.Clear();

        await Run("ZUNIONSTORE", "out", "2", "z1", "z2", "WEIGHTS", "2", "1");
        await Run("ZINTERSTORE", "none", "2", "z1", "missing");

        Assert.Equal(["ZUNIONSTORE out 2 z1 z2 WEIGHTS 2 1"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Zintercard_counts_the_intersection_up_to_a_limit()
    {
        await TwoSets();

        ReplyAssert.Integer(await Run("ZINTERCARD", "2", "z1", "z2"), 2);
        ReplyAssert.Integer(await Run("ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"), 1);
        ReplyAssert.Integer(await Run("ZINTERCARD", "2", "z1", "z2", "LIMIT", "0"), 2);
        ReplyAssert.Integer(await Run("ZINTERCARD", "2", "z1", "z2", "LIMIT", "1", "LIMIT", "5"), 2);
        ReplyAssert.Integer(await Run("ZINTERCARD", "1", "z1"), 3);
    }

    [Fact]
    public async Task The_read_only_forms_write_nothing()
    {
        await TwoSets();
        _engine.Log.Clear();

        await Run("ZUNION", "2", "z1", "z2");
        await Run("ZINTER", "2", "z1", "z2");
        await Run("ZDIFF", "2", "z1", "z2");
        await Run("ZINTERCARD", "2", "z1", "z2");

        Assert.Empty(_engine.Log.Effects);
        ReplyAssert.Integer(await Run("DBSIZE"), 2);
    }
}
