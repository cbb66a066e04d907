using System.Globalization;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lodestone.Api.Endpoints;

/// <summary>What every collection family's routes share: the response-size cap and blocking pops as long polls.</summary>
internal static class Collections
{
    /// <summary>A 400 when a read would return more than <see cref="HttpSettings.MaxResponseElements"/> elements, or null.</summary>
    /// <param name="pageWith">How to read it in pages instead, for the message ("page through /sets/{key}/members").</param>
    public static ProblemHttpResult? TooMany(long count, HttpSettings settings, string? pageWith = null) =>
        count <= settings.MaxResponseElements
            ? null
            : Problems.Of(ErrorKind.BadRequest,
                $"The response would hold {count} elements; the limit is {settings.MaxResponseElements} per response (Http:MaxResponseElements). " +
                (pageWith is null ? "Ask for a smaller range or page through it." : $"Ask for fewer, or {pageWith}."));

    /// <summary>
    /// The long-poll timeout of a blocking pop, as the engine's argument (seconds): given, positive and
    /// at most <see cref="HttpSettings.MaxBlockingTimeoutSeconds"/> — an HTTP request never waits forever.
    /// </summary>
    public static bool TryTimeout(double? seconds, HttpSettings settings, out string argument, out ProblemHttpResult? problem)
    {
        argument = "";
        problem = null;
        if (seconds is not { } value || !double.IsFinite(value) || value <= 0 || value > settings.MaxBlockingTimeoutSeconds)
        {
            problem = Problems.Of(ErrorKind.BadRequest,
                $"timeout must be a number of seconds above 0 and at most {settings.MaxBlockingTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} (Http:MaxBlockingTimeoutSeconds).");
            return false;
        }
        argument = value.ToString("R", CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>
    /// The values of every <paramref name="name"/> in the query (<c>?member=a&amp;member=b</c>) as bytes:
    /// percent-decoded, then base64-decoded with <c>?encoding=base64</c>. False, with a 400, when one is
    /// not valid base64.
    /// </summary>
    public static bool TryQueryValues(HttpContext http, ReadOnlySpan<byte> name, out List<byte[]> values, out ProblemHttpResult? problem)
    {
        var base64 = Contracts.BinaryText.Requested(http.Request);
        values = [];
        problem = null;
        foreach (var (key, value) in RawTarget.Query(http))
        {
            if (!key.AsSpan().SequenceEqual(name))
                continue;
            var bytes = value ?? [];
            if (base64)
            {
                var text = System.Text.Encoding.ASCII.GetString(bytes);
                if (!Contracts.BinaryText.IsValidBase64(text))
                {
                    problem = Problems.Of(ErrorKind.BadRequest, $"Each {System.Text.Encoding.ASCII.GetString(name)} must be valid base64 when encoding is base64.");
                    return false;
                }
                bytes = Convert.FromBase64String(text);
            }
            values.Add(bytes);
        }
        return true;
    }

    /// <summary>The answer to a long poll whose client has gone (nobody reads it; the log shows 499).</summary>
    public static StatusCodeHttpResult ClientGone() => TypedResults.StatusCode(StatusCodes.Status499ClientClosedRequest);

    /// <summary>
    /// Runs a blocking command as a long poll: the engine parks it until data arrives or the timeout
    /// passes (nil). If the client disconnects first, the wait is cancelled and nothing is popped for it
    /// (null). If the service is stopping, the wait ends at once with 503 (see
    /// <see cref="EngineHosting"/>), so shutdown never waits for a long poll's timeout.
    /// </summary>
    public static async Task<CommandResult?> LongPollAsync(EngineClient engine, HttpContext http, byte[][] args, byte[]? key = null)
    {
        try
        {
            return await engine.ExecuteAsync(args, key);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return null;
        }
    }
}
