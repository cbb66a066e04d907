using Lodestone.Engine.Commands;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Diagnostics;

/// <summary>
/// The counters behind INFO stats, commandstats and errorstats, and the per-group latency histograms
/// of <c>/metrics</c>.
/// </summary>
/// <remarks>
/// Design note. Every counter is written on the engine thread only, once per command, into arrays
/// indexed by <see cref="CommandSpec.Id"/> — no allocation and no lock on the hot path. Readers run on
/// the engine thread too (INFO is a command; <see cref="Executor.ReadDiagnosticsAsync{T}"/> queues
/// its reader as a work item), so they see a consistent set. An error reply allocates nothing either,
/// except the first time its code is seen (errorstats).
/// </remarks>
public sealed class EngineStats
{
    /// <summary>The latency histogram's upper bounds, in microseconds (the last bucket is +Inf).</summary>
    public static readonly long[] BucketBoundsUs = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];

    private readonly CommandTable _table;
    private readonly long[] _calls;
    private readonly long[] _usec;
    private readonly long[] _rejected;
    private readonly long[] _failed;
    private readonly int[] _groupOf;
    private readonly long[] _buckets;
    private readonly long[] _groupUsec;
    private readonly long[] _groupCount;
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> _errorsBySpan;

    internal EngineStats(CommandTable table)
    {
        _table = table;
        _calls = new long[table.Count];
        _usec = new long[table.Count];
        _rejected = new long[table.Count];
        _failed = new long[table.Count];
        var groups = table.All.Select(s => s.Group).Distinct().Order(StringComparer.Ordinal).ToArray();
        Groups = groups;
        _groupOf = new int[table.Count];
        foreach (var spec in table.All)
            _groupOf[spec.Id] = Array.IndexOf(groups, spec.Group);
        _buckets = new long[Groups.Count * (BucketBoundsUs.Length + 1)];
        _groupUsec = new long[Groups.Count];
        _groupCount = new long[Groups.Count];
        _errorsBySpan = _errors.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The command groups, in the order the histograms use.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>Commands executed (rejected ones are not), as Redis's total_commands_processed.</summary>
    public long CommandsProcessed { get; private set; }

    /// <summary>Every error reply, rejected or failed.</summary>
    public long ErrorReplies { get; private set; }

    /// <summary>Commands refused before they ran (unknown, arity, permission, loading, write refusal, precondition).</summary>
    public long RejectedCalls { get; private set; }

    /// <summary>Commands that ran and answered with an error.</summary>
    public long FailedCalls { get; private set; }

    /// <summary>Keys removed because their time had come (lazily or by the active cycle).</summary>
    public long ExpiredKeys { get; private set; }

    /// <summary>Keys removed to free memory; the eviction code reports them with <see cref="KeyEvicted"/>.</summary>
    public long EvictedKeys { get; private set; }

    /// <summary>Operations per second over the last ~1.6 s (16 samples about 100 ms apart), as Redis computes it.</summary>
    public long InstantaneousOpsPerSec { get; private set; }

    private readonly long[] _opsSamples = new long[16];
    private int _opsSampleIndex;
    private long _lastSampleTimestamp;
    private long _lastSampleCommands;

    /// <summary>Counts one key removed by eviction (engine thread only).</summary>
    public void KeyEvicted(long keys = 1) => EvictedKeys += keys;

    internal void KeyExpired() => ExpiredKeys++;

    internal void Executed(CommandSpec spec, long usec, bool failed)
    {
        CommandsProcessed++;
        _calls[spec.Id]++;
        _usec[spec.Id] += usec;
        var group = _groupOf[spec.Id];
        _groupUsec[group] += usec;
        _groupCount[group]++;
        _buckets[group * (BucketBoundsUs.Length + 1) + Bucket(usec)]++;
        if (failed)
        {
            _failed[spec.Id]++;
            FailedCalls++;
        }
    }

    internal void Rejected(CommandSpec? spec)
    {
        RejectedCalls++;
        if (spec is not null)
            _rejected[spec.Id]++;
    }

    /// <summary>Counts an error reply under its code (the first word of the message: ERR, WRONGTYPE…).</summary>
    internal void ErrorReply(EngineError error)
    {
        ErrorReplies++;
        var message = error.Message.AsSpan();
        var space = message.IndexOf(' ');
        var code = space < 0 ? message : message[..space];
        if (_errorsBySpan.TryGetValue(code, out var count))
            _errorsBySpan[code] = count + 1;
        else if (_errors.Count < 128)
            _errors[code.ToString()] = 1;
    }

    /// <summary>Takes an ops-per-second sample when ~100 ms have passed since the last one (called on timer ticks).</summary>
    internal void SampleOps(long timestamp, long frequency)
    {
        var elapsed = timestamp - _lastSampleTimestamp;
        if (_lastSampleTimestamp != 0 && elapsed < frequency / 10)
            return;
        if (_lastSampleTimestamp != 0 && elapsed > 0)
        {
            _opsSamples[_opsSampleIndex] = (CommandsProcessed - _lastSampleCommands) * frequency / elapsed;
            _opsSampleIndex = (_opsSampleIndex + 1) % _opsSamples.Length;
            InstantaneousOpsPerSec = _opsSamples.Sum() / _opsSamples.Length;
        }
        _lastSampleTimestamp = timestamp;
        _lastSampleCommands = CommandsProcessed;
    }

    /// <summary>Per command that was called or refused: calls, total µs, rejected and failed calls, by name.</summary>
    public IEnumerable<CommandCounters> Commands() =>
        _table.All
            .Where(s => _calls[s.Id] + _rejected[s.Id] + _failed[s.Id] > 0)
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => new CommandCounters(s.Name.ToLowerInvariant(), s.Group, _calls[s.Id], _usec[s.Id], _rejected[s.Id], _failed[s.Id]));

    /// <summary>Error replies by code, for INFO errorstats.</summary>
    public IEnumerable<KeyValuePair<string, long>> ErrorCounts() => _errors.OrderBy(e => e.Key, StringComparer.Ordinal);

    /// <summary>The latency histogram of a group: counts per bucket of <see cref="BucketBoundsUs"/> (not cumulative; the last is +Inf), the sum in µs and the count.</summary>
    public (long[] Buckets, long SumUs, long Count) Histogram(int group)
    {
        var width = BucketBoundsUs.Length + 1;
        return (_buckets.AsSpan(group * width, width).ToArray(), _groupUsec[group], _groupCount[group]);
    }

    /// <summary>CONFIG RESETSTAT: every counter back to zero (the slowlog and latency events are kept, as in Redis; the keyspace's hit and miss counters are reset beside it).</summary>
    internal void Reset()
    {
        Array.Clear(_calls);
        Array.Clear(_usec);
        Array.Clear(_rejected);
        Array.Clear(_failed);
        Array.Clear(_buckets);
        Array.Clear(_groupUsec);
        Array.Clear(_groupCount);
        Array.Clear(_opsSamples);
        _errors.Clear();
        CommandsProcessed = ErrorReplies = RejectedCalls = FailedCalls = 0;
        ExpiredKeys = EvictedKeys = InstantaneousOpsPerSec = 0;
        _lastSampleCommands = 0;
    }

    private static int Bucket(long usec)
    {
        var i = 0;
        while (i < BucketBoundsUs.Length && usec > BucketBoundsUs[i])
            i++;
        return i;
    }
}

/// <summary>One command's counters (INFO commandstats).</summary>
public sealed record CommandCounters(string Name, string Group, long Calls, long Usec, long RejectedCalls, long FailedCalls)
{
    public double UsecPerCall => Calls == 0 ? 0 : (double)Usec / Calls;
}
