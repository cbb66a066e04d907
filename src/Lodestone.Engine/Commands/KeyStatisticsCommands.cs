using Lodestone.Engine.Diagnostics;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// Lodestone's own reports about the keys: the most accessed (HOTKEYS) and the largest (BIGKEYS),
/// what redis-cli --hotkeys and --bigkeys --memkeys work out from the client side.
/// </summary>
/// <remarks>
/// Design note. Hot keys are read from statistics kept on every access (<see cref="Keyspace.HotKeys"/>),
/// so HOTKEYS is O(K). Big keys need a walk of the whole keyspace, which must not stop the engine:
/// BIGKEYS is one slice of it, as SCAN is — it walks from a cursor for at most
/// <see cref="KeyStatistics.BigKeysSlice"/> and answers with the cursor to go on from and that slice's
/// tallies, which the caller merges (<see cref="BigKeysTally.AddReply"/>). Commands run between
/// calls. Every key present for the whole walk is counted; keys written meanwhile may or may not be.
/// </remarks>
internal static class KeyStatisticsCommands
{
    /// <summary>HOTKEYS [COUNT count]</summary>
    /// <remarks>
    /// Lodestone's own command. O(K), K the keys asked for. Each key: its estimated accesses (a
    /// count-min sketch with decay: halved every 10 s, never under the truth), the recent rate they
    /// imply and, under an LFU policy, its LFU counter (else nil).
    /// </remarks>
    [Command("HOTKEYS", -1, Flags = CommandFlags.Admin | CommandFlags.Dangerous | CommandFlags.ReadOnly,
        Syntax = "HOTKEYS [COUNT count]", Summary = "Returns the most accessed keys, hottest first (Lodestone).",
        Complexity = "O(K) where K is the number of keys returned", Group = "server", Since = "0.1.0")]
    public static Reply HotKeys(CommandContext ctx)
    {
        if (ParseCount(ctx, 1, 10, KeyStatistics.MaxHotKeys) is not { } count)
            return ctx.ArgCount == 3 ? Errors.ValueNotBetween(1, KeyStatistics.MaxHotKeys) : Errors.Syntax;
        var lfu = ctx.Settings.MaxMemoryPolicy.IsLfu();
        return Reply.Array(ctx.Keyspace.HotKeys.Top(count, ctx.NowMs).Select(t => Reply.Map(
        [
            Reply.Bulk("key"), Reply.Bulk(t.Entry.Key),
            Reply.Bulk("type"), Reply.Bulk(t.Entry.Type.Name()),
            Reply.Bulk("accesses"), Reply.Integer(t.Count),
            Reply.Bulk("accesses-per-second"), Reply.Double(t.PerSecond),
            Reply.Bulk("lfu-freq"), lfu ? Reply.Integer(Eviction.LfuCounter(t.Entry.Access, ctx.NowMs)) : Reply.Null,
        ])).ToArray());
    }

    /// <summary>BIGKEYS cursor [TYPE type] [COUNT count]</summary>
    /// <remarks>
    /// Lodestone's own command. O(1) per call (a slice of at most 1 ms); O(N) for a whole walk, from
    /// cursor 0 until it is 0 again. Replies with the next cursor and, per type met in the slice, a map:
    /// type, keys, elements, bytes, and the largest keys by elements and by estimated bytes (COUNT of
    /// each, default 5), each as [key, elements, bytes]. Elements are a string's bytes.
    /// </remarks>
    [Command("BIGKEYS", -2, Flags = CommandFlags.Admin | CommandFlags.Dangerous | CommandFlags.ReadOnly,
        Syntax = "BIGKEYS cursor [TYPE type] [COUNT count]", Summary = "Walks the keyspace a slice at a time, reporting the largest keys per type (Lodestone).",
        Complexity = "O(1) for every call. O(N) for a complete walk, N the number of keys.", Group = "server", Since = "0.1.0")]
    public static Reply BigKeys(CommandContext ctx)
    {
        if (!RedisNumbers.TryParseUInt64(ctx.Arg(1), out var cursor))
            return Errors.InvalidCursor;
        var only = RedisType.None;
        var count = 5;
        for (var i = 2; i < ctx.ArgCount; i += 2)
        {
            if (i + 1 >= ctx.ArgCount)
                return Errors.Syntax;
            if (ctx.ArgIs(i, "TYPE"))
            {
                if (!RedisTypeNames.TryParse(ctx.ArgText(i + 1), out only))
                    return Errors.UnknownTypeName(ctx.ArgText(i + 1));
            }
            else if (ctx.ArgIs(i, "COUNT"))
            {
                if (!ctx.TryInt64(i + 1, out var wanted) || wanted < 1 || wanted > KeyStatistics.MaxBigKeys)
                    return Errors.ValueNotBetween(1, KeyStatistics.MaxBigKeys);
                count = (int)wanted;
            }
            else
            {
                return Errors.Syntax;
            }
        }

        var tally = new BigKeysTally(count);
        var access = ctx.Access;
        cursor = ctx.Keyspace.Walk(cursor, KeyStatistics.BigKeysSlice, entry =>
        {
            if (!access.IsExpired(entry) && (only == RedisType.None || entry.Type == only))
                tally.Add(new BigKey(entry.Key, entry.Type, entry.Value.Length, Keyspace.Keyspace.SizeOf(entry)));
        });
        return tally.ToReply(cursor);
    }

    /// <summary>[COUNT count] at <paramref name="at"/>: the count, the default without one, null when malformed or out of range.</summary>
    private static int? ParseCount(CommandContext ctx, int at, int fallback, int max)
    {
        if (ctx.ArgCount == at)
            return fallback;
        if (ctx.ArgCount != at + 2 || !ctx.ArgIs(at, "COUNT"))
            return null;
        return ctx.TryInt64(at + 1, out var count) && count >= 1 && count <= max ? (int)count : null;
    }
}
