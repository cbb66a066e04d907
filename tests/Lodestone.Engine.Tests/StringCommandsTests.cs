using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Tests;

/// <summary>
/// The string commands, driven through the executor on a fake clock. Every expected reply and error
/// text was first read from a real Redis 7.0 (redis-cli) given the same commands.
/// </summary>
public sealed class StringCommandsTests : IDisposable
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

    [Fact]
    public async Task Incr_on_a_missing_key_starts_from_zero()
    {
        ReplyAssert.Integer(await Run("INCR", "n"), 1);
        ReplyAssert.Integer(await Run("INCR", "n"), 2);
        ReplyAssert.Bulk(await Run("GET", "n"), "2");
    }

    [Fact]
    public async Task Decr_incrby_and_decrby_on_missing_keys_start_from_zero()
    {
        ReplyAssert.Integer(await Run("DECR", "a"), -1);
        ReplyAssert.Integer(await Run("INCRBY", "b", "-5"), -5);
        ReplyAssert.Integer(await Run("DECRBY", "c", "5"), -5);
        ReplyAssert.Integer(await Run("INCRBY", "d", "-9223372036854775808"), long.MinValue);
    }

    [Fact]
    public async Task Incrby_and_decrby_add_and_subtract_and_are_logged_as_given()
    {
        ReplyAssert.Ok(await Run("SET", "n", "10"));
        ReplyAssert.Integer(await Run("INCRBY", "n", "32"), 42);
        ReplyAssert.Integer(await Run("DECRBY", "n", "50"), -8);
        ReplyAssert.Integer(await Run("DECR", "n"), -9);
        ReplyAssert.Bulk(await Run("GET", "n"), "-9");
        Assert.Equal(["SET n 10", "INCRBY n 32", "DECRBY n 50", "DECR n"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Incr_keeps_the_ttl()
    {
        ReplyAssert.Ok(await Run("SET", "n", "10", "EX", "100"));
        ReplyAssert.Integer(await Run("INCR", "n"), 11);
        ReplyAssert.Integer(await Run("DECRBY", "n", "3"), 8);
        Assert.Equal(Now + 100_000, await PExpireTime("n"));
    }

    [Theory]
    [InlineData("9223372036854775807", "INCR")]
    [InlineData("9223372036854775807", "INCRBY 1")]
    [InlineData("1", "INCRBY 9223372036854775807")]
    [InlineData("-9223372036854775808", "DECR")]
    [InlineData("-9223372036854775808", "INCRBY -1")]
    [InlineData("-9223372036854775807", "DECRBY 2")]
    [InlineData("-1", "INCRBY -9223372036854775808")]
    public async Task Incr_and_decr_past_either_end_overflow_and_leave_the_value(string start, string operation)
    {
        ReplyAssert.Ok(await Run("SET", "n", start));
        var parts = operation.Split(' ');
        ReplyAssert.Error(await Run([parts[0], "n", .. parts[1..]]), "ERR increment or decrement would overflow");
        ReplyAssert.Bulk(await Run("GET", "n"), start);
    }

    [Fact]
    public async Task Incr_and_decr_reach_both_ends_exactly()
    {
        ReplyAssert.Ok(await Run("SET", "n", "9223372036854775806"));
        ReplyAssert.Integer(await Run("INCR", "n"), long.MaxValue);
        ReplyAssert.Ok(await Run("SET", "n", "-9223372036854775807"));
        ReplyAssert.Integer(await Run("DECR", "n"), long.MinValue);
        ReplyAssert.Integer(await Run("INCRBY", "n", "9223372036854775807"), -1);
    }

    [Fact]
    public async Task Decrby_the_smallest_integer_is_refused_because_it_cannot_be_negated()
    {
        ReplyAssert.Ok(await Run("SET", "n", "5"));
        ReplyAssert.Error(await Run("DECRBY", "n", "-9223372036854775808"), "ERR decrement would overflow");
        ReplyAssert.Bulk(await Run("GET", "n"), "5");
        ReplyAssert.Integer(await Run("DECRBY", "n", "9223372036854775807"), -9223372036854775802);
        ReplyAssert.Integer(await Run("DECRBY", "n", "-9223372036854775807"), 5);
    }

    [Theory]
    [InlineData("007")]
    [InlineData(" 7")]
    [InlineData("7 ")]
    [InlineData("+7")]
    [InlineData("-0")]
    [InlineData("-")]
    [InlineData("")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("abc")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("18446744073709551616")]
    [InlineData("123456789012345678901")]
    public async Task Incr_refuses_a_stored_value_that_is_not_a_canonical_integer(string stored)
    {
        ReplyAssert.Ok(await Run("SET", "n", stored));
        _engine.Log.Clear();

        ReplyAssert.Error(await Run("INCR", "n"), NotInteger);
        ReplyAssert.Error(await Run("DECRBY", "n", "1"), NotInteger);
        ReplyAssert.Bulk(await Run("GET", "n"), stored);
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData("+5")]
    [InlineData("05")]
    [InlineData("-0")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("")]
    [InlineData("1.5")]
    [InlineData("abc")]
    [InlineData("9223372036854775808")]
    public async Task Incrby_and_decrby_refuse_an_increment_that_is_not_a_canonical_integer(string increment)
    {
        ReplyAssert.Ok(await Run("SET", "n", "10"));
        ReplyAssert.Error(await Run("INCRBY", "n", increment), NotInteger);
        ReplyAssert.Error(await Run("DECRBY", "n", increment), NotInteger);
        ReplyAssert.Error(await Run("INCRBY", "missing", increment), NotInteger);
        ReplyAssert.Bulk(await Run("GET", "n"), "10");
        ReplyAssert.Integer(await Run("EXISTS", "missing"), 0);
    }

    [Fact]
    public async Task Incr_accepts_zero_and_the_smallest_integer_as_stored_values()
    {
        ReplyAssert.Ok(await Run("SET", "n", "0"));
        ReplyAssert.Integer(await Run("INCR", "n"), 1);
        ReplyAssert.Ok(await Run("SET", "n", "-9223372036854775808"));
        ReplyAssert.Integer(await Run("INCR", "n"), -9223372036854775807);
    }

    [Theory]
    [InlineData(null, "0.1", "0.1")]
    [InlineData("0.1", "0.2", "0.3")]
    [InlineData("10.5", "0.1", "10.6")]
    [InlineData("5.0e3", "0", "5000")]
    [InlineData("1.5", "-1.5", "0")]
    [InlineData("-1.5", "1.5", "0")]
    [InlineData("3", "-3", "0")]
    [InlineData(null, "-0", "0")]
    [InlineData(null, "1e-20", "0")]
    [InlineData("0", "-0.0000001", "-0.0000001")]
    [InlineData(null, "-1.5", "-1.5")]
    [InlineData(null, "1.23456789012345678", "1.23456789012345678")]
    [InlineData(null, "1e17", "100000000000000000")]
    [InlineData(null, "100000000000000000000", "100000000000000000000")]
    [InlineData("100", "1e+2", "200")]
    [InlineData("100", "1E2", "200")]
    [InlineData("1", ".5", "1.5")]
    [InlineData("1", "5.", "6")]
    [InlineData("1", "-.5", "0.5")]
    [InlineData("1", "+1.5", "2.5")]
    [InlineData("0001.5", "1", "2.5")]
    [InlineData("3", "0x10", "19")]
    [InlineData("3", "0X1.8P1", "6")]
    [InlineData("3", "-0x.8", "2.5")]
    [InlineData("3", "0x1p-2", "3.25")]
    [InlineData("0x10", "1", "17")]
    [InlineData(null, "0xFFFFFFFFFFFFFFFFFFFF", "1208925819614629174706176")]
    [InlineData(null, "0x1.fffffffffffffp1023", "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368")]
    public async Task Incrbyfloat_adds_and_prints_the_result_as_redis_does(string? start, string increment, string expected)
    {
        if (start is not null)
            ReplyAssert.Ok(await Run("SET", "f", start));

        ReplyAssert.Bulk(await Run("INCRBYFLOAT", "f", increment), expected);
        ReplyAssert.Bulk(await Run("GET", "f"), expected);
    }

    [Fact]
    public async Task Incrbyfloat_keeps_the_ttl_and_is_logged_as_set_keepttl()
    {
        ReplyAssert.Ok(await Run("SET", "f", "3", "EX", "100"));
        _engine.Log.Clear();

        ReplyAssert.Bulk(await Run("INCRBYFLOAT", "f", "1.5"), "4.5");
        ReplyAssert.Bulk(await Run("INCRBYFLOAT", "new", "2.0e0"), "2");
        Assert.Equal(Now + 100_000, await PExpireTime("f"));
        Assert.Equal(["SET f 4.5 KEEPTTL", "SET new 2 KEEPTTL"], _engine.Log.Effects);
    }

    [Theory]
    [InlineData("inf")]
    [InlineData("-inf")]
    [InlineData("+inf")]
    [InlineData("INFINITY")]
    [InlineData("-Infinity")]
    public async Task Incrbyfloat_by_infinity_is_refused_before_anything_changes(string increment)
    {
        ReplyAssert.Ok(await Run("SET", "f", "5000"));
        _engine.Log.Clear();

        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", increment), "ERR increment would produce NaN or Infinity");
        ReplyAssert.Error(await Run("INCRBYFLOAT", "missing", increment), "ERR increment would produce NaN or Infinity");
        ReplyAssert.Bulk(await Run("GET", "f"), "5000");
        ReplyAssert.Integer(await Run("EXISTS", "missing"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Incrbyfloat_on_a_stored_infinity_is_refused()
    {
        ReplyAssert.Ok(await Run("SET", "f", "inf"));
        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", "1"), "ERR increment would produce NaN or Infinity");
        ReplyAssert.Bulk(await Run("GET", "f"), "inf");
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("NaN")]
    [InlineData("-nan")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1e")]
    [InlineData("e5")]
    [InlineData(".")]
    [InlineData("-")]
    [InlineData("1_0")]
    [InlineData("1,5")]
    [InlineData("infinit")]
    [InlineData("0x")]
    [InlineData("0x1p")]
    [InlineData("0x1g")]
    [InlineData("0x.p1")]
    [InlineData("x10")]
    public async Task Incrbyfloat_refuses_an_increment_that_is_not_a_float(string increment)
    {
        ReplyAssert.Ok(await Run("SET", "f", "1.5"));
        _engine.Log.Clear();

        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", increment), NotFloat);
        ReplyAssert.Error(await Run("INCRBYFLOAT", "missing", increment), NotFloat);
        ReplyAssert.Bulk(await Run("GET", "f"), "1.5");
        ReplyAssert.Integer(await Run("EXISTS", "missing"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("nan")]
    [InlineData(" 1")]
    [InlineData("")]
    public async Task Incrbyfloat_refuses_a_stored_value_that_is_not_a_float(string stored)
    {
        ReplyAssert.Ok(await Run("SET", "f", stored));
        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", "1"), NotFloat);
        ReplyAssert.Bulk(await Run("GET", "f"), stored);
    }

    [Fact]
    public async Task Incrbyfloat_refuses_text_with_a_nul_byte_in_it()
    {
        ReplyAssert.Error(await _engine.RunBytes(Bytes("INCRBYFLOAT"), Bytes("f"), [(byte)'1', 0]), NotFloat);
        ReplyAssert.Ok(await _engine.RunBytes(Bytes("SET"), Bytes("g"), [(byte)'5', 0]));
        ReplyAssert.Error(await Run("INCRBYFLOAT", "g", "1"), NotFloat);
    }

    [Fact]
    public async Task Incrbyfloat_accepts_at_most_5119_characters_of_number()
    {
        ReplyAssert.Bulk(await Run("INCRBYFLOAT", "f", new string('0', 5118) + "1"), "1");
        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", new string('0', 5119) + "1"), NotFloat);
        ReplyAssert.Bulk(await Run("GET", "f"), "1");
    }

    [Fact]
    public async Task Incrbyfloat_refuses_numbers_beyond_the_double_range_unlike_redis()
    {
        // Differs from Redis, deliberately: Redis adds in long double and accepts up to ~1.2e4932.
        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", "1e400"), NotFloat);
        ReplyAssert.Ok(await Run("SET", "f", "1.7e308"));
        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", "1.7e308"), "ERR increment would produce NaN or Infinity");
        ReplyAssert.Bulk(await Run("GET", "f"), "1.7e308");
    }

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
