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
    /// Take a snapshot (and compact the log) after <c>seconds</c> if at least <c>changes</c> writes
    /// happened: pairs of numbers, as Redis's <c>save</c> ("3600 1 300 100 60 10000"). Empty: only on request.
    /// </summary>
    public string Save { get; set; } = "3600 1 300 100 60 10000";

    /// <summary>The <see cref="Save"/> rules, or null when the text is not pairs of positive integers.</summary>
    public IReadOnlyList<(int Seconds, long Changes)>? SaveRules()
    {
        var numbers = Save.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (numbers.Length % 2 != 0)
            return null;
        var rules = new List<(int, long)>();
        for (var i = 0; i < numbers.Length; i += 2)
        {
            if (!int.TryParse(numbers[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds <= 0
                || !long.TryParse(numbers[i + 1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var changes) || changes <= 0)
                return null;
            rules.Add((seconds, changes));
        }
        return rules;
    }

    /// <summary>Also compact when the log has grown by this percentage since the last compaction (Redis's <c>auto-aof-rewrite-percentage</c>); 0 disables.</summary>
    public int AutoRewritePercentage { get; set; } = 100;

    /// <summary>…but not before the log is at least this large (Redis's <c>auto-aof-rewrite-min-size</c>).</summary>
    public long AutoRewriteMinSizeBytes { get; set; } = 64L * 1024 * 1024;
}
