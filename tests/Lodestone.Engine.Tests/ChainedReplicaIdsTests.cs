using System.IO.Pipelines;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Replication;

namespace Lodestone.Engine.Tests;

/// <summary>
/// PSYNC2 down a chain: when the middle replica learns, by a partial resync, that its primary's
/// history goes on under a new id (a promotion), it takes that id and keeps its old one as replid2 —
/// so its own replica, still on the old id, continues from it partially — and ends the streams it serves.
/// </summary>
public sealed class ChainedReplicaIdsTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TestEngine _primary = new();
    private readonly TestEngine _middle = new();
    private readonly string _scratch = Directory.CreateTempSubdirectory("lodestone-chain-").FullName;

    public void Dispose()
    {
        _primary.Dispose();
        _middle.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public async Task A_middle_replica_that_continues_a_promoted_primary_keeps_its_old_id_for_its_own_replicas()
    {
        await ReplicationTests.Workload(_primary, "a", 50);
        _middle.Executor.Replication.Follow("http://primary:8379");
        using (var first = new CancellationTokenSource(Bound))
        {
            var following = await Follow(null, -1, first.Token);
            await CaughtUp();
            await first.CancelAsync();
            await Ended(following.Following);
        }
        var oldId = _middle.Executor.Replication.Ids.Id;
        var offset = _middle.Executor.CommittedOffset;
        var detached = _middle.Executor.Replication.ReplicasDetached;

        // The primary is promoted (as a replica of it would be): a new id, the old one kept up to here.
        _primary.Executor.Replication.Follow("http://elsewhere:8379");
        Assert.True(_primary.Executor.Replication.Promote(_primary.Executor.CommittedOffset));
        var newId = _primary.Executor.Replication.Ids.Id;
        await ReplicationTests.Workload(_primary, "b", 20);

        using var second = new CancellationTokenSource(Bound);
        var again = await Follow(oldId, offset, second.Token);
        Assert.StartsWith("CONTINUE " + newId, again.Header);
        await CaughtUp();

        var ids = _middle.Executor.Replication.Ids;
        Assert.Equal(newId, ids.Id);
        Assert.Equal(oldId, ids.Id2);
        Assert.Equal(offset + 1, ids.SecondOffset);
        Assert.True(detached.IsCancellationRequested, "the streams the middle replica served were not ended");
        // A replica of the middle one, at the old id and offset, continues from it.
        using var third = new CancellationTokenSource(Bound);
        using (var session = await new ReplicationSource(_middle.Executor).OpenAsync(oldId, offset, null, third.Token))
            Assert.StartsWith("CONTINUE " + newId, session.Header);
        Assert.Equal(0, _middle.Executor.Replication.SyncFull);
        await second.CancelAsync();
        await Ended(again.Following);
    }

    private async Task<(Task Following, string Header)> Follow(string? replid, long offset, CancellationToken cancel)
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
                session.Dispose();
            }
        }, CancellationToken.None);
        var link = new ReplicaLink(_middle.Executor, null, _scratch);
        var following = Task.Run(() => link.RunAsync(pipe.Reader.AsStream(), cancel), CancellationToken.None);
        return (Task.WhenAll(writing, following), session.Header);
    }

    private static async Task Ended(Task following)
    {
        try
        {
            await following.WaitAsync(Bound);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task CaughtUp()
    {
        var deadline = DateTime.UtcNow + Bound;
        while (_middle.Executor.CommittedOffset != _primary.Executor.CommittedOffset)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The middle replica is at {_middle.Executor.CommittedOffset}, the primary at {_primary.Executor.CommittedOffset}.");
            await Task.Delay(10);
        }
    }
}
