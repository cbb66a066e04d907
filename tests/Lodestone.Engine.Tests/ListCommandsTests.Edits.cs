namespace Lodestone.Engine.Tests;

/// <summary>Changes inside a list: LINSERT, LREM, LTRIM; and searching it: LPOS.</summary>
public sealed partial class ListCommandsTests
{
    // LINSERT

    [Fact]
    public async Task Linsert_puts_the_element_before_or_after_the_first_pivot_and_answers_the_length()
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c", "b");

        ReplyAssert.Integer(await _engine.Run("LINSERT", "l", "BEFORE", "b", "X"), 5);
        ReplyAssert.Integer(await _engine.Run("LINSERT", "l", "after", "b", "Y"), 6);
        ReplyAssert.Integer(await _engine.Run("LINSERT", "l", "before", "a", "H"), 7);
        ReplyAssert.Integer(await _engine.Run("LINSERT", "l", "AFTER", "c", "T"), 8);

        Assert.Equal(["H", "a", "X", "b", "Y", "c", "T", "b"], await Range("l"));
    }

    [Fact]
    public async Task Linsert_near_either_end_of_a_long_list_keeps_every_element_in_order()
    {
        var items = Enumerable.Range(0, 40).Select(i => $"e{i}").ToList();
        await _engine.Run(["RPUSH", "l", .. items]);

        await _engine.Run("LINSERT", "l", "BEFORE", "e3", "near-head");
        await _engine.Run("LINSERT", "l", "AFTER", "e36", "near-tail");

        items.Insert(3, "near-head");
        items.Insert(38, "near-tail");
        Assert.Equal(items, await Range("l"));
    }

    [Fact]
    public async Task Linsert_without_the_pivot_is_minus_one_and_on_a_missing_key_zero()
    {
        await _engine.Run("RPUSH", "l", "a");
        var before = await Version("l");

        ReplyAssert.Integer(await _engine.Run("LINSERT", "l", "BEFORE", "zz", "x"), -1);
        ReplyAssert.Integer(await _engine.Run("LINSERT", "missing", "BEFORE", "a", "x"), 0);

        Assert.Equal(["a"], await Range("l"));
        Assert.Equal(before, await Version("l"));
        ReplyAssert.Integer(await _engine.Run("EXISTS", "missing"), 0);
        Assert.Equal(["RPUSH l a"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Linsert_takes_only_before_or_after()
    {
        await _engine.Run("RPUSH", "l", "a");

        ReplyAssert.Error(await _engine.Run("LINSERT", "l", "middle", "a", "x"), "ERR syntax error");
        ReplyAssert.Error(await _engine.Run("LINSERT", "missing", "middle", "a", "x"), "ERR syntax error");
        ReplyAssert.Error(await _engine.Run("LINSERT", "l", "before", "a"), "ERR wrong number of arguments for 'linsert' command");
    }

    // LREM

    [Theory]
    [InlineData("2", 2, new[] { "b", "c", "a", "b", "a" })]
    [InlineData("-1", 1, new[] { "a", "b", "a", "c", "a", "b" })]
    [InlineData("-3", 3, new[] { "a", "b", "c", "b" })]
    [InlineData("0", 4, new[] { "b", "c", "b" })]
    [InlineData("100", 4, new[] { "b", "c", "b" })]
    [InlineData("-9223372036854775808", 4, new[] { "b", "c", "b" })]
    public async Task Lrem_removes_the_first_count_matches_from_the_head_or_the_tail_or_all(string count, long removed, string[] left)
    {
        await _engine.Run("RPUSH", "l", "a", "b", "a", "c", "a", "b", "a");

        ReplyAssert.Integer(await _engine.Run("LREM", "l", count, "a"), removed);

        Assert.Equal(left, await Range("l"));
    }

    [Fact]
    public async Task Lrem_of_every_element_deletes_the_list()
    {
        await _engine.Run("RPUSH", "l", "x", "x", "x");

        ReplyAssert.Integer(await _engine.Run("LREM", "l", "0", "x"), 3);

        ReplyAssert.Integer(await _engine.Run("EXISTS", "l"), 0);
    }

    [Fact]
    public async Task Lrem_without_a_match_changes_nothing_and_is_not_logged()
    {
        await _engine.Run("RPUSH", "l", "a");
        var before = await Version("l");

        ReplyAssert.Integer(await _engine.Run("LREM", "l", "0", "zz"), 0);
        ReplyAssert.Integer(await _engine.Run("LREM", "missing", "1", "a"), 0);

        Assert.Equal(before, await Version("l"));
        Assert.Equal(["RPUSH l a"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Lrem_needs_an_integer_count_even_on_a_missing_key()
    {
        ReplyAssert.Error(await _engine.Run("LREM", "missing", "x", "a"), NotInteger);
    }

    // LTRIM

    [Theory]
    [InlineData("1", "-2", new[] { "b", "c", "d" })]
    [InlineData("-3", "-1", new[] { "c", "d", "e" })]
    [InlineData("-100", "100", new[] { "a", "b", "c", "d", "e" })]
    [InlineData("0", "0", new[] { "a" })]
    [InlineData("4", "9223372036854775807", new[] { "e" })]
    public async Task Ltrim_keeps_the_range_with_redis_index_rules(string start, string stop, string[] kept)
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c", "d", "e");

        ReplyAssert.Ok(await _engine.Run("LTRIM", "l", start, stop));

        Assert.Equal(kept, await Range("l"));
    }

    [Theory]
    [InlineData("5", "10")]
    [InlineData("2", "1")]
    [InlineData("-100", "-6")]
    public async Task Ltrim_to_an_empty_range_deletes_the_list(string start, string stop)
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c", "d", "e");

        ReplyAssert.Ok(await _engine.Run("LTRIM", "l", start, stop));

        ReplyAssert.Integer(await _engine.Run("EXISTS", "l"), 0);
    }

    [Fact]
    public async Task Ltrim_that_keeps_everything_changes_nothing_and_a_missing_key_is_ok()
    {
        await _engine.Run("RPUSH", "l", "a", "b");
        var before = await Version("l");

        ReplyAssert.Ok(await _engine.Run("LTRIM", "l", "0", "-1"));
        ReplyAssert.Ok(await _engine.Run("LTRIM", "missing", "0", "1"));

        Assert.Equal(before, await Version("l"));
        Assert.Equal(["RPUSH l a b"], _engine.Log.Effects);
        ReplyAssert.Error(await _engine.Run("LTRIM", "missing", "x", "1"), NotInteger);
        ReplyAssert.Error(await _engine.Run("LTRIM", "l", "0", "y"), NotInteger);
    }

    [Fact]
    public async Task A_recent_items_list_stays_capped_with_lpush_and_ltrim()
    {
        for (var i = 0; i < 20; i++)
        {
            await _engine.Run("LPUSH", "recent", $"item{i}");
            await _engine.Run("LTRIM", "recent", "0", "4");
        }

        Assert.Equal(["item19", "item18", "item17", "item16", "item15"], await Range("recent"));
    }

    // LPOS

    [Theory]
    [InlineData(new string[0], "2")]
    [InlineData(new[] { "RANK", "2" }, "6")]
    [InlineData(new[] { "RANK", "-1" }, "7")]
    [InlineData(new[] { "RANK", "-3" }, "2")]
    [InlineData(new[] { "RANK", "-4" }, null)]
    [InlineData(new[] { "RANK", "4" }, null)]
    [InlineData(new[] { "MAXLEN", "3" }, "2")]
    [InlineData(new[] { "MAXLEN", "2" }, null)]
    [InlineData(new[] { "MAXLEN", "0" }, "2")]
    [InlineData(new[] { "rank", "-1", "maxlen", "1" }, "7")]
    [InlineData(new[] { "RANK", "2", "MAXLEN", "6" }, null)]
    [InlineData(new[] { "RANK", "-9223372036854775807" }, null)]
    public async Task Lpos_finds_one_match_by_rank_within_maxlen(string[] options, string? expected)
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c");

        var reply = await _engine.Run(["LPOS", "l", "c", .. options]);

        if (expected is null)
            ReplyAssert.Null(reply);
        else
            ReplyAssert.Integer(reply, long.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(new[] { "COUNT", "0" }, new[] { "2", "6", "7" })]
    [InlineData(new[] { "COUNT", "2" }, new[] { "2", "6" })]
    [InlineData(new[] { "COUNT", "1" }, new[] { "2" })]
    [InlineData(new[] { "RANK", "-1", "COUNT", "2" }, new[] { "7", "6" })]
    [InlineData(new[] { "RANK", "2", "COUNT", "0" }, new[] { "6", "7" })]
    [InlineData(new[] { "COUNT", "0", "MAXLEN", "3" }, new[] { "2" })]
    [InlineData(new[] { "COUNT", "0", "MAXLEN", "2" }, new string[0])]
    [InlineData(new[] { "COUNT", "5", "RANK", "4" }, new string[0])]
    public async Task Lpos_with_count_answers_every_match_as_an_array(string[] options, string[] expected)
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c");

        ReplyAssert.BulkArray(await _engine.Run(["LPOS", "l", "c", .. options]), expected);
    }

    [Fact]
    public async Task Lpos_of_a_missing_key_or_element_is_nil_or_an_empty_array()
    {
        await _engine.Run("RPUSH", "l", "a");

        ReplyAssert.Null(await _engine.Run("LPOS", "l", "zz"));
        ReplyAssert.BulkArray(await _engine.Run("LPOS", "l", "zz", "COUNT", "0"));
        ReplyAssert.Null(await _engine.Run("LPOS", "missing", "a"));
        ReplyAssert.BulkArray(await _engine.Run("LPOS", "missing", "a", "COUNT", "0"));
    }

    [Theory]
    [InlineData(new[] { "RANK", "0" }, "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")]
    [InlineData(new[] { "RANK", "x" }, NotInteger)]
    // Redis 7.2's answer; 7.0 negates the rank, overflows and answers a match.
    [InlineData(new[] { "RANK", "-9223372036854775808" }, "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")]
    [InlineData(new[] { "COUNT", "-1" }, "ERR COUNT can't be negative")]
    [InlineData(new[] { "COUNT", "x" }, "ERR COUNT can't be negative")]
    [InlineData(new[] { "COUNT", "99999999999999999999" }, "ERR COUNT can't be negative")]
    [InlineData(new[] { "MAXLEN", "-1" }, "ERR MAXLEN can't be negative")]
    [InlineData(new[] { "MAXLEN", "x" }, "ERR MAXLEN can't be negative")]
    [InlineData(new[] { "FOO", "1" }, "ERR syntax error")]
    [InlineData(new[] { "RANK" }, "ERR syntax error")]
    [InlineData(new[] { "COUNT", "1", "MAXLEN" }, "ERR syntax error")]
    public async Task Lpos_refuses_bad_options_even_on_a_missing_key(string[] options, string error)
    {
        await _engine.Run("RPUSH", "l", "a");

        ReplyAssert.Error(await _engine.Run(["LPOS", "l", "a", .. options]), error);
        ReplyAssert.Error(await _engine.Run(["LPOS", "missing", "a", .. options]), error);
    }
}
