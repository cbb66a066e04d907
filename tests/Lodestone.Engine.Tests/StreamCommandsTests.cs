using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.PubSub;
using Lodestone.Engine.Security;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Streams beyond what the Redis tables (RedisTablesTests) check: generated ids on the engine's
/// clock, blocking reads, the effects the log gets, keyspace events, key positions and the other
/// commands that meet a stream (TYPE, SCAN, COPY, MEMORY USAGE).
/// </summary>
public sealed partial class StreamCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private static byte[][] Argv(params string[] args) => args.Select(Encoding.UTF8.GetBytes).ToArray();

    private Task<CommandResult> Blocking(params string[] args) => _engine.Executor.ExecuteAsync(new CommandRequest(Argv(args)));

    private async Task Parked(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_engine.Executor.BlockedCount != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Expected {count} blocked callers, have {_engine.Executor.BlockedCount}.");
            await Task.Delay(5);
        }
    }

    private static string Ids(Reply reply) => string.Join(' ', reply.AsItems().Select(entry => Encoding.UTF8.GetString(entry.AsItems()[0].AsBulk().Span)));

    [Fact]
    public async Task Generated_ids_come_from_the_engine_clock_and_are_logged_as_the_ids_they_became()
    {
        var now = _engine.NowMs;
        ReplyAssert.Bulk(await _engine.Run("XADD", "s", "*", "f", "v"), $"{now}-0");
        ReplyAssert.Bulk(await _engine.Run("XADD", "s", "*", "f", "v"), $"{now}-1");
        ReplyAssert.Bulk(await _engine.Run("XADD", "s", $"{now}-*", "f", "v"), $"{now}-2");
        _engine.Advance(TimeSpan.FromMilliseconds(5));
        ReplyAssert.Bulk(await _engine.Run("XADD", "s", "*", "f", "v"), $"{now + 5}-0");
        // A clock behind the last id: the sequence goes on from it.
        await _engine.Run("XADD", "s", $"{now + 100}-7", "f", "v");
        ReplyAssert.Bulk(await _engine.Run("XADD", "s", "*", "f", "v"), $"{now + 100}-8");

        Assert.Equal([
            $"XADD s {now}-0 f v", $"XADD s {now}-1 f v", $"XADD s {now}-2 f v", $"XADD s {now + 5}-0 f v",
            $"XADD s {now + 100}-7 f v", $"XADD s {now + 100}-8 f v",
        ], _engine.Log.Effects);
    }

    [Fact]
    public async Task An_approximate_trim_is_logged_as_the_exact_length_it_came_to()
    {
        for (var i = 1; i <= 250; i++)
            await _engine.Run("XADD", "s", $"{i}-0", "f", "v");
        _engine.Log.Clear();

        // Whole blocks of 100 go: 251 entries down to 151, then 51.
        await _engine.Run("XADD", "s", "MAXLEN", "~", "100", "251-0", "f", "v");
        ReplyAssert.Integer(await _engine.Run("XLEN", "s"), 151);
        ReplyAssert.Integer(await _engine.Run("XTRIM", "s", "MAXLEN", "~", "10"), 100);
        ReplyAssert.Integer(await _engine.Run("XTRIM", "s", "MINID", "~", "250"), 0);
        await _engine.Run("XADD", "s", "MAXLEN", "=", "40", "252-0", "f", "v");

        Assert.Equal([
            "XADD s MAXLEN = 151 251-0 f v", "XTRIM s MAXLEN = 51", "XADD s MAXLEN = 40 252-0 f v",
        ], _engine.Log.Effects);
    }

    [Fact]
    public async Task Keyspace_events_are_the_ones_redis_server_sends_for_streams()
    {
        await _engine.Run("CONFIG", "SET", "notify-keyspace-events", "KEA");
        using var events = _engine.Executor.PubSub.Open()!;
        events.Subscribe(SubscriptionKind.Pattern, [Encoding.UTF8.GetBytes("__keyevent*")]);

        // Recorded from redis-server 7.0 (psubscribe '__keyevent*').
        string[][] commands =
        [
            ["XADD", "s", "1-1", "f", "v"], ["XADD", "s", "MAXLEN", "1", "2-1", "f", "v"], ["XADD", "s", "MAXLEN", "5", "3-1", "f", "v"], ["XDEL", "s", "3-1"],
            ["XDEL", "s", "9-9"], ["XTRIM", "s", "MAXLEN", "0"], ["XTRIM", "s", "MAXLEN", "0"], ["XGROUP", "CREATE", "s", "g", "0"],
            ["XGROUP", "CREATE", "s2", "g", "0", "MKSTREAM"], ["XGROUP", "CREATECONSUMER", "s", "g", "c"], ["XGROUP", "CREATECONSUMER", "s", "g", "c"],
            ["XADD", "s", "5-1", "f", "v"], ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"], ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", "0"],
            ["XACK", "s", "g", "5-1"], ["XCLAIM", "s", "g", "c3", "0", "5-1", "FORCE"], ["XAUTOCLAIM", "s", "g", "c4", "0", "0"], ["XGROUP", "SETID", "s", "g", "0"],
            ["XGROUP", "DELCONSUMER", "s", "g", "c"], ["XGROUP", "DELCONSUMER", "s", "g", "zz"], ["XGROUP", "DESTROY", "s", "g"], ["XSETID", "s", "9-9"],
            ["XADD", "s", "NOMKSTREAM", "MAXLEN", "~", "0", "10-1", "f", "v"], ["DEL", "s2"],
        ];
        foreach (var command in commands)
            await _engine.Run(command);

        var seen = new List<string>();
        while (events.Messages.TryRead(out var message))
        {
            if (message.Payload is null)
                continue;
            seen.Add($"{Encoding.UTF8.GetString(message.Channel!)["__keyevent@0__:".Length..]} {Encoding.UTF8.GetString(message.Payload)}");
        }
        Assert.Equal([
            "xadd s", "xadd s", "xtrim s", "xadd s", "xdel s", "xtrim s", "xgroup-create s", "xgroup-create s2", "xgroup-createconsumer s", "xadd s",
            "xgroup-createconsumer s", "xgroup-createconsumer s", "xgroup-createconsumer s", "xgroup-setid s", "xgroup-delconsumer s", "xgroup-destroy s",
            "xsetid s", "xadd s", "xtrim s", "del s2",
        ], seen);
    }

    [Fact]
    public async Task XREAD_and_XREADGROUP_name_the_keys_after_STREAMS_for_ACLs_and_events()
    {
        ReplyAssert.BulkArray(await _engine.Run("COMMAND", "GETKEYS", "XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "$"), "a", "b");
        ReplyAssert.BulkArray(await _engine.Run("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "streams", "c", "STREAMS", "x", ">"), "x");
        ReplyAssert.BulkArray(await _engine.Run("COMMAND", "GETKEYS", "XREAD", "STREAMS", "STREAMS", "a", "0", "0"), "STREAMS", "a");
        ReplyAssert.BulkArray(await _engine.Run("COMMAND", "GETKEYS", "XGROUP", "CREATE", "k", "g", "$"), "k");
    }

    [Fact]
    public async Task Key_patterns_apply_to_the_streams_after_STREAMS_and_not_to_ids_or_group_names()
    {
        var scoped = new AclUser("app", AclRole.Write, [Encoding.UTF8.GetBytes("app:*")]);
        Task<CommandResult> RunAs(params string[] args) => _engine.Executor.ExecuteAsync(new CommandRequest(Argv(args)) { User = scoped });
        await _engine.Run("XADD", "app:s", "1-1", "f", "v");
        await _engine.Run("XADD", "other", "1-1", "f", "v");
        await _engine.Run("XGROUP", "CREATE", "app:s", "g", "0");

        Assert.False((await RunAs("XREAD", "COUNT", "1", "STREAMS", "app:s", "0")).Reply.IsError);
        ReplyAssert.Error((await RunAs("XREAD", "STREAMS", "app:s", "other", "0", "0")).Reply, ErrorKind.NoPermission);
        Assert.False((await RunAs("XREADGROUP", "GROUP", "g", "c", "STREAMS", "app:s", ">")).Reply.IsError);
        ReplyAssert.Error((await RunAs("XREADGROUP", "GROUP", "g", "c", "STREAMS", "other", ">")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Error((await RunAs("XADD", "other", "*", "f", "v")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Error((await RunAs("XGROUP", "CREATE", "other", "g", "0")).Reply, ErrorKind.NoPermission);
    }

    [Fact]
    public async Task A_stream_is_a_type_for_TYPE_SCAN_COPY_and_MEMORY_USAGE()
    {
        await _engine.Run("XADD", "s", "1-1", "f", "v");
        await _engine.Run("XGROUP", "CREATE", "s", "g", "0");
        await _engine.Run("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">");
        await _engine.Run("SET", "str", "x");

        ReplyAssert.Simple(await _engine.Run("TYPE", "s"), "stream");
        ReplyAssert.Bulk(await _engine.Run("OBJECT", "ENCODING", "s"), "stream");
        ReplyAssert.BulkArray((await _engine.Run("SCAN", "0", "TYPE", "stream")).AsItems()[1], "s");
        ReplyAssert.Integer(await _engine.Run("COPY", "s", "t"), 1);
        await _engine.Run("XACK", "s", "g", "1-1");
        // The copy has its own groups and pending entries.
        Assert.Equal(1, (await _engine.Run("XPENDING", "t", "g")).AsItems()[0].AsInteger());
        Assert.Equal(0, (await _engine.Run("XPENDING", "s", "g")).AsItems()[0].AsInteger());
        // As in Redis (4,728 bytes for one entry there), a stream's open block reserves 4 KB.
        var usage = (await _engine.Run("MEMORY", "USAGE", "s")).AsInteger();
        Assert.InRange(usage, 4_500, 5_500);
        ReplyAssert.Ok(await _engine.Run("RENAME", "t", "u"));
        Assert.Equal(Ids(await _engine.Run("XRANGE", "s", "-", "+")), Ids(await _engine.Run("XRANGE", "u", "-", "+")));
    }

    [Fact]
    public async Task XREAD_BLOCK_with_dollar_waits_for_entries_added_after_it_parked()
    {
        await _engine.Run("XADD", "s", "1-1", "f", "old");
        var read = Blocking("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
        await Parked(1);

        await _engine.Run("XADD", "other", "1-1", "f", "v");
        await _engine.Run("XADD", "s", "2-1", "f", "new");

        var reply = (await read).Reply;
        Assert.Equal("s", Encoding.UTF8.GetString(reply.AsItems()[0].AsItems()[0].AsBulk().Span));
        Assert.Equal("2-1", Ids(reply.AsItems()[0].AsItems()[1]));
        Assert.Equal(0, _engine.Executor.BlockedCount);
    }

    [Fact]
    public async Task XREAD_BLOCK_times_out_with_nil_and_a_caller_that_leaves_is_unparked()
    {
        var read = Blocking("XREAD", "BLOCK", "1500", "STREAMS", "s", "0");
        await Parked(1);
        _engine.Advance(TimeSpan.FromMilliseconds(1500));
        ReplyAssert.Null((await read).Reply);

        using var leaving = new CancellationTokenSource();
        var abandoned = _engine.Executor.ExecuteAsync(new CommandRequest(Argv("XREAD", "BLOCK", "0", "STREAMS", "s", "$")) { Aborted = leaving.Token });
        await Parked(1);
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await Parked(0);

        // A timeout past what a TimeSpan holds is still a wait (clamped), not a failure.
        var huge = Blocking("XREAD", "BLOCK", "9000000000000000", "STREAMS", "s", "$");
        await Parked(1);
        await _engine.Run("XADD", "s", "5-5", "f", "v");
        Assert.Equal("5-5", Ids((await huge).Reply.AsItems()[0].AsItems()[1]));

        // BLOCK 0 waits only as long as the caller's cap, then answers nil.
        var capped = _engine.Executor.ExecuteAsync(new CommandRequest(Argv("XREAD", "BLOCK", "0", "STREAMS", "s", "$")) { MaxBlock = TimeSpan.FromSeconds(2) });
        await Parked(1);
        _engine.Advance(TimeSpan.FromSeconds(2));
        ReplyAssert.Null((await capped).Reply);
    }

    [Fact]
    public async Task XREADGROUP_BLOCK_is_served_by_XADD_and_logged_as_claims()
    {
        await _engine.Run("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        _engine.Log.Clear();
        var read = Blocking("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
        await Parked(1);

        await _engine.Run("XADD", "s", "7-1", "f", "v");

        Assert.Equal("7-1", Ids((await read).Reply.AsItems()[0].AsItems()[1]));
        var now = _engine.NowMs;
        Assert.Equal([
            "XADD s 7-1 f v", "XGROUP CREATECONSUMER s g c",
            $"XCLAIM s g c 0 7-1 TIME {now} RETRYCOUNT 1 FORCE JUSTID LASTID 7-1", "XGROUP SETID s g 7-1 ENTRIESREAD 1",
        ], _engine.Log.Effects);
    }

    [Fact]
    public async Task A_parked_XREADGROUP_answers_as_Redis_7_when_its_stream_is_deleted_or_its_group_destroyed()
    {
        await _engine.Run("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        var onDeleted = Blocking("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
        await Parked(1);
        await _engine.Run("DEL", "s");
        ReplyAssert.Error((await onDeleted).Reply, "UNBLOCKED the stream key no longer exists");

        await _engine.Run("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
        var onDestroyed = Blocking("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
        await Parked(1);
        await _engine.Run("XGROUP", "DESTROY", "s", "g");
        ReplyAssert.Error((await onDestroyed).Reply, "NOGROUP the consumer group this client was blocked on no longer exists");

        // A plain XREAD keeps waiting through a deletion, and is served by the stream made again.
        var plain = Blocking("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
        await Parked(1);
        await _engine.Run("DEL", "s");
        await _engine.Run("PING");
        Assert.False(plain.IsCompleted);
        await _engine.Run("XADD", "s", "1-1", "f", "v");
        Assert.Equal("1-1", Ids((await plain).Reply.AsItems()[0].AsItems()[1]));
    }

    [Fact]
    public async Task Pending_idle_times_and_claims_follow_the_engine_clock()
    {
        await _engine.Run("XADD", "s", "1-1", "f", "v");
        await _engine.Run("XADD", "s", "2-1", "f", "v");
        await _engine.Run("XGROUP", "CREATE", "s", "g", "0");
        await _engine.Run("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">");
        _engine.Advance(TimeSpan.FromSeconds(10));

        var pending = (await _engine.Run("XPENDING", "s", "g", "IDLE", "9000", "-", "+", "10")).AsItems();
        Assert.Equal(2, pending.Count);
        Assert.Equal(10_000, pending[0].AsItems()[2].AsInteger());
        ReplyAssert.Integer((await _engine.Run("XINFO", "CONSUMERS", "s", "g")).AsItems()[0].AsItems()[5], 10_000);

        Assert.Empty((await _engine.Run("XCLAIM", "s", "g", "bob", "20000", "1-1")).AsItems());
        Assert.Equal("1-1", Ids(await _engine.Run("XCLAIM", "s", "g", "bob", "5000", "1-1")));
        var auto = (await _engine.Run("XAUTOCLAIM", "s", "g", "carol", "5000", "0", "JUSTID")).AsItems();
        ReplyAssert.BulkArray(auto[1], "2-1");
        var rows = (await _engine.Run("XPENDING", "s", "g", "-", "+", "10")).AsItems();
        Assert.Equal(["1-1 bob 0 2", "2-1 carol 0 1"], rows.Select(row => string.Join(' ', ReplyAssert.Texts(row))));

        // TIME sets the delivery time (a future one is now), IDLE counts back from now.
        await _engine.Run("XCLAIM", "s", "g", "bob", "0", "2-1", "TIME", (_engine.NowMs - 700).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(700, (await _engine.Run("XPENDING", "s", "g", "2-1", "2-1", "1")).AsItems()[0].AsItems()[2].AsInteger());
        await _engine.Run("XCLAIM", "s", "g", "bob", "0", "2-1", "IDLE", "300");
        Assert.Equal(300, (await _engine.Run("XPENDING", "s", "g", "2-1", "2-1", "1")).AsItems()[0].AsItems()[2].AsInteger());
    }
}
