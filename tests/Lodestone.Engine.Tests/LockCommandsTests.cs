using System.Globalization;
using System.Text;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>LOCK.*: grants with fencing tokens, owner-only changes, waiting in line, leases on the monotonic clock.</summary>
public sealed class LockCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    /// <summary>A lock reply (map) as a dictionary of its fields.</summary>
    private static Dictionary<string, Reply> Fields(Reply reply)
    {
        Assert.Equal(ReplyKind.Map, reply.Kind);
        return reply.AsItems().Chunk(2).ToDictionary(pair => Encoding.UTF8.GetString(pair[0].AsBulk().Span), pair => pair[1]);
    }

    private async Task<long> Acquire(string name, string owner, long ttlMs = 10_000)
    {
        var reply = await _engine.Run("LOCK.ACQUIRE", name, Text(ttlMs), "OWNER", owner);
        Assert.False(reply.IsError, reply.ToString());
        var grant = Fields(reply);
        return grant["fencing-token"].AsInteger();
    }

    private Task<CommandResult> Waiting(string name, string owner, long waitMs, CancellationToken aborted = default) =>
        _engine.Executor.ExecuteAsync(new CommandRequest(
            new[] { "LOCK.ACQUIRE", name, "10000", "OWNER", owner, "WAIT", Text(waitMs) }.Select(Encoding.UTF8.GetBytes).ToArray()) { Aborted = aborted });

    private async Task Parked(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_engine.Executor.BlockedCount != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Expected {count} parked callers, have {_engine.Executor.BlockedCount}.");
            await Task.Delay(5);
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task In_a_failover_group_a_grant_is_above_every_token_of_earlier_epochs()
    {
        var outside = await Acquire("a", "x");
        Assert.True(outside < 1L << Lodestone.Engine.Replication.ReplicationState.LockTokenEpochShift);
        var replication = _engine.Executor.Replication;
        replication.Group = new Lodestone.Engine.Replication.FailoverGroupInfo("node-1", 3, "node-1", "", true, false, 0, 0);
        var third = await Acquire("b", "x");
        Assert.Equal(3L << Lodestone.Engine.Replication.ReplicationState.LockTokenEpochShift, third);
        // Within the epoch, a lock's tokens grow by the usual rule; the next epoch's are above all of them.
        Assert.False((await _engine.Run("LOCK.RELEASE", "b", "x")).IsError);
        Assert.Equal(third + 1, await Acquire("b", "y"));
        replication.Group = replication.Group with { Epoch = 4 };
        Assert.False((await _engine.Run("LOCK.RELEASE", "a", "x")).IsError);
        Assert.Equal(4L << Lodestone.Engine.Replication.ReplicationState.LockTokenEpochShift, await Acquire("a", "y"));
    }

    [Fact]
    public async Task A_grant_names_owner_token_and_lease_and_is_logged_absolutely_and_fsynced()
    {
        var grant = Fields(await _engine.Run("LOCK.ACQUIRE", "jobs", "5000"));

        Assert.Equal("jobs", Encoding.UTF8.GetString(grant["name"].AsBulk().Span));
        var owner = Encoding.UTF8.GetString(grant["owner"].AsBulk().Span);
        Assert.Matches("^[0-9a-f]{32}$", owner);
        Assert.True(grant["fencing-token"].AsInteger() > 0);
        Assert.Equal(_engine.NowMs + 5000, grant["expires-at"].AsInteger());
        ReplyAssert.Integer(grant["ttl-ms"], 5000);
        Assert.Equal([$"LOCK.STATE jobs {grant["fencing-token"].AsInteger()} {owner} {_engine.NowMs + 5000}"], _engine.Log.Effects);
        Assert.Equal(1, _engine.Log.SyncedBatches);
        ReplyAssert.Simple(await _engine.Run("TYPE", "jobs"), "lock");
        ReplyAssert.Error(await _engine.Run("GET", "jobs"), ErrorKind.WrongType);
    }

    [Fact]
    public async Task A_held_lock_is_refused_with_when_it_frees_and_its_holder_gets_its_grant_back()
    {
        var token = await Acquire("jobs", "a", ttlMs: 3000);
        _engine.Advance(TimeSpan.FromMilliseconds(1000));

        var refused = (await _engine.Run("LOCK.ACQUIRE", "jobs", "1000", "OWNER", "b")).AsError();
        Assert.Equal(ErrorKind.Conflict, refused.Kind);
        Assert.Equal("LOCKED", refused.Code);
        Assert.Equal(TimeSpan.FromMilliseconds(2000), refused.RetryAfter);

        _engine.Log.Clear();
        var again = Fields(await _engine.Run("LOCK.ACQUIRE", "jobs", "1000", "OWNER", "a"));
        Assert.Equal(token, again["fencing-token"].AsInteger());
        ReplyAssert.Integer(again["ttl-ms"], 2000);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Tokens_strictly_increase_across_release_expiry_and_deletion()
    {
        var tokens = new List<long> { await Acquire("l", "a") };
        ReplyAssert.Integer(await _engine.Run("LOCK.RELEASE", "l", "a"), 1);
        tokens.Add(await Acquire("l", "b", ttlMs: 100));
        _engine.Advance(TimeSpan.FromMilliseconds(100));
        tokens.Add(await Acquire("l", "c"));
        await _engine.Run("SET", "unrelated", "x");
        ReplyAssert.Integer(await _engine.Run("DEL", "l"), 1);
        tokens.Add(await Acquire("l", "d"));

        Assert.Equal(tokens.Order(), tokens);
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
    }

    [Fact]
    public async Task Only_the_holder_extends_or_releases_and_not_after_its_lease_ended()
    {
        await Acquire("l", "a", ttlMs: 1000);

        ReplyAssert.Error(await _engine.Run("LOCK.EXTEND", "l", "b", "5000"), "NOTOWNER the lock is not held by this owner: it was released, its lease ended, or another owner holds it");
        ReplyAssert.Error(await _engine.Run("LOCK.RELEASE", "l", "b"), ErrorKind.Conflict);
        var extended = Fields(await _engine.Run("LOCK.EXTEND", "l", "a", "5000"));
        ReplyAssert.Integer(extended["ttl-ms"], 5000);

        _engine.Advance(TimeSpan.FromMilliseconds(5000));
        var next = await Acquire("l", "b");
        ReplyAssert.Error(await _engine.Run("LOCK.RELEASE", "l", "a"), ErrorKind.Conflict);
        ReplyAssert.Error(await _engine.Run("LOCK.EXTEND", "l", "a", "1000"), ErrorKind.Conflict);
        var info = Fields(await _engine.Run("LOCK.INFO", "l"));
        ReplyAssert.Bulk(info["owner"], "b");
        ReplyAssert.Integer(info["fencing-token"], next);
    }

    [Fact]
    public async Task Info_shows_a_free_lock_with_its_latest_token_and_nil_for_an_unknown_one()
    {
        ReplyAssert.Null(await _engine.Run("LOCK.INFO", "l"));
        var token = await Acquire("l", "a");
        await _engine.Run("LOCK.RELEASE", "l", "a");

        var info = Fields(await _engine.Run("LOCK.INFO", "l"));
        ReplyAssert.Null(info["owner"]);
        ReplyAssert.Null(info["expires-at"]);
        ReplyAssert.Null(info["ttl-ms"]);
        ReplyAssert.Integer(info["fencing-token"], token);
        ReplyAssert.Integer(info["waiters"], 0);
    }

    [Fact]
    public async Task Fence_admits_the_latest_token_and_refuses_older_ones()
    {
        var first = await Acquire("l", "a", ttlMs: 100);
        _engine.Advance(TimeSpan.FromMilliseconds(100));
        var second = await Acquire("l", "b");

        ReplyAssert.Integer(await _engine.Run("LOCK.FENCE", "l", Text(second)), 1);
        ReplyAssert.Error(await _engine.Run("LOCK.FENCE", "l", Text(first)), $"STALE fencing token {first} is older than the lock's latest grant ({second})");
        ReplyAssert.Error(await _engine.Run("LOCK.FENCE", "other", "1"), "STALE no grant of this lock is known");
        ReplyAssert.Error(await _engine.Run("LOCK.FENCE", "l", "x"), ErrorKind.NotANumber);
    }

    [Theory]
    [InlineData("0", "ERR ttl-ms must be between 1 and 60000 (Engine:LockMaxTtlMs)")]
    [InlineData("60001", "ERR ttl-ms must be between 1 and 60000 (Engine:LockMaxTtlMs)")]
    [InlineData("x", "ERR value is not an integer or out of range")]
    public async Task A_lease_outside_the_limits_is_refused(string ttl, string error)
    {
        ReplyAssert.Error(await _engine.Run("LOCK.ACQUIRE", "l", ttl), error);
        ReplyAssert.Error(await _engine.Run("LOCK.EXTEND", "l", "a", ttl), error);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Malformed_options_are_refused()
    {
        ReplyAssert.Error(await _engine.Run("LOCK.ACQUIRE", "l", "100", "OWNER", ""), "ERR the owner must not be empty");
        ReplyAssert.Error(await _engine.Run("LOCK.ACQUIRE", "l", "100", "WAIT", "-1"), "ERR WAIT can't be negative");
        ReplyAssert.Error(await _engine.Run("LOCK.ACQUIRE", "l", "100", "WAIT"), "ERR syntax error");
        ReplyAssert.Error(await _engine.Run("LOCK.ACQUIRE", "l", "100", "BOGUS", "1"), "ERR syntax error");
        await _engine.Run("SET", "s", "v");
        ReplyAssert.Error(await _engine.Run("LOCK.ACQUIRE", "s", "100"), ErrorKind.WrongType);
    }

    [Fact]
    public async Task Waiters_are_served_in_arrival_order_on_release()
    {
        await Acquire("l", "holder");
        var first = Waiting("l", "w1", 60_000);
        await Parked(1);
        var second = Waiting("l", "w2", 60_000);
        await Parked(2);

        ReplyAssert.Integer(Fields(await _engine.Run("LOCK.INFO", "l"))["waiters"], 2);
        await _engine.Run("LOCK.RELEASE", "l", "holder");
        ReplyAssert.Bulk(Fields((await first).Reply)["owner"], "w1");
        Assert.False(second.IsCompleted);

        await _engine.Run("LOCK.RELEASE", "l", "w1");
        ReplyAssert.Bulk(Fields((await second).Reply)["owner"], "w2");
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Fact]
    public async Task A_waiter_gets_the_lock_when_the_lease_ends()
    {
        await Acquire("l", "holder", ttlMs: 2000);
        var waiter = Waiting("l", "w", 60_000);
        await Parked(1);

        _engine.Advance(TimeSpan.FromMilliseconds(1999));
        await _engine.Run("PING");
        Assert.False(waiter.IsCompleted);
        _engine.Advance(TimeSpan.FromMilliseconds(1));

        ReplyAssert.Bulk(Fields((await waiter).Reply)["owner"], "w");
    }

    [Fact]
    public async Task A_waiter_whose_wait_ends_first_is_told_the_lock_is_still_held()
    {
        await Acquire("l", "holder", ttlMs: 10_000);
        var waiter = Waiting("l", "w", 1000);
        await Parked(1);

        _engine.Advance(TimeSpan.FromMilliseconds(1000));

        var refused = (await waiter).Reply.AsError();
        Assert.Equal("LOCKED", refused.Code);
        Assert.Equal(TimeSpan.FromMilliseconds(9000), refused.RetryAfter);
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Fact]
    public async Task A_waiter_that_went_away_never_gets_the_lock()
    {
        await Acquire("l", "holder");
        using var gone = new CancellationTokenSource();
        var leaving = Waiting("l", "gone", 60_000, gone.Token);
        await Parked(1);
        var staying = Waiting("l", "stays", 60_000);
        await Parked(2);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        await _engine.Run("LOCK.RELEASE", "l", "holder");

        ReplyAssert.Bulk(Fields((await staying).Reply)["owner"], "stays");
    }

    [Fact]
    public async Task A_lease_ignores_wall_clock_jumps()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));
        var wall = new JumpingClock(clock);
        using var executor = new Executor(new EngineOptions(), wall);
        Task<Reply> Run(params string[] args) => executor.ExecuteAsync(args.Select(Encoding.UTF8.GetBytes).ToArray());
        await Run("LOCK.ACQUIRE", "l", "10000", "OWNER", "a");

        wall.Jump(TimeSpan.FromHours(1));
        Assert.Equal("LOCKED", (await Run("LOCK.ACQUIRE", "l", "1000", "OWNER", "b")).AsError().Code);
        ReplyAssert.Integer(Fields(await Run("LOCK.INFO", "l"))["ttl-ms"], 10_000);

        wall.Jump(TimeSpan.FromHours(-2));
        clock.Advance(TimeSpan.FromMilliseconds(10_000));
        ReplyAssert.Bulk(Fields(await Run("LOCK.ACQUIRE", "l", "1000", "OWNER", "b"))["owner"], "b");
    }

    [Fact]
    public async Task Paused_grants_are_refused_until_one_maximum_lease_has_passed()
    {
        using var engine = new TestEngine(new EngineOptions { LockMaxTtlMs = 5000 });
        engine.Executor.PauseLockGrants();

        var refused = (await engine.Run("LOCK.ACQUIRE", "l", "1000")).AsError();
        Assert.Equal("LOCKED lock grants are paused for 5000 more ms after an unclean restart", refused.Message);
        Assert.Equal(TimeSpan.FromMilliseconds(5000), refused.RetryAfter);

        engine.Advance(TimeSpan.FromMilliseconds(5000));
        Assert.Equal(ReplyKind.Map, (await engine.Run("LOCK.ACQUIRE", "l", "1000")).Kind);
    }

    [Fact]
    public async Task The_logged_state_replays_to_the_same_locks()
    {
        await Acquire("a", "o1");
        await Acquire("b", "o2", ttlMs: 500);
        await _engine.Run("LOCK.EXTEND", "b", "o2", "2000");
        await Acquire("c", "o3");
        await _engine.Run("LOCK.RELEASE", "c", "o3");
        var expected = await KeyspaceDigest.OfAsync(_engine.Executor);

        using var replica = new TestEngine();
        replica.Executor.BeginLoading();
        Assert.Null(await replica.Executor.ReplayAsync(_engine.Log.Records));
        replica.Executor.FinishLoading(_engine.Executor.CommittedOffset);

        Assert.Equal(expected, await KeyspaceDigest.OfAsync(replica.Executor));
        Assert.Contains("b|lock|-1|o2,", expected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_holder_raises_its_token_for_redlock_and_later_grants_go_above_it()
    {
        var token = await Acquire("l", "a");

        ReplyAssert.Integer(await _engine.Run("LOCK.RAISE", "l", "a", "1000"), 1000);
        ReplyAssert.Integer(await _engine.Run("LOCK.RAISE", "l", "a", "5"), 1000);
        ReplyAssert.Error(await _engine.Run("LOCK.RAISE", "l", "b", "2000"), ErrorKind.Conflict);
        ReplyAssert.Error(await _engine.Run("LOCK.RAISE", "l", "a", "-1"), "ERR value is out of range, value must between 0 and 4611686018427387904");
        ReplyAssert.Integer(await _engine.Run("LOCK.FENCE", "l", "1000"), 1);
        Assert.Equal("STALE", (await _engine.Run("LOCK.FENCE", "l", Text(token))).AsError().Code);
        await _engine.Run("LOCK.RELEASE", "l", "a");

        Assert.Equal(1001, await Acquire("l", "b"));
    }

    [Fact]
    public async Task Lock_state_is_administrative_and_never_takes_a_token_back()
    {
        ReplyAssert.Ok(await _engine.Run("LOCK.STATE", "l", "10", "o", Text(_engine.NowMs + 1000)));
        ReplyAssert.Error(await _engine.Run("LOCK.STATE", "l", "9"), "ERR a lock's fencing token can only grow");
        ReplyAssert.Error(await _engine.Run("LOCK.STATE", "l", "11", "o"), "ERR syntax error");
        Assert.True(_engine.Executor.Commands.Find("LOCK.STATE")!.Flags.HasFlag(Commands.CommandFlags.Admin));
        Assert.True(await Acquire("l2", "x") > 0);
    }

    [Fact]
    public async Task A_lock_under_contention_is_held_by_one_caller_at_a_time_in_token_order()
    {
        var inside = 0;
        var tokens = new List<long>();
        async Task Client(int id)
        {
            for (var i = 0; i < 40; i++)
            {
                var grant = Fields((await Waiting("hot", $"c{id}", 60_000)).Reply);
                Assert.Equal(1, Interlocked.Increment(ref inside));
                lock (tokens)
                    tokens.Add(grant["fencing-token"].AsInteger());
                await Task.Yield();
                Assert.Equal(0, Interlocked.Decrement(ref inside));
                ReplyAssert.Integer(await _engine.Run("LOCK.RELEASE", "hot", $"c{id}"), 1);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 20).Select(id => Task.Run(() => Client(id))));

        Assert.Equal(800, tokens.Count);
        Assert.Equal(tokens.Order(), tokens);
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
    }

    [Fact]
    public async Task Delifeq_and_delex_delete_only_on_a_matching_string()
    {
        await _engine.Run("SET", "k", "token");
        ReplyAssert.Integer(await _engine.Run("DELIFEQ", "k", "other"), 0);
        ReplyAssert.Integer(await _engine.Run("DELEX", "k", "IFNE", "token"), 0);
        ReplyAssert.Integer(await _engine.Run("DELIFEQ", "k", "token"), 1);
        ReplyAssert.Integer(await _engine.Run("DELIFEQ", "k", "token"), 0);

        await _engine.Run("SET", "k", "token");
        ReplyAssert.Integer(await _engine.Run("DELEX", "k", "IFEQ", "token"), 1);
        await _engine.Run("SET", "k", "token");
        ReplyAssert.Integer(await _engine.Run("DELEX", "k", "IFNE", "x"), 1);
        await _engine.Run("RPUSH", "list", "a");
        ReplyAssert.Error(await _engine.Run("DELIFEQ", "list", "a"), ErrorKind.WrongType);
        ReplyAssert.Error(await _engine.Run("DELEX", "list", "IFEQ", "a"), ErrorKind.WrongType);
        ReplyAssert.Error(await _engine.Run("DELEX", "list", "IFDEQ", "a"), "ERR Unsupported option IFDEQ");
        ReplyAssert.Error(await _engine.Run("DELEX", "list", "IFEQ"), "ERR syntax error");
        ReplyAssert.Integer(await _engine.Run("DELEX", "list"), 1);
        Assert.Equal(["SET k token", "DEL k", "SET k token", "DEL k", "SET k token", "DEL k", "RPUSH list a", "DEL list"], _engine.Log.Effects);
    }

    /// <summary>A clock whose wall time can jump while its monotonic timestamps (and timers) follow the fake clock.</summary>
    private sealed class JumpingClock(FakeTimeProvider inner) : TimeProvider
    {
        private TimeSpan _offset;

        public void Jump(TimeSpan by) => _offset += by;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + _offset;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);
    }
}
