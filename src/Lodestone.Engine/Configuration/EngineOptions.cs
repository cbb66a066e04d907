namespace Lodestone.Engine;

/// <summary>Settings of the engine (bound from the <c>Engine</c> configuration section by the host).</summary>
public sealed class EngineOptions
{
    /// <summary>The lowest <see cref="Hz"/>; CONFIG SET hz clamps to <see cref="HzMin"/>…<see cref="HzMax"/> as Redis does.</summary>
    public const int HzMin = 1;

    /// <summary>The highest <see cref="Hz"/> (Redis's CONFIG_MAX_HZ).</summary>
    public const int HzMax = 500;

    /// <summary>The fewest keys <see cref="MaxMemorySamples"/> may name.</summary>
    public const int MaxMemorySamplesMin = 1;

    /// <summary>The most keys <see cref="MaxMemorySamples"/> may name (Redis's limit for <c>maxmemory-samples</c>).</summary>
    public const int MaxMemorySamplesMax = 64;

    /// <summary>Timer ticks per second for background work (active expiry), as Redis's <c>hz</c>: <see cref="HzMin"/> to <see cref="HzMax"/>.</summary>
    public int Hz { get; set; } = 10;

    /// <summary>The largest value or argument, in bytes (Redis's <c>proto-max-bulk-len</c>, 512 MB).</summary>
    public long ProtoMaxBulkLen { get; set; } = 512L * 1024 * 1024;

    /// <summary>At most this many queued commands run in one loop turn before the log is written and replies complete.</summary>
    public int MaxBatchSize { get; set; } = 1024;

    /// <summary>Share of each tick, in percent, the active expiry cycle may spend.</summary>
    public int ActiveExpireCyclePercent { get; set; } = 25;

    /// <summary>
    /// The longest lease a lock may be granted or extended for, in milliseconds. It is also how long
    /// lock grants are refused after a restart that may have lost lock writes (the delayed restart).
    /// </summary>
    public long LockMaxTtlMs { get; set; } = 60_000;

    /// <summary>
    /// A subscriber whose undelivered messages reach this many bytes is disconnected at once (Redis's
    /// <c>client-output-buffer-limit pubsub</c> hard limit, 32 MB).
    /// </summary>
    public long PubSubHardLimitBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>A subscriber whose undelivered messages stay above this many bytes (8 MB) for <see cref="PubSubSoftLimitSeconds"/> is disconnected (the soft limit).</summary>
    public long PubSubSoftLimitBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>How long a subscriber may stay above <see cref="PubSubSoftLimitBytes"/>, in seconds (60).</summary>
    public int PubSubSoftLimitSeconds { get; set; } = 60;

    /// <summary>The most channels and patterns one subscriber (one stream or WebSocket) may hold.</summary>
    public int PubSubMaxSubscriptionsPerClient { get; set; } = 1_000;

    /// <summary>The most subscribers (streams and WebSockets) at once.</summary>
    public int PubSubMaxSubscribers { get; set; } = 10_000;

    /// <summary>The memory limit in bytes for the data (Redis's <c>maxmemory</c>); 0 for none.</summary>
    public long MaxMemoryBytes { get; set; }

    /// <summary>What to do at the limit: a Redis policy name (<c>noeviction</c>, <c>allkeys-lru</c>, …; see <see cref="MaxMemoryPolicies"/>).</summary>
    public string MaxMemoryPolicy { get; set; } = "noeviction";

    /// <summary>
    /// Keys sampled per eviction round (Redis's <c>maxmemory-samples</c>), <see cref="MaxMemorySamplesMin"/>
    /// to <see cref="MaxMemorySamplesMax"/>: more is closer to true LRU/LFU, and slower.
    /// </summary>
    public int MaxMemorySamples { get; set; } = 5;

    /// <summary>Commands that run for at least this many microseconds go to the slow log; negative logs none, 0 logs all (slowlog-log-slower-than).</summary>
    public long SlowlogLogSlowerThan { get; set; } = 10_000;

    /// <summary>How many entries the slow log keeps (slowlog-max-len).</summary>
    public long SlowlogMaxLen { get; set; } = 128;

    /// <summary>The smallest <see cref="ReplBacklogSize"/> (Redis's minimum, 16 KiB).</summary>
    public const int MinReplBacklogSize = 16 * 1024;

    /// <summary>The largest <see cref="ReplBacklogSize"/> (1 GiB: one array).</summary>
    public const int MaxReplBacklogSize = 1 << 30;

    /// <summary>
    /// Bytes of the committed effect stream kept in memory, from which asynchronous readers (replicas)
    /// can start at any offset still held (Redis's <c>repl-backlog-size</c>; 64 MB, the host's
    /// <c>Replication:BacklogBytes</c>); between <see cref="MinReplBacklogSize"/> and
    /// <see cref="MaxReplBacklogSize"/>. Allocated only when the first reader (replica) asks for it.
    /// </summary>
    public int ReplBacklogSize { get; set; } = 64 * 1024 * 1024;

    /// <summary>Latency spikes of at least this many milliseconds are recorded by event; 0 turns the latency monitor off (latency-monitor-threshold).</summary>
    public long LatencyMonitorThreshold { get; set; }
}
