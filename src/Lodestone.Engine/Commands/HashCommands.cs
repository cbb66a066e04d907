using System.Globalization;
using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// The hash commands (Redis's t_hash.c). Values are <see cref="HashValue"/>s; a hash whose last field
/// is removed is deleted, so an existing hash key is never empty. The executor has checked that the
/// key holds a hash (or is missing): every command here declares KeyType Hash.
/// </summary>
internal static class HashCommands
{
    private const string Group = "hash";

    /// <summary>
    /// The most fields HRANDFIELD returns for a negative count (fields may repeat, so the hash's size
    /// does not bound the reply).
    /// </summary>
    /// <remarks>
    /// Differs from Redis: Redis 7.0 has no such bound and tries to build any reply it is asked for
    /// (<c>HRANDFIELD h -4611686018427387903 WITHVALUES</c> brings the server down); a larger count here is
    /// <c>ERR value is out of range</c>, the text Redis uses for counts it refuses.
    /// </remarks>
    public const long MaxRandomFields = 1 << 24;

    /// <summary>HSET key field value [field value ...]</summary>
    [Command("HSET", -4, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HSET key field value [field value ...]", Summary = "Creates or modifies the value of a field in a hash.",
        Complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
        Group = Group, Since = "2.0.0")]
    public static Reply HSet(CommandContext ctx) =>
        ctx.ArgCount % 2 == 0 ? Reply.Integer(SetPairs(ctx)) : Errors.WrongArity(ctx.Spec.Name);

    /// <summary>HMSET key field value [field value ...]</summary>
    /// <remarks>HSET's older form: the same write, answered with OK instead of the count of new fields.</remarks>
    [Command("HMSET", -4, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HMSET key field value [field value ...]", Summary = "Sets the values of multiple fields.",
        Complexity = "O(N) where N is the number of fields being set.", Group = Group, Since = "2.0.0")]
    public static Reply HMSet(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 != 0)
            return Errors.WrongArity(ctx.Spec.Name);
        SetPairs(ctx);
        return Reply.Ok;
    }

    /// <summary>HSETNX key field value</summary>
    [Command("HSETNX", 4, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HSETNX key field value", Summary = "Sets the value of a field in a hash only when the field doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "2.0.0")]
    public static Reply HSetNx(CommandContext ctx)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var hash = (HashValue?)entry?.Value;
        if (hash is not null && hash.Contains(ctx.Arg(2)))
            return Reply.Zero;
        hash ??= new HashValue();
        hash.Set(ctx.Args[2], ctx.Args[3]);
        Store(ctx, entry, hash);
        ctx.MarkDirty();
        return Reply.One;
    }

    /// <summary>HGET key field</summary>
    [Command("HGET", 3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HGET key field", Summary = "Returns the value of a field in a hash.", Complexity = "O(1)", Group = Group, Since = "2.0.0")]
    public static Reply HGet(CommandContext ctx) =>
        Find(ctx) is { } hash && hash.TryGet(ctx.Arg(2), out var value) ? Reply.Bulk(value) : Reply.Null;

    /// <summary>HMGET key field [field ...]</summary>
    [Command("HMGET", -3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HMGET key field [field ...]", Summary = "Returns the values of all fields in a hash.",
        Complexity = "O(N) where N is the number of fields being requested.", Group = Group, Since = "2.0.0")]
    public static Reply HMGet(CommandContext ctx)
    {
        var hash = Find(ctx);
        var values = new Reply[ctx.ArgCount - 2];
        for (var i = 2; i < ctx.ArgCount; i++)
            values[i - 2] = hash is not null && hash.TryGet(ctx.Arg(i), out var value) ? Reply.Bulk(value) : Reply.Null;
        return Reply.Array(values);
    }

    /// <summary>HGETALL key</summary>
    /// <remarks>A map reply (front ends speaking RESP2 flatten it to field, value, field, value…).</remarks>
    [Command("HGETALL", 2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HGETALL key", Summary = "Returns all fields and values in a hash.",
        Complexity = "O(N) where N is the size of the hash.", Group = Group, Since = "2.0.0")]
    public static Reply HGetAll(CommandContext ctx)
    {
        if (Find(ctx) is not { } hash)
            return Reply.Map([]);
        var pairs = new Reply[hash.Count * 2];
        var i = 0;
        foreach (var (field, value) in hash.Entries())
        {
            pairs[i++] = Reply.Bulk(field);
            pairs[i++] = Reply.Bulk(value);
        }
        return Reply.Map(pairs);
    }

    /// <summary>HKEYS key</summary>
    [Command("HKEYS", 2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HKEYS key", Summary = "Returns all fields in a hash.",
        Complexity = "O(N) where N is the size of the hash.", Group = Group, Since = "2.0.0")]
    public static Reply HKeys(CommandContext ctx) =>
        Find(ctx) is { } hash ? Reply.Array(hash.Entries().Select(e => Reply.Bulk(e.Key)).ToArray()) : Reply.EmptyArray;

    /// <summary>HVALS key</summary>
    [Command("HVALS", 2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HVALS key", Summary = "Returns all values in a hash.",
        Complexity = "O(N) where N is the size of the hash.", Group = Group, Since = "2.0.0")]
    public static Reply HVals(CommandContext ctx) =>
        Find(ctx) is { } hash ? Reply.Array(hash.Entries().Select(e => Reply.Bulk(e.Value)).ToArray()) : Reply.EmptyArray;

    /// <summary>HDEL key field [field ...]</summary>
    [Command("HDEL", -3, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HDEL key field [field ...]", Summary = "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
        Complexity = "O(N) where N is the number of fields to be removed.", Group = Group, Since = "2.0.0")]
    public static Reply HDel(CommandContext ctx)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null)
            return Reply.Zero;
        var hash = (HashValue)entry.Value;
        var deleted = 0;
        for (var i = 2; i < ctx.ArgCount && hash.Count > 0; i++)
        {
            if (hash.Remove(ctx.Arg(i)))
                deleted++;
        }
        if (deleted == 0)
            return Reply.Zero;
        ctx.ChangedInPlace(entry, deleted);
        return Reply.Integer(deleted);
    }

    /// <summary>HEXISTS key field</summary>
    [Command("HEXISTS", 3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HEXISTS key field", Summary = "Determines whether a field exists in a hash.", Complexity = "O(1)", Group = Group, Since = "2.0.0")]
    public static Reply HExists(CommandContext ctx) =>
        Find(ctx) is { } hash && hash.Contains(ctx.Arg(2)) ? Reply.One : Reply.Zero;

    /// <summary>HLEN key</summary>
    [Command("HLEN", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HLEN key", Summary = "Returns the number of fields in a hash.", Complexity = "O(1)", Group = Group, Since = "2.0.0")]
    public static Reply HLen(CommandContext ctx) => Reply.Integer(Find(ctx)?.Count ?? 0);

    /// <summary>HSTRLEN key field</summary>
    [Command("HSTRLEN", 3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HSTRLEN key field", Summary = "Returns the length of the value of a field.", Complexity = "O(1)", Group = Group, Since = "3.2.0")]
    public static Reply HStrLen(CommandContext ctx) =>
        Reply.Integer(Find(ctx) is { } hash && hash.TryGet(ctx.Arg(2), out var value) ? value.Length : 0);

    /// <summary>HINCRBY key field increment</summary>
    [Command("HINCRBY", 4, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HINCRBY key field increment", Summary = "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "2.0.0")]
    public static Reply HIncrBy(CommandContext ctx)
    {
        if (!ctx.TryInt64(3, out var increment))
            return Errors.NotInteger;
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var hash = (HashValue?)entry?.Value;
        long current = 0;
        if (hash is not null && hash.TryGet(ctx.Arg(2), out var stored) && !RedisNumbers.TryParseInt64(stored, out current))
            return Errors.HashValueNotInteger;
        if ((increment < 0 && current < 0 && increment < long.MinValue - current) ||
            (increment > 0 && current > 0 && increment > long.MaxValue - current))
            return Errors.IncrementOverflow;

        var result = current + increment;
        hash ??= new HashValue();
        hash.Set(ctx.Args[2], RedisNumbers.FormatInt64(result), keepTtl: true);
        Store(ctx, entry, hash);
        ctx.MarkDirty();
        return Reply.Integer(result);
    }

    /// <summary>HINCRBYFLOAT key field increment</summary>
    /// <remarks>
    /// O(1). Computed, stored and returned as INCRBYFLOAT's (80-bit long double, "%.17Lf": see
    /// <see cref="LongDouble"/>), and logged as <c>HSETEX key KEEPTTL FIELDS 1 field result</c> (Redis 8's
    /// rewrite) so replay does not depend on float arithmetic and keeps the field's TTL.
    /// </remarks>
    [Command("HINCRBYFLOAT", 4, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HINCRBYFLOAT key field increment", Summary = "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
        Complexity = "O(1)", Group = Group, Since = "2.6.0")]
    public static Reply HIncrByFloat(CommandContext ctx)
    {
        if (LongDouble.Parse(ctx.Arg(3)) is not { } increment)
            return Errors.NotFloat;
        if (increment.IsInfinity)
            return Errors.ValueNaNOrInfinity;
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var hash = (HashValue?)entry?.Value;
        var current = default(LongDouble);
        if (hash is not null && hash.TryGet(ctx.Arg(2), out var stored))
        {
            if (LongDouble.Parse(stored) is not { } parsed)
                return Errors.HashValueNotFloat;
            current = parsed;
        }
        if (LongDouble.Add(current, increment) is not { IsInfinity: false } sum)
            return Errors.NaNOrInfinity;

        var result = Encoding.ASCII.GetBytes(sum.ToHumanString());
        hash ??= new HashValue();
        hash.Set(ctx.Args[2], result, keepTtl: true);
        Store(ctx, entry, hash);
        ctx.MarkDirty();
        ctx.Propagate(Effects.Argv("HSETEX", ctx.Args[1], "KEEPTTL", "FIELDS", 1, ctx.Args[2], result));
        return Reply.Bulk(result);
    }

    /// <summary>HRANDFIELD key [count [WITHVALUES]]</summary>
    /// <remarks>
    /// O(N) in the fields returned. Without a count: one field, or nil. A positive count returns that
    /// many distinct fields (the whole hash when it has no more); a negative one returns -count fields
    /// that may repeat. WITHVALUES interleaves each field's value (field, value, field, value…, RESP2's
    /// flat shape, which the command endpoint's clients expect). Read-only: nothing is logged.
    /// </remarks>
    [Command("HRANDFIELD", -2, Flags = CommandFlags.ReadOnly | CommandFlags.Random, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HRANDFIELD key [count [WITHVALUES]]", Summary = "Returns one or more random fields from a hash.",
        Complexity = "O(N) where N is the number of fields returned", Group = Group, Since = "6.2.0")]
    public static Reply HRandField(CommandContext ctx)
    {
        if (ctx.ArgCount == 2)
            return Find(ctx) is { } one ? Reply.Bulk(one.Random(ctx.Random).Key) : Reply.Null;

        // Redis's order of checks: the count's range, the syntax, then the range WITHVALUES allows.
        if (!ctx.TryInt64(2, out var count))
            return Errors.NotInteger;
        if (count == long.MinValue)
            return Errors.ValueNotBetween(-long.MaxValue, long.MaxValue);
        if (ctx.ArgCount > 4 || (ctx.ArgCount == 4 && !ctx.ArgIs(3, "WITHVALUES")))
            return Errors.Syntax;
        var withValues = ctx.ArgCount == 4;
        if (withValues && (count < -long.MaxValue / 2 || count > long.MaxValue / 2))
            return Errors.ValueOutOfRange;

        var hash = Find(ctx);
        if (hash is null || count == 0)
            return Reply.EmptyArray;
        if (count < 0 && -count > MaxRandomFields)
            return Errors.ValueOutOfRange;
        if (count < 0 && ctx.CheckReplySize(-count * (withValues ? 2 : 1)) is { } tooLarge)
            return tooLarge;
        var picked = count > 0 ? DistinctRandomFields(hash, count, ctx.Random) : RandomFieldsWithRepetition(hash, -count, ctx.Random);
        return FieldsReply(picked, withValues);
    }

    /// <summary>HSCAN key cursor [MATCH pattern] [COUNT count]</summary>
    /// <remarks>
    /// O(1) per call, O(N) for a full iteration: every field present for the whole iteration is
    /// returned at least once, as with SCAN. COUNT counts fields and values, as Redis does. A missing
    /// key is an empty, finished scan whatever the options.
    /// </remarks>
    [Command("HSCAN", -3, Flags = CommandFlags.ReadOnly | CommandFlags.Random, FirstKey = 1, LastKey = 1, KeyType = RedisType.Hash,
        Syntax = "HSCAN key cursor [MATCH pattern] [COUNT count]", Summary = "Iterates over fields and values of a hash.",
        Complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        Group = Group, Since = "2.8.0")]
    public static Reply HScan(CommandContext ctx)
    {
        if (!RedisNumbers.TryParseUInt64(ctx.Arg(2), out var cursor))
            return Errors.InvalidCursor;
        if (Find(ctx) is not { } hash)
            return Reply.Array([Reply.Bulk("0"), Reply.EmptyArray]);

        if (ScanOptions.Parse(ctx, 3, allowType: false, out var options) is { } invalid)
            return invalid;

        var found = new List<KeyValuePair<byte[], byte[]>>();
        // Bounded in buckets and matcher steps; COUNT counts fields and values, as Redis does.
        cursor = options.Walk(cursor, hash.Scan, field => field.Key, found, out _, weight: 2);

        var items = new List<Reply>(found.Count * 2);
        foreach (var (field, value) in found)
        {
            items.Add(Reply.Bulk(field));
            items.Add(Reply.Bulk(value));
        }
        return Reply.Array([Reply.Bulk(cursor.ToString(CultureInfo.InvariantCulture)), Reply.Array([.. items])]);
    }

    private static HashValue? Find(CommandContext ctx) => (HashValue?)ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value;

    /// <summary>Records a write to <paramref name="hash"/>: the key's creation when it is new, a new version otherwise.</summary>
    private static void Store(CommandContext ctx, Entry? entry, HashValue hash)
    {
        if (entry is null)
            ctx.Keyspace.Add(ctx.Args[1], RedisType.Hash, hash, ctx.Access);
        else
            ctx.Keyspace.Touch(entry);
    }

    /// <summary>HSET and HMSET: sets each field/value pair (the last of a repeated field wins); returns how many fields were new.</summary>
    private static int SetPairs(CommandContext ctx)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var hash = (HashValue?)entry?.Value ?? new HashValue();
        var added = 0;
        for (var i = 2; i < ctx.ArgCount; i += 2)
        {
            if (hash.Set(ctx.Args[i], ctx.Args[i + 1]))
                added++;
        }
        Store(ctx, entry, hash);
        ctx.MarkDirty((ctx.ArgCount - 2) / 2);
        return added;
    }

    /// <summary>
    /// <paramref name="count"/> distinct fields (all of them when the hash has no more), in Redis's
    /// two ways: when most of the hash is wanted, drop random fields from a full copy; otherwise
    /// sample until enough distinct fields are found. Either way O(count).
    /// </summary>
    private static List<KeyValuePair<byte[], byte[]>> DistinctRandomFields(HashValue hash, long count, Random random)
    {
        if (count >= hash.Count)
            return [.. hash.Entries()];
        if (count * 3 > hash.Count)
        {
            var all = hash.Entries().ToList();
            while (all.Count > count)
            {
                var drop = random.Next(all.Count);
                all[drop] = all[^1];
                all.RemoveAt(all.Count - 1);
            }
            return all;
        }
        // Sampling returns the stored field arrays, so the same field is always the same array.
        var seen = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        var picked = new List<KeyValuePair<byte[], byte[]>>((int)count);
        while (picked.Count < count)
        {
            var entry = hash.Random(random);
            if (seen.Add(entry.Key))
                picked.Add(entry);
        }
        return picked;
    }

    private static List<KeyValuePair<byte[], byte[]>> RandomFieldsWithRepetition(HashValue hash, long count, Random random)
    {
        var picked = new List<KeyValuePair<byte[], byte[]>>((int)count);
        for (var i = 0; i < count; i++)
            picked.Add(hash.Random(random));
        return picked;
    }

    private static Reply FieldsReply(List<KeyValuePair<byte[], byte[]>> fields, bool withValues)
    {
        var items = new Reply[withValues ? fields.Count * 2 : fields.Count];
        var i = 0;
        foreach (var (field, value) in fields)
        {
            items[i++] = Reply.Bulk(field);
            if (withValues)
                items[i++] = Reply.Bulk(value);
        }
        return Reply.Array(items);
    }
}
