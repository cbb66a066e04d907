namespace Lodestone.Api.Errors;

/// <summary>
/// Gives the problems ASP.NET Core writes itself (unmatched routes, wrong methods, wrong content
/// types) the same shape as ours: a type from <see cref="ProblemTable"/>, a detail that says what
/// to do, and the Redis error code.
/// </summary>
public static class ProblemDefaults
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
            var request = context.HttpContext.Request;
            problem.Detail ??= status switch
            {
                StatusCodes.Status404NotFound => $"No resource matches {request.Path}. See /swagger for the routes.",
                StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {request.Path}.",
                StatusCodes.Status415UnsupportedMediaType =>
                    $"Content-Type '{request.ContentType}' is not accepted here: send application/json (or application/octet-stream where raw bytes are accepted).",
                _ => null,
            };
            problem.Extensions.TryAdd("code", "ERR");
        });
}
