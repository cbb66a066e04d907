namespace Lodestone.Engine.Tests;

/// <summary>
/// A replica never expires on its own — its primary's HDEL removes an expired hash field — but its
/// readers do not see a field whose time has passed, as they see no key whose time has passed.
/// </summary>
public sealed class ReplicaFieldExpiryTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task A_replica_hides_expired_hash_fields_from_reads_and_keeps_them_for_its_primarys_hdel()
    {
        await _engine.Run("HSET", "h", "gone", "1", "kept", "2");
        await _engine.Run("HSET", "only", "f", "1");
        Assert.Equal(1, (await _engine.Run("HPEXPIRE", "h", "100", "FIELDS", "1", "gone")).AsItems()[0].AsInteger());
        Assert.Equal(1, (await _engine.Run("HPEXPIRE", "only", "100", "FIELDS", "1", "f")).AsItems()[0].AsInteger());
        _engine.Executor.Replication.Follow("http://primary:8379");
        var digest = await _engine.Run("DEBUG", "DIGEST");
        _engine.Advance(TimeSpan.FromMilliseconds(500));

        ReplyAssert.Null(await _engine.Run("HGET", "h", "gone"));
        ReplyAssert.Bulk(await _engine.Run("HGET", "h", "kept"), "2");
        ReplyAssert.Integer(await _engine.Run("HLEN", "h"), 1);
        ReplyAssert.Integer(await _engine.Run("HEXISTS", "h", "gone"), 0);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "only"), 0);
        ReplyAssert.Null(await _engine.Run("HGET", "only", "f"));
        // Nothing was removed: the data is the primary's until its HDEL arrives.
        Assert.Equal(digest.ToString(), (await _engine.Run("DEBUG", "DIGEST")).ToString());
        Assert.Equal(2, _engine.Executor.Data.Count);
    }
}
