using System.Globalization;
using System.Text;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

// HRANDFIELD, HSCAN.
public sealed partial class HashCommandsTests
{
    private async Task Fill(string key, int fields)
    {
        var args = new List<string> { "HSET", key };
        for (var i = 0; i < fields; i++)
            args.AddRange([$"f{i}", $"v{i}"]);
        await Run([.. args]);
    }

    private static void EachValueMatchesItsField(string?[] flat)
    {
        for (var i = 0; i < flat.Length; i += 2)
            Assert.Equal("v" + flat[i]![1..], flat[i + 1]);
    }

    // HRANDFIELD

    [Fact]
    public async Task Hrandfield_of_a_missing_key_is_nil_without_a_count_and_empty_with_one()
    {
        ReplyAssert.Null(await RunLine("HRANDFIELD nokey"));
        ReplyAssert.BulkArray(await RunLine("HRANDFIELD nokey 2"));
        ReplyAssert.BulkArray(await RunLine("HRANDFIELD nokey -2 WITHVALUES"));
        ReplyAssert.Integer(await RunLine("EXISTS nokey"), 0);
    }

    [Fact]
    public async Task Hrandfield_without_a_count_returns_one_field_and_reaches_every_field()
    {
        await Fill("h", 3);
        _engine.Log.Clear();

        var seen = new HashSet<string>();
        for (var i = 0; i < 300; i++)
        {
            var reply = await RunLine("HRANDFIELD h");
            Assert.Equal(ReplyKind.Bulk, reply.Kind);
            seen.Add(Encoding.UTF8.GetString(reply.AsBulk().Span));
        }

        Assert.Equal(["f0", "f1", "f2"], seen.Order(StringComparer.Ordinal));
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public async Task Hrandfield_with_count_zero_is_empty(int fields)
    {
        await Fill("h", fields);

        ReplyAssert.BulkArray(await RunLine("HRANDFIELD h 0"));
        ReplyAssert.BulkArray(await RunLine("HRANDFIELD h 0 WITHVALUES"));
    }

    [Theory]
    [InlineData("3")]
    [InlineData("5")]
    [InlineData("4611686018427387903")]
    public async Task Hrandfield_with_a_count_at_least_the_size_returns_the_whole_hash(string count)
    {
        await Fill("h", 3);

        Assert.Equal(["f0", "f1", "f2"], Sorted(await Run("HRANDFIELD", "h", count)));
        Assert.Equal(["f0=v0", "f1=v1", "f2=v2"], Pairs(await Run("HRANDFIELD", "h", count, "WITHVALUES")));
    }

    [Fact]
    public async Task Hrandfield_without_values_takes_any_positive_count()
    {
        await Fill("h", 3);

        Assert.Equal(["f0", "f1", "f2"], Sorted(await RunLine("HRANDFIELD h 9223372036854775807")));
    }

    [Theory]
    [InlineData(100, 1)]
    [InlineData(100, 20)]
    [InlineData(100, 34)]
    [InlineData(100, 99)]
    public async Task Hrandfield_with_a_smaller_positive_count_returns_that_many_distinct_fields(int size, int count)
    {
        await Fill("h", size);

        for (var round = 0; round < 20; round++)
        {
            var fields = ReplyAssert.Texts(await Run("HRANDFIELD", "h", count.ToString(CultureInfo.InvariantCulture)));
            Assert.Equal(count, fields.Length);
            Assert.Equal(count, fields.Distinct().Count());
            Assert.All(fields, f => Assert.InRange(int.Parse(f![1..], CultureInfo.InvariantCulture), 0, size - 1));

            var pairs = ReplyAssert.Texts(await Run("HRANDFIELD", "h", count.ToString(CultureInfo.InvariantCulture), "withvalues"));
            Assert.Equal(2 * count, pairs.Length);
            Assert.Equal(count, pairs.Where((_, i) => i % 2 == 0).Distinct().Count());
            EachValueMatchesItsField(pairs);
        }
    }

    [Fact]
    public async Task Hrandfield_with_a_negative_count_returns_exactly_that_many_fields_repeating_them()
    {
        await Fill("h", 2);

        var fields = ReplyAssert.Texts(await RunLine("HRANDFIELD h -50"));
        Assert.Equal(50, fields.Length);
        Assert.Equal(["f0", "f1"], fields.Distinct().Order(StringComparer.Ordinal));

        var pairs = ReplyAssert.Texts(await RunLine("HRANDFIELD h -7 WITHVALUES"));
        Assert.Equal(14, pairs.Length);
        EachValueMatchesItsField(pairs);
    }

    [Theory]
    [InlineData("HRANDFIELD h x", NotInteger)]
    [InlineData("HRANDFIELD h 1.5", NotInteger)]
    [InlineData("HRANDFIELD h 9223372036854775808", NotInteger)]
    [InlineData("HRANDFIELD h x WITHVALUES", NotInteger)]
    [InlineData("HRANDFIELD nokey x", NotInteger)]
    [InlineData("HRANDFIELD h 1 WITHVALUE", Syntax)]
    [InlineData("HRANDFIELD h 1 WITHVALUES extra", Syntax)]
    [InlineData("HRANDFIELD nokey 1 foo", Syntax)]
    [InlineData("HRANDFIELD h -9223372036854775808", "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")]
    [InlineData("HRANDFIELD h -9223372036854775808 foo", "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")]
    [InlineData("HRANDFIELD h 9223372036854775807 WITHVALUES", "ERR value is out of range")]
    [InlineData("HRANDFIELD h 4611686018427387904 WITHVALUES", "ERR value is out of range")]
    [InlineData("HRANDFIELD h -4611686018427387904 WITHVALUES", "ERR value is out of range")]
    [InlineData("HRANDFIELD nokey 4611686018427387904 WITHVALUES", "ERR value is out of range")]
    public async Task Hrandfield_refuses_bad_counts_and_options_in_redis_order(string line, string error)
    {
        await Fill("h", 3);

        ReplyAssert.Error(await RunLine(line), error);
    }

    [Fact]
    public async Task Hrandfield_refuses_a_negative_count_beyond_its_reply_bound()
    {
        await Fill("h", 3);

        ReplyAssert.Error(await Run("HRANDFIELD", "h", $"-{HashCommands.MaxRandomFields + 1}"), "ERR value is out of range");
        ReplyAssert.Error(await RunLine("HRANDFIELD h -4611686018427387903 WITHVALUES"), "ERR value is out of range");
        ReplyAssert.BulkArray(await RunLine("HRANDFIELD nokey -4611686018427387903 WITHVALUES"));
    }

    // HSCAN

    [Fact]
    public async Task Hscan_of_a_missing_key_is_a_finished_empty_scan_whatever_the_options()
    {
        foreach (var line in new[] { "HSCAN nokey 0", "HSCAN nokey 7 COUNT 0", "HSCAN nokey 0 COUNT x", "HSCAN nokey 0 foo" })
        {
            var reply = await RunLine(line);
            ReplyAssert.Bulk(reply.AsItems()[0], "0");
            Assert.Empty(reply.AsItems()[1].AsItems());
        }
    }

    [Theory]
    [InlineData("HSCAN h x", "ERR invalid cursor")]
    [InlineData("HSCAN h 1.5", "ERR invalid cursor")]
    [InlineData("HSCAN h 18446744073709551616", "ERR invalid cursor")]
    [InlineData("HSCAN nokey x", "ERR invalid cursor")]
    [InlineData("HSCAN h 0 COUNT 0", Syntax)]
    [InlineData("HSCAN h 0 COUNT -1", Syntax)]
    [InlineData("HSCAN h 0 COUNT x", NotInteger)]
    [InlineData("HSCAN h 0 COUNT 9223372036854775808", NotInteger)]
    [InlineData("HSCAN h 0 MATCH", Syntax)]
    [InlineData("HSCAN h 0 COUNT", Syntax)]
    [InlineData("HSCAN h 0 TYPE hash", Syntax)]
    [InlineData("HSCAN h 0 foo bar", Syntax)]
    public async Task Hscan_refuses_bad_cursors_and_options(string line, string error)
    {
        await Fill("h", 3);

        ReplyAssert.Error(await RunLine(line), error);
    }

    [Fact]
    public async Task A_full_hscan_returns_every_field_with_its_value_once()
    {
        await Fill("h", 1000);

        var seen = new List<string>();
        var cursor = "0";
        var calls = 0;
        do
        {
            var reply = await Run("HSCAN", "h", cursor, "COUNT", "20");
            cursor = ReplyAssert.Texts(reply)[0]!;
            var page = ReplyAssert.Texts(reply.AsItems()[1]);
            EachValueMatchesItsField(page);
            seen.AddRange(page.Where((_, i) => i % 2 == 0)!);
            calls++;
        }
        while (cursor != "0");

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"f{i}").Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.InRange(calls, 2, 1000);
    }

    [Fact]
    public async Task Hscan_with_match_returns_only_matching_fields_and_the_last_match_wins()
    {
        await RunLine("HSET h apple 1 avocado 2 banana 3 cherry 4");

        Assert.Equal(["apple=1", "avocado=2"], Pairs((await RunLine("HSCAN h 0 MATCH a* COUNT 1000")).AsItems()[1]));
        Assert.Equal(["banana=3"], Pairs((await RunLine("HSCAN h 0 MATCH a* COUNT 1000 MATCH b*")).AsItems()[1]));
        Assert.Equal(["apple=1", "avocado=2", "banana=3", "cherry=4"], Pairs((await RunLine("HSCAN h 0 MATCH * COUNT 1000")).AsItems()[1]));
        Assert.Empty((await RunLine("HSCAN h 0 MATCH zzz* COUNT 1000")).AsItems()[1].AsItems());
    }

    [Fact]
    public async Task Hscan_with_the_largest_accepted_count_walks_the_whole_hash_in_one_call()
    {
        await Fill("h", 50);

        var reply = await RunLine("HSCAN h 0 COUNT 100000");

        ReplyAssert.Bulk(reply.AsItems()[0], "0");
        Assert.Equal(100, reply.AsItems()[1].AsItems().Count);
    }
}
