using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Commands;

/// <summary>Snapshots on demand: BGSAVE, BGREWRITEAOF and LASTSAVE (Redis's rdb.c and aof.c).</summary>
/// <remarks>
/// Differs from Redis: a snapshot is also the log's rewrite here (see <see cref="Persistence.AppendOnlyLog"/>),
/// so BGSAVE and BGREWRITEAOF start the same job, and each refuses while it runs; without
/// persistence (Persistence:AppendOnly false) there is nothing to write to, and both are refused.
/// </remarks>
internal static class PersistenceCommands
{
    /// <summary>BGSAVE</summary>
    /// <remarks>O(1) here; the walk runs in slices between batches. Differs from Redis: no SCHEDULE option.</remarks>
    [Command("BGSAVE", 1, Flags = CommandFlags.Admin | CommandFlags.Dangerous,
        Syntax = "BGSAVE", Summary = "Asynchronously saves the database(s) to disk.", Complexity = "O(1)", Group = "server", Since = "1.0.0")]
    public static Reply BgSave(CommandContext ctx) =>
        StartSnapshot(ctx, "Background saving started", Errors.BackgroundSaveInProgress);

    /// <summary>BGREWRITEAOF</summary>
    /// <remarks>O(1) here; the same job as BGSAVE (a new snapshot, then a new log segment from its offset).</remarks>
    [Command("BGREWRITEAOF", 1, Flags = CommandFlags.Admin | CommandFlags.Dangerous,
        Syntax = "BGREWRITEAOF", Summary = "Asynchronously rewrites the append-only file to disk.", Complexity = "O(1)", Group = "server", Since = "1.0.0")]
    public static Reply BgRewriteAof(CommandContext ctx) =>
        StartSnapshot(ctx, "Background append only file rewriting started", Errors.BackgroundRewriteInProgress);

    /// <summary>LASTSAVE</summary>
    /// <remarks>The last successful snapshot (taken or loaded at start), Unix seconds; the engine's start when there is none, as in Redis.</remarks>
    [Command("LASTSAVE", 1, Flags = CommandFlags.Admin | CommandFlags.Dangerous | CommandFlags.Fast | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Random,
        Syntax = "LASTSAVE", Summary = "Returns the Unix timestamp of the last successful save to disk.", Complexity = "O(1)", Group = "server", Since = "1.0.0")]
    public static Reply LastSave(CommandContext ctx) =>
        Reply.Integer((ctx.Diagnostics.Log?.Compactor.Status.LastSaveTime ?? ctx.Diagnostics.StartedAt).ToUnixTimeSeconds());

    /// <summary>
    /// Starts a snapshot and returns at once: the log does the disk work off the engine thread, and
    /// the engine's part (the walk) runs in slices between batches.
    /// </summary>
    private static Reply StartSnapshot(CommandContext ctx, string started, EngineError busy)
    {
        if (ctx.Diagnostics.Log is not { } log || ctx.Diagnostics.Persistence is { AppendOnly: false })
            return Errors.PersistenceOff;
        return log.Compactor.TryStartSnapshot(ctx.Diagnostics.Engine) ? Reply.Simple(started) : busy;
    }
}
