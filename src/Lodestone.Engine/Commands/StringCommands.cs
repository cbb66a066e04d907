using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// The string commands (Redis's t_string.c). Values are <see cref="StringValue"/>s; the executor has
/// already checked that every declared key holds a string (or is missing) when KeyType is String.
/// </summary>
internal static class StringCommands
{
    private const string Group = "string";

    /// <summary>GET key</summary>
    [Command("GET", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "GET key", Summary = "Returns the string value of a key.", Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply Get(CommandContext ctx) => ValueOf(ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access));

    /// <summary>SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]</summary>
    /// <remarks>O(1). With GET, a key of another type is WRONGTYPE and nothing is written.</remarks>
    [Command("SET", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1,
        Syntax = "SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
        Summary = "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply Set(CommandContext ctx)
    {
        if (ParseOptions(ctx, 3, forSet: true, out var options, out var expireIndex) is { } syntax)
            return syntax;
        var expireAt = Entry.NoExpiry;
        if (expireIndex > 0 && ExpiryFromArgument(ctx, options, expireIndex, out expireAt) is { } invalid)
            return invalid;

        var key = ctx.Args[1];
        var existing = ctx.Keyspace.Lookup(key, ctx.Access);
        var previous = Reply.Null;
        if ((options & SetOptions.Get) != 0)
        {
            if (existing is not null && existing.Type != RedisType.String)
                return Errors.WrongType;
            previous = ValueOf(existing);
        }
        if (((options & SetOptions.Nx) != 0 && existing is not null) || ((options & SetOptions.Xx) != 0 && existing is null))
            return previous;

        var entry = ctx.Keyspace.OverwriteString(key, ctx.Args[2], ctx.Access, keepTtl: (options & SetOptions.KeepTtl) != 0);
        ctx.MarkDirty();
        if (expireAt != Entry.NoExpiry)
        {
            ctx.Keyspace.SetExpiry(entry, expireAt);
            // A relative TTL would replay to a different instant: log the absolute one.
            ctx.Propagate(Effects.Argv("SET", key, ctx.Args[2], "PXAT", expireAt));
        }
        else if ((options & SetOptions.Get) != 0)
        {
            ctx.Propagate(ctx.Args.Where((_, i) => !(i >= 3 && ctx.ArgIs(i, "GET"))).ToArray());
        }
        return (options & SetOptions.Get) != 0 ? previous : Reply.Ok;
    }

    /// <summary>SETNX key value</summary>
    [Command("SETNX", 3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "SETNX key value", Summary = "Set the string value of a key only when the key doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply SetNx(CommandContext ctx)
    {
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access) is not null)
            return Reply.Zero;
        ctx.Keyspace.Add(ctx.Args[1], RedisType.String, StringValue.Wrap(ctx.Args[2]), ctx.Access);
        ctx.MarkDirty();
        return Reply.One;
    }

    /// <summary>SETEX key seconds value</summary>
    [Command("SETEX", 4, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1,
        Syntax = "SETEX key seconds value", Summary = "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "2.0.0")]
    public static Reply SetEx(CommandContext ctx) => SetWithTtl(ctx, SetOptions.Ex);

    /// <summary>PSETEX key milliseconds value</summary>
    [Command("PSETEX", 4, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1,
        Syntax = "PSETEX key milliseconds value", Summary = "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "2.6.0")]
    public static Reply PSetEx(CommandContext ctx) => SetWithTtl(ctx, SetOptions.Px);

    /// <summary>GETSET key value</summary>
    [Command("GETSET", 3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "GETSET key value", Summary = "Returns the previous string value of a key after setting it to a new value.",
        Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply GetSet(CommandContext ctx)
    {
        var previous = ValueOf(ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access));
        ctx.Keyspace.OverwriteString(ctx.Args[1], ctx.Args[2], ctx.Access);
        ctx.MarkDirty();
        return previous;
    }

    /// <summary>GETDEL key</summary>
    [Command("GETDEL", 2, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "GETDEL key", Summary = "Returns the string value of a key after deleting the key.",
        Complexity = "O(1)", Group = Group, Since = "6.2.0")]
    public static Reply GetDel(CommandContext ctx)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null)
            return Reply.Null;
        var value = ValueOf(entry);
        ctx.Keyspace.Delete(entry);
        ctx.MarkDirty();
        ctx.Propagate(Effects.Argv("DEL", ctx.Args[1]));
        return value;
    }

    /// <summary>GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]</summary>
    [Command("GETEX", -2, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]",
        Summary = "Returns the string value of a key after setting its expiration time.",
        Complexity = "O(1)", Group = Group, Since = "6.2.0")]
    public static Reply GetEx(CommandContext ctx)
    {
        if (ParseOptions(ctx, 2, forSet: false, out var options, out var expireIndex) is { } syntax)
            return syntax;
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null)
            return Reply.Null;
        var expireAt = Entry.NoExpiry;
        if (expireIndex > 0 && ExpiryFromArgument(ctx, options, expireIndex, out expireAt) is { } invalid)
            return invalid;

        var value = ValueOf(entry);
        if (expireAt != Entry.NoExpiry && expireAt <= ctx.NowMs)
        {
            ctx.Keyspace.Delete(entry);
            ctx.MarkDirty();
            ctx.Propagate(Effects.Argv("DEL", entry.Key));
        }
        else if (expireAt != Entry.NoExpiry)
        {
            ctx.Keyspace.SetExpiry(entry, expireAt);
            ctx.MarkDirty();
            ctx.Propagate(Effects.Argv("PEXPIREAT", entry.Key, expireAt));
        }
        else if ((options & SetOptions.Persist) != 0 && ctx.Keyspace.Persist(entry))
        {
            ctx.MarkDirty();
            ctx.Propagate(Effects.Argv("PERSIST", entry.Key));
        }
        return value;
    }

    /// <summary>MGET key [key ...]</summary>
    [Command("MGET", -2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = -1,
        Syntax = "MGET key [key ...]", Summary = "Atomically returns the string values of one or more keys.",
        Complexity = "O(N) where N is the number of keys to retrieve.", Group = Group, Since = "1.0.0")]
    public static Reply MGet(CommandContext ctx)
    {
        var values = new Reply[ctx.ArgCount - 1];
        for (var i = 1; i < ctx.ArgCount; i++)
        {
            var entry = ctx.Keyspace.Lookup(ctx.Arg(i), ctx.Access);
            values[i - 1] = entry?.Type == RedisType.String ? ValueOf(entry) : Reply.Null;
        }
        return Reply.Array(values);
    }

    /// <summary>MSET key value [key value ...]</summary>
    [Command("MSET", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = -1, KeyStep = 2,
        Syntax = "MSET key value [key value ...]", Summary = "Atomically creates or modifies the string values of one or more keys.",
        Complexity = "O(N) where N is the number of keys to set.", Group = Group, Since = "1.0.1")]
    public static Reply MSet(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 == 0)
            return Errors.WrongArity("mset");
        SetPairs(ctx);
        return Reply.Ok;
    }

    /// <summary>MSETNX key value [key value ...]</summary>
    [Command("MSETNX", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = -1, KeyStep = 2,
        Syntax = "MSETNX key value [key value ...]", Summary = "Atomically modifies the string values of one or more keys only when all keys don't exist.",
        Complexity = "O(N) where N is the number of keys to set.", Group = Group, Since = "1.0.1")]
    public static Reply MSetNx(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 == 0)
            return Errors.WrongArity("msetnx");
        for (var i = 1; i < ctx.ArgCount; i += 2)
        {
            if (ctx.Keyspace.Lookup(ctx.Arg(i), ctx.Access) is not null)
                return Reply.Zero;
        }
        SetPairs(ctx);
        return Reply.One;
    }

    /// <summary>INCR key</summary>
    [Command("INCR", 2, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "INCR key", Summary = "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply Incr(CommandContext ctx) => IncrementBy(ctx, 1);

    /// <summary>DECR key</summary>
    [Command("DECR", 2, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "DECR key", Summary = "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply Decr(CommandContext ctx) => IncrementBy(ctx, -1);

    /// <summary>INCRBY key increment</summary>
    [Command("INCRBY", 3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "INCRBY key increment", Summary = "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply IncrBy(CommandContext ctx) =>
        ctx.TryInt64(2, out var increment) ? IncrementBy(ctx, increment) : Errors.NotInteger;

    /// <summary>DECRBY key decrement</summary>
    [Command("DECRBY", 3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "DECRBY key decrement", Summary = "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply DecrBy(CommandContext ctx)
    {
        if (!ctx.TryInt64(2, out var decrement))
            return Errors.NotInteger;
        return decrement == long.MinValue ? Errors.DecrementOverflow : IncrementBy(ctx, -decrement);
    }

    /// <summary>INCRBYFLOAT key increment</summary>
    /// <remarks>
    /// O(1). Computed as Redis does, in 80-bit long double (<see cref="LongDouble"/>), and stored and
    /// returned as it prints it ("%.17Lf", trailing zeros trimmed). Logged as <c>SET key result
    /// KEEPTTL</c> so replay does not depend on float arithmetic.
    /// </remarks>
    [Command("INCRBYFLOAT", 3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "INCRBYFLOAT key increment", Summary = "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "2.6.0")]
    public static Reply IncrByFloat(CommandContext ctx)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var current = entry is null ? default(LongDouble?) : LongDouble.Parse(((StringValue)entry.Value).Span);
        if ((entry is not null && current is null) || LongDouble.Parse(ctx.Arg(2)) is not { } increment)
            return Errors.NotFloat;
        if (LongDouble.Add(current ?? default, increment) is not { IsInfinity: false } sum)
            return Errors.NaNOrInfinity;

        var result = Encoding.ASCII.GetBytes(sum.ToHumanString());
        if (entry is null)
        {
            ctx.Keyspace.Add(ctx.Args[1], RedisType.String, StringValue.Wrap(result), ctx.Access);
        }
        else
        {
            entry.Value = StringValue.Wrap(result);
            ctx.Keyspace.Touch(entry);
        }
        ctx.MarkDirty();
        ctx.Propagate(Effects.Argv("SET", ctx.Args[1], result, "KEEPTTL"));
        return Reply.Bulk(result);
    }

    /// <summary>APPEND key value</summary>
    /// <remarks>Amortised O(1) per appended byte: the buffer keeps spare capacity.</remarks>
    [Command("APPEND", 3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "APPEND key value", Summary = "Appends a string to the value of a key. Creates the key if it doesn't exist.",
        Complexity = "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size.",
        Group = Group, Since = "2.0.0")]
    public static Reply Append(CommandContext ctx)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null)
        {
            ctx.Keyspace.Add(ctx.Args[1], RedisType.String, StringValue.Wrap(ctx.Args[2]), ctx.Access);
            ctx.MarkDirty();
            return Reply.Integer(ctx.Args[2].Length);
        }
        var value = (StringValue)entry.Value;
        if (!FitsStringLimit(ctx, value.Length, ctx.Args[2].Length))
            return Errors.StringTooLong;
        value.Append(ctx.Arg(2));
        ctx.Keyspace.Touch(entry);
        ctx.MarkDirty();
        return Reply.Integer(value.Length);
    }

    /// <summary>STRLEN key</summary>
    [Command("STRLEN", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "STRLEN key", Summary = "Returns the length of a string value.", Complexity = "O(1)", Group = Group, Since = "2.2.0")]
    public static Reply StrLen(CommandContext ctx) =>
        Reply.Integer(ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value is StringValue value ? value.Length : 0);

    /// <summary>GETRANGE key start end (and its old name SUBSTR)</summary>
    [Command("GETRANGE", 4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "GETRANGE key start end", Summary = "Returns a substring of the string stored at a key.",
        Complexity = "O(N) where N is the length of the returned string.", Group = Group, Since = "2.4.0")]
    [Command("SUBSTR", 4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "SUBSTR key start end", Summary = "Returns a substring from a string value.",
        Complexity = "O(N) where N is the length of the returned string.", Group = Group, Since = "1.0.0")]
    public static Reply GetRange(CommandContext ctx)
    {
        if (!ctx.TryInt64(2, out var start) || !ctx.TryInt64(3, out var end))
            return Errors.NotInteger;
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value is not StringValue value)
            return Reply.EmptyBulk;

        long length = value.Length;
        if (start < 0 && end < 0 && start > end)
            return Reply.EmptyBulk;
        if (start < 0)
            start = Math.Max(length + start, 0);
        if (end < 0)
            end = Math.Max(length + end, 0);
        if (end >= length)
            end = length - 1;
        if (start > end || length == 0)
            return Reply.EmptyBulk;
        return Reply.Bulk(value.Share().Slice((int)start, (int)(end - start + 1)));
    }

    /// <summary>SETRANGE key offset value</summary>
    /// <remarks>The new length is checked against proto-max-bulk-len before anything is allocated.</remarks>
    [Command("SETRANGE", 4, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "SETRANGE key offset value", Summary = "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
        Complexity = "O(1), not counting the time taken to copy the new string in place.", Group = Group, Since = "2.2.0")]
    public static Reply SetRange(CommandContext ctx)
    {
        if (!ctx.TryInt64(2, out var offset))
            return Errors.NotInteger;
        if (offset < 0)
            return Errors.OffsetOutOfRange;
        var patch = ctx.Args[3];
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (patch.Length == 0)
            return Reply.Integer(entry?.Value is StringValue current ? current.Length : 0);
        if (!FitsStringLimit(ctx, offset, patch.Length))
            return Errors.StringTooLong;

        var bytes = BytesToChange(ctx, entry, checked((int)offset + patch.Length));
        patch.CopyTo(bytes[(int)offset..]);
        ctx.MarkDirty();
        return Reply.Integer(bytes.Length);
    }

    /// <summary>
    /// The bytes of the string at the command's key to change in place, grown (zero-padded) to at
    /// least <paramref name="length"/>; a missing key is created. The growth is accounted before the
    /// caller writes, so changing bytes within it needs no further accounting (SETRANGE, SETBIT, BITFIELD).
    /// </summary>
    internal static Span<byte> BytesToChange(CommandContext ctx, Entry? entry, int length)
    {
        if (entry is null)
        {
            var created = StringValue.Copy([]);
            var bytes = created.Writable(length);
            ctx.Keyspace.Add(ctx.Args[1], RedisType.String, created, ctx.Access);
            return bytes;
        }
        var grown = ((StringValue)entry.Value).Writable(length);
        ctx.Keyspace.Touch(entry);
        return grown;
    }

    /// <summary>
    /// Redis's checkStringLength: whether a string of <paramref name="length"/> + <paramref name="added"/>
    /// bytes is allowed. The sum is only formed once it is known not to overflow, because SETRANGE's
    /// offset may be anything up to long.MaxValue.
    /// </summary>
    /// <remarks>
    /// Differs from Redis: a string is also capped at <see cref="Array.MaxLength"/> bytes (one .NET
    /// array), even when proto-max-bulk-len is configured higher.
    /// </remarks>
    private static bool FitsStringLimit(CommandContext ctx, long length, long added) =>
        added <= Array.MaxLength - length && ctx.FitsBulkLimit(length + added);

    private static Reply ValueOf(Entry? entry) =>
        entry?.Value is StringValue value ? Reply.Bulk(value.Share()) : Reply.Null;

    private static void SetPairs(CommandContext ctx)
    {
        for (var i = 1; i < ctx.ArgCount; i += 2)
            ctx.Keyspace.OverwriteString(ctx.Args[i], ctx.Args[i + 1], ctx.Access);
        ctx.MarkDirty(ctx.ArgCount / 2);
    }

    private static Reply IncrementBy(CommandContext ctx, long increment)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        long current = 0;
        if (entry is not null && !RedisNumbers.TryParseInt64(((StringValue)entry.Value).Span, out current))
            return Errors.NotInteger;
        if ((increment < 0 && current < 0 && increment < long.MinValue - current) ||
            (increment > 0 && current > 0 && increment > long.MaxValue - current))
            return Errors.IncrementOverflow;

        var result = current + increment;
        if (entry is null)
        {
            ctx.Keyspace.Add(ctx.Args[1], RedisType.String, StringValue.Wrap(RedisNumbers.FormatInt64(result)), ctx.Access);
        }
        else
        {
            ((StringValue)entry.Value).SetInteger(result);
            ctx.Keyspace.Touch(entry);
        }
        ctx.MarkDirty();
        return Reply.Integer(result);
    }

    private static Reply SetWithTtl(CommandContext ctx, SetOptions unit)
    {
        var expireAt = Entry.NoExpiry;
        if (ExpiryFromArgument(ctx, unit, 2, out expireAt) is { } invalid)
            return invalid;
        var entry = ctx.Keyspace.OverwriteString(ctx.Args[1], ctx.Args[3], ctx.Access);
        ctx.Keyspace.SetExpiry(entry, expireAt);
        ctx.MarkDirty();
        ctx.Propagate(Effects.Argv("SET", ctx.Args[1], ctx.Args[3], "PXAT", expireAt));
        return Reply.Ok;
    }

    [Flags]
    private enum SetOptions
    {
        None = 0,
        Nx = 1 << 0,
        Xx = 1 << 1,
        Get = 1 << 2,
        KeepTtl = 1 << 3,
        Persist = 1 << 4,
        Ex = 1 << 5,
        Px = 1 << 6,
        ExAt = 1 << 7,
        PxAt = 1 << 8,
    }

    private const SetOptions AnyExpiry = SetOptions.Ex | SetOptions.Px | SetOptions.ExAt | SetOptions.PxAt;

    /// <summary>
    /// Redis's parseExtendedStringArgumentsOrReply, shared by SET and GETEX: options in any order and
    /// case, a conflicting or unknown one is a syntax error. Repeating the same expiry option is allowed
    /// (the last wins), as in Redis.
    /// </summary>
    private static EngineError? ParseOptions(CommandContext ctx, int first, bool forSet, out SetOptions options, out int expireIndex)
    {
        options = SetOptions.None;
        expireIndex = 0;
        for (var i = first; i < ctx.ArgCount; i++)
        {
            var hasNext = i < ctx.ArgCount - 1;
            SetOptions expiry = ctx.ArgIs(i, "EX") ? SetOptions.Ex
                : ctx.ArgIs(i, "PX") ? SetOptions.Px
                : ctx.ArgIs(i, "EXAT") ? SetOptions.ExAt
                : ctx.ArgIs(i, "PXAT") ? SetOptions.PxAt
                : SetOptions.None;

            if (forSet && ctx.ArgIs(i, "NX") && (options & SetOptions.Xx) == 0)
                options |= SetOptions.Nx;
            else if (forSet && ctx.ArgIs(i, "XX") && (options & SetOptions.Nx) == 0)
                options |= SetOptions.Xx;
            else if (forSet && ctx.ArgIs(i, "GET"))
                options |= SetOptions.Get;
            else if (forSet && ctx.ArgIs(i, "KEEPTTL") && (options & (SetOptions.Persist | AnyExpiry)) == 0)
                options |= SetOptions.KeepTtl;
            else if (!forSet && ctx.ArgIs(i, "PERSIST") && (options & (SetOptions.KeepTtl | AnyExpiry)) == 0)
                options |= SetOptions.Persist;
            else if (expiry != SetOptions.None && hasNext && (options & (SetOptions.KeepTtl | SetOptions.Persist | (AnyExpiry & ~expiry))) == 0)
            {
                options |= expiry;
                expireIndex = ++i;
            }
            else
                return Errors.Syntax;
        }
        return null;
    }

    /// <summary>Turns an EX/PX/EXAT/PXAT argument into an absolute Unix-milliseconds instant, with Redis's checks.</summary>
    private static EngineError? ExpiryFromArgument(CommandContext ctx, SetOptions options, int index, out long expireAt)
    {
        expireAt = Entry.NoExpiry;
        if (!ctx.TryInt64(index, out var amount))
            return Errors.NotInteger;
        var inSeconds = (options & (SetOptions.Ex | SetOptions.ExAt)) != 0;
        if (amount <= 0 || (inSeconds && amount > long.MaxValue / 1000))
            return Errors.InvalidExpireTime(ctx.Spec.Name);
        if (inSeconds)
            amount *= 1000;
        if ((options & (SetOptions.Ex | SetOptions.Px)) != 0)
        {
            if (amount > long.MaxValue - ctx.NowMs)
                return Errors.InvalidExpireTime(ctx.Spec.Name);
            amount += ctx.NowMs;
        }
        expireAt = amount;
        return null;
    }
}
