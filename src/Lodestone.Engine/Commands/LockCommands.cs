using System.Security.Cryptography;
using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// Locks with fencing tokens: Lodestone's own commands (LOCK.*), behind the /locks resource.
/// </summary>
/// <remarks>
/// Design note. A lock is a key holding a <see cref="LockValue"/>. A grant carries a fencing token
/// that is strictly greater than every earlier grant of that lock: the log offset of the grant's
/// record plus one (offsets only grow, across restarts and compaction), or the lock's last token plus
/// one if that is larger. A protected resource keeps the largest token it has seen and refuses
/// smaller ones — LOCK.FENCE is that check, ready-made — so a holder that was paused past its lease
/// cannot write after the next holder did. In a failover group a grant is also at least
/// <see cref="Replication.ReplicationState.LockTokenFloor"/> (the group's epoch times 2^44): a primary
/// promoted after a failover may not have received the old primary's last grants, and its offsets
/// can be below theirs, but its epoch is higher — so no token is ever handed out twice.
///
/// Grants and extensions are fsynced before their reply under every fsync policy
/// (<see cref="CommandContext.RequireSync"/>): a grant that a crash could forget would let its token be
/// handed out again. Every change is logged as LOCK.STATE with absolute values, so replay needs no
/// clock and no randomness. Leases run on the monotonic clock; see <see cref="LockValue"/>.
///
/// Waiting is Redis's blocking: a caller with WAIT parks on the lock's key and is served in arrival
/// order when the lock is released or its lease ends (the executor wakes the key then). A new
/// caller never overtakes parked ones.
/// </remarks>
internal static class LockCommands
{
    private const string Group = "lock";
    private const string Since = "0.1.0";

    /// <summary>LOCK.ACQUIRE name ttl-ms [OWNER owner] [WAIT ms]</summary>
    [Command("LOCK.ACQUIRE", -3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Blocking, FirstKey = 1, LastKey = 1, KeyType = RedisType.Lock,
        Syntax = "LOCK.ACQUIRE name ttl-ms [OWNER owner] [WAIT ms]",
        Summary = "Grants a lock for ttl-ms with a new fencing token, waiting up to WAIT ms in line if it is held. Lodestone's own.",
        Complexity = "O(1)", Group = Group, Since = Since)]
    public static Reply LockAcquire(CommandContext ctx)
    {
        if (ParseTtl(ctx, 2, out var ttl) is { } invalidTtl)
            return invalidTtl;
        byte[]? owner = null;
        long waitMs = 0;
        for (var i = 3; i < ctx.ArgCount; i++)
        {
            var hasValue = i + 1 < ctx.ArgCount;
            if (ctx.ArgIs(i, "OWNER") && hasValue)
            {
                owner = ctx.Args[++i];
                if (owner.Length == 0)
                    return Errors.EmptyLockOwner;
            }
            else if (ctx.ArgIs(i, "WAIT") && hasValue)
            {
                if (!ctx.TryInt64(++i, out waitMs))
                    return Errors.NotInteger;
                if (waitMs < 0)
                    return Errors.LockWaitNegative;
            }
            else
            {
                return Errors.Syntax;
            }
        }

        var name = ctx.Args[1];
        var now = ctx.MonotonicMs;
        var entry = ctx.Keyspace.Lookup(name, ctx.Access);
        var current = (LockValue?)entry?.Value;
        if (current is not null && IsHeld(ctx, current, now))
        {
            // The holder asking again (a retry after a lost reply) gets its grant back, unchanged.
            if (owner is not null && current.Owner.AsSpan().SequenceEqual(owner))
                return GrantReply(name, current, now);
            return WaitOrRefuse(ctx, waitMs, current.DeadlineMs - now, Errors.LockHeld(current.DeadlineMs - now));
        }
        var resumeAt = ctx.LockGrantsResumeAtMs;
        if (now < resumeAt)
            return WaitOrRefuse(ctx, waitMs, resumeAt - now, Errors.LockGrantsPaused(resumeAt - now));
        // Free, but others are in line: a new caller joins the back; only the head, resumed, may take it.
        if (!ctx.IsResumed && ctx.WaiterCount(name) is > 0 and var queued)
            return WaitOrRefuse(ctx, waitMs, wakeAfterMs: null, Errors.LockQueued(queued));

        if (current is null)
        {
            current = new LockValue();
            ctx.Keyspace.Add(name, RedisType.Lock, current, ctx.Access);
        }
        else
        {
            ctx.Keyspace.Touch(entry!);
        }
        current.Token = Math.Max(Math.Max(ctx.LogOffset + 1, current.Token + 1), ctx.Diagnostics.Engine.Replication.LockTokenFloor);
        current.Owner = owner ?? Encoding.ASCII.GetBytes(RandomNumberGenerator.GetHexString(32, lowercase: true));
        Lease(ctx, current, now, ttl);
        Record(ctx, name, current);
        ctx.RequireSync();
        return GrantReply(name, current, now);
    }

    /// <summary>LOCK.EXTEND name owner ttl-ms</summary>
    [Command("LOCK.EXTEND", 4, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Lock,
        Syntax = "LOCK.EXTEND name owner ttl-ms",
        Summary = "Renews the holder's lease to ttl-ms from now, keeping its fencing token. Lodestone's own.",
        Complexity = "O(1)", Group = Group, Since = Since)]
    public static Reply LockExtend(CommandContext ctx)
    {
        if (ParseTtl(ctx, 3, out var ttl) is { } invalidTtl)
            return invalidTtl;
        var now = ctx.MonotonicMs;
        if (HeldBy(ctx, now) is not ({ } entry, { } held))
            return Errors.NotLockOwner;
        ctx.Keyspace.Touch(entry);
        Lease(ctx, held, now, ttl);
        Record(ctx, ctx.Args[1], held);
        ctx.RequireSync();
        return GrantReply(ctx.Args[1], held, now);
    }

    /// <summary>LOCK.RELEASE name owner</summary>
    [Command("LOCK.RELEASE", 3, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Lock,
        Syntax = "LOCK.RELEASE name owner",
        Summary = "Releases a lock its owner holds; the next caller in line gets it. Lodestone's own.",
        Complexity = "O(1)", Group = Group, Since = Since)]
    public static Reply LockRelease(CommandContext ctx)
    {
        if (HeldBy(ctx, ctx.MonotonicMs) is not ({ } entry, { } held))
            return Errors.NotLockOwner;
        ctx.Keyspace.Touch(entry);
        held.Free();
        Record(ctx, ctx.Args[1], held);
        ctx.Keyspace.SignalReady(ctx.Args[1]);
        return Reply.One;
    }

    /// <summary>LOCK.RAISE name owner token</summary>
    /// <remarks>
    /// Redlock's second step: a client that won a majority of N independent nodes raises the lock on
    /// each to the largest token it was granted, so the nodes agree, and the next majority (which
    /// shares a node with this one) grants a larger token still. Fsynced before the reply.
    /// </remarks>
    [Command("LOCK.RAISE", 4, Flags = CommandFlags.Write | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Lock,
        Syntax = "LOCK.RAISE name owner token",
        Summary = "Raises the holder's fencing token to at least token (for Redlock across nodes); returns the token. Lodestone's own.",
        Complexity = "O(1)", Group = Group, Since = Since)]
    public static Reply LockRaise(CommandContext ctx)
    {
        if (!ctx.TryInt64(3, out var token) || token < 0 || token > MaxToken)
            return Errors.ValueNotBetween(0, MaxToken);
        var now = ctx.MonotonicMs;
        if (HeldBy(ctx, now) is not ({ } entry, { } held))
            return Errors.NotLockOwner;
        if (token > held.Token)
        {
            ctx.Keyspace.Touch(entry);
            held.Token = token;
            Record(ctx, ctx.Args[1], held);
            ctx.RequireSync();
        }
        return Reply.Integer(held.Token);
    }

    /// <summary>The largest token a caller may set: far beyond any log offset, and never near overflow.</summary>
    private const long MaxToken = 1L << 62;

    /// <summary>LOCK.INFO name</summary>
    [Command("LOCK.INFO", 2, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Lock,
        Syntax = "LOCK.INFO name",
        Summary = "Returns a lock's holder, lease, latest fencing token and queue length, or nil for an unknown lock. Lodestone's own.",
        Complexity = "O(1)", Group = Group, Since = Since)]
    public static Reply LockInfo(CommandContext ctx)
    {
        var name = ctx.Args[1];
        if (ctx.Keyspace.Lookup(name, ctx.Access)?.Value is not LockValue value)
            return Reply.Null;
        var now = ctx.MonotonicMs;
        var held = IsHeld(ctx, value, now);
        return Reply.Map(
        [
            Reply.Bulk("name"), Reply.Bulk(name),
            Reply.Bulk("owner"), held ? Reply.Bulk(value.Owner!) : Reply.Null,
            Reply.Bulk("fencing-token"), Reply.Integer(value.Token),
            Reply.Bulk("expires-at"), held ? Reply.Integer(value.ExpiresAtMs) : Reply.Null,
            Reply.Bulk("ttl-ms"), held ? Reply.Integer(value.DeadlineMs - now) : Reply.Null,
            Reply.Bulk("waiters"), Reply.Integer(ctx.WaiterCount(name)),
        ]);
    }

    /// <summary>LOCK.FENCE name token</summary>
    [Command("LOCK.FENCE", 3, Flags = CommandFlags.ReadOnly | CommandFlags.Fast, FirstKey = 1, LastKey = 1, KeyType = RedisType.Lock,
        Syntax = "LOCK.FENCE name token",
        Summary = "Checks a fencing token: 1 if it is at least the lock's latest grant, a STALE error if a later grant exists. Lodestone's own.",
        Complexity = "O(1)", Group = Group, Since = Since)]
    public static Reply LockFence(CommandContext ctx)
    {
        if (!ctx.TryInt64(2, out var token))
            return Errors.NotInteger;
        if (ctx.Keyspace.Lookup(ctx.Args[1], ctx.Access)?.Value is not LockValue value)
            return Errors.UnknownLock;
        return token >= value.Token ? Reply.One : Errors.StaleFencingToken(token, value.Token);
    }

    /// <summary>LOCK.STATE name token [owner expires-at]</summary>
    /// <remarks>
    /// The logged form of every lock change: absolute, so replay needs neither the clock nor the
    /// random owner. An administrative command (it could forge a holder); tokens never go back.
    /// </remarks>
    [Command("LOCK.STATE", -3, Flags = CommandFlags.Write | CommandFlags.Admin, FirstKey = 1, LastKey = 1, KeyType = RedisType.Lock,
        Syntax = "LOCK.STATE name token [owner expires-at]",
        Summary = "Sets a lock's state as logged: free with its latest token, or held by owner until expires-at (Unix ms). Lodestone's own; for replay and repair.",
        Complexity = "O(1)", Group = Group, Since = Since)]
    public static Reply LockState(CommandContext ctx)
    {
        if (ctx.ArgCount is not (3 or 5))
            return Errors.Syntax;
        if (!ctx.TryInt64(2, out var token) || token < 0 || token > MaxToken)
            return Errors.ValueNotBetween(0, MaxToken);
        long expiresAt = 0;
        if (ctx.ArgCount == 5)
        {
            if (ctx.Args[3].Length == 0)
                return Errors.EmptyLockOwner;
            if (!ctx.TryInt64(4, out expiresAt) || expiresAt < 0)
                return Errors.NotInteger;
        }

        var name = ctx.Args[1];
        var entry = ctx.Keyspace.Lookup(name, ctx.Access);
        var value = (LockValue?)entry?.Value;
        if (value is not null && token < value.Token)
            return Errors.LockTokenWentBack;
        if (value is null)
        {
            value = new LockValue();
            ctx.Keyspace.Add(name, RedisType.Lock, value, ctx.Access);
        }
        else
        {
            ctx.Keyspace.Touch(entry!);
        }
        value.Token = token;
        if (ctx.ArgCount == 5)
        {
            value.Owner = ctx.Args[3];
            value.ExpiresAtMs = expiresAt;
            value.DeadlineMs = LockValue.UnknownDeadline;
        }
        else
        {
            value.Free();
            ctx.Keyspace.SignalReady(name);
        }
        ctx.MarkDirty();
        return Reply.Ok;
    }

    private static EngineError? ParseTtl(CommandContext ctx, int index, out long ttl)
    {
        if (!ctx.TryInt64(index, out ttl))
            return Errors.NotInteger;
        return ttl < 1 || ttl > ctx.Options.LockMaxTtlMs ? Errors.LockTtlOutOfRange(ctx.Options.LockMaxTtlMs) : null;
    }

    /// <summary>Whether the lease is running; a lease loaded from disk gets its monotonic deadline here, once.</summary>
    private static bool IsHeld(CommandContext ctx, LockValue value, long now)
    {
        if (value.Owner is null)
            return false;
        if (value.DeadlineMs == LockValue.UnknownDeadline)
            value.DeadlineMs = now + (value.ExpiresAtMs - ctx.NowMs);
        return now < value.DeadlineMs;
    }

    /// <summary>The lock named by argument 1 if argument 2 is its owner and the lease is running.</summary>
    private static (Keyspace.Entry, LockValue)? HeldBy(CommandContext ctx, long now)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Args[1], ctx.Access);
        if (entry?.Value is LockValue value && IsHeld(ctx, value, now) && value.Owner.AsSpan().SequenceEqual(ctx.Args[2]))
            return (entry, value);
        return null;
    }

    private static Reply WaitOrRefuse(CommandContext ctx, long waitMs, long? wakeAfterMs, EngineError refusal)
    {
        if (waitMs == 0 || !ctx.CanBlock)
            return refusal;
        var wakeAfter = wakeAfterMs is { } ms ? TimeSpan.FromMilliseconds(Math.Max(0, ms)) : (TimeSpan?)null;
        return ctx.Block([ctx.Args[1]], TimeSpan.FromMilliseconds(waitMs), wakeAfter);
    }

    private static void Lease(CommandContext ctx, LockValue value, long now, long ttl)
    {
        value.ExpiresAtMs = ctx.NowMs + ttl;
        value.DeadlineMs = now + ttl;
    }

    /// <summary>Logs the lock's state as LOCK.STATE, absolute and deterministic.</summary>
    private static void Record(CommandContext ctx, byte[] name, LockValue value)
    {
        ctx.MarkDirty();
        ctx.Propagate(value.Owner is null
            ? Effects.Argv("LOCK.STATE", name, value.Token)
            : Effects.Argv("LOCK.STATE", name, value.Token, value.Owner, value.ExpiresAtMs));
    }

    private static Reply GrantReply(byte[] name, LockValue value, long now) => Reply.Map(
    [
        Reply.Bulk("name"), Reply.Bulk(name),
        Reply.Bulk("owner"), Reply.Bulk(value.Owner!),
        Reply.Bulk("fencing-token"), Reply.Integer(value.Token),
        Reply.Bulk("expires-at"), Reply.Integer(value.ExpiresAtMs),
        Reply.Bulk("ttl-ms"), Reply.Integer(value.DeadlineMs - now),
    ]);
}
