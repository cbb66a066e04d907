using System.Globalization;
using System.Text;
using Lodestone.Engine.Diagnostics;
using Lodestone.Engine.Execution;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// <c>GET /metrics</c>: the engine's counters in the Prometheus text exposition format 0.0.4, written
/// by hand (no client library: the format is a few lines of text per metric). With API keys
/// configured it needs an admin key, like <c>/admin</c>; it is left out of the OpenAPI document, as
/// the health routes are.
/// </summary>
public static class Metrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapGet("/metrics", Scrape).RequireApiKey(app, ApiKeys.AdminPolicy).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> Scrape(Executor executor, Observability.ConnectionCounter connections, RateLimitCounters rateLimits)
    {
        // One consistent read of the counters, between two commands on the engine thread.
        var engine = await executor.ReadDiagnosticsAsync(d => new EngineFigures(
            [.. d.Stats.Commands()],
            [.. d.Stats.ErrorCounts()],
            [.. d.Stats.Groups],
            [.. Enumerable.Range(0, d.Stats.Groups.Count).Select(d.Stats.Histogram)],
            d.Stats.CommandsProcessed, d.Stats.ErrorReplies, d.Stats.RejectedCalls, d.Stats.FailedCalls,
            d.Stats.ExpiredKeys, d.Stats.EvictedKeys, d.KeyspaceHits, d.KeyspaceMisses, d.Keys, d.Expires,
            d.Memory.UsedMemory, d.UsedMemoryPeak, d.Memory.MaxMemory, d.Slowlog.Count, d.Stats.InstantaneousOpsPerSec));
        var diagnostics = executor.Diagnostics;
        var text = new Prometheus();

        text.Counter("lodestone_commands_total", "Commands executed, by command.", engine.Commands.Select(c => (Label("command", c.Name), (double)c.Calls)));
        text.Counter("lodestone_command_duration_seconds_total", "Time spent executing each command, in seconds.",
            engine.Commands.Select(c => (Label("command", c.Name), c.Usec / 1e6)));
        text.Counter("lodestone_command_rejected_total", "Commands refused before they ran (arity, permission, loading…), by command.",
            engine.Commands.Select(c => (Label("command", c.Name), (double)c.RejectedCalls)));
        text.Counter("lodestone_command_failed_total", "Commands that ran and answered an error, by command.",
            engine.Commands.Select(c => (Label("command", c.Name), (double)c.FailedCalls)));
        text.Counter("lodestone_commands_processed_total", "Commands executed.", engine.Processed);
        text.Counter("lodestone_error_replies_total", "Error replies, rejected or failed (unknown commands included).", engine.ErrorReplies);
        text.Counter("lodestone_error_replies_by_code_total", "Error replies by Redis error code (ERR, WRONGTYPE, NOPERM…), as INFO errorstats.",
            engine.ErrorCodes.Select(e => (Label("code", e.Key), (double)e.Value)));
        text.Counter("lodestone_rejected_calls_total", "Commands refused before they ran.", engine.Rejected);
        text.Counter("lodestone_failed_calls_total", "Commands that ran and answered an error.", engine.Failed);
        text.Histogram("lodestone_command_latency_seconds", "Command execution time on the engine thread, by command group.", engine.Groups, engine.Histograms);
        text.Gauge("lodestone_instantaneous_ops_per_second", "Commands per second over the last ~1.6 seconds.", engine.OpsPerSec);
        text.Gauge("lodestone_keys", "Keys in the keyspace.", engine.Keys);
        text.Gauge("lodestone_keys_with_expiry", "Keys with a time to live.", engine.Expires);
        text.Counter("lodestone_expired_keys_total", "Keys removed because their time to live ran out.", engine.Expired);
        text.Counter("lodestone_evicted_keys_total", "Keys removed to free memory.", engine.Evicted);
        text.Counter("lodestone_keyspace_hits_total", "Lookups by read commands that found their key.", engine.Hits);
        text.Counter("lodestone_keyspace_misses_total", "Lookups by read commands that did not.", engine.Misses);
        text.Gauge("lodestone_memory_used_bytes", "Memory in use (INFO used_memory).", engine.UsedMemory);
        text.Gauge("lodestone_memory_used_peak_bytes", "The most memory seen in use.", engine.UsedMemoryPeak);
        text.Gauge("lodestone_memory_max_bytes", "The memory limit; 0 for none.", engine.MaxMemory);
        text.Gauge("lodestone_slowlog_length", "Entries in the slow log.", engine.SlowlogLength);
        if (connections.Measured)
            text.Gauge("lodestone_connected_clients", "Open client connections.", connections.Active);
        text.Gauge("lodestone_blocked_clients", "Callers parked on blocking commands.", executor.BlockedCount);
        text.Gauge("lodestone_monitor_clients", "MONITOR streams open.", diagnostics.Monitor.Count);
        text.Gauge("lodestone_loading", "1 while the data set is being loaded.", executor.IsLoading ? 1 : 0);
        text.Counter("lodestone_log_offset", "The committed log offset (master_repl_offset).", executor.CommittedOffset);
        text.Counter("lodestone_http_rate_limited_total", "Requests refused with 429 by the rate-limiting middleware, by policy.",
            rateLimits.RejectedByPolicy.Select(p => (Label("policy", p.Key), (double)p.Value)));
        text.Gauge("lodestone_http_rate_limiters", "Rate-limit buckets alive (one per active caller).", rateLimits.LiveLimiters);
        text.Gauge("lodestone_uptime_seconds", "Seconds since the engine started.",
            Math.Floor((executor.Time.GetUtcNow() - diagnostics.StartedAt).TotalSeconds));
        if (diagnostics.Log is { } log)
        {
            var status = log.Status;
            text.Gauge("lodestone_aof_enabled", "1 when the append-only log is on.", 1);
            text.Gauge("lodestone_snapshot_in_progress", "1 while a snapshot (log rewrite) runs.", status.InProgress ? 1 : 0);
            if (status.LastSaveTime is { } saved)
                text.Gauge("lodestone_last_save_timestamp_seconds", "When the last snapshot became durable, Unix seconds.", saved.ToUnixTimeSeconds());
            text.Gauge("lodestone_last_save_ok", "0 when the last snapshot attempt failed.", status.LastError is null ? 1 : 0);
            text.Gauge("lodestone_aof_write_ok", "0 while the log cannot be written (writes are refused).", log.Failure is null ? 1 : 0);
            text.Gauge("lodestone_aof_log_bytes", "Size of the log segment written since the last snapshot.", status.LogBytes);
            text.Counter("lodestone_aof_records_total", "Records written to the current log segment by this process.", status.LogRecords);
            text.Counter("lodestone_aof_fsyncs_total", "fsyncs of the current log segment by this process.", status.LogFsyncs);
        }
        else
        {
            text.Gauge("lodestone_aof_enabled", "1 when the append-only log is on.", 0);
        }
        return Results.Text(text.ToString(), ContentType, Encoding.UTF8);
    }

    private static string Label(string name, string value) =>
        $"{name}=\"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"";

    private sealed record EngineFigures(
        CommandCounters[] Commands, KeyValuePair<string, long>[] ErrorCodes, string[] Groups, (long[] Buckets, long SumUs, long Count)[] Histograms,
        long Processed, long ErrorReplies, long Rejected, long Failed, long Expired, long Evicted, long Hits, long Misses,
        long Keys, long Expires, long UsedMemory, long UsedMemoryPeak, long MaxMemory, long SlowlogLength, long OpsPerSec);

    /// <summary>The text format: "# HELP", "# TYPE", then one "name{labels} value" line per sample.</summary>
    private sealed class Prometheus
    {
        private readonly StringBuilder _text = new();

        public void Counter(string name, string help, double value) => Family(name, help, "counter", [("", value)]);

        public void Counter(string name, string help, IEnumerable<(string Labels, double Value)> samples) => Family(name, help, "counter", samples);

        public void Gauge(string name, string help, double value) => Family(name, help, "gauge", [("", value)]);

        public void Histogram(string name, string help, string[] groups, (long[] Buckets, long SumUs, long Count)[] histograms)
        {
            Header(name, help, "histogram");
            for (var g = 0; g < groups.Length; g++)
            {
                var (buckets, sumUs, count) = histograms[g];
                var group = Label("group", groups[g]);
                long cumulative = 0;
                for (var b = 0; b < buckets.Length; b++)
                {
                    cumulative += buckets[b];
                    var le = b < EngineStats.BucketBoundsUs.Length ? Number(EngineStats.BucketBoundsUs[b] / 1e6) : "+Inf";
                    Sample(name + "_bucket", $"{group},le=\"{le}\"", cumulative);
                }
                Sample(name + "_sum", group, sumUs / 1e6);
                Sample(name + "_count", group, count);
            }
        }

        public override string ToString() => _text.ToString();

        private void Family(string name, string help, string type, IEnumerable<(string Labels, double Value)> samples)
        {
            Header(name, help, type);
            foreach (var (labels, value) in samples)
                Sample(name, labels, value);
        }

        private void Header(string name, string help, string type) =>
            _text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
                .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

        private void Sample(string name, string labels, double value)
        {
            _text.Append(name);
            if (labels.Length > 0)
                _text.Append('{').Append(labels).Append('}');
            _text.Append(' ').Append(Number(value)).Append('\n');
        }

        private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
