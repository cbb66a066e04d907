using Lodestone.Engine.Execution;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// Rate limiting in one command, as the redis-cell module's <c>CL.THROTTLE</c>: the generic cell rate
/// algorithm (GCRA), a leaky bucket that needs no background drip.
/// </summary>
/// <remarks>
/// <para>
/// A limiter lets <c>count</c> tokens through per <c>period</c>, in bursts of up to
/// <c>max_burst + 1</c>. Tokens are due one emission interval T = period / count apart, and a caller
/// may run ahead of that schedule by at most τ = T × (max_burst + 1) (the size of the bucket). The
/// whole state is one instant, the theoretical arrival time (TAT): when the bucket would be empty
/// again. At time now, n tokens are admitted when max(TAT, now) + n·T − τ ≤ now, and the TAT then
/// moves to max(TAT, now) + n·T. A limited request changes nothing.
/// </para>
/// <para>
/// As in redis-cell, the TAT is a plain string key holding Unix nanoseconds that expires once its
/// instant has passed, so an idle limiter is a missing key and costs nothing. Times are computed in
/// nanoseconds from the command's time snapshot (whole milliseconds). An admitted request is logged
/// as <c>SET key tat PXAT expiry</c>, never as itself: the command's outcome depends on when it runs.
/// </para>
/// <para>
/// Differs from redis-cell: arguments are checked (max_burst and quantity not negative, count and
/// period positive, τ at most 100 years); T is an integer division in nanoseconds (redis-cell divides
/// in floating point, which differs only past 2^53 ns, about 104 days) and remaining is computed in
/// nanoseconds (redis-cell truncates both terms to microseconds first); reply times are rounded up
/// whenever there is any remainder (redis-cell drops a remainder under 1 ms); a request for 0 tokens
/// (a peek) writes nothing; and a stored TAT in the past counts as now in every reply field (only a
/// key written by something else can hold one).
/// </para>
/// </remarks>
internal static class RateLimitCommands
{
    private const string Group = "ratelimit";
    private const long NanosPerMillisecond = 1_000_000;
    private const long NanosPerSecond = 1_000_000_000;

    /// <summary>The largest τ: 100 Julian years, so a TAT stays a 64-bit count of nanoseconds (until 2162).</summary>
    private const long MaxToleranceNanos = 100L * 31_557_600 * NanosPerSecond;

    /// <summary>CL.THROTTLE key max_burst count period [quantity]</summary>
    /// <remarks>
    /// O(1). Replies <c>[limited (0|1), limit (max_burst + 1), remaining, retry_after, reset_after]</c>,
    /// times in seconds rounded up; retry_after is -1 when the request was admitted, and also when it
    /// can never be (quantity above the limit).
    /// </remarks>
    [Command("CL.THROTTLE", -5, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast | CommandFlags.Random,
        FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "CL.THROTTLE key max_burst count period [quantity]",
        Summary = "Applies quantity tokens (default 1) to a GCRA rate limiter of count tokens per period seconds and bursts of max_burst + 1. Replies [limited, limit, remaining, retry_after, reset_after] in seconds.",
        Complexity = "O(1)", Group = Group, Since = "redis-cell 0.2.0")]
    public static Reply ClThrottle(CommandContext ctx) => Throttle(ctx, NanosPerSecond);

    /// <summary>CL.THROTTLEMS key max_burst count period_ms [quantity]</summary>
    /// <remarks>O(1). CL.THROTTLE with the period and the reply's times in milliseconds. Not in redis-cell.</remarks>
    [Command("CL.THROTTLEMS", -5, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast | CommandFlags.Random,
        FirstKey = 1, LastKey = 1, KeyType = RedisType.String,
        Syntax = "CL.THROTTLEMS key max_burst count period_ms [quantity]",
        Summary = "CL.THROTTLE with the period and the replied times in milliseconds.",
        Complexity = "O(1)", Group = Group, Since = "Lodestone")]
    public static Reply ClThrottleMs(CommandContext ctx) => Throttle(ctx, NanosPerMillisecond);

    /// <summary>Both variants: <paramref name="unit"/> is the length in nanoseconds of the period's unit and of the replied times.</summary>
    private static Reply Throttle(CommandContext ctx, long unit)
    {
        if (ctx.ArgCount > 6)
            return Errors.Syntax;
        if (ParseLimiter(ctx, unit, out var limiter) is { } invalid)
            return invalid;

        var key = ctx.Args[1];
        var now = ctx.NowMs * NanosPerMillisecond;
        var tat = now;
        if (ctx.Keyspace.Lookup(key, ctx.Access) is { } entry)
        {
            if (!RedisNumbers.TryParseInt64(((StringValue)entry.Value).Span, out var stored))
                return Errors.NotInteger;
            tat = Math.Max(stored, now);
        }

        var increment = limiter.Emission * limiter.Quantity;
        var newTat = tat + increment;
        var allowAt = newTat - limiter.Tolerance;
        var limited = allowAt > now;
        // A request larger than the bucket can never pass: there is no time to retry at.
        Int128? retryAfter = limited && increment <= limiter.Tolerance ? allowAt - now : null;
        var resetAfter = (limited ? tat : newTat) - now;
        if (!limited && limiter.Quantity > 0)
            Store(ctx, key, (long)newTat);

        var remaining = (long)Int128.Max(0, (limiter.Tolerance - resetAfter) / limiter.Emission);
        return Reply.Array(
        [
            Reply.Integer(limited ? 1 : 0),
            Reply.Integer(limiter.MaxBurst + 1),
            Reply.Integer(remaining),
            Reply.Integer(retryAfter is { } retry ? RoundUp(retry, unit) : -1),
            Reply.Integer(RoundUp(resetAfter, unit)),
        ]);
    }

    /// <summary>The limiter the arguments describe, T and τ in nanoseconds (wide, so no product can overflow).</summary>
    private readonly record struct Limiter(long MaxBurst, Int128 Emission, Int128 Tolerance, long Quantity);

    private static EngineError? ParseLimiter(CommandContext ctx, long unit, out Limiter limiter)
    {
        limiter = default;
        var quantity = 1L;
        if (!ctx.TryInt64(2, out var maxBurst) || !ctx.TryInt64(3, out var count) || !ctx.TryInt64(4, out var period)
            || (ctx.ArgCount == 6 && !ctx.TryInt64(5, out quantity)))
            return Errors.NotInteger;
        if (maxBurst < 0)
            return Errors.MaxBurstNegative;
        if (count <= 0)
            return Errors.CountNotPositive;
        if (period <= 0)
            return Errors.PeriodNotPositive;
        if (quantity < 0)
            return Errors.QuantityNegative;

        var emission = (Int128)period * unit / count;
        if (emission == 0)
            return Errors.RateOutOfRange;
        var tolerance = emission * ((Int128)maxBurst + 1);
        if (tolerance > MaxToleranceNanos)
            return Errors.BurstOutOfRange;
        limiter = new Limiter(maxBurst, emission, tolerance, quantity);
        return null;
    }

    /// <summary>Stores the new TAT and logs it as an absolute write.</summary>
    private static void Store(CommandContext ctx, byte[] key, long tat)
    {
        var value = RedisNumbers.FormatInt64(tat);
        // A key expires once the time is past its instant. At the TAT's millisecond (rounded down), the
        // key is gone only once the TAT has passed, when max(TAT, now) no longer needs it.
        var expireAt = tat / NanosPerMillisecond;
        var entry = ctx.Keyspace.Overwrite(key, RedisType.String, StringValue.Wrap(value), ctx.Access);
        ctx.Keyspace.SetExpiry(entry, expireAt);
        ctx.MarkDirty();
        ctx.Propagate(Effects.Argv("SET", key, value, "PXAT", expireAt));
    }

    /// <summary>A non-negative span of nanoseconds in whole units, rounded up: a caller told to retry in 2 s must not be early.</summary>
    private static long RoundUp(Int128 nanos, long unit) => (long)((nanos + unit - 1) / unit);
}
