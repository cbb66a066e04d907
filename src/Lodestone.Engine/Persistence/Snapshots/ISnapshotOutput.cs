namespace Lodestone.Engine.Persistence.Snapshots;

/// <summary>
/// Where a running snapshot's bytes go, chunk by chunk, as the engine thread serialises them: a file
/// (<see cref="SnapshotWriter"/>) or a replica's stream (<see cref="Replication.StreamedSnapshot"/>).
/// </summary>
/// <remarks>
/// The engine thread calls <see cref="Add"/> and <see cref="Complete"/> (or <see cref="Abandon"/>) and
/// never waits: an output takes a copy and consumes it on its own thread. The walk pauses while
/// <see cref="QueuedBytes"/> is high, which bounds what waits in memory.
/// </remarks>
internal interface ISnapshotOutput
{
    /// <summary>Bytes handed over and not yet consumed.</summary>
    long QueuedBytes { get; }

    /// <summary>Takes a copy of the next bytes of the snapshot (engine thread; the span is reused at once).</summary>
    void Add(ReadOnlySpan<byte> bytes);

    /// <summary>The snapshot is whole: the output appends its checksum and finishes.</summary>
    void Complete();

    /// <summary>The engine stops before the snapshot is whole: the output throws it away.</summary>
    void Abandon();
}
