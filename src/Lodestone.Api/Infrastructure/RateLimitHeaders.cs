using System.Globalization;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// The IETF rate-limit headers (draft-ietf-httpapi-ratelimit-headers), written the same way by
/// <c>/ratelimits</c> and by the request rate limiter: <c>RateLimit-Policy: "name";q=limit;w=window</c>,
/// <c>RateLimit: "name";r=remaining;t=seconds</c>, and on a refusal <c>Retry-After</c>. Seconds are
/// rounded up, so a client that waits as told is never early.
/// </summary>
internal static class RateLimitHeaders
{
    /// <param name="policy">The policy's name (a structured-field token, quoted here).</param>
    /// <param name="limit">The most a full limiter admits at once (<c>q</c>).</param>
    /// <param name="windowMs">How long an empty limiter takes to fill (<c>w</c>).</param>
    /// <param name="remaining">What may still be taken now (<c>r</c>).</param>
    /// <param name="resetMs">Until the limiter is full again, or, on a refusal, until the refused request could pass (<c>t</c>).</param>
    /// <param name="retryAfterMs">On a refusal, when to try again: also sent as <c>Retry-After</c>.</param>
    public static void Write(HttpResponse response, string policy, long limit, Int128 windowMs, long remaining, long resetMs, long? retryAfterMs = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var name = $"\"{policy}\"";
        response.Headers["RateLimit-Policy"] = $"{name};q={limit};w={Seconds(windowMs)}";
        if (retryAfterMs is { } retry)
        {
            response.Headers["RateLimit"] = $"{name};r={remaining};t={Seconds(retry)}";
            response.Headers.RetryAfter = Seconds(retry).ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            response.Headers["RateLimit"] = $"{name};r={remaining};t={Seconds(resetMs)}";
        }
    }

    /// <summary>Whole seconds, rounded up.</summary>
    public static Int128 Seconds(Int128 milliseconds) => (milliseconds + 999) / 1000;
}
