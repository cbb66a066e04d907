using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Hash-field expiration (Redis 7.4) and Redis 8's HGETDEL, HGETEX, HSETEX. Redis 7.0 (the local
/// reference) has none of them, so the expected replies are the examples and texts of Redis 8's
/// command reference and t_hash.c, each recorded here as a test.
/// </summary>
public sealed class HashExpiryCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private Task<Reply> Run(params string[] args) => _engine.Run(args);

    private static string Codes(Reply reply) => string.Join(' ', reply.AsItems().Select(item => item.AsInteger()));

    private static string Text(params long[] codes) => string.Join(' ', codes);

    /// <summary>Field/value pairs as "field=value", sorted (a hash has no order).</summary>
    private static string Pairs(params string[] flat) =>
        string.Join(',', flat.Chunk(2).Select(pair => $"{pair[0]}={pair[1]}").Order(StringComparer.Ordinal));

    private static string Pairs(Reply map) => Pairs([.. map.AsItems().Select(item => Encoding.UTF8.GetString(item.AsBulk().Span))]);

    private long NowSeconds => _engine.NowMs / 1000;

    [Fact]
    public async Task The_reference_examples_answer_as_documented()
    {
        // HEXPIRE / HTTL / HEXPIRETIME / HPERSIST pages.
        ReplyAssert.Integer(await Run("HSET", "mykey", "field1", "hello", "field2", "world"), 2);
        Assert.Equal("1 1 -2", Codes(await Run("HEXPIRE", "mykey", "300", "FIELDS", "3", "field1", "field2", "field3")));
        Assert.Equal("300 300 -2", Codes(await Run("HTTL", "mykey", "FIELDS", "3", "field1", "field2", "field3")));
        Assert.Equal("300000", Codes(await Run("HPTTL", "mykey", "FIELDS", "1", "field1")));
        Assert.Equal(Text(NowSeconds + 300), Codes(await Run("HEXPIRETIME", "mykey", "FIELDS", "1", "field1")));
        Assert.Equal(Text(_engine.NowMs + 300_000), Codes(await Run("HPEXPIRETIME", "mykey", "FIELDS", "1", "field1")));
        Assert.Equal("1 -2", Codes(await Run("HPERSIST", "mykey", "FIELDS", "2", "field1", "field3")));
        Assert.Equal("-1 300", Codes(await Run("HTTL", "mykey", "FIELDS", "2", "field1", "field2")));

        // HGETDEL page: the values, then the fields are gone; the key goes with its last field.
        await Run("HSET", "mykey2", "field1", "Hello", "field2", "World", "field3", "!");
        ReplyAssert.BulkArray(await Run("HGETDEL", "mykey2", "FIELDS", "1", "field2"), "World");
        Assert.Equal(Pairs("field1", "Hello", "field3", "!"), Pairs(await Run("HGETALL", "mykey2")));
        ReplyAssert.BulkArray(await Run("HGETDEL", "mykey2", "FIELDS", "2", "field3", "field1"), "!", "Hello");
        ReplyAssert.Integer(await Run("EXISTS", "mykey2"), 0);

        // HGETEX page.
        await Run("HSET", "mykey3", "field1", "Hello", "field2", "World");
        ReplyAssert.BulkArray(await Run("HGETEX", "mykey3", "EX", "120", "FIELDS", "1", "field1"), "Hello");
        Assert.Equal("120", Codes(await Run("HTTL", "mykey3", "FIELDS", "1", "field1")));
        ReplyAssert.BulkArray(await Run("HGETEX", "mykey3", "PERSIST", "FIELDS", "1", "field1"), "Hello");
        Assert.Equal("-1", Codes(await Run("HTTL", "mykey3", "FIELDS", "1", "field1")));

        // HSETEX page.
        ReplyAssert.Integer(await Run("HSETEX", "mykey4", "EX", "60", "FIELDS", "2", "field1", "hello", "field2", "world"), 1);
        Assert.Equal("60 60", Codes(await Run("HTTL", "mykey4", "FIELDS", "2", "field1", "field2")));
        ReplyAssert.Integer(await Run("HSETEX", "mykey4", "FNX", "FIELDS", "1", "field1", "again"), 0);
        ReplyAssert.Integer(await Run("HSETEX", "mykey4", "FXX", "KEEPTTL", "FIELDS", "1", "field1", "kept"), 1);
        Assert.Equal("60", Codes(await Run("HTTL", "mykey4", "FIELDS", "1", "field1")));
        ReplyAssert.Integer(await Run("HSETEX", "mykey4", "FIELDS", "1", "field1", "plain"), 1);
        Assert.Equal("-1 60", Codes(await Run("HTTL", "mykey4", "FIELDS", "2", "field1", "field2")));
        ReplyAssert.Integer(await Run("HSETEX", "missing", "FXX", "FIELDS", "1", "f", "v"), 0);
        ReplyAssert.Integer(await Run("EXISTS", "missing"), 0);
    }

    [Fact]
    public async Task The_conditions_and_a_passed_time_give_Redis_s_codes()
    {
        await Run("HSET", "h", "f1", "v1", "f2", "v2");
        Assert.Equal("1 -2", Codes(await Run("HEXPIRE", "h", "100", "FIELDS", "2", "f1", "ghost")));
        Assert.Equal("0 1", Codes(await Run("HEXPIRE", "h", "200", "NX", "FIELDS", "2", "f1", "f2")));
        Assert.Equal("1 1", Codes(await Run("HPERSIST", "h", "FIELDS", "2", "f1", "f2")));
        Assert.Equal("-1", Codes(await Run("HTTL", "h", "FIELDS", "1", "f1")));
        Assert.Equal("0", Codes(await Run("HEXPIRE", "h", "100", "XX", "FIELDS", "1", "f1")));
        // GT: no TTL counts as infinite, so nothing is greater; LT: anything is less.
        Assert.Equal("0", Codes(await Run("HEXPIRE", "h", "100", "GT", "FIELDS", "1", "f1")));
        Assert.Equal("1", Codes(await Run("HEXPIRE", "h", "100", "LT", "FIELDS", "1", "f1")));
        Assert.Equal("0", Codes(await Run("HEXPIRE", "h", "50", "GT", "FIELDS", "1", "f1")));
        Assert.Equal("1", Codes(await Run("HEXPIRE", "h", "200", "GT", "FIELDS", "1", "f1")));
        Assert.Equal("0", Codes(await Run("HEXPIRE", "h", "200", "LT", "FIELDS", "1", "f1")));

        // A time already passed (or now) removes the field: 2; the condition is checked first.
        Assert.Equal("0", Codes(await Run("HPEXPIREAT", "h", $"{_engine.NowMs}", "NX", "FIELDS", "1", "f1")));
        Assert.Equal("2", Codes(await Run("HPEXPIREAT", "h", $"{_engine.NowMs}", "FIELDS", "1", "f1")));
        ReplyAssert.Null(await Run("HGET", "h", "f1"));
        ReplyAssert.Integer(await Run("HLEN", "h"), 1);
        Assert.Equal("2", Codes(await Run("HEXPIRE", "h", "0", "FIELDS", "1", "f2")));
        ReplyAssert.Integer(await Run("EXISTS", "h"), 0);

        // A missing key: -2 per field after the grammar checks, and no key is made.
        Assert.Equal("-2 -2", Codes(await Run("HEXPIRE", "h", "100", "FIELDS", "2", "f1", "f2")));
        Assert.Equal("-2", Codes(await Run("HTTL", "h", "FIELDS", "1", "f1")));
        Assert.Equal("-2", Codes(await Run("HPERSIST", "h", "FIELDS", "1", "f1")));
        ReplyAssert.BulkArray(await Run("HGETEX", "h", "EX", "10", "FIELDS", "2", "f1", "f2"), null, null);
        ReplyAssert.Integer(await Run("EXISTS", "h"), 0);
    }

    [Theory]
    [InlineData("HEXPIRE h 100 FIELDS 1", "ERR wrong number of arguments for 'hexpire' command")]
    [InlineData("HTTL h FIELDS 1", "ERR wrong number of arguments for 'httl' command")]
    [InlineData("HEXPIRE s 100 FIELDS 1 f", "WRONGTYPE Operation against a key holding the wrong kind of value")]
    [InlineData("HEXPIRE h notanum FIELDS 1 f", "ERR value is not an integer or out of range")]
    [InlineData("HEXPIRE h -1 FIELDS 1 f", "ERR invalid expire time, must be >= 0")]
    [InlineData("HEXPIRE h 70368744177664 FIELDS 1 f", "ERR invalid expire time in 'hexpire' command")]
    [InlineData("HPEXPIREAT h 70368744177664 FIELDS 1 f", "ERR invalid expire time in 'hpexpireat' command")]
    [InlineData("HEXPIRE h 100 BADCOND FIELDS 1 f", "ERR Mandatory argument FIELDS is missing or not at the right position")]
    [InlineData("HTTL h NOTFIELDS 1 f", "ERR Mandatory argument FIELDS is missing or not at the right position")]
    [InlineData("HEXPIRE h 100 FIELDS 0 f", "ERR Parameter `numFields` should be greater than 0")]
    [InlineData("HEXPIRE h 100 FIELDS x f", "ERR Parameter `numFields` should be greater than 0")]
    [InlineData("HTTL h FIELDS 0 f", "ERR Number of fields must be a positive integer")]
    [InlineData("HPERSIST h FIELDS x f", "ERR Number of fields must be a positive integer")]
    [InlineData("HGETDEL h FIELDS 0 f", "ERR Number of fields must be a positive integer")]
    [InlineData("HEXPIRE h 100 FIELDS 2 f1", "ERR The `numfields` parameter must match the number of arguments")]
    [InlineData("HTTL h FIELDS 1 f1 f2", "ERR The `numfields` parameter must match the number of arguments")]
    [InlineData("HGETEX h EX -5 FIELDS 1 f", "ERR invalid expire time, must be >= 0")]
    [InlineData("HGETEX h BOGUS FIELDS 1 f", "ERR Mandatory argument FIELDS is missing or not at the right position")]
    [InlineData("HSETEX h FIELDS 1 f", "ERR wrong number of arguments for 'hsetex' command")]
    [InlineData("HSETEX h FIELDS 2 f v", "ERR wrong number of arguments for 'hsetex' command")]
    [InlineData("HSETEX h FIELDS 0 f v", "ERR invalid number of fields")]
    [InlineData("HSETEX h EX 10 PX 10 FIELDS 1 f v", "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified")]
    [InlineData("HSETEX h FNX FXX FIELDS 1 f v", "ERR Only one of FXX or FNX arguments can be specified")]
    [InlineData("HSETEX h BOGUS FIELDS 1 f v", "ERR unknown argument: BOGUS")]
    [InlineData("HSETEX h EX x FIELDS 1 f v", "ERR value is not an integer or out of range")]
    public async Task Bad_arguments_get_Redis_8_s_error_texts_and_change_nothing(string command, string error)
    {
        await Run("HSET", "h", "f", "v", "f1", "v1");
        await Run("SET", "s", "x");
        ReplyAssert.Error(await Run(command.Split(' ')), error);
        Assert.Equal(Pairs("f", "v", "f1", "v1"), Pairs(await Run("HGETALL", "h")));
        Assert.Equal("-1 -1", Codes(await Run("HTTL", "h", "FIELDS", "2", "f", "f1")));
    }

    [Fact]
    public async Task A_field_s_TTL_follows_Redis_s_rules_for_the_other_hash_commands()
    {
        await Run("HSET", "h", "a", "1", "b", "2", "n", "5");
        await Run("HEXPIRE", "h", "100", "FIELDS", "3", "a", "b", "n");

        // Setting another field keeps a's TTL; setting a itself clears it (HSET, HMSET, HSETEX without a time).
        await Run("HSET", "h", "c", "3");
        Assert.Equal("100", Codes(await Run("HTTL", "h", "FIELDS", "1", "a")));
        await Run("HSET", "h", "a", "9");
        await Run("HMSET", "h", "b", "8");
        Assert.Equal("-1 -1", Codes(await Run("HTTL", "h", "FIELDS", "2", "a", "b")));

        ReplyAssert.Bulk(await Run("OBJECT", "ENCODING", "h"), "listpackex");

        // Increments keep it (Redis's HASH_SET_KEEP_TTL).
        await Run("HINCRBY", "h", "n", "1");
        await Run("HINCRBYFLOAT", "h", "n", "0.5");
        Assert.Equal("100", Codes(await Run("HTTL", "h", "FIELDS", "1", "n")));

        // RENAME and COPY carry field TTLs; DEL takes them away.
        await Run("RENAME", "h", "r");
        ReplyAssert.Integer(await Run("COPY", "r", "c"), 1);
        Assert.Equal("100", Codes(await Run("HTTL", "r", "FIELDS", "1", "n")));
        Assert.Equal("100", Codes(await Run("HTTL", "c", "FIELDS", "1", "n")));
    }

    [Fact]
    public async Task An_expired_field_is_never_seen_and_the_key_goes_with_its_last_field()
    {
        await Run("HSET", "h", "dead", "1", "live", "2");
        await Run("HPEXPIRE", "h", "1000", "FIELDS", "1", "dead");
        _engine.Advance(TimeSpan.FromMilliseconds(1001));

        ReplyAssert.Null(await Run("HGET", "h", "dead"));
        ReplyAssert.Integer(await Run("HLEN", "h"), 1);
        Assert.Equal(Pairs("live", "2"), Pairs(await Run("HGETALL", "h")));
        ReplyAssert.BulkArray(await Run("HKEYS", "h"), "live");
        Assert.Equal(Pairs("live", "2"), Pairs((await Run("HSCAN", "h", "0")).AsItems()[1]));
        ReplyAssert.BulkArray(await Run("HRANDFIELD", "h", "-5"), "live", "live", "live", "live", "live");
        ReplyAssert.Integer(await Run("HEXISTS", "h", "dead"), 0);
        Assert.Equal("-2", Codes(await Run("HTTL", "h", "FIELDS", "1", "dead")));
        Assert.Equal("HDEL h dead", _engine.Log.Effects[^1]);

        await Run("HPEXPIRE", "h", "10", "FIELDS", "1", "live");
        _engine.Advance(TimeSpan.FromMilliseconds(11));
        ReplyAssert.Integer(await Run("EXISTS", "h"), 0);
        ReplyAssert.Integer(await Run("HLEN", "h"), 0);
    }

    [Fact]
    public async Task The_active_cycle_removes_expired_fields_nobody_reads()
    {
        for (var i = 0; i < 200; i++)
        {
            await Run("HSET", $"h{i}", "short", "v", "long", "v");
            await Run("HPEXPIRE", $"h{i}", "50", "FIELDS", "1", "short");
        }
        await Run("HSET", "gone", "only", "v");
        await Run("HPEXPIRE", "gone", "50", "FIELDS", "1", "only");
        var before = _engine.Log.Effects.Count;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (_engine.Log.Effects.Skip(before).Count(e => e.StartsWith("HDEL", StringComparison.Ordinal)) < 201)
        {
            Assert.True(DateTime.UtcNow < deadline, "the active cycle did not remove the expired fields");
            _engine.Advance(TimeSpan.FromMilliseconds(100));
            await Run("PING");
        }
        // Removed by the cycle, not by a read: the keys' counts show it without any hash command running first.
        Assert.Contains("expired_subkeys:201", Encoding.UTF8.GetString((await Run("INFO", "stats")).AsBulk().Span), StringComparison.Ordinal);
        ReplyAssert.Integer(await Run("DBSIZE"), 200);
    }

    [Fact]
    public async Task The_log_carries_absolute_times_so_a_replay_has_the_same_fields_TTLs_and_versions()
    {
        await Run("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4");
        await Run("HEXPIRE", "h", "100", "FIELDS", "2", "a", "b");
        await Run("HGETEX", "h", "PX", "5000", "FIELDS", "1", "c");
        await Run("HSETEX", "h", "EX", "60", "FIELDS", "1", "e", "5");
        await Run("HGETDEL", "h", "FIELDS", "1", "d");
        await Run("HPERSIST", "h", "FIELDS", "1", "b");
        await Run("HINCRBYFLOAT", "h", "a", "1.5");
        await Run("HSET", "gone", "x", "1");
        await Run("HPEXPIRE", "gone", "10", "FIELDS", "1", "x");
        _engine.Advance(TimeSpan.FromMilliseconds(20));
        await Run("HGET", "gone", "x");

        var effects = _engine.Log.Effects;
        Assert.Contains($"HPEXPIREAT h {_engine.NowMs - 20 + 100_000} FIELDS 2 a b", effects);
        Assert.Contains($"HPEXPIREAT h {_engine.NowMs - 20 + 5000} FIELDS 1 c", effects);
        Assert.Contains($"HSETEX h PXAT {_engine.NowMs - 20 + 60_000} FIELDS 1 e 5", effects);
        Assert.Contains("HDEL h d", effects);
        Assert.Contains("HSETEX h KEEPTTL FIELDS 1 a 2.5", effects);
        Assert.Contains("HDEL gone x", effects);

        using var replica = new TestEngine();
        replica.Advance(TimeSpan.FromMilliseconds(20));
        replica.Executor.BeginLoading();
        Assert.Null(await replica.Executor.ReplayAsync(_engine.Log.Records));
        replica.Executor.FinishLoading(_engine.Executor.CommittedOffset);
        Assert.Equal(await Fingerprint(_engine), await Fingerprint(replica));
        Assert.Equal(await KeyspaceDigest.OfAsync(_engine.Executor, withVersions: true), await KeyspaceDigest.OfAsync(replica.Executor, withVersions: true));
    }

    /// <summary>Every field of h with its value and its expiry instant.</summary>
    private static async Task<string> Fingerprint(TestEngine engine)
    {
        var all = (await engine.Run("HGETALL", "h")).AsItems().Select(item => Encoding.UTF8.GetString(item.AsBulk().Span)).ToList();
        var fields = all.Where((_, i) => i % 2 == 0).Order(StringComparer.Ordinal).ToList();
        var times = Codes(await engine.Run(["HPEXPIRETIME", "h", "FIELDS", $"{fields.Count}", .. fields])).Split(' ');
        var values = (await engine.Run(["HMGET", "h", .. fields])).AsItems().Select(item => Encoding.UTF8.GetString(item.AsBulk().Span));
        return string.Join(",", fields.Zip(values, times).Select(t => $"{t.First}={t.Second}@{t.Third}"));
    }

    [Fact]
    public async Task Memory_accounting_counts_the_field_TTLs()
    {
        var fields = Enumerable.Range(0, 100).SelectMany(i => new[] { $"f{i}", "v" }).ToArray();
        await Run(["HSET", "h", .. fields]);
        var before = (await Run("MEMORY", "USAGE", "h")).AsInteger();
        await Run(["HEXPIRE", "h", "100", "FIELDS", "100", .. Enumerable.Range(0, 100).Select(i => $"f{i}")]);
        var after = (await Run("MEMORY", "USAGE", "h")).AsInteger();
        Assert.True(after > before + 100 * 24, $"{before} → {after}");
    }
}
