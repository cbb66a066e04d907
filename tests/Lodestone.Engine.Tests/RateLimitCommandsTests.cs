using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// CL.THROTTLE and CL.THROTTLEMS, driven through the executor on a fake clock. The fixed cases are
/// redis-cell's README example and its own test table (limit 5, one token per second).
/// </summary>
public sealed partial class RateLimitCommandsTests : IDisposable
{
    private const long Now = TestEngine.StartMs;
    private const long NanosPerMs = 1_000_000;
    private const string NotInteger = "ERR value is not an integer or out of range";
    private const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";

    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    /// <summary>Runs a command written as one line (arguments separated by single spaces).</summary>
    private Task<Reply> RunLine(string line) => _engine.Run(line.Split(' '));

    private static long[] Integers(Reply reply)
    {
        Assert.True(reply.Kind == ReplyKind.Array, $"Expected an array, got {reply}");
        return [.. reply.AsItems().Select(item => item.AsInteger())];
    }

    /// <summary>Asserts a throttle reply: [limited, limit, remaining, retry_after, reset_after].</summary>
    private static void Expect(Reply reply, params long[] expected) => Assert.Equal(expected, Integers(reply));

    private void AdvanceTo(long atMs) => _engine.Advance(TimeSpan.FromMilliseconds(atMs - _engine.NowMs));

    [Fact]
    public async Task Throttle_replies_as_the_redis_cell_readme_shows()
    {
        var reply = await RunLine("CL.THROTTLE user123 15 30 60");

        Expect(reply, 0, 16, 15, -1, 2);
    }

    [Fact]
    public async Task Quantity_defaults_to_one_token()
    {
        Assert.Equal(Integers(await RunLine("CL.THROTTLE a 15 30 60 1")), Integers(await RunLine("CL.THROTTLE b 15 30 60")));
    }

    // redis-cell's test table: (ms after start, quantity) → (limited, remaining, retry_after ms, reset_after ms).
    public static TheoryData<long, long, long, long, long, long> RedisCellCases => new()
    {
        { 0, 6, 1, 5, -1, 0 },          // more than the bucket holds: never
        { 0, 1, 0, 4, -1, 1000 },
        { 0, 1, 0, 3, -1, 2000 },
        { 0, 1, 0, 2, -1, 3000 },
        { 0, 1, 0, 1, -1, 4000 },
        { 0, 1, 0, 0, -1, 5000 },
        { 0, 1, 1, 0, 1000, 5000 },
        { 3000, 1, 0, 2, -1, 3000 },
        { 3100, 1, 0, 1, -1, 3900 },
        { 4000, 1, 0, 1, -1, 4000 },
        { 8000, 1, 0, 4, -1, 1000 },
        { 9500, 1, 0, 4, -1, 1000 },
        { 9500, 0, 0, 4, -1, 1000 },    // a peek
        { 9500, 2, 0, 2, -1, 3000 },
        { 9500, 5, 1, 2, 3000, 3000 },
    };

    [Fact]
    public async Task Throttlems_follows_redis_cells_own_test_table_to_the_millisecond()
    {
        foreach (var row in RedisCellCases)
        {
            var (at, quantity, limited, remaining, retry, reset) = ((long)row[0], (long)row[1], (long)row[2], (long)row[3], (long)row[4], (long)row[5]);
            AdvanceTo(Now + at);

            var reply = await RunLine($"CL.THROTTLEMS foo 4 1 1000 {quantity}");

            long[] expected = [limited, 5, remaining, retry, reset];
            Assert.True(expected.SequenceEqual(Integers(reply)),
                $"At +{at} ms, quantity {quantity}: expected [{string.Join(", ", expected)}], got {reply}");
        }
    }

    [Fact]
    public async Task Throttle_rounds_times_up_to_whole_seconds()
    {
        AdvanceTo(Now + 3100);
        await RunLine("CL.THROTTLE foo 4 1 1 5");

        // The TAT is 5 s ahead; at +0.9 s a token is due in 0.1 s and the bucket drains in 4.1 s.
        AdvanceTo(Now + 4000);
        Expect(await RunLine("CL.THROTTLE foo 4 1 1"), 1, 5, 0, 1, 5);
        Expect(await RunLine("CL.THROTTLEMS foo 4 1 1000"), 1, 5, 0, 100, 4100);
    }

    [Fact]
    public async Task Times_below_a_millisecond_are_rounded_up_too()
    {
        // 3 tokens per second: T = 333333333 ns.
        Expect(await RunLine("CL.THROTTLEMS k 0 3 1000"), 0, 1, 0, -1, 334);
        Expect(await RunLine("CL.THROTTLEMS k 0 3 1000"), 1, 1, 0, 334, 334);
    }

    // The stored state

    [Fact]
    public async Task The_state_is_a_string_holding_the_tat_in_nanoseconds_expiring_at_its_millisecond()
    {
        await RunLine("CL.THROTTLEMS k 9 3 1000");

        var tat = Now * NanosPerMs + 333_333_333;
        ReplyAssert.Simple(await RunLine("TYPE k"), "string");
        ReplyAssert.Bulk(await RunLine("GET k"), $"{tat}");
        ReplyAssert.Integer(await RunLine("PEXPIRETIME k"), Now + 333);

        AdvanceTo(Now + 333);
        ReplyAssert.Integer(await RunLine("EXISTS k"), 1);
        AdvanceTo(Now + 334);
        ReplyAssert.Integer(await RunLine("EXISTS k"), 0);
        Expect(await RunLine("CL.THROTTLEMS k 9 3 1000"), 0, 10, 9, -1, 334);
    }

    [Fact]
    public async Task A_peek_with_quantity_zero_reports_the_state_and_writes_nothing()
    {
        Expect(await RunLine("CL.THROTTLEMS k 2 1 1000 0"), 0, 3, 3, -1, 0);
        ReplyAssert.Integer(await RunLine("EXISTS k"), 0);

        await RunLine("CL.THROTTLEMS k 2 1 1000");
        _engine.Log.Clear();
        Expect(await RunLine("CL.THROTTLEMS k 2 1 1000 0"), 0, 3, 2, -1, 1000);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task A_limited_request_changes_nothing()
    {
        await RunLine("CL.THROTTLEMS k 0 1 1000");
        var before = (await RunLine("GET k")).ToString();
        _engine.Log.Clear();

        Assert.Equal(1, Integers(await RunLine("CL.THROTTLEMS k 0 1 1000"))[0]);
        Assert.Equal(1, Integers(await RunLine("CL.THROTTLEMS k 0 1 1000 5"))[0]);

        Assert.Equal(before, (await RunLine("GET k")).ToString());
        ReplyAssert.Integer(await RunLine("PEXPIRETIME k"), Now + 1000);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Parameters_may_change_between_calls_on_the_same_key()
    {
        Expect(await RunLine("CL.THROTTLEMS k 1 1 1000"), 0, 2, 1, -1, 1000);
        Expect(await RunLine("CL.THROTTLEMS k 1 1 1000"), 0, 2, 0, -1, 2000);
        // The same TAT, read against a bigger bucket.
        Expect(await RunLine("CL.THROTTLEMS k 4 1 1000"), 0, 5, 2, -1, 3000);
    }

    [Fact]
    public async Task A_tat_in_the_past_counts_as_now()
    {
        await RunLine($"SET k {(Now - 60_000) * NanosPerMs}");

        Expect(await RunLine("CL.THROTTLEMS k 2 1 1000"), 0, 3, 2, -1, 1000);
    }

    [Fact]
    public async Task A_tat_set_by_hand_far_ahead_limits_even_a_peek()
    {
        await RunLine($"SET k {(Now + 10_000) * NanosPerMs}");

        Expect(await RunLine("CL.THROTTLEMS k 2 1 1000 0"), 1, 3, 0, 7000, 10_000);
    }

    // The log

    [Fact]
    public async Task An_admitted_request_is_logged_as_an_absolute_set_never_as_itself()
    {
        AdvanceTo(Now + 5);
        await RunLine("CL.THROTTLEMS k 9 3 1000");
        await RunLine("CL.THROTTLE k 9 3 1 2");

        var first = (Now + 5) * NanosPerMs + 333_333_333;
        var second = first + 2 * 333_333_333;
        Assert.Equal([$"SET k {first} PXAT {first / NanosPerMs}", $"SET k {second} PXAT {second / NanosPerMs}"], _engine.Log.Effects);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Replaying_the_log_later_gives_the_same_keys_and_the_same_next_replies(int seed)
    {
        var random = new Random(seed);
        for (var step = 0; step < 500; step++)
        {
            _engine.Advance(TimeSpan.FromMilliseconds(random.Next(0, 400)));
            await RunLine($"CL.THROTTLEMS k{random.Next(4)} {random.Next(0, 5)} {random.Next(1, 10)} {random.Next(1, 3000)} {random.Next(0, 3)}");
        }

        using var replica = new TestEngine();
        replica.Advance(TimeSpan.FromMilliseconds(_engine.NowMs - TestEngine.StartMs));
        foreach (var effect in _engine.Log.Effects)
            Assert.False((await replica.Run(effect.Split(' '))).IsError, effect);

        Assert.Equal(await KeyspaceDigest.OfAsync(_engine.Executor), await KeyspaceDigest.OfAsync(replica.Executor));
        for (var key = 0; key < 4; key++)
        {
            var line = $"CL.THROTTLEMS k{key} 4 5 2000";
            Assert.Equal(Integers(await RunLine(line)), Integers(await replica.Run(line.Split(' '))));
        }
    }

    // Errors

    [Theory]
    [InlineData("CL.THROTTLE k x 1 1", NotInteger)]
    [InlineData("CL.THROTTLE k 1 x 1", NotInteger)]
    [InlineData("CL.THROTTLE k 1 1 x", NotInteger)]
    [InlineData("CL.THROTTLE k 1 1 1 x", NotInteger)]
    [InlineData("CL.THROTTLE k 1.5 1 1", NotInteger)]
    [InlineData("CL.THROTTLE k 1 1 99999999999999999999", NotInteger)]
    [InlineData("CL.THROTTLE k -1 1 1", "ERR max_burst can't be negative")]
    [InlineData("CL.THROTTLE k 1 0 1", "ERR count should be greater than 0")]
    [InlineData("CL.THROTTLE k 1 -3 1", "ERR count should be greater than 0")]
    [InlineData("CL.THROTTLE k 1 1 0", "ERR period should be greater than 0")]
    [InlineData("CL.THROTTLEMS k 1 1 -1000", "ERR period should be greater than 0")]
    [InlineData("CL.THROTTLE k 1 1 1 -1", "ERR quantity can't be negative")]
    [InlineData("CL.THROTTLEMS k 0 1000001 1", "ERR rate out of range: period / count is less than 1 nanosecond")]
    [InlineData("CL.THROTTLE k 0 1 3155760001", "ERR burst out of range: (max_burst + 1) * period / count is more than 100 years")]
    [InlineData("CL.THROTTLE k 9223372036854775807 1 1", "ERR burst out of range: (max_burst + 1) * period / count is more than 100 years")]
    [InlineData("CL.THROTTLE k 1 1 9223372036854775807", "ERR burst out of range: (max_burst + 1) * period / count is more than 100 years")]
    [InlineData("CL.THROTTLE k 1 1 1 1 1", "ERR syntax error")]
    [InlineData("CL.THROTTLE k 1 1", "ERR wrong number of arguments for 'cl.throttle' command")]
    [InlineData("CL.THROTTLEMS k", "ERR wrong number of arguments for 'cl.throttlems' command")]
    public async Task Invalid_arguments_are_refused_and_write_nothing(string line, string error)
    {
        ReplyAssert.Error(await RunLine(line), error);

        ReplyAssert.Integer(await RunLine("EXISTS k"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task The_limits_of_the_ranges_are_accepted()
    {
        Expect(await RunLine("CL.THROTTLE k 0 1 3155760000"), 0, 1, 0, -1, 3_155_760_000);
        Expect(await RunLine("CL.THROTTLEMS n 0 1000000 1"), 0, 1, 0, -1, 1);
        Expect(await RunLine("CL.THROTTLE q 1 1 1 9223372036854775807"), 1, 2, 2, -1, 0);
    }

    [Fact]
    public async Task A_key_of_another_type_is_wrongtype()
    {
        await RunLine("RPUSH k a");

        ReplyAssert.Error(await RunLine("CL.THROTTLE k 1 1 1"), WrongType);
        ReplyAssert.Error(await RunLine("CL.THROTTLEMS k 1 1 1"), WrongType);
    }

    [Fact]
    public async Task A_string_that_is_not_an_integer_is_refused_and_left_as_it_is()
    {
        await RunLine("SET k hello");

        ReplyAssert.Error(await RunLine("CL.THROTTLE k 1 1 1"), NotInteger);
        ReplyAssert.Bulk(await RunLine("GET k"), "hello");
    }

    // The command table

    [Theory]
    [InlineData("cl.throttle")]
    [InlineData("cl.throttlems")]
    public async Task Command_info_describes_a_fast_write_on_one_key_in_the_ratelimit_category(string name)
    {
        var info = (await _engine.Run("COMMAND", "INFO", name)).AsItems()[0].AsItems();

        ReplyAssert.Bulk(info[0], name);
        ReplyAssert.Integer(info[1], -5);
        Assert.Equal(["denyoom", "fast", "write"], ReplyAssert.Texts(info[2]).Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 1, 1, 1 }, info.Skip(3).Take(3).Select(item => item.AsInteger()));
        Assert.Equal(["@fast", "@ratelimit", "@write"], ReplyAssert.Texts(info[6]).Order(StringComparer.Ordinal));
    }
}
