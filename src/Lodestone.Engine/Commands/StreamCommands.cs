using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// The stream commands (Redis's t_stream.c): entries, ranges, reads and trims here; consumer groups
/// in StreamCommands.Groups.cs; XINFO and XSETID in StreamCommands.Info.cs. Values are
/// <see cref="StreamValue"/>s. Unlike the other collections, a stream may be empty and still exist.
/// </summary>
/// <remarks>
/// The commands check their keys' types themselves (no KeyType declaration), after parsing their
/// arguments, as Redis does: a syntax error wins over WRONGTYPE. Effects are made deterministic
/// where they are produced: XADD logs the id it generated, and an approximate trim (<c>~</c>, LIMIT)
/// is logged as the exact MAXLEN it came to; keyspace events carry Redis's stream event names.
/// </remarks>
internal static partial class StreamCommands
{
    private const string Group = "stream";

    /// <summary>XREAD without COUNT that was parked serves at most this many entries per stream (Redis's XREAD_BLOCKED_DEFAULT_COUNT).</summary>
    private const int BlockedDefaultCount = 1000;

    /// <summary>XADD key [NOMKSTREAM] [MAXLEN | MINID [= | ~] threshold [LIMIT count]] * | id field value [field value ...]</summary>
    /// <remarks>O(1) to add, O(N) in the entries a trim evicts. Logged with the id it got; an approximate trim as the exact MAXLEN it came to.</remarks>
    [Command("XADD", -5, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "XADD key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]",
        Summary = "Appends a new message to a stream. Creates the key if it doesn't exist.",
        Complexity = "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.", Group = Group, Since = "5.0.0")]
    public static Reply XAdd(CommandContext ctx)
    {
        if (ParseTrim(ctx, xadd: true, out var trim) is { } invalid)
            return invalid;
        var fieldsAt = trim.Next + 1;
        if (ctx.ArgCount - trim.Next < 3 || (ctx.ArgCount - trim.Next) % 2 == 0)
            return Errors.WrongArity("xadd");
        if (trim.IdGiven && trim.SeqGiven && trim.Id.IsZero)
            return Errors.StreamIdZero;

        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is not null && entry.Type != RedisType.Stream)
            return Errors.WrongType;
        if (entry is null && trim.NoMakeStream)
            return Reply.Null;
        var stream = (StreamValue?)entry?.Value ?? new StreamValue();
        if (stream.LastId == StreamId.Max)
            return Errors.StreamExhausted;

        StreamId id;
        if (!trim.IdGiven)
        {
            var now = (ulong)Math.Max(ctx.NowMs, 0);
            if (now > stream.LastId.Ms)
                id = new StreamId(now, 0);
            else
                stream.LastId.TryNext(out id);
        }
        else if (!trim.SeqGiven && stream.LastId.Ms == trim.Id.Ms)
        {
            if (stream.LastId.Seq == ulong.MaxValue)
                return Errors.StreamElementsTooLarge;
            id = new StreamId(stream.LastId.Ms, stream.LastId.Seq + 1);
        }
        else
        {
            id = trim.Id;
        }
        if (id <= stream.LastId)
            return Errors.StreamIdTooSmall;

        stream.Append(id, ctx.Args.AsSpan(fieldsAt));
        if (entry is null)
            entry = ctx.Keyspace.Add(ctx.Args[1], RedisType.Stream, stream, ctx.Access);
        else
            ctx.Keyspace.Touch(entry);
        ctx.MarkDirty();
        ctx.KeyEvent("xadd", entry.Key);

        long trimmed = 0;
        if (trim.Strategy != TrimStrategy.None)
        {
            trimmed = stream.Trim(trim.MaxLen, trim.Strategy == TrimStrategy.MinId ? trim.MinId : null, trim.Approximate, trim.Limit);
            if (trimmed > 0)
                ctx.KeyEvent("xtrim", entry.Key);
        }

        // Replays as the id it got, and (when the trim was approximate) as the exact length it came to;
        // an explicit id with an exact trim or none replays as it was sent.
        var idBytes = id.ToBytes();
        if (trim.Approximate)
        {
            // An approximate trim depends on where blocks split, which a snapshot's reload may change:
            // it replays as the exact length it came to (or as no trim, when it removed nothing).
            var effect = new List<byte[]>(ctx.ArgCount + 2) { "XADD"u8.ToArray(), ctx.Args[1] };
            if (trimmed > 0)
                effect.AddRange(["MAXLEN"u8.ToArray(), "="u8.ToArray(), RedisNumbers.FormatInt64(stream.Length)]);
            effect.Add(idBytes);
            effect.AddRange(ctx.Args[fieldsAt..]);
            ctx.Propagate([.. effect]);
        }
        else if (!trim.IdGiven || !trim.SeqGiven)
        {
            var effect = (byte[][])ctx.Args.Clone();
            effect[trim.Next] = idBytes;
            ctx.Propagate(effect);
        }
        ctx.Keyspace.SignalReady(entry.Key);
        return Reply.Bulk(idBytes);
    }

    /// <summary>XTRIM key MAXLEN | MINID [= | ~] threshold [LIMIT count]</summary>
    /// <remarks>O(N) in the entries evicted. An approximate trim is logged as the exact MAXLEN it came to.</remarks>
    [Command("XTRIM", -4, Flags = CommandFlags.Write, FirstKey = 1, LastKey = 1,
        Syntax = "XTRIM key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]",
        Summary = "Deletes messages from the beginning of a stream.",
        Complexity = "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
        Group = Group, Since = "5.0.0")]
    public static Reply XTrim(CommandContext ctx)
    {
        if (ParseTrim(ctx, xadd: false, out var trim) is { } invalid)
            return invalid;
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } entry)
            return Reply.Zero;
        if (entry.Type != RedisType.Stream)
            return Errors.WrongType;
        var stream = (StreamValue)entry.Value;
        var trimmed = stream.Trim(trim.MaxLen, trim.Strategy == TrimStrategy.MinId ? trim.MinId : null, trim.Approximate, trim.Limit);
        if (trimmed == 0)
            return Reply.Zero;
        ctx.Keyspace.Touch(entry);
        ctx.MarkDirty((int)Math.Min(trimmed, int.MaxValue));
        ctx.KeyEvent("xtrim", entry.Key);
        if (trim.Approximate)
            ctx.Propagate(Effects.Argv("XTRIM", entry.Key, "MAXLEN", "=", stream.Length));
        return Reply.Integer(trimmed);
    }

    /// <summary>XDEL key id [id ...]</summary>
    [Command("XDEL", -3, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "XDEL key id [id ...]", Summary = "Returns the number of messages after removing them from a stream.",
        Complexity = "O(1) for each single item to delete in the stream, regardless of the stream size.", Group = Group, Since = "5.0.0")]
    public static Reply XDel(CommandContext ctx)
    {
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } entry)
            return Reply.Zero;
        if (entry.Type != RedisType.Stream)
            return Errors.WrongType;
        var ids = new StreamId[ctx.ArgCount - 2];
        for (var i = 0; i < ids.Length; i++)
        {
            if (ParseStrictId(ctx, i + 2, out ids[i]) is { } invalid)
                return invalid;
        }
        var stream = (StreamValue)entry.Value;
        var deleted = 0;
        foreach (var id in ids)
        {
            if (stream.Delete(id))
                deleted++;
        }
        if (deleted == 0)
            return Reply.Zero;
        ctx.Keyspace.Touch(entry);
        ctx.MarkDirty(deleted);
        ctx.KeyEvent("xdel", entry.Key);
        return Reply.Integer(deleted);
    }

    /// <summary>XLEN key</summary>
    [Command("XLEN", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Stream,
        Syntax = "XLEN key", Summary = "Return the number of messages in a stream.", Complexity = "O(1)", Group = Group, Since = "5.0.0")]
    public static Reply XLen(CommandContext ctx) =>
        Reply.Integer(ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value is StreamValue stream ? stream.Length : 0);

    /// <summary>XRANGE key start end [COUNT count]</summary>
    [Command("XRANGE", -4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1,
        Syntax = "XRANGE key start end [COUNT count]", Summary = "Returns the messages from a stream within a range of IDs.",
        Complexity = "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
        Group = Group, Since = "5.0.0")]
    public static Reply XRange(CommandContext ctx) => RangeGeneric(ctx, reverse: false);

    /// <summary>XREVRANGE key end start [COUNT count]</summary>
    [Command("XREVRANGE", -4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1,
        Syntax = "XREVRANGE key end start [COUNT count]", Summary = "Returns the messages from a stream within a range of IDs in reverse order.",
        Complexity = "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
        Group = Group, Since = "5.0.0")]
    public static Reply XRevRange(CommandContext ctx) => RangeGeneric(ctx, reverse: true);

    /// <summary>XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]</summary>
    /// <remarks>
    /// With BLOCK and nothing to read, parks the caller like BLPOP (0 waits until the caller's cap);
    /// a <c>$</c> is resolved to the stream's last id when it parks, so it waits for entries added after.
    /// </remarks>
    [Command("XREAD", -4, Flags = CommandFlags.ReadOnly | CommandFlags.Blocking, KeysAfterKeyword = "STREAMS", KeywordSearchFrom = 1,
        Syntax = "XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]",
        Summary = "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.",
        Complexity = "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
        Group = Group, Since = "5.0.0")]
    public static Reply XRead(CommandContext ctx) => ReadGeneric(ctx, groupMode: false);

    private static Reply RangeGeneric(CommandContext ctx, bool reverse)
    {
        var startIndex = reverse ? 3 : 2;
        var endIndex = reverse ? 2 : 3;
        if (ParseIntervalId(ctx, startIndex, 0, out var start, out var startExclusive) is { } badStart)
            return badStart;
        if (startExclusive && !start.TryNext(out start))
            return Errors.StreamInvalidStart;
        if (ParseIntervalId(ctx, endIndex, ulong.MaxValue, out var end, out var endExclusive) is { } badEnd)
            return badEnd;
        if (endExclusive && !end.TryPrevious(out end))
            return Errors.StreamInvalidEnd;
        long count = -1;
        for (var i = 4; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "COUNT") && i + 1 < ctx.ArgCount)
            {
                if (!ctx.TryInt64(++i, out count))
                    return Errors.NotInteger;
                if (count < 0)
                    count = 0;
            }
            else
            {
                return Errors.Syntax;
            }
        }
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not { } entry)
            return Reply.EmptyArray;
        if (entry.Type != RedisType.Stream)
            return Errors.WrongType;
        if (count == 0)
            return Reply.Null;
        return EntriesReply(ctx, (StreamValue)entry.Value, start, end, count < 0 ? 0 : count, reverse);
    }

    /// <summary>The entries of a range as Redis replies them: [id, [field, value, …]] each, checked against the reply limit as they come.</summary>
    private static Reply EntriesReply(CommandContext ctx, StreamValue stream, StreamId start, StreamId end, long count, bool reverse)
    {
        var items = new List<Reply>();
        long elements = 0;
        foreach (var (id, pairs) in stream.Range(start, end, count, reverse))
        {
            elements += 1 + pairs.Length;
            if (ctx.CheckReplySize(elements) is { } tooLarge)
                return tooLarge;
            items.Add(EntryReply(id, pairs));
        }
        return Reply.Array([.. items]);
    }

    private static Reply EntryReply(StreamId id, byte[][] pairs)
    {
        var fields = new Reply[pairs.Length];
        for (var i = 0; i < pairs.Length; i++)
            fields[i] = Reply.Bulk(pairs[i]);
        return Reply.Array([Reply.Bulk(id.ToBytes()), Reply.Array(fields)]);
    }

    /// <summary>Redis's xreadCommand, for XREAD and XREADGROUP: the options, then each stream in order, then (with BLOCK) parking.</summary>
    private static Reply ReadGeneric(CommandContext ctx, bool groupMode)
    {
        long timeoutMs = -1, count = 0;
        var streamsAt = 0;
        var noAck = false;
        byte[]? groupName = null, consumerName = null;
        for (var i = 1; i < ctx.ArgCount; i++)
        {
            var more = ctx.ArgCount - i - 1;
            if (ctx.ArgIs(i, "BLOCK") && more > 0)
            {
                // A script cannot wait (Redis's xreadCommand says so at the option).
                if (ctx.Scripts.IsRunning)
                    return Errors.StreamBlockInScript(groupMode ? "XREADGROUP" : "XREAD");
                i++;
                if (!ctx.TryInt64(i, out timeoutMs))
                    return Errors.TimeoutNotInteger;
                if (timeoutMs < 0)
                    return Errors.TimeoutNegative;
                if (timeoutMs > long.MaxValue - ctx.NowMs)
                    return Errors.TimeoutOutOfRange;
            }
            else if (ctx.ArgIs(i, "COUNT") && more > 0)
            {
                if (!ctx.TryInt64(++i, out count))
                    return Errors.NotInteger;
                if (count < 0)
                    count = 0;
            }
            else if (ctx.ArgIs(i, "STREAMS") && more > 0)
            {
                streamsAt = i + 1;
                if ((ctx.ArgCount - streamsAt) % 2 != 0)
                    return Errors.StreamUnbalanced;
                break;
            }
            else if (ctx.ArgIs(i, "GROUP") && more >= 2)
            {
                if (!groupMode)
                    return Errors.StreamGroupOnlyInReadGroup;
                groupName = ctx.Args[i + 1];
                consumerName = ctx.Args[i + 2];
                i += 2;
            }
            else if (ctx.ArgIs(i, "NOACK"))
            {
                if (!groupMode)
                    return Errors.StreamNoAckOnlyInReadGroup;
                noAck = true;
            }
            else
            {
                return Errors.Syntax;
            }
        }
        if (streamsAt == 0)
            return Errors.Syntax;
        if (groupMode && groupName is null)
            return Errors.StreamMissingGroup;

        var streams = (ctx.ArgCount - streamsAt) / 2;
        var ids = new StreamId[streams];
        var newOnly = new bool[streams];
        var groups = groupMode ? new StreamGroup[streams] : null;
        for (var i = 0; i < streams; i++)
        {
            var keyIndex = streamsAt + i;
            var idIndex = keyIndex + streams;
            var entry = ctx.Keyspace.Lookup(ctx.Arg(keyIndex), ctx.Access);
            if (entry is not null && entry.Type != RedisType.Stream)
                return ctx.IsResumed && groupMode ? Errors.StreamKeyGone : Errors.WrongType;
            var stream = entry?.Value as StreamValue;
            if (groupMode)
            {
                var group = stream?.Group(groupName!);
                if (group is null)
                {
                    if (ctx.IsResumed)
                        return stream is null ? Errors.StreamKeyGone : Errors.StreamGroupGone;
                    return Errors.NoGroupInReadGroup(ctx.ArgText(keyIndex), System.Text.Encoding.UTF8.GetString(groupName!));
                }
                groups![i] = group;
            }
            var idArg = ctx.Arg(idIndex);
            if (idArg.SequenceEqual("$"u8))
            {
                if (groupMode)
                    return Errors.StreamDollarInReadGroup;
                ids[i] = stream?.LastId ?? default;
            }
            else if (idArg.SequenceEqual(">"u8))
            {
                if (!groupMode)
                    return Errors.StreamGreaterOnlyInReadGroup;
                newOnly[i] = true;
            }
            else if (ParseStrictId(ctx, idIndex, out ids[i]) is { } invalid)
            {
                return invalid;
            }
        }

        if (ctx.IsResumed && count == 0)
            count = BlockedDefaultCount;
        var results = new List<Reply>();
        long elements = 0;
        for (var i = 0; i < streams; i++)
        {
            var key = ctx.Args[streamsAt + i];
            if (ctx.Keyspace.Lookup(key, ctx.Access) is not { Value: StreamValue stream } entry)
                continue;
            Reply? served;
            if (groupMode)
                served = ReadGroupStream(ctx, entry, stream, groups![i], consumerName!, newOnly[i] ? null : ids[i], count, noAck);
            else
                served = stream.Length > 0 && stream.TryEdge(last: true, out var last) && last > ids[i] && ids[i].TryNext(out var from)
                    ? (Reply?)EntriesReply(ctx, stream, from, StreamId.Max, count, reverse: false)
                    : null;
            if (served is not { } reply)
                continue;
            if (reply.IsError)
                return reply;
            elements += 1 + CommandDispatcher.ReplyElements(reply);
            if (ctx.CheckReplySize(elements) is { } tooLarge)
                return tooLarge;
            results.Add(Reply.Array([Reply.Bulk(key), reply]));
        }
        if (results.Count > 0)
            return Reply.Array([.. results]);
        if (timeoutMs < 0)
            return Reply.Null;

        // Park on every stream named; a "$" waits for entries after the last id it saw, so the rerun
        // that serves it names that id instead.
        var keys = ctx.Args[streamsAt..(streamsAt + streams)];
        var rerun = (byte[][])ctx.Args.Clone();
        for (var i = 0; i < streams; i++)
        {
            if (!groupMode && ctx.Arg(streamsAt + streams + i).SequenceEqual("$"u8))
                rerun[streamsAt + streams + i] = ids[i].ToBytes();
        }
        // Any longer wait is clamped to the longest the engine's timers take (a TimeSpan would overflow first).
        var wait = TimeSpan.FromMilliseconds(Math.Min(timeoutMs, (long)BlockingRegistry.LongestWait.TotalMilliseconds));
        return ctx.Block(keys, wait, resumeArgs: rerun);
    }

    /// <summary>Redis's streamParseStrictIDOrReply: an id, <c>-</c> and <c>+</c> refused.</summary>
    private static EngineError? ParseStrictId(CommandContext ctx, int index, out StreamId id) =>
        StreamId.TryParse(ctx.Arg(index), 0, strict: true, out id, null, out _) ? null : Errors.InvalidStreamId;

    /// <summary>Redis's streamParseIDOrReply: an id, or <c>-</c> / <c>+</c>; a missing sequence is <paramref name="missingSeq"/>.</summary>
    private static EngineError? ParseId(CommandContext ctx, int index, ulong missingSeq, out StreamId id) =>
        StreamId.TryParse(ctx.Arg(index), missingSeq, strict: false, out id, null, out _) ? null : Errors.InvalidStreamId;

    /// <summary>Redis's streamParseIntervalIDOrReply: <see cref="ParseId"/>, or <c>(id</c> for an exclusive bound.</summary>
    private static EngineError? ParseIntervalId(CommandContext ctx, int index, ulong missingSeq, out StreamId id, out bool exclusive)
    {
        var text = ctx.Arg(index);
        exclusive = text.Length > 1 && text[0] == (byte)'(';
        if (exclusive)
            return StreamId.TryParse(text[1..], missingSeq, strict: true, out id, null, out _) ? null : Errors.InvalidStreamId;
        return ParseId(ctx, index, missingSeq, out id);
    }

    private enum TrimStrategy
    {
        None,
        MaxLen,
        MinId,
    }

    /// <summary>XADD's and XTRIM's parsed options (Redis's streamAddTrimArgs).</summary>
    private struct TrimArgs
    {
        public TrimStrategy Strategy;
        public long MaxLen;
        public StreamId MinId;
        public bool Approximate;
        public long Limit;
        public bool NoMakeStream;
        public bool IdGiven;
        public bool SeqGiven;
        public StreamId Id;

        /// <summary>Where the MAXLEN/MINID keyword is.</summary>
        public int StrategyAt;

        /// <summary>XADD: the index of the id argument; XTRIM: past the last argument.</summary>
        public int Next;
    }

    /// <summary>Redis's streamParseAddOrTrimArgsOrReply.</summary>
    private static EngineError? ParseTrim(CommandContext ctx, bool xadd, out TrimArgs args)
    {
        args = new TrimArgs { MaxLen = -1, SeqGiven = true };
        var limitGiven = false;
        var i = 2;
        for (; i < ctx.ArgCount; i++)
        {
            var more = ctx.ArgCount - 1 - i;
            var arg = ctx.Arg(i);
            if (xadd && arg.SequenceEqual("*"u8))
                break;
            var maxLen = ctx.ArgIs(i, "MAXLEN");
            if ((maxLen || ctx.ArgIs(i, "MINID")) && more > 0)
            {
                if (args.Strategy != TrimStrategy.None)
                    return Errors.StreamMaxLenAndMinId;
                args.StrategyAt = i;
                args.Approximate = false;
                var next = ctx.Arg(i + 1);
                if (more >= 2 && next.SequenceEqual("~"u8))
                {
                    args.Approximate = true;
                    i++;
                }
                else if (more >= 2 && next.SequenceEqual("="u8))
                {
                    i++;
                }
                if (maxLen)
                {
                    if (!ctx.TryInt64(i + 1, out args.MaxLen))
                        return Errors.NotInteger;
                    if (args.MaxLen < 0)
                        return Errors.StreamMaxLenNegative;
                    args.Strategy = TrimStrategy.MaxLen;
                }
                else
                {
                    if (ParseStrictId(ctx, i + 1, out args.MinId) is { } invalid)
                        return invalid;
                    args.Strategy = TrimStrategy.MinId;
                }
                i++;
            }
            else if (ctx.ArgIs(i, "LIMIT") && more > 0)
            {
                if (!ctx.TryInt64(i + 1, out args.Limit))
                    return Errors.NotInteger;
                if (args.Limit < 0)
                    return Errors.StreamLimitNegative;
                limitGiven = true;
                i++;
            }
            else if (xadd && ctx.ArgIs(i, "NOMKSTREAM"))
            {
                args.NoMakeStream = true;
            }
            else if (xadd)
            {
                if (!StreamId.TryParse(arg, 0, strict: true, out args.Id, true, out args.SeqGiven))
                    return Errors.InvalidStreamId;
                args.IdGiven = true;
                break;
            }
            else
            {
                return Errors.Syntax;
            }
        }
        args.Next = i;
        if (args.Limit != 0 && args.Strategy == TrimStrategy.None)
            return Errors.StreamLimitWithoutStrategy;
        if (!xadd && args.Strategy == TrimStrategy.None)
            return Errors.StreamTrimWithoutStrategy;
        if (limitGiven)
        {
            if (!args.Approximate)
                return Errors.StreamLimitWithoutTilde;
        }
        else
        {
            args.Limit = args.Approximate ? 100 * StreamValue.BlockEntries : 0;
        }
        return null;
    }

    /// <summary>The stream at argument <paramref name="index"/>: null when missing; WRONGTYPE for another type.</summary>
    private static EngineError? StreamAt(CommandContext ctx, int index, out Entry? entry, out StreamValue? stream)
    {
        entry = ctx.Keyspace.Lookup(ctx.Arg(index), ctx.Access);
        stream = entry?.Value as StreamValue;
        return entry is not null && stream is null ? Errors.WrongType : null;
    }
}
