using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>Pops: ZPOPMIN/ZPOPMAX, ZMPOP, and the blocking BZPOPMIN/BZPOPMAX/BZMPOP (logged as the pop that happened).</summary>
public sealed partial class SortedSetCommandsTests
{
    private Task<CommandResult> Blocking(CancellationToken aborted, params string[] args) =>
        _engine.Executor.ExecuteAsync(new CommandRequest(args.Select(Encoding.UTF8.GetBytes).ToArray()) { Aborted = aborted });

    private Task<CommandResult> Blocking(params string[] args) => Blocking(CancellationToken.None, args);

    /// <summary>Waits (with a generous deadline) until the engine has parked <paramref name="count"/> callers.</summary>
    private async Task Parked(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_engine.Executor.BlockedCount != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Expected {count} blocked callers, have {_engine.Executor.BlockedCount}.");
            await Task.Delay(5);
        }
    }

    // ZPOPMIN, ZPOPMAX

    [Fact]
    public async Task Zpopmin_and_zpopmax_pop_from_either_end_with_scores()
    {
        await Run("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d");

        await Shows("[a, 1]", "ZPOPMIN", "z");
        await Shows("[d, 3, c, 3]", "ZPOPMAX", "z", "2");
        await Shows("[b, 2]", "ZPOPMAX", "z", "10");
        ReplyAssert.Integer(await Run("EXISTS", "z"), 0);
    }

    [Fact]
    public async Task Zpop_of_a_missing_key_or_count_zero_is_an_empty_array()
    {
        await Run("ZADD", "z", "1", "a");

        await Shows("[]", "ZPOPMIN", "missing");
        await Shows("[]", "ZPOPMAX", "missing", "2");
        await Shows("[]", "ZPOPMIN", "z", "0");
        ReplyAssert.Integer(await Run("ZCARD", "z"), 1);
    }

    [Theory]
    [InlineData("ERR value is out of range, must be positive", "-1")]
    [InlineData("ERR value is out of range, must be positive", "abc")]
    [InlineData("ERR syntax error", "1", "2")]
    public async Task Zpop_refuses_bad_counts(string error, params string[] arguments)
    {
        await Run("ZADD", "z", "1", "a");

        ReplyAssert.Error(await Run(["ZPOPMIN", "z", .. arguments]), error);
        ReplyAssert.Integer(await Run("ZCARD", "z"), 1);
    }

    [Fact]
    public async Task Zpop_is_logged_with_the_count_that_was_popped()
    {
        await Run("ZADD", "z", "1", "a", "2", "b");
        _engine.Log.Clear();

        await Run("ZPOPMIN", "z");
        await Run("ZPOPMAX", "z", "5");
        await Run("ZPOPMAX", "z", "5");

        Assert.Equal(["ZPOPMIN z 1", "ZPOPMAX z 1"], _engine.Log.Effects);
    }

    // ZMPOP

    [Fact]
    public async Task Zmpop_pops_from_the_first_non_empty_key_as_key_and_pairs()
    {
        await Run("ZADD", "z", "1", "a", "2", "b", "3", "c");
        _engine.Log.Clear();

        await Shows("[z, [[a, 1]]]", "ZMPOP", "2", "missing", "z", "MIN");
        await Shows("[z, [[c, 3], [b, 2]]]", "ZMPOP", "1", "z", "max", "COUNT", "10");
        ReplyAssert.Null(await Run("ZMPOP", "2", "z", "missing", "MIN"));

        Assert.Equal(["ZPOPMIN z 1", "ZPOPMAX z 2"], _engine.Log.Effects);
    }

    [Theory]
    [InlineData("ERR numkeys should be greater than 0", "0", "z", "MIN")]
    [InlineData("ERR numkeys should be greater than 0", "-1", "z", "MIN")]
    [InlineData("ERR numkeys should be greater than 0", "abc", "z", "MIN")]
    [InlineData("ERR syntax error", "2", "z", "MIN")]
    [InlineData("ERR syntax error", "5", "z", "MIN")]
    [InlineData("ERR syntax error", "9223372036854775807", "z", "MIN")]
    [InlineData("ERR syntax error", "1", "z", "MID")]
    [InlineData("ERR count should be greater than 0", "1", "z", "MIN", "COUNT", "0")]
    [InlineData("ERR count should be greater than 0", "1", "z", "MIN", "COUNT", "-1")]
    [InlineData("ERR count should be greater than 0", "1", "z", "MIN", "COUNT", "abc")]
    [InlineData("ERR syntax error", "1", "z", "MIN", "COUNT", "1", "COUNT", "1")]
    [InlineData("ERR syntax error", "1", "z", "MIN", "COUNT")]
    [InlineData("ERR syntax error", "1", "z", "MIN", "foo")]
    public async Task Zmpop_refuses_bad_arguments(string error, params string[] arguments)
    {
        await Run("ZADD", "z", "1", "a");

        ReplyAssert.Error(await Run(["ZMPOP", .. arguments]), error);
        ReplyAssert.Integer(await Run("ZCARD", "z"), 1);
    }

    [Fact]
    public async Task Zmpop_checks_types_up_to_the_key_it_pops_from()
    {
        await Run("SET", "s", "v");
        await Run("ZADD", "z", "1", "a");

        ReplyAssert.Error(await Run("ZMPOP", "2", "s", "z", "MIN"), WrongType);
        await Shows("[z, [[a, 1]]]", "ZMPOP", "2", "z", "s", "MIN");
    }

    // BZPOPMIN, BZPOPMAX

    [Fact]
    public async Task Bzpop_on_a_non_empty_key_pops_at_once_and_is_logged_as_the_plain_pop()
    {
        await Run("ZADD", "z", "1", "a", "2", "b");
        _engine.Log.Clear();

        await Shows("[z, a, 1]", "BZPOPMIN", "missing", "z", "0");
        await Shows("[z, b, 2]", "BZPOPMAX", "z", "0");

        ReplyAssert.Integer(await Run("EXISTS", "z"), 0);
        Assert.Equal(["ZPOPMIN z 1", "ZPOPMAX z 1"], _engine.Log.Effects);
    }

    [Fact]
    public async Task A_blocked_bzpopmin_is_served_by_a_later_zadd_the_longest_waiting_first()
    {
        var first = Blocking("BZPOPMIN", "jobs", "0");
        await Parked(1);
        var second = Blocking("BZPOPMAX", "other", "jobs", "0");
        await Parked(2);

        await Run("ZADD", "jobs", "5", "low", "9", "high", "7", "mid");

        Assert.Equal("[jobs, low, 5]", Show((await first).Reply));
        Assert.Equal("[jobs, high, 9]", Show((await second).Reply));
        await Contents("jobs", "[mid, 7]");
        Assert.Equal(["ZADD jobs 5 low 9 high 7 mid", "ZPOPMIN jobs 1", "ZPOPMAX jobs 1"], _engine.Log.Effects);
    }

    [Fact]
    public async Task A_blocked_bzpopmin_is_served_when_a_store_creates_its_key()
    {
        await Run("ZADD", "src", "3", "x");
        var pop = Blocking("BZPOPMIN", "q", "0");
        await Parked(1);

        ReplyAssert.Integer(await Run("ZUNIONSTORE", "q", "1", "src"), 1);

        Assert.Equal("[q, x, 3]", Show((await pop).Reply));
        ReplyAssert.Integer(await Run("EXISTS", "q"), 0);
    }

    [Fact]
    public async Task A_bzpop_timeout_answers_nil()
    {
        var pop = Blocking("BZPOPMIN", "q", "0.5");
        await Parked(1);

        _engine.Advance(TimeSpan.FromMilliseconds(500));

        ReplyAssert.Null((await pop).Reply);
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Fact]
    public async Task A_bzpop_caller_that_goes_away_gets_nothing_popped()
    {
        using var gone = new CancellationTokenSource();
        var abandoned = Blocking(gone.Token, "BZPOPMIN", "q", "0");
        await Parked(1);

        await gone.CancelAsync();
        await Parked(0);
        await Run("ZADD", "q", "1", "only");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        ReplyAssert.Integer(await Run("ZCARD", "q"), 1);
    }

    [Theory]
    [InlineData("abc", "ERR timeout is not a float or out of range")]
    [InlineData("-1", "ERR timeout is negative")]
    public async Task A_bad_bzpop_timeout_is_refused_without_waiting(string timeout, string error)
    {
        ReplyAssert.Error((await Blocking("BZPOPMIN", "q", timeout)).Reply, error);
        ReplyAssert.Error((await Blocking("BZMPOP", timeout, "1", "q", "MIN")).Reply, error);
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Fact]
    public async Task Inside_a_transaction_blocking_pops_answer_nil_at_once()
    {
        var results = await _engine.Executor.ExecuteAtomicAsync(
        [
            new CommandRequest(Argv.Of("BZPOPMIN", "q", "0")),
            new CommandRequest(Argv.Of("BZMPOP", "0", "1", "q", "MAX")),
        ]);

        ReplyAssert.Null(results[0].Reply);
        ReplyAssert.Null(results[1].Reply);
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    // BZMPOP

    [Fact]
    public async Task Bzmpop_pops_at_once_or_waits_and_is_logged_as_the_plain_pop()
    {
        await Run("ZADD", "z", "1", "a", "2", "b");
        _engine.Log.Clear();

        await Shows("[z, [[b, 2], [a, 1]]]", "BZMPOP", "0", "2", "missing", "z", "MAX", "COUNT", "5");
        var pop = Blocking("BZMPOP", "0", "2", "q1", "q2", "MIN", "COUNT", "2");
        await Parked(1);
        await Run("ZADD", "q2", "3", "x", "1", "y", "2", "z");

        Assert.Equal("[q2, [[y, 1], [z, 2]]]", Show((await pop).Reply));
        Assert.Equal(["ZPOPMAX z 2", "ZADD q2 3 x 1 y 2 z", "ZPOPMIN q2 2"], _engine.Log.Effects);
    }

    [Theory]
    [InlineData("ERR numkeys should be greater than 0", "0", "0", "z", "MIN")]
    [InlineData("ERR syntax error", "0", "1", "z", "MID")]
    [InlineData("ERR count should be greater than 0", "0", "1", "z", "MIN", "COUNT", "0")]
    public async Task Bzmpop_refuses_bad_arguments_without_waiting(string error, params string[] arguments)
    {
        ReplyAssert.Error((await Blocking(["BZMPOP", .. arguments])).Reply, error);
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Fact]
    public async Task A_hundred_blocked_bzpopmin_callers_each_get_exactly_one_member()
    {
        var pops = Enumerable.Range(0, 100).Select(_ => Blocking("BZPOPMIN", "pq", "0")).ToList();
        await Parked(100);

        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Run("ZADD", "pq", $"{i}", $"job-{i}")));
        var delivered = (await Task.WhenAll(pops)).Select(r => ReplyAssert.Texts(r.Reply)[1]).ToList();

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"job-{i}").Order(), delivered.Order());
        ReplyAssert.Integer(await Run("EXISTS", "pq"), 0);
    }
}
