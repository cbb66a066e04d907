using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Lodestone.Engine.Commands;

namespace Lodestone.Engine.Diagnostics;

/// <summary>
/// INFO's text (Redis's genRedisInfoString): "# Section" headers, then "field:value" lines, CRLF, a
/// blank line between sections. Field names are Redis 7.0's wherever the meaning is the same.
/// </summary>
internal static class InfoReport
{
    /// <summary>The Redis version whose commands and replies Lodestone follows (clients read redis_version to pick features).</summary>
    public const string RedisCompatibleVersion = "7.0.0";

    private static readonly (string Name, Action<StringBuilder, CommandContext> Write)[] Sections =
    [
        ("server", Server),
        ("clients", Clients),
        ("memory", Memory),
        ("persistence", Persistence),
        ("stats", Stats),
        ("replication", Replication),
        ("cpu", Cpu),
        ("commandstats", CommandStats),
        ("errorstats", ErrorStats),
        ("keyspace", Keyspace),
    ];

    /// <summary>The section names INFO knows, and the groups "default", "all" and "everything".</summary>
    public static readonly IReadOnlyList<string> Names = [.. Sections.Select(s => s.Name), "default", "all", "everything"];

    /// <summary>Sections left out unless asked for by name, "all" or "everything" (as Redis leaves commandstats out of the default).</summary>
    private static readonly string[] NotByDefault = ["commandstats"];

    public static string Build(CommandContext ctx, IReadOnlyCollection<string> requested)
    {
        var names = requested.Select(n => n.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var all = names.Contains("all") || names.Contains("everything");
        var byDefault = names.Count == 0 || names.Contains("default");
        var text = new StringBuilder(4096);
        foreach (var (name, write) in Sections)
        {
            if (!(all || names.Contains(name) || (byDefault && !NotByDefault.Contains(name))))
                continue;
            if (text.Length > 0)
                text.Append("\r\n");
            text.Append("# ").Append(Title(name)).Append("\r\n");
            write(text, ctx);
        }
        return text.ToString();
    }

    private static string Title(string name) => name switch
    {
        "cpu" => "CPU",
        _ => char.ToUpperInvariant(name[0]) + name[1..],
    };

    private static void Field(StringBuilder text, string name, string value) => text.Append(name).Append(':').Append(value).Append("\r\n");

    private static void Field(StringBuilder text, string name, long value) => Field(text, name, value.ToString(CultureInfo.InvariantCulture));

    private static void Field(StringBuilder text, string name, double value, string format) =>
        Field(text, name, value.ToString(format, CultureInfo.InvariantCulture));

    private static void Server(StringBuilder text, CommandContext ctx)
    {
        var d = ctx.Diagnostics;
        var uptime = (long)ctx.Clock.GetElapsedTime(d.StartedTimestamp).TotalSeconds;
        var now = ctx.Clock.GetUtcNow() - DateTimeOffset.UnixEpoch;
        Field(text, "redis_version", RedisCompatibleVersion);
        Field(text, "lodestone_version", typeof(InfoReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");
        Field(text, "redis_mode", "standalone");
        Field(text, "os", $"{RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}");
        Field(text, "arch_bits", IntPtr.Size * 8);
        Field(text, "runtime", RuntimeInformation.FrameworkDescription);
        Field(text, "process_id", Environment.ProcessId);
        Field(text, "run_id", d.RunId);
        if (d.TcpPort is { } port)
            Field(text, "tcp_port", port);
        Field(text, "server_time_usec", now.Ticks / TimeSpan.TicksPerMicrosecond);
        Field(text, "uptime_in_seconds", uptime);
        Field(text, "uptime_in_days", uptime / 86400);
        Field(text, "hz", ctx.Settings.Hz);
        Field(text, "configured_hz", ctx.Settings.Hz);
        Field(text, "executable", Environment.ProcessPath ?? "");
        Field(text, "config_file", d.ConfigFile);
    }

    private static void Clients(StringBuilder text, CommandContext ctx)
    {
        var d = ctx.Diagnostics;
        if (d.ConnectedClients is { } connected)
            Field(text, "connected_clients", connected());
        Field(text, "blocked_clients", d.Engine.BlockedCount);
        Field(text, "monitor_clients", d.Monitor.Count);
    }

    private static void Memory(StringBuilder text, CommandContext ctx)
    {
        var d = ctx.Diagnostics;
        var used = d.Memory.UsedMemory;
        var peak = d.UsedMemoryPeak;
        var rss = Environment.WorkingSet;
        Field(text, "used_memory", used);
        Field(text, "used_memory_human", Human(used));
        Field(text, "used_memory_rss", rss);
        Field(text, "used_memory_rss_human", Human(rss));
        Field(text, "used_memory_peak", peak);
        Field(text, "used_memory_peak_human", Human(peak));
        Field(text, "used_memory_peak_perc", peak == 0 ? "0.00%" : (100.0 * used / peak).ToString("F2", CultureInfo.InvariantCulture) + "%");
        // The Lua state's bytes (scripts and function libraries share it), and what it holds.
        var lua = ctx.Scripts.UsedBytes;
        Field(text, "used_memory_vm_eval", lua);
        Field(text, "used_memory_lua", lua);
        Field(text, "used_memory_lua_human", Human(lua));
        Field(text, "number_of_cached_scripts", (long)ctx.Scripts.ScriptCount);
        Field(text, "number_of_functions", (long)ctx.Scripts.Functions.FunctionCount);
        Field(text, "number_of_libraries", (long)ctx.Scripts.Functions.Libraries.Count());
        var total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        Field(text, "total_system_memory", total);
        Field(text, "total_system_memory_human", Human(total));
        Field(text, "maxmemory", d.Memory.MaxMemory);
        Field(text, "maxmemory_human", Human(d.Memory.MaxMemory));
        Field(text, "maxmemory_policy", d.Memory.MaxMemoryPolicy);
        Field(text, "mem_fragmentation_ratio", used == 0 ? 0 : (double)rss / used, "F2");
        Field(text, "mem_allocator", "dotnet-gc");
    }

    private static void Persistence(StringBuilder text, CommandContext ctx)
    {
        var d = ctx.Diagnostics;
        var status = d.Log?.Compactor.Status;
        var committed = d.Engine.CommittedOffset;
        var lastSave = status?.LastSaveTime ?? d.StartedAt;
        var saving = status?.InProgress ?? false;
        var lastOk = status?.LastError is null;
        var writeOk = d.Log?.Failure is null;
        Field(text, "loading", d.Engine.IsLoading ? 1 : 0);
        Field(text, "async_loading", 0);
        Field(text, "rdb_changes_since_last_save", committed - (status?.LastSaveOffset ?? 0));
        Field(text, "rdb_bgsave_in_progress", saving ? 1 : 0);
        Field(text, "rdb_last_save_time", lastSave.ToUnixTimeSeconds());
        Field(text, "rdb_last_bgsave_status", lastOk ? "ok" : "err");
        Field(text, "rdb_last_bgsave_time_sec", status?.LastDuration is { } took ? (long)Math.Round(took.TotalSeconds) : -1);
        Field(text, "aof_enabled", d.Log is null ? 0 : 1);
        // A snapshot is also the log's rewrite here (see AppendOnlyLog).
        Field(text, "aof_rewrite_in_progress", saving ? 1 : 0);
        Field(text, "aof_rewrite_scheduled", 0);
        Field(text, "aof_last_bgrewrite_status", lastOk ? "ok" : "err");
        Field(text, "aof_last_write_status", writeOk ? "ok" : "err");
        if (status is not null)
        {
            Field(text, "aof_current_size", status.LogBytes);
            Field(text, "aof_fsync_policy", (d.Persistence?.AppendFsync ?? Lodestone.Engine.Persistence.AppendFsync.EverySec).ToString().ToLowerInvariant());
            Field(text, "aof_records", status.LogRecords);
            Field(text, "aof_fsyncs", status.LogFsyncs);
            // Lodestone's own, for GET /admin/snapshots: the last snapshot's offset, exact duration and size.
            Field(text, "rdb_last_save_offset", status.LastSaveOffset ?? -1);
            if (status.LastDuration is { } duration)
                Field(text, "rdb_last_bgsave_time_ms", duration.TotalMilliseconds, "F3");
            if (status.LastSize is { } size)
                Field(text, "rdb_last_save_bytes", size);
            if (status.LastError is { } error)
                Field(text, "last_save_error", error.ReplaceLineEndings(" "));
        }
    }

    private static void Stats(StringBuilder text, CommandContext ctx)
    {
        var stats = ctx.Diagnostics.Stats.SinceReset;
        var (hitsAtReset, missesAtReset) = ctx.Diagnostics.Stats.KeyspaceAtReset;
        Field(text, "total_commands_processed", stats.CommandsProcessed);
        Field(text, "instantaneous_ops_per_sec", ctx.Diagnostics.Stats.InstantaneousOpsPerSec);
        Field(text, "expired_keys", stats.ExpiredKeys);
        Field(text, "expired_subkeys", stats.ExpiredFields);
        Field(text, "evicted_keys", stats.EvictedKeys);
        Field(text, "keyspace_hits", ctx.Keyspace.Hits - hitsAtReset);
        Field(text, "keyspace_misses", ctx.Keyspace.Misses - missesAtReset);
        Field(text, "total_error_replies", stats.ErrorReplies);
        Field(text, "total_rejected_calls", stats.RejectedCalls);
        Field(text, "total_failed_calls", stats.FailedCalls);
        var replication = ctx.Diagnostics.Engine.Replication;
        Field(text, "sync_full", replication.SyncFull);
        Field(text, "sync_partial_ok", replication.SyncPartialOk);
        Field(text, "sync_partial_err", replication.SyncPartialErr);
    }

    private static void Replication(StringBuilder text, CommandContext ctx)
    {
        var engine = ctx.Diagnostics.Engine;
        var replication = engine.Replication;
        var offset = engine.CommittedOffset;
        var now = ctx.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (replication.PrimaryUrl is { } primary)
        {
            var (host, port) = Commands.ReplicationCommands.HostAndPort(primary);
            var up = replication.Link == Lodestone.Engine.Replication.ReplicaLinkState.Connected;
            var lastIo = replication.LastIoMs;
            Field(text, "role", "slave");
            Field(text, "master_host", host);
            Field(text, "master_port", port);
            Field(text, "master_link_status", up ? "up" : "down");
            Field(text, "master_last_io_seconds_ago", lastIo < 0 ? -1 : (now - lastIo) / 1000);
            Field(text, "master_sync_in_progress", replication.SyncInProgress ? 1 : 0);
            Field(text, "slave_read_repl_offset", offset);
            Field(text, "slave_repl_offset", offset);
            Field(text, "slave_read_only", replication.ReadOnly ? 1 : 0);
        }
        else
        {
            Field(text, "role", "master");
        }
        var replicas = replication.Replicas.Values.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        Field(text, "connected_slaves", replicas.Count);
        // As Redis: shown only while min-replicas-to-write is on.
        if (replication.ChecksGoodReplicas)
            Field(text, "min_slaves_good_slaves", replication.GoodReplicas(now));
        for (var i = 0; i < replicas.Count; i++)
        {
            var r = replicas[i];
            Field(text, "slave" + i.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture,
                $"ip={r.Ip},port={r.Port},state={r.State},offset={r.AckOffset},lag={Math.Max(0, now - r.AckAtMs) / 1000}"));
        }
        var ids = replication.Ids;
        var group = replication.Group;
        Field(text, "master_failover_state", group is { Paused: true } ? "waiting-for-sync" : "no-failover");
        // Lodestone's own: the failover group this node is a member of.
        if (group is not null)
        {
            Field(text, "failover_node", group.NodeId);
            Field(text, "failover_epoch", group.Epoch);
            Field(text, "failover_primary", group.Primary);
            Field(text, "failover_leader", group.Leader);
            Field(text, "failover_lease", group.Lease ? 1 : 0);
            Field(text, "failover_failovers", group.Failovers);
            Field(text, "failover_lease_losses", group.LeaseLosses);
        }
        Field(text, "master_replid", ids.Id);
        Field(text, "master_replid2", ids.Id2);
        Field(text, "master_repl_offset", offset);
        Field(text, "second_repl_offset", ids.SecondOffset);
        // As Redis: the backlog is active once a reader asked for it; its first byte counts from 1.
        var stream = engine.Effects;
        var active = stream.BacklogActive;
        var held = active ? stream.Offset - stream.BacklogStart : 0;
        Field(text, "repl_backlog_active", active ? 1 : 0);
        Field(text, "repl_backlog_size", stream.BacklogCapacity);
        Field(text, "repl_backlog_first_byte_offset", active ? stream.BacklogStart + 1 : 0);
        Field(text, "repl_backlog_histlen", held);
    }

    private static void Cpu(StringBuilder text, CommandContext ctx)
    {
        var (system, user) = EngineDiagnostics.CpuSeconds();
        Field(text, "used_cpu_sys", system, "F6");
        Field(text, "used_cpu_user", user, "F6");
    }

    private static void CommandStats(StringBuilder text, CommandContext ctx)
    {
        foreach (var c in ctx.Diagnostics.Stats.SinceReset.Commands())
        {
            Field(text, "cmdstat_" + c.Name, string.Create(CultureInfo.InvariantCulture,
                $"calls={c.Calls},usec={c.Usec},usec_per_call={c.UsecPerCall:F2},rejected_calls={c.RejectedCalls},failed_calls={c.FailedCalls}"));
        }
    }

    private static void ErrorStats(StringBuilder text, CommandContext ctx)
    {
        foreach (var (code, count) in ctx.Diagnostics.Stats.SinceReset.ErrorCounts())
            Field(text, "errorstat_" + code, string.Create(CultureInfo.InvariantCulture, $"count={count}"));
    }

    private static void Keyspace(StringBuilder text, CommandContext ctx)
    {
        var keyspace = ctx.Keyspace;
        if (keyspace.Count == 0)
            return;
        Field(text, "db0", string.Create(CultureInfo.InvariantCulture,
            $"keys={keyspace.Count},expires={keyspace.ExpiresCount},avg_ttl={AverageTtl(keyspace, ctx.NowMs)}"));
    }

    /// <summary>An estimate from up to 64 random keys with a TTL (Redis estimates too, from its expiry cycle's samples).</summary>
    private static long AverageTtl(Keyspace.Keyspace keyspace, long nowMs)
    {
        if (keyspace.ExpiresCount == 0)
            return 0;
        long sum = 0;
        var samples = 0;
        for (var i = 0; i < Math.Min(64, keyspace.ExpiresCount); i++)
        {
            if (keyspace.RandomEntryWithExpiry() is not { } entry || entry.ExpireAtMs < nowMs)
                continue;
            sum += entry.ExpireAtMs - nowMs;
            samples++;
        }
        return samples == 0 ? 0 : sum / samples;
    }

    /// <summary>Redis's bytesToHuman: B, K, M, G, T with two decimals.</summary>
    private static string Human(long bytes)
    {
        string[] units = ["K", "M", "G", "T", "P"];
        if (bytes < 1024)
            return bytes.ToString(CultureInfo.InvariantCulture) + "B";
        var value = (double)bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString("F2", CultureInfo.InvariantCulture) + units[unit];
    }
}
