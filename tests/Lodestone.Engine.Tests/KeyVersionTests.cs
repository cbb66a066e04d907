using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Key versions (ETags) come from the effect records: a write command gives every key it writes one
/// version, each of its effects carries it, and whoever applies the records gets the same versions.
/// </summary>
public sealed class KeyVersionTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private Task<long> Version(string key) => KeyspaceDigest.VersionAsync(_engine.Executor, key);

    [Fact]
    public async Task Every_key_a_command_writes_gets_its_one_version_and_each_of_its_effects_carries_it()
    {
        await _engine.Run("SADD", "from", "m", "n", "o");
        _engine.Log.Clear();

        await _engine.Run("MSET", "a", "1", "b", "2");
        // SET with a TTL writes the key twice (value, then expiry) but takes one version.
        await _engine.Run("SET", "t", "v", "EX", "10");
        // SMOVE writes two keys; its effect is the command itself.
        await _engine.Run("SMOVE", "from", "to", "m");
        // SPOP is logged as the SREM it did (a propagated effect).
        await _engine.Run("SPOP", "from");

        var records = _engine.Log.Records;
        Assert.Equal(["MSET", "SET", "SMOVE", "SREM"], records.Select(r => Encoding.UTF8.GetString(r.Args[0])));
        Assert.Equal([await Version("a"), await Version("b")], [records[0].Version, records[0].Version]);
        Assert.Equal(await Version("t"), records[1].Version);
        Assert.Equal(await Version("to"), records[2].Version);
        Assert.Equal(await Version("from"), records[3].Version);
        Assert.All(records, r => Assert.True(r.Version > 0));
        Assert.Equal(records.Count, records.Select(r => r.Version).Distinct().Count());
        // Increasing, command after command.
        Assert.Equal(records.Select(r => r.Version).Order(), records.Select(r => r.Version));
    }

    [Fact]
    public async Task Deletions_expiries_and_writes_that_change_nothing_carry_no_version_and_leave_versions_alone()
    {
        await _engine.Run("SET", "k", "v");
        await _engine.Run("SET", "short", "v", "PX", "10");
        var version = await Version("k");
        _engine.Log.Clear();

        await _engine.Run("DEL", "k");
        _engine.Advance(TimeSpan.FromMilliseconds(20));
        await _engine.Run("GET", "short");
        await _engine.Run("SADD", "s", "m");
        var set = await Version("s");
        await _engine.Run("SADD", "s", "m");

        Assert.Equal(["DEL k", "DEL short", "SADD s m"], _engine.Log.Effects);
        Assert.Equal([0, 0, set], _engine.Log.Records.Select(r => r.Version));
        Assert.Equal(set, await Version("s"));
        Assert.True(set > version);
    }

    /// <summary>Writes of every family, with copies, renames, expiries, a flush, locks and rate limits.</summary>
    private async Task Workload()
    {
        await _engine.Run("SET", "s", "1");
        await _engine.Run("INCRBYFLOAT", "s", "0.5");
        await _engine.Run("APPEND", "s", "x");
        await _engine.Run("SETRANGE", "s", "0", "ab");
        await _engine.Run("SET", "gone", "v");
        await _engine.Run("FLUSHALL");
        await _engine.Run("MSET", "a", "1", "b", "2", "c", "3");
        await _engine.Run("GETEX", "a", "PX", "100000");
        await _engine.Run("PERSIST", "a");
        await _engine.Run("EXPIRE", "b", "100");
        await _engine.Run("COPY", "b", "b2");
        await _engine.Run("COPY", "a", "b2", "REPLACE");
        await _engine.Run("RENAME", "c", "c2");
        await _engine.Run("RENAMENX", "c2", "c3");
        await _engine.Run("RPUSH", "l", "1", "2", "3");
        await _engine.Run("LMOVE", "l", "l2", "LEFT", "RIGHT");
        await _engine.Run("LPOP", "l");
        await _engine.Run("SADD", "set", "x", "y", "z");
        await _engine.Run("SPOP", "set");
        await _engine.Run("SINTERSTORE", "set2", "set", "set");
        await _engine.Run("HSET", "h", "f", "1", "g", "2");
        await _engine.Run("HINCRBYFLOAT", "h", "f", "1.5");
        await _engine.Run("ZADD", "z", "1", "a", "2", "b", "3", "c");
        await _engine.Run("ZPOPMIN", "z");
        await _engine.Run("ZUNIONSTORE", "z2", "1", "z");
        await _engine.Run("LOCK.ACQUIRE", "lock", "10000", "OWNER", "o");
        await _engine.Run("LOCK.EXTEND", "lock", "o", "20000");
        await _engine.Run("CL.THROTTLE", "rate", "5", "10", "60");
        await _engine.Run("SET", "short", "v", "PX", "50");
        await _engine.Run("SET", "lazy", "v", "PX", "50");
        await _engine.Run("DELIFEQ", "a", "nope");
        _engine.Advance(TimeSpan.FromMilliseconds(100));
        // One expires on access (logged as DEL), the other on the engine's own cycle.
        await _engine.Run("GET", "lazy");
        await _engine.Run("SET", "lazy", "again");
        await _engine.Run("INCR", "counter");
        await _engine.Run("INCR", "counter");
    }

    [Fact]
    public async Task An_engine_that_applies_the_records_has_every_key_at_the_same_version_whatever_its_own_counter()
    {
        await Workload();
        var expected = await KeyspaceDigest.OfAsync(_engine.Executor, withVersions: true);

        using var replica = new TestEngine();
        // Its own counter has moved on: versions must come from the records, not from it.
        await replica.Run("SET", "local", "1");
        await replica.Run("FLUSHALL");
        replica.Advance(TimeSpan.FromMilliseconds(100));
        replica.Executor.BeginLoading();
        Assert.Null(await replica.Executor.ReplayAsync(_engine.Log.Records));
        replica.Executor.FinishLoading(_engine.Executor.CommittedOffset);

        Assert.Equal(expected, await KeyspaceDigest.OfAsync(replica.Executor, withVersions: true));
        Assert.Contains("lock|lock|", expected, StringComparison.Ordinal);
        Assert.DoesNotContain("short|", expected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_loading_a_write_gets_a_version_above_every_one_loaded_by_the_margin()
    {
        await _engine.Run("SET", "k", "1");
        var loaded = _engine.Log.Records.Max(r => r.Version);

        using var restarted = new TestEngine();
        restarted.Executor.BeginLoading();
        Assert.Null(await restarted.Executor.ReplayAsync(_engine.Log.Records));
        restarted.Executor.FinishLoading(_engine.Executor.CommittedOffset);
        Assert.Equal(loaded, await KeyspaceDigest.VersionAsync(restarted.Executor, "k"));

        await restarted.Run("SET", "k", "2");
        Assert.True(await KeyspaceDigest.VersionAsync(restarted.Executor, "k") > loaded + Executor.VersionMargin);
    }
}
