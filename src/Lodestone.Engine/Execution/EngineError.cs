namespace Lodestone.Engine.Execution;

/// <summary>
/// What kind of failure an <see cref="EngineError"/> is. Front ends map kinds, not texts: the HTTP
/// API turns each kind into one status code. Values are append-only.
/// </summary>
public enum ErrorKind
{
    /// <summary>The command is malformed: syntax, options, out-of-range arguments.</summary>
    BadRequest = 0,
    /// <summary>No such command.</summary>
    UnknownCommand = 1,
    /// <summary>Wrong number of arguments.</summary>
    WrongArity = 2,
    /// <summary>The key holds a value of another type.</summary>
    WrongType = 3,
    /// <summary>An argument or a stored value is not a number, or arithmetic would overflow.</summary>
    NotANumber = 4,
    /// <summary>The key the command needs does not exist.</summary>
    NoSuchKey = 5,
    /// <summary>A value or argument is larger than the configured limit.</summary>
    TooLarge = 6,
    /// <summary>A caller's precondition on the key (exists, absent, version) does not hold.</summary>
    PreconditionFailed = 7,
    /// <summary>The engine cannot take commands right now (stopping, loading).</summary>
    Unavailable = 8,
    /// <summary>A bug: a handler threw. Never caused by input alone.</summary>
    Internal = 9,
    /// <summary>The caller may not run this command or touch these keys (Redis's NOPERM).</summary>
    NoPermission = 10,
    /// <summary>Writes are refused because the disk is full; they resume when space returns (Redis's MISCONF).</summary>
    DiskFull = 11,
    /// <summary>Writes are refused because the log could not be written or synced (Redis's MISCONF).</summary>
    PersistenceFailed = 12,
    /// <summary>The engine is loading its data at startup; try again shortly (Redis's LOADING).</summary>
    Loading = 13,
    /// <summary>Someone else holds what the caller asked for (a lock), or the caller's claim on it is stale.</summary>
    Conflict = 14,
    /// <summary>The data is over the memory limit and nothing may be evicted: commands that may grow it are refused (Redis's OOM).</summary>
    OutOfMemory = 15,
    /// <summary>A write sent to a read-only replica (Redis's READONLY): send it to the primary.</summary>
    ReadOnly = 16,
    /// <summary>A primary with too few good replicas (min-replicas-to-write) refused a write (Redis's NOREPLICAS): try again later.</summary>
    NoReplicas = 17,
}

/// <summary>
/// An error reply: a kind for front ends and Redis's own message text, whose first word is the
/// Redis error code (<c>ERR</c>, <c>WRONGTYPE</c>…). Errors are values, not exceptions.
/// </summary>
public sealed class EngineError
{
    /// <summary>An error of <paramref name="kind"/> with Redis's <paramref name="message"/> (its first word is the code); <paramref name="exception"/> when a bug or I/O failure caused it.</summary>
    public EngineError(ErrorKind kind, string message, Exception? exception = null)
    {
        Kind = kind;
        Message = message;
        Exception = exception;
    }

    /// <summary>What kind of failure it is: the API maps it to an HTTP status.</summary>
    public ErrorKind Kind { get; }

    /// <summary>The full Redis error text, e.g. <c>WRONGTYPE Operation against a key holding the wrong kind of value</c>.</summary>
    public string Message { get; }

    /// <summary>For <see cref="ErrorKind.Internal"/> only: what went wrong, for the operator's log.</summary>
    public Exception? Exception { get; }

    /// <summary>When trying again may succeed (a lock's lease ends), if the engine knows.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The Redis error code: the first word of <see cref="Message"/>.</summary>
    public string Code
    {
        get
        {
            var space = Message.IndexOf(' ', StringComparison.Ordinal);
            return space < 0 ? Message : Message[..space];
        }
    }

    /// <summary>The message without its code, as a sentence for humans.</summary>
    public string Detail
    {
        get
        {
            var space = Message.IndexOf(' ', StringComparison.Ordinal);
            return space < 0 ? Message : Message[(space + 1)..];
        }
    }

    /// <summary>The message, as Redis would send it.</summary>
    public override string ToString() => Message;
}
