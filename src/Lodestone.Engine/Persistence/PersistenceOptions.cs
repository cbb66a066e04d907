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
}
