using System.Globalization;
using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

// KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL.
public sealed partial class KeyCommandsTests
{
    // KEYS

    private async Task SetGlobKeys() =>
        await _engine.Run("MSET", "hello", "1", "hallo", "1", "hxllo", "1", "hllo", "1", "heeeello", "1",
            "h*llo", "1", "h?llo", "1", "foo", "1", "Hello", "1");

    [Theory]
    [InlineData("*", "Hello h*llo h?llo hallo heeeello hello hllo hxllo foo")]
    [InlineData("h?llo", "h*llo h?llo hallo hello hxllo")]
    [InlineData("h*llo", "h*llo h?llo hallo heeeello hello hllo hxllo")]
    [InlineData("h[ae]llo", "hallo hello")]
    [InlineData("h[^e]llo", "h*llo h?llo hallo hxllo")]
    [InlineData("h[a-b]llo", "hallo")]
    [InlineData("h[b-a]llo", "hallo")]
    [InlineData("h\\*llo", "h*llo")]
    [InlineData("h\\?llo", "h?llo")]
    [InlineData("[hH]ello", "Hello hello")]
    [InlineData("hello[", "")]
    [InlineData("nomatch*", "")]
    public async Task Keys_returns_the_keys_matching_a_glob_pattern(string pattern, string expected)
    {
        await SetGlobKeys();

        var keys = await SortedArray("KEYS", pattern);

        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal), keys);
    }

    [Fact]
    public async Task Keys_star_returns_the_empty_key_but_a_double_star_does_not()
    {
        await _engine.Run("MSET", "", "v", "a", "v");

        Assert.Equal(["", "a"], await SortedArray("KEYS", "*"));
        Assert.Equal(["a"], await SortedArray("KEYS", "**"));
    }

    [Fact]
    public async Task Keys_matches_binary_keys()
    {
        byte[] binary = [(byte)'x', 0, (byte)'y'];
        await _engine.RunBytes("SET"u8.ToArray(), binary, "v"u8.ToArray());

        var reply = await _engine.Run("KEYS", "x?y");

        Assert.Single(reply.AsItems());
        ReplyAssert.BulkBytes(reply.AsItems()[0], binary);
    }

    // SCAN

    private async Task<(string Cursor, string[] Keys)> ScanStep(params string[] command)
    {
        var reply = await _engine.Run(command);
        var items = reply.AsItems();
        Assert.Equal(2, items.Count);
        return (Encoding.UTF8.GetString(items[0].AsBulk().Span), ReplyAssert.Texts(items[1]).Select(key => key!).ToArray());
    }

    private async Task<List<string>> ScanAll(params string[] options)
    {
        var seen = new List<string>();
        var cursor = "0";
        do
        {
            (cursor, var keys) = await ScanStep(["SCAN", cursor, .. options]);
            seen.AddRange(keys);
        }
        while (cursor != "0");
        return seen;
    }

    [Fact]
    public async Task A_full_scan_returns_every_key_and_ends_at_cursor_zero()
    {
        var expected = Enumerable.Range(0, 300).Select(i => $"key:{i}").ToList();
        foreach (var key in expected)
            await _engine.Run("SET", key, "v");

        var seen = await ScanAll();

        Assert.Equal(expected.Order(StringComparer.Ordinal), seen.Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Scan_of_an_empty_database_returns_cursor_zero_and_nothing()
    {
        var (cursor, keys) = await ScanStep("SCAN", "0");

        Assert.Equal("0", cursor);
        Assert.Empty(keys);
    }

    [Fact]
    public async Task Scan_with_a_large_count_returns_everything_in_one_call()
    {
        await SetGlobKeys();

        var (cursor, keys) = await ScanStep("SCAN", "0", "COUNT", "1000");

        Assert.Equal("0", cursor);
        Assert.Equal(9, keys.Length);
    }

    [Theory]
    [InlineData("100000")]
    public async Task Scan_with_the_largest_accepted_count_returns_everything_in_one_call(string count)
    {
        await _engine.Run(["MSET", .. Enumerable.Range(0, 300).SelectMany(i => new[] { $"key:{i}", "v" })]);

        var (cursor, keys) = await ScanStep("SCAN", "0", "COUNT", count);

        Assert.Equal("0", cursor);
        Assert.Equal(300, keys.Distinct().Count());
    }

    [Fact]
    public async Task Scan_match_filters_by_glob_pattern()
    {
        await SetGlobKeys();

        var seen = await ScanAll("MATCH", "h?llo", "COUNT", "3");

        Assert.Equal(["h*llo", "h?llo", "hallo", "hello", "hxllo"], seen.Distinct().Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("string", 9)]
    [InlineData("STRING", 9)]
    [InlineData("list", 0)]
    [InlineData("nosuchtype", 0)]
    public async Task Scan_type_filters_by_type_name_and_an_unknown_type_matches_nothing(string type, int expected)
    {
        await SetGlobKeys();

        var seen = await ScanAll("TYPE", type);

        Assert.Equal(expected, seen.Distinct().Count());
    }

    [Fact]
    public async Task Scan_skips_expired_keys_and_reclaims_them()
    {
        await _engine.Run("MSET", "a", "1", "b", "2");
        await _engine.Run("PEXPIRE", "b", "10");
        _engine.Advance(TimeSpan.FromMilliseconds(11));

        Assert.Equal(["a"], await ScanAll());

        Assert.Equal("DEL b", _engine.Log.Effects[^1]);
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 1);
    }

    [Theory]
    [InlineData("SCAN abc", "ERR invalid cursor")]
    [InlineData("SCAN 1.5", "ERR invalid cursor")]
    [InlineData("SCAN 18446744073709551616", "ERR invalid cursor")]
    [InlineData("SCAN 0 COUNT 0", "ERR syntax error")]
    [InlineData("SCAN 0 COUNT -1", "ERR syntax error")]
    [InlineData("SCAN 0 COUNT abc", "ERR value is not an integer or out of range")]
    [InlineData("SCAN 0 COUNT", "ERR syntax error")]
    [InlineData("SCAN 0 MATCH", "ERR syntax error")]
    [InlineData("SCAN 0 TYPE", "ERR syntax error")]
    [InlineData("SCAN 0 foo bar", "ERR syntax error")]
    [InlineData("SCAN 0 COUNT 100001", "ERR COUNT is out of range: at most 100000 per call (Lodestone's cap; page with the cursor)")]
    [InlineData("SCAN 0 COUNT 9223372036854775807", "ERR COUNT is out of range: at most 100000 per call (Lodestone's cap; page with the cursor)")]
    [InlineData("SCAN 0 MATCH *a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q", "ERR pattern refused: it has 17 '*' wildcards; the limit is 16")]
    [InlineData("KEYS *a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q", "ERR pattern refused: it has 17 '*' wildcards; the limit is 16")]
    [InlineData("HSCAN h 0 MATCH *a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q", "ERR pattern refused: it has 17 '*' wildcards; the limit is 16")]
    [InlineData("SSCAN s 0 MATCH *a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q", "ERR pattern refused: it has 17 '*' wildcards; the limit is 16")]
    [InlineData("ZSCAN z 0 MATCH *a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q", "ERR pattern refused: it has 17 '*' wildcards; the limit is 16")]
    [InlineData("ZSCAN z 0 COUNT 100001", "ERR COUNT is out of range: at most 100000 per call (Lodestone's cap; page with the cursor)")]
    [InlineData("SCAN", "ERR wrong number of arguments for 'scan' command")]
    public async Task Scan_refuses_bad_arguments(string command, string error)
    {
        await _engine.Run("SET", "k", "v");
        // The per-type scans answer a missing key before reading their options, as in Redis.
        await _engine.Run("HSET", "h", "f", "v");
        await _engine.Run("SADD", "s", "m");
        await _engine.Run("ZADD", "z", "1", "m");

        ReplyAssert.Error(await _engine.Run(command.Split(' ')), error);
    }

    [Fact]
    public async Task A_pattern_over_the_length_cap_is_refused_and_one_at_the_cap_is_served()
    {
        await _engine.Run("SET", "k", "v");

        ReplyAssert.Error(await _engine.Run("SCAN", "0", "MATCH", new string('k', 1025)), "ERR pattern refused: it is 1025 bytes long; the limit is 1024");
        ReplyAssert.Error(await _engine.Run("KEYS", new string('k', 1025)), "ERR pattern refused: it is 1025 bytes long; the limit is 1024");
        Assert.Empty((await _engine.Run("KEYS", new string('k', 1024))).AsItems());
        ReplyAssert.BulkArray(await _engine.Run("KEYS", "*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k"));
    }

    [Fact]
    public async Task The_largest_cursor_is_valid_and_ends_the_iteration()
    {
        await _engine.Run("SET", "k", "v");

        var (cursor, _) = await ScanStep("SCAN", "18446744073709551615");

        Assert.Equal("0", cursor);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Scan_returns_every_key_that_stays_present_while_others_come_and_go(int seed)
    {
        var random = new Random(seed);
        var stable = Enumerable.Range(0, 1000).Select(i => $"stable:{i}").ToList();
        await _engine.Run(["MSET", .. stable.SelectMany(key => new[] { key, "v" })]);

        // Between calls, first add ~15,000 temporary keys (the table grows 1024 -> 16384 buckets),
        // then delete them all (it shrinks back to 4096), then keep churning a few at a time.
        var everPresent = new HashSet<string>(stable);
        var temporary = new List<string>();
        var next = 0;
        var seen = new HashSet<string>();
        var cursor = "0";
        for (var call = 0; call == 0 || cursor != "0"; call++)
        {
            var count = random.Next(1, 20).ToString(CultureInfo.InvariantCulture);
            (cursor, var keys) = await ScanStep("SCAN", cursor, "COUNT", count);
            seen.UnionWith(keys);

            var (add, delete) = call < 100 ? (150, 0) : temporary.Count > 100 ? (0, 200) : (random.Next(5), random.Next(5));
            var added = Enumerable.Range(next, add).Select(i => $"temp:{i}").ToList();
            next += add;
            if (added.Count > 0)
                await _engine.Run(["MSET", .. added.SelectMany(key => new[] { key, "v" })]);
            temporary.AddRange(added);
            everPresent.UnionWith(added);

            var deleted = new List<string>();
            for (var i = Math.Min(delete, temporary.Count); i > 0; i--)
            {
                var index = random.Next(temporary.Count);
                deleted.Add(temporary[index]);
                temporary[index] = temporary[^1];
                temporary.RemoveAt(temporary.Count - 1);
            }
            if (deleted.Count > 0)
                ReplyAssert.Integer(await _engine.Run(["DEL", .. deleted]), deleted.Count);
        }

        var missed = stable.Where(key => !seen.Contains(key)).ToList();
        var invented = seen.Where(key => !everPresent.Contains(key)).ToList();
        Assert.Empty(missed);
        Assert.Empty(invented);
    }

    // RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL

    [Fact]
    public async Task Randomkey_returns_nil_when_empty_and_an_existing_key_otherwise()
    {
        ReplyAssert.Null(await _engine.Run("RANDOMKEY"));

        await _engine.Run("SET", "only", "v");
        ReplyAssert.Bulk(await _engine.Run("RANDOMKEY"), "only");

        await _engine.Run("MSET", "a", "1", "b", "2");
        var seen = new HashSet<string>();
        for (var i = 0; i < 200; i++)
            seen.Add(Encoding.UTF8.GetString((await _engine.Run("RANDOMKEY")).AsBulk().Span));
        Assert.Equal(["a", "b", "only"], seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Randomkey_never_returns_an_expired_key_and_reclaims_it()
    {
        await _engine.Run("SET", "gone", "v");
        await _engine.Run("PEXPIRE", "gone", "10");
        _engine.Advance(TimeSpan.FromMilliseconds(11));

        ReplyAssert.Null(await _engine.Run("RANDOMKEY"));

        Assert.Equal("DEL gone", _engine.Log.Effects[^1]);
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 0);
    }

    [Fact]
    public async Task Dbsize_counts_the_keys()
    {
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 0);
        await SetGlobKeys();
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 9);
        await _engine.Run("DEL", "foo");
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 8);
    }

    [Theory]
    [InlineData("FLUSHDB")]
    [InlineData("FLUSHDB ASYNC")]
    [InlineData("FLUSHDB SYNC")]
    [InlineData("flushdb async")]
    [InlineData("FLUSHALL")]
    [InlineData("FLUSHALL ASYNC")]
    [InlineData("FLUSHALL sync")]
    public async Task Flush_removes_every_key_and_is_logged(string command)
    {
        await SetGlobKeys();
        await _engine.Run("EXPIRE", "foo", "100");

        ReplyAssert.Ok(await _engine.Run(command.Split(' ')));

        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 0);
        ReplyAssert.Null(await _engine.Run("RANDOMKEY"));
        Assert.Equal(command, _engine.Log.Effects[^1]);
    }

    [Fact]
    public async Task Flushing_an_empty_database_is_still_logged()
    {
        ReplyAssert.Ok(await _engine.Run("FLUSHALL"));

        Assert.Equal(["FLUSHALL"], _engine.Log.Effects);
    }

    [Theory]
    [InlineData("FLUSHDB foo")]
    [InlineData("FLUSHDB ASYNC SYNC")]
    [InlineData("FLUSHALL foo")]
    [InlineData("FLUSHALL SYNC ASYNC")]
    public async Task Flush_with_other_arguments_is_a_syntax_error_and_keeps_the_keys(string command)
    {
        await SetGlobKeys();

        ReplyAssert.Error(await _engine.Run(command.Split(' ')), "ERR syntax error");

        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 9);
    }
}
