using System.Text.Json.Serialization;

namespace Lodestone.Api.Contracts;

/// <summary>A string key and its value, as <c>GET /strings/{key}</c> returns it.</summary>
/// <param name="TtlMs">Milliseconds until the key expires; null when it has no TTL.</param>
public sealed record StringEntry(string Key, string Value, long? TtlMs)
{
    /// <summary>"base64" when Key and Value are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>PUT /strings/{key}</c> (SET).</summary>
/// <param name="Value">The value: UTF-8 text, or base64 when <paramref name="Encoding"/> is "base64".</param>
/// <param name="TtlMs">Expire the key after this many milliseconds (PX). Without it, the key has no TTL (unless KeepTtl).</param>
/// <param name="KeepTtl">Keep the key's current TTL (KEEPTTL).</param>
/// <param name="Encoding">"utf8" (default) or "base64".</param>
public sealed record SetStringRequest(string Value, long? TtlMs = null, bool KeepTtl = false, string? Encoding = null);

/// <summary>Query options of <c>PUT /strings/{key}</c> with a raw <c>application/octet-stream</c> body.</summary>
public sealed record RawSetOptions(long? TtlMs, bool? KeepTtl);

/// <summary>Body of the increment and decrement routes (INCRBY, DECRBY); optional, <c>by</c> defaults to 1.</summary>
public sealed record IncrementRequest(long By = 1);

/// <summary>Body of <c>POST /strings/{key}/incrbyfloat</c>.</summary>
public sealed record IncrementByFloatRequest(double By);

/// <summary>A counter after an integer increment or decrement.</summary>
public sealed record IntegerValue(string Key, long Value);

/// <summary>A counter after a floating-point increment.</summary>
/// <param name="Value">The new value as a JSON number (the nearest double to the stored text); "inf" or "-inf" beyond a double's range, which Redis's long double reaches (GET reads the exact digits).</param>
public sealed record FloatValue(string Key, [property: JsonConverter(typeof(ScoreJsonConverter))] double Value);

/// <summary>Body of <c>POST /strings/{key}/append</c>.</summary>
public sealed record AppendRequest(string Value, string? Encoding = null);

/// <summary>The length of a string after APPEND or SETRANGE.</summary>
public sealed record StringLength(string Key, long Length);

/// <summary>Body of <c>PUT /strings/{key}/range</c> (SETRANGE): write Value at Offset, zero-padding any gap.</summary>
public sealed record SetRangeRequest(long Offset, string Value, string? Encoding = null);

/// <summary>A substring, as <c>GET /strings/{key}/range</c> returns it (GETRANGE; inclusive, negative counts from the end).</summary>
public sealed record StringRange(string Key, long Start, long End, string Value)
{
    /// <summary>"base64" when Key and Value are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>POST /strings/mget</c>.</summary>
/// <param name="Encoding">"base64" when the keys are base64.</param>
public sealed record MultiGetRequest(IReadOnlyList<string> Keys, string? Encoding = null);

/// <summary>Values of several keys, in the order asked; a missing or non-string key has a null value.</summary>
public sealed record MultiGetResponse(IReadOnlyList<MultiGetItem> Items);

/// <summary>One key of a multi-get.</summary>
public sealed record MultiGetItem(string Key, string? Value)
{
    /// <summary>"base64" when Key and Value are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>POST /strings/mset</c>: set all the items atomically (MSET), or only if none of the keys exists (MSETNX).</summary>
/// <param name="Encoding">"base64" when keys and values are base64.</param>
public sealed record MultiSetRequest(IReadOnlyList<KeyValueItem> Items, bool OnlyIfNoneExist = false, string? Encoding = null);

/// <summary>One key and value of a multi-set.</summary>
public sealed record KeyValueItem(string Key, string Value);

/// <summary>Whether a multi-set wrote its items (false only with OnlyIfNoneExist when a key existed).</summary>
public sealed record MultiSetResponse(bool Written, int Count);
