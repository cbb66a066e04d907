using Lodestone.Engine.Execution;

namespace Lodestone.Api.Errors;

/// <summary>
/// The one mapping from engine error kinds to HTTP problems (ARCHITECTURE.md §5). Every problem
/// response of the API is built from a row of this table.
/// </summary>
internal static class ProblemTable
{
    /// <summary>The problem type URI prefix; the suffix is the row's slug.</summary>
    public const string TypePrefix = "urn:lodestone:problem:";

    public static ProblemKind For(ErrorKind kind) => kind switch
    {
        ErrorKind.BadRequest => new(StatusCodes.Status400BadRequest, "Bad request", "bad-request"),
        ErrorKind.UnknownCommand => new(StatusCodes.Status400BadRequest, "Unknown command", "unknown-command"),
        ErrorKind.WrongArity => new(StatusCodes.Status400BadRequest, "Wrong number of arguments", "wrong-arity"),
        ErrorKind.WrongType => new(StatusCodes.Status409Conflict, "Wrong type", "wrong-type"),
        ErrorKind.NotANumber => new(StatusCodes.Status422UnprocessableEntity, "Not a number", "not-a-number"),
        ErrorKind.NoSuchKey => new(StatusCodes.Status404NotFound, "No such key", "no-such-key"),
        ErrorKind.TooLarge => new(StatusCodes.Status413PayloadTooLarge, "Too large", "too-large"),
        ErrorKind.PreconditionFailed => new(StatusCodes.Status412PreconditionFailed, "Precondition failed", "precondition-failed"),
        ErrorKind.Unavailable => new(StatusCodes.Status503ServiceUnavailable, "Unavailable", "unavailable"),
        ErrorKind.NoPermission => new(StatusCodes.Status403Forbidden, "Forbidden", "no-permission"),
        ErrorKind.DiskFull => new(StatusCodes.Status507InsufficientStorage, "Disk full", "disk-full"),
        ErrorKind.PersistenceFailed => new(StatusCodes.Status503ServiceUnavailable, "Writes unavailable", "persistence-failed"),
        ErrorKind.Loading => new(StatusCodes.Status503ServiceUnavailable, "Loading", "loading"),
        ErrorKind.ReadOnly => new(StatusCodes.Status503ServiceUnavailable, "Read-only replica", "read-only-replica"),
        ErrorKind.NoReplicas => new(StatusCodes.Status503ServiceUnavailable, "Not enough good replicas", "no-replicas"),
        ErrorKind.Conflict => new(StatusCodes.Status409Conflict, "Conflict", "conflict"),
        ErrorKind.OutOfMemory => new(StatusCodes.Status507InsufficientStorage, "Out of memory", "out-of-memory"),
        _ => new(StatusCodes.Status500InternalServerError, "Internal error", "internal"),
    };

    /// <summary>Problems that do not come from the engine, by HTTP status (validation, JSON, routing).</summary>
    public static ProblemKind ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => For(ErrorKind.BadRequest),
        StatusCodes.Status401Unauthorized => new(status, "Unauthorized", "unauthorized"),
        StatusCodes.Status403Forbidden => For(ErrorKind.NoPermission),
        StatusCodes.Status404NotFound => new(status, "Not found", "not-found"),
        StatusCodes.Status405MethodNotAllowed => new(status, "Method not allowed", "method-not-allowed"),
        StatusCodes.Status406NotAcceptable => new(status, "Not acceptable", "not-acceptable"),
        StatusCodes.Status409Conflict => new(status, "Conflict", "conflict"),
        StatusCodes.Status412PreconditionFailed => For(ErrorKind.PreconditionFailed),
        StatusCodes.Status413PayloadTooLarge => For(ErrorKind.TooLarge),
        StatusCodes.Status415UnsupportedMediaType => new(status, "Unsupported media type", "unsupported-media-type"),
        StatusCodes.Status422UnprocessableEntity => For(ErrorKind.NotANumber),
        StatusCodes.Status429TooManyRequests => new(status, "Too many requests", "rate-limited"),
        >= 500 => For(ErrorKind.Internal),
        _ => new(status, "Request failed", "request-failed"),
    };
}

/// <summary>One row of <see cref="ProblemTable"/>.</summary>
internal sealed record ProblemKind(int Status, string Title, string Slug)
{
    public string Type => ProblemTable.TypePrefix + Slug;
}
