using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Replication;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Replication without HTTP: a primary's <see cref="ReplicationSource"/> piped into a replica's
/// <see cref="ReplicaLink"/>, both engines driven as callers drive them.
/// </summary>
public sealed class ReplicationTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TestEngine _primary = new();
    private readonly TestEngine _replica = new();
    private readonly string _scratch = Directory.CreateTempSubdirectory("lodestone-repl-").FullName;

    public void Dispose()
    {
        _primary.Dispose();
        _replica.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public async Task A_replica_gets_a_full_sync_then_the_stream_and_ends_with_the_same_data_and_versions()
    {
        await Workload(_primary, "before", 200);
        ReplyAssert.Bulk(await _primary.Run("FUNCTION", "LOAD", "#!lua name=before\nredis.register_function('hi', function() return 'hi' end)"), "before");
        // The replica's own library goes: after a full sync it holds what its primary holds.
        ReplyAssert.Bulk(await _replica.Run("FUNCTION", "LOAD", "#!lua name=mine\nredis.register_function('mine', function() return 1 end)"), "mine");
        _replica.Executor.Replication.Follow("http://primary:8379");
        using var cancel = new CancellationTokenSource(Bound);
        var (writing, following, session) = await Connect(null, -1, cancel.Token);
        Assert.StartsWith("FULLRESYNC " + _primary.Executor.Replication.Ids.Id, session.Header);

        await Workload(_primary, "after", 200);
        await CaughtUp();
        Assert.Equal(await Digest(_primary), await Digest(_replica));
        Assert.Equal(await VersionOf(_primary, "before:s:7"), await VersionOf(_replica, "before:s:7"));
        Assert.Equal(await VersionOf(_primary, "after:h:3"), await VersionOf(_replica, "after:h:3"));
        Assert.Equal(_primary.Executor.Replication.Ids.Id, _replica.Executor.Replication.Ids.Id);
        Assert.Equal(1, _primary.Executor.Replication.SyncFull);
        // Function libraries come with the snapshot (and later ones with the stream).
        ReplyAssert.Bulk(await _replica.Run("FCALL", "hi", "0"), "hi");
        Assert.StartsWith("ERR Function not found", (await _replica.Run("FCALL", "mine", "0")).AsError().Message, StringComparison.Ordinal);
        // The replica holds a backlog of its own: promoted, it can serve partial resyncs.
        Assert.True(_replica.Executor.Effects.BacklogActive);
        await cancel.CancelAsync();
        await Ended(writing, following);
        session.Dispose();
    }

    [Fact]
    public async Task A_replica_that_reconnects_with_its_id_and_offset_gets_only_what_it_missed()
    {
        await Workload(_primary, "one", 50);
        await SyncInFullAndDisconnect();
        await Workload(_primary, "two", 50);
        using var second = new CancellationTokenSource(Bound);
        var ids = _replica.Executor.Replication.Ids;
        var again = await Connect(ids.Id, _replica.Executor.CommittedOffset, second.Token);
        Assert.StartsWith("CONTINUE ", again.Session.Header);
        await CaughtUp();
        Assert.Equal(await Digest(_primary), await Digest(_replica));
        Assert.Equal(1, _primary.Executor.Replication.SyncFull);
        Assert.Equal(1, _primary.Executor.Replication.SyncPartialOk);
        await second.CancelAsync();
        await Ended(again.Writing, again.Following);
        again.Session.Dispose();
    }

    [Fact]
    public async Task A_record_whose_checksum_fails_is_never_applied_and_ends_the_link()
    {
        _replica.Executor.Replication.Follow("http://primary:8379");
        var start = _replica.Executor.CommittedOffset;
        var set = new Effect(["SET"u8.ToArray(), "k"u8.ToArray(), "v"u8.ToArray()], 5);
        var batch = Effects.EffectBatch.Encode([set], start);
        Assert.Equal(Persistence.Aof.AofFormat.RecordSize(set), batch.Bytes.Length);
        var bytes = batch.Bytes.ToArray();
        bytes[^1] ^= 0x40; // one bit of the value
        var wire = new MemoryStream();
        wire.Write(Encoding.ASCII.GetBytes($"CONTINUE {_replica.Executor.Replication.Ids.Id} {start}\n"));
        wire.Write(bytes);
        wire.Position = 0;
        var link = new ReplicaLink(_replica.Executor, null, _scratch);
        var refused = await Assert.ThrowsAsync<ReplicationStreamException>(() => link.RunAsync(wire, CancellationToken.None));
        Assert.Contains("checksum", refused.Message);
        Assert.Equal(start, _replica.Executor.CommittedOffset);
        ReplyAssert.Null(await _replica.Run("GET", "k"));
    }

    [Fact]
    public async Task A_replica_refuses_writes_with_READONLY_and_neither_expires_nor_evicts_on_its_own()
    {
        await _replica.Run("SET", "gone", "v", "PX", "100");
        _replica.Executor.Replication.Follow("http://primary:8379");
        var refused = await _replica.Run("SET", "k", "v");
        Assert.Equal("READONLY You can't write against a read only replica.", refused.AsError().Message);
        Assert.Equal(ErrorKind.ReadOnly, refused.AsError().Kind);
        Assert.NotNull(_replica.Executor.Check([.. new[] { "LPUSH", "l", "x" }.Select(Encoding.UTF8.GetBytes)]));
        ReplyAssert.Bulk(await _replica.Run("GET", "gone"), "v");
        var offset = _replica.Executor.CommittedOffset;
        _replica.Advance(TimeSpan.FromSeconds(5));
        // Hidden from reads, but not deleted: nothing is logged, the offset does not move.
        ReplyAssert.Null(await _replica.Run("GET", "gone"));
        Assert.Equal(0, (await _replica.Run("EXISTS", "gone")).AsInteger());
        Assert.Equal(offset, _replica.Executor.CommittedOffset);
    }

    [Fact]
    public async Task A_script_on_a_replica_reads_but_its_writes_are_refused_with_READONLY()
    {
        await _replica.Run("SET", "k", "v");
        _replica.Executor.Replication.Follow("http://primary:8379");
        ReplyAssert.Bulk(await _replica.Run("EVAL", "return redis.call('GET', KEYS[1])", "1", "k"), "v");
        var refused = await _replica.Run("EVAL", "return redis.call('SET', KEYS[1], 'w')", "1", "k");
        Assert.StartsWith("READONLY You can't write against a read only replica.", refused.AsError().Message, StringComparison.Ordinal);
        ReplyAssert.Bulk(await _replica.Run("GET", "k"), "v");
    }

    [Fact]
    public async Task Promotion_gives_a_new_id_and_keeps_the_old_as_replid2_so_other_replicas_continue()
    {
        _replica.Executor.Replication.Follow("http://primary:8379");
        var before = _replica.Executor.Replication.Ids.Id;
        ReplyAssert.Ok(await _replica.Run("REPLICAOF", "NO", "ONE"));
        var ids = _replica.Executor.Replication.Ids;
        Assert.NotEqual(before, ids.Id);
        Assert.Equal(before, ids.Id2);
        Assert.Equal(_replica.Executor.CommittedOffset + 1, ids.SecondOffset);
        Assert.True(ids.Continues(before, _replica.Executor.CommittedOffset));
        var info = Text(await _replica.Run("INFO", "replication"));
        Assert.Contains("role:master", info);
        Assert.Contains("master_replid2:" + before, info);
        ReplyAssert.Ok(await _replica.Run("SET", "k", "v"));
    }

    [Fact]
    public async Task REPLICAOF_and_ROLE_answer_as_Redis_does()
    {
        Assert.Equal("ERR Invalid master port", (await _replica.Run("REPLICAOF", "127.0.0.1", "notaport")).AsError().Message);
        ReplyAssert.Ok(await _replica.Run("REPLICAOF", "127.0.0.1", "6380"));
        Assert.Equal("OK Already connected to specified master", (await _replica.Run("SLAVEOF", "127.0.0.1", "6380")).AsSimple());
        var role = (await _replica.Run("ROLE")).AsItems();
        Assert.Equal("slave", Text(role[0]));
        Assert.Equal("127.0.0.1", Text(role[1]));
        Assert.Equal(6380, role[2].AsInteger());
        var info = Text(await _replica.Run("INFO", "replication"));
        Assert.Contains("role:slave", info);
        Assert.Contains("master_port:6380", info);
        Assert.Contains("master_link_status:down", info);
        var primaryRole = (await _primary.Run("ROLE")).AsItems();
        Assert.Equal("master", Text(primaryRole[0]));
        Assert.Contains("sync_full:0", Text(await _primary.Run("INFO", "stats")));
    }

    [Fact]
    public async Task A_replica_with_a_log_keeps_what_it_synced_and_its_history_across_a_restart_and_then_continues()
    {
        await Workload(_primary, "a", 100);
        var directory = Path.Combine(_scratch, "replica");
        var options = new Persistence.PersistenceOptions { DataDirectory = directory, AppendFsync = Persistence.AppendFsync.Always };
        (Executor, Persistence.AppendOnlyLog) Open()
        {
            var log = new Persistence.AppendOnlyLog(Persistence.LocalFileSystem.Instance, options, TimeProvider.System);
            var executor = new Executor(new EngineOptions(), TimeProvider.System, [log]);
            executor.Replication.Follow("http://primary:8379");
            executor.BeginLoading();
            log.Recover(executor);
            return (executor, log);
        }
        var (replica, replicaLog) = Open();
        using (var cancel = new CancellationTokenSource(Bound))
        {
            var (writing, following, session) = await Connect(null, -1, replica, replicaLog, cancel.Token);
            await Workload(_primary, "b", 100);
            await CaughtUp(replica);
            await cancel.CancelAsync();
            await Ended(writing, following);
            session.Dispose();
        }
        var applied = replica.CommittedOffset;
        replica.Dispose();
        replicaLog.Dispose();

        (replica, replicaLog) = Open();
        try
        {
            Assert.Equal(applied, replica.CommittedOffset);
            Assert.Equal(_primary.Executor.Replication.Ids.Id, replica.Replication.Ids.Id);
            Assert.Equal(await Digest(_primary), Text(await replica.ExecuteAsync("DEBUG"u8.ToArray(), "DIGEST"u8.ToArray())));
            await Workload(_primary, "c", 50);
            using var cancel = new CancellationTokenSource(Bound);
            var again = await Connect(replica.Replication.Ids.Id, replica.CommittedOffset, replica, replicaLog, cancel.Token);
            Assert.StartsWith("CONTINUE ", again.Session.Header);
            await CaughtUp(replica);
            Assert.Equal(await Digest(_primary), Text(await replica.ExecuteAsync("DEBUG"u8.ToArray(), "DIGEST"u8.ToArray())));
            await cancel.CancelAsync();
            await Ended(again.Writing, again.Following);
            again.Session.Dispose();
        }
        finally
        {
            replica.Dispose();
            replicaLog.Dispose();
        }
    }

    /// <summary>
    /// PSYNC2 down a chain: when a replica learns, by a partial resync, that its primary's history goes
    /// on under a new id (a promotion), it takes that id and keeps its old one as replid2 — so its own
    /// replica, still on the old id, continues from it partially — and ends the streams it serves.
    /// </summary>
    [Fact]
    public async Task A_middle_replica_that_continues_a_promoted_primary_keeps_its_old_id_for_its_own_replicas()
    {
        await Workload(_primary, "a", 50);
        await SyncInFullAndDisconnect();
        var oldId = _replica.Executor.Replication.Ids.Id;
        var offset = _replica.Executor.CommittedOffset;
        var detached = _replica.Executor.Replication.ReplicasDetached;

        // The primary is promoted (as a replica of it would be): a new id, the old one kept up to here.
        _primary.Executor.Replication.Follow("http://elsewhere:8379");
        Assert.True(_primary.Executor.Replication.Promote(_primary.Executor.CommittedOffset));
        var newId = _primary.Executor.Replication.Ids.Id;
        await Workload(_primary, "b", 20);

        using var second = new CancellationTokenSource(Bound);
        var again = await Connect(oldId, offset, second.Token);
        Assert.StartsWith("CONTINUE " + newId, again.Session.Header);
        await CaughtUp();

        var ids = _replica.Executor.Replication.Ids;
        Assert.Equal(newId, ids.Id);
        Assert.Equal(oldId, ids.Id2);
        Assert.Equal(offset + 1, ids.SecondOffset);
        Assert.True(detached.IsCancellationRequested, "the streams the middle replica served were not ended");
        // A replica of the middle one, at the old id and offset, continues from it.
        using var third = new CancellationTokenSource(Bound);
        using (var session = await new ReplicationSource(_replica.Executor).OpenAsync(oldId, offset, null, third.Token))
            Assert.StartsWith("CONTINUE " + newId, session.Header);
        Assert.Equal(0, _replica.Executor.Replication.SyncFull);
        await second.CancelAsync();
        await Ended(again.Writing, again.Following);
        again.Session.Dispose();
    }

    private Task<(Task Writing, Task Following, ReplicationSession Session)> Connect(string? replid, long offset, CancellationToken cancel) =>
        Connect(replid, offset, _replica.Executor, null, cancel);

    private async Task<(Task Writing, Task Following, ReplicationSession Session)> Connect(
        string? replid, long offset, Executor replica, Persistence.AppendOnlyLog? replicaLog, CancellationToken cancel)
    {
        var session = await new ReplicationSource(_primary.Executor).OpenAsync(replid, offset, null, cancel);
        var pipe = new Pipe();
        var writing = Task.Run(async () =>
        {
            try
            {
                await session.WriteToAsync(pipe.Writer.AsStream(), cancel);
            }
            finally
            {
                await pipe.Writer.CompleteAsync();
            }
        }, CancellationToken.None);
        var link = new ReplicaLink(replica, replicaLog, _scratch);
        var following = Task.Run(() => link.RunAsync(pipe.Reader.AsStream(), cancel), CancellationToken.None);
        return (writing, following, session);
    }

    /// <summary>The replica follows the primary, syncs in full, catches up, and the link ends.</summary>
    private async Task SyncInFullAndDisconnect()
    {
        _replica.Executor.Replication.Follow("http://primary:8379");
        using var first = new CancellationTokenSource(Bound);
        var (writing, following, session) = await Connect(null, -1, first.Token);
        await CaughtUp();
        await first.CancelAsync();
        await Ended(writing, following);
        session.Dispose();
    }

    private static async Task Ended(Task writing, Task following)
    {
        try
        {
            await Task.WhenAll(writing, following).WaitAsync(Bound);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task CaughtUp() => CaughtUp(_replica.Executor);

    private async Task CaughtUp(Executor replica)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (replica.CommittedOffset != _primary.Executor.CommittedOffset)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The replica is at {replica.CommittedOffset}, the primary at {_primary.Executor.CommittedOffset}.");
            await Task.Delay(10);
        }
    }

    private static async Task<string> Digest(TestEngine engine) => Text(await engine.Run("DEBUG", "DIGEST"));

    private static string Text(Reply reply) => reply.Kind == ReplyKind.SimpleString ? reply.AsSimple() : Encoding.UTF8.GetString(reply.AsBulk().Span);

    private static async Task<long> VersionOf(TestEngine engine, string key)
    {
        var k = Encoding.UTF8.GetBytes(key);
        var result = await engine.Executor.ExecuteAsync(new CommandRequest([Encoding.UTF8.GetBytes("EXISTS"), k], k));
        Assert.True(result.Before.Exists, key);
        return result.Before.Version;
    }

    /// <summary>Writes of every family, with TTLs, overwrites and deletions.</summary>
    private static async Task Workload(TestEngine engine, string prefix, int count)
    {
        var random = new Random(count);
        for (var i = 0; i < count; i++)
        {
            var n = (i % 10).ToString(System.Globalization.CultureInfo.InvariantCulture);
            switch (random.Next(8))
            {
                case 0: await engine.Run("SET", $"{prefix}:s:{n}", $"v{i}", "EX", "1000"); break;
                case 1: await engine.Run("RPUSH", $"{prefix}:l:{n}", $"a{i}", $"b{i}"); break;
                case 2: await engine.Run("HSET", $"{prefix}:h:{n}", $"f{i % 3}", $"{i}"); break;
                case 3: await engine.Run("ZADD", $"{prefix}:z:{n}", $"{i}.5", $"m{i % 4}"); break;
                case 4: await engine.Run("SADD", $"{prefix}:set:{n}", $"m{i}"); break;
                case 5: await engine.Run("INCRBY", $"{prefix}:c:{n}", "3"); break;
                case 6: await engine.Run("LPOP", $"{prefix}:l:{n}"); break;
                default: await engine.Run("DEL", $"{prefix}:set:{n}"); break;
            }
        }
        for (var i = 0; i < 10; i++)
        {
            await engine.Run("SET", $"{prefix}:s:{i}", $"last{i}");
            await engine.Run("HSET", $"{prefix}:h:{i}", "f", "x");
        }
    }
}
