namespace Lodestone.Engine.Tests;

/// <summary>The list core the blocking machinery rests on: pushes and pops at both ends.</summary>
public sealed class ListCoreTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task Pushes_add_at_either_end_in_argument_order()
    {
        ReplyAssert.Integer(await _engine.Run("RPUSH", "l", "b", "c"), 2);
        ReplyAssert.Integer(await _engine.Run("LPUSH", "l", "a", "z"), 4);

        ReplyAssert.BulkArray(await _engine.Run("LPOP", "l", "4"), "z", "a", "b", "c");
    }

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
    public async Task Pop_with_count_zero_on_a_list_is_an_empty_array()
    {
        await _engine.Run("RPUSH", "l", "a");

        ReplyAssert.BulkArray(await _engine.Run("LPOP", "l", "0"));
        ReplyAssert.Integer(await _engine.Run("LLEN", "l"), 1);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    public async Task Pop_with_a_bad_count_is_refused(string count)
    {
        await _engine.Run("RPUSH", "l", "a");

        ReplyAssert.Error(await _engine.Run("LPOP", "l", count), "ERR value is out of range, must be positive");
        ReplyAssert.Error(await _engine.Run("LPOP", "l", "1", "2"), "ERR wrong number of arguments for 'lpop' command");
    }

    [Fact]
    public async Task List_commands_on_a_string_are_wrongtype_and_copy_keeps_lists_independent()
    {
        await _engine.Run("SET", "s", "v");
        ReplyAssert.Error(await _engine.Run("LPUSH", "s", "x"), "WRONGTYPE Operation against a key holding the wrong kind of value");

        await _engine.Run("RPUSH", "l", "a");
        ReplyAssert.Integer(await _engine.Run("COPY", "l", "l2"), 1);
        await _engine.Run("RPUSH", "l2", "b");
        ReplyAssert.Integer(await _engine.Run("LLEN", "l"), 1);
        ReplyAssert.Simple(await _engine.Run("TYPE", "l2"), "list");
    }

    [Fact]
    public async Task A_list_grows_past_its_initial_capacity_from_both_ends()
    {
        for (var i = 0; i < 50; i++)
        {
            await _engine.Run("RPUSH", "l", $"r{i}");
            await _engine.Run("LPUSH", "l", $"l{i}");
        }

        ReplyAssert.Integer(await _engine.Run("LLEN", "l"), 100);
        ReplyAssert.Bulk(await _engine.Run("LPOP", "l"), "l49");
        ReplyAssert.Bulk(await _engine.Run("RPOP", "l"), "r49");
    }
}
