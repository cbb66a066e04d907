using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>The generic key commands (Redis's db.c and expire.c): existence, type, expiry, renames, iteration.</summary>
internal static class KeyCommands
{
    private const string Group = "generic";

    /// <summary>DEL key [key ...] (and UNLINK, which is the same here: values are reclaimed by the GC, off the engine thread)</summary>
    [Command("DEL", -2, Flags = CommandFlags.Write, FirstKey = 1, LastKey = -1,
        Syntax = "DEL key [key ...]", Summary = "Deletes one or more keys.",
        Complexity = "O(N) where N is the number of keys that will be removed.", Group = Group, Since = "1.0.0")]
    [Command("UNLINK", -2, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = -1,
        Syntax = "UNLINK key [key ...]", Summary = "Asynchronously deletes one or more keys.",
        Complexity = "O(1) for each key removed regardless of its size.", Group = Group, Since = "4.0.0")]
    public static Reply Del(CommandContext ctx)
    {
        var deleted = 0;
        for (var i = 1; i < ctx.ArgCount; i++)
        {
            if (ctx.Keyspace.Delete(ctx.Arg(i), ctx.Access))
                deleted++;
        }
        ctx.MarkDirty(deleted);
        return Reply.Integer(deleted);
    }

    /// <summary>EXISTS key [key ...]</summary>
    [Command("EXISTS", -2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = -1,
        Syntax = "EXISTS key [key ...]", Summary = "Determines whether one or more keys exist.",
        Complexity = "O(N) where N is the number of keys to check.", Group = Group, Since = "1.0.0")]
    public static Reply Exists(CommandContext ctx) => CountExisting(ctx);

    /// <summary>TOUCH key [key ...]</summary>
    [Command("TOUCH", -2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = -1,
        Syntax = "TOUCH key [key ...]", Summary = "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
        Complexity = "O(N) where N is the number of keys that will be touched.", Group = Group, Since = "3.2.1")]
    public static Reply Touch(CommandContext ctx) => CountExisting(ctx);

    /// <summary>TYPE key</summary>
    [Command("TYPE", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "TYPE key", Summary = "Determines the type of value stored at a key.", Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply Type(CommandContext ctx) =>
        Reply.Simple((ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Type ?? RedisType.None).Name());

    /// <summary>EXPIRE key seconds [NX | XX | GT | LT]</summary>
    [Command("EXPIRE", -3, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "EXPIRE key seconds [NX | XX | GT | LT]", Summary = "Sets the expiration time of a key in seconds.",
        Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply Expire(CommandContext ctx) => ExpireGeneric(ctx, relative: true, seconds: true);

    /// <summary>PEXPIRE key milliseconds [NX | XX | GT | LT]</summary>
    [Command("PEXPIRE", -3, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "PEXPIRE key milliseconds [NX | XX | GT | LT]", Summary = "Sets the expiration time of a key in milliseconds.",
        Complexity = "O(1)", Group = Group, Since = "2.6.0")]
    public static Reply PExpire(CommandContext ctx) => ExpireGeneric(ctx, relative: true, seconds: false);

    /// <summary>EXPIREAT key unix-time-seconds [NX | XX | GT | LT]</summary>
    [Command("EXPIREAT", -3, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "EXPIREAT key unix-time-seconds [NX | XX | GT | LT]", Summary = "Sets the expiration time of a key to a Unix timestamp.",
        Complexity = "O(1)", Group = Group, Since = "1.2.0")]
    public static Reply ExpireAt(CommandContext ctx) => ExpireGeneric(ctx, relative: false, seconds: true);

    /// <summary>PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]</summary>
    [Command("PEXPIREAT", -3, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]", Summary = "Sets the expiration time of a key to a Unix milliseconds timestamp.",
        Complexity = "O(1)", Group = Group, Since = "2.6.0")]
    public static Reply PExpireAt(CommandContext ctx) => ExpireGeneric(ctx, relative: false, seconds: false);

    /// <summary>TTL key</summary>
    [Command("TTL", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast | CommandFlags.Random, FirstKey = 1, LastKey = 1,
        Syntax = "TTL key", Summary = "Returns the expiration time in seconds of a key.", Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply Ttl(CommandContext ctx) => TtlGeneric(ctx, milliseconds: false, absolute: false);

    /// <summary>PTTL key</summary>
    [Command("PTTL", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast | CommandFlags.Random, FirstKey = 1, LastKey = 1,
        Syntax = "PTTL key", Summary = "Returns the expiration time in milliseconds of a key.", Complexity = "O(1)", Group = Group, Since = "2.6.0")]
    public static Reply PTtl(CommandContext ctx) => TtlGeneric(ctx, milliseconds: true, absolute: false);

    /// <summary>EXPIRETIME key</summary>
    [Command("EXPIRETIME", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "EXPIRETIME key", Summary = "Returns the expiration time of a key as a Unix timestamp.", Complexity = "O(1)", Group = Group, Since = "7.0.0")]
    public static Reply ExpireTime(CommandContext ctx) => TtlGeneric(ctx, milliseconds: false, absolute: true);

    /// <summary>PEXPIRETIME key</summary>
    [Command("PEXPIRETIME", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "PEXPIRETIME key", Summary = "Returns the expiration time of a key as a Unix milliseconds timestamp.", Complexity = "O(1)", Group = Group, Since = "7.0.0")]
    public static Reply PExpireTime(CommandContext ctx) => TtlGeneric(ctx, milliseconds: true, absolute: true);

    /// <summary>PERSIST key</summary>
    [Command("PERSIST", 2, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "PERSIST key", Summary = "Removes the expiration time of a key.", Complexity = "O(1)", Group = Group, Since = "2.2.0")]
    public static Reply Persist(CommandContext ctx)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null || !ctx.Keyspace.Persist(entry))
            return Reply.Zero;
        ctx.MarkDirty();
        return Reply.One;
    }

    /// <summary>RENAME key newkey</summary>
    [Command("RENAME", 3, Flags = CommandFlags.Write, FirstKey = 1, LastKey = 2,
        Syntax = "RENAME key newkey", Summary = "Renames a key and overwrites the destination.", Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply Rename(CommandContext ctx) => RenameGeneric(ctx, onlyIfNew: false);

    /// <summary>RENAMENX key newkey</summary>
    [Command("RENAMENX", 3, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 2,
        Syntax = "RENAMENX key newkey", Summary = "Renames a key only when the target key name doesn't exist.", Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply RenameNx(CommandContext ctx) => RenameGeneric(ctx, onlyIfNew: true);

    /// <summary>COPY source destination [DB destination-db] [REPLACE]</summary>
    /// <remarks>Differs from Redis: there is one database, so DB accepts only 0.</remarks>
    [Command("COPY", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 2,
        Syntax = "COPY source destination [DB destination-db] [REPLACE]", Summary = "Copies the value of a key to a new key.",
        Complexity = "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", Group = Group, Since = "6.2.0")]
    public static Reply Copy(CommandContext ctx)
    {
        var replace = false;
        for (var i = 3; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "REPLACE"))
            {
                replace = true;
            }
            else if (ctx.ArgIs(i, "DB") && i + 1 < ctx.ArgCount)
            {
                if (!ctx.TryInt64(++i, out var db))
                    return Errors.NotInteger;
                // Redis reads a database index as a C int, and says so before it looks the index up.
                if (db is < int.MinValue or > int.MaxValue)
                    return Errors.NotInt32;
                if (db != 0)
                    return Errors.DbIndexOutOfRange;
            }
            else
            {
                return Errors.Syntax;
            }
        }
        if (ctx.Arg(1).SequenceEqual(ctx.Arg(2)))
            return Errors.SameObject;

        var source = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (source is null)
            return Reply.Zero;
        var destination = ctx.Keyspace.Lookup(ctx.Arg(2), ctx.Access);
        if (destination is not null)
        {
            if (!replace)
                return Reply.Zero;
            ctx.Keyspace.Delete(destination);
        }
        var copy = ctx.Keyspace.Add(ctx.Args[2], source.Type, source.Value.DeepCopy(), ctx.Access);
        if (source.HasExpiry)
            ctx.Keyspace.SetExpiry(copy, source.ExpireAtMs);
        ctx.MarkDirty();
        return Reply.One;
    }

    /// <summary>KEYS pattern</summary>
    [Command("KEYS", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Dangerous,
        Syntax = "KEYS pattern", Summary = "Returns all key names that match a pattern.",
        Complexity = "O(N) with N being the number of keys in the database.", Group = Group, Since = "1.0.0")]
    public static Reply Keys(CommandContext ctx)
    {
        var pattern = ctx.Args[1];
        if (GlobPattern.Refusal(pattern) is { } why)
            return Errors.PatternTooComplex(why);
        var matcher = GlobPattern.MatchesAll(pattern) ? null : GlobPattern.Compile(pattern);
        var keys = new List<Reply>();
        foreach (var entry in ctx.Keyspace.All())
        {
            if (!ctx.Access.IsExpired(entry) && (matcher is null || matcher.IsMatch(entry.Key)))
                keys.Add(Reply.Bulk(entry.Key));
        }
        return Reply.Array([.. keys]);
    }

    /// <summary>SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]</summary>
    /// <remarks>
    /// O(1) per call, O(N) for a full iteration. Every key present for the whole iteration is returned
    /// at least once; a key may be returned more than once. An unknown TYPE matches nothing (Redis 7.0).
    /// Differs from Redis: a caller limited to key patterns (an API key's KeyPatterns) gets only the
    /// keys its patterns allow, where Redis refuses SCAN to such a user unless it may read all keys.
    /// </remarks>
    [Command("SCAN", -2, Flags = CommandFlags.ReadOnly | CommandFlags.Random | CommandFlags.FiltersKeys,
        Syntax = "SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]", Summary = "Iterates over the key names in the database.",
        Complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        Group = Group, Since = "2.8.0")]
    public static Reply Scan(CommandContext ctx)
    {
        if (!RedisNumbers.TryParseUInt64(ctx.Arg(1), out var cursor))
            return Errors.InvalidCursor;
        if (ScanOptions.Parse(ctx, 2, allowType: true, out var options) is { } invalid)
            return invalid;

        var found = new List<Entry>();
        var access = ctx.Access;
        // Bounded in buckets and matcher steps, so neither a sparse table nor long keys stall the engine.
        cursor = options.Walk(cursor, (at, into) => ctx.Keyspace.Scan(at, into, access), entry => entry.Key, found, out _);

        var keys = new List<Reply>(found.Count);
        foreach (var entry in found)
        {
            // A user limited to some keys sees only those: the page may come back short, as with MATCH.
            if (ctx.User is { IsScoped: true } user && !user.MayAccess(entry.Key))
                continue;
            if (options.TypeName is { } typeName && !string.Equals(typeName, entry.Type.Name(), StringComparison.OrdinalIgnoreCase))
                continue;
            keys.Add(Reply.Bulk(entry.Key));
        }
        return Reply.Array([Reply.Bulk(cursor.ToString(System.Globalization.CultureInfo.InvariantCulture)), Reply.Array([.. keys])]);
    }

    /// <summary>RANDOMKEY</summary>
    [Command("RANDOMKEY", 1, Flags = CommandFlags.ReadOnly | CommandFlags.Random,
        Syntax = "RANDOMKEY", Summary = "Returns a random key name from the database.", Complexity = "O(1)", Group = Group, Since = "1.0.0")]
    public static Reply RandomKey(CommandContext ctx) =>
        ctx.Keyspace.RandomEntry(ctx.Access) is { } entry ? Reply.Bulk(entry.Key) : Reply.Null;

    /// <summary>DBSIZE</summary>
    [Command("DBSIZE", 1, Flags = CommandFlags.ReadOnly | CommandFlags.Fast,
        Syntax = "DBSIZE", Summary = "Returns the number of keys in the database.", Complexity = "O(1)", Group = "server", Since = "1.0.0")]
    public static Reply DbSize(CommandContext ctx) => Reply.Integer(ctx.Keyspace.Count);

    /// <summary>FLUSHDB [ASYNC | SYNC] (and FLUSHALL: there is one database)</summary>
    [Command("FLUSHDB", -1, Flags = CommandFlags.Write | CommandFlags.Dangerous,
        Syntax = "FLUSHDB [ASYNC | SYNC]", Summary = "Remove all keys from the current database.",
        Complexity = "O(N) where N is the number of keys in the selected database", Group = "server", Since = "1.0.0")]
    [Command("FLUSHALL", -1, Flags = CommandFlags.Write | CommandFlags.Dangerous,
        Syntax = "FLUSHALL [ASYNC | SYNC]", Summary = "Removes all keys from all databases.",
        Complexity = "O(N) where N is the total number of keys in all databases", Group = "server", Since = "1.0.0")]
    public static Reply FlushDb(CommandContext ctx)
    {
        if (ctx.ArgCount > 2 || (ctx.ArgCount == 2 && !ctx.ArgIs(1, "ASYNC") && !ctx.ArgIs(1, "SYNC")))
            return Errors.Syntax;
        ctx.MarkDirty(ctx.Keyspace.Count + 1);
        ctx.Keyspace.Clear();
        return Reply.Ok;
    }

    private static Reply CountExisting(CommandContext ctx)
    {
        var count = 0;
        for (var i = 1; i < ctx.ArgCount; i++)
        {
            if (ctx.Keyspace.Lookup(ctx.Arg(i), ctx.Access) is not null)
                count++;
        }
        return Reply.Integer(count);
    }

    /// <summary>Redis's expireGenericCommand: options first, then the time, then the key.</summary>
    private static Reply ExpireGeneric(CommandContext ctx, bool relative, bool seconds)
    {
        bool nx = false, xx = false, gt = false, lt = false;
        for (var i = 3; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "NX"))
                nx = true;
            else if (ctx.ArgIs(i, "XX"))
                xx = true;
            else if (ctx.ArgIs(i, "GT"))
                gt = true;
            else if (ctx.ArgIs(i, "LT"))
                lt = true;
            else
                return Errors.UnsupportedOption(ctx.ArgText(i));
        }
        if (nx && (xx || gt || lt))
            return Errors.ExpireNxWithOthers;
        if (gt && lt)
            return Errors.ExpireGtAndLt;

        if (!ctx.TryInt64(2, out var when))
            return Errors.NotInteger;
        if (seconds)
        {
            if (when > long.MaxValue / 1000 || when < long.MinValue / 1000)
                return Errors.InvalidExpireTime(ctx.Spec.Name);
            when *= 1000;
        }
        if (relative)
        {
            if (when > long.MaxValue - ctx.NowMs)
                return Errors.InvalidExpireTime(ctx.Spec.Name);
            when += ctx.NowMs;
        }

        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null)
            return Reply.Zero;
        var current = entry.ExpireAtMs;
        var hasTtl = entry.HasExpiry;
        // GT treats "no TTL" as infinite (so GT never applies to it); LT treats it as infinite too.
        if ((nx && hasTtl) || (xx && !hasTtl) || (gt && (!hasTtl || when <= current)) || (lt && hasTtl && when >= current))
            return Reply.Zero;

        ctx.MarkDirty();
        if (when <= ctx.NowMs)
        {
            ctx.Keyspace.Delete(entry);
            ctx.Propagate(Effects.Argv("DEL", entry.Key));
        }
        else
        {
            ctx.Keyspace.SetExpiry(entry, when);
            ctx.Propagate(Effects.Argv("PEXPIREAT", entry.Key, when));
        }
        return Reply.One;
    }

    /// <summary>Redis's ttlGenericCommand: -2 for a missing key, -1 for no TTL; seconds are rounded.</summary>
    private static Reply TtlGeneric(CommandContext ctx, bool milliseconds, bool absolute)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null)
            return Reply.Integer(-2);
        if (!entry.HasExpiry)
            return Reply.Integer(-1);
        var ttl = Math.Max(absolute ? entry.ExpireAtMs : entry.ExpireAtMs - ctx.NowMs, 0);
        return Reply.Integer(milliseconds ? ttl : (ttl + 500) / 1000);
    }

    private static Reply RenameGeneric(CommandContext ctx, bool onlyIfNew)
    {
        var source = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (source is null)
            return Errors.NoSuchKey;
        if (ctx.Arg(1).SequenceEqual(ctx.Arg(2)))
            return onlyIfNew ? Reply.Zero : Reply.Ok;

        var destination = ctx.Keyspace.Lookup(ctx.Arg(2), ctx.Access);
        if (destination is not null)
        {
            if (onlyIfNew)
                return Reply.Zero;
            ctx.Keyspace.Delete(destination);
        }
        var renamed = ctx.Keyspace.Add(ctx.Args[2], source.Type, source.Value, ctx.Access);
        if (source.HasExpiry)
            ctx.Keyspace.SetExpiry(renamed, source.ExpireAtMs);
        ctx.Keyspace.Delete(source);
        ctx.MarkDirty();
        return onlyIfNew ? Reply.One : Reply.Ok;
    }
}
