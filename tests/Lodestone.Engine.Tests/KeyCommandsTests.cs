using System.Globalization;
using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// The generic key commands. Every reply and error text here was checked against Redis 7.0.
/// The engine runs on a fake clock that only moves when a test advances it; timer ticks (active
/// expiry) fire every 100 ms of fake time, so tests that must see lazy expiry stay below that.
/// </summary>
public sealed partial class KeyCommandsTests : IDisposable
{
    private const long Start = TestEngine.StartMs;

    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private static string Ms(long value) => value.ToString(CultureInfo.InvariantCulture);

    private async Task<string[]> SortedArray(params string[] command)
    {
        var texts = ReplyAssert.Texts(await _engine.Run(command)).Select(text => text!).ToArray();
        Array.Sort(texts, StringComparer.Ordinal);
        return texts;
    }

    // DEL, UNLINK, EXISTS, TOUCH, TYPE

    [Fact]
    public async Task Del_counts_each_existing_key_once_even_when_named_twice()
    {
        await _engine.Run("MSET", "a", "1", "b", "2", "c", "3");

        ReplyAssert.Integer(await _engine.Run("DEL", "a", "a", "nokey", "b"), 2);

        ReplyAssert.Integer(await _engine.Run("EXISTS", "a", "b", "c"), 1);
        Assert.Equal(["MSET a 1 b 2 c 3", "DEL a a nokey b"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Del_of_keys_that_do_not_exist_returns_zero_and_logs_nothing()
    {
        ReplyAssert.Integer(await _engine.Run("DEL", "x", "y"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Unlink_deletes_like_del()
    {
        await _engine.Run("MSET", "a", "1", "b", "2");

        ReplyAssert.Integer(await _engine.Run("UNLINK", "b", "b", "nokey"), 1);

        ReplyAssert.Integer(await _engine.Run("EXISTS", "a", "b"), 1);
        Assert.Equal("UNLINK b b nokey", _engine.Log.Effects[^1]);
    }

    [Theory]
    [InlineData("DEL")]
    [InlineData("UNLINK")]
    [InlineData("EXISTS")]
    [InlineData("TOUCH")]
    public async Task Multi_key_commands_need_at_least_one_key(string command)
    {
        ReplyAssert.Error(await _engine.Run(command), $"ERR wrong number of arguments for '{command.ToLowerInvariant()}' command");
    }

    [Fact]
    public async Task Exists_counts_a_key_named_twice_twice()
    {
        await _engine.Run("MSET", "a", "1", "b", "2");

        ReplyAssert.Integer(await _engine.Run("EXISTS", "a", "a", "b", "nokey"), 3);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "nokey"), 0);
    }

    [Fact]
    public async Task Touch_counts_existing_keys_like_exists_and_logs_nothing()
    {
        await _engine.Run("MSET", "a", "1", "b", "2");
        _engine.Log.Clear();

        ReplyAssert.Integer(await _engine.Run("TOUCH", "a", "a", "nokey", "b"), 3);

        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Type_names_a_string_and_says_none_for_a_missing_key()
    {
        await _engine.Run("SET", "s", "v");

        ReplyAssert.Simple(await _engine.Run("TYPE", "s"), "string");
        ReplyAssert.Simple(await _engine.Run("TYPE", "nokey"), "none");
    }

    // EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT

    [Theory]
    [InlineData("EXPIRE", "10", 10_000)]
    [InlineData("PEXPIRE", "10", 10)]
    [InlineData("EXPIREAT", "1700000100", 100_000)]
    [InlineData("PEXPIREAT", "1700000000250", 250)]
    public async Task Each_expire_command_sets_the_expiry_and_logs_it_as_an_absolute_pexpireat(string command, string time, long expectedTtlMs)
    {
        await _engine.Run("SET", "k", "v");

        ReplyAssert.Integer(await _engine.Run(command, "k", time), 1);

        ReplyAssert.Integer(await _engine.Run("PTTL", "k"), expectedTtlMs);
        ReplyAssert.Integer(await _engine.Run("PEXPIRETIME", "k"), Start + expectedTtlMs);
        Assert.Equal($"PEXPIREAT k {Ms(Start + expectedTtlMs)}", _engine.Log.Effects[^1]);
    }

    [Theory]
    [InlineData("EXPIRE", "10")]
    [InlineData("PEXPIRE", "10")]
    [InlineData("EXPIREAT", "1800000000")]
    [InlineData("PEXPIREAT", "1800000000000")]
    public async Task Expiring_a_missing_key_returns_zero_and_logs_nothing(string command, string time)
    {
        ReplyAssert.Integer(await _engine.Run(command, "nokey", time), 0);
        ReplyAssert.Integer(await _engine.Run(command, "nokey", time, "NX"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    /// <param name="currentTtl">The key's TTL in seconds before the command, or -1 for none.</param>
    [Theory]
    [InlineData(-1, "NX", 50, 1, 50)]
    [InlineData(-1, "XX", 50, 0, -1)]
    [InlineData(-1, "GT", 50, 0, -1)]
    [InlineData(-1, "LT", 50, 1, 50)]
    [InlineData(-1, "XX GT", 50, 0, -1)]
    [InlineData(-1, "XX LT", 50, 0, -1)]
    [InlineData(100, "NX", 50, 0, 100)]
    [InlineData(100, "XX", 50, 1, 50)]
    [InlineData(100, "GT", 50, 0, 100)]
    [InlineData(100, "GT", 100, 0, 100)]
    [InlineData(100, "GT", 200, 1, 200)]
    [InlineData(100, "LT", 200, 0, 100)]
    [InlineData(100, "LT", 100, 0, 100)]
    [InlineData(100, "LT", 50, 1, 50)]
    [InlineData(100, "XX GT", 200, 1, 200)]
    [InlineData(100, "XX LT", 50, 1, 50)]
    [InlineData(100, "nx NX", 50, 0, 100)]
    [InlineData(100, "gt GT", 200, 1, 200)]
    public async Task Expire_options_decide_whether_the_new_ttl_applies(int currentTtl, string options, int seconds, long expectedReply, long expectedTtl)
    {
        await _engine.Run("SET", "k", "v");
        if (currentTtl > 0)
            await _engine.Run("EXPIRE", "k", currentTtl.ToString(CultureInfo.InvariantCulture));

        var reply = await _engine.Run(["EXPIRE", "k", seconds.ToString(CultureInfo.InvariantCulture), .. options.Split(' ')]);

        ReplyAssert.Integer(reply, expectedReply);
        ReplyAssert.Integer(await _engine.Run("TTL", "k"), expectedTtl);
    }

    [Theory]
    [InlineData("NX XX", "ERR NX and XX, GT or LT options at the same time are not compatible")]
    [InlineData("XX NX", "ERR NX and XX, GT or LT options at the same time are not compatible")]
    [InlineData("NX GT", "ERR NX and XX, GT or LT options at the same time are not compatible")]
    [InlineData("lt nx", "ERR NX and XX, GT or LT options at the same time are not compatible")]
    [InlineData("NX XX GT LT", "ERR NX and XX, GT or LT options at the same time are not compatible")]
    [InlineData("GT LT", "ERR GT and LT options at the same time are not compatible")]
    [InlineData("XX GT LT", "ERR GT and LT options at the same time are not compatible")]
    [InlineData("foo", "ERR Unsupported option foo")]
    [InlineData("NX XX foo", "ERR Unsupported option foo")]
    [InlineData("GT bar NX", "ERR Unsupported option bar")]
    public async Task Incompatible_or_unknown_expire_options_are_refused_and_change_nothing(string options, string error)
    {
        await _engine.Run("SET", "k", "v");
        foreach (var command in new[] { "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT" })
        {
            ReplyAssert.Error(await _engine.Run([command, "k", "100", .. options.Split(' ')]), error);
            ReplyAssert.Error(await _engine.Run([command, "nokey", "100", .. options.Split(' ')]), error);
        }
        ReplyAssert.Integer(await _engine.Run("TTL", "k"), -1);
        Assert.Equal(["SET k v"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Expire_options_are_checked_before_the_time_is_parsed()
    {
        await _engine.Run("SET", "k", "v");

        ReplyAssert.Error(await _engine.Run("EXPIRE", "k", "abc", "bogus"), "ERR Unsupported option bogus");
        ReplyAssert.Error(await _engine.Run("EXPIRE", "k", "abc", "GT", "LT"), "ERR GT and LT options at the same time are not compatible");
        ReplyAssert.Error(await _engine.Run("EXPIRE", "k", "abc", "NX"), "ERR value is not an integer or out of range");
        ReplyAssert.Error(await _engine.Run("EXPIRE", "k", "1.5"), "ERR value is not an integer or out of range");
        ReplyAssert.Error(await _engine.Run("EXPIRE", "k"), "ERR wrong number of arguments for 'expire' command");
    }

    [Theory]
    [InlineData("EXPIRE", "0")]
    [InlineData("EXPIRE", "-1")]
    [InlineData("EXPIRE", "-9223372036854775")]
    [InlineData("PEXPIRE", "0")]
    [InlineData("PEXPIRE", "-9223372036854775808")]
    [InlineData("EXPIREAT", "1699999999")]
    [InlineData("EXPIREAT", "1700000000")]
    [InlineData("PEXPIREAT", "1")]
    [InlineData("PEXPIREAT", "1700000000000")]
    [InlineData("PEXPIREAT", "-5")]
    public async Task An_expiry_that_is_not_in_the_future_deletes_the_key_and_logs_del(string command, string time)
    {
        await _engine.Run("SET", "k", "v");

        ReplyAssert.Integer(await _engine.Run(command, "k", time), 1);

        ReplyAssert.Integer(await _engine.Run("EXISTS", "k"), 0);
        Assert.Equal(["SET k v", "DEL k"], _engine.Log.Effects);
    }

    [Theory]
    [InlineData("EXPIRE", "-1", "LT", 1)]
    [InlineData("EXPIRE", "-1", "GT", 0)]
    [InlineData("EXPIRE", "-1", "XX", 1)]
    [InlineData("EXPIRE", "-1", "NX", 0)]
    [InlineData("PEXPIREAT", "1", "LT", 1)]
    [InlineData("PEXPIREAT", "1", "GT", 0)]
    public async Task A_past_expiry_deletes_a_key_with_a_ttl_only_when_its_option_allows(string command, string time, string option, long expected)
    {
        await _engine.Run("SET", "k", "v");
        await _engine.Run("EXPIRE", "k", "100");

        ReplyAssert.Integer(await _engine.Run(command, "k", time, option), expected);

        ReplyAssert.Integer(await _engine.Run("EXISTS", "k"), 1 - expected);
    }

    [Theory]
    [InlineData("EXPIRE", "9223372036854775807")]
    [InlineData("EXPIRE", "9223372036854776")]
    [InlineData("EXPIRE", "9223372036854775")]
    [InlineData("EXPIRE", "-9223372036854776")]
    [InlineData("PEXPIRE", "9223372036854775807")]
    [InlineData("EXPIREAT", "9223372036854776")]
    [InlineData("EXPIREAT", "-9223372036854776")]
    public async Task An_expire_time_that_overflows_is_refused_with_the_commands_name(string command, string time)
    {
        await _engine.Run("SET", "k", "v");

        ReplyAssert.Error(await _engine.Run(command, "k", time), $"ERR invalid expire time in '{command.ToLowerInvariant()}' command");

        ReplyAssert.Integer(await _engine.Run("TTL", "k"), -1);
    }

    [Theory]
    [InlineData("EXPIREAT", "9223372036854775", 9_223_372_036_854_775_000)]
    [InlineData("PEXPIREAT", "9223372036854775807", long.MaxValue)]
    public async Task The_largest_absolute_expiry_times_are_accepted(string command, string time, long expectedPExpireTime)
    {
        await _engine.Run("SET", "k", "v");

        ReplyAssert.Integer(await _engine.Run(command, "k", time), 1);

        ReplyAssert.Integer(await _engine.Run("PEXPIRETIME", "k"), expectedPExpireTime);
        ReplyAssert.Integer(await _engine.Run("PTTL", "k"), expectedPExpireTime - Start);
    }

    // TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST

    [Theory]
    [InlineData("TTL")]
    [InlineData("PTTL")]
    [InlineData("EXPIRETIME")]
    [InlineData("PEXPIRETIME")]
    public async Task Ttl_commands_say_minus_two_for_a_missing_key_and_minus_one_for_no_expiry(string command)
    {
        await _engine.Run("SET", "k", "v");

        ReplyAssert.Integer(await _engine.Run(command, "nokey"), -2);
        ReplyAssert.Integer(await _engine.Run(command, "k"), -1);
    }

    [Theory]
    [InlineData(499, 0)]
    [InlineData(500, 1)]
    [InlineData(1499, 1)]
    [InlineData(1500, 2)]
    [InlineData(2499, 2)]
    public async Task Ttl_rounds_the_remaining_milliseconds_to_the_nearest_second(long pttl, long expectedTtl)
    {
        await _engine.Run("SET", "k", "v");
        await _engine.Run("PEXPIRE", "k", Ms(pttl));

        ReplyAssert.Integer(await _engine.Run("TTL", "k"), expectedTtl);
        ReplyAssert.Integer(await _engine.Run("PTTL", "k"), pttl);
    }

    [Theory]
    [InlineData(4_000_000_000_499, 4_000_000_000)]
    [InlineData(4_000_000_000_500, 4_000_000_001)]
    public async Task Expiretime_rounds_the_expiry_instant_to_the_nearest_second(long pexpireAt, long expectedExpireTime)
    {
        await _engine.Run("SET", "k", "v");
        await _engine.Run("PEXPIREAT", "k", Ms(pexpireAt));

        ReplyAssert.Integer(await _engine.Run("EXPIRETIME", "k"), expectedExpireTime);
        ReplyAssert.Integer(await _engine.Run("PEXPIRETIME", "k"), pexpireAt);
    }

    [Fact]
    public async Task Ttl_counts_down_with_the_clock_while_the_expiry_instant_stays()
    {
        await _engine.Run("SET", "k", "v");
        await _engine.Run("EXPIRE", "k", "10");

        _engine.Advance(TimeSpan.FromMilliseconds(3250));

        ReplyAssert.Integer(await _engine.Run("PTTL", "k"), 6750);
        ReplyAssert.Integer(await _engine.Run("TTL", "k"), 7);
        ReplyAssert.Integer(await _engine.Run("EXPIRETIME", "k"), 1_700_000_010);
        ReplyAssert.Integer(await _engine.Run("PEXPIRETIME", "k"), Start + 10_000);
    }

    [Fact]
    public async Task Persist_removes_the_expiry_once_and_is_logged_once()
    {
        await _engine.Run("SET", "k", "v");
        await _engine.Run("EXPIRE", "k", "100");

        ReplyAssert.Integer(await _engine.Run("PERSIST", "k"), 1);
        ReplyAssert.Integer(await _engine.Run("PERSIST", "k"), 0);
        ReplyAssert.Integer(await _engine.Run("PERSIST", "nokey"), 0);

        ReplyAssert.Integer(await _engine.Run("TTL", "k"), -1);
        Assert.Equal(["SET k v", $"PEXPIREAT k {Ms(Start + 100_000)}", "PERSIST k"], _engine.Log.Effects);
    }

    // Expiry boundaries on the fake clock

    [Fact]
    public async Task A_key_is_still_there_at_its_expiry_instant_and_gone_one_millisecond_later()
    {
        await _engine.Run("SET", "k", "v");
        await _engine.Run("PEXPIRE", "k", "50");

        _engine.Advance(TimeSpan.FromMilliseconds(50));
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "v");
        ReplyAssert.Integer(await _engine.Run("PTTL", "k"), 0);
        ReplyAssert.Integer(await _engine.Run("TTL", "k"), 0);

        _engine.Advance(TimeSpan.FromMilliseconds(1));
        ReplyAssert.Null(await _engine.Run("GET", "k"));
        ReplyAssert.Integer(await _engine.Run("PTTL", "k"), -2);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("EXISTS")]
    [InlineData("TYPE")]
    [InlineData("TTL")]
    [InlineData("PERSIST")]
    [InlineData("DEL")]
    public async Task A_key_found_expired_by_any_command_is_deleted_and_logged_as_del(string command)
    {
        await _engine.Run("SET", "k", "v");
        await _engine.Run("PEXPIRE", "k", "10");
        _engine.Advance(TimeSpan.FromMilliseconds(11));

        await _engine.Run(command, "k");

        Assert.Equal(["SET k v", $"PEXPIREAT k {Ms(Start + 10)}", "DEL k"], _engine.Log.Effects);
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 0);
    }

    [Fact]
    public async Task Dbsize_counts_an_expired_key_until_it_is_reclaimed()
    {
        await _engine.Run("MSET", "stays", "1", "goes", "2");
        await _engine.Run("PEXPIRE", "goes", "10");
        _engine.Advance(TimeSpan.FromMilliseconds(11));

        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 2);
        ReplyAssert.BulkArray(await _engine.Run("KEYS", "*"), "stays");
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 2);

        ReplyAssert.Integer(await _engine.Run("EXISTS", "goes"), 0);
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 1);
    }

    [Fact]
    public async Task Active_expiry_reclaims_expired_keys_that_nobody_reads()
    {
        const int volatileKeys = 500;
        for (var i = 0; i < volatileKeys; i++)
        {
            await _engine.Run("SET", $"short:{i}", "v");
            await _engine.Run("PEXPIRE", $"short:{i}", "50");
        }
        for (var i = 0; i < 20; i++)
        {
            await _engine.Run("SET", $"long:{i}", "v");
            await _engine.Run("EXPIRE", $"long:{i}", "3600");
            await _engine.Run("SET", $"forever:{i}", "v");
        }
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), volatileKeys + 40);

        // Each advance past a tick boundary queues the engine's timer work. The cycle samples keys
        // at random, so poll (with more ticks) until it is done rather than expecting one pass.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        long size;
        do
        {
            _engine.Advance(TimeSpan.FromMilliseconds(100));
            size = (await _engine.Run("DBSIZE")).AsInteger();
            if (size != 40)
                await Task.Delay(10);
        }
        while (size != 40 && DateTime.UtcNow < deadline);

        Assert.Equal(40, size);
        var deleted = _engine.Log.Effects.Where(e => e.StartsWith("DEL ", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(0, volatileKeys).Select(i => $"DEL short:{i}").Order(StringComparer.Ordinal), deleted);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "long:0", "long:19", "forever:0", "forever:19"), 4);
    }

    // RENAME, RENAMENX

    [Theory]
    [InlineData("RENAME", "nokey", "x")]
    [InlineData("RENAMENX", "nokey", "x")]
    [InlineData("RENAME", "nokey", "nokey")]
    [InlineData("RENAMENX", "nokey", "nokey")]
    public async Task Renaming_a_missing_key_is_an_error(string command, string source, string destination)
    {
        ReplyAssert.Error(await _engine.Run(command, source, destination), "ERR no such key");
        ReplyAssert.Error(await _engine.Run(command, source, destination), ErrorKind.NoSuchKey);
    }

    [Fact]
    public async Task Renaming_a_key_to_itself_changes_nothing()
    {
        await _engine.Run("SET", "a", "1");
        await _engine.Run("EXPIRE", "a", "100");
        _engine.Log.Clear();

        ReplyAssert.Ok(await _engine.Run("RENAME", "a", "a"));
        ReplyAssert.Integer(await _engine.Run("RENAMENX", "a", "a"), 0);

        ReplyAssert.Bulk(await _engine.Run("GET", "a"), "1");
        ReplyAssert.Integer(await _engine.Run("TTL", "a"), 100);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Rename_moves_the_value_and_its_ttl()
    {
        await _engine.Run("SET", "a", "1");
        await _engine.Run("PEXPIRE", "a", "100000");

        ReplyAssert.Ok(await _engine.Run("RENAME", "a", "c"));

        ReplyAssert.Integer(await _engine.Run("EXISTS", "a"), 0);
        ReplyAssert.Bulk(await _engine.Run("GET", "c"), "1");
        ReplyAssert.Integer(await _engine.Run("PEXPIRETIME", "c"), Start + 100_000);
        Assert.Equal("RENAME a c", _engine.Log.Effects[^1]);
    }

    [Fact]
    public async Task Rename_overwrites_the_destination_and_drops_its_ttl()
    {
        await _engine.Run("MSET", "b", "new", "d", "old");
        await _engine.Run("EXPIRE", "d", "1000");

        ReplyAssert.Ok(await _engine.Run("RENAME", "b", "d"));

        ReplyAssert.Bulk(await _engine.Run("GET", "d"), "new");
        ReplyAssert.Integer(await _engine.Run("TTL", "d"), -1);
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 1);
    }

    [Fact]
    public async Task Renamenx_renames_only_to_a_new_name()
    {
        await _engine.Run("MSET", "c", "1", "e", "2");

        ReplyAssert.Integer(await _engine.Run("RENAMENX", "c", "e"), 0);
        ReplyAssert.Bulk(await _engine.Run("GET", "c"), "1");
        ReplyAssert.Bulk(await _engine.Run("GET", "e"), "2");

        ReplyAssert.Integer(await _engine.Run("RENAMENX", "c", "f"), 1);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "c"), 0);
        ReplyAssert.Bulk(await _engine.Run("GET", "f"), "1");
        Assert.Equal(["MSET c 1 e 2", "RENAMENX c f"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Renaming_onto_an_expired_key_treats_it_as_absent()
    {
        await _engine.Run("MSET", "a", "1", "gone", "2");
        await _engine.Run("PEXPIRE", "gone", "10");
        _engine.Advance(TimeSpan.FromMilliseconds(11));

        ReplyAssert.Integer(await _engine.Run("RENAMENX", "a", "gone"), 1);

        ReplyAssert.Bulk(await _engine.Run("GET", "gone"), "1");
        ReplyAssert.Integer(await _engine.Run("TTL", "gone"), -1);
    }

    // COPY

    [Fact]
    public async Task Copy_copies_the_value_and_the_ttl()
    {
        await _engine.Run("SET", "s", "hello");
        await _engine.Run("PEXPIRE", "s", "500000");

        ReplyAssert.Integer(await _engine.Run("COPY", "s", "t"), 1);

        ReplyAssert.Bulk(await _engine.Run("GET", "t"), "hello");
        ReplyAssert.Integer(await _engine.Run("PEXPIRETIME", "t"), Start + 500_000);
        ReplyAssert.Bulk(await _engine.Run("GET", "s"), "hello");
        Assert.Equal("COPY s t", _engine.Log.Effects[^1]);
    }

    [Fact]
    public async Task Copy_does_not_overwrite_without_replace()
    {
        await _engine.Run("MSET", "s", "new", "t", "old");
        await _engine.Run("EXPIRE", "t", "100");

        ReplyAssert.Integer(await _engine.Run("COPY", "s", "t"), 0);
        ReplyAssert.Bulk(await _engine.Run("GET", "t"), "old");
        ReplyAssert.Integer(await _engine.Run("TTL", "t"), 100);

        ReplyAssert.Integer(await _engine.Run("COPY", "s", "t", "REPLACE"), 1);
        ReplyAssert.Bulk(await _engine.Run("GET", "t"), "new");
        ReplyAssert.Integer(await _engine.Run("TTL", "t"), -1);
    }

    [Fact]
    public async Task Copy_of_a_missing_key_returns_zero()
    {
        await _engine.Run("SET", "t", "old");

        ReplyAssert.Integer(await _engine.Run("COPY", "nokey", "t"), 0);
        ReplyAssert.Integer(await _engine.Run("COPY", "nokey", "t", "REPLACE"), 0);

        ReplyAssert.Bulk(await _engine.Run("GET", "t"), "old");
    }

    [Theory]
    [InlineData("DB 0")]
    [InlineData("db 0 REPLACE")]
    [InlineData("replace DB 0")]
    [InlineData("REPLACE REPLACE")]
    [InlineData("DB 0 DB 0")]
    public async Task Copy_accepts_database_zero_and_replace_in_any_order(string options)
    {
        await _engine.Run("SET", "s", "v");

        ReplyAssert.Integer(await _engine.Run(["COPY", "s", "t", .. options.Split(' ')]), 1);

        ReplyAssert.Bulk(await _engine.Run("GET", "t"), "v");
    }

    [Theory]
    [InlineData("s t DB 1", "ERR DB index is out of range")]
    [InlineData("s t DB 99", "ERR DB index is out of range")]
    [InlineData("s t DB -1", "ERR DB index is out of range")]
    [InlineData("s s DB 1", "ERR DB index is out of range")]
    [InlineData("s t DB 2147483648", "ERR value is out of range, value must between -2147483648 and 2147483647")]
    [InlineData("s t DB 4294967296", "ERR value is out of range, value must between -2147483648 and 2147483647")]
    [InlineData("s t DB 99999999999999999999", "ERR value is not an integer or out of range")]
    [InlineData("s t DB abc", "ERR value is not an integer or out of range")]
    [InlineData("s t DB", "ERR syntax error")]
    [InlineData("s t foo", "ERR syntax error")]
    [InlineData("s s foo", "ERR syntax error")]
    [InlineData("s s", "ERR source and destination objects are the same")]
    [InlineData("s s DB 0", "ERR source and destination objects are the same")]
    [InlineData("nokey nokey", "ERR source and destination objects are the same")]
    public async Task Copy_refuses_bad_arguments_with_redis_errors(string arguments, string error)
    {
        await _engine.Run("SET", "s", "v");

        ReplyAssert.Error(await _engine.Run(["COPY", .. arguments.Split(' ')]), error);

        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 1);
    }

    [Fact]
    public async Task A_copy_is_independent_of_its_original()
    {
        await _engine.Run("SET", "s", "hello");
        await _engine.Run("COPY", "s", "t");

        ReplyAssert.Integer(await _engine.Run("APPEND", "t", "XX"), 7);
        ReplyAssert.Bulk(await _engine.Run("GET", "t"), "helloXX");
        ReplyAssert.Bulk(await _engine.Run("GET", "s"), "hello");

        ReplyAssert.Integer(await _engine.Run("SETRANGE", "s", "0", "J"), 5);
        ReplyAssert.Bulk(await _engine.Run("GET", "s"), "Jello");
        ReplyAssert.Bulk(await _engine.Run("GET", "t"), "helloXX");

        await _engine.Run("EXPIRE", "t", "10");
        ReplyAssert.Integer(await _engine.Run("TTL", "s"), -1);
    }
}
