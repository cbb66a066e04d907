using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// The blocking moves and multi-pops (BLMOVE, BRPOPLPUSH, BLMPOP): they wait on their source keys,
/// are served oldest first when a source comes into existence, and are logged as what they did.
/// BLPOP and BRPOP are in <see cref="BlockingTests"/>.
/// </summary>
public sealed partial class ListCommandsTests
{
    private Task<CommandResult> Blocking(params string[] args) =>
        _engine.Executor.ExecuteAsync(new CommandRequest(args.Select(Encoding.UTF8.GetBytes).ToArray()));

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

    // BLPOP, BRPOP (the rest of their tests are in BlockingTests)

    [Fact]
    public async Task Blocking_pops_try_keys_in_order_so_a_later_key_of_another_type_does_not_matter()
    {
        await _engine.Run("RPUSH", "l", "x", "y");
        await _engine.Run("SET", "s", "v");

        ReplyAssert.BulkArray((await Blocking("BLPOP", "l", "s", "0")).Reply, "l", "x");
        ReplyAssert.BulkArray((await Blocking("BRPOP", "missing", "l", "s", "0")).Reply, "l", "y");
        ReplyAssert.Error((await Blocking("BLPOP", "s", "l", "0")).Reply, WrongType);
        ReplyAssert.Error((await Blocking("BLPOP", "missing", "s", "0")).Reply, WrongType);
        ReplyAssert.Error((await Blocking("BLPOP", "s", "x")).Reply, "ERR timeout is not a float or out of range");
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    // BLMOVE, BRPOPLPUSH

    [Fact]
    public async Task Blocking_moves_on_a_non_empty_source_move_at_once_and_are_logged_as_plain_moves()
    {
        await _engine.Run("RPUSH", "src", "a", "b");
        _engine.Log.Clear();

        ReplyAssert.Bulk((await Blocking("BLMOVE", "src", "dst", "left", "RIGHT", "0")).Reply, "a");
        ReplyAssert.Bulk((await Blocking("BRPOPLPUSH", "src", "dst", "0")).Reply, "b");

        Assert.Equal(["b", "a"], await Range("dst"));
        Assert.Equal(["LMOVE src dst LEFT RIGHT", "RPOPLPUSH src dst"], _engine.Log.Effects);
    }

    [Fact]
    public async Task A_blocked_blmove_is_served_by_a_push_to_its_source()
    {
        var move = Blocking("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0");
        await Parked(1);

        await _engine.Run("RPUSH", "src", "job");

        ReplyAssert.Bulk((await move).Reply, "job");
        Assert.Equal(["job"], await Range("dst"));
        ReplyAssert.Integer(await _engine.Run("EXISTS", "src"), 0);
        Assert.Equal(["RPUSH src job", "LMOVE src dst RIGHT LEFT"], _engine.Log.Effects);
    }

    [Fact]
    public async Task A_blocking_move_waits_on_its_source_only()
    {
        var move = Blocking("BRPOPLPUSH", "src", "dst", "0");
        await Parked(1);

        await _engine.Run("RPUSH", "dst", "x");
        await _engine.Run("PING");
        Assert.False(move.IsCompleted);
        Assert.Equal(1, _engine.Executor.BlockedCount);

        await _engine.Run("RPUSH", "src", "y");
        ReplyAssert.Bulk((await move).Reply, "y");
        Assert.Equal(["y", "x"], await Range("dst"));
    }

    [Fact]
    public async Task A_served_move_feeds_a_caller_waiting_on_its_destination()
    {
        var pop = Blocking("BLPOP", "dst", "0");
        await Parked(1);
        var move = Blocking("BRPOPLPUSH", "src", "dst", "0");
        await Parked(2);

        await _engine.Run("RPUSH", "src", "x");

        ReplyAssert.Bulk((await move).Reply, "x");
        ReplyAssert.BulkArray((await pop).Reply, "dst", "x");
        ReplyAssert.Integer(await _engine.Run("EXISTS", "src", "dst"), 0);
        Assert.Equal(["RPUSH src x", "RPOPLPUSH src dst", "LPOP dst"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Waiting_moves_on_one_source_are_served_oldest_first()
    {
        var first = Blocking("BLMOVE", "src", "d1", "LEFT", "LEFT", "0");
        await Parked(1);
        var second = Blocking("BLMOVE", "src", "d2", "LEFT", "LEFT", "0");
        await Parked(2);

        await _engine.Run("RPUSH", "src", "one", "two", "three");

        ReplyAssert.Bulk((await first).Reply, "one");
        ReplyAssert.Bulk((await second).Reply, "two");
        Assert.Equal(["three"], await Range("src"));
    }

    [Fact]
    public async Task A_waiting_move_whose_destination_is_another_type_is_wrongtype_and_the_element_stays()
    {
        await _engine.Run("SET", "s", "v");
        var move = Blocking("BLMOVE", "src", "s", "LEFT", "LEFT", "0");
        await Parked(1);
        _engine.Log.Clear();

        await _engine.Run("RPUSH", "src", "a");

        ReplyAssert.Error((await move).Reply, WrongType);
        Assert.Equal(["a"], await Range("src"));
        ReplyAssert.Bulk(await _engine.Run("GET", "s"), "v");
        Assert.Equal(["RPUSH src a"], _engine.Log.Effects);
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Fact]
    public async Task A_blocking_move_onto_another_type_is_wrongtype_at_once_when_the_source_has_elements()
    {
        await _engine.Run("SET", "s", "v");
        await _engine.Run("RPUSH", "src", "a");

        ReplyAssert.Error((await Blocking("BLMOVE", "src", "s", "LEFT", "LEFT", "0")).Reply, WrongType);
        ReplyAssert.Error((await Blocking("BRPOPLPUSH", "s", "src", "0")).Reply, WrongType);

        Assert.Equal(["a"], await Range("src"));
    }

    [Fact]
    public async Task A_list_renamed_or_copied_onto_a_waited_key_serves_its_waiters()
    {
        await _engine.Run("RPUSH", "staging", "a");
        await _engine.Run("RPUSH", "other", "b");
        var first = Blocking("BLPOP", "q", "0");
        await Parked(1);
        var second = Blocking("BLMOVE", "r", "done", "LEFT", "LEFT", "0");
        await Parked(2);

        await _engine.Run("RENAME", "staging", "q");
        await _engine.Run("COPY", "other", "r");

        ReplyAssert.BulkArray((await first).Reply, "q", "a");
        ReplyAssert.Bulk((await second).Reply, "b");
        Assert.Equal(["b"], await Range("other"));
    }

    [Fact]
    public async Task A_blocking_move_times_out_with_nil()
    {
        var move = Blocking("BLMOVE", "src", "dst", "LEFT", "LEFT", "1");
        await Parked(1);

        _engine.Advance(TimeSpan.FromSeconds(1));

        ReplyAssert.Null((await move).Reply);
        Assert.Equal(0, _engine.Executor.BlockedCount);
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData(new[] { "BLMOVE", "src", "dst", "up", "LEFT", "0" }, "ERR syntax error")]
    [InlineData(new[] { "BLMOVE", "src", "dst", "up", "LEFT", "x" }, "ERR syntax error")]
    [InlineData(new[] { "BLMOVE", "src", "dst", "LEFT", "LEFT", "x" }, "ERR timeout is not a float or out of range")]
    [InlineData(new[] { "BLMOVE", "src", "dst", "LEFT", "LEFT", "-1" }, "ERR timeout is negative")]
    [InlineData(new[] { "BRPOPLPUSH", "src", "dst", "x" }, "ERR timeout is not a float or out of range")]
    [InlineData(new[] { "BRPOPLPUSH", "src", "dst", "-0.5" }, "ERR timeout is negative")]
    [InlineData(new[] { "BRPOPLPUSH", "src", "dst" }, "ERR wrong number of arguments for 'brpoplpush' command")]
    public async Task Blocking_moves_refuse_bad_arguments_without_waiting(string[] args, string error)
    {
        ReplyAssert.Error((await Blocking(args)).Reply, error);
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    // BLMPOP

    [Fact]
    public async Task Blmpop_on_a_non_empty_list_pops_at_once_and_is_logged_as_the_pop()
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c");
        _engine.Log.Clear();

        AssertKeyAndItems((await Blocking("BLMPOP", "0", "2", "missing", "l", "RIGHT", "COUNT", "2")).Reply, "l", "c", "b");
        AssertKeyAndItems((await Blocking("BLMPOP", "0", "1", "l", "LEFT")).Reply, "l", "a");

        Assert.Equal(["RPOP l 2", "LPOP l 1"], _engine.Log.Effects);
    }

    [Fact]
    public async Task A_blocked_blmpop_is_served_by_a_push_to_any_of_its_keys_with_up_to_count_elements()
    {
        var pop = Blocking("BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "3");
        await Parked(1);

        await _engine.Run("RPUSH", "b", "x", "y");

        AssertKeyAndItems((await pop).Reply, "b", "x", "y");
        ReplyAssert.Integer(await _engine.Run("EXISTS", "b"), 0);
        Assert.Equal(["RPUSH b x y", "LPOP b 2"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Blmpop_times_out_with_nil()
    {
        var pop = Blocking("BLMPOP", "0.5", "1", "q", "RIGHT");
        await Parked(1);

        _engine.Advance(TimeSpan.FromMilliseconds(500));

        ReplyAssert.Null((await pop).Reply);
    }

    [Theory]
    [InlineData(new[] { "x", "1", "q", "LEFT" }, "ERR timeout is not a float or out of range")]
    [InlineData(new[] { "-1", "1", "q", "LEFT" }, "ERR timeout is negative")]
    [InlineData(new[] { "x", "0", "q", "LEFT" }, "ERR numkeys should be greater than 0")]
    [InlineData(new[] { "-1", "1", "q", "up" }, "ERR syntax error")]
    [InlineData(new[] { "0.1", "2", "q", "LEFT" }, "ERR syntax error")]
    [InlineData(new[] { "0", "1", "q", "LEFT", "COUNT", "0" }, "ERR count should be greater than 0")]
    [InlineData(new[] { "0", "1", "s", "LEFT" }, WrongType)]
    [InlineData(new[] { "0", "1", "q" }, "ERR wrong number of arguments for 'blmpop' command")]
    public async Task Blmpop_refuses_bad_arguments_without_waiting(string[] arguments, string error)
    {
        await _engine.Run("SET", "s", "v");

        ReplyAssert.Error((await Blocking(["BLMPOP", .. arguments])).Reply, error);

        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Fact]
    public async Task Inside_a_transaction_blocking_moves_and_multi_pops_do_not_wait()
    {
        var requests = new[]
        {
            new[] { "BLMOVE", "src", "dst", "LEFT", "LEFT", "0" },
            ["BRPOPLPUSH", "src", "dst", "0"],
            ["BLMPOP", "0", "1", "src", "LEFT"],
        }.Select(args => new CommandRequest(args.Select(Encoding.UTF8.GetBytes).ToArray())).ToList();

        var results = await _engine.Executor.ExecuteAtomicAsync(requests);

        Assert.All(results, result => ReplyAssert.Null(result.Reply));
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }
}
