using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Tests;

// APPEND, STRLEN, GETRANGE, SETRANGE, binary safety and the generic checks.
public sealed partial class StringCommandsTests
{
    [Fact]
    public async Task Append_creates_a_missing_key_and_returns_the_new_length()
    {
        ReplyAssert.Integer(await Run("APPEND", "k", "hello"), 5);
        ReplyAssert.Integer(await Run("APPEND", "k", " world"), 11);
        ReplyAssert.Bulk(await Run("GET", "k"), "hello world");
        Assert.Equal(["APPEND k hello", "APPEND k  world"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Append_of_nothing_creates_an_empty_string()
    {
        ReplyAssert.Integer(await Run("APPEND", "k", ""), 0);
        ReplyAssert.Integer(await Run("EXISTS", "k"), 1);
        ReplyAssert.Bulk(await Run("GET", "k"), "");
    }

    [Fact]
    public async Task Append_many_times_keeps_every_byte_in_order()
    {
        var expected = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            var piece = $"{i},";
            expected.Append(piece);
            ReplyAssert.Integer(await Run("APPEND", "k", piece), expected.Length);
        }
        ReplyAssert.Bulk(await Run("GET", "k"), expected.ToString());
    }

    [Fact]
    public async Task Append_keeps_the_ttl()
    {
        ReplyAssert.Ok(await Run("SET", "k", "10", "EX", "100"));
        ReplyAssert.Integer(await Run("APPEND", "k", "3"), 3);
        ReplyAssert.Bulk(await Run("GET", "k"), "103");
        Assert.Equal(Now + 100_000, await PExpireTime("k"));
    }

    [Fact]
    public async Task Append_past_proto_max_bulk_len_is_refused_and_leaves_the_value()
    {
        using var engine = new TestEngine(new EngineOptions { ProtoMaxBulkLen = 16 });
        ReplyAssert.Integer(await engine.Run("APPEND", "k", "0123456789"), 10);
        engine.Log.Clear();

        ReplyAssert.Error(await engine.Run("APPEND", "k", "abcdefg"), TooLong);
        ReplyAssert.Bulk(await engine.Run("GET", "k"), "0123456789");
        Assert.Empty(engine.Log.Effects);
        ReplyAssert.Integer(await engine.Run("APPEND", "k", "abcdef"), 16);
        ReplyAssert.Bulk(await engine.Run("GET", "k"), "0123456789abcdef");
    }

    [Fact]
    public async Task Strlen_counts_bytes_and_is_zero_for_a_missing_key()
    {
        ReplyAssert.Ok(await Run("SET", "k", "hello"));
        ReplyAssert.Ok(await Run("SET", "e", "é"));
        ReplyAssert.Ok(await Run("SET", "empty", ""));
        ReplyAssert.Integer(await Run("STRLEN", "k"), 5);
        ReplyAssert.Integer(await Run("STRLEN", "e"), 2);
        ReplyAssert.Integer(await Run("STRLEN", "empty"), 0);
        ReplyAssert.Integer(await Run("STRLEN", "missing"), 0);
    }

    [Theory]
    [InlineData("0", "4", "Hello")]
    [InlineData("-5", "-1", "World")]
    [InlineData("0", "-1", "Hello World")]
    [InlineData("-3", "-3", "r")]
    [InlineData("10", "10", "d")]
    [InlineData("0", "100", "Hello World")]
    [InlineData("-100", "2", "Hel")]
    [InlineData("-100", "-50", "H")]
    [InlineData("0", "-100", "H")]
    [InlineData("-9223372036854775808", "-9223372036854775808", "H")]
    [InlineData("-9223372036854775808", "9223372036854775807", "Hello World")]
    [InlineData("-1", "-5", "")]
    [InlineData("-100", "-101", "")]
    [InlineData("-12", "-13", "")]
    [InlineData("5", "2", "")]
    [InlineData("11", "11", "")]
    [InlineData("100", "200", "")]
    [InlineData("9223372036854775807", "9223372036854775807", "")]
    public async Task Getrange_and_substr_return_the_inclusive_range_with_negative_indexes_from_the_end(string start, string end, string expected)
    {
        ReplyAssert.Ok(await Run("SET", "s", "Hello World"));
        ReplyAssert.Bulk(await Run("GETRANGE", "s", start, end), expected);
        ReplyAssert.Bulk(await Run("SUBSTR", "s", start, end), expected);
    }

    [Fact]
    public async Task Getrange_of_a_missing_key_or_an_empty_value_is_the_empty_string()
    {
        ReplyAssert.Ok(await Run("SET", "empty", ""));
        ReplyAssert.Bulk(await Run("GETRANGE", "missing", "0", "-1"), "");
        ReplyAssert.Bulk(await Run("GETRANGE", "empty", "0", "-1"), "");
        ReplyAssert.Bulk(await Run("GETRANGE", "empty", "-1", "0"), "");
        ReplyAssert.Bulk(await Run("SUBSTR", "missing", "0", "0"), "");
    }

    [Theory]
    [InlineData("a", "1")]
    [InlineData("1", "b")]
    [InlineData("00", "1")]
    [InlineData("1.0", "2")]
    public async Task Getrange_with_a_non_integer_index_is_refused_even_on_a_missing_key(string start, string end)
    {
        ReplyAssert.Ok(await Run("SET", "s", "Hello World"));
        ReplyAssert.Error(await Run("GETRANGE", "s", start, end), NotInteger);
        ReplyAssert.Error(await Run("GETRANGE", "missing", start, end), NotInteger);
        ReplyAssert.Error(await Run("SUBSTR", "s", start, end), NotInteger);
    }

    [Fact]
    public async Task Setrange_on_a_missing_key_pads_with_zero_bytes()
    {
        ReplyAssert.Integer(await Run("SETRANGE", "k", "5", "abc"), 8);
        ReplyAssert.BulkBytes(await Run("GET", "k"), [0, 0, 0, 0, 0, (byte)'a', (byte)'b', (byte)'c']);
        Assert.Equal(["SETRANGE k 5 abc"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Setrange_overwrites_in_place_and_pads_past_the_end()
    {
        ReplyAssert.Ok(await Run("SET", "k", "Hello World"));
        ReplyAssert.Integer(await Run("SETRANGE", "k", "6", "Redis"), 11);
        ReplyAssert.Bulk(await Run("GET", "k"), "Hello Redis");
        ReplyAssert.Integer(await Run("SETRANGE", "k", "9", "XYZ"), 12);
        ReplyAssert.Bulk(await Run("GET", "k"), "Hello RedXYZ");
        ReplyAssert.Integer(await Run("SETRANGE", "k", "14", "!"), 15);
        ReplyAssert.Bulk(await Run("GET", "k"), "Hello RedXYZ\0\0!");
    }

    [Fact]
    public async Task Setrange_after_a_value_shrank_pads_with_zero_bytes_not_old_content()
    {
        ReplyAssert.Ok(await Run("SET", "k", "1234567"));
        ReplyAssert.Integer(await Run("APPEND", "k", "8"), 8);
        ReplyAssert.Integer(await Run("INCRBY", "k", "-12345670"), 8);
        ReplyAssert.Integer(await Run("SETRANGE", "k", "5", "x"), 6);
        ReplyAssert.Bulk(await Run("GET", "k"), "8\0\0\0\0x");
        ReplyAssert.Integer(await Run("APPEND", "k", "y"), 7);
        ReplyAssert.Bulk(await Run("GETRANGE", "k", "0", "-1"), "8\0\0\0\0xy");
    }

    [Fact]
    public async Task Setrange_keeps_the_ttl()
    {
        ReplyAssert.Ok(await Run("SET", "k", "10", "EX", "100"));
        ReplyAssert.Integer(await Run("SETRANGE", "k", "0", "2"), 2);
        ReplyAssert.Bulk(await Run("GET", "k"), "20");
        Assert.Equal(Now + 100_000, await PExpireTime("k"));
    }

    [Fact]
    public async Task Setrange_with_a_negative_offset_is_out_of_range()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v"));
        ReplyAssert.Error(await Run("SETRANGE", "k", "-1", "x"), "ERR offset is out of range");
        ReplyAssert.Error(await Run("SETRANGE", "missing", "-1", "x"), "ERR offset is out of range");
        ReplyAssert.Error(await Run("SETRANGE", "missing", "-1", ""), "ERR offset is out of range");
        ReplyAssert.Bulk(await Run("GET", "k"), "v");
        ReplyAssert.Integer(await Run("EXISTS", "missing"), 0);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("00")]
    [InlineData("1.5")]
    [InlineData("")]
    public async Task Setrange_with_a_non_integer_offset_is_refused(string offset)
    {
        ReplyAssert.Error(await Run("SETRANGE", "k", offset, "x"), NotInteger);
        ReplyAssert.Integer(await Run("EXISTS", "k"), 0);
    }

    [Fact]
    public async Task Setrange_with_an_empty_value_on_a_missing_key_does_not_create_it()
    {
        ReplyAssert.Integer(await Run("SETRANGE", "missing", "0", ""), 0);
        ReplyAssert.Integer(await Run("SETRANGE", "missing", "100", ""), 0);
        ReplyAssert.Integer(await Run("SETRANGE", "missing", "9223372036854775807", ""), 0);
        ReplyAssert.Integer(await Run("EXISTS", "missing"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Setrange_with_an_empty_value_on_an_existing_key_returns_its_length_and_changes_nothing()
    {
        ReplyAssert.Ok(await Run("SET", "k", "hello"));
        _engine.Log.Clear();

        ReplyAssert.Integer(await Run("SETRANGE", "k", "100", ""), 5);
        ReplyAssert.Integer(await Run("SETRANGE", "k", "9223372036854775807", ""), 5);
        ReplyAssert.Bulk(await Run("GET", "k"), "hello");
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Setrange_past_proto_max_bulk_len_is_refused_before_anything_is_written()
    {
        using var engine = new TestEngine(new EngineOptions { ProtoMaxBulkLen = 16 });

        ReplyAssert.Error(await engine.Run("SETRANGE", "new", "16", "x"), TooLong);
        ReplyAssert.Integer(await engine.Run("EXISTS", "new"), 0);
        ReplyAssert.Ok(await engine.Run("SET", "k", "hello"));
        ReplyAssert.Error(await engine.Run("SETRANGE", "k", "10", "abcdefg"), TooLong);
        ReplyAssert.Bulk(await engine.Run("GET", "k"), "hello");
        Assert.Equal(["SET k hello"], engine.Log.Effects);

        ReplyAssert.Integer(await engine.Run("SETRANGE", "k", "15", "x"), 16);
    }

    [Theory]
    [InlineData("536870912")]
    [InlineData("2147483647")]
    [InlineData("9223372036854775807")]
    [InlineData("9223372036854775806")]
    public async Task Setrange_at_a_huge_offset_is_refused_as_too_long(string offset)
    {
        ReplyAssert.Ok(await Run("SET", "k", "v"));
        ReplyAssert.Error(await Run("SETRANGE", "k", offset, "xy"), TooLong);
        ReplyAssert.Error(await Run("SETRANGE", "missing", offset, "xy"), TooLong);
        ReplyAssert.Bulk(await Run("GET", "k"), "v");
        ReplyAssert.Integer(await Run("EXISTS", "missing"), 0);
    }

    [Fact]
    public async Task Values_and_keys_are_binary_safe()
    {
        byte[] key = [0xFF, 0x00, (byte)'k'];
        byte[] value = [0x00, 0xFF, 0x00, 0x80, 0x7F];

        ReplyAssert.Ok(await _engine.RunBytes(Bytes("SET"), key, value));
        ReplyAssert.BulkBytes(await _engine.RunBytes(Bytes("GET"), key), value);
        ReplyAssert.Integer(await _engine.RunBytes(Bytes("STRLEN"), key), 5);
        ReplyAssert.Integer(await _engine.RunBytes(Bytes("APPEND"), key, [0x00, 0xFF]), 7);
        ReplyAssert.BulkBytes(await _engine.RunBytes(Bytes("GETRANGE"), key, Bytes("-3"), Bytes("-1")), [0x7F, 0x00, 0xFF]);
        ReplyAssert.Integer(await _engine.RunBytes(Bytes("SETRANGE"), key, Bytes("1"), [0xFE]), 7);
        ReplyAssert.BulkBytes(await _engine.RunBytes(Bytes("GET"), key), [0x00, 0xFE, 0x00, 0x80, 0x7F, 0x00, 0xFF]);
        var mget = await _engine.RunBytes(Bytes("MGET"), Bytes("missing"), key);
        ReplyAssert.BulkBytes(mget.AsItems()[1], [0x00, 0xFE, 0x00, 0x80, 0x7F, 0x00, 0xFF]);
        ReplyAssert.BulkBytes(await _engine.RunBytes(Bytes("GETDEL"), key), [0x00, 0xFE, 0x00, 0x80, 0x7F, 0x00, 0xFF]);
    }

    [Fact]
    public async Task A_reply_already_given_is_not_changed_by_later_writes()
    {
        ReplyAssert.Ok(await Run("SET", "k", "12"));
        ReplyAssert.Integer(await Run("APPEND", "k", "3"), 3);
        var afterAppend = await Run("GET", "k");
        ReplyAssert.Integer(await Run("APPEND", "k", "4"), 4);
        var range = await Run("GETRANGE", "k", "0", "1");
        ReplyAssert.Integer(await Run("SETRANGE", "k", "0", "9"), 4);
        var afterSetRange = await Run("GET", "k");
        ReplyAssert.Integer(await Run("INCR", "k"), 9235);

        ReplyAssert.Bulk(afterAppend, "123");
        ReplyAssert.Bulk(range, "12");
        ReplyAssert.Bulk(afterSetRange, "9234");
        ReplyAssert.Bulk(await Run("GET", "k"), "9235");
    }

    [Fact]
    public async Task The_callers_argument_arrays_are_never_written_to()
    {
        var value = Bytes("abc");
        var counter = Bytes("41");
        ReplyAssert.Ok(await _engine.RunBytes(Bytes("SET"), Bytes("k"), value));
        ReplyAssert.Integer(await _engine.RunBytes(Bytes("SETRANGE"), Bytes("k"), Bytes("0"), Bytes("X")), 3);
        ReplyAssert.Integer(await _engine.RunBytes(Bytes("APPEND"), Bytes("k"), Bytes("d")), 4);
        ReplyAssert.Ok(await _engine.RunBytes(Bytes("SET"), Bytes("n"), counter));
        ReplyAssert.Integer(await Run("INCR", "n"), 42);

        Assert.Equal(Bytes("abc"), value);
        Assert.Equal(Bytes("41"), counter);
        ReplyAssert.Bulk(await Run("GET", "k"), "Xbcd");
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("SET k")]
    [InlineData("GETSET k")]
    [InlineData("GETDEL")]
    [InlineData("GETEX")]
    [InlineData("SETNX k")]
    [InlineData("SETEX k 10")]
    [InlineData("PSETEX k 10")]
    [InlineData("MGET")]
    [InlineData("INCR")]
    [InlineData("DECR k 1")]
    [InlineData("INCRBY k")]
    [InlineData("DECRBY k")]
    [InlineData("INCRBYFLOAT k")]
    [InlineData("APPEND k")]
    [InlineData("STRLEN")]
    [InlineData("GETRANGE k 0")]
    [InlineData("SUBSTR k 0")]
    [InlineData("SETRANGE k 0")]
    public async Task A_wrong_number_of_arguments_is_refused_with_the_command_name(string line)
    {
        var command = line.Split(' ')[0].ToLowerInvariant();
        ReplyAssert.Error(await RunLine(line), $"ERR wrong number of arguments for '{command}' command");
    }

    /// <summary>
    /// Only strings exist so far, so no test can store a key of another type. Instead this checks the
    /// declarations the executor's generic WRONGTYPE check reads: the commands that Redis type-checks
    /// declare KeyType String; SET, SETNX, SETEX, PSETEX, MSET, MSETNX and MGET declare none, because
    /// Redis overwrites (or, for MGET, returns nil for) a key of another type.
    /// </summary>
    [Theory]
    [InlineData("GET", RedisType.String)]
    [InlineData("GETSET", RedisType.String)]
    [InlineData("GETDEL", RedisType.String)]
    [InlineData("GETEX", RedisType.String)]
    [InlineData("INCR", RedisType.String)]
    [InlineData("DECR", RedisType.String)]
    [InlineData("INCRBY", RedisType.String)]
    [InlineData("DECRBY", RedisType.String)]
    [InlineData("INCRBYFLOAT", RedisType.String)]
    [InlineData("APPEND", RedisType.String)]
    [InlineData("STRLEN", RedisType.String)]
    [InlineData("GETRANGE", RedisType.String)]
    [InlineData("SUBSTR", RedisType.String)]
    [InlineData("SETRANGE", RedisType.String)]
    [InlineData("SET", RedisType.None)]
    [InlineData("SETNX", RedisType.None)]
    [InlineData("SETEX", RedisType.None)]
    [InlineData("PSETEX", RedisType.None)]
    [InlineData("MSET", RedisType.None)]
    [InlineData("MSETNX", RedisType.None)]
    [InlineData("MGET", RedisType.None)]
    public void String_commands_declare_the_key_type_redis_checks(string command, RedisType keyType)
    {
        var spec = _engine.Executor.Commands[command];
        Assert.Equal(keyType, spec.KeyType);
        Assert.Equal("string", spec.Group);
    }
}
