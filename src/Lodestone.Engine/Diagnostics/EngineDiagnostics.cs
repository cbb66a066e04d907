using System.Diagnostics;
using System.Security.Cryptography;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;

namespace Lodestone.Engine.Diagnostics;

/// <summary>
/// Everything an operator can ask the engine about itself: counters, the slow log, latency events,
/// MONITOR subscribers, the memory report, and the facts only the host knows (port, clients,
/// persistence). INFO, SLOWLOG, LATENCY, CONFIG and MONITOR read it; <c>/metrics</c> reads it through
/// <see cref="Executor.ReadDiagnosticsAsync{T}"/>.
/// </summary>
/// <remarks>
/// Concurrency: the engine thread owns the counters, the slow log and the latency monitor. The host's
/// properties (<see cref="Log"/>, <see cref="TcpPort"/>…) are set once while
/// the host starts, before callers are served. <see cref="Monitor"/> is safe on any thread.
/// </remarks>
public sealed class EngineDiagnostics
{
    internal EngineDiagnostics(Executor executor, Keyspace.Keyspace keyspace, CommandTable table, EngineOptions options, TimeProvider time)
    {
        Engine = executor;
        _keyspace = keyspace;
        Memory = new AccountedMemoryReport(keyspace, executor);
        Stats = new EngineStats(table);
        Slowlog = new Slowlog(options.SlowlogLogSlowerThan, options.SlowlogMaxLen);
        Latency = new LatencyMonitor(options.LatencyMonitorThreshold);
        StartedAt = time.GetUtcNow();
        StartedTimestamp = time.GetTimestamp();
    }

    internal Executor Engine { get; }

    /// <summary>The section names INFO knows, and the groups "default", "all" and "everything".</summary>
    public static IReadOnlyList<string> InfoSections => InfoReport.Names;

    private readonly Keyspace.Keyspace _keyspace;

    /// <summary>Counters for INFO stats and commandstats.</summary>
    public EngineStats Stats { get; }

    /// <summary>How many keys there are (engine thread only, as every figure here).</summary>
    public long Keys => _keyspace.Count;

    /// <summary>How many keys have a time to live.</summary>
    public long Expires => _keyspace.ExpiresCount;

    /// <summary>Lookups by read-only commands that found their key (keyspace_hits).</summary>
    public long KeyspaceHits => _keyspace.Hits;

    /// <summary>Lookups by read-only commands that did not (keyspace_misses).</summary>
    public long KeyspaceMisses => _keyspace.Misses;

    /// <summary>The slow log (SLOWLOG).</summary>
    public Slowlog Slowlog { get; }

    /// <summary>Latency events over the threshold (LATENCY).</summary>
    public LatencyMonitor Latency { get; }

    /// <summary>MONITOR's subscribers: every executed command is published to them.</summary>
    public MonitorHub Monitor { get; } = new();

    /// <summary>When this engine started.</summary>
    public DateTimeOffset StartedAt { get; }

    internal long StartedTimestamp { get; }

    /// <summary>A random identifier of this run (INFO's run_id).</summary>
    public string RunId { get; } = RandomHex();

    /// <summary>The memory figures: the engine's per-value accounting, its limit and policy.</summary>
    public IMemoryReport Memory { get; }

    /// <summary>The most <see cref="IMemoryReport.UsedMemory"/> seen: the engine's peak as of its last loop turn, or what is in use now if more.</summary>
    public long UsedMemoryPeak => Math.Max(Engine.Memory.PeakBytes, Memory.UsedMemory);

    /// <summary>The TCP port callers reach the service on, when the host knows one.</summary>
    public int? TcpPort { get; set; }

    /// <summary>The settings file the host read, or empty.</summary>
    public string ConfigFile { get; set; } = "";

    /// <summary>How many clients are connected, when the host can tell (INFO's connected_clients).</summary>
    public Func<long>? ConnectedClients { get; set; }

    /// <summary>The persistence settings (for appendonly, appendfsync), when the host has them.</summary>
    public PersistenceOptions? Persistence { get; set; }

    /// <summary>The append-only log, when persistence is on.</summary>
    public AppendOnlyLog? Log { get; set; }


    /// <summary>The process's CPU time: system, then user, in seconds.</summary>
    internal static (double System, double User) CpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return (process.PrivilegedProcessorTime.TotalSeconds, process.UserProcessorTime.TotalSeconds);
    }

    private static string RandomHex() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
}
