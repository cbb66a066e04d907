using Lodestone.Engine.Commands;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Diagnostics;

/// <summary>
/// The counters behind INFO stats, commandstats and errorstats, and behind <c>/metrics</c>.
/// </summary>
/// <remarks>
/// Design note. Every counter is written on the engine thread only, once per command, into arrays
/// indexed by <see cref="CommandSpec.Id"/> — no allocation and no lock on the hot path. Readers run on
/// the engine thread too (INFO is a command; <see cref="Executor.ReadDiagnosticsAsync{T}"/> queues
/// its reader as a work item), so they see a consistent set. An error reply allocates nothing either,
/// except the first time its code is seen (errorstats).
///
/// The counters only ever grow (<see cref="Total"/>): a Prometheus counter must not go back while the
/// process lives. CONFIG RESETSTAT takes a copy of them, and INFO reports the difference
/// (<see cref="SinceReset"/>), so it still starts again from zero as Redis's does.
/// </remarks>
public sealed class EngineStats
{
    private readonly int[] _groupOf;
    private readonly EngineCounters _total;
    private EngineCounters? _atReset;
    private (long Hits, long Misses) _keyspaceAtReset;

    internal EngineStats(CommandTable table)
    {
        _total = new EngineCounters(table);
        var groups = table.All.Select(s => s.Group).Distinct().Order(StringComparer.Ordinal).ToArray();
        Groups = groups;
        _groupOf = new int[table.Count];
        foreach (var spec in table.All)
            _groupOf[spec.Id] = Array.IndexOf(groups, spec.Group);
    }

    /// <summary>The command groups (string, list, server…); <see cref="CommandTimed"/> names them by index.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>The counters since the engine started: never reset, so what <c>/metrics</c> exports.</summary>
    public EngineCounters Total => _total;

    /// <summary>The counters since the last CONFIG RESETSTAT (or the start), as INFO reports them.</summary>
    public EngineCounters SinceReset => _atReset is null ? _total : _total.Minus(_atReset);

    /// <summary>The keyspace's hits and misses when CONFIG RESETSTAT last ran (INFO subtracts them).</summary>
    internal (long Hits, long Misses) KeyspaceAtReset => _keyspaceAtReset;

    /// <summary>
    /// Told the group (an index into <see cref="Groups"/>) and the time in µs of every command executed,
    /// on the engine thread: for a latency histogram kept by the host (<c>/metrics</c>). Set once while
    /// the host starts; it must be quick and must not block.
    /// </summary>
    public Action<int, long>? CommandTimed { get; set; }

    /// <summary>Operations per second over the last ~1.6 s (16 samples about 100 ms apart), as Redis computes it.</summary>
    public long InstantaneousOpsPerSec { get; private set; }

    private readonly long[] _opsSamples = new long[16];
    private int _opsSampleIndex;
    private long _lastSampleTimestamp;
    private long _lastSampleCommands;

    /// <summary>Counts keys removed by eviction (engine thread only).</summary>
    public void KeyEvicted(long keys = 1) => _total.EvictedKeys += keys;

    internal void KeyExpired() => _total.ExpiredKeys++;

    internal void FieldsExpired(int fields) => _total.ExpiredFields += fields;

    internal void Executed(CommandSpec spec, long usec, bool failed)
    {
        _total.Executed(spec, usec, failed);
        CommandTimed?.Invoke(_groupOf[spec.Id], usec);
    }

    internal void Rejected(CommandSpec? spec) => _total.Rejected(spec);

    /// <summary>Counts an error reply under its code (the first word of the message: ERR, WRONGTYPE…).</summary>
    internal void ErrorReply(EngineError error) => _total.ErrorReply(error);

    /// <summary>Takes an ops-per-second sample when ~100 ms have passed since the last one (called on timer ticks).</summary>
    internal void SampleOps(long timestamp, long frequency)
    {
        var elapsed = timestamp - _lastSampleTimestamp;
        if (_lastSampleTimestamp != 0 && elapsed < frequency / 10)
            return;
        var processed = _total.CommandsProcessed;
        if (_lastSampleTimestamp != 0 && elapsed > 0)
        {
            _opsSamples[_opsSampleIndex] = (processed - _lastSampleCommands) * frequency / elapsed;
            _opsSampleIndex = (_opsSampleIndex + 1) % _opsSamples.Length;
            InstantaneousOpsPerSec = _opsSamples.Sum() / _opsSamples.Length;
        }
        _lastSampleTimestamp = timestamp;
        _lastSampleCommands = processed;
    }

    /// <summary>
    /// CONFIG RESETSTAT: INFO's counters start again from zero (the slow log and latency events are
    /// kept, as in Redis; so are the totals behind <c>/metrics</c>).
    /// </summary>
    internal void Reset(long keyspaceHits, long keyspaceMisses)
    {
        _atReset = _total.Copy();
        _keyspaceAtReset = (keyspaceHits, keyspaceMisses);
        Array.Clear(_opsSamples);
        InstantaneousOpsPerSec = 0;
    }
}

/// <summary>The engine's counters over some span of time (see <see cref="EngineStats"/>).</summary>
public sealed class EngineCounters
{
    private readonly CommandTable _table;
    private readonly long[] _calls;
    private readonly long[] _usec;
    private readonly long[] _rejected;
    private readonly long[] _failed;
    private readonly Dictionary<string, long> _errors;
    private readonly Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> _errorsBySpan;

    internal EngineCounters(CommandTable table)
        : this(table, new long[table.Count], new long[table.Count], new long[table.Count], new long[table.Count], new Dictionary<string, long>(StringComparer.Ordinal))
    {
    }

    private EngineCounters(CommandTable table, long[] calls, long[] usec, long[] rejected, long[] failed, Dictionary<string, long> errors)
    {
        _table = table;
        _calls = calls;
        _usec = usec;
        _rejected = rejected;
        _failed = failed;
        _errors = errors;
        _errorsBySpan = _errors.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Commands executed (rejected ones are not), as Redis's total_commands_processed.</summary>
    public long CommandsProcessed { get; private set; }

    /// <summary>Every error reply, rejected or failed.</summary>
    public long ErrorReplies { get; private set; }

    /// <summary>Commands refused before they ran (unknown, arity, permission, loading, write refusal, precondition).</summary>
    public long RejectedCalls { get; private set; }

    /// <summary>Commands that ran and answered with an error.</summary>
    public long FailedCalls { get; private set; }

    /// <summary>Keys removed because their time had come (lazily or by the active cycle).</summary>
    public long ExpiredKeys { get; internal set; }

    /// <summary>Hash fields removed because their TTL passed (Redis 7.4's <c>expired_subkeys</c>).</summary>
    public long ExpiredFields { get; internal set; }

    /// <summary>Keys removed to free memory.</summary>
    public long EvictedKeys { get; internal set; }

    /// <summary>Per command that was called or refused: calls, total µs, rejected and failed calls, by name.</summary>
    public IEnumerable<CommandCounters> Commands() =>
        _table.All
            .Where(s => _calls[s.Id] + _rejected[s.Id] + _failed[s.Id] > 0)
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => new CommandCounters(s.Name.ToLowerInvariant(), s.Group, _calls[s.Id], _usec[s.Id], _rejected[s.Id], _failed[s.Id]));

    /// <summary>Error replies by code, for INFO errorstats.</summary>
    public IEnumerable<KeyValuePair<string, long>> ErrorCounts() => _errors.Where(e => e.Value > 0).OrderBy(e => e.Key, StringComparer.Ordinal);

    internal void Executed(CommandSpec spec, long usec, bool failed)
    {
        CommandsProcessed++;
        _calls[spec.Id]++;
        _usec[spec.Id] += usec;
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

    internal EngineCounters Copy() => Minus(null);

    /// <summary>These counters less <paramref name="earlier"/> (a copy of them taken before), or a copy when null.</summary>
    internal EngineCounters Minus(EngineCounters? earlier)
    {
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (code, count) in _errors)
            errors[code] = count - (earlier?._errors.GetValueOrDefault(code) ?? 0);
        return new EngineCounters(_table, Less(_calls, earlier?._calls), Less(_usec, earlier?._usec), Less(_rejected, earlier?._rejected), Less(_failed, earlier?._failed), errors)
        {
            CommandsProcessed = CommandsProcessed - (earlier?.CommandsProcessed ?? 0),
            ErrorReplies = ErrorReplies - (earlier?.ErrorReplies ?? 0),
            RejectedCalls = RejectedCalls - (earlier?.RejectedCalls ?? 0),
            FailedCalls = FailedCalls - (earlier?.FailedCalls ?? 0),
            ExpiredKeys = ExpiredKeys - (earlier?.ExpiredKeys ?? 0),
            ExpiredFields = ExpiredFields - (earlier?.ExpiredFields ?? 0),
            EvictedKeys = EvictedKeys - (earlier?.EvictedKeys ?? 0),
        };
    }

    private static long[] Less(long[] now, long[]? before)
    {
        var difference = (long[])now.Clone();
        if (before is not null)
        {
            for (var i = 0; i < difference.Length; i++)
                difference[i] -= before[i];
        }
        return difference;
    }
}

/// <summary>One command's counters (INFO commandstats).</summary>
public sealed record CommandCounters(string Name, string Group, long Calls, long Usec, long RejectedCalls, long FailedCalls)
{
    /// <summary>Average microseconds per call (commandstats' usec_per_call).</summary>
    public double UsecPerCall => Calls == 0 ? 0 : (double)Usec / Calls;
}
