using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Replication;

namespace Lodestone.Engine.Tests;

/// <summary>
/// WAIT, min-replicas-to-write and the replication settings of CONFIG, on one engine whose replicas
/// are <see cref="ReplicaPeer"/>s the test acknowledges for, as the ack endpoint does.
/// </summary>
public sealed class ReplicaAcksTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private ReplicationState Replication => _engine.Executor.Replication;

    private ReplicaPeer Attach(string id)
    {
        var peer = new ReplicaPeer(id, "127.0.0.1", 7000, _engine.NowMs) { State = "online" };
        peer.Acknowledge(_engine.Executor.CommittedOffset, _engine.NowMs);
        Replication.Replicas[id] = peer;
        return peer;
    }

    private void Ack(ReplicaPeer peer, long offset) => Replication.Acknowledge(peer, offset, _engine.NowMs);

    private Task<CommandResult> Send(params string[] args) => Send(CancellationToken.None, args);

    private Task<CommandResult> Send(CancellationToken aborted, params string[] args) =>
        _engine.Executor.ExecuteAsync(new CommandRequest(Args(args)) { Aborted = aborted });

    private static byte[][] Args(params string[] args) => args.Select(Encoding.UTF8.GetBytes).ToArray();

    /// <summary>Waits (bounded) until <paramref name="count"/> callers wait for acks.</summary>
    private async Task Waiting(int count)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (_engine.Executor.ReplicaWaitCount != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Expected {count} callers waiting for acks, have {_engine.Executor.ReplicaWaitCount}.");
            await Task.Delay(5);
        }
    }

    /// <summary>Everything queued before it (an ack's check) has run once a command sent after it answers.</summary>
    private async Task Drained() => ReplyAssert.Simple(await _engine.Run("PING"), "PONG");

    [Fact]
    public async Task Wait_parks_until_enough_replicas_acknowledge_the_callers_write()
    {
        var one = Attach("one");
        var two = Attach("two");
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        var written = _engine.Executor.CommittedOffset;

        var wait = Send("WAIT", "2", "0");
        await Waiting(1);
        Ack(one, written);
        Ack(two, written - 1);
        await Drained();
        Assert.False(wait.IsCompleted, "One replica of two has the write: WAIT 2 still waits.");

        Ack(two, written);
        var reply = (await wait.WaitAsync(Bound)).Reply;
        ReplyAssert.Integer(reply, 2);
        Assert.Equal(0, _engine.Executor.ReplicaWaitCount);
    }

    [Fact]
    public async Task Wait_answers_at_once_when_enough_replicas_have_the_offset_already()
    {
        Attach("one");
        ReplyAssert.Integer(await _engine.Run("WAIT", "1", "0"), 1);
        ReplyAssert.Integer(await _engine.Run("WAIT", "0", "0"), 1);
        // No replica at all: WAIT 0 answers 0 at once, and a negative count too (as Redis).
        Replication.Replicas.Clear();
        ReplyAssert.Integer(await _engine.Run("WAIT", "-1", "0"), 0);
    }

    [Fact]
    public async Task Wait_times_out_with_the_count_it_has()
    {
        var one = Attach("one");
        Attach("two");
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        Ack(one, _engine.Executor.CommittedOffset);

        var wait = Send("WAIT", "2", "100");
        await Waiting(1);
        _engine.Advance(TimeSpan.FromMilliseconds(99));
        await Drained();
        Assert.False(wait.IsCompleted);
        _engine.Advance(TimeSpan.FromMilliseconds(1));

        ReplyAssert.Integer((await wait.WaitAsync(Bound)).Reply, 1);
        Assert.Equal(0, _engine.Executor.ReplicaWaitCount);
    }

    [Fact]
    public async Task Wait_forever_is_capped_by_the_callers_max_block()
    {
        Attach("one");
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        var wait = _engine.Executor.ExecuteAsync(new CommandRequest(Args("WAIT", "1", "0")) { MaxBlock = TimeSpan.FromSeconds(2) });
        await Waiting(1);
        _engine.Advance(TimeSpan.FromSeconds(2));
        ReplyAssert.Integer((await wait.WaitAsync(Bound)).Reply, 0);
    }

    [Fact]
    public async Task Wait_after_a_write_of_the_same_pipeline_waits_for_that_write()
    {
        var one = Attach("one");
        var before = _engine.Executor.CommittedOffset;
        var pipeline = _engine.Executor.ExecuteBatchAsync([new CommandRequest(Args("SET", "p", "v")), new CommandRequest(Args("WAIT", "1", "0"))]);
        await Waiting(1);
        // The WAIT parks before its loop turn commits: once a later command answers, the SET is committed.
        await Drained();
        var written = _engine.Executor.CommittedOffset;
        Assert.True(written > before);
        // The replica had everything before the pipeline: not enough.
        Ack(one, before);
        await Drained();
        Assert.False(pipeline.IsCompleted);

        Ack(one, written);
        var replies = await pipeline.WaitAsync(Bound);
        ReplyAssert.Ok(replies[0].Reply);
        ReplyAssert.Integer(replies[1].Reply, 1);
    }

    [Fact]
    public async Task Wait_inside_a_transaction_answers_at_once()
    {
        Attach("one");
        var results = await _engine.Executor.ExecuteAtomicAsync([new CommandRequest(Args("SET", "t", "v")), new CommandRequest(Args("WAIT", "5", "0"))])
            .WaitAsync(Bound);
        ReplyAssert.Ok(results[0].Reply);
        // The transaction's own write is not committed while it runs: the replica has what was before it.
        ReplyAssert.Integer(results[1].Reply, 1);
        Assert.Equal(0, _engine.Executor.ReplicaWaitCount);
    }

    [Fact]
    public async Task A_waiting_caller_that_leaves_is_removed_and_never_answered()
    {
        Attach("one");
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        using var leave = new CancellationTokenSource();
        var wait = Send(leave.Token, "WAIT", "1", "0");
        await Waiting(1);
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Bound));
        await Waiting(0);
    }

    [Fact]
    public async Task Wait_for_replicas_async_waits_for_the_given_offset()
    {
        var one = Attach("one");
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        var offset = _engine.Executor.CommittedOffset;
        var wait = _engine.Executor.WaitForReplicasAsync(offset, 1, TimeSpan.Zero, CancellationToken.None);
        await Waiting(1);
        Ack(one, offset);
        Assert.Equal(1, await wait.WaitAsync(Bound));

        var timedOut = _engine.Executor.WaitForReplicasAsync(offset + 1000, 1, TimeSpan.FromMilliseconds(50), CancellationToken.None);
        await Waiting(1);
        _engine.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(0, await timedOut.WaitAsync(Bound));
    }

    [Fact]
    public async Task Wait_on_a_replica_and_with_bad_arguments_answers_as_redis()
    {
        ReplyAssert.Error(await _engine.Run("WAIT", "1"), "ERR wrong number of arguments for 'wait' command");
        ReplyAssert.Error(await _engine.Run("WAIT", "a", "0"), "ERR value is not an integer or out of range");
        ReplyAssert.Error(await _engine.Run("WAIT", "1", "a"), "ERR timeout is not an integer or out of range");
        ReplyAssert.Error(await _engine.Run("WAIT", "1", "1.5"), "ERR timeout is not an integer or out of range");
        ReplyAssert.Error(await _engine.Run("WAIT", "1", "-1"), "ERR timeout is negative");
        Assert.StartsWith("ERR This Redis command is not allowed from script", (await _engine.Run("EVAL", "return redis.call('wait', 0, 0)", "0")).AsError().Message, StringComparison.Ordinal);

        Replication.Follow("http://primary:8379");
        ReplyAssert.Error(await _engine.Run("WAIT", "1", "0"),
            "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
        await Assert.ThrowsAsync<InvalidOperationException>(() => _engine.Executor.WaitForReplicasAsync(0, 1, TimeSpan.Zero, CancellationToken.None).WaitAsync(Bound));
    }

    [Fact]
    public async Task Min_replicas_to_write_refuses_writes_without_enough_fresh_replicas()
    {
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "min-replicas-to-write", "1"));
        ReplyAssert.Error(await _engine.Run("SET", "k", "v"), "NOREPLICAS Not enough good replicas to write.");
        Assert.Equal(ErrorKind.NoReplicas, (await _engine.Run("SET", "k", "v")).AsError().Kind);
        Assert.StartsWith("NOREPLICAS Not enough good replicas to write.", (await _engine.Run("EVAL", "return redis.call('set', 'k', 'v')", "0")).AsError().Message, StringComparison.Ordinal);
        // Reads go on.
        ReplyAssert.Null(await _engine.Run("GET", "k"));
        Assert.Contains("min_slaves_good_slaves:0\r\n", Info(await _engine.Run("INFO", "replication")), StringComparison.Ordinal);

        var one = Attach("one");
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        Assert.Contains("min_slaves_good_slaves:1\r\n", Info(await _engine.Run("INFO", "replication")), StringComparison.Ordinal);

        // Its last ack gets older than min-replicas-max-lag (10 s): no longer good.
        _engine.Advance(TimeSpan.FromSeconds(11));
        ReplyAssert.Error(await _engine.Run("SET", "k", "w"), "NOREPLICAS Not enough good replicas to write.");
        Ack(one, _engine.Executor.CommittedOffset);
        ReplyAssert.Ok(await _engine.Run("SET", "k", "w"));
        _engine.Advance(TimeSpan.FromSeconds(11));
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "min-slaves-max-lag", "20"));
        ReplyAssert.Ok(await _engine.Run("SET", "k", "x"));

        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "min-replicas-to-write", "0"));
        Replication.Replicas.Clear();
        ReplyAssert.Ok(await _engine.Run("SET", "k", "y"));
        Assert.DoesNotContain("min_slaves_good_slaves", Info(await _engine.Run("INFO", "replication")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Min_replicas_refuses_a_transactions_write_when_it_is_queued()
    {
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "min-slaves-to-write", "2"));
        Attach("one");
        Assert.Equal("NOREPLICAS Not enough good replicas to write.", _engine.Executor.Check(Args("SET", "k", "v"))?.Message);
        Assert.Null(_engine.Executor.Check(Args("GET", "k")));
    }

    [Fact]
    public async Task Config_get_and_set_of_the_replication_settings_round_trip_under_both_names()
    {
        Assert.Equal("min-replicas-to-write 0", string.Join(' ', ReplyAssert.Texts(await _engine.Run("CONFIG", "GET", "min-replicas-to-write"))));
        Assert.Equal("min-slaves-max-lag 10", string.Join(' ', ReplyAssert.Texts(await _engine.Run("CONFIG", "GET", "min-slaves-max-lag"))));
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "min-slaves-to-write", "3"));
        Assert.Equal("min-replicas-to-write 3", string.Join(' ', ReplyAssert.Texts(await _engine.Run("CONFIG", "GET", "min-replicas-to-write"))));
        Assert.Equal(3, Replication.MinReplicasToWrite);
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "min-replicas-max-lag", "7"));
        Assert.Equal(7, Replication.MinReplicasMaxLagSeconds);
        ReplyAssert.Error(await _engine.Run("CONFIG", "SET", "min-replicas-to-write", "-1"),
            "ERR CONFIG SET failed (possibly related to argument 'min-replicas-to-write') - argument must be between 0 and 2147483647 inclusive");
        ReplyAssert.Error(await _engine.Run("CONFIG", "SET", "min-replicas-max-lag", "abc"),
            "ERR CONFIG SET failed (possibly related to argument 'min-replicas-max-lag') - argument couldn't be parsed into an integer");

        Assert.Equal("replica-read-only yes", string.Join(' ', ReplyAssert.Texts(await _engine.Run("CONFIG", "GET", "replica-read-only"))));
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "slave-read-only", "no"));
        Assert.Equal("replica-read-only no", string.Join(' ', ReplyAssert.Texts(await _engine.Run("CONFIG", "GET", "replica-read-only"))));
        Assert.False(Replication.ReadOnly);
        ReplyAssert.Error(await _engine.Run("CONFIG", "SET", "replica-read-only", "maybe"),
            "ERR CONFIG SET failed (possibly related to argument 'replica-read-only') - argument must be 'yes' or 'no'");

        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "repl-backlog-size", "2mb"));
        Assert.Equal("repl-backlog-size 2097152", string.Join(' ', ReplyAssert.Texts(await _engine.Run("CONFIG", "GET", "repl-backlog-size"))));
        Assert.Equal(2097152, _engine.Executor.Effects.BacklogCapacity);
        // Clamped to the smallest backlog, as Redis.
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "repl-backlog-size", "1"));
        Assert.Equal("repl-backlog-size 16384", string.Join(' ', ReplyAssert.Texts(await _engine.Run("CONFIG", "GET", "repl-backlog-size"))));
        ReplyAssert.Error(await _engine.Run("CONFIG", "SET", "repl-backlog-size", "-5"),
            "ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - argument must be a memory value");
    }

    [Fact]
    public async Task Resizing_the_backlog_keeps_an_open_reader_going_where_the_new_size_still_holds_its_bytes()
    {
        var stream = _engine.Executor.Effects;
        Assert.Equal(Effects.BacklogPosition.Held, stream.TryOpenReader(stream.Offset, out var reader));
        using (reader)
        {
            var start = stream.Offset;
            // The backlog is held from the first batch after a reader asked for it.
            ReplyAssert.Ok(await _engine.Run("SET", "a", "1"));
            ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "repl-backlog-size", "4mb"));
            ReplyAssert.Ok(await _engine.Run("SET", "b", "2"));
            ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "repl-backlog-size", "16384"));
            ReplyAssert.Ok(await _engine.Run("SET", "c", "3"));
            var bytes = new List<byte>();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var read = reader!.TryRead(buffer);
                if (read.Status != Effects.EffectReadStatus.Data)
                {
                    Assert.Equal(Effects.EffectReadStatus.UpToDate, read.Status);
                    break;
                }
                bytes.AddRange(buffer.AsSpan(0, read.Count));
            }
            Assert.Equal(stream.Offset - start, bytes.Count);
            var all = Encoding.UTF8.GetString([.. bytes]);
            Assert.Contains("SET", all, StringComparison.Ordinal);
            Assert.Contains("c", all, StringComparison.Ordinal);
        }
    }

    private static string Info(Reply reply) => Encoding.UTF8.GetString(reply.AsBulk().Span);
}
