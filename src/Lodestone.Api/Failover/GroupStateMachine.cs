using System.Buffers;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace Lodestone.Api.Failover;

/// <summary>Where a member keeps its Raft state: the log and the state machine's snapshots, under the data directory.</summary>
internal sealed class FailoverStorage(string directory)
{
    /// <summary>The write-ahead log of Raft entries (terms, votes, configurations).</summary>
    public string Log { get; } = Path.Combine(directory, "log");

    /// <summary>The snapshots of the applied configuration.</summary>
    public DirectoryInfo Snapshots { get; } = new(Path.Combine(directory, "snapshots"));
}

/// <summary>
/// The Raft state machine of a failover group: the last committed <see cref="GroupConfiguration"/>.
/// Each log entry is a whole configuration; an entry whose epoch is not above the current one is
/// ignored (a leader that lost its place may have proposed it), so epochs only grow. Every applied
/// change is persisted as a snapshot at once (they are rare and small), so a restarted member
/// starts from the configuration it last applied.
/// </summary>
#pragma warning disable DOTNEXT001 // SimpleStateMachine is DotNext's experimental API for exactly this: a small state kept whole in memory.
internal sealed class GroupStateMachine(FailoverStorage storage, ILogger<GroupStateMachine> logger) : SimpleStateMachine(storage.Snapshots)
#pragma warning restore DOTNEXT001
{
    private volatile GroupConfiguration _current = GroupConfiguration.None;

    /// <summary>The configuration applied last. Any thread.</summary>
    public GroupConfiguration Current => _current;

    /// <summary>Raised (on Raft's applier) after a new configuration is applied.</summary>
    public event Action<GroupConfiguration>? Changed;

    protected override async ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        var bytes = await File.ReadAllBytesAsync(snapshotFile.FullName, token);
        _current = GroupConfiguration.FromBytes(bytes);
        Changed?.Invoke(_current);
    }

    protected override ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token) =>
        writer.Invoke(_current.ToBytes(), token);

    protected override ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        // Raft's own entries (the leader's no-op at the start of its term) carry nothing of ours.
        if (entry.Length is 0 || entry.IsConfiguration)
            return ValueTask.FromResult(false);
        var bytes = entry.TryGetPayload(out var payload) ? payload.ToArray() : entry.GetPayload().SelectMany(m => m.ToArray()).ToArray();
        var proposed = GroupConfiguration.FromBytes(bytes);
        if (proposed.Epoch <= _current.Epoch)
        {
            LogStale(proposed.Epoch, _current.Epoch);
            return ValueTask.FromResult(false);
        }
        _current = proposed;
        LogApplied(proposed.Epoch, proposed.Primary, entry.Index);
        Changed?.Invoke(proposed);
        return ValueTask.FromResult(true);
    }

    private void LogStale(long proposed, long current) =>
        logger.LogInformation("Ignored a failover configuration of epoch {Proposed}: epoch {Current} is applied", proposed, current);

    private void LogApplied(long epoch, string primary, long index) =>
        logger.LogWarning("Failover configuration epoch {Epoch} applied (Raft index {Index}): the primary is {Primary}", epoch, index, primary);
}
