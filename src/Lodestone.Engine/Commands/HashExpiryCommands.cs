using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// Hash-field expiration (Redis 7.4) and Redis 8's HGETDEL, HGETEX and HSETEX, as Redis 8.0's t_hash.c
/// and command reference have them.
/// </summary>
/// <remarks>
/// Design note. A field's TTL is an absolute Unix-ms time kept by <see cref="HashValue"/>; the keyspace
/// removes due fields before any command sees the hash and the active cycle samples hashes with TTLs,
/// each removal logged as HDEL. What these commands log is deterministic: relative times become
/// <c>HPEXPIREAT … FIELDS</c> for the fields that got them, fields removed because their new time had
/// already passed become <c>HDEL</c>, HGETDEL is logged as HDEL and HGETEX as HPEXPIREAT / HPERSIST /
/// HDEL — Redis's own rewrites. A field's time passes when it is before now; a time set to now or
/// earlier removes the field at once (reply 2), as in Redis.
/// </remarks>
internal static class HashExpiryCommands
{
    private const string Group = "hash";

    /// <summary>Redis's HFE_MAX_ABS_TIME_MSEC: the latest expiry a field may get (2^46 − 1 ms, in the year 4199).</summary>
    public const long MaxExpireAtMs = ((1L << 48) - 1) >> 2;

    private const string ExpireSyntax = " [NX | XX | GT | LT] FIELDS numfields field [field ...]";
    private const string ExpireComplexity = "O(N) where N is the number of specified fields";

    /// <summary>HEXPIRE key seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]</summary>
    /// <remarks>Per field: -2 no such field (or key), 0 the condition was not met, 1 set, 2 removed (the time had passed).</remarks>
    [Command("HEXPIRE", -6, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HEXPIRE key seconds" + ExpireSyntax, Summary = "Set expiry for hash field using relative time to expire (seconds)",
        Complexity = ExpireComplexity, Group = Group, Since = "7.4.0")]
    public static Reply HExpire(CommandContext ctx) => ExpireGeneric(ctx, seconds: true, relative: true);

    /// <summary>HPEXPIRE key milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]</summary>
    [Command("HPEXPIRE", -6, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HPEXPIRE key milliseconds" + ExpireSyntax, Summary = "Set expiry for hash field using relative time to expire (milliseconds)",
        Complexity = ExpireComplexity, Group = Group, Since = "7.4.0")]
    public static Reply HPExpire(CommandContext ctx) => ExpireGeneric(ctx, seconds: false, relative: true);

    /// <summary>HEXPIREAT key unix-time-seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]</summary>
    [Command("HEXPIREAT", -6, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HEXPIREAT key unix-time-seconds" + ExpireSyntax, Summary = "Set expiry for hash field using an absolute Unix timestamp (seconds)",
        Complexity = ExpireComplexity, Group = Group, Since = "7.4.0")]
    public static Reply HExpireAt(CommandContext ctx) => ExpireGeneric(ctx, seconds: true, relative: false);

    /// <summary>HPEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]</summary>
    [Command("HPEXPIREAT", -6, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HPEXPIREAT key unix-time-milliseconds" + ExpireSyntax, Summary = "Set expiry for hash field using an absolute Unix timestamp (milliseconds)",
        Complexity = ExpireComplexity, Group = Group, Since = "7.4.0")]
    public static Reply HPExpireAt(CommandContext ctx) => ExpireGeneric(ctx, seconds: false, relative: false);

    /// <summary>HTTL key FIELDS numfields field [field ...]</summary>
    /// <remarks>Per field: -2 no such field (or key), -1 no TTL, else the seconds left (rounded up).</remarks>
    [Command("HTTL", -5, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HTTL key FIELDS numfields field [field ...]", Summary = "Returns the TTL in seconds of a hash field.",
        Complexity = ExpireComplexity, Group = Group, Since = "7.4.0")]
    public static Reply HTtl(CommandContext ctx) => TtlGeneric(ctx, seconds: true, relative: true);

    /// <summary>HPTTL key FIELDS numfields field [field ...]</summary>
    [Command("HPTTL", -5, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HPTTL key FIELDS numfields field [field ...]", Summary = "Returns the TTL in milliseconds of a hash field.",
        Complexity = ExpireComplexity, Group = Group, Since = "7.4.0")]
    public static Reply HPTtl(CommandContext ctx) => TtlGeneric(ctx, seconds: false, relative: true);

    /// <summary>HEXPIRETIME key FIELDS numfields field [field ...]</summary>
    [Command("HEXPIRETIME", -5, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HEXPIRETIME key FIELDS numfields field [field ...]", Summary = "Returns the expiration time of a hash field as a Unix timestamp, in seconds.",
        Complexity = ExpireComplexity, Group = Group, Since = "7.4.0")]
    public static Reply HExpireTime(CommandContext ctx) => TtlGeneric(ctx, seconds: true, relative: false);

    /// <summary>HPEXPIRETIME key FIELDS numfields field [field ...]</summary>
    [Command("HPEXPIRETIME", -5, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HPEXPIRETIME key FIELDS numfields field [field ...]", Summary = "Returns the expiration time of a hash field as a Unix timestamp, in msec.",
        Complexity = ExpireComplexity, Group = Group, Since = "7.4.0")]
    public static Reply HPExpireTime(CommandContext ctx) => TtlGeneric(ctx, seconds: false, relative: false);

    /// <summary>HPERSIST key FIELDS numfields field [field ...]</summary>
    /// <remarks>Per field: -2 no such field (or key), -1 it had no TTL, 1 its TTL was removed.</remarks>
    [Command("HPERSIST", -5, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HPERSIST key FIELDS numfields field [field ...]", Summary = "Removes the expiration time for each specified field",
        Complexity = ExpireComplexity, Group = Group, Since = "7.4.0")]
    public static Reply HPersist(CommandContext ctx)
    {
        if (Fields(ctx, 2, Errors.FieldCountNotPositive, out var first) is { } invalid)
            return invalid;
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var hash = (HashValue?)entry?.Value;
        var replies = new Reply[ctx.ArgCount - first];
        List<byte[]> persisted = [];
        for (var i = first; i < ctx.ArgCount; i++)
        {
            var field = ctx.Arg(i);
            if (hash is null || !hash.Contains(field))
            {
                replies[i - first] = Reply.Integer(-2);
            }
            else if (hash.Persist(field))
            {
                replies[i - first] = Reply.One;
                persisted.Add(ctx.Args[i]);
            }
            else
            {
                replies[i - first] = Reply.Integer(-1);
            }
        }
        Changed(ctx, entry, HPersistName, null, persisted, []);
        return Reply.Array(replies);
    }

    /// <summary>HGETDEL key FIELDS numfields field [field ...]</summary>
    /// <remarks>O(N): each field's value (nil when missing), and the fields removed; the key goes with its last field. Logged as HDEL.</remarks>
    [Command("HGETDEL", -5, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HGETDEL key FIELDS numfields field [field ...]", Summary = "Returns the value of a field and deletes it from the hash.",
        Complexity = "O(N) where N is the number of specified fields", Group = Group, Since = "8.0.0")]
    public static Reply HGetDel(CommandContext ctx)
    {
        if (Fields(ctx, 2, Errors.FieldCountNotPositive, out var first) is { } invalid)
            return invalid;
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var hash = (HashValue?)entry?.Value;
        var replies = new Reply[ctx.ArgCount - first];
        var deleted = new List<byte[]>();
        for (var i = first; i < ctx.ArgCount; i++)
        {
            if (hash is not null && hash.TryGet(ctx.Arg(i), out var value))
            {
                replies[i - first] = Reply.Bulk(value);
                hash.Remove(ctx.Arg(i));
                deleted.Add(ctx.Args[i]);
            }
            else
            {
                replies[i - first] = Reply.Null;
            }
        }
        if (deleted.Count > 0)
        {
            ctx.ChangedInPlace(entry!, deleted.Count);
            ctx.Propagate([HDel, ctx.Args[1], .. deleted]);
        }
        return Reply.Array(replies);
    }

    /// <summary>HGETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST] FIELDS numfields field [field ...]</summary>
    /// <remarks>
    /// O(N): each field's value (nil when missing), then the existing fields get the TTL (or lose it
    /// with PERSIST); a time already passed removes them. Logged as HPEXPIREAT, HPERSIST or HDEL.
    /// </remarks>
    [Command("HGETEX", -5, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HGETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST] FIELDS numfields field [field ...]",
        Summary = "Get the value of one or more fields of a given hash key, and optionally set their expiration.",
        Complexity = "O(N) where N is the number of specified fields", Group = Group, Since = "8.0.0")]
    public static Reply HGetEx(CommandContext ctx)
    {
        var fieldsAt = 2;
        long atMs = 0;
        var persist = false;
        var expire = false;
        if (TimeOption(ctx, 2) is { } option)
        {
            if (ParseExpireTime(ctx, 3, option.Seconds, option.Relative ? ctx.NowMs : 0, out atMs) is { } bad)
                return bad;
            expire = true;
            fieldsAt = 4;
        }
        else if (ctx.ArgIs(2, "PERSIST"))
        {
            persist = true;
            fieldsAt = 3;
        }
        if (Fields(ctx, fieldsAt, Errors.FieldCountNotPositive, out var first) is { } invalid)
            return invalid;

        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var hash = (HashValue?)entry?.Value;
        var replies = new Reply[ctx.ArgCount - first];
        List<byte[]> changed = [], deleted = [];
        for (var i = first; i < ctx.ArgCount; i++)
        {
            if (hash is null || !hash.TryGet(ctx.Arg(i), out var value))
            {
                replies[i - first] = Reply.Null;
                continue;
            }
            replies[i - first] = Reply.Bulk(value);
            if (persist && hash.Persist(ctx.Arg(i)))
                changed.Add(ctx.Args[i]);
            else if (expire)
                (atMs <= ctx.NowMs ? deleted : changed).Add(ctx.Args[i]);
        }
        if (expire)
        {
            foreach (var field in changed)
                hash!.SetExpiry(field, atMs);
            foreach (var field in deleted)
                hash!.Remove(field);
        }
        Changed(ctx, entry, persist ? HPersistName : HPExpireAtName, persist ? null : atMs, changed, deleted);
        return Reply.Array(replies);
    }

    /// <summary>HSETEX key [FNX | FXX] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL] FIELDS numfields field value [field value ...]</summary>
    /// <remarks>
    /// O(N): sets every field (FNX: only if none exists; FXX: only if all do) and replies 1, or 0 when
    /// the condition fails. With a time the fields get that TTL (a passed time removes them); with
    /// KEEPTTL they keep theirs; otherwise they lose it, as with HSET. Logged with an absolute PXAT.
    /// </remarks>
    [Command("HSETEX", -6, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HSETEX key [FNX | FXX] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL] FIELDS numfields field value [field value ...]",
        Summary = "Set the value of one or more fields of a given hash key, and optionally set their expiration.",
        Complexity = "O(N) where N is the number of fields being set.", Group = Group, Since = "8.0.0")]
    public static Reply HSetEx(CommandContext ctx)
    {
        bool fnx = false, fxx = false, keepTtl = false, expire = false;
        long atMs = 0;
        int first = -1, count = 0;
        for (var i = 2; i < ctx.ArgCount && first < 0; i++)
        {
            if (ctx.ArgIs(i, "FIELDS"))
            {
                if (i >= ctx.ArgCount - 3)
                    return Errors.WrongArity(ctx.Spec.Name);
                if (!ctx.TryInt64(i + 1, out var declared) || declared is < 1 or > int.MaxValue)
                    return Errors.InvalidFieldCount;
                var remaining = ctx.ArgCount - i - 2;
                if (remaining % 2 != 0 || declared != remaining / 2)
                    return Errors.WrongArity(ctx.Spec.Name);
                (first, count) = (i + 2, (int)declared);
            }
            else if (TimeOption(ctx, i) is { } option)
            {
                if (expire || keepTtl)
                    return Errors.OneTimeOption;
                if (i >= ctx.ArgCount - 1)
                    return Errors.MissingExpireTime;
                if (ParseExpireTime(ctx, ++i, option.Seconds, option.Relative ? ctx.NowMs : 0, out atMs) is { } bad)
                    return bad;
                expire = true;
            }
            else if (ctx.ArgIs(i, "KEEPTTL"))
            {
                if (expire || keepTtl)
                    return Errors.OneTimeOption;
                keepTtl = true;
            }
            else if (ctx.ArgIs(i, "FXX") || ctx.ArgIs(i, "FNX"))
            {
                if (fnx || fxx)
                    return Errors.OneFieldCondition;
                (fnx, fxx) = (ctx.ArgIs(i, "FNX"), ctx.ArgIs(i, "FXX"));
            }
            else
            {
                return Errors.UnknownArgument(ctx.ArgText(i));
            }
        }
        if (first < 0)
            return Errors.WrongArity(ctx.Spec.Name);

        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var hash = (HashValue?)entry?.Value;
        if (fnx || fxx)
        {
            var found = 0;
            for (var j = 0; j < count; j++)
            {
                if (hash is not null && hash.Contains(ctx.Arg(first + (2 * j))))
                    found++;
            }
            if ((fnx && found > 0) || (fxx && found < count))
                return Reply.Zero;
        }

        hash ??= new HashValue();
        var removeNow = expire && atMs <= ctx.NowMs;
        for (var j = 0; j < count; j++)
        {
            var field = ctx.Args[first + (2 * j)];
            hash.Set(field, ctx.Args[first + (2 * j) + 1], keepTtl: keepTtl || expire);
            if (removeNow)
                hash.Remove(field);
            else if (expire)
                hash.SetExpiry(field, atMs);
        }

        if (removeNow)
        {
            // Set and removed at once: what is left is the fields' removal.
            if (entry is not null)
            {
                ctx.ChangedInPlace(entry, count);
                ctx.Propagate([HDel, ctx.Args[1], .. Enumerable.Range(0, count).Select(j => ctx.Args[first + (2 * j)])]);
            }
            return Reply.One;
        }
        if (entry is null)
            entry = ctx.Keyspace.Add(ctx.Args[1], RedisType.Hash, hash, ctx.Access);
        else
            ctx.Keyspace.Touch(entry);
        ctx.Keyspace.TrackFieldExpiry(entry);
        ctx.MarkDirty(count);
        var mode = expire ? Effects.Argv("PXAT", atMs) : keepTtl ? Effects.Argv("KEEPTTL") : [];
        ctx.Propagate([HSetExName, ctx.Args[1], .. mode, FieldsWord, .. Effects.Argv(count), .. ctx.Args.Skip(first)]);
        return Reply.One;
    }

    private static readonly byte[] HDel = "HDEL"u8.ToArray();
    private static readonly byte[] HPExpireAtName = "HPEXPIREAT"u8.ToArray();
    private static readonly byte[] HPersistName = "HPERSIST"u8.ToArray();
    private static readonly byte[] HSetExName = "HSETEX"u8.ToArray();
    private static readonly byte[] FieldsWord = "FIELDS"u8.ToArray();

    [Flags]
    private enum Condition
    {
        None = 0,
        Nx = 1,
        Xx = 2,
        Gt = 4,
        Lt = 8,
    }

    /// <summary>Redis's hexpireGenericCommand: the time, the condition, the fields; then per field its code.</summary>
    private static Reply ExpireGeneric(CommandContext ctx, bool seconds, bool relative)
    {
        if (ParseExpireTime(ctx, 2, seconds, relative ? ctx.NowMs : 0, out var atMs) is { } bad)
            return bad;
        var condition = ctx.ArgIs(3, "NX") ? Condition.Nx
            : ctx.ArgIs(3, "XX") ? Condition.Xx
            : ctx.ArgIs(3, "GT") ? Condition.Gt
            : ctx.ArgIs(3, "LT") ? Condition.Lt
            : Condition.None;
        if (Fields(ctx, condition == Condition.None ? 3 : 4, Errors.NumFieldsNotPositive, out var first) is { } invalid)
            return invalid;

        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var hash = (HashValue?)entry?.Value;
        var replies = new Reply[ctx.ArgCount - first];
        List<byte[]> set = [], deleted = [];
        for (var i = first; i < ctx.ArgCount; i++)
        {
            var field = ctx.Arg(i);
            if (hash is null || !hash.Contains(field))
            {
                replies[i - first] = Reply.Integer(-2);
                continue;
            }
            var current = hash.ExpiryOf(field);
            var hasTtl = current != HashValue.NoExpiry;
            var met = condition switch
            {
                Condition.Nx => !hasTtl,
                Condition.Xx => hasTtl,
                Condition.Gt => hasTtl && atMs > current,
                Condition.Lt => !hasTtl || atMs < current,
                _ => true,
            };
            if (!met)
            {
                replies[i - first] = Reply.Zero;
                continue;
            }
            if (atMs <= ctx.NowMs)
            {
                hash.Remove(field);
                deleted.Add(ctx.Args[i]);
                replies[i - first] = Reply.Integer(2);
                continue;
            }
            hash.SetExpiry(field, atMs);
            set.Add(ctx.Args[i]);
            replies[i - first] = Reply.One;
        }
        Changed(ctx, entry, HPExpireAtName, atMs, set, deleted);
        return Reply.Array(replies);
    }

    /// <summary>Redis's httlGenericCommand: per field -2 (missing), -1 (no TTL), or the time left or the expiry instant.</summary>
    private static Reply TtlGeneric(CommandContext ctx, bool seconds, bool relative)
    {
        if (Fields(ctx, 2, Errors.FieldCountNotPositive, out var first) is { } invalid)
            return invalid;
        var hash = (HashValue?)ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value;
        var basetime = relative ? ctx.NowMs : 0;
        var replies = new Reply[ctx.ArgCount - first];
        for (var i = first; i < ctx.ArgCount; i++)
        {
            var field = ctx.Arg(i);
            if (hash is null || !hash.Contains(field))
            {
                replies[i - first] = Reply.Integer(-2);
                continue;
            }
            var atMs = hash.ExpiryOf(field);
            replies[i - first] = atMs == HashValue.NoExpiry ? Reply.Integer(-1)
                : Reply.Integer(seconds ? (atMs + 999 - basetime) / 1000 : atMs - basetime);
        }
        return Reply.Array(replies);
    }

    /// <summary>
    /// Records what a TTL change did to the hash at <paramref name="entry"/>, as the whole family logs
    /// it: the fields that got (or lost) a TTL as <paramref name="changedAs"/> <c>… FIELDS</c>, the fields
    /// removed because their time had passed as HDEL; the hash is tracked for the active cycle and
    /// goes with its last field. Nothing when nothing changed.
    /// </summary>
    private static void Changed(CommandContext ctx, Entry? entry, byte[] changedAs, long? atMs, List<byte[]> changed, List<byte[]> deleted)
    {
        if (entry is null || changed.Count + deleted.Count == 0)
            return;
        if (changed.Count > 0)
            ctx.Propagate(FieldsArgv(changedAs, ctx.Args[1], atMs, changed));
        if (deleted.Count > 0)
            ctx.Propagate([HDel, ctx.Args[1], .. deleted]);
        ctx.Keyspace.TrackFieldExpiry(entry);
        ctx.ChangedInPlace(entry, changed.Count + deleted.Count);
    }

    /// <summary>
    /// The <c>FIELDS numfields field …</c> tail starting at argument <paramref name="at"/>: the keyword,
    /// a positive count (else <paramref name="countError"/>), and exactly that many fields after it.
    /// </summary>
    private static EngineError? Fields(CommandContext ctx, int at, EngineError countError, out int first)
    {
        first = at + 2;
        if (at >= ctx.ArgCount || !ctx.ArgIs(at, "FIELDS"))
            return Errors.FieldsMissing;
        if (at + 1 >= ctx.ArgCount || !ctx.TryInt64(at + 1, out var declared) || declared < 1)
            return countError;
        return declared != ctx.ArgCount - first ? Errors.NumFieldsMismatch : null;
    }

    /// <summary>Redis 8's parseExpireTime: a non-negative integer, in seconds or ms, plus <paramref name="basetime"/>, at most <see cref="MaxExpireAtMs"/>.</summary>
    private static EngineError? ParseExpireTime(CommandContext ctx, int index, bool seconds, long basetime, out long atMs)
    {
        atMs = 0;
        if (!ctx.TryInt64(index, out var value))
            return Errors.NotInteger;
        if (value < 0)
            return Errors.ExpireTimeNegative;
        if (seconds)
        {
            if (value > MaxExpireAtMs / 1000)
                return Errors.InvalidExpireTime(ctx.Spec.Name);
            value *= 1000;
        }
        if (value > MaxExpireAtMs - basetime)
            return Errors.InvalidExpireTime(ctx.Spec.Name);
        atMs = value + basetime;
        return null;
    }

    /// <summary>EX, PX, EXAT or PXAT at argument <paramref name="index"/>: its unit and whether it is relative; null for anything else.</summary>
    private static (bool Seconds, bool Relative)? TimeOption(CommandContext ctx, int index) =>
        ctx.ArgIs(index, "EX") ? (true, true)
        : ctx.ArgIs(index, "PX") ? (false, true)
        : ctx.ArgIs(index, "EXAT") ? (true, false)
        : ctx.ArgIs(index, "PXAT") ? (false, false)
        : null;

    /// <summary><c>NAME key [time] FIELDS n field …</c>, the form the family logs.</summary>
    private static byte[][] FieldsArgv(byte[] name, byte[] key, long? atMs, List<byte[]> fields) =>
        [name, key, .. atMs is { } at ? Effects.Argv(at) : [], FieldsWord, .. Effects.Argv(fields.Count), .. fields];
}
