using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>SPOP and SRANDMEMBER: counts, edges, and what SPOP logs for a deterministic replay.</summary>
public sealed partial class SetCommandsTests
{
    private async Task Fill(string key, int count) =>
        await _engine.Run(["SADD", key, .. Enumerable.Range(0, count).Select(i => $"m{i}")]);

    private static string[] AllOf(int count) => [.. Enumerable.Range(0, count).Select(i => $"m{i}").Order(StringComparer.Ordinal)];

    // SPOP

    [Fact]
    public async Task Spop_removes_and_returns_one_member_and_is_logged_as_its_srem()
    {
        await _engine.Run("SADD", "s", "a", "b");
        _engine.Log.Clear();

        var popped = await _engine.Run("SPOP", "s");

        Assert.Equal(ReplyKind.Bulk, popped.Kind);
        var member = ReplyAssert.Texts(Reply.Array([popped]))[0]!;
        Assert.Contains(member, new[] { "a", "b" });
        Assert.Equal(new[] { "a", "b" }.Where(m => m != member), await Members("s"));
        Assert.Equal([$"SREM s {member}"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Spop_of_the_last_member_deletes_the_key()
    {
        await _engine.Run("SADD", "s", "only");

        ReplyAssert.Bulk(await _engine.Run("SPOP", "s"), "only");

        ReplyAssert.Integer(await _engine.Run("EXISTS", "s"), 0);
    }

    [Fact]
    public async Task Spop_on_a_missing_key_is_nil_without_a_count_and_an_empty_set_with_one()
    {
        ReplyAssert.Null(await _engine.Run("SPOP", "nokey"));
        SetOf(await _engine.Run("SPOP", "nokey", "3"));
        SetOf(await _engine.Run("SPOP", "nokey", "0"));
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Spop_with_a_count_pops_that_many_distinct_members_and_logs_them_as_one_srem()
    {
        await Fill("s", 10);
        _engine.Log.Clear();

        var popped = ReplyAssert.Texts(await _engine.Run("SPOP", "s", "4"));

        Assert.Equal(4, popped.Distinct().Count());
        var left = await Members("s");
        Assert.Equal(6, left.Length);
        Assert.Equal(AllOf(10), popped.Concat(left).Order(StringComparer.Ordinal));
        Assert.Equal(["SREM s " + string.Join(' ', popped)], _engine.Log.Effects);
    }

    [Fact]
    public async Task Spop_with_a_count_is_a_set_reply()
    {
        await _engine.Run("SADD", "s", "a", "b", "c");

        Assert.Equal(ReplyKind.Set, (await _engine.Run("SPOP", "s", "2")).Kind);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("6")]
    [InlineData("9223372036854775807")]
    public async Task Spop_with_a_count_at_or_over_the_size_pops_everything_and_deletes_the_key(string count)
    {
        await Fill("s", 5);

        SetOf(await _engine.Run("SPOP", "s", count), AllOf(5));

        ReplyAssert.Integer(await _engine.Run("EXISTS", "s"), 0);
    }

    [Fact]
    public async Task Spop_with_count_zero_is_an_empty_set_and_changes_nothing()
    {
        await _engine.Run("SADD", "s", "a");
        _engine.Log.Clear();

        SetOf(await _engine.Run("SPOP", "s", "0"));

        Assert.Equal(["a"], await Members("s"));
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Spop_of_many_members_is_logged_in_srems_of_at_most_1024()
    {
        await Fill("s", 3000);
        _engine.Log.Clear();

        var popped = ReplyAssert.Texts(await _engine.Run("SPOP", "s", "2500"));

        Assert.Equal(3, _engine.Log.Effects.Count);
        var logged = _engine.Log.Effects.Select(e => e.Split(' ')).ToList();
        Assert.All(logged, argv => Assert.Equal(["SREM", "s"], argv[..2]));
        Assert.Equal([1026, 1026, 454], logged.Select(argv => argv.Length));
        Assert.Equal(popped, logged.SelectMany(argv => argv[2..]));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("9223372036854775808")]
    public async Task Spop_with_a_bad_count_is_refused(string count)
    {
        await _engine.Run("SADD", "s", "a");

        ReplyAssert.Error(await _engine.Run("SPOP", "s", count), "ERR value is out of range, must be positive");
        Assert.Equal(["a"], await Members("s"));
    }

    [Fact]
    public async Task Spop_with_more_than_a_count_is_a_syntax_error()
    {
        await _engine.Run("SADD", "s", "a");

        ReplyAssert.Error(await _engine.Run("SPOP", "s", "1", "2"), "ERR syntax error");
        ReplyAssert.Error(await _engine.Run("SPOP"), "ERR wrong number of arguments for 'spop' command");
    }

    [Fact]
    public async Task Spop_reaches_every_member_over_many_draws()
    {
        var seen = new HashSet<string>();
        for (var round = 0; round < 300; round++)
        {
            await Fill("s", 8);
            seen.Add(ReplyAssert.Texts(Reply.Array([await _engine.Run("SPOP", "s")]))[0]!);
            await _engine.Run("DEL", "s");
        }

        Assert.Equal(AllOf(8), seen.Order(StringComparer.Ordinal));
    }

    // SRANDMEMBER

    [Fact]
    public async Task Srandmember_returns_a_member_without_removing_it_and_is_not_logged()
    {
        await _engine.Run("SADD", "s", "a", "b");
        _engine.Log.Clear();

        var member = await _engine.Run("SRANDMEMBER", "s");

        Assert.Equal(ReplyKind.Bulk, member.Kind);
        Assert.Contains(ReplyAssert.Texts(Reply.Array([member]))[0], new[] { "a", "b" });
        Assert.Equal(["a", "b"], await Members("s"));
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Srandmember_on_a_missing_key_is_nil_or_an_empty_array()
    {
        ReplyAssert.Null(await _engine.Run("SRANDMEMBER", "nokey"));
        ReplyAssert.BulkArray(await _engine.Run("SRANDMEMBER", "nokey", "5"));
        ReplyAssert.BulkArray(await _engine.Run("SRANDMEMBER", "nokey", "-5"));
    }

    [Fact]
    public async Task Srandmember_with_count_zero_is_an_empty_array()
    {
        await _engine.Run("SADD", "s", "a");

        ReplyAssert.BulkArray(await _engine.Run("SRANDMEMBER", "s", "0"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(1000)]
    public async Task Srandmember_with_a_positive_count_gives_distinct_members_at_most_the_whole_set(int count)
    {
        await Fill("s", 10);

        var sample = await _engine.Run("SRANDMEMBER", "s", count.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(ReplyKind.Array, sample.Kind);
        var members = ReplyAssert.Texts(sample);
        Assert.Equal(Math.Min(count, 10), members.Length);
        Assert.Equal(members.Length, members.Distinct().Count());
        Assert.All(members, m => Assert.Contains(m, AllOf(10)));
        ReplyAssert.Integer(await _engine.Run("SCARD", "s"), 10);
    }

    [Fact]
    public async Task Srandmember_with_a_negative_count_gives_exactly_that_many_with_repeats()
    {
        await _engine.Run("SADD", "s", "a", "b");

        var members = ReplyAssert.Texts(await _engine.Run("SRANDMEMBER", "s", "-50"));

        Assert.Equal(50, members.Length);
        Assert.All(members, m => Assert.Contains(m, new[] { "a", "b" }));
        Assert.Equal(["a", "b"], members.Distinct().Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public async Task Srandmember_with_a_count_reaches_every_member_over_many_draws(int count)
    {
        await Fill("s", 20);
        var seen = new HashSet<string?>();

        for (var i = 0; i < 200; i++)
            seen.UnionWith(ReplyAssert.Texts(await _engine.Run("SRANDMEMBER", "s", count.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        Assert.Equal(AllOf(20), seen.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("abc", "ERR value is not an integer or out of range")]
    [InlineData("-0", "ERR value is not an integer or out of range")]
    [InlineData("9223372036854775808", "ERR value is not an integer or out of range")]
    [InlineData("-9223372036854775808", "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")]
    public async Task Srandmember_with_a_bad_count_is_refused_with_redis_texts(string count, string error)
    {
        await _engine.Run("SADD", "s", "a");

        ReplyAssert.Error(await _engine.Run("SRANDMEMBER", "s", count), error);
    }

    [Fact]
    public async Task Srandmember_refuses_a_negative_count_whose_reply_would_exhaust_memory()
    {
        await _engine.Run("SADD", "s", "a");

        ReplyAssert.Error(await _engine.Run("SRANDMEMBER", "s", "-16777217"),
            "ERR value is out of range, value must between -16777216 and 9223372036854775807");
        ReplyAssert.Error(await _engine.Run("SRANDMEMBER", "s", "-9223372036854775807"),
            "ERR value is out of range, value must between -16777216 and 9223372036854775807");
    }

    [Fact]
    public async Task Srandmember_with_more_than_a_count_is_a_syntax_error()
    {
        await _engine.Run("SADD", "s", "a");

        ReplyAssert.Error(await _engine.Run("SRANDMEMBER", "s", "1", "2"), "ERR syntax error");
    }
}
