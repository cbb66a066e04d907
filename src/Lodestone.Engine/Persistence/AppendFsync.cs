namespace Lodestone.Engine.Persistence;

/// <summary>When the log is fsynced (Redis's <c>appendfsync</c>), and so what a crash can lose.</summary>
public enum AppendFsync
{
    /// <summary>Before any reply of a batch completes (one fsync per batch: group commit). A crash loses no acknowledged write.</summary>
    Always,
    /// <summary>Written to the OS before replies; fsynced once a second off the engine thread. A crash of the machine loses up to about a second.</summary>
    EverySec,
    /// <summary>Written to the OS before replies; the OS decides when it reaches the disk.</summary>
    No,
}
