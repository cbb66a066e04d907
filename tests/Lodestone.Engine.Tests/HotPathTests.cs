using System.Text;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>
/// The shortcuts the engine thread takes for every command — the loop's clock, the command table's
/// byte lookup, the key found by the type check — give the answers the long way would.
/// </summary>
public class HotPathTests
{
    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void The_loop_clock_follows_the_monotonic_clock_from_the_wall_time_of_its_last_rebase()
    {
        var fake = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));
        var clock = new LoopClock(fake);
        clock.Rebase();
        Assert.Equal(TestEngine.StartMs, clock.UnixMs);

        fake.Advance(TimeSpan.FromMicroseconds(2_500));
        Assert.Equal(TestEngine.StartMs, clock.UnixMs);
        var started = clock.Timestamp;
        clock.Read();
        Assert.Equal(TestEngine.StartMs + 2, clock.UnixMs);
        Assert.Equal(2_500, clock.MicrosecondsSince(started));
    }

    [Fact]
    public void A_wall_clock_step_is_seen_at_the_next_rebase_and_not_before()
    {
        var fake = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));
        var wall = new SteppingClock(fake);
        var clock = new LoopClock(wall);
        clock.Rebase();

        wall.Step = TimeSpan.FromHours(1);
        fake.Advance(TimeSpan.FromMilliseconds(5));
        clock.Read();
        Assert.Equal(TestEngine.StartMs + 5, clock.UnixMs);

        clock.Rebase();
        Assert.Equal(TestEngine.StartMs + 5 + 3_600_000, clock.UnixMs);
    }

    [Theory]
    [InlineData("GET", "GET")]
    [InlineData("get", "GET")]
    [InlineData("zRangeByScore", "ZRANGEBYSCORE")]
    [InlineData("LOCK.ACQUIRE", "LOCK.ACQUIRE")]
    [InlineData("lock.acquire", "LOCK.ACQUIRE")]
    public void Commands_are_found_by_their_name_in_any_case(string name, string expected) =>
        Assert.Equal(expected, CommandTable.Default.Find(B(name))?.Name);

    [Theory]
    [InlineData("")]
    [InlineData("GE")]
    [InlineData("GETT")]
    [InlineData("G\u00c9T")]
    [InlineData("LOCK,ACQUIRE")]
    public void Names_that_are_no_command_are_not_found(string name) => Assert.Null(CommandTable.Default.Find(B(name)));

    [Fact]
    public void Every_command_is_found_by_its_bytes_and_a_long_name_is_refused()
    {
        foreach (var spec in CommandTable.Default.All)
        {
            Assert.Same(spec, CommandTable.Default.Find(B(spec.Name)));
            Assert.Same(spec, CommandTable.Default.Find(B(spec.Name.ToLowerInvariant())));
        }
        Assert.Null(CommandTable.Default.Find(new byte[100_000]));
    }

    [Fact]
    public void The_entry_found_ahead_is_given_to_the_same_argument_only_while_it_is_in_the_keyspace()
    {
        var keyspace = new Keyspace.Keyspace(new Random(1), firstVersion: 1);
        var first = keyspace.Add(B("k"), RedisType.String, StringValue.Copy(B("1")), default);
        keyspace.Add(B("other"), RedisType.String, StringValue.Copy(B("2")), default);
        var argument = B("k");

        Assert.Same(first, keyspace.PeekAhead(argument, default));
        Assert.Same(first, keyspace.Peek(argument, default));
        Assert.Same(first, keyspace.Peek(B("k"), default));
        Assert.Null(keyspace.Peek(argument.AsSpan(0, 0), default));

        // Removed and added again: a new entry, which the same argument must find.
        Assert.True(keyspace.Delete(B("k"), default));
        Assert.Null(keyspace.Peek(argument, default));
        var second = keyspace.Add(B("k"), RedisType.String, StringValue.Copy(B("3")), default);
        Assert.Same(second, keyspace.Peek(argument, default));

        // Another key's removal leaves it; emptying the keyspace ends it.
        Assert.Same(second, keyspace.PeekAhead(argument, default));
        Assert.True(keyspace.Delete(B("other"), default));
        Assert.Same(second, keyspace.Peek(argument, default));
        keyspace.Clear();
        Assert.Null(keyspace.Peek(argument, default));
    }

    [Fact]
    public void An_entry_found_ahead_still_expires()
    {
        var keyspace = new Keyspace.Keyspace(new Random(1), firstVersion: 1);
        var now = Keyspace.KeyAccess.At(1_000);
        var entry = keyspace.Add(B("k"), RedisType.String, StringValue.Copy(B("1")), now);
        keyspace.SetExpiry(entry, 1_500);
        var argument = B("k");
        Assert.Same(entry, keyspace.PeekAhead(argument, now));

        Assert.Null(keyspace.Peek(argument, Keyspace.KeyAccess.At(2_000)));
        Assert.Equal(0, keyspace.Count);
    }

    [Fact]
    public void A_string_written_again_keeps_its_object_and_buffer_when_the_size_is_the_same()
    {
        var keyspace = new Keyspace.Keyspace(new Random(1), firstVersion: 1);
        var entry = keyspace.OverwriteString(B("k"), B("aaaa"), default);
        var wrapped = entry.Value;

        // The first value is the request's own array (shared): a second write makes a private copy.
        var second = B("bbbb");
        Assert.Same(entry, keyspace.OverwriteString(B("k"), second, default));
        var own = Assert.IsType<StringValue>(entry.Value);
        Assert.NotSame(wrapped, own);
        second[0] = (byte)'x';
        Assert.Equal("bbbb", Encoding.UTF8.GetString(own.Span));

        // From then on a write of the same size lands in that buffer, with a new version.
        var version = entry.Version;
        keyspace.OverwriteString(B("k"), B("cccc"), default);
        Assert.Same(own, entry.Value);
        Assert.Equal("cccc", Encoding.UTF8.GetString(own.Span));
        Assert.True(entry.Version > version);

        // Another size, or a buffer a reply holds, gets a new value.
        keyspace.OverwriteString(B("k"), B("ddddd"), default);
        Assert.NotSame(own, entry.Value);
        var longer = (StringValue)entry.Value;
        longer.Share();
        keyspace.OverwriteString(B("k"), B("eeeee"), default);
        Assert.NotSame(longer, entry.Value);
        Assert.Equal("ddddd", Encoding.UTF8.GetString(longer.Span));

        // A large value is taken as it is, not copied, even over a private buffer of its size.
        var large = new byte[StringValue.RewriteCopyLimit + 1];
        keyspace.Overwrite(B("k"), RedisType.String, StringValue.Copy(large), default);
        var ownLarge = entry.Value;
        keyspace.OverwriteString(B("k"), large, default);
        var taken = (StringValue)entry.Value;
        Assert.NotSame(ownLarge, taken);
        large[0] = 1;
        Assert.Equal(1, taken.Span[0]);
    }

    [Fact]
    public async Task A_reply_keeps_its_bytes_when_the_key_is_rewritten_in_place()
    {
        using var engine = new TestEngine();
        await engine.Run("SET", "k", "aaaa");
        await engine.Run("SET", "k", "bbbb");
        var before = (await engine.Run("GET", "k")).AsBulk();
        await engine.Run("SET", "k", "cccc");
        await engine.Run("SET", "k", "dddd");
        Assert.Equal("bbbb", Encoding.UTF8.GetString(before.Span));
        Assert.Equal("dddd", Encoding.UTF8.GetString((await engine.Run("GET", "k")).AsBulk().Span));
        Assert.Equal("embstr", Encoding.UTF8.GetString((await engine.Run("OBJECT", "ENCODING", "k")).AsBulk().Span));

        // What a plain SET does to the TTL and to other types holds in place too.
        await engine.Run("EXPIRE", "k", "100");
        await engine.Run("SET", "k", "eeee");
        Assert.Equal(-1, (await engine.Run("TTL", "k")).AsInteger());
        await engine.Run("SETEX", "k", "100", "ffff");
        Assert.Equal(100, (await engine.Run("TTL", "k")).AsInteger());
        await engine.Run("MSET", "k", "gggg", "l", "hhhh");
        Assert.Equal(-1, (await engine.Run("TTL", "k")).AsInteger());
        Assert.Equal("gggg", Encoding.UTF8.GetString((await engine.Run("GETSET", "k", "iiii")).AsBulk().Span));
        Assert.Equal("iiii", Encoding.UTF8.GetString((await engine.Run("GET", "k")).AsBulk().Span));
        await engine.Run("APPEND", "k", "jj");
        Assert.Equal("iiiijj", Encoding.UTF8.GetString((await engine.Run("GET", "k")).AsBulk().Span));
        await engine.Run("RPUSH", "list", "x");
        await engine.Run("SET", "list", "kkkk");
        Assert.Equal("kkkk", Encoding.UTF8.GetString((await engine.Run("GET", "list")).AsBulk().Span));
    }

    /// <summary>A wall clock that can be stepped while the monotonic clock goes on.</summary>
    private sealed class SteppingClock(FakeTimeProvider inner) : TimeProvider
    {
        public TimeSpan Step { get; set; }

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Step;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;
    }
}
