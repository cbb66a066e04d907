namespace Lodestone.Engine.Diagnostics;

/// <summary>One latency sample: when (Unix seconds) and how long (milliseconds).</summary>
public readonly record struct LatencySample(long Timestamp, long LatencyMs);

/// <summary>An event class's record: its latest and worst spike and the last 160 seconds that had one.</summary>
public sealed record LatencyEvent(string Name, LatencySample Latest, long MaxMs, IReadOnlyList<LatencySample> History);

/// <summary>
/// Redis's latency monitor (latency.c): for each event class, every spike of at least
/// <see cref="ThresholdMs"/> milliseconds; 0 turns it off. Engine thread only.
/// </summary>
/// <remarks>
/// Event classes: <c>command</c> and <c>fast-command</c> (a command — one flagged fast — that ran
/// that long), <c>expire-cycle</c> (one active expiry cycle), <c>snapshot</c> (one slice of a
/// running snapshot's walk, which pauses the engine), <c>aof-write</c> (writing a batch's effects to
/// the log) and <c>aof-fsync-always</c> (writing and fsyncing it, under appendfsync always or for a lock grant). Samples in the same second are merged, keeping the
/// worse, and at most 160 are kept per event, as in Redis.
/// </remarks>
public sealed class LatencyMonitor
{
    /// <summary>Samples kept per event, as Redis's LATENCY_TS_LEN.</summary>
    public const int HistoryLength = 160;

    /// <summary>The event classes this engine reports.</summary>
    public static readonly string[] EventNames = ["command", "fast-command", "expire-cycle", "snapshot", "aof-write", "aof-fsync-always"];

    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);

    internal LatencyMonitor(long thresholdMs) => ThresholdMs = thresholdMs;

    /// <summary>latency-monitor-threshold, in milliseconds; 0 disables the monitor.</summary>
    public long ThresholdMs { get; internal set; }

    /// <summary>Whether events are recorded (a threshold of 0 turns the monitor off).</summary>
    public bool Enabled => ThresholdMs > 0;

    /// <summary>Records a spike of <paramref name="latencyMs"/> for <paramref name="eventName"/> if it reaches the threshold.</summary>
    internal void AddIfNeeded(string eventName, long latencyMs, long timestamp)
    {
        if (ThresholdMs <= 0 || latencyMs < ThresholdMs)
            return;
        if (!_series.TryGetValue(eventName, out var series))
            _series[eventName] = series = new Series();
        series.Add(new LatencySample(timestamp, latencyMs));
    }

    /// <summary>Every event class that had a spike, by name.</summary>
    public IReadOnlyList<LatencyEvent> Events() =>
        _series.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Value.Describe(s.Key)).ToArray();

    /// <summary>One event class, or null when it had no spike.</summary>
    public LatencyEvent? Event(string name) => _series.TryGetValue(name, out var series) ? series.Describe(name) : null;

    /// <summary>Forgets the named events (all with none named); returns how many had data.</summary>
    internal int Reset(IReadOnlyCollection<string> names)
    {
        if (names.Count == 0)
        {
            var all = _series.Count;
            _series.Clear();
            return all;
        }
        return names.Distinct(StringComparer.Ordinal).Count(name => _series.Remove(name));
    }

    private sealed class Series
    {
        private readonly List<LatencySample> _history = [];
        private long _max;

        public void Add(LatencySample sample)
        {
            _max = Math.Max(_max, sample.LatencyMs);
            if (_history.Count > 0 && _history[^1].Timestamp == sample.Timestamp)
            {
                // Same second: one sample, the worse of the two.
                _history[^1] = sample with { LatencyMs = Math.Max(_history[^1].LatencyMs, sample.LatencyMs) };
                return;
            }
            _history.Add(sample);
            if (_history.Count > HistoryLength)
                _history.RemoveAt(0);
        }

        public LatencyEvent Describe(string name) => new(name, _history[^1], _max, _history.ToArray());
    }
}
