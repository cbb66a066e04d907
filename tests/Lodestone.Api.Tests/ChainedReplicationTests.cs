using static Lodestone.Api.Tests.ReplicationNodes;

namespace Lodestone.Api.Tests;

/// <summary>
/// A replica of a replica, between three real processes A ← B ← C: the middle node serves the
/// records it applied, at its primary's offsets and under its replid, and a full sync of its own
/// data; C continues across B's restart; B's promotion sends C to resync from B's new history
/// (partially, PSYNC2). Every wait bounded, every process stopped.
/// </summary>
public sealed class ChainedReplicationTests : IDisposable
{
    private readonly ReplicationNodes _nodes = new();

    public void Dispose() => _nodes.Dispose();

    [Fact]
    public async Task Writes_on_the_primary_reach_a_replica_of_its_replica_with_the_same_digest_offsets_and_replid()
    {
        var a = await _nodes.Start("a");
        await SteadyWorkload(a.Client, "before", 5, seed: 11);
        var b = await _nodes.Start("b", UrlOf(a));
        await CaughtUp(a, b);
        var c = await _nodes.Start("c", UrlOf(b));
        await SteadyWorkload(a.Client, "after", 10, seed: 12);

        await SameData(a, b);
        await SameData(b, c);
        Assert.Equal(await Digest(a.Client), await Digest(c.Client));
        Assert.Equal(await Offset(a.Client), await Offset(c.Client));
        var replid = Field(await Info(a.Client, "replication"), "master_replid");
        Assert.Equal(replid, Field(await Info(c.Client, "replication"), "master_replid"));
        Assert.Equal("1", (await Command(c.Client, "GET", "after:tx:a")).GetProperty("result").GetString());

        // The middle node is a replica with a replica of its own; C got its full sync from B, not from A.
        var middle = await Info(b.Client, "replication");
        Assert.Equal("slave", Field(middle, "role"));
        Assert.Equal("1", Field(middle, "connected_slaves"));
        Assert.Equal("up", Field(middle, "master_link_status"));
        Assert.Equal("1", Field(await Info(a.Client, "replication"), "connected_slaves"));
        Assert.Equal(1, await Stat(b.Client, "sync_full"));
        Assert.Equal(1, await Stat(a.Client, "sync_full"));
        Assert.Equal("slave", (await Command(b.Client, "ROLE")).GetProperty("result")[0].GetString());
        Assert.Equal("connected", (await Command(c.Client, "ROLE")).GetProperty("result")[3].GetString());
    }

    [Fact]
    public async Task The_last_replica_continues_across_a_restart_of_the_middle_one_and_follows_it_when_it_is_promoted()
    {
        var a = await _nodes.Start("a");
        var b = await _nodes.Start("b", UrlOf(a));
        await SteadyWorkload(a.Client, "one", 4, seed: 21);
        await CaughtUp(a, b);
        var c = await _nodes.Start("c", UrlOf(b));
        await SameData(b, c);

        // B restarts on its own data (same port): it resumes from A, and C resumes from it, partially.
        var port = new Uri(UrlOf(b)).Port;
        await _nodes.Stop(b);
        await SteadyWorkload(a.Client, "two", 4, seed: 22);
        b = await _nodes.Start("b", UrlOf(a), port);
        await SameData(a, b);
        await SameData(b, c);
        Assert.Equal(await Digest(a.Client), await Digest(c.Client));
        Assert.Equal(0, await Stat(b.Client, "sync_full"));
        Assert.True(await Stat(b.Client, "sync_partial_ok") >= 1, b.Output);

        // B promoted: C's stream ends, it asks B again with A's replid — B's replid2 — and continues partially.
        var partialBefore = await Stat(b.Client, "sync_partial_ok");
        Assert.Equal("OK", (await Command(b.Client, "REPLICAOF", "NO", "ONE")).GetProperty("result").GetString());
        await Command(b.Client, "SET", "promoted", "yes");
        await SameData(b, c);
        Assert.Equal("yes", (await Command(c.Client, "GET", "promoted")).GetProperty("result").GetString());
        Assert.Equal(Field(await Info(b.Client, "replication"), "master_replid"), Field(await Info(c.Client, "replication"), "master_replid"));
        Assert.Equal(0, await Stat(b.Client, "sync_full"));
        Assert.Equal(partialBefore + 1, await Stat(b.Client, "sync_partial_ok"));
        // A lets go of B once B no longer follows it.
        await Until(async () => Field(await Info(a.Client, "replication"), "connected_slaves") == "0", () => Info(a.Client, "replication"));
    }

    [Fact]
    public async Task When_the_middle_replica_syncs_in_full_its_own_replica_drops_what_it_had_and_follows_the_new_data()
    {
        var a = await _nodes.Start("a");
        var b = await _nodes.Start("b", UrlOf(a));
        await SteadyWorkload(a.Client, "one", 3, seed: 31);
        await CaughtUp(a, b);
        var c = await _nodes.Start("c", UrlOf(b));
        await SameData(b, c);

        // B leaves A and writes on its own (C follows that), then goes back: its history left A's, so A
        // sends it a full sync — and C, whose data was B's own, must not keep a key A never had.
        Assert.Equal("OK", (await Command(b.Client, "REPLICAOF", "NO", "ONE")).GetProperty("result").GetString());
        await Command(b.Client, "SET", "only-on-b", "1");
        await SameData(b, c);
        Assert.Equal("1", (await Command(c.Client, "GET", "only-on-b")).GetProperty("result").GetString());
        var fullBefore = await Stat(a.Client, "sync_full");
        using (var back = await b.Client.PutAsync("/admin/replication", Http.Json($$"""{"primaryOf":"{{UrlOf(a)}}"}""")))
            Assert.Equal(System.Net.HttpStatusCode.OK, back.StatusCode);
        await SteadyWorkload(a.Client, "two", 2, seed: 32);

        await SameData(a, b);
        await SameData(b, c);
        Assert.Equal(await Digest(a.Client), await Digest(c.Client));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await Command(c.Client, "GET", "only-on-b")).GetProperty("result").ValueKind);
        Assert.Equal(fullBefore + 1, await Stat(a.Client, "sync_full"));
    }
}
