using System.Globalization;
using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// The sorted set commands, with Redis 7's replies and error texts (each checked against a real
/// Redis 7.0; doubles are printed shortest, as Redis 7.2 prints them). This part: adding, scores,
/// ranks, removal, random members and ZSCAN.
/// </summary>
public sealed partial class SortedSetCommandsTests : IDisposable
{
    private const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";

    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private Task<Reply> Run(params string[] args) => _engine.Run(args);

    /// <summary>A reply as redis-cli would list it, on one line: [a, 1, b, 2]; nil for null; doubles shortest.</summary>
    private static string Show(Reply reply) => reply.Kind switch
    {
        ReplyKind.Null => "nil",
        ReplyKind.Bulk => Encoding.UTF8.GetString(reply.AsBulk().Span),
        ReplyKind.Integer => reply.AsInteger().ToString(CultureInfo.InvariantCulture),
        ReplyKind.Double => Score(reply.AsDouble()),
        ReplyKind.Error => "(error) " + reply.AsError().Message,
        ReplyKind.Array => "[" + string.Join(", ", reply.AsItems().Select(Show)) + "]",
        _ => reply.ToString(),
    };

    private static string Score(double value) => value switch
    {
        double.PositiveInfinity => "inf",
        double.NegativeInfinity => "-inf",
        _ => value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal),
    };

    private async Task Shows(string expected, params string[] command) => Assert.Equal(expected, Show(await Run(command)));

    private static void IsDouble(Reply reply, double expected)
    {
        Assert.True(reply.Kind == ReplyKind.Double, $"Expected (double) {expected}, got {reply}");
        Assert.Equal(expected, reply.AsDouble());
    }

    private async Task Contents(string key, string expected) => await Shows(expected, "ZRANGE", key, "0", "-1", "WITHSCORES");

    // ZADD

    [Fact]
    public async Task Zadd_adds_members_ordered_by_score_then_member_bytes()
    {
        ReplyAssert.Integer(await Run("ZADD", "z", "2", "b", "1", "c", "1", "a", "1", "B"), 4);

        await Contents("z", "[B, 1, a, 1, c, 1, b, 2]");
        ReplyAssert.Simple(await Run("TYPE", "z"), "zset");
    }

    [Fact]
    public async Task Zadd_of_existing_members_updates_scores_and_counts_only_new_ones()
    {
        await Run("ZADD", "z", "1", "a", "2", "b");

        ReplyAssert.Integer(await Run("ZADD", "z", "5", "a", "2", "b", "3", "c"), 1);

        await Contents("z", "[b, 2, c, 3, a, 5]");
    }

    [Fact]
    public async Task Zadd_with_a_member_twice_keeps_the_last_score()
    {
        ReplyAssert.Integer(await Run("ZADD", "z", "1", "a", "2", "a"), 1);

        await Contents("z", "[a, 2]");
    }

    [Fact]
    public async Task Zadd_ch_counts_added_and_updated_members()
    {
        await Run("ZADD", "z", "5", "a");

        ReplyAssert.Integer(await Run("ZADD", "z", "CH", "1", "a", "5", "b", "9", "d"), 3);
        ReplyAssert.Integer(await Run("ZADD", "z", "CH", "1", "a"), 0);
    }

    [Fact]
    public async Task Zadd_nx_only_adds_and_xx_only_updates()
    {
        await Run("ZADD", "z", "1", "a");

        ReplyAssert.Integer(await Run("ZADD", "z", "NX", "9", "a", "2", "b"), 1);
        ReplyAssert.Integer(await Run("ZADD", "z", "XX", "CH", "7", "a", "3", "c"), 1);

        await Contents("z", "[b, 2, a, 7]");
    }

    [Fact]
    public async Task Zadd_xx_on_a_missing_key_creates_nothing()
    {
        ReplyAssert.Integer(await Run("ZADD", "z", "XX", "1", "a"), 0);
        ReplyAssert.Null(await Run("ZADD", "z", "XX", "INCR", "1", "a"));

        ReplyAssert.Integer(await Run("EXISTS", "z"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Zadd_gt_and_lt_update_only_in_their_direction_but_still_add_new_members()
    {
        await Run("ZADD", "z", "5", "a", "5", "b");

        ReplyAssert.Integer(await Run("ZADD", "z", "GT", "CH", "1", "a", "9", "b", "3", "new"), 2);
        ReplyAssert.Integer(await Run("ZADD", "z", "LT", "CH", "4", "a", "10", "b"), 1);
        ReplyAssert.Integer(await Run("ZADD", "z", "XX", "GT", "CH", "10", "a", "0", "none"), 1);

        await Contents("z", "[new, 3, b, 9, a, 10]");
    }

    [Fact]
    public async Task Zadd_incr_returns_the_new_score_or_nil_when_a_condition_stops_it()
    {
        await Run("ZADD", "z", "5", "a");

        IsDouble(await Run("ZADD", "z", "INCR", "2.5", "a"), 7.5);
        IsDouble(await Run("ZADD", "z", "INCR", "1", "new"), 1);
        ReplyAssert.Null(await Run("ZADD", "z", "NX", "INCR", "5", "a"));
        ReplyAssert.Null(await Run("ZADD", "z", "XX", "INCR", "5", "missing"));
        ReplyAssert.Null(await Run("ZADD", "z", "GT", "INCR", "-1", "a"));
        IsDouble(await Run("ZADD", "z", "LT", "INCR", "-1", "a"), 6.5);
        IsDouble(await Run("ZADD", "z", "INCR", "0", "a"), 6.5);
    }

    [Theory]
    [InlineData("ERR XX and NX options at the same time are not compatible", "NX", "XX", "1", "a")]
    [InlineData("ERR GT, LT, and/or NX options at the same time are not compatible", "NX", "GT", "1", "a")]
    [InlineData("ERR GT, LT, and/or NX options at the same time are not compatible", "LT", "NX", "1", "a")]
    [InlineData("ERR GT, LT, and/or NX options at the same time are not compatible", "GT", "LT", "1", "a")]
    [InlineData("ERR GT, LT, and/or NX options at the same time are not compatible", "NX", "GT", "abc", "a")]
    [InlineData("ERR INCR option supports a single increment-element pair", "INCR", "1", "a", "2", "b")]
    [InlineData("ERR syntax error", "1", "a", "NX")]
    [InlineData("ERR syntax error", "XX", "NX", "1", "a", "2")]
    [InlineData("ERR syntax error", "NX", "XX")]
    [InlineData("ERR syntax error", "1", "a", "2")]
    [InlineData("ERR value is not a valid float", "abc", "a")]
    [InlineData("ERR value is not a valid float", "nan", "a")]
    [InlineData("ERR value is not a valid float", " 1", "a")]
    [InlineData("ERR value is not a valid float", "1 ", "a")]
    [InlineData("ERR value is not a valid float", "1e400", "a")]
    [InlineData("ERR value is not a valid float", "1e-400", "a")]
    [InlineData("ERR value is not a valid float", "1", "a", "x", "b")]
    public async Task Zadd_refuses_bad_options_and_scores_and_changes_nothing(string error, params string[] arguments)
    {
        await Run("ZADD", "z", "1", "kept");

        ReplyAssert.Error(await Run(["ZADD", "z", .. arguments]), error);

        await Contents("z", "[kept, 1]");
    }

    [Fact]
    public async Task Zadd_reads_scores_as_redis_does()
    {
        await Run("ZADD", "z", "0x10", "hex", "-0", "zero", "+inf", "top", "-inf", "bottom", "1e-310", "tiny", "1.50", "x", "2.5e3", "y");

        await Contents("z", "[bottom, -inf, zero, 0, tiny, 1e-310, x, 1.5, hex, 16, y, 2500, top, inf]");
    }

    [Fact]
    public async Task Zadd_options_are_case_insensitive()
    {
        ReplyAssert.Integer(await Run("ZADD", "z", "nx", "ch", "1", "a"), 1);
        IsDouble(await Run("ZADD", "z", "xx", "incr", "1", "a"), 2);
    }

    [Fact]
    public async Task Zadd_incr_that_would_make_nan_is_refused()
    {
        await Run("ZADD", "z", "+inf", "a");

        ReplyAssert.Error(await Run("ZADD", "z", "INCR", "-inf", "a"), "ERR resulting score is not a number (NaN)");
        ReplyAssert.Error(await Run("ZINCRBY", "z", "-inf", "a"), "ERR resulting score is not a number (NaN)");

        await Contents("z", "[a, inf]");
    }

    [Fact]
    public async Task Zadd_is_logged_as_given_only_when_it_changed_something()
    {
        await Run("ZADD", "z", "1", "a");
        await Run("ZADD", "z", "1", "a");
        await Run("ZADD", "z", "NX", "2", "a");

        Assert.Equal(["ZADD z 1 a"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Zadd_gives_the_key_a_new_version_only_when_it_changes()
    {
        await Run("ZADD", "z", "1", "a");
        var before = await _engine.Executor.ExecuteAsync(new CommandRequest(Argv.Of("ZCARD", "z"), Argv.Of("z")[0]));

        var unchanged = await _engine.Executor.ExecuteAsync(new CommandRequest(Argv.Of("ZADD", "z", "1", "a"), Argv.Of("z")[0]));
        var changed = await _engine.Executor.ExecuteAsync(new CommandRequest(Argv.Of("ZADD", "z", "2", "a"), Argv.Of("z")[0]));

        Assert.Equal(before.After.Version, unchanged.After.Version);
        Assert.NotEqual(before.After.Version, changed.After.Version);
    }

    // ZINCRBY

    [Fact]
    public async Task Zincrby_adds_to_the_score_and_creates_missing_members_and_keys()
    {
        IsDouble(await Run("ZINCRBY", "z", "5", "a"), 5);
        IsDouble(await Run("ZINCRBY", "z", "-1.5", "a"), 3.5);
        IsDouble(await Run("ZINCRBY", "z", "0.1", "b"), 0.1);
        IsDouble(await Run("ZINCRBY", "z", "0.2", "b"), 0.30000000000000004);

        await Contents("z", "[b, 0.30000000000000004, a, 3.5]");
    }

    [Theory]
    [InlineData("abc", "ERR value is not a valid float")]
    [InlineData("nx", "ERR syntax error")]
    public async Task Zincrby_refuses_a_bad_increment(string increment, string error)
    {
        ReplyAssert.Error(await Run("ZINCRBY", "z", increment, "a"), error);
        ReplyAssert.Error(await Run("ZINCRBY", "z", "1"), "ERR wrong number of arguments for 'zincrby' command");
        ReplyAssert.Integer(await Run("EXISTS", "z"), 0);
    }

    // ZREM, ZCARD

    [Fact]
    public async Task Zrem_removes_present_members_counting_each_once()
    {
        await Run("ZADD", "z", "1", "a", "2", "b", "3", "c");

        ReplyAssert.Integer(await Run("ZREM", "z", "a", "nope", "b", "b"), 2);
        ReplyAssert.Integer(await Run("ZREM", "z", "nope"), 0);
        ReplyAssert.Integer(await Run("ZREM", "missing", "a"), 0);

        ReplyAssert.Integer(await Run("ZCARD", "z"), 1);
        Assert.Equal(["ZADD z 1 a 2 b 3 c", "ZREM z a nope b b"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Removing_the_last_member_deletes_the_key()
    {
        await Run("ZADD", "z", "1", "a");

        ReplyAssert.Integer(await Run("ZREM", "z", "a"), 1);

        ReplyAssert.Integer(await Run("EXISTS", "z"), 0);
        ReplyAssert.Integer(await Run("ZCARD", "z"), 0);
    }

    // ZSCORE, ZMSCORE

    [Fact]
    public async Task Zscore_is_a_double_or_nil()
    {
        await Run("ZADD", "z", "1.5", "a", "-inf", "low");

        IsDouble(await Run("ZSCORE", "z", "a"), 1.5);
        IsDouble(await Run("ZSCORE", "z", "low"), double.NegativeInfinity);
        ReplyAssert.Null(await Run("ZSCORE", "z", "nope"));
        ReplyAssert.Null(await Run("ZSCORE", "missing", "a"));
    }

    [Fact]
    public async Task Zmscore_answers_each_member_in_order()
    {
        await Run("ZADD", "z", "1", "a", "2", "b");

        await Shows("[1, nil, 2]", "ZMSCORE", "z", "a", "nope", "b");
        await Shows("[nil, nil]", "ZMSCORE", "missing", "a", "b");
        ReplyAssert.Error(await Run("ZMSCORE", "z"), "ERR wrong number of arguments for 'zmscore' command");
    }

    // ZRANK, ZREVRANK

    [Fact]
    public async Task Zrank_and_zrevrank_count_from_the_lowest_and_the_highest()
    {
        await Run("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d");

        ReplyAssert.Integer(await Run("ZRANK", "z", "a"), 0);
        ReplyAssert.Integer(await Run("ZRANK", "z", "c"), 2);
        ReplyAssert.Integer(await Run("ZREVRANK", "z", "a"), 3);
        ReplyAssert.Integer(await Run("ZREVRANK", "z", "d"), 0);
        ReplyAssert.Null(await Run("ZRANK", "z", "nope"));
        ReplyAssert.Null(await Run("ZREVRANK", "missing", "a"));
    }

    [Fact]
    public async Task Zrank_withscore_adds_the_score()
    {
        await Run("ZADD", "z", "1", "a", "2.5", "b");

        await Shows("[1, 2.5]", "ZRANK", "z", "b", "WITHSCORE");
        await Shows("[1, 1]", "ZREVRANK", "z", "a", "withscore");
        ReplyAssert.Null(await Run("ZRANK", "z", "nope", "WITHSCORE"));
        ReplyAssert.Null(await Run("ZRANK", "missing", "a", "WITHSCORE"));
    }

    [Fact]
    public async Task Zrank_refuses_other_options()
    {
        await Run("ZADD", "z", "1", "a");

        ReplyAssert.Error(await Run("ZRANK", "z", "a", "foo"), "ERR syntax error");
        ReplyAssert.Error(await Run("ZRANK", "z", "a", "WITHSCORE", "extra"), "ERR wrong number of arguments for 'zrank' command");
        ReplyAssert.Error(await Run("ZREVRANK", "z"), "ERR wrong number of arguments for 'zrevrank' command");
    }

    // Types, copies, versions

    [Fact]
    public async Task Sorted_set_commands_on_another_type_are_wrongtype_and_others_on_a_zset_too()
    {
        await Run("SET", "s", "v");
        await Run("ZADD", "z", "1", "a");

        foreach (var command in new[] { new[] { "ZADD", "s", "1", "a" }, ["ZSCORE", "s", "a"], ["ZRANGE", "s", "0", "-1"], ["ZCARD", "s"], ["ZPOPMIN", "s"] })
            ReplyAssert.Error(await Run(command), WrongType);
        ReplyAssert.Error(await Run("GET", "z"), WrongType);
        ReplyAssert.Error(await Run("LPUSH", "z", "x"), WrongType);
    }

    [Fact]
    public async Task Changes_in_place_keep_the_ttl_and_an_expired_sorted_set_is_gone()
    {
        await Run("ZADD", "z", "1", "a");
        await Run("PEXPIRE", "z", "1000");

        await Run("ZADD", "z", "2", "b");
        await Run("ZINCRBY", "z", "1", "a");
        await Run("ZREM", "z", "b");
        await Run("ZPOPMIN", "z", "0");
        ReplyAssert.Integer(await Run("PTTL", "z"), 1000);

        _engine.Advance(TimeSpan.FromMilliseconds(1001));
        ReplyAssert.Integer(await Run("ZCARD", "z"), 0);
        ReplyAssert.Null(await Run("ZSCORE", "z", "a"));
        await Shows("[]", "ZPOPMIN", "z");
    }

    [Fact]
    public async Task Copy_makes_an_independent_sorted_set()
    {
        await Run("ZADD", "z", "1", "a", "2", "b");

        ReplyAssert.Integer(await Run("COPY", "z", "z2"), 1);
        await Run("ZADD", "z2", "9", "a", "3", "c");
        await Run("ZREM", "z", "b");

        await Contents("z", "[a, 1]");
        await Contents("z2", "[b, 2, c, 3, a, 9]");
        ReplyAssert.Simple(await Run("TYPE", "z2"), "zset");
    }

    // ZRANDMEMBER

    [Fact]
    public async Task Zrandmember_without_a_count_is_one_member_or_nil()
    {
        await Run("ZADD", "z", "1", "a", "2", "b", "3", "c");

        for (var i = 0; i < 20; i++)
            Assert.Contains(Show(await Run("ZRANDMEMBER", "z")), new[] { "a", "b", "c" });
        ReplyAssert.Null(await Run("ZRANDMEMBER", "missing"));
    }

    [Fact]
    public async Task Zrandmember_with_a_positive_count_gives_distinct_members()
    {
        for (var i = 0; i < 100; i++)
            await Run("ZADD", "z", i.ToString(CultureInfo.InvariantCulture), $"m{i}");

        foreach (var count in new[] { 1, 5, 40, 90, 100, 150 })
        {
            var members = ReplyAssert.Texts(await Run("ZRANDMEMBER", "z", count.ToString(CultureInfo.InvariantCulture)));
            Assert.Equal(Math.Min(count, 100), members.Length);
            Assert.Equal(members.Length, members.Distinct().Count());
            Assert.All(members, m => Assert.StartsWith("m", m, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Zrandmember_with_a_count_over_the_size_returns_the_whole_set()
    {
        await Run("ZADD", "z", "1", "a", "2", "b", "3", "c");

        await Shows("[a, 1, b, 2, c, 3]", "ZRANDMEMBER", "z", "5", "WITHSCORES");
    }

    [Fact]
    public async Task Zrandmember_with_a_negative_count_may_repeat_members()
    {
        await Run("ZADD", "z", "1", "a");

        await Shows("[a, a, a]", "ZRANDMEMBER", "z", "-3");
        await Shows("[a, 1, a, 1]", "ZRANDMEMBER", "z", "-2", "WITHSCORES");
    }

    [Fact]
    public async Task Zrandmember_with_count_zero_or_a_missing_key_is_empty()
    {
        await Run("ZADD", "z", "1", "a");

        await Shows("[]", "ZRANDMEMBER", "z", "0");
        await Shows("[]", "ZRANDMEMBER", "missing", "3", "WITHSCORES");
        await Shows("[]", "ZRANDMEMBER", "missing", "-3");
    }

    [Theory]
    [InlineData("ERR value is not an integer or out of range", "abc")]
    [InlineData("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807", "-9223372036854775808")]
    [InlineData("ERR syntax error", "1", "foo")]
    [InlineData("ERR syntax error", "1", "WITHSCORES", "foo")]
    [InlineData("ERR value is out of range", "-9223372036854775807", "WITHSCORES")]
    [InlineData("ERR value is out of range", "4611686018427387904", "WITHSCORES")]
    public async Task Zrandmember_refuses_bad_counts_and_options_even_for_a_missing_key(string error, params string[] arguments)
    {
        ReplyAssert.Error(await Run(["ZRANDMEMBER", "missing", .. arguments]), error);
    }

    [Fact]
    public async Task Zrandmember_refuses_a_repeating_reply_too_large_to_build()
    {
        await Run("ZADD", "z", "1", "a");

        ReplyAssert.Error(await Run("ZRANDMEMBER", "z", "-16777217"), "ERR value is out of range");
        ReplyAssert.Error(await Run("ZRANDMEMBER", "z", "-8388609", "WITHSCORES"), "ERR value is out of range");
        await Shows("[a]", "ZRANDMEMBER", "z", "16777217");
    }

    [Fact]
    public async Task Zrandmember_is_read_only_and_not_logged()
    {
        await Run("ZADD", "z", "1", "a");
        _engine.Log.Clear();

        await Run("ZRANDMEMBER", "z", "-5", "WITHSCORES");

        Assert.Empty(_engine.Log.Effects);
        Assert.False(_engine.Executor.Commands["ZRANDMEMBER"].IsWrite);
    }

    // ZSCAN

    [Fact]
    public async Task Zscan_visits_every_member_with_its_score()
    {
        for (var i = 0; i < 300; i++)
            await Run("ZADD", "z", i.ToString(CultureInfo.InvariantCulture), $"m{i}");

        var seen = new Dictionary<string, string>();
        var cursor = "0";
        do
        {
            var reply = (await Run("ZSCAN", "z", cursor, "COUNT", "7")).AsItems();
            cursor = Show(reply[0]);
            var items = reply[1].AsItems();
            for (var i = 0; i < items.Count; i += 2)
            {
                Assert.Equal(ReplyKind.Double, items[i + 1].Kind);
                seen[Show(items[i])] = Show(items[i + 1]);
            }
        }
        while (cursor != "0");

        Assert.Equal(300, seen.Count);
        Assert.Equal("42", seen["m42"]);
    }

    [Fact]
    public async Task Zscan_match_filters_members()
    {
        await Run("ZADD", "z", "1", "apple", "2", "avocado", "3", "banana");

        var reply = (await Run("ZSCAN", "z", "0", "MATCH", "a*", "COUNT", "1000")).AsItems();

        Assert.Equal("0", Show(reply[0]));
        var pairs = reply[1].AsItems().Chunk(2).Select(p => $"{Show(p[0])}={Show(p[1])}").Order(StringComparer.Ordinal);
        Assert.Equal(["apple=1", "avocado=2"], pairs);
    }

    [Theory]
    [InlineData("ERR invalid cursor", "abc")]
    [InlineData("ERR syntax error", "0", "COUNT", "0")]
    [InlineData("ERR value is not an integer or out of range", "0", "COUNT", "abc")]
    [InlineData("ERR syntax error", "0", "TYPE", "zset")]
    [InlineData("ERR syntax error", "0", "MATCH")]
    public async Task Zscan_refuses_bad_cursors_and_options(string error, params string[] arguments)
    {
        await Run("ZADD", "z", "1", "a");

        ReplyAssert.Error(await Run(["ZSCAN", "z", .. arguments]), error);
    }

    [Fact]
    public async Task Zscan_of_a_missing_key_is_a_finished_empty_scan_whatever_the_options()
    {
        await Shows("[0, []]", "ZSCAN", "missing", "0");
        await Shows("[0, []]", "ZSCAN", "missing", "0", "COUNT", "0");
        ReplyAssert.Error(await Run("ZSCAN", "missing", "abc"), "ERR invalid cursor");
    }
}
