using Lodestone.Api.Contracts;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Validation;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/ratelimits</c>: a GCRA rate limiter per key (redis-cell's CL.THROTTLE, run as CL.THROTTLEMS
/// for millisecond precision) — per user, per client address, per API key. 200 when the request is
/// admitted, 429 when it is limited; both carry the decision as JSON and as the IETF
/// <c>RateLimit-Policy</c> and <c>RateLimit</c> headers (draft-ietf-httpapi-ratelimit-headers), and a
/// 429 carries <c>Retry-After</c>.
/// </summary>
/// <remarks>
/// The limiter's parameters come with every request, as with CL.THROTTLE, so a limit can change
/// without a migration. Its state is the string key the command keeps (the theoretical arrival
/// time), which vanishes once the limiter is full again.
/// </remarks>
internal static class RateLimitsEndpoints
{
    private const string Policy = "default";

    public static RouteGroupBuilder MapRateLimits(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/ratelimits").WithTags("Rate limits").WithValidation().RequireApiKey(app);

        group.MapPost("/{key}", Throttle).ForCommand("CL.THROTTLE", "throttle").WithKeyConditions(KeyConditions.None)
            .WithDescription("Takes quantity tokens (default 1) from the key's GCRA limiter of count tokens per periodMs, in bursts of up to maxBurst + 1: " +
                "200 when admitted, 429 when limited, both with the decision in milliseconds and the headers RateLimit-Policy and RateLimit " +
                "(draft-ietf-httpapi-ratelimit-headers); a 429 adds Retry-After. Redis command: CL.THROTTLE. It runs as CL.THROTTLEMS, its millisecond form. Complexity: O(1)")
            .WithMetadata(new OpenApiExamples(
                """{"maxBurst":14,"count":30,"periodMs":60000}""",
                """{"limited":false,"limit":15,"remaining":14,"retryAfterMs":-1,"resetAfterMs":2000}"""))
            .Produces<RateLimitDecision>(StatusCodes.Status429TooManyRequests)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }

    private static async Task<Results<Ok<RateLimitDecision>, JsonHttpResult<RateLimitDecision>, ProblemHttpResult>> Throttle(
        RouteKey target, RateLimitRequest request, HttpContext http, EngineClient engine)
    {
        var args = request.Quantity is { } quantity
            ? Argv.Of("CL.THROTTLEMS", target.Bytes, request.MaxBurst, request.Count, request.PeriodMs, quantity)
            : Argv.Of("CL.THROTTLEMS", target.Bytes, request.MaxBurst, request.Count, request.PeriodMs);
        var reply = await engine.RunAsync(args);
        if (reply.IsProblem(out var problem))
            return problem;

        var items = reply.AsItems();
        var decision = new RateLimitDecision(items[0].AsInteger() == 1, items[1].AsInteger(), items[2].AsInteger(),
            items[3].AsInteger(), items[4].AsInteger());
        WriteHeaders(http.Response, request, decision);
        return decision.Limited
            ? TypedResults.Json(decision, statusCode: StatusCodes.Status429TooManyRequests)
            : TypedResults.Ok(decision);
    }

    /// <summary>
    /// The draft's structured fields for one policy, "default": <c>q</c> is the limit and <c>w</c> the
    /// seconds an empty limiter takes to fill (limit × period / count); <c>r</c> is what remains and
    /// <c>t</c> the seconds until the limiter is full again, all rounded up.
    /// </summary>
    /// <remarks>
    /// On a 429, <c>t</c> is the seconds until the refused request could pass, which is also
    /// <c>Retry-After</c>: within that time no more than <c>r</c> can be taken, and the draft asks
    /// that Retry-After not point before the end of the effective window. A request larger than the
    /// limit never passes; validation refuses it before it gets here.
    /// </remarks>
    private static void WriteHeaders(HttpResponse response, RateLimitRequest request, RateLimitDecision decision)
    {
        var windowMs = CeilingDivide((Int128)decision.Limit * request.PeriodMs, request.Count);
        var refused = decision.Limited && decision.RetryAfterMs >= 0;
        RateLimitHeaders.Write(response, Policy, decision.Limit, windowMs, decision.Remaining, decision.ResetAfterMs,
            refused ? decision.RetryAfterMs : null);
    }

    private static Int128 CeilingDivide(Int128 dividend, Int128 divisor) => (dividend + divisor - 1) / divisor;
}
