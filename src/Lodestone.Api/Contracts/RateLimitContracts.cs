namespace Lodestone.Api.Contracts;

/// <summary>
/// Body of <c>POST /ratelimits/{key}</c> (CL.THROTTLE, in milliseconds): take <paramref name="Quantity"/>
/// tokens from the key's limiter, which lets <paramref name="Count"/> tokens through per
/// <paramref name="PeriodMs"/> in bursts of up to <paramref name="MaxBurst"/> + 1.
/// </summary>
/// <param name="MaxBurst">Tokens a caller may take at once beyond the first (0 or more): the limit is maxBurst + 1.</param>
/// <param name="Count">Tokens per period (1 or more): the sustained rate is count / periodMs.</param>
/// <param name="PeriodMs">The period, in milliseconds (1 or more).</param>
/// <param name="Quantity">Tokens this request takes: 1 when absent, 0 to read the limiter without taking any, at most the limit.</param>
public sealed record RateLimitRequest(long MaxBurst, long Count, long PeriodMs, long? Quantity = null);

/// <summary>What the limiter decided (the reply of CL.THROTTLE, in milliseconds).</summary>
/// <param name="Limited">True when the request was refused (429); nothing was taken then.</param>
/// <param name="Limit">The most tokens the limiter holds: maxBurst + 1.</param>
/// <param name="Remaining">Tokens that could be taken right now, after this request.</param>
/// <param name="RetryAfterMs">When limited, milliseconds until this request would be admitted; -1 when admitted.</param>
/// <param name="ResetAfterMs">Milliseconds until the limiter is full again (all of <paramref name="Limit"/> available).</param>
public sealed record RateLimitDecision(bool Limited, long Limit, long Remaining, long RetryAfterMs, long ResetAfterMs);
