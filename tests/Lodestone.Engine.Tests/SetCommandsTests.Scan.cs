using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>SSCAN: cursors, COUNT, MATCH and Redis's guarantee under change.</summary>
public sealed partial class SetCommandsTests
{
    /// <summary>One SSCAN call: the next cursor and the page's members.</summary>
    private async Task<(string Cursor, string?[] Members)> SScan(params string[] args)
    {
        var reply = await _engine.Run(["SSCAN", .. args]);
        Assert.True(reply.Kind == ReplyKind.Array, $"Expected a scan page, got {reply}");
        var page = reply.AsItems();
        Assert.Equal(2, page.Count);
        return (ReplyAssert.Texts(Reply.Array([page[0]]))[0]!, ReplyAssert.Texts(page[1]));
    }

    /// <summary>Every member a full SSCAN iteration returns, with repeats.</summary>
    private async Task<List<string?>> ScanAll(string key, params string[] options)
    {
        var all = new List<string?>();
        var cursor = "0";
        var calls = 0;
        do
        {
            (cursor, var members) = await SScan([key, cursor, .. options]);
            all.AddRange(members);
            Assert.True(++calls < 10_000, "The iteration does not end.");
        }
        while (cursor != "0");
        return all;
    }

    [Fact]
    public async Task Sscan_iterates_every_member_exactly_once_when_nothing_changes()
    {
        await Fill("s", 500);

        var all = await ScanAll("s");

        Assert.Equal(AllOf(500), all.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("7")]
    [InlineData("1000")]
    public async Task Sscan_with_any_count_covers_the_set(string count)
    {
        await Fill("s", 100);

        Assert.Equal(AllOf(100), (await ScanAll("s", "COUNT", count)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sscan_with_a_large_count_returns_a_small_set_in_one_call()
    {
        await _engine.Run("SADD", "s", "a", "b", "c");

        var (cursor, members) = await SScan("s", "0", "COUNT", "100");

        Assert.Equal("0", cursor);
        Assert.Equal(["a", "b", "c"], members.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sscan_with_the_default_count_pages_a_large_set()
    {
        await Fill("s", 1000);

        var (cursor, members) = await SScan("s", "0");

        Assert.NotEqual("0", cursor);
        Assert.InRange(members.Length, 10, 100);
    }

    [Fact]
    public async Task Sscan_match_filters_each_page_by_a_glob_pattern()
    {
        await _engine.Run("SADD", "s", "user:1", "user:2", "admin:1", "user:10");

        Assert.Equal(["user:1", "user:10", "user:2"], (await ScanAll("s", "MATCH", "user:*")).Order(StringComparer.Ordinal));
        Assert.Equal(["user:1", "user:2"], (await ScanAll("s", "match", "user:?", "count", "5")).Order(StringComparer.Ordinal));
        Assert.Empty(await ScanAll("s", "MATCH", "nobody*"));
    }

    [Fact]
    public async Task Sscan_returns_every_member_present_throughout_even_as_the_set_grows_and_shrinks()
    {
        await Fill("s", 200);
        var seen = new HashSet<string?>();
        var cursor = "0";
        var round = 0;
        do
        {
            (cursor, var members) = await SScan("s", cursor, "COUNT", "5");
            seen.UnionWith(members);
            // Churn between calls: grow past several doublings, then shrink back.
            var churn = Enumerable.Range(0, 30).Select(i => $"churn{round}:{i}").ToArray();
            if (round < 15)
                await _engine.Run(["SADD", "s", .. churn]);
            else
                await _engine.Run(["SREM", "s", .. Enumerable.Range(0, 30).Select(i => $"churn{round - 15}:{i}")]);
            round++;
        }
        while (cursor != "0");

        Assert.Superset(AllOf(200).ToHashSet<string?>(), seen);
    }

    [Fact]
    public async Task Sscan_of_a_missing_key_is_an_empty_final_page_whatever_the_options()
    {
        Assert.Equal(("0", Array.Empty<string?>()), await SScan("nokey", "0"));
        Assert.Equal(("0", Array.Empty<string?>()), await SScan("nokey", "123", "COUNT", "0"));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("18446744073709551616")]
    public async Task Sscan_with_a_bad_cursor_is_refused(string cursor)
    {
        await _engine.Run("SADD", "s", "a");

        ReplyAssert.Error(await _engine.Run("SSCAN", "s", cursor), "ERR invalid cursor");
        ReplyAssert.Error(await _engine.Run("SSCAN", "nokey", cursor), "ERR invalid cursor");
    }

    [Fact]
    public async Task Sscan_accepts_the_largest_cursor()
    {
        await _engine.Run("SADD", "s", "a");

        Assert.Equal("0", (await SScan("s", "18446744073709551615")).Cursor);
    }

    [Theory]
    [InlineData("ERR syntax error", "COUNT", "0")]
    [InlineData("ERR syntax error", "COUNT", "-1")]
    [InlineData("ERR value is not an integer or out of range", "COUNT", "abc")]
    [InlineData("ERR syntax error", "COUNT")]
    [InlineData("ERR syntax error", "MATCH")]
    [InlineData("ERR syntax error", "TYPE", "string")]
    [InlineData("ERR syntax error", "NOVALUES")]
    [InlineData("ERR syntax error", "foo", "bar")]
    public async Task Sscan_refuses_bad_options_with_redis_texts(string error, params string[] options)
    {
        await _engine.Run("SADD", "s", "a");

        ReplyAssert.Error(await _engine.Run(["SSCAN", "s", "0", .. options]), error);
    }

    [Fact]
    public async Task Sscan_needs_a_cursor()
    {
        ReplyAssert.Error(await _engine.Run("SSCAN", "s"), "ERR wrong number of arguments for 'sscan' command");
    }
}
