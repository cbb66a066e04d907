using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>Consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM.</summary>
/// <remarks>
/// Effects, as Redis propagates them: every change to a pending entry is logged as the
/// <c>XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id</c> that recreates
/// it exactly (a deleted entry's removal too), a group's new last id as
/// <c>XGROUP SETID … ENTRIESREAD n</c>, a consumer created by a read as XGROUP CREATECONSUMER.
/// Differs from Redis 7.0, which logs neither a history read's new delivery count nor the read
/// counter after a plain XREADGROUP: both are logged here, so a replay ends where the engine was.
/// </remarks>
internal static partial class StreamCommands
{
    /// <summary>XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]</summary>
    /// <remarks>
    /// With BLOCK and nothing new (<c>&gt;</c>), parks like BLPOP; a parked read whose stream is deleted
    /// or whose group is destroyed answers Redis 7.0's UNBLOCKED / NOGROUP errors. A reply that would
    /// exceed the caller's element limit stops early (the rest stays undelivered, as with COUNT).
    /// </remarks>
    [Command("XREADGROUP", -7, Flags = CommandFlags.Write | CommandFlags.Blocking, KeysAfterKeyword = "STREAMS", KeywordSearchFrom = 4,
        Syntax = "XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]",
        Summary = "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.",
        Complexity = "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
        Group = Group, Since = "5.0.0")]
    public static Reply XReadGroup(CommandContext ctx) => ReadGeneric(ctx, groupMode: true);

    /// <summary>XGROUP CREATE | SETID | DESTROY | CREATECONSUMER | DELCONSUMER | HELP</summary>
    [Command("XGROUP", -2, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 2, LastKey = 2,
        Syntax = "XGROUP CREATE key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read] | XGROUP SETID key group <id | $> [ENTRIESREAD entries-read] | XGROUP DESTROY key group | XGROUP CREATECONSUMER key group consumer | XGROUP DELCONSUMER key group consumer | XGROUP HELP",
        Summary = "Creates, changes or destroys consumer groups and their consumers.",
        Complexity = "O(1) for CREATE, SETID and CREATECONSUMER; O(N) for DESTROY and DELCONSUMER, N being the pending entries removed.",
        Group = Group, Since = "5.0.0")]
    public static Reply XGroup(CommandContext ctx)
    {
        var sub = ctx.ArgText(1).ToUpperInvariant();
        var arity = sub switch
        {
            "CREATE" => -5,
            "SETID" => -5,
            "DESTROY" => 4,
            "CREATECONSUMER" => 5,
            "DELCONSUMER" => 5,
            "HELP" => 2,
            _ => 0,
        };
        if (arity == 0)
            return Errors.UnknownSubcommand(ctx.ArgText(1), "XGROUP");
        if (arity > 0 ? ctx.ArgCount != arity : ctx.ArgCount < -arity)
            return Errors.WrongArity("xgroup|" + sub.ToLowerInvariant());
        if (sub == "HELP")
            return Reply.Array(XGroupHelp.Select(Reply.Simple).ToArray());

        var makeStream = false;
        var entriesRead = StreamGroup.UnknownEntriesRead;
        if (sub == "CREATE")
        {
            for (var i = 5; i < ctx.ArgCount;)
            {
                if (ctx.ArgIs(i, "MKSTREAM"))
                {
                    makeStream = true;
                    i++;
                }
                else if (ctx.ArgIs(i, "ENTRIESREAD") && i + 1 < ctx.ArgCount)
                {
                    if (!ctx.TryInt64(i + 1, out entriesRead))
                        return Errors.NotInteger;
                    if (entriesRead < 0 && entriesRead != StreamGroup.UnknownEntriesRead)
                        return Errors.StreamEntriesReadInvalid;
                    i += 2;
                }
                else
                {
                    return Errors.UnknownSubcommandOrArity(ctx.ArgText(1), "XGROUP");
                }
            }
        }
        if (StreamAt(ctx, 2, out var entry, out var stream) is { } wrongType)
            return wrongType;
        var key = ctx.Args[2];
        var groupName = ctx.Args[3];
        if (stream is null && (sub != "CREATE" || !makeStream))
            return Errors.StreamGroupNeedsKey;
        var group = stream?.Group(groupName);
        if (group is null && sub is "SETID" or "CREATECONSUMER" or "DELCONSUMER")
            return Errors.NoGroupForKey(Encoding.UTF8.GetString(groupName), ctx.ArgText(2));

        switch (sub)
        {
            case "CREATE":
            {
                if (ctx.ArgCount > 8)
                    return Errors.UnknownSubcommandOrArity(ctx.ArgText(1), "XGROUP");
                StreamId id;
                if (ctx.Arg(4).SequenceEqual("$"u8))
                    id = stream?.LastId ?? default;
                else if (ParseStrictId(ctx, 4, out id) is { } invalid)
                    return invalid;
                if (stream is null)
                {
                    stream = new StreamValue();
                    entry = ctx.Keyspace.Add(key, RedisType.Stream, stream, ctx.Access);
                }
                if (stream.CreateGroup(groupName, id, entriesRead) is null)
                    return Errors.BusyGroup;
                ChangedGroups(ctx, entry!, "xgroup-create");
                // Replays with the id "$" stood for.
                ctx.Propagate(Effects.Argv("XGROUP", "CREATE", key, groupName, id.ToBytes(), "MKSTREAM", "ENTRIESREAD", entriesRead));
                return Reply.Ok;
            }
            case "SETID":
            {
                if (ctx.ArgCount is not (5 or 7))
                    return Errors.UnknownSubcommandOrArity(ctx.ArgText(1), "XGROUP");
                StreamId id;
                if (ctx.Arg(4).SequenceEqual("$"u8))
                    id = stream!.LastId;
                else if (ParseId(ctx, 4, 0, out id) is { } invalid)
                    return invalid;
                if (ctx.ArgCount == 7)
                {
                    if (!ctx.ArgIs(5, "ENTRIESREAD"))
                        return Errors.UnknownSubcommandOrArity(ctx.ArgText(1), "XGROUP");
                    if (!ctx.TryInt64(6, out entriesRead))
                        return Errors.NotInteger;
                    if (entriesRead < 0 && entriesRead != StreamGroup.UnknownEntriesRead)
                        return Errors.StreamEntriesReadInvalid;
                }
                group!.LastId = id;
                group.EntriesRead = entriesRead;
                ChangedGroups(ctx, entry!, "xgroup-setid");
                ctx.Propagate(Effects.Argv("XGROUP", "SETID", key, groupName, id.ToBytes(), "ENTRIESREAD", entriesRead));
                return Reply.Ok;
            }
            case "DESTROY":
                if (group is null)
                    return Reply.Zero;
                stream!.DestroyGroup(groupName);
                ChangedGroups(ctx, entry!, "xgroup-destroy");
                // Parked XREADGROUPs on the group get their NOGROUP answer.
                ctx.Keyspace.SignalReady(key);
                return Reply.One;
            case "CREATECONSUMER":
            {
                group!.GetOrCreateConsumer(ctx.Args[4], ctx.SeenNowMs, out var created);
                if (!created)
                    return Reply.Zero;
                ChangedGroups(ctx, entry!, "xgroup-createconsumer");
                return Reply.One;
            }
            default:
            {
                var pending = group!.DeleteConsumer(ctx.Args[4]);
                if (pending < 0)
                    return Reply.Zero;
                ChangedGroups(ctx, entry!, "xgroup-delconsumer");
                return Reply.Integer(pending);
            }
        }
    }

    /// <summary>XACK key group id [id ...]</summary>
    [Command("XACK", -4, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "XACK key group id [id ...]", Summary = "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.",
        Complexity = "O(1) for each message ID processed.", Group = Group, Since = "5.0.0")]
    public static Reply XAck(CommandContext ctx)
    {
        if (StreamAt(ctx, 1, out var entry, out var stream) is { } wrongType)
            return wrongType;
        if (stream?.Group(ctx.Args[2]) is not { } group)
            return Reply.Zero;
        var ids = new StreamId[ctx.ArgCount - 3];
        for (var i = 0; i < ids.Length; i++)
        {
            if (ParseStrictId(ctx, i + 3, out ids[i]) is { } invalid)
                return invalid;
        }
        var acknowledged = 0;
        foreach (var id in ids)
        {
            if (!group.Pending.TryGet(id, out var pending))
                continue;
            group.Pending.Remove(id);
            pending.Consumer.Pending.Remove(id);
            acknowledged++;
        }
        if (acknowledged > 0)
        {
            ctx.Keyspace.Touch(entry!);
            ctx.MarkDirty(acknowledged);
        }
        return Reply.Integer(acknowledged);
    }

    /// <summary>XPENDING key group [[IDLE min-idle-time] start end count [consumer]]</summary>
    [Command("XPENDING", -3, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1,
        Syntax = "XPENDING key group [[IDLE min-idle-time] start end count [consumer]]",
        Summary = "Returns the information and entries from a stream consumer group's pending entries list.",
        Complexity = "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
        Group = Group, Since = "5.0.0")]
    public static Reply XPending(CommandContext ctx)
    {
        var summary = ctx.ArgCount == 3;
        if (!summary && (ctx.ArgCount < 6 || ctx.ArgCount > 9))
            return Errors.Syntax;
        long minIdle = 0, count = 0;
        StreamId start = default, end = default;
        byte[]? consumerName = null;
        if (!summary)
        {
            var at = 3;
            if (ctx.ArgIs(3, "IDLE"))
            {
                if (!ctx.TryInt64(4, out minIdle))
                    return Errors.NotInteger;
                if (ctx.ArgCount < 8)
                    return Errors.Syntax;
                at += 2;
            }
            if (!ctx.TryInt64(at + 2, out count))
                return Errors.NotInteger;
            if (count < 0)
                count = 0;
            if (ParseIntervalId(ctx, at, 0, out start, out var startExclusive) is { } badStart)
                return badStart;
            if (startExclusive && !start.TryNext(out start))
                return Errors.StreamInvalidStart;
            if (ParseIntervalId(ctx, at + 1, ulong.MaxValue, out end, out var endExclusive) is { } badEnd)
                return badEnd;
            if (endExclusive && !end.TryPrevious(out end))
                return Errors.StreamInvalidEnd;
            if (at + 3 < ctx.ArgCount)
                consumerName = ctx.Args[at + 3];
        }
        if (StreamAt(ctx, 1, out _, out var stream) is { } wrongType)
            return wrongType;
        if (stream?.Group(ctx.Args[2]) is not { } group)
            return Errors.NoGroup(ctx.ArgText(1), ctx.ArgText(2));

        if (summary)
        {
            if (group.Pending.Count == 0)
                return Reply.Array([Reply.Zero, Reply.Null, Reply.Null, Reply.Null]);
            var consumers = group.Consumers.Values.Where(c => c.Pending.Count > 0)
                .Select(c => Reply.Array([Reply.Bulk(c.Name), Reply.Bulk(RedisNumbers.FormatInt64(c.Pending.Count))]))
                .ToArray();
            return Reply.Array([Reply.Integer(group.Pending.Count), Reply.Bulk(group.Pending.First.ToBytes()), Reply.Bulk(group.Pending.Last.ToBytes()), Reply.Array(consumers)]);
        }

        PendingList pel;
        if (consumerName is null)
            pel = group.Pending;
        else if (group.Consumers.TryGetValue(consumerName, out var consumer))
            pel = consumer.Pending;
        else
            return Reply.EmptyArray;
        var rows = new List<Reply>();
        foreach (var pending in pel.From(start))
        {
            if (count == 0 || pending.Id > end)
                break;
            var idle = ctx.NowMs - pending.DeliveryTime;
            if (minIdle != 0 && idle < minIdle)
                continue;
            if (ctx.CheckReplySize(4L * (rows.Count + 1)) is { } tooLarge)
                return tooLarge;
            count--;
            rows.Add(Reply.Array([Reply.Bulk(pending.Id.ToBytes()), Reply.Bulk(pending.Consumer.Name), Reply.Integer(Math.Max(idle, 0)), Reply.Integer(pending.DeliveryCount)]));
        }
        return Reply.Array([.. rows]);
    }

    /// <summary>XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]</summary>
    [Command("XCLAIM", -6, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]",
        Summary = "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.",
        Complexity = "O(log N) with N being the number of messages in the PEL of the consumer group.", Group = Group, Since = "5.0.0")]
    public static Reply XClaim(CommandContext ctx)
    {
        if (StreamAt(ctx, 1, out var entry, out var stream) is { } wrongType)
            return wrongType;
        var group = stream?.Group(ctx.Args[2]);
        if (group is null)
            return Errors.NoGroup(ctx.ArgText(1), ctx.ArgText(2));
        if (!ctx.TryInt64(4, out var minIdle))
            return Errors.XClaimOption("min-idle-time");
        if (minIdle < 0)
            minIdle = 0;
        var idsEnd = 5;
        while (idsEnd < ctx.ArgCount && StreamId.TryParse(ctx.Arg(idsEnd), 0, strict: true, out _, null, out _))
            idsEnd++;
        var now = ctx.NowMs;
        long deliveryTime = -1, retryCount = -1;
        bool force = false, justId = false;
        StreamId lastId = default;
        for (var i = idsEnd; i < ctx.ArgCount; i++)
        {
            var more = ctx.ArgCount - 1 - i;
            if (ctx.ArgIs(i, "FORCE"))
            {
                force = true;
            }
            else if (ctx.ArgIs(i, "JUSTID"))
            {
                justId = true;
            }
            else if (ctx.ArgIs(i, "IDLE") && more > 0)
            {
                if (!ctx.TryInt64(++i, out var idle))
                    return Errors.XClaimOption("IDLE option");
                deliveryTime = now - idle;
            }
            else if (ctx.ArgIs(i, "TIME") && more > 0)
            {
                if (!ctx.TryInt64(++i, out deliveryTime))
                    return Errors.XClaimOption("TIME option");
            }
            else if (ctx.ArgIs(i, "RETRYCOUNT") && more > 0)
            {
                if (!ctx.TryInt64(++i, out retryCount))
                    return Errors.XClaimOption("RETRYCOUNT option");
            }
            else if (ctx.ArgIs(i, "LASTID") && more > 0)
            {
                if (ParseStrictId(ctx, ++i, out lastId) is { } invalid)
                    return invalid;
            }
            else
            {
                return Errors.XClaimUnrecognized(ctx.ArgText(i));
            }
        }
        if (deliveryTime != -1)
        {
            // A replayed claim keeps the time it was logged with (replay runs at time 0).
            if (deliveryTime < 0 || (deliveryTime > now && !ctx.IsReplay))
                deliveryTime = now;
        }
        else
        {
            deliveryTime = now;
        }

        var changed = 0;
        if (lastId > group.LastId)
        {
            group.LastId = lastId;
            changed++;
        }
        var groupChanged = changed > 0;
        StreamConsumer? consumer = null;
        var replies = new List<Reply>();
        for (var i = 5; i < idsEnd; i++)
        {
            StreamId.TryParse(ctx.Arg(i), 0, strict: true, out var id, null, out _);
            var exists = stream!.Contains(id);
            group.Pending.TryGet(id, out var pending);
            if (!exists)
            {
                if (pending is not null)
                {
                    PropagateClaim(ctx, ctx.Args[1], group, pending);
                    group.Pending.Remove(id);
                    pending.Consumer.Pending.Remove(id);
                    groupChanged = false;
                    changed++;
                }
                continue;
            }
            var created = false;
            if (force && pending is null)
            {
                pending = new PendingEntry(id, null!, now, 1);
                group.Pending.Add(pending);
                created = true;
            }
            if (pending is null)
                continue;
            if (!created && minIdle > 0 && now - pending.DeliveryTime < minIdle)
                continue;
            consumer ??= ConsumerFor(ctx, entry!, group, ctx.Args[3]);
            Claim(pending, consumer, created, deliveryTime, retryCount >= 0 ? retryCount : justId ? pending.DeliveryCount : pending.DeliveryCount + 1);
            replies.Add(justId ? Reply.Bulk(id.ToBytes()) : EntryOrNull(stream, id));
            PropagateClaim(ctx, ctx.Args[1], group, pending);
            groupChanged = false;
            changed++;
        }
        if (groupChanged)
            PropagateGroupId(ctx, ctx.Args[1], group);
        if (changed > 0)
        {
            ctx.Keyspace.Touch(entry!);
            ctx.MarkDirty(changed);
        }
        return Reply.Array([.. replies]);
    }

    /// <summary>XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]</summary>
    /// <remarks>Replies Redis 7's three elements: the next start, the claimed entries, and the ids found deleted (and so dropped from the PEL).</remarks>
    [Command("XAUTOCLAIM", -6, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]",
        Summary = "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.",
        Complexity = "O(1) if COUNT is small.", Group = Group, Since = "6.2.0")]
    public static Reply XAutoClaim(CommandContext ctx)
    {
        const int attemptsFactor = 10;
        if (!ctx.TryInt64(4, out var minIdle))
            return Errors.XAutoClaimMinIdle;
        if (minIdle < 0)
            minIdle = 0;
        if (ParseIntervalId(ctx, 5, 0, out var start, out var startExclusive) is { } badStart)
            return badStart;
        if (startExclusive && !start.TryNext(out start))
            return Errors.StreamInvalidStart;
        long count = 100;
        var justId = false;
        for (var i = 6; i < ctx.ArgCount; i++)
        {
            var more = ctx.ArgCount - 1 - i;
            if (ctx.ArgIs(i, "COUNT") && more > 0)
            {
                if (!ctx.TryInt64(i + 1, out count) || count < 1 || count > long.MaxValue / 16)
                    return Errors.XAutoClaimCount;
                i++;
            }
            else if (ctx.ArgIs(i, "JUSTID"))
            {
                justId = true;
            }
            else
            {
                return Errors.Syntax;
            }
        }
        if (StreamAt(ctx, 1, out var entry, out var stream) is { } wrongType)
            return wrongType;
        if (stream?.Group(ctx.Args[2]) is not { } group)
            return Errors.NoGroup(ctx.ArgText(1), ctx.ArgText(2));

        var attempts = count * attemptsFactor;
        // The PEL from start, one past what may be examined: that one is the next call's start.
        var candidates = group.Pending.From(start).Take((int)Math.Min(attempts + 1, int.MaxValue)).ToList();
        var now = ctx.NowMs;
        StreamConsumer? consumer = null;
        var claimed = new List<Reply>();
        var deleted = new List<Reply>();
        var examined = 0;
        var changed = 0;
        while (attempts-- > 0 && count > 0 && examined < candidates.Count)
        {
            var pending = candidates[examined++];
            if (!stream.Contains(pending.Id))
            {
                PropagateClaim(ctx, ctx.Args[1], group, pending);
                group.Pending.Remove(pending.Id);
                pending.Consumer.Pending.Remove(pending.Id);
                deleted.Add(Reply.Bulk(pending.Id.ToBytes()));
                count--;
                changed++;
                continue;
            }
            if (minIdle > 0 && now - pending.DeliveryTime < minIdle)
                continue;
            consumer ??= ConsumerFor(ctx, entry!, group, ctx.Args[3]);
            Claim(pending, consumer, created: false, now, justId ? pending.DeliveryCount : pending.DeliveryCount + 1);
            claimed.Add(justId ? Reply.Bulk(pending.Id.ToBytes()) : EntryOrNull(stream, pending.Id));
            count--;
            changed++;
            PropagateClaim(ctx, ctx.Args[1], group, pending);
        }
        var next = examined < candidates.Count ? candidates[examined].Id : default;
        if (changed > 0)
        {
            ctx.Keyspace.Touch(entry!);
            ctx.MarkDirty(changed);
        }
        return Reply.Array([Reply.Bulk(next.ToBytes()), Reply.Array([.. claimed]), Reply.Array([.. deleted])]);
    }

    /// <summary>
    /// XREADGROUP on one stream (Redis's streamReplyWithRange with a group): new entries after the
    /// group's last id (<paramref name="history"/> null, <c>&gt;</c>) or the consumer's own pending
    /// entries after <paramref name="history"/>. Null when there is nothing new to serve.
    /// </summary>
    private static Reply? ReadGroupStream(CommandContext ctx, Entry entry, StreamValue stream, StreamGroup group, byte[] consumerName,
        StreamId? history, long count, bool noAck)
    {
        var now = ctx.NowMs;
        // Nothing new: Redis 7.0 neither makes nor sees the consumer until it is served.
        if (history is null && !(stream.TryEdge(last: true, out var lastValid) && lastValid > group.LastId))
            return null;
        var consumer = ConsumerFor(ctx, entry, group, consumerName);
        consumer.SeenTime = now;
        var items = new List<Reply>();
        long elements = 0;
        var changed = 0;
        if (history is { } after)
        {
            if (after.TryNext(out var from))
            {
                foreach (var pending in consumer.Pending.From(from))
                {
                    if (count != 0 && items.Count >= count)
                        break;
                    var pairs = stream.Get(pending.Id);
                    elements += 1 + (pairs?.Length ?? 0);
                    if (ctx.CheckReplySize(elements) is not null)
                        break;
                    if (pairs is null)
                    {
                        items.Add(Reply.Array([Reply.Bulk(pending.Id.ToBytes()), Reply.Null]));
                        continue;
                    }
                    items.Add(EntryReply(pending.Id, pairs));
                    pending.DeliveryTime = now;
                    pending.DeliveryCount++;
                    PropagateClaim(ctx, entry.Key, group, pending);
                    changed++;
                }
            }
        }
        else
        {
            var lastBefore = group.LastId;
            group.LastId.TryNext(out var from);
            foreach (var (id, pairs) in stream.Range(from, StreamId.Max, count))
            {
                elements += 1 + pairs.Length;
                if (ctx.CheckReplySize(elements) is not null)
                    break;
                if (group.EntriesRead != StreamGroup.UnknownEntriesRead && !stream.RangeHasTombstones(id))
                    group.EntriesRead++;
                else if (stream.EntriesAdded != 0)
                    group.EntriesRead = stream.EstimateDistance(id);
                group.LastId = id;
                items.Add(EntryReply(id, pairs));
                changed++;
                if (noAck)
                    continue;
                if (group.Pending.TryGet(id, out var pending))
                {
                    // Already pending (the group's last id was set back): it moves to this consumer, delivered once now.
                    Claim(pending, consumer, created: false, now, 1);
                }
                else
                {
                    pending = new PendingEntry(id, consumer, now, 1);
                    group.Pending.Add(pending);
                    consumer.Pending.Add(pending);
                }
                PropagateClaim(ctx, entry.Key, group, pending);
            }
            if (group.LastId != lastBefore)
                PropagateGroupId(ctx, entry.Key, group);
        }
        if (changed > 0)
        {
            ctx.Keyspace.Touch(entry);
            ctx.MarkDirty(changed);
        }
        return Reply.Array([.. items]);
    }

    /// <summary>The group's consumer by that name, created (logged, notified) when missing.</summary>
    private static StreamConsumer ConsumerFor(CommandContext ctx, Entry entry, StreamGroup group, byte[] name)
    {
        var consumer = group.GetOrCreateConsumer(name, ctx.SeenNowMs, out var created);
        if (created)
        {
            ctx.KeyEvent("xgroup-createconsumer", entry.Key);
            ctx.Propagate(Effects.Argv("XGROUP", "CREATECONSUMER", entry.Key, group.Name, name));
            ctx.Keyspace.Touch(entry);
            ctx.MarkDirty();
        }
        return consumer;
    }

    /// <summary>Gives a pending entry to <paramref name="consumer"/> with a new delivery time and count.</summary>
    private static void Claim(PendingEntry pending, StreamConsumer consumer, bool created, long deliveryTime, long deliveryCount)
    {
        if (!created && pending.Consumer != consumer)
            pending.Consumer.Pending.Remove(pending.Id);
        var moved = created || pending.Consumer != consumer;
        pending.Consumer = consumer;
        pending.DeliveryTime = deliveryTime;
        pending.DeliveryCount = deliveryCount;
        if (moved)
            consumer.Pending.Add(pending);
    }

    /// <summary>Redis's streamPropagateXCLAIM: the XCLAIM that puts the pending entry back as it is (or, for a deleted entry, removes it).</summary>
    private static void PropagateClaim(CommandContext ctx, byte[] key, StreamGroup group, PendingEntry pending) =>
        ctx.Propagate(Effects.Argv("XCLAIM", key, group.Name, pending.Consumer.Name, "0", pending.Id.ToBytes(),
            "TIME", pending.DeliveryTime, "RETRYCOUNT", pending.DeliveryCount, "FORCE", "JUSTID", "LASTID", group.LastId.ToBytes()));

    /// <summary>Redis's streamPropagateGroupID: XGROUP SETID with the read counter.</summary>
    private static void PropagateGroupId(CommandContext ctx, byte[] key, StreamGroup group) =>
        ctx.Propagate(Effects.Argv("XGROUP", "SETID", key, group.Name, group.LastId.ToBytes(), "ENTRIESREAD", group.EntriesRead));

    /// <summary>An entry as XCLAIM replies it, or nil when it is gone.</summary>
    private static Reply EntryOrNull(StreamValue stream, StreamId id) =>
        stream.Get(id) is { } pairs ? EntryReply(id, pairs) : Reply.Null;

    /// <summary>After a change to the groups of the stream at <paramref name="entry"/>: a new version, dirty, and the keyspace event.</summary>
    private static void ChangedGroups(CommandContext ctx, Entry entry, string keyEvent)
    {
        ctx.Keyspace.Touch(entry);
        ctx.MarkDirty();
        ctx.KeyEvent(keyEvent, entry.Key);
    }

    private static readonly string[] XGroupHelp =
    [
        "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
        "HELP",
        "    Prints this help.",
    ];
}
