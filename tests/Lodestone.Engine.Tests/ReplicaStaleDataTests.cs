using Lodestone.Engine.Execution;
using Lodestone.Engine.Replication;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Redis's <c>replica-serve-stale-data</c>: a replica whose link is down answers data commands from
/// what it has (yes, the default) or MASTERDOWN (no) — LOADING while a full sync arrives — and the
/// commands Redis flags <c>stale</c> answer either way. Checked in the engine, so every way in gets it.
/// </summary>
public sealed class ReplicaStaleDataTests : IDisposable
{
    private const string MasterDown = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task A_replica_with_its_link_down_serves_stale_data_by_default_and_MASTERDOWN_when_told_not_to()
    {
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        _engine.Executor.Replication.Follow("http://primary:8379", _engine.NowMs);
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "v");
        Assert.Equal("replica-serve-stale-data yes", string.Join(" ", ReplyAssert.Texts(await _engine.Run("CONFIG", "GET", "replica-serve-stale-data"))));

        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "replica-serve-stale-data", "no"));
        Assert.Equal("slave-serve-stale-data no", string.Join(" ", ReplyAssert.Texts(await _engine.Run("CONFIG", "GET", "slave-serve-stale-data"))));
        Assert.Equal(MasterDown, (await _engine.Run("GET", "k")).AsError().Message);
        // As Redis 7.0, PING is not flagged stale; a write is MASTERDOWN before it is READONLY.
        Assert.Equal(MasterDown, (await _engine.Run("PING")).AsError().Message);
        Assert.Equal(MasterDown, (await _engine.Run("SET", "k", "w")).AsError().Message);
        Assert.StartsWith(MasterDown, (await _engine.Run("EVAL", "return redis.call('GET', KEYS[1])", "1", "k")).AsError().Message, StringComparison.Ordinal);
        Assert.Contains("role:slave", Text(await _engine.Run("INFO", "replication")), StringComparison.Ordinal);
        ReplyAssert.Bulk(await _engine.Run("ECHO", "hi"), "hi");
        ReplyAssert.Bulk((await _engine.Run("ROLE")).AsItems()[0], "slave");

        // The link up: data again. A full sync arriving: LOADING.
        _engine.Executor.Replication.Link = ReplicaLinkState.Connected;
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "v");
        _engine.Executor.Replication.SyncInProgress = true;
        Assert.StartsWith("LOADING ", (await _engine.Run("GET", "k")).AsError().Message, StringComparison.Ordinal);
        _engine.Executor.Replication.SyncInProgress = false;

        // Promoted, it is no replica: stale data is no question.
        _engine.Executor.Replication.Link = ReplicaLinkState.Connect;
        ReplyAssert.Ok(await _engine.Run("REPLICAOF", "NO", "ONE"));
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "v");
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "slave-serve-stale-data", "yes"));
        Assert.True(_engine.Executor.Replication.ServeStaleData);
    }

    [Fact]
    public void A_replica_lag_counts_from_when_it_began_to_follow_until_it_hears_from_its_primary()
    {
        var state = _engine.Executor.Replication;
        Assert.Equal(-1, state.LagMs(_engine.NowMs));
        state.Follow("http://primary:8379", 1_000);
        Assert.Equal(500, state.LagMs(1_500));
        state.HeardFromPrimary(1_400);
        Assert.Equal(100, state.LagMs(1_500));
    }

    private static string Text(Reply reply) => System.Text.Encoding.UTF8.GetString(reply.AsBulk().Span);
}
