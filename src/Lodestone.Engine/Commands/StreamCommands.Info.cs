using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>XINFO and XSETID: what a stream and its groups hold, and setting its counters.</summary>
internal static partial class StreamCommands
{
    /// <summary>XINFO STREAM key [FULL [COUNT count]] | GROUPS key | CONSUMERS key group | HELP</summary>
    /// <remarks>
    /// Redis 7.0's fields. Differs from Redis: radix-tree-keys counts our blocks (the same as Redis's
    /// nodes while entries are small) and radix-tree-nodes estimates the tree Redis would build over them.
    /// </remarks>
    [Command("XINFO", -2, Flags = CommandFlags.ReadOnly, FirstKey = 2, LastKey = 2,
        Syntax = "XINFO STREAM key [FULL [COUNT count]] | XINFO GROUPS key | XINFO CONSUMERS key group | XINFO HELP",
        Summary = "Returns information about a stream, its consumer groups, or the consumers of a group.",
        Complexity = "O(1) for STREAM, GROUPS and CONSUMERS, O(N) for STREAM FULL with N the entries, groups and pending entries shown.",
        Group = Group, Since = "5.0.0")]
    public static Reply XInfo(CommandContext ctx)
    {
        var sub = ctx.ArgText(1).ToUpperInvariant();
        var arity = sub switch
        {
            "STREAM" => -3,
            "GROUPS" => 3,
            "CONSUMERS" => 4,
            "HELP" => 2,
            _ => 0,
        };
        if (arity == 0)
            return Errors.UnknownSubcommand(ctx.ArgText(1), "XINFO");
        if (arity > 0 ? ctx.ArgCount != arity : ctx.ArgCount < -arity)
            return Errors.WrongArity("xinfo|" + sub.ToLowerInvariant());
        if (sub == "HELP")
            return Reply.Array(XInfoHelp.Select(Reply.Simple).ToArray());

        if (StreamAt(ctx, 2, out _, out var stream) is { } wrongType)
            return wrongType;
        if (stream is null)
            return Errors.NoSuchKey;
        var full = false;
        long count = 10;
        if (sub == "STREAM" && ctx.ArgCount > 3)
        {
            if (ctx.ArgCount > 6 || !ctx.ArgIs(3, "FULL") || (ctx.ArgCount > 4 && (ctx.ArgCount != 6 || !ctx.ArgIs(4, "COUNT"))))
                return Errors.UnknownSubcommandOrArity(ctx.ArgText(1), "XINFO");
            full = true;
            if (ctx.ArgCount == 6)
            {
                if (!ctx.TryInt64(5, out count))
                    return Errors.NotInteger;
                if (count < 0)
                    count = 10;
            }
        }

        switch (sub)
        {
            case "GROUPS":
                return Reply.Array(stream.Groups?.Values.Select(group => GroupInfo(stream, group)).ToArray() ?? []);
            case "CONSUMERS":
            {
                if (stream.Group(ctx.Args[3]) is not { } group)
                    return Errors.NoGroupForKey(ctx.ArgText(3), ctx.ArgText(2));
                var now = ctx.NowMs;
                return Reply.Array(group.Consumers.Values.Select(consumer => Reply.Map([
                    Reply.Bulk("name"), Reply.Bulk(consumer.Name),
                    Reply.Bulk("pending"), Reply.Integer(consumer.Pending.Count),
                    Reply.Bulk("idle"), Reply.Integer(Math.Max(now - consumer.SeenTime, 0)),
                ])).ToArray());
            }
            default:
                return full ? StreamInfoFull(ctx, stream, count) : StreamInfo(stream);
        }
    }

    /// <summary>XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]</summary>
    [Command("XSETID", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]",
        Summary = "An internal command for replicating stream values.", Complexity = "O(1)", Group = Group, Since = "5.0.0")]
    public static Reply XSetId(CommandContext ctx)
    {
        if (ParseStrictId(ctx, 2, out var id) is { } invalid)
            return invalid;
        long entriesAdded = -1;
        StreamId maxDeleted = default;
        for (var i = 3; i < ctx.ArgCount; i += 2)
        {
            var more = ctx.ArgCount - 1 - i;
            if (ctx.ArgIs(i, "ENTRIESADDED") && more > 0)
            {
                if (!ctx.TryInt64(i + 1, out entriesAdded))
                    return Errors.NotInteger;
                if (entriesAdded < 0)
                    return Errors.StreamEntriesAddedNegative;
            }
            else if (ctx.ArgIs(i, "MAXDELETEDID") && more > 0)
            {
                if (ParseStrictId(ctx, i + 1, out maxDeleted) is { } badId)
                    return badId;
                if (id < maxDeleted)
                    return Errors.StreamSetIdBelowMaxDeleted;
            }
            else
            {
                return Errors.Syntax;
            }
        }
        if (StreamAt(ctx, 1, out var entry, out var stream) is { } wrongType)
            return wrongType;
        if (stream is null)
            return Errors.NoSuchKey;
        if (stream.Length > 0)
        {
            stream.TryEdge(last: true, out var top);
            if (id < top)
                return Errors.StreamSetIdTooSmall;
            if (entriesAdded != -1 && stream.Length > entriesAdded)
                return Errors.StreamEntriesAddedTooSmall;
        }
        stream.LastId = id;
        if (entriesAdded != -1)
            stream.EntriesAdded = entriesAdded;
        if (!maxDeleted.IsZero)
            stream.MaxDeletedId = maxDeleted;
        ctx.Keyspace.Touch(entry!);
        ctx.MarkDirty();
        ctx.KeyEvent("xsetid", entry!.Key);
        return Reply.Ok;
    }

    private static Reply StreamInfo(StreamValue stream)
    {
        var first = stream.Range(StreamId.Min, StreamId.Max, 1).Select(e => EntryReply(e.Id, e.Pairs)).FirstOrDefault();
        var last = stream.Range(StreamId.Min, StreamId.Max, 1, reverse: true).Select(e => EntryReply(e.Id, e.Pairs)).FirstOrDefault();
        return Reply.Map([
            .. StreamHeader(stream),
            Reply.Bulk("groups"), Reply.Integer(stream.GroupCount),
            Reply.Bulk("first-entry"), first.Kind == ReplyKind.Null ? Reply.Null : first,
            Reply.Bulk("last-entry"), last.Kind == ReplyKind.Null ? Reply.Null : last,
        ]);
    }

    private static Reply StreamInfoFull(CommandContext ctx, StreamValue stream, long count)
    {
        var entries = EntriesReply(ctx, stream, StreamId.Min, StreamId.Max, count, reverse: false);
        if (entries.IsError)
            return entries;
        var groups = new List<Reply>();
        foreach (var group in stream.Groups?.Values ?? Enumerable.Empty<StreamGroup>())
        {
            var pending = group.Pending.All().Take(count == 0 ? int.MaxValue : (int)Math.Min(count, int.MaxValue))
                .Select(p => Reply.Array([Reply.Bulk(p.Id.ToBytes()), Reply.Bulk(p.Consumer.Name), Reply.Integer(p.DeliveryTime), Reply.Integer(p.DeliveryCount)]))
                .ToArray();
            var consumers = group.Consumers.Values.Select(consumer => Reply.Map([
                Reply.Bulk("name"), Reply.Bulk(consumer.Name),
                Reply.Bulk("seen-time"), Reply.Integer(consumer.SeenTime),
                Reply.Bulk("pel-count"), Reply.Integer(consumer.Pending.Count),
                Reply.Bulk("pending"), Reply.Array(consumer.Pending.All().Take(count == 0 ? int.MaxValue : (int)Math.Min(count, int.MaxValue))
                    .Select(p => Reply.Array([Reply.Bulk(p.Id.ToBytes()), Reply.Integer(p.DeliveryTime), Reply.Integer(p.DeliveryCount)])).ToArray()),
            ])).ToArray();
            groups.Add(Reply.Map([
                Reply.Bulk("name"), Reply.Bulk(group.Name),
                Reply.Bulk("last-delivered-id"), Reply.Bulk(group.LastId.ToBytes()),
                Reply.Bulk("entries-read"), EntriesRead(group),
                Reply.Bulk("lag"), Lag(stream, group),
                Reply.Bulk("pel-count"), Reply.Integer(group.Pending.Count),
                Reply.Bulk("pending"), Reply.Array(pending),
                Reply.Bulk("consumers"), Reply.Array(consumers),
            ]));
        }
        return Reply.Map([
            .. StreamHeader(stream),
            Reply.Bulk("entries"), entries,
            Reply.Bulk("groups"), Reply.Array([.. groups]),
        ]);
    }

    private static Reply[] StreamHeader(StreamValue stream) =>
    [
        Reply.Bulk("length"), Reply.Integer(stream.Length),
        Reply.Bulk("radix-tree-keys"), Reply.Integer(stream.BlockCount),
        Reply.Bulk("radix-tree-nodes"), Reply.Integer(RadixTreeNodes(stream.BlockCount)),
        Reply.Bulk("last-generated-id"), Reply.Bulk(stream.LastId.ToBytes()),
        Reply.Bulk("max-deleted-entry-id"), Reply.Bulk(stream.MaxDeletedId.ToBytes()),
        Reply.Bulk("entries-added"), Reply.Integer(stream.EntriesAdded),
        Reply.Bulk("recorded-first-entry-id"), Reply.Bulk(stream.FirstId.ToBytes()),
    ];

    /// <summary>An estimate of the nodes of Redis's radix tree over <paramref name="keys"/> 128-bit keys (it has one more than keys for a few, about twice as many for many).</summary>
    private static long RadixTreeNodes(int keys) => keys == 0 ? 1 : keys == 1 ? 2 : (2L * keys) + 1;

    private static Reply GroupInfo(StreamValue stream, StreamGroup group) => Reply.Map([
        Reply.Bulk("name"), Reply.Bulk(group.Name),
        Reply.Bulk("consumers"), Reply.Integer(group.Consumers.Count),
        Reply.Bulk("pending"), Reply.Integer(group.Pending.Count),
        Reply.Bulk("last-delivered-id"), Reply.Bulk(group.LastId.ToBytes()),
        Reply.Bulk("entries-read"), EntriesRead(group),
        Reply.Bulk("lag"), Lag(stream, group),
    ]);

    private static Reply EntriesRead(StreamGroup group) =>
        group.EntriesRead == StreamGroup.UnknownEntriesRead ? Reply.Null : Reply.Integer(group.EntriesRead);

    private static Reply Lag(StreamValue stream, StreamGroup group) => stream.Lag(group) is { } lag ? Reply.Integer(lag) : Reply.Null;

    private static readonly string[] XInfoHelp =
    [
        "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
        "HELP",
        "    Prints this help.",
    ];
}
