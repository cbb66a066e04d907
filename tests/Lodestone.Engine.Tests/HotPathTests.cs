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
        var first = keyspace.Add(B("k"), RedisType.String, StringValue.Copy(B("1")));
        keyspace.Add(B("other"), RedisType.String, StringValue.Copy(B("2")));
        var argument = B("k");

        Assert.Same(first, keyspace.PeekAhead(argument));
        Assert.Same(first, keyspace.Peek(argument));
        Assert.Same(first, keyspace.Peek(B("k")));
        Assert.Null(keyspace.Peek(argument.AsSpan(0, 0)));

        // Removed and added again: a new entry, which the same argument must find.
        Assert.True(keyspace.Delete(B("k")));
        Assert.Null(keyspace.Peek(argument));
        var second = keyspace.Add(B("k"), RedisType.String, StringValue.Copy(B("3")));
        Assert.Same(second, keyspace.Peek(argument));

        // Another key's removal leaves it; emptying the keyspace ends it.
        Assert.Same(second, keyspace.PeekAhead(argument));
        Assert.True(keyspace.Delete(B("other")));
        Assert.Same(second, keyspace.Peek(argument));
        keyspace.Clear();
        Assert.Null(keyspace.Peek(argument));
    }

    [Fact]
    public void An_entry_found_ahead_still_expires()
    {
        var keyspace = new Keyspace.Keyspace(new Random(1), firstVersion: 1) { NowMs = 1_000 };
        var entry = keyspace.Add(B("k"), RedisType.String, StringValue.Copy(B("1")));
        keyspace.SetExpiry(entry, 1_500);
        var argument = B("k");
        Assert.Same(entry, keyspace.PeekAhead(argument));

        keyspace.NowMs = 2_000;
        Assert.Null(keyspace.Peek(argument));
        Assert.Equal(0, keyspace.Count);
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
