namespace Lodestone.Api.Errors;

/// <summary>
/// Gives the problems ASP.NET Core writes itself (unmatched routes, wrong methods, wrong content
/// types, bodies cut off at the size limit) the same shape as ours: a type from
/// <see cref="ProblemTable"/>, a detail that says what to do, and the Redis error code.
/// </summary>
internal static class ProblemDefaults
{
    public static IServiceCollection AddLodestoneProblems(this IServiceCollection services) =>
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            if (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
            {
                var kind = ProblemTable.ForStatus(status);
                problem.Type = kind.Type;
                problem.Title = kind.Title;
            }
            problem.Detail ??= StandardDetail(status, context.HttpContext.Request);
            // Loading, refused writes and a full disk pass by themselves: tell clients when to retry.
            if (status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status507InsufficientStorage)
                context.HttpContext.Response.Headers.RetryAfter = "1";
            // A problem that knows when (a lock's lease ends) says so: whole seconds, rounded up.
            if (problem.Extensions.TryGetValue(Problems.RetryAfterMs, out var retryAfter) && retryAfter is long milliseconds)
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (milliseconds + 999) / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            problem.Extensions.TryAdd("code", "ERR");
            // An entity tag names the representation a response carries, and a problem carries none of
            // the key's: a read refused after it ran (too many elements) drops the key's ETag and TTL.
            // A 404 keeps them: the key exists at that version without the member or field asked for.
            if (status != StatusCodes.Status404NotFound)
            {
                context.HttpContext.Response.Headers.Remove(Microsoft.Net.Http.Headers.HeaderNames.ETag);
                context.HttpContext.Response.Headers.Remove(Lodestone.Api.Endpoints.KeyHttp.TtlHeader);
            }
        });

    /// <summary>Whether <paramref name="status"/> has a standard detail here, which a problem without its own detail gets.</summary>
    public static bool HasStandardDetail(int status) => status is
        StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed or
        StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType;

    private static string? StandardDetail(int status, HttpRequest request) => status switch
    {
        StatusCodes.Status404NotFound => $"No resource matches {request.Path}. See /swagger for the routes.",
        StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {request.Path}.",
        // A body without a declared length is cut off by the server once it passes the limit.
        StatusCodes.Status413PayloadTooLarge => "The request body is larger than the limit (Http:MaxRequestBodyBytes).",
        StatusCodes.Status415UnsupportedMediaType =>
            (string.IsNullOrEmpty(request.ContentType) ? "The request has no Content-Type" : $"Content-Type '{request.ContentType}' is not accepted here")
            + ": send application/json (or application/octet-stream where raw bytes are accepted).",
        _ => null,
    };
}
