using System.Text.Json.Serialization;

namespace Lodestone.Api.Contracts;

/// <summary>Body of <c>POST /channels/{channel}/messages</c> (PUBLISH).</summary>
/// <param name="Message">The message: UTF-8 text, or base64 when <paramref name="Encoding"/> is "base64".</param>
/// <param name="Encoding">"utf8" (default) or "base64".</param>
public sealed record PublishRequest(string Message, string? Encoding = null);

/// <summary>What PUBLISH did: how many subscribers received the message (channel subscribers plus pattern matches).</summary>
public sealed record PublishResult(string Channel, long Receivers)
{
    /// <summary>"base64" when Channel is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>One event of a channel stream (the JSON in an SSE <c>data:</c> line).</summary>
/// <param name="Channel">The channel it was published on.</param>
/// <param name="Message">The message (base64 when <c>encoding</c> says so).</param>
/// <param name="Pattern">The pattern that matched, for a pattern subscription.</param>
public sealed record ChannelEvent(string Channel, string Message, string? Pattern = null)
{
    /// <summary>"base64" when Channel, Message and Pattern are base64; absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>One keyspace event of <c>GET /keys/{key}/events</c>: what happened to the key, in Redis's event names (set, del, expire, expired, evicted, hset, lpush…).</summary>
public sealed record KeyEvent(string Key, string Event)
{
    /// <summary>"base64" when Key is base64; absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}
