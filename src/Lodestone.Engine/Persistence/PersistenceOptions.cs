namespace Lodestone.Engine.Persistence;

/// <summary>Settings of persistence (the <c>Persistence</c> configuration section).</summary>
public sealed class PersistenceOptions
{
    /// <summary>Where the log, snapshots and manifest live; relative paths are relative to the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Log every write (Redis's <c>appendonly</c>). Off: the data lives in memory only.</summary>
    public bool AppendOnly { get; set; } = true;

    /// <summary>When the log is fsynced; see <see cref="Persistence.AppendFsync"/>.</summary>
    public AppendFsync AppendFsync { get; set; } = AppendFsync.EverySec;

    /// <summary>Cut off a torn last record at startup and go on (logged loudly), rather than refusing to start (Redis's <c>aof-load-truncated</c>).</summary>
    public bool AofLoadTruncated { get; set; } = true;

    /// <summary>
    /// Take a snapshot (and compact the log) after <c>Seconds</c> if at least <c>Changes</c> writes
    /// happened, as Redis's <c>save</c> rules. Empty: only on request.
    /// </summary>
    public List<SnapshotRule> SnapshotRules { get; set; } = [new(3600, 1), new(300, 100), new(60, 10_000)];

    /// <summary>Also compact when the log has grown by this percentage since the last compaction (Redis's <c>auto-aof-rewrite-percentage</c>); 0 disables.</summary>
    public int AutoRewritePercentage { get; set; } = 100;

    /// <summary>…but not before the log is at least this large (Redis's <c>auto-aof-rewrite-min-size</c>).</summary>
    public long AutoRewriteMinSizeBytes { get; set; } = 64L * 1024 * 1024;
}

/// <summary>Snapshot after <see cref="Seconds"/> if at least <see cref="Changes"/> writes happened.</summary>
public sealed class SnapshotRule
{
    public SnapshotRule()
    {
    }

    public SnapshotRule(int seconds, long changes)
    {
        Seconds = seconds;
        Changes = changes;
    }

    public int Seconds { get; set; }

    public long Changes { get; set; }
}
