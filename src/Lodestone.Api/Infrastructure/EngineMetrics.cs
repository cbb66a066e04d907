using Lodestone.Engine.Diagnostics;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Microsoft.Extensions.Options;
using Prometheus;
using PrometheusMetrics = Prometheus.Metrics;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// The engine's figures as Prometheus metrics, named as Prometheus asks: counters end in <c>_total</c>,
/// times are in seconds and sizes in bytes. The names are documented in docs/operations.md.
/// </summary>
/// <remarks>
/// Design note. The engine keeps its own counters (arrays written on its thread, read between two
/// commands: <see cref="EngineStats"/>); copying them into prometheus-net on every command would
/// double that work. So each scrape first reads them all at once on the engine thread
/// (<see cref="Executor.ReadDiagnosticsAsync{T}"/>), then moves the counters up to those totals and
/// sets the gauges. The totals never go back while the process lives — CONFIG RESETSTAT only resets
/// what INFO shows, and the log's counters span its segments — so neither do the counters. The
/// latency histogram is the exception: a histogram cannot be set from totals, so the engine tells
/// it each command's time as it runs (<see cref="EngineStats.CommandTimed"/>), one observation per
/// command on the engine thread.
/// </remarks>
internal sealed class EngineMetrics : IDisposable
{
    /// <summary>The latency histogram's upper bounds, in seconds: 100 µs to 1 s.</summary>
    public static readonly double[] LatencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    private readonly Executor _executor;
    private readonly RateLimitCounters _rateLimits;
    private readonly AppendOnlyLog? _log;

    private readonly Counter _failovers;
    private readonly Counter _leaseLosses;
    private readonly Gauge _failoverEpoch;
    private readonly Gauge _failoverLease;
    private readonly Counter _commands;
    private readonly Counter _commandSeconds;
    private readonly Counter _commandRejected;
    private readonly Counter _commandFailed;
    private readonly Counter _processed;
    private readonly Counter _errorReplies;
    private readonly Counter _errorsByCode;
    private readonly Counter _rejected;
    private readonly Counter _failed;
    private readonly Counter _expired;
    private readonly Counter _evicted;
    private readonly Counter _hits;
    private readonly Counter _misses;
    private readonly Counter _rateLimited;
    private readonly Histogram _latency;
    private readonly IReadOnlyList<string> _groups;
    private readonly Histogram.Child?[] _latencyByGroup;

    private readonly Gauge _opsPerSecond;
    private readonly Gauge _keys;
    private readonly Gauge _keysWithExpiry;
    private readonly Gauge _usedMemory;
    private readonly Gauge _usedMemoryPeak;
    private readonly Gauge _maxMemory;
    private readonly Gauge _slowlogLength;
    private readonly Gauge _blockedClients;
    private readonly Gauge _monitorClients;
    private readonly Gauge _loading;
    private readonly Gauge _logOffset;
    private readonly Gauge _rateLimiters;
    private readonly Gauge _uptime;
    private readonly Gauge _aofEnabled;
    private readonly LogMetrics? _logMetrics;

    public EngineMetrics(CollectorRegistry registry, Executor executor, RateLimitCounters rateLimits, IOptions<PersistenceOptions> persistence, IServiceProvider services)
    {
        _executor = executor;
        _rateLimits = rateLimits;
        var metrics = PrometheusMetrics.WithCustomRegistry(registry);

        _commands = metrics.CreateCounter("lodestone_commands_total", "Commands executed, by command.", "command");
        _commandSeconds = metrics.CreateCounter("lodestone_command_duration_seconds_total",
            "Time spent executing each command on the engine thread, in seconds (÷ lodestone_commands_total: the mean latency by command).", "command");
        _commandRejected = metrics.CreateCounter("lodestone_command_rejected_total", "Commands refused before they ran (arity, permission, loading…), by command.", "command");
        _commandFailed = metrics.CreateCounter("lodestone_command_failed_total", "Commands that ran and answered an error, by command.", "command");
        _processed = metrics.CreateCounter("lodestone_commands_processed_total", "Commands executed.");
        _errorReplies = metrics.CreateCounter("lodestone_error_replies_total", "Error replies, rejected or failed (unknown commands included).");
        _errorsByCode = metrics.CreateCounter("lodestone_error_replies_by_code_total", "Error replies by Redis error code (ERR, WRONGTYPE, NOPERM…), as INFO errorstats.", "code");
        _rejected = metrics.CreateCounter("lodestone_rejected_calls_total", "Commands refused before they ran.");
        _failed = metrics.CreateCounter("lodestone_failed_calls_total", "Commands that ran and answered an error.");
        _expired = metrics.CreateCounter("lodestone_expired_keys_total", "Keys removed because their time to live ran out.");
        _evicted = metrics.CreateCounter("lodestone_evicted_keys_total", "Keys removed to free memory.");
        _hits = metrics.CreateCounter("lodestone_keyspace_hits_total", "Lookups by read commands that found their key.");
        _misses = metrics.CreateCounter("lodestone_keyspace_misses_total", "Lookups by read commands that did not.");
        _rateLimited = metrics.CreateCounter("lodestone_http_rate_limited_total", "Requests refused with 429 by the rate-limiting middleware, by policy.", "policy");

        _latency = metrics.CreateHistogram("lodestone_command_latency_seconds", "Command execution time on the engine thread, by command group.",
            ["group"], new HistogramConfiguration { Buckets = LatencyBuckets });
        var stats = executor.Diagnostics.Stats;
        _groups = stats.Groups;
        _latencyByGroup = new Histogram.Child[_groups.Count];
        stats.CommandTimed = Observe;

        _opsPerSecond = metrics.CreateGauge("lodestone_instantaneous_ops_per_second", "Commands per second over the last ~1.6 seconds.");
        _keys = metrics.CreateGauge("lodestone_keys", "Keys in the keyspace.");
        _keysWithExpiry = metrics.CreateGauge("lodestone_keys_with_expiry", "Keys with a time to live.");
        _usedMemory = metrics.CreateGauge("lodestone_memory_used_bytes", "Memory in use (INFO used_memory).");
        _usedMemoryPeak = metrics.CreateGauge("lodestone_memory_used_peak_bytes", "The most memory seen in use.");
        _maxMemory = metrics.CreateGauge("lodestone_memory_max_bytes", "The memory limit; 0 for none.");
        _slowlogLength = metrics.CreateGauge("lodestone_slowlog_length", "Entries in the slow log.");
        _blockedClients = metrics.CreateGauge("lodestone_blocked_clients", "Callers parked on blocking commands (long polls).");
        _monitorClients = metrics.CreateGauge("lodestone_monitor_clients", "MONITOR streams open.");
        _loading = metrics.CreateGauge("lodestone_loading", "1 while the data set is being loaded.");
        _logOffset = metrics.CreateGauge("lodestone_log_offset", "The committed log offset (INFO master_repl_offset): a position, not a count.");
        _rateLimiters = metrics.CreateGauge("lodestone_http_rate_limiters", "Rate-limit buckets alive (one per active caller).");
        _uptime = metrics.CreateGauge("lodestone_uptime_seconds", "Seconds since the engine started.");
        _aofEnabled = metrics.CreateGauge("lodestone_aof_enabled", "1 when the append-only log is on.");
        _failovers = metrics.CreateCounter("lodestone_failovers_total", "Failovers this node committed as its failover group's coordinator (automatic and manual).");
        _leaseLosses = metrics.CreateCounter("lodestone_failover_lease_losses_total", "Times this node, as its group's primary, lost the write lease.");
        _failoverEpoch = metrics.CreateGauge("lodestone_failover_epoch", "The failover group's configuration epoch this node applied; 0 outside a group.");
        _failoverLease = metrics.CreateGauge("lodestone_failover_lease", "1 while this node holds its group's primary write lease.");
        if (persistence.Value.AppendOnly)
        {
            _log = services.GetRequiredService<AppendOnlyLog>();
            _logMetrics = new LogMetrics(metrics);
        }

        registry.AddBeforeCollectCallback(ReadAsync);
    }

    /// <summary>
    /// On the engine thread, once per command: must stay this small. A group's series is made when its
    /// first command runs (only the engine thread writes the array), so a scrape lists the groups in use.
    /// </summary>
    private void Observe(int group, long usec) => (_latencyByGroup[group] ??= _latency.WithLabels(_groups[group])).Observe(usec / 1e6);

    public void Dispose()
    {
        var stats = _executor.Diagnostics.Stats;
        if (stats.CommandTimed == Observe)
            stats.CommandTimed = null;
    }

    /// <summary>Before each scrape: one consistent read of the engine, then every metric from it.</summary>
    private async Task ReadAsync(CancellationToken cancel)
    {
        var engine = await _executor.ReadDiagnosticsAsync(d => new EngineFigures(
            [.. d.Stats.Total.Commands()], [.. d.Stats.Total.ErrorCounts()],
            d.Stats.Total.CommandsProcessed, d.Stats.Total.ErrorReplies, d.Stats.Total.RejectedCalls, d.Stats.Total.FailedCalls,
            d.Stats.Total.ExpiredKeys, d.Stats.Total.EvictedKeys, d.KeyspaceHits, d.KeyspaceMisses, d.Keys, d.Expires,
            d.Memory.UsedMemory, d.UsedMemoryPeak, d.Memory.MaxMemory, d.Slowlog.Count, d.Stats.InstantaneousOpsPerSec)).WaitAsync(cancel);

        foreach (var command in engine.Commands)
        {
            _commands.WithLabels(command.Name).IncTo(command.Calls);
            _commandSeconds.WithLabels(command.Name).IncTo(command.Usec / 1e6);
            _commandRejected.WithLabels(command.Name).IncTo(command.RejectedCalls);
            _commandFailed.WithLabels(command.Name).IncTo(command.FailedCalls);
        }
        foreach (var (code, count) in engine.ErrorCodes)
            _errorsByCode.WithLabels(code).IncTo(count);
        _processed.IncTo(engine.Processed);
        _errorReplies.IncTo(engine.ErrorReplies);
        _rejected.IncTo(engine.Rejected);
        _failed.IncTo(engine.Failed);
        _expired.IncTo(engine.Expired);
        _evicted.IncTo(engine.Evicted);
        _hits.IncTo(engine.Hits);
        _misses.IncTo(engine.Misses);
        foreach (var (policy, count) in _rateLimits.RejectedByPolicy)
            _rateLimited.WithLabels(policy).IncTo(count);

        _opsPerSecond.Set(engine.OpsPerSec);
        _keys.Set(engine.Keys);
        _keysWithExpiry.Set(engine.Expires);
        _usedMemory.Set(engine.UsedMemory);
        _usedMemoryPeak.Set(engine.UsedMemoryPeak);
        _maxMemory.Set(engine.MaxMemory);
        _slowlogLength.Set(engine.SlowlogLength);
        _blockedClients.Set(_executor.BlockedCount);
        _monitorClients.Set(_executor.Diagnostics.Monitor.Count);
        _loading.Set(_executor.IsLoading ? 1 : 0);
        _logOffset.Set(_executor.CommittedOffset);
        _rateLimiters.Set(_rateLimits.LiveLimiters);
        _uptime.Set(Math.Floor((_executor.Time.GetUtcNow() - _executor.Diagnostics.StartedAt).TotalSeconds));
        _aofEnabled.Set(_log is null ? 0 : 1);
        var group = _executor.Replication.Group;
        _failovers.IncTo(group?.Failovers ?? 0);
        _leaseLosses.IncTo(group?.LeaseLosses ?? 0);
        _failoverEpoch.Set(group?.Epoch ?? 0);
        _failoverLease.Set(group is { Lease: true } ? 1 : 0);
        if (_log is not null)
            _logMetrics!.Read(_log);
    }

    private sealed record EngineFigures(
        CommandCounters[] Commands, KeyValuePair<string, long>[] ErrorCodes,
        long Processed, long ErrorReplies, long Rejected, long Failed, long Expired, long Evicted, long Hits, long Misses,
        long Keys, long Expires, long UsedMemory, long UsedMemoryPeak, long MaxMemory, long SlowlogLength, long OpsPerSec);

    /// <summary>The append-only log's metrics, there only when the log is on.</summary>
    private sealed class LogMetrics(IMetricFactory metrics)
    {
        private readonly Gauge _snapshotInProgress = metrics.CreateGauge("lodestone_snapshot_in_progress", "1 while a snapshot (log rewrite) runs.");
        private readonly Gauge _lastSave = metrics.CreateGauge("lodestone_last_save_timestamp_seconds", "When the last snapshot became durable, Unix seconds.",
            new GaugeConfiguration { SuppressInitialValue = true });
        private readonly Gauge _lastSaveOk = metrics.CreateGauge("lodestone_last_save_ok", "0 when the last snapshot attempt failed.");
        private readonly Gauge _writeOk = metrics.CreateGauge("lodestone_aof_write_ok", "0 while the log cannot be written (writes are refused).");
        private readonly Gauge _logBytes = metrics.CreateGauge("lodestone_aof_log_bytes", "Size of the log segment written since the last snapshot.");
        private readonly Counter _records = metrics.CreateCounter("lodestone_aof_records_total", "Records written to the log by this process, every segment counted.");
        private readonly Counter _fsyncs = metrics.CreateCounter("lodestone_aof_fsyncs_total",
            "fsyncs of the log by this process (lodestone_aof_records_total ÷ this: records per fsync, the group-commit factor).");

        public void Read(AppendOnlyLog log)
        {
            var status = log.Compactor.Status;
            _snapshotInProgress.Set(status.InProgress ? 1 : 0);
            if (status.LastSaveTime is { } saved)
                _lastSave.Set(saved.ToUnixTimeSeconds());
            _lastSaveOk.Set(status.LastError is null ? 1 : 0);
            _writeOk.Set(log.Failure is null ? 1 : 0);
            _logBytes.Set(status.LogBytes);
            _records.IncTo(status.LogRecords);
            _fsyncs.IncTo(status.LogFsyncs);
        }
    }
}
