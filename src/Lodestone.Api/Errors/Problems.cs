using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lodestone.Api.Errors;

/// <summary>Builds RFC 9457 problem responses from <see cref="ProblemTable"/>. Each carries the Redis error code.</summary>
internal static class Problems
{
    /// <summary>
    /// The problem for an engine error reply. An engine failure (a handler threw, a sink could not
    /// write: a bug) is a 500 that carries no stack trace; the engine has logged it, with the command's name.
    /// </summary>
    public static ProblemHttpResult From(EngineError error)
    {
        if (error.Kind == ErrorKind.Internal)
            return Create(ProblemTable.For(ErrorKind.Internal), "An unexpected error occurred. It has been logged.", error.Code);
        var problem = Create(ProblemTable.For(error.Kind), error.Message, error.Code);
        if (error.RetryAfter is { } retryAfter)
            problem.ProblemDetails.Extensions[RetryAfterMs] = (long)Math.Ceiling(retryAfter.TotalMilliseconds);
        return problem;
    }

    /// <summary>The problem member saying when to try again, in milliseconds; the Retry-After header is set from it.</summary>
    public const string RetryAfterMs = "retryAfterMs";

    /// <summary>A problem for a condition the API itself detects, in the engine's terms.</summary>
    public static ProblemHttpResult Of(ErrorKind kind, string detail, string code = "ERR") =>
        Create(ProblemTable.For(kind), detail, code);

    public static ProblemHttpResult NoSuchKey(string key) =>
        Of(ErrorKind.NoSuchKey, $"Key '{key}' does not exist.");

    public static ProblemHttpResult Conflict(string detail) =>
        Create(ProblemTable.ForStatus(StatusCodes.Status409Conflict), detail, "ERR");

    public static ProblemHttpResult Create(ProblemKind kind, string detail, string code) =>
        TypedResults.Problem(
            detail: detail,
            statusCode: kind.Status,
            title: kind.Title,
            type: kind.Type,
            extensions: new Dictionary<string, object?> { ["code"] = code });
}
