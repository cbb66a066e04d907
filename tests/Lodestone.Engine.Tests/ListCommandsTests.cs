using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// The list commands, each checked against Redis 7's replies and error texts. This file: pushes,
/// pops, length, ranges and indexes. Edits, moves, blocking and the model test are in the other parts.
/// </summary>
public sealed partial class ListCommandsTests : IDisposable
{
    private const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
    private const string NotInteger = "ERR value is not an integer or out of range";

    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private async Task<IReadOnlyList<string>> Range(string key) => [.. ReplyAssert.Texts(await _engine.Run("LRANGE", key, "0", "-1")).Select(item => item!)];

    /// <summary>The key's version, as an ETag would show it (0 when missing).</summary>
    private async Task<long> Version(string key) =>
        (await _engine.Executor.ExecuteAsync(new CommandRequest(["TYPE"u8.ToArray(), Encoding.UTF8.GetBytes(key)], Encoding.UTF8.GetBytes(key)))).After.Version;

    // LPUSH, RPUSH, LPUSHX, RPUSHX

    [Fact]
    public async Task Pushes_add_at_either_end_in_argument_order()
    {
        ReplyAssert.Integer(await _engine.Run("RPUSH", "l", "b", "c"), 2);
        ReplyAssert.Integer(await _engine.Run("LPUSH", "l", "a", "z"), 4);

        Assert.Equal(["z", "a", "b", "c"], await Range("l"));
    }

    [Fact]
    public async Task Pushx_pushes_only_onto_a_list_that_exists()
    {
        ReplyAssert.Integer(await _engine.Run("LPUSHX", "l", "a"), 0);
        ReplyAssert.Integer(await _engine.Run("RPUSHX", "l", "a"), 0);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "l"), 0);
        Assert.Empty(_engine.Log.Effects);

        await _engine.Run("RPUSH", "l", "a");
        ReplyAssert.Integer(await _engine.Run("LPUSHX", "l", "b", "c"), 3);
        ReplyAssert.Integer(await _engine.Run("RPUSHX", "l", "d", "e"), 5);

        Assert.Equal(["c", "b", "a", "d", "e"], await Range("l"));
    }

    [Theory]
    [InlineData("LPUSH")]
    [InlineData("RPUSH")]
    [InlineData("LPUSHX")]
    [InlineData("RPUSHX")]
    public async Task Pushes_need_an_element_and_a_list(string command)
    {
        await _engine.Run("SET", "s", "v");

        ReplyAssert.Error(await _engine.Run(command, "l"), $"ERR wrong number of arguments for '{command.ToLowerInvariant()}' command");
        ReplyAssert.Error(await _engine.Run(command, "s", "x"), WrongType);
    }

    // LPOP, RPOP

    [Fact]
    public async Task Pop_with_a_count_returns_up_to_count_and_deletes_an_emptied_list()
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c");

        ReplyAssert.BulkArray(await _engine.Run("RPOP", "l", "2"), "c", "b");
        ReplyAssert.BulkArray(await _engine.Run("LPOP", "l", "5"), "a");
        ReplyAssert.Integer(await _engine.Run("EXISTS", "l"), 0);
        ReplyAssert.Null(await _engine.Run("LPOP", "l"));
        ReplyAssert.Null(await _engine.Run("LPOP", "l", "2"));
    }

    [Fact]
    public async Task Pop_with_count_zero_is_an_empty_array_on_a_list_and_nil_on_a_missing_key()
    {
        await _engine.Run("RPUSH", "l", "a");

        ReplyAssert.BulkArray(await _engine.Run("LPOP", "l", "0"));
        ReplyAssert.Integer(await _engine.Run("LLEN", "l"), 1);
        ReplyAssert.Null(await _engine.Run("RPOP", "missing", "0"));
    }

    [Fact]
    public async Task Pop_with_the_largest_count_takes_the_whole_list()
    {
        await _engine.Run("RPUSH", "l", "a", "b");

        ReplyAssert.BulkArray(await _engine.Run("LPOP", "l", "9223372036854775807"), "a", "b");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("99999999999999999999")]
    public async Task Pop_with_a_bad_count_is_refused(string count)
    {
        await _engine.Run("RPUSH", "l", "a");

        ReplyAssert.Error(await _engine.Run("LPOP", "l", count), "ERR value is out of range, must be positive");
        ReplyAssert.Error(await _engine.Run("LPOP", "l", "1", "2"), "ERR wrong number of arguments for 'lpop' command");
        ReplyAssert.Integer(await _engine.Run("LLEN", "l"), 1);
    }

    [Fact]
    public async Task A_list_grows_past_its_initial_capacity_from_both_ends_and_shrinks_back()
    {
        for (var i = 0; i < 50; i++)
        {
            await _engine.Run("RPUSH", "l", $"r{i}");
            await _engine.Run("LPUSH", "l", $"l{i}");
        }

        ReplyAssert.Integer(await _engine.Run("LLEN", "l"), 100);
        ReplyAssert.Bulk(await _engine.Run("LPOP", "l"), "l49");
        ReplyAssert.Bulk(await _engine.Run("RPOP", "l"), "r49");
        ReplyAssert.BulkArray(await _engine.Run("LPOP", "l", "96"), [.. Enumerable.Range(0, 49).Reverse().Select(i => $"l{i}"), .. Enumerable.Range(0, 47).Select(i => $"r{i}")]);
        Assert.Equal(["r47", "r48"], await Range("l"));
    }

    [Fact]
    public async Task List_commands_on_a_string_are_wrongtype_and_copy_keeps_lists_independent()
    {
        await _engine.Run("SET", "s", "v");
        foreach (var args in new[] { new[] { "LLEN", "s" }, ["LPOP", "s"], ["RPOP", "s", "2"], ["LRANGE", "s", "0", "-1"], ["LINDEX", "s", "0"] })
            ReplyAssert.Error(await _engine.Run(args), WrongType);

        await _engine.Run("RPUSH", "l", "a");
        ReplyAssert.Integer(await _engine.Run("COPY", "l", "l2"), 1);
        await _engine.Run("RPUSH", "l2", "b");
        ReplyAssert.Integer(await _engine.Run("LLEN", "l"), 1);
        ReplyAssert.Simple(await _engine.Run("TYPE", "l2"), "list");
    }

    // LLEN

    [Fact]
    public async Task Llen_counts_the_elements_and_a_missing_key_has_none()
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c");

        ReplyAssert.Integer(await _engine.Run("LLEN", "l"), 3);
        ReplyAssert.Integer(await _engine.Run("LLEN", "missing"), 0);
    }

    // LRANGE

    [Theory]
    [InlineData("0", "-1", new[] { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10" })]
    [InlineData("-3", "-1", new[] { "8", "9", "10" })]
    [InlineData("-100", "1", new[] { "1", "2" })]
    [InlineData("8", "100", new[] { "9", "10" })]
    [InlineData("2", "-8", new[] { "3" })]
    [InlineData("2", "-9", new string[0])]
    [InlineData("-3", "2", new string[0])]
    [InlineData("3", "1", new string[0])]
    [InlineData("10", "20", new string[0])]
    [InlineData("-100", "-90", new string[0])]
    [InlineData("0", "9223372036854775807", new[] { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10" })]
    [InlineData("-9223372036854775808", "0", new[] { "1" })]
    public async Task Lrange_follows_redis_index_rules(string start, string stop, string[] expected)
    {
        await _engine.Run("RPUSH", "l", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10");

        ReplyAssert.BulkArray(await _engine.Run("LRANGE", "l", start, stop), expected);
    }

    [Fact]
    public async Task Lrange_of_a_missing_key_is_empty_but_its_indexes_must_still_be_integers()
    {
        ReplyAssert.BulkArray(await _engine.Run("LRANGE", "missing", "0", "-1"));
        ReplyAssert.Error(await _engine.Run("LRANGE", "missing", "x", "1"), NotInteger);
        ReplyAssert.Error(await _engine.Run("LRANGE", "missing", "0", "99999999999999999999"), NotInteger);
    }

    // LINDEX

    [Theory]
    [InlineData("0", "a")]
    [InlineData("2", "c")]
    [InlineData("-1", "c")]
    [InlineData("-3", "a")]
    [InlineData("3", null)]
    [InlineData("-4", null)]
    [InlineData("9223372036854775807", null)]
    [InlineData("-9223372036854775808", null)]
    public async Task Lindex_counts_from_the_head_or_from_the_tail(string index, string? expected)
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c");

        var reply = await _engine.Run("LINDEX", "l", index);

        if (expected is null)
            ReplyAssert.Null(reply);
        else
            ReplyAssert.Bulk(reply, expected);
    }

    [Fact]
    public async Task Lindex_needs_an_integer_but_a_missing_key_is_nil_first()
    {
        await _engine.Run("RPUSH", "l", "a");

        ReplyAssert.Error(await _engine.Run("LINDEX", "l", "x"), NotInteger);
        ReplyAssert.Null(await _engine.Run("LINDEX", "missing", "x"));
    }

    // LSET

    [Fact]
    public async Task Lset_replaces_by_index_from_either_end_and_gives_a_new_version()
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c");
        var before = await Version("l");

        ReplyAssert.Ok(await _engine.Run("LSET", "l", "0", "A"));
        ReplyAssert.Ok(await _engine.Run("LSET", "l", "-1", "C"));

        Assert.Equal(["A", "b", "C"], await Range("l"));
        Assert.True(await Version("l") > before);
        Assert.Equal(["RPUSH l a b c", "LSET l 0 A", "LSET l -1 C"], _engine.Log.Effects);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("-4")]
    [InlineData("9223372036854775807")]
    public async Task Lset_outside_the_list_is_an_error_and_changes_nothing(string index)
    {
        await _engine.Run("RPUSH", "l", "a", "b", "c");

        ReplyAssert.Error(await _engine.Run("LSET", "l", index, "x"), "ERR index out of range");

        Assert.Equal(["a", "b", "c"], await Range("l"));
    }

    [Fact]
    public async Task Lset_on_a_missing_key_is_no_such_key_before_its_index_is_read()
    {
        await _engine.Run("RPUSH", "l", "a");
        await _engine.Run("SET", "s", "v");

        ReplyAssert.Error(await _engine.Run("LSET", "missing", "0", "x"), "ERR no such key");
        ReplyAssert.Error(await _engine.Run("LSET", "missing", "x", "y"), "ERR no such key");
        ReplyAssert.Error(await _engine.Run("LSET", "l", "x", "y"), NotInteger);
        ReplyAssert.Error(await _engine.Run("LSET", "s", "0", "y"), WrongType);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "missing"), 0);
    }
}
