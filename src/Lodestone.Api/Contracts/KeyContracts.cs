using System.Text.Json.Serialization;

namespace Lodestone.Api.Contracts;

/// <summary>What is known about a key: its type, TTL and version (the ETag).</summary>
/// <param name="Type">string, list, set, zset, hash or stream.</param>
/// <param name="TtlMs">Milliseconds until the key expires; null when it has no TTL.</param>
/// <param name="Version">Changes on every write to the key; never repeats.</param>
public sealed record KeyInfo(string Key, string Type, long? TtlMs, long Version)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>One page of a key listing (SCAN): at most the limit asked for.</summary>
/// <param name="Next">Pass it back as <c>page</c> for the next page; null when the listing is complete.</param>
public sealed record KeyPage(IReadOnlyList<KeyInfo> Keys, string? Next);

/// <summary>Query of <c>GET /keys</c>.</summary>
/// <param name="Match">Glob-style pattern (*, ?, [abc], \ escapes).</param>
/// <param name="Type">Only keys of this type.</param>
/// <param name="Limit">The most keys in the page (1 to Http:MaxResponseElements, default 100). A page may hold fewer, even none, with a next token.</param>
/// <param name="Page">The <c>next</c> token of the previous page; leave it out to start.</param>
public sealed record KeyListQuery(string? Match, string? Type, int? Limit, string? Page);

/// <summary>Query of a paged listing of one key's members or fields (SSCAN, HSCAN).</summary>
/// <param name="Match">Glob-style pattern (*, ?, [abc], \ escapes) the members or field names must match.</param>
/// <param name="Limit">The most in the page (1 to Http:MaxResponseElements, default 100). A page may hold fewer, even none, with a next token.</param>
/// <param name="Page">The <c>next</c> token of the previous page; leave it out to start.</param>
public sealed record ListingQuery(string? Match, int? Limit, string? Page);

/// <summary>Body of <c>PUT /keys/{key}/expiry</c>: give exactly one of TtlMs (PEXPIRE) or AtMs (PEXPIREAT).</summary>
/// <param name="TtlMs">Expire after this many milliseconds.</param>
/// <param name="AtMs">Expire at this Unix time in milliseconds; a time in the past deletes the key.</param>
/// <param name="Condition">nx (only if no TTL), xx (only if a TTL), gt (only if later), lt (only if earlier).</param>
public sealed record SetExpiryRequest(long? TtlMs = null, long? AtMs = null, string? Condition = null);

/// <summary>A key's expiry after a change. Applied is false when a Condition prevented it.</summary>
public sealed record ExpiryResponse(string Key, bool Applied, bool Exists, long? TtlMs);

/// <summary>Body of <c>POST /keys/{key}/rename</c>.</summary>
/// <param name="OnlyIfNew">Fail with 409 if NewKey exists (RENAMENX) instead of overwriting it.</param>
/// <param name="Encoding">"base64" when NewKey is base64.</param>
public sealed record RenameRequest(string NewKey, bool OnlyIfNew = false, string? Encoding = null);

/// <summary>Body of <c>POST /keys/{key}/copy</c>.</summary>
/// <param name="Replace">Overwrite Destination if it exists; otherwise that is a 409.</param>
/// <param name="Encoding">"base64" when Destination is base64.</param>
public sealed record CopyRequest(string Destination, bool Replace = false, string? Encoding = null);
