namespace Lodestone.Engine;

/// <summary>
/// The settings CONFIG SET changes while the engine runs — the timer frequency and the memory limit,
/// policy and sample size — as one immutable value. A change makes a new value and swaps it in
/// whole (<see cref="Execution.Executor.ChangeSettings"/>); the engine thread reads the current one
/// when a command or a tick begins, so it never sees half of a change, and the bound
/// <see cref="EngineOptions"/> stay what the configuration said.
/// </summary>
public sealed record RuntimeSettings
{
    private readonly int _hz = 10;
    private readonly long _maxMemoryBytes;
    private readonly MaxMemoryPolicy _maxMemoryPolicy;
    private readonly int _maxMemorySamples = 5;
    private readonly long _hllSparseMaxBytes = Types.HyperLogLog.DefaultSparseMaxBytes;

    /// <summary>Timer ticks per second (Redis's <c>hz</c>), <see cref="EngineOptions.HzMin"/> to <see cref="EngineOptions.HzMax"/>.</summary>
    public int Hz
    {
        get => _hz;
        init => _hz = value is >= EngineOptions.HzMin and <= EngineOptions.HzMax ? value
            : throw new ArgumentOutOfRangeException(nameof(Hz), value, $"Hz must be between {EngineOptions.HzMin} and {EngineOptions.HzMax}.");
    }

    /// <summary>The memory limit in bytes (Redis's <c>maxmemory</c>); 0 for none.</summary>
    public long MaxMemoryBytes
    {
        get => _maxMemoryBytes;
        init => _maxMemoryBytes = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxMemoryBytes), value, "MaxMemoryBytes must not be negative.");
    }

    /// <summary>What happens at the limit (Redis's <c>maxmemory-policy</c>).</summary>
    public MaxMemoryPolicy MaxMemoryPolicy
    {
        get => _maxMemoryPolicy;
        init => _maxMemoryPolicy = Enum.IsDefined(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxMemoryPolicy), value, "Not a memory policy.");
    }

    /// <summary>
    /// Keys sampled per eviction round (Redis's <c>maxmemory-samples</c>),
    /// <see cref="EngineOptions.MaxMemorySamplesMin"/> to <see cref="EngineOptions.MaxMemorySamplesMax"/>.
    /// </summary>
    public int MaxMemorySamples
    {
        get => _maxMemorySamples;
        init => _maxMemorySamples = value is >= EngineOptions.MaxMemorySamplesMin and <= EngineOptions.MaxMemorySamplesMax ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxMemorySamples), value,
                $"MaxMemorySamples must be between {EngineOptions.MaxMemorySamplesMin} and {EngineOptions.MaxMemorySamplesMax}.");
    }

    /// <summary>
    /// The most bytes (header included) a sparse HyperLogLog may grow to before it becomes dense
    /// (Redis's <c>hll-sparse-max-bytes</c>, 3000 by default).
    /// </summary>
    public long HllSparseMaxBytes
    {
        get => _hllSparseMaxBytes;
        init => _hllSparseMaxBytes = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(HllSparseMaxBytes), value, "HllSparseMaxBytes must not be negative.");
    }

    /// <summary>
    /// How long a script runs before other callers get BUSY and SCRIPT KILL may stop it, in milliseconds
    /// (Redis's <c>busy-reply-threshold</c>, alias <c>lua-time-limit</c>; 5000 by default, 0 answers BUSY at once).
    /// </summary>
    public long BusyReplyThresholdMs
    {
        get => _busyReplyThresholdMs;
        init => _busyReplyThresholdMs = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(BusyReplyThresholdMs), value, "BusyReplyThresholdMs must not be negative.");
    }

    private readonly long _busyReplyThresholdMs = 5000;

    /// <summary>The interval between ticks at <see cref="Hz"/>.</summary>
    public TimeSpan TickPeriod => TimeSpan.FromMilliseconds(1000.0 / Hz);

    /// <summary>The settings <paramref name="options"/> start with; throws <see cref="ArgumentOutOfRangeException"/> for a value out of range.</summary>
    public static RuntimeSettings From(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!MaxMemoryPolicies.TryParse(options.MaxMemoryPolicy, out var policy))
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxMemoryPolicy must be one of {string.Join(", ", MaxMemoryPolicies.All)}.");
        return new RuntimeSettings
        {
            Hz = options.Hz, MaxMemoryBytes = options.MaxMemoryBytes, MaxMemoryPolicy = policy, MaxMemorySamples = options.MaxMemorySamples,
        };
    }
}
