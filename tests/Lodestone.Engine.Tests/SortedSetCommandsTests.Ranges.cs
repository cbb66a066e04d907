namespace Lodestone.Engine.Tests;

/// <summary>Ranges: ZRANGE and its older forms, ZCOUNT, ZLEXCOUNT, ZRANGESTORE and ZREMRANGEBY*.</summary>
public sealed partial class SortedSetCommandsTests
{
    private async Task FiveByScore() => await Run("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");

    private async Task FiveByLex() => await Run("ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e");

    // ZRANGE by rank

    [Theory]
    [InlineData("0", "-1", "[a, b, c, d, e]")]
    [InlineData("1", "3", "[b, c, d]")]
    [InlineData("-2", "-1", "[d, e]")]
    [InlineData("-100", "100", "[a, b, c, d, e]")]
    [InlineData("2", "1", "[]")]
    [InlineData("5", "10", "[]")]
    [InlineData("-1", "-2", "[]")]
    [InlineData("0", "0", "[a]")]
    [InlineData("3", "-1", "[d, e]")]
    public async Task Zrange_by_rank_takes_inclusive_indexes_negative_from_the_end(string start, string stop, string expected)
    {
        await FiveByScore();

        await Shows(expected, "ZRANGE", "z", start, stop);
    }

    [Fact]
    public async Task Zrange_rev_counts_ranks_from_the_highest()
    {
        await FiveByScore();

        await Shows("[e, 5, d, 4, c, 3, b, 2, a, 1]", "ZRANGE", "z", "0", "-1", "REV", "WITHSCORES");
        await Shows("[c, b]", "ZRANGE", "z", "-3", "-2", "REV");
        await Shows("[e, d]", "ZREVRANGE", "z", "0", "1");
        await Shows("[e, 5]", "ZREVRANGE", "z", "0", "0", "WITHSCORES");
    }

    [Fact]
    public async Task Zrange_of_a_missing_key_is_empty()
    {
        await Shows("[]", "ZRANGE", "missing", "0", "-1");
        await Shows("[]", "ZRANGE", "missing", "-inf", "+inf", "BYSCORE");
        await Shows("[]", "ZREVRANGEBYLEX", "missing", "+", "-");
    }

    [Fact]
    public async Task Zrange_accepts_options_in_any_order_and_withscores_twice()
    {
        await FiveByScore();

        await Shows("[c, 3, b, 2]", "ZRANGE", "z", "+inf", "-inf", "withscores", "LIMIT", "2", "2", "byscore", "rev", "WITHSCORES");
        await Shows("[a, b, c, d, e]", "ZRANGE", "z", "0", "-1", "LIMIT", "5", "-1");
    }

    [Theory]
    [InlineData("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX", "0", "-1", "LIMIT", "0", "1")]
    [InlineData("ERR syntax error, WITHSCORES not supported in combination with BYLEX", "-", "+", "BYLEX", "WITHSCORES")]
    [InlineData("ERR syntax error", "1", "2", "BYSCORE", "BYLEX")]
    [InlineData("ERR syntax error", "1", "2", "BYSCORE", "BYSCORE")]
    [InlineData("ERR syntax error", "0", "1", "REV", "REV")]
    [InlineData("ERR syntax error", "1", "3", "LIMIT")]
    [InlineData("ERR syntax error", "1", "3", "LIMIT", "1")]
    [InlineData("ERR syntax error", "0", "1", "foo")]
    [InlineData("ERR value is not an integer or out of range", "1", "3", "BYSCORE", "LIMIT", "a", "1")]
    [InlineData("ERR value is not an integer or out of range", "0", "x")]
    [InlineData("ERR value is not an integer or out of range", "(0", "1")]
    [InlineData("ERR min or max is not a float", "a", "b", "BYSCORE")]
    [InlineData("ERR min or max is not a float", "nan", "1", "BYSCORE")]
    [InlineData("ERR min or max is not a float", "(nan", "1", "BYSCORE")]
    [InlineData("ERR min or max is not a float", "1x", "3", "BYSCORE")]
    [InlineData("ERR min or max is not a float", " ", "3", "BYSCORE")]
    [InlineData("ERR min or max not valid string range item", "a", "b", "BYLEX")]
    [InlineData("ERR min or max not valid string range item", "", "+", "BYLEX")]
    [InlineData("ERR min or max not valid string range item", "+a", "+", "BYLEX")]
    public async Task Zrange_refuses_conflicting_options_and_bad_ranges(string error, params string[] arguments)
    {
        await FiveByScore();

        ReplyAssert.Error(await Run(["ZRANGE", "z", .. arguments]), error);
    }

    // By score

    [Theory]
    [InlineData("(1", "4", "[b, c, d]")]
    [InlineData("1", "(4", "[a, b, c]")]
    [InlineData("(1", "(4", "[b, c]")]
    [InlineData("3", "3", "[c]")]
    [InlineData("(3", "3", "[]")]
    [InlineData("(5", "+inf", "[]")]
    [InlineData("-inf", "+inf", "[a, b, c, d, e]")]
    [InlineData("(-inf", "(+inf", "[a, b, c, d, e]")]
    [InlineData("5", "1", "[]")]
    [InlineData("2.5", "4.5", "[c, d]")]
    public async Task Zrange_byscore_includes_or_excludes_each_end(string min, string max, string expected)
    {
        await FiveByScore();

        await Shows(expected, "ZRANGE", "z", min, max, "BYSCORE");
        await Shows(expected, "ZRANGEBYSCORE", "z", min, max);
    }

    [Theory]
    [InlineData("0", "2", "[a, b]")]
    [InlineData("1", "2", "[b, c]")]
    [InlineData("2", "-5", "[c, d, e]")]
    [InlineData("1", "0", "[]")]
    [InlineData("-1", "2", "[]")]
    [InlineData("100", "1", "[]")]
    [InlineData("4", "10", "[e]")]
    public async Task Zrange_byscore_limit_skips_offset_and_takes_count_negative_meaning_all(string offset, string count, string expected)
    {
        await FiveByScore();

        await Shows(expected, "ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", offset, count);
    }

    [Fact]
    public async Task Reverse_score_ranges_take_max_first_and_limit_from_the_top()
    {
        await FiveByScore();

        await Shows("[c, b]", "ZRANGE", "z", "(4", "(1", "BYSCORE", "REV");
        await Shows("[c, b]", "ZRANGE", "z", "4", "1", "BYSCORE", "REV", "LIMIT", "1", "2");
        await Shows("[]", "ZRANGE", "z", "1", "4", "BYSCORE", "REV");
        await Shows("[d, 4, c, 3]", "ZREVRANGEBYSCORE", "z", "4", "2", "WITHSCORES", "LIMIT", "0", "2");
        await Shows("[]", "ZREVRANGEBYSCORE", "z", "2", "4");
    }

    [Fact]
    public async Task Zrangebyscore_takes_withscores_and_limit()
    {
        await FiveByScore();

        await Shows("[c, 3]", "ZRANGEBYSCORE", "z", "2", "4", "LIMIT", "1", "1", "WITHSCORES");
        ReplyAssert.Error(await Run("ZRANGEBYSCORE", "z", "1", "2", "REV"), "ERR syntax error");
        ReplyAssert.Error(await Run("ZRANGEBYSCORE", "z", "1", "2", "BYSCORE"), "ERR syntax error");
        ReplyAssert.Error(await Run("ZREVRANGE", "z", "0", "1", "REV"), "ERR syntax error");
        ReplyAssert.Error(await Run("ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"), "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    }

    [Theory]
    [InlineData("", "", "[]")]
    [InlineData("(", "3", "[a, b, c]")]
    [InlineData(" 1", "3", "[a, b, c]")]
    [InlineData("0x1", "3", "[a, b, c]")]
    [InlineData("1e400", "+inf", "[top]")]
    [InlineData("-1e400", "1", "[bottom, a]")]
    [InlineData("-inf", "-inf", "[bottom]")]
    [InlineData("(-inf", "-inf", "[]")]
    [InlineData("+inf", "inf", "[top]")]
    [InlineData("1\0garbage", "1", "[a]")]
    public async Task Score_bounds_are_read_as_redis_reads_them(string min, string max, string expected)
    {
        await Run("ZADD", "z", "1", "a", "2", "b", "3", "c", "+inf", "top", "-inf", "bottom");

        await Shows(expected, "ZRANGEBYSCORE", "z", min, max);
    }

    [Fact]
    public async Task Equal_scores_are_ordered_by_member_bytes_in_every_direction()
    {
        await Run("ZADD", "z", "1", "b", "1", "a", "1", "aa", "1", "B", "0", "z", "2", "0");

        await Shows("[z, B, a, aa, b, 0]", "ZRANGE", "z", "0", "-1");
        await Shows("[0, b, aa, a, B, z]", "ZRANGE", "z", "0", "-1", "REV");
        await Shows("[a, aa]", "ZRANGEBYSCORE", "z", "1", "1", "LIMIT", "1", "2");
        await Shows("[aa, a]", "ZREVRANGEBYSCORE", "z", "1", "1", "LIMIT", "1", "2");
    }

    // By lex

    [Theory]
    [InlineData("-", "+", "[a, b, c, d, e]")]
    [InlineData("[b", "(d", "[b, c]")]
    [InlineData("(b", "[d", "[c, d]")]
    [InlineData("[bb", "+", "[c, d, e]")]
    [InlineData("+", "-", "[]")]
    [InlineData("[c", "(c", "[]")]
    [InlineData("[c", "[c", "[c]")]
    [InlineData("-", "-", "[]")]
    [InlineData("+", "+", "[]")]
    [InlineData("[", "(b", "[a]")]
    public async Task Zrangebylex_includes_or_excludes_each_end(string min, string max, string expected)
    {
        await FiveByLex();

        await Shows(expected, "ZRANGEBYLEX", "l", min, max);
        await Shows(expected, "ZRANGE", "l", min, max, "BYLEX");
    }

    [Fact]
    public async Task Lex_ranges_take_limit_and_reverse_with_max_first()
    {
        await FiveByLex();

        await Shows("[b]", "ZRANGEBYLEX", "l", "-", "(c", "LIMIT", "1", "5");
        await Shows("[e, d, c]", "ZREVRANGEBYLEX", "l", "+", "[c");
        await Shows("[b, a]", "ZREVRANGEBYLEX", "l", "(d", "-", "LIMIT", "1", "2");
        await Shows("[e, d, c, b, a]", "ZRANGE", "l", "[e", "[a", "BYLEX", "REV");
        await Shows("[]", "ZRANGE", "l", "[a", "[e", "BYLEX", "REV");
        ReplyAssert.Error(await Run("ZRANGEBYLEX", "l", "-", "+", "WITHSCORES"), "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        ReplyAssert.Error(await Run("ZRANGEBYLEX", "l", "a", "b"), "ERR min or max not valid string range item");
    }

    [Fact]
    public async Task Lex_ranges_compare_member_bytes_not_text()
    {
        await _engine.RunBytes(Bytes("ZADD"), Bytes("l"), Bytes("0"), [0xFF], Bytes("0"), [0x00], Bytes("0"), Bytes("a"));

        var members = (await _engine.RunBytes(Bytes("ZRANGEBYLEX"), Bytes("l"), [(byte)'(', 0x00], Bytes("+"))).AsItems();

        Assert.Equal(new[] { "a"u8.ToArray(), [0xFF] }, members.Select(m => m.AsBulk().ToArray()));
    }

    private static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    // ZCOUNT, ZLEXCOUNT

    [Fact]
    public async Task Zcount_counts_members_in_a_score_range()
    {
        await FiveByScore();

        ReplyAssert.Integer(await Run("ZCOUNT", "z", "-inf", "+inf"), 5);
        ReplyAssert.Integer(await Run("ZCOUNT", "z", "(1", "(5"), 3);
        ReplyAssert.Integer(await Run("ZCOUNT", "z", "5", "1"), 0);
        ReplyAssert.Integer(await Run("ZCOUNT", "missing", "0", "1"), 0);
        ReplyAssert.Error(await Run("ZCOUNT", "z", "a", "b"), "ERR min or max is not a float");
        ReplyAssert.Error(await Run("ZCOUNT", "missing", "a", "b"), "ERR min or max is not a float");
    }

    [Fact]
    public async Task Zlexcount_counts_members_in_a_lex_range()
    {
        await FiveByLex();

        ReplyAssert.Integer(await Run("ZLEXCOUNT", "l", "-", "+"), 5);
        ReplyAssert.Integer(await Run("ZLEXCOUNT", "l", "[b", "[d"), 3);
        ReplyAssert.Integer(await Run("ZLEXCOUNT", "l", "(b", "(d"), 1);
        ReplyAssert.Integer(await Run("ZLEXCOUNT", "l", "+", "-"), 0);
        ReplyAssert.Integer(await Run("ZLEXCOUNT", "missing", "-", "+"), 0);
        ReplyAssert.Error(await Run("ZLEXCOUNT", "l", "a", "b"), "ERR min or max not valid string range item");
    }

    // ZRANGESTORE

    [Fact]
    public async Task Zrangestore_stores_the_range_with_scores_and_is_logged_as_given()
    {
        await FiveByScore();
        _engine.Log.Clear();

        ReplyAssert.Integer(await Run("ZRANGESTORE", "dst", "z", "(1", "4", "BYSCORE", "LIMIT", "1", "5"), 2);

        await Contents("dst", "[c, 3, d, 4]");
        Assert.Equal(["ZRANGESTORE dst z (1 4 BYSCORE LIMIT 1 5"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Zrangestore_takes_rev_and_lex_ranges()
    {
        await FiveByScore();
        await FiveByLex();

        ReplyAssert.Integer(await Run("ZRANGESTORE", "d1", "z", "0", "1", "REV"), 2);
        ReplyAssert.Integer(await Run("ZRANGESTORE", "d2", "l", "[b", "[c", "BYLEX"), 2);

        await Contents("d1", "[d, 4, e, 5]");
        await Contents("d2", "[b, 0, c, 0]");
    }

    [Fact]
    public async Task Zrangestore_replaces_a_destination_of_any_type_and_drops_its_ttl()
    {
        await FiveByScore();
        await Run("SET", "dst", "v", "EX", "100");

        ReplyAssert.Integer(await Run("ZRANGESTORE", "dst", "z", "0", "0"), 1);

        ReplyAssert.Simple(await Run("TYPE", "dst"), "zset");
        ReplyAssert.Integer(await Run("TTL", "dst"), -1);
    }

    [Fact]
    public async Task Zrangestore_of_an_empty_range_deletes_the_destination()
    {
        await FiveByScore();
        await Run("ZADD", "dst", "1", "old");

        ReplyAssert.Integer(await Run("ZRANGESTORE", "dst", "z", "10", "11"), 0);
        ReplyAssert.Integer(await Run("EXISTS", "dst"), 0);
        ReplyAssert.Integer(await Run("ZRANGESTORE", "dst", "missing", "0", "-1"), 0);
        ReplyAssert.Integer(await Run("EXISTS", "dst"), 0);
    }

    [Fact]
    public async Task Zrangestore_refuses_withscores_and_a_source_of_another_type()
    {
        await Run("SET", "s", "v");
        await FiveByScore();

        ReplyAssert.Error(await Run("ZRANGESTORE", "dst", "z", "0", "1", "WITHSCORES"), "ERR syntax error");
        ReplyAssert.Error(await Run("ZRANGESTORE", "dst", "z", "0", "1", "LIMIT", "0", "1"), "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        ReplyAssert.Error(await Run("ZRANGESTORE", "dst", "z", "a", "b", "BYSCORE"), "ERR min or max is not a float");
        ReplyAssert.Error(await Run("ZRANGESTORE", "dst", "s", "0", "1"), WrongType);
        ReplyAssert.Error(await Run("ZRANGESTORE", "dst", "z", "0"), "ERR wrong number of arguments for 'zrangestore' command");
        ReplyAssert.Integer(await Run("EXISTS", "dst"), 0);
    }

    [Fact]
    public async Task Zrangestore_onto_its_own_source_replaces_it()
    {
        await FiveByScore();

        ReplyAssert.Integer(await Run("ZRANGESTORE", "z", "z", "1", "2"), 2);

        await Contents("z", "[b, 2, c, 3]");
    }

    // ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX

    [Theory]
    [InlineData("0", "1", 2, "[c, d, e]")]
    [InlineData("-2", "-1", 2, "[a, b, c]")]
    [InlineData("5", "10", 0, "[a, b, c, d, e]")]
    [InlineData("3", "1", 0, "[a, b, c, d, e]")]
    [InlineData("1", "100", 4, "[a]")]
    public async Task Zremrangebyrank_removes_members_by_inclusive_rank(string start, string stop, long removed, string left)
    {
        await FiveByScore();

        ReplyAssert.Integer(await Run("ZREMRANGEBYRANK", "z", start, stop), removed);

        await Shows(left, "ZRANGE", "z", "0", "-1");
    }

    [Fact]
    public async Task Zremrangebyscore_and_bylex_remove_members_in_the_range()
    {
        await FiveByScore();
        await FiveByLex();

        ReplyAssert.Integer(await Run("ZREMRANGEBYSCORE", "z", "(1", "3"), 2);
        ReplyAssert.Integer(await Run("ZREMRANGEBYLEX", "l", "(a", "[c"), 2);

        await Shows("[a, d, e]", "ZRANGE", "z", "0", "-1");
        await Shows("[a, d, e]", "ZRANGE", "l", "0", "-1");
    }

    [Fact]
    public async Task Removing_a_whole_range_deletes_the_key_and_a_missing_key_removes_nothing()
    {
        await FiveByScore();

        ReplyAssert.Integer(await Run("ZREMRANGEBYRANK", "z", "0", "-1"), 5);
        ReplyAssert.Integer(await Run("EXISTS", "z"), 0);
        ReplyAssert.Integer(await Run("ZREMRANGEBYSCORE", "z", "-inf", "+inf"), 0);
        ReplyAssert.Integer(await Run("ZREMRANGEBYLEX", "z", "-", "+"), 0);
        Assert.Equal(["ZADD z 1 a 2 b 3 c 4 d 5 e", "ZREMRANGEBYRANK z 0 -1"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Zremrangeby_refuses_bad_ranges_even_on_a_missing_key()
    {
        ReplyAssert.Error(await Run("ZREMRANGEBYRANK", "missing", "a", "1"), "ERR value is not an integer or out of range");
        ReplyAssert.Error(await Run("ZREMRANGEBYSCORE", "missing", "a", "1"), "ERR min or max is not a float");
        ReplyAssert.Error(await Run("ZREMRANGEBYLEX", "missing", "a", "b"), "ERR min or max not valid string range item");
    }
}
