using Lodestone.Engine.Types;

namespace Lodestone.Engine.Execution;

/// <summary>A condition on a key's state, checked atomically just before the command runs.</summary>
public enum KeyConditionKind
{
    /// <summary>The key must exist (HTTP <c>If-Match: *</c>).</summary>
    Exists,
    /// <summary>The key must not exist (HTTP <c>If-None-Match: *</c>).</summary>
    NotExists,
    /// <summary>The key must exist at exactly this version (HTTP <c>If-Match: "v"</c>).</summary>
    VersionEquals,
    /// <summary>The key must not be at this version (HTTP <c>If-None-Match: "v"</c> on writes).</summary>
    VersionDiffers,
}

/// <summary>A precondition for <see cref="CommandRequest.Condition"/>.</summary>
public readonly record struct KeyCondition(KeyConditionKind Kind, long Version = 0)
{
    /// <summary>The key exists (<c>If-Match: *</c>, XX).</summary>
    public static KeyCondition Exists => new(KeyConditionKind.Exists);

    /// <summary>The key does not exist (<c>If-None-Match: *</c>, NX).</summary>
    public static KeyCondition NotExists => new(KeyConditionKind.NotExists);

    /// <summary>The key exists at <paramref name="version"/> (<c>If-Match: "etag"</c>, compare-and-set).</summary>
    public static KeyCondition VersionIs(long version) => new(KeyConditionKind.VersionEquals, version);

    /// <summary>The key is missing or not at <paramref name="version"/> (<c>If-None-Match: "etag"</c>).</summary>
    public static KeyCondition VersionIsNot(long version) => new(KeyConditionKind.VersionDiffers, version);

    /// <summary>Whether the condition holds for a key in <paramref name="state"/>.</summary>
    public bool HoldsFor(KeyState state) => Kind switch
    {
        KeyConditionKind.Exists => state.Exists,
        KeyConditionKind.NotExists => !state.Exists,
        KeyConditionKind.VersionEquals => state.Exists && state.Version == Version,
        KeyConditionKind.VersionDiffers => !state.Exists || state.Version != Version,
        _ => false,
    };
}

/// <summary>
/// A key's state as the engine saw it: type (None when missing), version and expiry (Unix ms, or -1).
/// A request without a key reports <c>default</c>, which, like <see cref="Missing"/>, does not exist.
/// </summary>
public readonly record struct KeyState(RedisType Type, long Version, long ExpireAtMs)
{
    /// <summary>The state of a key that does not exist.</summary>
    public static KeyState Missing => new(RedisType.None, 0, -1);

    /// <summary>Whether the key exists.</summary>
    public bool Exists => Type != RedisType.None;

    /// <summary>Whether the key exists and has a TTL.</summary>
    public bool HasExpiry => Exists && ExpireAtMs >= 0;
}

/// <summary>
/// A command to execute, with an optional key to observe: its state just before and just after the
/// command is reported in the <see cref="CommandResult"/>, and <see cref="Condition"/> is checked
/// against it first — all atomically on the engine thread.
/// </summary>
public sealed class CommandRequest
{
    /// <summary>A command (<paramref name="args"/>, name first); with <paramref name="key"/>, the key whose state is reported before and after, and that <paramref name="condition"/> is checked against.</summary>
    public CommandRequest(byte[][] args, byte[]? key = null, KeyCondition? condition = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (condition is not null && key is null)
            throw new ArgumentException("A condition needs the key it applies to.", nameof(condition));
        Args = args;
        Key = key;
        Condition = condition;
    }

    /// <summary>Command name and arguments. The engine may keep these arrays: do not change them afterwards.</summary>
    /// <remarks>A parked blocking command may have the engine change them to what it runs when resumed (XREAD's <c>$</c> resolved).</remarks>
    public byte[][] Args { get; internal set; }

    /// <summary>The key whose state is reported and to which <see cref="Condition"/> applies.</summary>
    public byte[]? Key { get; }

    /// <summary>A precondition on <see cref="Key"/>; the command runs only if it holds (else precondition failed).</summary>
    public KeyCondition? Condition { get; }

    /// <summary>Whose permissions apply; null runs the command unrestricted (internal callers, an open service).</summary>
    public Security.AclUser? User { get; init; }

    /// <summary>
    /// Signals that the caller has gone (an HTTP client disconnected): a blocking command still
    /// waiting is removed, pops nothing, and its task is cancelled.
    /// </summary>
    public CancellationToken Aborted { get; init; }

    /// <summary>
    /// The longest a blocking command of this caller may wait (an HTTP request's long-poll cap): a
    /// longer timeout, or 0 ("forever" in Redis), waits this long and then gets the command's own
    /// timeout reply (nil for a pop, "held" for a lock wait). Null: as long as the command asks, up to
    /// <see cref="Executor.LongestWait"/>.
    /// </summary>
    public TimeSpan? MaxBlock { get; init; }

    /// <summary>
    /// The most elements the caller's whole reply may hold (for a pipeline or transaction, all its
    /// replies together): a read whose reply would hold more fails with
    /// <see cref="Errors.ReplyTooLarge"/>, found before the reply is built where its size follows from
    /// the arguments (SRANDMEMBER -n, LRANGE…). Null: no limit.
    /// </summary>
    public long? MaxReplyElements { get; init; }

    /// <summary>Who sent the request, asked for its address and name only when something records them.</summary>
    public ICaller? Caller { get; init; }

    /// <summary>Where the caller is (ip:port), for the slow log and MONITOR; null when unknown. Given, or asked of <see cref="Caller"/>.</summary>
    public string? ClientAddress
    {
        get => _clientAddress ?? Caller?.Address;
        init => _clientAddress = value;
    }

    /// <summary>Who the caller is (the API key's name), for the slow log; null when unknown. Given, or asked of <see cref="Caller"/>.</summary>
    public string? ClientName
    {
        get => _clientName ?? Caller?.Name;
        init => _clientName = value;
    }

    private readonly string? _clientAddress;
    private readonly string? _clientName;
}

/// <summary>
/// The caller behind requests, for the slow log and MONITOR. They ask only when they record a
/// command — rarely — so working the address out can wait until then.
/// </summary>
public interface ICaller
{
    /// <summary>ip:port, or null when unknown. May be asked on the engine thread.</summary>
    string? Address { get; }

    /// <summary>The API key's name, or null.</summary>
    string? Name { get; }
}

/// <summary>A command's reply, and the observed key's state before and after it ran.</summary>
public readonly record struct CommandResult(Reply Reply, KeyState Before, KeyState After);
