using System.IO.Pipelines;
using System.Text;
using Lodestone.Engine.Effects;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Replication;

namespace Lodestone.Engine.Tests;

/// <summary>
/// A replica applies a transaction (a script's or MULTI's effects, between MULTI and EXEC records)
/// whole: a stream cut inside one — by the network, or by the link's own batch of 1024 records —
/// shows nothing of it until its EXEC arrives. The stream is written by hand into a
/// <see cref="ReplicaLink"/>, so the test decides exactly where it is cut.
/// </summary>
public sealed class ReplicaTransactionsTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TestEngine _replica = new();
    private readonly string _scratch = Directory.CreateTempSubdirectory("lodestone-repl-tx-").FullName;
    private long _version = 1_000;

    public void Dispose()
    {
        _replica.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    private Effect Record(params string[] args) => new(args.Select(Encoding.UTF8.GetBytes).ToArray(), args.Length == 1 ? 0 : ++_version);

    [Theory]
    [InlineData(1)]
    [InlineData(1020)]
    public async Task Nothing_of_a_transaction_is_visible_until_its_EXEC_arrives(int before)
    {
        var executor = _replica.Executor;
        executor.Replication.Follow("http://primary:8379");
        var pipe = new Pipe();
        using var cancel = new CancellationTokenSource(Bound);
        var following = Task.Run(() => new ReplicaLink(executor, null, _scratch).RunAsync(pipe.Reader.AsStream(), cancel.Token), CancellationToken.None);

        // Plain writes, then a transaction's MULTI and its first writes — in one piece, so that the
        // link reads them together (and, with 1020 before it, its batch of 1024 ends inside the transaction).
        var head = new List<Effect>();
        for (var i = 0; i < before; i++)
            head.Add(Record("SET", $"before:{i}", "1"));
        var plainEnd = EffectBatch.Encode(head, 0).EndOffset;
        head.AddRange([Record("MULTI"), Record("SET", "tx:a", "1"), Record("INCRBY", "tx:n", "5"), Record("SET", "tx:b", "2")]);
        var first = EffectBatch.Encode(head, 0);
        var header = Encoding.ASCII.GetBytes($"CONTINUE {ReplicationIds.New().Id} 0\n");
        await pipe.Writer.WriteAsync(header.Concat(first.Bytes.ToArray()).ToArray(), cancel.Token);

        await Reaches(executor, plainEnd);
        // The plain writes are applied; the transaction is held: its keys absent, the offset at its MULTI.
        Assert.Equal(plainEnd, executor.CommittedOffset);
        ReplyAssert.Bulk(await _replica.Run("GET", $"before:{before - 1}"), "1");
        Assert.True((await _replica.Run("GET", "tx:a")).IsNull);
        Assert.True((await _replica.Run("GET", "tx:n")).IsNull);

        var exec = EffectBatch.Encode([Record("EXEC")], first.EndOffset);
        await pipe.Writer.WriteAsync(exec.Bytes, cancel.Token);
        await Reaches(executor, exec.EndOffset);
        Assert.Equal(exec.EndOffset, executor.CommittedOffset);
        ReplyAssert.Bulk(await _replica.Run("GET", "tx:a"), "1");
        ReplyAssert.Bulk(await _replica.Run("GET", "tx:n"), "5");
        ReplyAssert.Bulk(await _replica.Run("GET", "tx:b"), "2");

        await pipe.Writer.CompleteAsync();
        await following.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_stream_that_ends_inside_a_transaction_leaves_it_unapplied_and_the_offset_at_its_MULTI()
    {
        var executor = _replica.Executor;
        executor.Replication.Follow("http://primary:8379");
        var records = new List<Effect> { Record("SET", "plain", "1") };
        var plainEnd = EffectBatch.Encode(records, 0).EndOffset;
        records.AddRange([Record("MULTI"), Record("SET", "tx:a", "1")]);
        var bytes = Encoding.ASCII.GetBytes($"CONTINUE {ReplicationIds.New().Id} 0\n").Concat(EffectBatch.Encode(records, 0).Bytes.ToArray()).ToArray();

        await new ReplicaLink(executor, null, _scratch).RunAsync(new MemoryStream(bytes), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(plainEnd, executor.CommittedOffset);
        ReplyAssert.Bulk(await _replica.Run("GET", "plain"), "1");
        Assert.True((await _replica.Run("GET", "tx:a")).IsNull);
    }

    [Fact]
    public async Task A_MULTI_EXEC_batch_is_logged_between_MULTI_and_EXEC_records()
    {
        using var primary = new TestEngine();
        var results = await primary.Executor.ExecuteAtomicAsync(
        [
            new CommandRequest([.. new[] { "SET", "a", "1" }.Select(Encoding.UTF8.GetBytes)]),
            new CommandRequest([.. new[] { "SET", "b", "2" }.Select(Encoding.UTF8.GetBytes)]),
        ]);
        Assert.All(results, result => Assert.False(result.Reply.IsError));
        Assert.Equal(["MULTI", "SET a 1", "SET b 2", "EXEC"], primary.Log.Effects);
    }

    [Fact]
    public async Task A_script_inside_a_MULTI_EXEC_batch_joins_its_unit_instead_of_nesting_one()
    {
        using var primary = new TestEngine();
        static CommandRequest Request(params string[] args) => new([.. args.Select(Encoding.UTF8.GetBytes)]);
        await primary.Executor.ExecuteAtomicAsync(
        [
            Request("SET", "x", "0"),
            Request("EVAL", "redis.call('SET', KEYS[1], '1'); redis.call('SET', KEYS[2], '2')", "2", "a", "b"),
        ]);
        Assert.Equal(["MULTI", "SET x 0", "SET a 1", "SET b 2", "EXEC"], primary.Log.Effects);
    }

    private static async Task Reaches(Executor executor, long offset)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (executor.CommittedOffset < offset)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The replica is at {executor.CommittedOffset}, not yet {offset}.");
            await Task.Delay(10);
        }
        // A moment more: a link that (wrongly) applied further would have done so in the same step.
        await Task.Delay(100);
    }
}
