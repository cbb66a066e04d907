namespace Lodestone.Api.Contracts;

/// <summary>A frame a client sends on <c>/ws</c>: one operation, as JSON text.</summary>
/// <param name="Op">subscribe, psubscribe, ssubscribe, unsubscribe, punsubscribe, sunsubscribe, publish or ping.</param>
/// <param name="Channels">The channels of subscribe, ssubscribe, unsubscribe and sunsubscribe (none to unsubscribe: all).</param>
/// <param name="Patterns">The glob patterns of psubscribe and punsubscribe (none to punsubscribe: all).</param>
/// <param name="Channel">The channel a publish posts to.</param>
/// <param name="Message">The message a publish posts.</param>
/// <param name="Encoding">"base64" when the frame's channels, patterns and message are base64; absent or "utf8" for text.</param>
public sealed record WebSocketRequest(string? Op, string[]? Channels, string[]? Patterns, string? Channel, string? Message, string? Encoding);

/// <summary>
/// A frame the service sends on <c>/ws</c>, in the shape of Redis's pub/sub replies: a confirmation
/// (<c>subscribe</c>, <c>psubscribe</c>, … with the subscriptions held after it), a delivery
/// (<c>message</c>, <c>pmessage</c>, <c>smessage</c>), or the answer to an operation
/// (<c>published</c>, <c>pong</c>, <c>error</c>). Members that do not apply are left out.
/// </summary>
/// <param name="Type">What the frame is.</param>
public sealed record WebSocketFrame(string Type)
{
    /// <summary>The pattern: of a pmessage (the one that matched), a psubscribe or a punsubscribe.</summary>
    public string? Pattern { get; init; }

    /// <summary>The channel a message was published to, or the channel (un)subscribed or published to.</summary>
    public string? Channel { get; init; }

    /// <summary>The message published.</summary>
    public string? Message { get; init; }

    /// <summary>A confirmation's count: the channels and patterns the connection holds after it.</summary>
    public int? Count { get; init; }

    /// <summary>A publish's answer: how many subscriptions received the message (PUBLISH's reply).</summary>
    public long? Receivers { get; init; }

    /// <summary>What went wrong, with the Redis error code first (ERR, NOPERM…).</summary>
    public string? Error { get; init; }

    /// <summary>"base64" when a channel, pattern or message is not UTF-8 text (then all of the frame's are base64), else absent.</summary>
    public string? Encoding { get; init; }
}
