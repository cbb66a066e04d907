using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>Blocking pops park their caller on the engine; a push serves the longest-waiting caller first.</summary>
public sealed class BlockingTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

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

    [Fact]
    public async Task Blpop_on_a_non_empty_list_pops_at_once_and_is_logged_as_lpop()
    {
        await _engine.Run("RPUSH", "q", "a", "b");
        _engine.Log.Clear();

        ReplyAssert.BulkArray((await Blocking("BLPOP", "q", "0")).Reply, "q", "a");
        ReplyAssert.BulkArray((await Blocking("BRPOP", "q", "0")).Reply, "q", "b");
        ReplyAssert.Integer(await _engine.Run("EXISTS", "q"), 0);
        Assert.Equal(["LPOP q", "RPOP q"], _engine.Log.Effects);
    }

    [Fact]
    public async Task A_blocked_pop_is_served_by_a_later_push()
    {
        var pop = Blocking("BLPOP", "q", "0");
        await Parked(1);
        Assert.False(pop.IsCompleted);

        ReplyAssert.Integer(await _engine.Run("RPUSH", "q", "job"), 1);

        ReplyAssert.BulkArray((await pop).Reply, "q", "job");
        ReplyAssert.Integer(await _engine.Run("EXISTS", "q"), 0);
        Assert.Equal(0, _engine.Executor.BlockedCount);
        Assert.Equal(["RPUSH q job", "LPOP q"], _engine.Log.Effects);
    }

    [Fact]
    public async Task The_longest_waiting_caller_is_served_first()
    {
        var first = Blocking("BLPOP", "q", "0");
        await Parked(1);
        var second = Blocking("BRPOP", "q", "0");
        await Parked(2);
        var third = Blocking("BLPOP", "q", "0");
        await Parked(3);

        await _engine.Run("RPUSH", "q", "one");
        ReplyAssert.BulkArray((await first).Reply, "q", "one");
        Assert.Equal(2, _engine.Executor.BlockedCount);

        await _engine.Run("RPUSH", "q", "two", "three");
        ReplyAssert.BulkArray((await second).Reply, "q", "three");
        ReplyAssert.BulkArray((await third).Reply, "q", "two");
    }

    [Fact]
    public async Task A_caller_waiting_on_several_keys_is_served_by_whichever_is_pushed()
    {
        var pop = Blocking("BLPOP", "a", "b", "0");
        await Parked(1);

        await _engine.Run("LPUSH", "b", "x");

        ReplyAssert.BulkArray((await pop).Reply, "b", "x");
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Fact]
    public async Task A_timeout_answers_nil_and_leaves_later_pushes_in_the_list()
    {
        var pop = Blocking("BLPOP", "q", "1.5");
        await Parked(1);

        _engine.Advance(TimeSpan.FromMilliseconds(1499));
        await _engine.Run("PING");
        Assert.False(pop.IsCompleted);
        _engine.Advance(TimeSpan.FromMilliseconds(1));

        ReplyAssert.Null((await pop).Reply);
        await _engine.Run("RPUSH", "q", "x");
        ReplyAssert.Integer(await _engine.Run("LLEN", "q"), 1);
    }

    [Fact]
    public async Task A_zero_timeout_waits_forever()
    {
        var pop = Blocking("BLPOP", "q", "0");
        await Parked(1);

        _engine.Advance(TimeSpan.FromDays(1));
        await _engine.Run("PING");

        Assert.False(pop.IsCompleted);
        await _engine.Run("RPUSH", "q", "late");
        ReplyAssert.BulkArray((await pop).Reply, "q", "late");
    }

    [Fact]
    public async Task A_caller_that_goes_away_is_removed_and_nothing_is_popped_for_it()
    {
        using var gone = new CancellationTokenSource();
        var abandoned = Blocking(gone.Token, "BLPOP", "q", "0");
        await Parked(1);
        var next = Blocking("BLPOP", "q", "0");
        await Parked(2);

        await gone.CancelAsync();
        await Parked(1);
        await _engine.Run("RPUSH", "q", "only");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        ReplyAssert.BulkArray((await next).Reply, "q", "only");
    }

    [Fact]
    public async Task Inside_a_transaction_a_blocking_pop_does_not_wait()
    {
        var argv = new[] { "BLPOP"u8.ToArray(), "q"u8.ToArray(), "0"u8.ToArray() };

        var results = await _engine.Executor.ExecuteAtomicAsync([new CommandRequest(argv)]);

        ReplyAssert.Null(results[0].Reply);
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Fact]
    public async Task A_waiter_whose_key_becomes_another_type_gets_wrongtype()
    {
        var pop = Blocking("BLPOP", "q", "0");
        await Parked(1);

        await _engine.Run("SET", "q", "text");

        ReplyAssert.Error((await pop).Reply, "WRONGTYPE Operation against a key holding the wrong kind of value");
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Theory]
    [InlineData("abc", "ERR timeout is not a float or out of range")]
    [InlineData("-1", "ERR timeout is negative")]
    [InlineData("inf", "ERR timeout is not a float or out of range")]
    [InlineData("1e300", "ERR timeout is out of range")]
    public async Task A_bad_timeout_is_refused_without_waiting(string timeout, string error)
    {
        ReplyAssert.Error((await Blocking("BLPOP", "q", timeout)).Reply, error);
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Theory]
    [InlineData("BLPOP", "q", "4294968")]
    [InlineData("BRPOP", "q", "1e9")]
    [InlineData("BZPOPMIN", "z", "4294968")]
    [InlineData("BLMOVE", "q", "dst", "LEFT", "RIGHT", "4294968")]
    [InlineData("BLMPOP", "4294968", "1", "q", "LEFT")]
    public async Task A_timeout_beyond_what_a_timer_can_take_waits_instead_of_stopping_the_engine(params string[] command)
    {
        // The real clock: its timers refuse a due time over 2^32-2 ms, which once threw on the engine thread.
        using var executor = new Executor(new EngineOptions(), TimeProvider.System);
        var waiting = executor.ExecuteAsync(new CommandRequest(command.Select(Encoding.UTF8.GetBytes).ToArray()));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (executor.BlockedCount == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(5);

        Assert.Equal(1, executor.BlockedCount);
        ReplyAssert.Simple(await executor.ExecuteAsync("PING"u8.ToArray()), "PONG");
        Assert.False(waiting.IsCompleted);
        executor.Dispose();
        ReplyAssert.Error((await waiting).Reply, ErrorKind.Unavailable);
    }

    [Fact]
    public async Task A_lock_wait_beyond_what_a_timer_can_take_waits_instead_of_stopping_the_engine()
    {
        using var executor = new Executor(new EngineOptions(), TimeProvider.System);
        var held = await executor.ExecuteAsync("LOCK.ACQUIRE"u8.ToArray(), "g"u8.ToArray(), "60000"u8.ToArray());
        Assert.False(held.IsError);

        var waiting = executor.ExecuteAsync(new CommandRequest(
            new[] { "LOCK.ACQUIRE", "g", "1000", "WAIT", "4294967295" }.Select(Encoding.UTF8.GetBytes).ToArray()));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (executor.BlockedCount == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(5);

        Assert.Equal(1, executor.BlockedCount);
        ReplyAssert.Simple(await executor.ExecuteAsync("PING"u8.ToArray()), "PONG");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("100")]
    [InlineData("4294968")]
    public async Task A_callers_wait_cap_ends_a_longer_or_endless_wait_with_the_timeout_reply(string timeout)
    {
        var pop = _engine.Executor.ExecuteAsync(new CommandRequest(Argv("BLPOP", "q", timeout)) { MaxBlock = TimeSpan.FromSeconds(2) });
        await Parked(1);

        _engine.Advance(TimeSpan.FromMilliseconds(1999));
        await _engine.Run("PING");
        Assert.False(pop.IsCompleted);
        _engine.Advance(TimeSpan.FromMilliseconds(1));

        ReplyAssert.Null((await pop).Reply);
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Fact]
    public async Task A_shorter_timeout_than_the_cap_is_kept()
    {
        var pop = _engine.Executor.ExecuteAsync(new CommandRequest(Argv("BLPOP", "q", "0.5")) { MaxBlock = TimeSpan.FromSeconds(60) });
        await Parked(1);

        _engine.Advance(TimeSpan.FromMilliseconds(500));

        ReplyAssert.Null((await pop).Reply);
    }

    [Fact]
    public async Task A_lock_wait_over_the_cap_answers_that_the_lock_is_still_held()
    {
        await _engine.Run("LOCK.ACQUIRE", "g", "60000", "OWNER", "a");
        var wait = _engine.Executor.ExecuteAsync(
            new CommandRequest(Argv("LOCK.ACQUIRE", "g", "1000", "OWNER", "b", "WAIT", "4294967295")) { MaxBlock = TimeSpan.FromSeconds(5) });
        await Parked(1);

        _engine.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(ErrorKind.Conflict, (await wait).Reply.AsError().Kind);
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Theory]
    [InlineData(0L, null, null)]
    [InlineData(0L, 60_000L, 60_000L)]
    [InlineData(500L, 60_000L, 500L)]
    [InlineData(120_000L, 60_000L, 60_000L)]
    [InlineData(10_000_000_000L, null, 4_294_967_294L)]
    public void The_wait_is_the_timeout_capped_by_the_caller_and_by_the_timers_range(long timeoutMs, long? capMs, long? expectedMs)
    {
        var wait = BlockingRegistry.WaitFor(TimeSpan.FromMilliseconds(timeoutMs), capMs is { } cap ? TimeSpan.FromMilliseconds(cap) : null);

        Assert.Equal(expectedMs, wait is { } w ? (long)w.TotalMilliseconds : null);
    }

    [Fact]
    public async Task Ending_waits_answers_parked_callers_and_later_blocking_commands_at_once()
    {
        var parked = Blocking("BLPOP", "q", "0");
        await Parked(1);
        var stopping = new EngineError(ErrorKind.Unavailable, "SHUTDOWN the service is stopping; try again");

        _engine.Executor.EndWaits(stopping);

        ReplyAssert.Error((await parked).Reply, "SHUTDOWN the service is stopping; try again");
        ReplyAssert.Error((await Blocking("BLPOP", "q", "0")).Reply, "SHUTDOWN the service is stopping; try again");
        Assert.Equal(0, _engine.Executor.BlockedCount);
        await _engine.Run("RPUSH", "q", "a");
        ReplyAssert.BulkArray((await Blocking("BLPOP", "q", "0")).Reply, "q", "a");
    }

    private static byte[][] Argv(params string[] args) => args.Select(Encoding.UTF8.GetBytes).ToArray();

    [Fact]
    public async Task Stopping_the_engine_fails_parked_callers()
    {
        var engine = new TestEngine();
        var pop = engine.Executor.ExecuteAsync("BLPOP"u8.ToArray(), "q"u8.ToArray(), "0"u8.ToArray());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (engine.Executor.BlockedCount == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(5);

        engine.Dispose();

        ReplyAssert.Error(await pop, ErrorKind.Unavailable);
    }

    [Fact]
    public async Task A_hundred_blocked_callers_and_a_hundred_pushes_deliver_every_element_exactly_once()
    {
        var pops = Enumerable.Range(0, 100).Select(_ => Blocking("BLPOP", "jobs", "0")).ToList();
        await Parked(100);

        var pushes = Enumerable.Range(0, 100).Select(i => _engine.Run("RPUSH", "jobs", $"job-{i}"));
        await Task.WhenAll(pushes);
        var delivered = (await Task.WhenAll(pops)).Select(r => ReplyAssert.Texts(r.Reply)[1]).ToList();

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"job-{i}").Order(), delivered.Order());
        ReplyAssert.Integer(await _engine.Run("EXISTS", "jobs"), 0);
    }
}
