using System.Globalization;
using System.Text;
using Lodestone.Engine.Diagnostics;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Tests;

/// <summary>HOTKEYS (a count-min sketch with a top-K list, updated on access) and BIGKEYS (a walk a slice per call).</summary>
public sealed class KeyStatisticsTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private static string N(int i) => i.ToString(CultureInfo.InvariantCulture);

    private sealed record Hot(string Key, string Type, long Accesses, double PerSecond, long? LfuFrequency);

    private async Task<List<Hot>> HotKeys(int count)
    {
        var reply = await _engine.Run("HOTKEYS", "COUNT", N(count));
        return reply.AsItems().Select(map =>
        {
            var f = map.AsItems();
            return new Hot(Encoding.UTF8.GetString(f[1].AsBulk().Span), Encoding.UTF8.GetString(f[3].AsBulk().Span),
                f[5].AsInteger(), f[7].AsDouble(), f[9].IsNull ? null : f[9].AsInteger());
        }).ToList();
    }

    /// <summary>A whole walk, as a caller makes it: BIGKEYS from cursor 0 until it is 0 again, merged.</summary>
    private async Task<BigKeysTally> BigKeys(string? type, int count)
    {
        var tally = new BigKeysTally(count);
        var cursor = "0";
        do
        {
            string[] args = type is null ? ["BIGKEYS", cursor, "COUNT", N(count)] : ["BIGKEYS", cursor, "TYPE", type, "COUNT", N(count)];
            cursor = tally.AddReply(await _engine.Run(args)).ToString(CultureInfo.InvariantCulture);
        }
        while (cursor != "0");
        return tally;
    }

    [Fact]
    public async Task The_most_accessed_keys_come_first_with_estimated_counts()
    {
        for (var i = 0; i < 200; i++)
            await _engine.Run("SET", "cold" + N(i), "v");
        await _engine.Run("SET", "warm", "w");
        for (var round = 0; round < 50; round++)
        {
            await _engine.Run("GET", "hottest");
            await _engine.Run("INCR", "hottest");
            if (round % 2 == 0)
                await _engine.Run("GET", "warm");
            await _engine.Run("GET", "cold" + N(round));
        }

        var hot = await HotKeys(2);

        Assert.Equal(["hottest", "warm"], hot.Select(k => k.Key));
        // 50 GETs and 50 INCRs, less the first of each, which found no key.
        Assert.InRange(hot[0].Accesses, 98, 110);
        Assert.Equal("string", hot[0].Type);
        Assert.True(hot[0].PerSecond > 0);
        Assert.Null(hot[0].LfuFrequency);
    }

    [Fact]
    public async Task Counts_halve_every_ten_seconds_and_deleted_keys_leave_the_list()
    {
        await _engine.Run("SET", "a", "1");
        await _engine.Run("SET", "b", "1");
        for (var i = 0; i < 40; i++)
            await _engine.Run("GET", "a");
        for (var i = 0; i < 10; i++)
            await _engine.Run("GET", "b");
        var before = (await HotKeys(10))[0].Accesses;

        // Ticks age the sketch: the first tick starts the clock, one 10 s later halves.
        _engine.Advance(TimeSpan.FromMilliseconds(100));
        await _engine.Run("PING");
        _engine.Advance(TimeSpan.FromSeconds(10));
        await _engine.Run("PING");
        var after = (await HotKeys(10))[0].Accesses;

        Assert.Equal(before / 2, after);
        await _engine.Run("DEL", "a");
        Assert.Equal(["b"], (await HotKeys(10)).Select(k => k.Key));
    }

    [Fact]
    public async Task Under_an_lfu_policy_hot_keys_carry_their_lfu_counter()
    {
        _engine.Executor.ChangeSettings(s => s with { MaxMemoryPolicy = MaxMemoryPolicy.AllKeysLfu });
        await _engine.Run("SET", "k", "v");
        for (var i = 0; i < 20; i++)
            await _engine.Run("GET", "k");

        var hot = Assert.Single(await HotKeys(5));

        Assert.Equal((await _engine.Run("OBJECT", "FREQ", "k")).AsInteger(), hot.LfuFrequency!.Value);
    }

    [Fact]
    public async Task Big_keys_reports_the_largest_keys_per_type_by_elements_and_by_bytes()
    {
        for (var i = 0; i < 300; i++)
            await _engine.Run("SET", "s" + N(i), new string('x', i));
        await _engine.Run("RPUSH", "long-list", "a", "b", "c", "d", "e");
        await _engine.Run("RPUSH", "fat-list", new string('y', 5000));
        await _engine.Run("SADD", "set", "m");
        await _engine.Run("SET", "gone", "x", "PX", "1");
        _engine.Advance(TimeSpan.FromMilliseconds(5));

        var report = await BigKeys(null, 2);

        Assert.Equal(303, report.Keys);
        Assert.True(report.Slices >= 1);
        var strings = report.Types.Single(t => t.Type == RedisType.String);
        Assert.Equal(300, strings.Keys);
        Assert.Equal(["s299", "s298"], strings.LargestByElements.Select(k => Encoding.UTF8.GetString(k.Key)));
        Assert.Equal(299, strings.LargestByElements[0].Elements);
        var lists = report.Types.Single(t => t.Type == RedisType.List);
        Assert.Equal("long-list", Encoding.UTF8.GetString(lists.LargestByElements[0].Key));
        Assert.Equal("fat-list", Encoding.UTF8.GetString(lists.LargestByBytes[0].Key));
        Assert.True(lists.LargestByBytes[0].EstimatedBytes > 5000);
        Assert.Equal([RedisType.String, RedisType.List, RedisType.Set], report.Types.Select(t => t.Type));

        var onlySets = await BigKeys("set", 5);
        Assert.Equal(RedisType.Set, Assert.Single(onlySets.Types).Type);
        Assert.Equal(1, onlySets.Keys);
    }

    [Fact]
    public async Task A_big_keys_walk_of_many_keys_runs_in_slices_with_commands_in_between()
    {
        var sets = Enumerable.Range(0, 200_000).Select(i => new[] { "SET", "k" + N(i), "v" }).ToList();
        foreach (var chunk in sets.Chunk(5000))
            await Task.WhenAll(chunk.Select(args => _engine.Run(args)));

        var walk = BigKeys(null, 1);
        var meanwhile = await _engine.Run("SET", "during", "the walk");
        var report = await walk;

        ReplyAssert.Ok(meanwhile);
        Assert.InRange(report.Keys, 200_000, 200_001);
        Assert.True(report.Slices > 1, $"{report.Slices} slice(s)");
        Assert.Single(report.Types.Single().LargestByElements);
    }

    [Fact]
    public async Task A_bigkeys_slice_answers_with_its_cursor_and_one_map_per_type()
    {
        await _engine.Run("SET", "s", "abc");
        await _engine.Run("SADD", "t", "m", "n");

        var reply = await _engine.Run("BIGKEYS", "0", "COUNT", "1");

        var parts = reply.AsItems();
        ReplyAssert.Bulk(parts[0], "0");
        var strings = parts[1].AsItems()[0].AsItems();
        Assert.Equal(["type", "string", "keys", "elements", "bytes", "largest-by-elements", "largest-by-bytes"],
            strings.Where(r => r.Kind == ReplyKind.Bulk).Select(r => Encoding.UTF8.GetString(r.AsBulk().Span)));
        ReplyAssert.Integer(strings[5], 3);
        var largest = ReplyAssert.Texts(Assert.Single(strings[9].AsItems()));
        Assert.Equal("s", largest[0]);
        Assert.Equal("3", largest[1]);
        Assert.Equal(2, parts[1].AsItems().Count);
    }

    [Theory]
    [InlineData(new[] { "BIGKEYS", "x" }, "ERR invalid cursor")]
    [InlineData(new[] { "BIGKEYS", "0", "TYPE", "nosuch" }, "ERR unknown type name 'nosuch'")]
    [InlineData(new[] { "BIGKEYS", "0", "COUNT", "0" }, "ERR value is out of range, value must between 1 and 100")]
    [InlineData(new[] { "BIGKEYS", "0", "COUNT" }, "ERR syntax error")]
    [InlineData(new[] { "HOTKEYS", "COUNT", "65" }, "ERR value is out of range, value must between 1 and 64")]
    [InlineData(new[] { "HOTKEYS", "5" }, "ERR syntax error")]
    public async Task Bad_arguments_get_redis_style_errors(string[] args, string error)
    {
        ReplyAssert.Error(await _engine.Run(args), error);
    }
}
