namespace Lodestone.Engine.Tests;

/// <summary>Moving elements between lists (RPOPLPUSH, LMOVE) and popping from the first of several (LMPOP).</summary>
public sealed partial class ListCommandsTests
{
    // RPOPLPUSH, LMOVE

    [Fact]
    public async Task Lmove_pops_from_one_end_and_pushes_onto_the_other_list_at_the_given_end()
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c");
        await _engine.Run("RPUSH", "d", "x");

        ReplyAssert.Bulk(await _engine.Run("LMOVE", "l", "d", "LEFT", "RIGHT"), "a");
        ReplyAssert.Bulk(await _engine.Run("LMOVE", "l", "d", "right", "left"), "c");
        ReplyAssert.Bulk(await _engine.Run("RPOPLPUSH", "l", "d"), "b");

        Assert.Equal(["b", "c", "x", "a"], await Range("d"));
        ReplyAssert.Integer(await _engine.Run("EXISTS", "l"), 0);
        Assert.Equal(["RPUSH l a b c", "RPUSH d x", "LMOVE l d LEFT RIGHT", "LMOVE l d right left", "RPOPLPUSH l d"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Lmove_creates_the_destination_list()
    {
        await _engine.Run("RPUSH", "l", "a", "b");

        ReplyAssert.Bulk(await _engine.Run("LMOVE", "l", "new", "RIGHT", "LEFT"), "b");

        Assert.Equal(["b"], await Range("new"));
        Assert.Equal(["a"], await Range("l"));
    }

    [Fact]
    public async Task Moving_within_one_list_rotates_it_and_keeps_a_single_element_list()
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c");

        ReplyAssert.Bulk(await _engine.Run("RPOPLPUSH", "l", "l"), "c");
        Assert.Equal(["c", "a", "b"], await Range("l"));
        ReplyAssert.Bulk(await _engine.Run("LMOVE", "l", "l", "LEFT", "RIGHT"), "c");
        Assert.Equal(["a", "b", "c"], await Range("l"));

        await _engine.Run("RPUSH", "one", "x");
        var before = await Version("one");
        ReplyAssert.Bulk(await _engine.Run("LMOVE", "one", "one", "LEFT", "LEFT"), "x");
        Assert.Equal(["x"], await Range("one"));
        Assert.True(await Version("one") > before);
    }

    [Fact]
    public async Task A_move_whose_destination_is_another_type_is_wrongtype_and_moves_nothing()
    {
        await _engine.Run("RPUSH", "l", "a");
        await _engine.Run("SET", "s", "v");
        _engine.Log.Clear();

        ReplyAssert.Error(await _engine.Run("LMOVE", "l", "s", "LEFT", "LEFT"), WrongType);
        ReplyAssert.Error(await _engine.Run("RPOPLPUSH", "l", "s"), WrongType);
        ReplyAssert.Error(await _engine.Run("LMOVE", "s", "l", "LEFT", "LEFT"), WrongType);
        ReplyAssert.Error(await _engine.Run("RPOPLPUSH", "s", "l"), WrongType);

        Assert.Equal(["a"], await Range("l"));
        ReplyAssert.Bulk(await _engine.Run("GET", "s"), "v");
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task A_move_from_a_missing_list_is_nil_whatever_the_destination_holds()
    {
        await _engine.Run("SET", "s", "v");

        ReplyAssert.Null(await _engine.Run("LMOVE", "missing", "s", "LEFT", "LEFT"));
        ReplyAssert.Null(await _engine.Run("RPOPLPUSH", "missing", "d"));
        ReplyAssert.Integer(await _engine.Run("EXISTS", "d"), 0);
    }

    [Fact]
    public async Task Lmove_takes_only_left_or_right()
    {
        await _engine.Run("RPUSH", "l", "a");

        ReplyAssert.Error(await _engine.Run("LMOVE", "l", "d", "LEFT", "middle"), "ERR syntax error");
        ReplyAssert.Error(await _engine.Run("LMOVE", "missing", "d", "middle", "LEFT"), "ERR syntax error");
        ReplyAssert.Error(await _engine.Run("LMOVE", "l", "d", "LEFT"), "ERR wrong number of arguments for 'lmove' command");
        ReplyAssert.Error(await _engine.Run("RPOPLPUSH", "l"), "ERR wrong number of arguments for 'rpoplpush' command");
        Assert.Equal(["a"], await Range("l"));
    }

    // LMPOP

    [Fact]
    public async Task Lmpop_pops_from_the_first_non_empty_list_and_names_it()
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c", "d");
        await _engine.Run("RPUSH", "m", "x");

        AssertKeyAndItems(await _engine.Run("LMPOP", "2", "missing", "l", "LEFT"), "l", "a");
        AssertKeyAndItems(await _engine.Run("LMPOP", "2", "missing", "l", "right", "COUNT", "2"), "l", "d", "c");
        AssertKeyAndItems(await _engine.Run("LMPOP", "2", "l", "m", "LEFT", "count", "10"), "l", "b");
        ReplyAssert.Integer(await _engine.Run("EXISTS", "l"), 0);
        AssertKeyAndItems(await _engine.Run("LMPOP", "2", "l", "m", "LEFT"), "m", "x");
        ReplyAssert.Null(await _engine.Run("LMPOP", "2", "l", "m", "LEFT"));
    }

    [Fact]
    public async Task Lmpop_is_logged_as_the_pop_it_did_with_its_exact_count()
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c");
        _engine.Log.Clear();

        await _engine.Run("LMPOP", "2", "missing", "l", "LEFT", "COUNT", "2");
        await _engine.Run("LMPOP", "1", "l", "RIGHT", "COUNT", "9223372036854775807");
        await _engine.Run("LMPOP", "1", "l", "RIGHT");

        Assert.Equal(["LPOP l 2", "RPOP l 1"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Lmpop_checks_each_key_in_order_until_it_finds_a_list()
    {
        await _engine.Run("RPUSH", "l", "z");
        await _engine.Run("SET", "s", "v");

        ReplyAssert.Error(await _engine.Run("LMPOP", "2", "s", "l", "LEFT"), WrongType);
        AssertKeyAndItems(await _engine.Run("LMPOP", "2", "l", "s", "LEFT"), "l", "z");
        ReplyAssert.Error(await _engine.Run("LMPOP", "2", "missing", "s", "LEFT"), WrongType);
    }

    [Theory]
    [InlineData(new[] { "0", "l", "LEFT" }, "ERR numkeys should be greater than 0")]
    [InlineData(new[] { "-1", "l", "LEFT" }, "ERR numkeys should be greater than 0")]
    [InlineData(new[] { "x", "l", "LEFT" }, "ERR numkeys should be greater than 0")]
    [InlineData(new[] { "99999999999999999999", "l", "LEFT" }, "ERR numkeys should be greater than 0")]
    [InlineData(new[] { "3", "l", "LEFT" }, "ERR syntax error")]
    [InlineData(new[] { "9223372036854775807", "l", "LEFT" }, "ERR syntax error")]
    [InlineData(new[] { "1", "l", "up" }, "ERR syntax error")]
    [InlineData(new[] { "1", "l", "LEFT", "COUNT", "0" }, "ERR count should be greater than 0")]
    [InlineData(new[] { "1", "l", "LEFT", "COUNT", "-1" }, "ERR count should be greater than 0")]
    [InlineData(new[] { "1", "l", "LEFT", "COUNT", "x" }, "ERR count should be greater than 0")]
    [InlineData(new[] { "1", "l", "LEFT", "COUNT" }, "ERR syntax error")]
    [InlineData(new[] { "1", "l", "LEFT", "COUNT", "1", "COUNT", "1" }, "ERR syntax error")]
    [InlineData(new[] { "1", "l", "LEFT", "foo" }, "ERR syntax error")]
    [InlineData(new[] { "2", "l" }, "ERR wrong number of arguments for 'lmpop' command")]
    public async Task Lmpop_refuses_bad_arguments_and_pops_nothing(string[] arguments, string error)
    {
        await _engine.Run("RPUSH", "l", "a");

        ReplyAssert.Error(await _engine.Run(["LMPOP", .. arguments]), error);

        ReplyAssert.Integer(await _engine.Run("LLEN", "l"), 1);
    }

    /// <summary>An LMPOP/BLMPOP reply: the key, then the popped elements.</summary>
    private static void AssertKeyAndItems(Execution.Reply reply, string key, params string[] items)
    {
        Assert.True(reply.Kind == Execution.ReplyKind.Array, $"Expected [key, items], got {reply}");
        var parts = reply.AsItems();
        Assert.Equal(2, parts.Count);
        ReplyAssert.Bulk(parts[0], key);
        ReplyAssert.BulkArray(parts[1], items);
    }
}
