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
