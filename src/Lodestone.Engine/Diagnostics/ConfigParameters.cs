using System.Globalization;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Diagnostics;

/// <summary>
/// A validated change to one parameter: <see cref="Apply"/> to make it, or why it is refused
/// (<see cref="Error"/>, Redis's reason text such as "argument couldn't be parsed into an integer").
/// </summary>
internal readonly record struct ConfigChange(Action? Apply, string? Error)
{
    public static ConfigChange Refused(string reason) => new(null, reason);
}

/// <summary>One runtime parameter of CONFIG GET/SET: its name, how to read it, and how to validate and set it (null when it is read-only).</summary>
internal sealed record ConfigParameter(string Name, Func<CommandContext, string> Get, Func<CommandContext, string, ConfigChange>? Set = null)
{
    public bool IsMutable => Set is not null;

    /// <summary>An integer parameter within <paramref name="min"/>…<paramref name="max"/>, as Redis's numeric configs.</summary>
    public static ConfigParameter Integer(string name, long min, long max, Func<CommandContext, long> get, Action<CommandContext, long> set) =>
        new(name, ctx => get(ctx).ToString(CultureInfo.InvariantCulture), (ctx, text) =>
        {
            if (!RedisNumbers.TryParseInt64(System.Text.Encoding.UTF8.GetBytes(text), out var value))
                return ConfigChange.Refused("argument couldn't be parsed into an integer");
            if (value < min || value > max)
                return ConfigChange.Refused($"argument must be between {min} and {max} inclusive");
            return new ConfigChange(() => set(ctx, value), null);
        });

    /// <summary>
    /// A size in bytes, as Redis's memory configs take it: a plain number, or with a unit —
    /// <c>k</c>/<c>m</c>/<c>g</c> for powers of 1000, <c>kb</c>/<c>mb</c>/<c>gb</c> for powers of 1024 (any case).
    /// </summary>
    public static ConfigParameter Bytes(string name, Func<CommandContext, long> get, Action<CommandContext, long> set) =>
        new(name, ctx => get(ctx).ToString(CultureInfo.InvariantCulture), (ctx, text) =>
            TryParseBytes(text, out var value)
                ? new ConfigChange(() => set(ctx, value), null)
                : ConfigChange.Refused("argument must be a memory value"));

    private static bool TryParseBytes(string text, out long bytes)
    {
        bytes = 0;
        (string Suffix, long Unit)[] units = [("kb", 1024), ("mb", 1024 * 1024), ("gb", 1024L * 1024 * 1024), ("k", 1000), ("m", 1000_000), ("g", 1000_000_000), ("b", 1)];
        var unit = 1L;
        var digits = text;
        foreach (var (suffix, size) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                unit = size;
                digits = text[..^suffix.Length];
                break;
            }
        }
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && !long.IsNegative(count) && count <= long.MaxValue / unit && (bytes = count * unit) >= 0;
    }

    /// <summary>A parameter that takes one of <paramref name="choices"/> (any case), as Redis's enum configs.</summary>
    public static ConfigParameter Choice(string name, string[] choices, Func<CommandContext, string> get, Action<CommandContext, string> set) =>
        new(name, get, (ctx, text) =>
        {
            var chosen = choices.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase));
            return chosen is null
                ? ConfigChange.Refused($"argument(s) must be one of the following: {string.Join(", ", choices)}")
                : new ConfigChange(() => set(ctx, chosen), null);
        });

    /// <summary>A yes/no parameter, as Redis's bool configs.</summary>
    public static ConfigParameter YesNo(string name, Func<CommandContext, bool> get, Action<CommandContext, bool> set) =>
        new(name, ctx => get(ctx) ? "yes" : "no", (ctx, text) =>
            text.Equals("yes", StringComparison.OrdinalIgnoreCase) ? new ConfigChange(() => set(ctx, true), null)
            : text.Equals("no", StringComparison.OrdinalIgnoreCase) ? new ConfigChange(() => set(ctx, false), null)
            : ConfigChange.Refused("argument must be 'yes' or 'no'"));

    /// <summary>A parameter CONFIG GET shows but CONFIG SET refuses (set it in the settings and restart).</summary>
    public static ConfigParameter ReadOnly(string name, Func<CommandContext, string> get) => new(name, get);
}

/// <summary>
/// The one registry of what CONFIG GET/SET and <c>/admin/config</c> know. Adding a parameter is one
/// declaration here: its name, its getter, and its validating setter (or none, for read-only).
/// Getters and setters run on the engine thread.
/// </summary>
internal static class ConfigParameters
{
    public static readonly ConfigParameter[] All =
    [
        ConfigParameter.Integer("slowlog-log-slower-than", -1, long.MaxValue,
            ctx => ctx.Diagnostics.Slowlog.LogSlowerThanUs, (ctx, value) => ctx.Diagnostics.Slowlog.LogSlowerThanUs = value),
        ConfigParameter.Integer("slowlog-max-len", 0, long.MaxValue,
            ctx => ctx.Diagnostics.Slowlog.MaxLen, (ctx, value) => ctx.Diagnostics.Slowlog.MaxLen = value),
        ConfigParameter.Integer("latency-monitor-threshold", 0, long.MaxValue,
            ctx => ctx.Diagnostics.Latency.ThresholdMs, (ctx, value) => ctx.Diagnostics.Latency.ThresholdMs = value),
        ConfigParameter.Integer("hz", 0, int.MaxValue,
            ctx => ctx.Settings.Hz,
            // Clamped, as Redis does.
            (ctx, value) => ctx.ChangeSettings(s => s with { Hz = (int)Math.Clamp(value, EngineOptions.HzMin, EngineOptions.HzMax) })),
        // The fsync timer is set up when the log opens; changing the policy under it is not clean, so it is read-only.
        ConfigParameter.ReadOnly("appendfsync",
            ctx => (ctx.Diagnostics.Persistence?.AppendFsync ?? Persistence.AppendFsync.EverySec).ToString().ToLowerInvariant()),
        ConfigParameter.ReadOnly("appendonly",
            ctx => ctx.Diagnostics.Persistence?.AppendOnly == true ? "yes" : "no"),
        ConfigParameter.Bytes("maxmemory",
            ctx => ctx.Settings.MaxMemoryBytes, (ctx, value) => ctx.ChangeSettings(s => s with { MaxMemoryBytes = value })),
        ConfigParameter.Choice("maxmemory-policy", [.. MaxMemoryPolicies.All],
            ctx => ctx.Settings.MaxMemoryPolicy.Name(),
            (ctx, name) => ctx.ChangeSettings(s => MaxMemoryPolicies.TryParse(name, out var policy) ? s with { MaxMemoryPolicy = policy } : s)),
        ConfigParameter.Integer("maxmemory-samples", EngineOptions.MaxMemorySamplesMin, EngineOptions.MaxMemorySamplesMax,
            ctx => ctx.Settings.MaxMemorySamples, (ctx, value) => ctx.ChangeSettings(s => s with { MaxMemorySamples = (int)value })),
        ConfigParameter.Bytes("hll-sparse-max-bytes",
            ctx => ctx.Settings.HllSparseMaxBytes, (ctx, value) => ctx.ChangeSettings(s => s with { HllSparseMaxBytes = value })),
        new ConfigParameter("notify-keyspace-events", ctx => PubSub.KeyspaceNotifications.Format(ctx.Notifications.Flags), (ctx, text) =>
            PubSub.KeyspaceNotifications.Parse(text) is { } flags
                ? new ConfigChange(() => ctx.Notifications.Flags = flags, null)
                : ConfigChange.Refused("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")),
        ConfigParameter.Integer("busy-reply-threshold", 0, long.MaxValue,
            ctx => ctx.Settings.BusyReplyThresholdMs, (ctx, value) => ctx.ChangeSettings(s => s with { BusyReplyThresholdMs = value })),
        // Redis's older name for busy-reply-threshold.
        ConfigParameter.Integer("lua-time-limit", 0, long.MaxValue,
            ctx => ctx.Settings.BusyReplyThresholdMs, (ctx, value) => ctx.ChangeSettings(s => s with { BusyReplyThresholdMs = value })),
        // Redis's replica-serve-stale-data and its older name: a replica answers data commands while its link is down (yes) or MASTERDOWN (no).
        ServeStaleData("replica-serve-stale-data"),
        ServeStaleData("slave-serve-stale-data"),
        ConfigParameter.ReadOnly("proto-max-bulk-len",
            ctx => ctx.Options.ProtoMaxBulkLen.ToString(CultureInfo.InvariantCulture)),
        // Replication, with Redis's older "slave" names beside the new ones (CONFIG GET shows both, as Redis).
        ConfigParameter.Bytes("repl-backlog-size",
            ctx => ctx.Diagnostics.Engine.Effects.BacklogCapacity,
            // Clamped, as Redis does; the held history is kept (as much of it as fits).
            (ctx, value) => ctx.Diagnostics.Engine.Effects.Resize((int)Math.Clamp(value, EngineOptions.MinReplBacklogSize, EngineOptions.MaxReplBacklogSize))),
        ReplicaReadOnly("replica-read-only"),
        ReplicaReadOnly("slave-read-only"),
        MinReplicasToWrite("min-replicas-to-write"),
        MinReplicasToWrite("min-slaves-to-write"),
        MinReplicasMaxLag("min-replicas-max-lag"),
        MinReplicasMaxLag("min-slaves-max-lag"),
    ];

    private static ConfigParameter ServeStaleData(string name) =>
        ConfigParameter.YesNo(name, ctx => ctx.Diagnostics.Engine.Replication.ServeStaleData, (ctx, value) => ctx.Diagnostics.Engine.Replication.ServeStaleData = value);

    private static ConfigParameter ReplicaReadOnly(string name) =>
        ConfigParameter.YesNo(name, ctx => ctx.Diagnostics.Engine.Replication.ReadOnly, (ctx, value) => ctx.Diagnostics.Engine.Replication.ReadOnly = value);

    private static ConfigParameter MinReplicasToWrite(string name) =>
        ConfigParameter.Integer(name, 0, int.MaxValue,
            ctx => ctx.Diagnostics.Engine.Replication.MinReplicasToWrite, (ctx, value) => ctx.Diagnostics.Engine.Replication.MinReplicasToWrite = (int)value);

    private static ConfigParameter MinReplicasMaxLag(string name) =>
        ConfigParameter.Integer(name, 0, int.MaxValue,
            ctx => ctx.Diagnostics.Engine.Replication.MinReplicasMaxLagSeconds, (ctx, value) => ctx.Diagnostics.Engine.Replication.MinReplicasMaxLagSeconds = (int)value);

    /// <summary>The parameter named <paramref name="name"/> (any case), or null.</summary>
    public static ConfigParameter? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
