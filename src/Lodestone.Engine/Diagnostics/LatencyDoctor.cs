using System.Globalization;
using System.Text;

namespace Lodestone.Engine.Diagnostics;

/// <summary>LATENCY DOCTOR: the latency events in plain English, with what to do about each kind (Redis's createLatencyReport).</summary>
internal static class LatencyDoctor
{
    public static string Report(LatencyMonitor monitor)
    {
        if (!monitor.Enabled)
        {
            return "Latency monitoring is disabled in this Lodestone instance. Enable it with " +
                "\"CONFIG SET latency-monitor-threshold <milliseconds>\" (or the Engine:LatencyMonitorThreshold setting): " +
                "spikes at least that long are then recorded by event class.\n";
        }
        var events = monitor.Events();
        if (events.Count == 0)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"No latency spike of {monitor.ThresholdMs} ms or more has been observed since the monitor was enabled or last reset.\n");
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Latency spikes of {monitor.ThresholdMs} ms or more were observed in {events.Count} event class(es):\n\n");
        var number = 1;
        foreach (var e in events)
        {
            var samples = e.History;
            var average = samples.Average(s => (double)s.LatencyMs);
            var deviation = samples.Average(s => Math.Abs(s.LatencyMs - average));
            var period = samples.Count > 1 ? (double)(samples[^1].Timestamp - samples[0].Timestamp) / (samples.Count - 1) : 0;
            text.Append(CultureInfo.InvariantCulture,
                $"{number++}. {e.Name}: {samples.Count} latency spikes (average {average:F0} ms, mean deviation {deviation:F0} ms, period {period:F1} sec). " +
                $"Worst all time event {e.MaxMs} ms.\n");
        }
        text.Append("\nAdvice:\n\n");
        foreach (var e in events)
            text.Append("- ").Append(Advice(e.Name)).Append('\n');
        return text.ToString();
    }

    private static string Advice(string eventName) => eventName switch
    {
        "command" => "command: slow commands run on the engine thread and delay every other caller. Look at SLOWLOG GET for which ones; " +
            "prefer SCAN, HSCAN, SSCAN, ZSCAN to KEYS and whole-collection reads, and keep collections and ranges small.",
        "fast-command" => "fast-command: commands that are O(1) or O(log N) were slow, which points at the machine rather than the data: " +
            "CPU contention from other processes, swapping, or long garbage-collection pauses (watch used_memory in INFO memory).",
        "expire-cycle" => "expire-cycle: the active expiry cycle took long, usually because many keys expire at the same instant. " +
            "Spread expiry times (add a little randomness to TTLs), or lower Engine:ActiveExpireCyclePercent.",
        "snapshot" => "snapshot: a slice of a running snapshot paused the engine. Slices are budgeted at about 1 ms; longer ones mean " +
            "very large values or a slow disk holding the writer back. Take snapshots less often (Persistence:Save) or on faster storage.",
        "aof-write" => "aof-write: writing the log delayed replies: the disk is slow or busy (other processes, a snapshot being written). " +
            "Put the data directory on a faster or less busy disk.",
        "aof-fsync-always" => "aof-fsync-always: fsyncing the log (appendfsync always, or a lock grant) delayed replies. Use a disk with fast " +
            "fsync, or Persistence:AppendFsync EverySec if losing up to a second of writes in a crash of the machine is acceptable.",
        _ => eventName + ": no advice for this event class.",
    };
}
