using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Tests;

/// <summary>
/// The string commands, driven through the executor on a fake clock. Every expected reply and error
/// text was first read from a real Redis 7.0 (redis-cli) given the same commands.
/// </summary>
public sealed partial class StringCommandsTests : IDisposable
{
    private const long Now = TestEngine.StartMs;
    private const string NotInteger = "ERR value is not an integer or out of range";
    private const string NotFloat = "ERR value is not a valid float";
    private const string Syntax = "ERR syntax error";
    private const string TooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private Task<Reply> Run(params string[] args) => _engine.Run(args);

    /// <summary>Runs a command written as one line (arguments separated by single spaces).</summary>
    private Task<Reply> RunLine(string line) => _engine.Run(line.Split(' '));

    private async Task<long> PExpireTime(string key) => (await Run("PEXPIRETIME", key)).AsInteger();

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Get_on_a_missing_key_is_nil()
    {
        ReplyAssert.Null(await Run("GET", "missing"));
    }

    [Fact]
    public async Task Set_replaces_the_value_and_drops_the_ttl()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v1", "EX", "100"));
        ReplyAssert.Ok(await Run("SET", "k", "v2"));
        ReplyAssert.Bulk(await Run("GET", "k"), "v2");
        Assert.Equal(-1, await PExpireTime("k"));
    }

    [Fact]
    public async Task Set_with_ex_keeps_the_key_until_its_expiry_instant_and_drops_it_1_ms_after()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "EX", "10"));
        Assert.Equal(Now + 10_000, await PExpireTime("k"));

        _engine.Advance(TimeSpan.FromSeconds(10));
        ReplyAssert.Bulk(await Run("GET", "k"), "v");
        _engine.Advance(TimeSpan.FromMilliseconds(1));
        ReplyAssert.Null(await Run("GET", "k"));
    }

    [Fact]
    public async Task Set_with_px_keeps_the_key_until_its_expiry_instant_and_drops_it_1_ms_after()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "PX", "1500"));
        Assert.Equal(Now + 1500, await PExpireTime("k"));

        _engine.Advance(TimeSpan.FromMilliseconds(1500));
        ReplyAssert.Bulk(await Run("GET", "k"), "v");
        _engine.Advance(TimeSpan.FromMilliseconds(1));
        ReplyAssert.Null(await Run("GET", "k"));
    }

    [Fact]
    public async Task Set_with_exat_expires_at_that_unix_second()
    {
        var at = Now / 1000 + 20;
        ReplyAssert.Ok(await Run("SET", "k", "v", "EXAT", $"{at}"));
        Assert.Equal(at * 1000, await PExpireTime("k"));

        _engine.Advance(TimeSpan.FromSeconds(20));
        ReplyAssert.Bulk(await Run("GET", "k"), "v");
        _engine.Advance(TimeSpan.FromMilliseconds(1));
        ReplyAssert.Null(await Run("GET", "k"));
    }

    [Fact]
    public async Task Set_with_pxat_expires_at_that_unix_millisecond()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "PXAT", $"{Now + 250}"));
        Assert.Equal(Now + 250, await PExpireTime("k"));

        _engine.Advance(TimeSpan.FromMilliseconds(250));
        ReplyAssert.Bulk(await Run("GET", "k"), "v");
        _engine.Advance(TimeSpan.FromMilliseconds(1));
        ReplyAssert.Null(await Run("GET", "k"));
    }

    [Fact]
    public async Task Set_with_an_expiry_instant_in_the_past_is_accepted_but_the_key_is_gone()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "EXAT", "1"));
        ReplyAssert.Integer(await Run("EXISTS", "k"), 0);
        Assert.Equal(["SET k v PXAT 1000", "DEL k"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Set_with_pxat_at_the_largest_integer_is_accepted()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "PXAT", "9223372036854775807"));
        Assert.Equal(long.MaxValue, await PExpireTime("k"));
    }

    [Fact]
    public async Task Set_nx_sets_only_a_missing_key()
    {
        ReplyAssert.Ok(await Run("SET", "k", "first", "NX"));
        ReplyAssert.Null(await Run("SET", "k", "second", "NX"));
        ReplyAssert.Bulk(await Run("GET", "k"), "first");
    }

    [Fact]
    public async Task Set_xx_sets_only_an_existing_key()
    {
        ReplyAssert.Null(await Run("SET", "k", "first", "XX"));
        ReplyAssert.Integer(await Run("EXISTS", "k"), 0);
        ReplyAssert.Ok(await Run("SET", "k", "first"));
        ReplyAssert.Ok(await Run("SET", "k", "second", "XX"));
        ReplyAssert.Bulk(await Run("GET", "k"), "second");
    }

    [Fact]
    public async Task Set_keepttl_keeps_the_old_expiry()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v1", "PX", "5000"));
        ReplyAssert.Ok(await Run("SET", "k", "v2", "KEEPTTL"));
        ReplyAssert.Bulk(await Run("GET", "k"), "v2");
        Assert.Equal(Now + 5000, await PExpireTime("k"));
    }

    [Fact]
    public async Task Set_get_returns_the_old_value_and_writes_the_new_one()
    {
        ReplyAssert.Null(await Run("SET", "k", "v1", "GET"));
        ReplyAssert.Bulk(await Run("SET", "k", "v2", "GET"), "v1");
        ReplyAssert.Bulk(await Run("GET", "k"), "v2");
    }

    [Fact]
    public async Task Set_nx_get_on_an_existing_key_returns_the_old_value_and_writes_nothing()
    {
        ReplyAssert.Ok(await Run("SET", "k", "old"));
        _engine.Log.Clear();

        ReplyAssert.Bulk(await Run("SET", "k", "new", "NX", "GET"), "old");
        ReplyAssert.Bulk(await Run("GET", "k"), "old");
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Set_xx_get_on_a_missing_key_returns_nil_and_writes_nothing()
    {
        ReplyAssert.Null(await Run("SET", "k", "new", "XX", "GET"));
        ReplyAssert.Integer(await Run("EXISTS", "k"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Set_options_ignore_case()
    {
        ReplyAssert.Ok(await Run("set", "k", "v", "ex", "10", "nX"));
        Assert.Equal(Now + 10_000, await PExpireTime("k"));
    }

    [Fact]
    public async Task Set_with_a_repeated_expiry_option_uses_the_last_one()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "EX", "10", "EX", "20"));
        Assert.Equal(Now + 20_000, await PExpireTime("k"));
        ReplyAssert.Ok(await Run("SET", "k", "v", "PX", "100", "PX", "5000"));
        Assert.Equal(Now + 5000, await PExpireTime("k"));
    }

    [Theory]
    [InlineData("NX NX", "(nil)")]
    [InlineData("XX XX", "OK")]
    [InlineData("GET GET", "\"old\"")]
    [InlineData("KEEPTTL KEEPTTL", "OK")]
    public async Task Set_accepts_a_repeated_flag(string options, string expected)
    {
        ReplyAssert.Ok(await Run("SET", "k", "old"));
        Assert.Equal(expected, (await RunLine("SET k new " + options)).ToString());
    }

    [Theory]
    [InlineData("EX 10 PX 100")]
    [InlineData("PX 100 EX 10")]
    [InlineData("EXAT 10 PXAT 10")]
    [InlineData("EX 10 EXAT 10")]
    [InlineData("NX XX")]
    [InlineData("XX NX")]
    [InlineData("EX 10 KEEPTTL")]
    [InlineData("KEEPTTL EX 10")]
    [InlineData("KEEPTTL PXAT 10")]
    [InlineData("EX")]
    [InlineData("NX EX")]
    [InlineData("PERSIST")]
    [InlineData("EX 10 PERSIST")]
    [InlineData("FOO")]
    [InlineData("EX abc FOO")]
    [InlineData("EX abc NX XX")]
    public async Task Set_with_conflicting_or_unknown_options_is_a_syntax_error_and_writes_nothing(string options)
    {
        ReplyAssert.Ok(await Run("SET", "k", "old"));
        _engine.Log.Clear();

        ReplyAssert.Error(await RunLine("SET k new " + options), Syntax);
        ReplyAssert.Bulk(await Run("GET", "k"), "old");
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData("EX", "0")]
    [InlineData("EX", "-1")]
    [InlineData("PX", "0")]
    [InlineData("PX", "-5")]
    [InlineData("EXAT", "0")]
    [InlineData("PXAT", "0")]
    [InlineData("PXAT", "-9223372036854775808")]
    [InlineData("EX", "9223372036854775807")]
    [InlineData("EX", "9223372036854775")]
    [InlineData("PX", "9223372036854775807")]
    [InlineData("EXAT", "9223372036854776")]
    public async Task Set_with_an_invalid_expire_time_is_refused_and_writes_nothing(string option, string amount)
    {
        ReplyAssert.Ok(await Run("SET", "k", "old"));
        _engine.Log.Clear();

        ReplyAssert.Error(await Run("SET", "k", "new", option, amount), "ERR invalid expire time in 'set' command");
        ReplyAssert.Bulk(await Run("GET", "k"), "old");
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData(" 10")]
    [InlineData("+10")]
    [InlineData("010")]
    [InlineData("9223372036854775808")]
    public async Task Set_with_a_non_integer_expire_time_is_refused(string amount)
    {
        ReplyAssert.Error(await Run("SET", "k", "v", "EX", amount), NotInteger);
        ReplyAssert.Integer(await Run("EXISTS", "k"), 0);
    }

    [Fact]
    public async Task Set_with_ex_is_logged_with_the_absolute_pxat_instant()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "EX", "10"));
        ReplyAssert.Ok(await Run("SET", "p", "v", "PX", "250", "NX"));
        ReplyAssert.Ok(await Run("SET", "a", "v", "EXAT", $"{Now / 1000 + 5}"));

        Assert.Equal([$"SET k v PXAT {Now + 10_000}", $"SET p v PXAT {Now + 250}", $"SET a v PXAT {Now + 5000}"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Set_get_is_logged_without_get()
    {
        ReplyAssert.Null(await Run("SET", "k", "v", "GET", "KEEPTTL", "get"));
        ReplyAssert.Bulk(await Run("SET", "k", "w", "EX", "10", "GET"), "v");

        Assert.Equal(["SET k v KEEPTTL", $"SET k w PXAT {Now + 10_000}"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Set_keepttl_is_logged_as_it_was_given()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "KEEPTTL"));
        Assert.Equal(["SET k v KEEPTTL"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Set_nx_on_an_existing_key_and_xx_on_a_missing_key_log_nothing()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v"));
        _engine.Log.Clear();

        ReplyAssert.Null(await Run("SET", "k", "w", "NX"));
        ReplyAssert.Null(await Run("SET", "k", "w", "NX", "EX", "10"));
        ReplyAssert.Null(await Run("SET", "missing", "w", "XX"));
        Assert.Empty(_engine.Log.Effects);
        Assert.Equal(-1, await PExpireTime("k"));
    }

    [Fact]
    public async Task Reads_and_failed_commands_log_nothing()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v"));
        _engine.Log.Clear();

        ReplyAssert.Bulk(await Run("GET", "k"), "v");
        ReplyAssert.BulkArray(await Run("MGET", "k", "missing"), "v", null);
        ReplyAssert.Integer(await Run("STRLEN", "k"), 1);
        ReplyAssert.Bulk(await Run("GETRANGE", "k", "0", "-1"), "v");
        ReplyAssert.Bulk(await Run("GETEX", "k"), "v");
        ReplyAssert.Error(await Run("INCR", "k"), NotInteger);
        ReplyAssert.Error(await Run("INCRBYFLOAT", "k", "1"), NotFloat);
        ReplyAssert.Error(await Run("SETEX", "k", "0", "w"), "ERR invalid expire time in 'setex' command");
        ReplyAssert.Error(await Run("SETRANGE", "k", "-1", "x"), "ERR offset is out of range");
        ReplyAssert.Error(await Run("MSET", "a", "1", "b"), "ERR wrong number of arguments for 'mset' command");
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Getset_on_a_missing_key_returns_nil_and_sets_it()
    {
        ReplyAssert.Null(await Run("GETSET", "k", "v"));
        ReplyAssert.Bulk(await Run("GET", "k"), "v");
    }

    [Fact]
    public async Task Getset_returns_the_old_value_and_drops_the_ttl()
    {
        ReplyAssert.Ok(await Run("SET", "k", "old", "EX", "100"));
        ReplyAssert.Bulk(await Run("GETSET", "k", "new"), "old");
        ReplyAssert.Bulk(await Run("GET", "k"), "new");
        Assert.Equal(-1, await PExpireTime("k"));
    }

    [Fact]
    public async Task Getdel_returns_the_value_deletes_the_key_and_is_logged_as_del()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "EX", "100"));
        _engine.Log.Clear();

        ReplyAssert.Bulk(await Run("GETDEL", "k"), "v");
        ReplyAssert.Integer(await Run("EXISTS", "k"), 0);
        ReplyAssert.Null(await Run("GETDEL", "k"));
        Assert.Equal(["DEL k"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Getex_without_options_returns_the_value_keeps_the_ttl_and_logs_nothing()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "EX", "100"));
        _engine.Log.Clear();

        ReplyAssert.Bulk(await Run("GETEX", "k"), "v");
        Assert.Equal(Now + 100_000, await PExpireTime("k"));
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData("EX", "50", Now + 50_000)]
    [InlineData("PX", "1234", Now + 1234)]
    [InlineData("EXAT", "9999999999", 9_999_999_999_000)]
    [InlineData("PXAT", "1700000005000", Now + 5000)]
    [InlineData("px", "1", Now + 1)]
    public async Task Getex_sets_the_expiry_and_is_logged_as_pexpireat(string option, string amount, long expected)
    {
        ReplyAssert.Ok(await Run("SET", "k", "v"));
        _engine.Log.Clear();

        ReplyAssert.Bulk(await Run("GETEX", "k", option, amount), "v");
        Assert.Equal(expected, await PExpireTime("k"));
        Assert.Equal([$"PEXPIREAT k {expected}"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Getex_with_a_repeated_expiry_option_uses_the_last_one()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v"));
        ReplyAssert.Bulk(await Run("GETEX", "k", "EX", "10", "EX", "20"), "v");
        Assert.Equal(Now + 20_000, await PExpireTime("k"));
    }

    [Fact]
    public async Task Getex_persist_removes_the_ttl_and_is_logged_as_persist()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "EX", "100"));
        _engine.Log.Clear();

        ReplyAssert.Bulk(await Run("GETEX", "k", "PERSIST"), "v");
        Assert.Equal(-1, await PExpireTime("k"));
        ReplyAssert.Bulk(await Run("GETEX", "k", "PERSIST", "persist"), "v");
        Assert.Equal(["PERSIST k"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Getex_exat_in_the_past_deletes_the_key_but_returns_the_value()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v"));
        _engine.Log.Clear();

        ReplyAssert.Bulk(await Run("GETEX", "k", "EXAT", "1"), "v");
        ReplyAssert.Integer(await Run("EXISTS", "k"), 0);
        Assert.Equal(["DEL k"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Getex_pxat_equal_to_now_deletes_the_key()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v"));
        ReplyAssert.Bulk(await Run("GETEX", "k", "PXAT", $"{Now}"), "v");
        ReplyAssert.Integer(await Run("EXISTS", "k"), 0);
    }

    [Fact]
    public async Task Getex_on_a_missing_key_is_nil_even_with_a_bad_expire_value()
    {
        ReplyAssert.Null(await Run("GETEX", "missing", "EX", "10"));
        ReplyAssert.Null(await Run("GETEX", "missing", "EX", "abc"));
        ReplyAssert.Null(await Run("GETEX", "missing", "EX", "0"));
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData("FOO")]
    [InlineData("EX 10 PX 100")]
    [InlineData("EX 10 PERSIST")]
    [InlineData("PERSIST EX 10")]
    [InlineData("EX")]
    [InlineData("KEEPTTL")]
    [InlineData("NX")]
    [InlineData("XX")]
    [InlineData("GET")]
    public async Task Getex_with_a_bad_option_is_a_syntax_error_even_on_a_missing_key(string options)
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "EX", "100"));

        ReplyAssert.Error(await RunLine("GETEX k " + options), Syntax);
        ReplyAssert.Error(await RunLine("GETEX missing " + options), Syntax);
        Assert.Equal(Now + 100_000, await PExpireTime("k"));
    }

    [Theory]
    [InlineData("EX", "0")]
    [InlineData("EX", "-5")]
    [InlineData("PXAT", "0")]
    [InlineData("EX", "9223372036854775")]
    [InlineData("PX", "9223372036854775807")]
    public async Task Getex_with_an_invalid_expire_time_is_refused_and_keeps_the_ttl(string option, string amount)
    {
        ReplyAssert.Ok(await Run("SET", "k", "v", "EX", "100"));
        _engine.Log.Clear();

        ReplyAssert.Error(await Run("GETEX", "k", option, amount), "ERR invalid expire time in 'getex' command");
        Assert.Equal(Now + 100_000, await PExpireTime("k"));
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Getex_with_a_non_integer_expire_time_is_refused()
    {
        ReplyAssert.Ok(await Run("SET", "k", "v"));
        ReplyAssert.Error(await Run("GETEX", "k", "EX", "abc"), NotInteger);
        ReplyAssert.Error(await Run("GETEX", "k", "PX", "1.5"), NotInteger);
    }

    [Fact]
    public async Task Setnx_sets_a_missing_key_and_leaves_an_existing_one()
    {
        ReplyAssert.Integer(await Run("SETNX", "k", "first"), 1);
        ReplyAssert.Integer(await Run("SETNX", "k", "second"), 0);
        ReplyAssert.Bulk(await Run("GET", "k"), "first");
        Assert.Equal(["SETNX k first"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Setnx_sets_a_key_that_has_just_expired()
    {
        ReplyAssert.Ok(await Run("SET", "k", "old", "PX", "10"));
        _engine.Advance(TimeSpan.FromMilliseconds(11));
        ReplyAssert.Integer(await Run("SETNX", "k", "new"), 1);
        ReplyAssert.Bulk(await Run("GET", "k"), "new");
    }

    [Fact]
    public async Task Setex_sets_the_value_with_a_ttl_in_seconds_and_is_logged_as_set_pxat()
    {
        ReplyAssert.Ok(await Run("SET", "k", "old"));
        _engine.Log.Clear();

        ReplyAssert.Ok(await Run("SETEX", "k", "10", "v"));
        ReplyAssert.Bulk(await Run("GET", "k"), "v");
        Assert.Equal(Now + 10_000, await PExpireTime("k"));
        Assert.Equal([$"SET k v PXAT {Now + 10_000}"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Psetex_sets_the_value_with_a_ttl_in_milliseconds_and_is_logged_as_set_pxat()
    {
        ReplyAssert.Ok(await Run("PSETEX", "k", "1500", "v"));
        Assert.Equal(Now + 1500, await PExpireTime("k"));
        Assert.Equal([$"SET k v PXAT {Now + 1500}"], _engine.Log.Effects);

        _engine.Advance(TimeSpan.FromMilliseconds(1500));
        ReplyAssert.Bulk(await Run("GET", "k"), "v");
        _engine.Advance(TimeSpan.FromMilliseconds(1));
        ReplyAssert.Null(await Run("GET", "k"));
    }

    [Theory]
    [InlineData("SETEX", "0")]
    [InlineData("SETEX", "-1")]
    [InlineData("SETEX", "9223372036854775")]
    [InlineData("PSETEX", "0")]
    [InlineData("PSETEX", "-1")]
    [InlineData("PSETEX", "9223372036854775807")]
    public async Task Setex_and_psetex_refuse_an_invalid_expire_time(string command, string amount)
    {
        ReplyAssert.Ok(await Run("SET", "k", "old"));
        _engine.Log.Clear();

        ReplyAssert.Error(await Run(command, "k", amount, "new"), $"ERR invalid expire time in '{command.ToLowerInvariant()}' command");
        ReplyAssert.Bulk(await Run("GET", "k"), "old");
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData("SETEX")]
    [InlineData("PSETEX")]
    public async Task Setex_and_psetex_refuse_a_non_integer_expire_time(string command)
    {
        ReplyAssert.Error(await Run(command, "k", "abc", "v"), NotInteger);
        ReplyAssert.Error(await Run(command, "k", "1.5", "v"), NotInteger);
        ReplyAssert.Integer(await Run("EXISTS", "k"), 0);
    }

    [Fact]
    public async Task Mset_sets_every_pair_and_the_last_pair_for_a_key_wins()
    {
        ReplyAssert.Ok(await Run("SET", "a", "old", "EX", "100"));
        ReplyAssert.Ok(await Run("MSET", "a", "1", "b", "2", "a", "3"));
        ReplyAssert.BulkArray(await Run("MGET", "a", "b"), "3", "2");
        Assert.Equal(-1, await PExpireTime("a"));
    }

    [Theory]
    [InlineData("MSET a")]
    [InlineData("MSET a 1 b")]
    [InlineData("MSETNX a")]
    [InlineData("MSETNX a 1 b")]
    public async Task Mset_and_msetnx_with_a_key_without_a_value_are_an_arity_error(string line)
    {
        var command = line.Split(' ')[0].ToLowerInvariant();
        ReplyAssert.Error(await RunLine(line), $"ERR wrong number of arguments for '{command}' command");
        ReplyAssert.Integer(await Run("EXISTS", "a"), 0);
    }

    [Fact]
    public async Task Msetnx_sets_every_pair_when_no_key_exists()
    {
        ReplyAssert.Integer(await Run("MSETNX", "a", "1", "b", "2"), 1);
        ReplyAssert.BulkArray(await Run("MGET", "a", "b"), "1", "2");
        ReplyAssert.Integer(await Run("MSETNX", "c", "1", "c", "2"), 1);
        ReplyAssert.Bulk(await Run("GET", "c"), "2");
    }

    [Fact]
    public async Task Msetnx_sets_nothing_when_any_key_exists()
    {
        ReplyAssert.Ok(await Run("SET", "b", "old"));
        _engine.Log.Clear();

        ReplyAssert.Integer(await Run("MSETNX", "a", "1", "b", "2"), 0);
        ReplyAssert.BulkArray(await Run("MGET", "a", "b"), null, "old");
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Mget_returns_the_values_in_order_with_nil_for_missing_and_expired_keys()
    {
        ReplyAssert.Ok(await Run("MSET", "a", "1", "b", "2"));
        ReplyAssert.Ok(await Run("SET", "c", "3", "PX", "5"));
        _engine.Advance(TimeSpan.FromMilliseconds(6));

        ReplyAssert.BulkArray(await Run("MGET", "b", "missing", "a", "c", "b"), "2", null, "1", null, "2");
    }
}
