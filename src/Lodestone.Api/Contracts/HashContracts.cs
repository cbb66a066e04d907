using System.Text.Json.Serialization;

namespace Lodestone.Api.Contracts;

/// <summary>
/// A whole hash, as <c>GET /hashes/{key}</c> returns it: its fields as a JSON object.
/// </summary>
/// <param name="Fields">Field name → value. With <c>"encoding": "base64"</c> the names, the values and the key are all base64.</param>
/// <param name="TtlMs">Milliseconds until the key expires; null when it has no TTL.</param>
public sealed record HashEntry(string Key, IReadOnlyDictionary<string, string> Fields, long? TtlMs)
{
    /// <summary>"base64" when the key, field names and values are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>PUT /hashes/{key}</c> (HMSET): sets these fields, leaving the hash's other fields as they are.</summary>
/// <param name="Fields">Field name → value, at least one. Values are strings (a number is refused: send <c>"42"</c>).</param>
/// <param name="Encoding">"utf8" (default) or "base64" for both names and values.</param>
public sealed record SetHashRequest(IReadOnlyDictionary<string, string> Fields, string? Encoding = null);

/// <summary>How many fields a hash has (HLEN, and the reply of <c>PUT /hashes/{key}</c>).</summary>
public sealed record HashLength(string Key, long Length)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>One field of a hash and its value (HGET, HSET).</summary>
public sealed record HashField(string Key, string Field, string Value)
{
    /// <summary>Milliseconds until the field expires (HPTTL); absent when it has no TTL.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? TtlMs { get; init; }

    /// <summary>"base64" when Key, Field and Value are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>PUT /hashes/{key}/fields/{field}</c> (HSET, or HSETEX with a TTL).</summary>
/// <param name="Value">The value: UTF-8 text, or base64 when <paramref name="Encoding"/> is "base64".</param>
/// <param name="OnlyIfNew">Set the field only if it does not exist yet (HSETNX); otherwise the answer is 409.</param>
/// <param name="Encoding">"utf8" (default) or "base64".</param>
/// <param name="TtlMs">The field expires after this many milliseconds (HSETEX PX). Without it (and without keepTtl) a field's TTL is removed, as HSET does.</param>
/// <param name="KeepTtl">Keep the field's TTL (HSETEX KEEPTTL).</param>
public sealed record SetFieldRequest(string Value, bool OnlyIfNew = false, string? Encoding = null, long? TtlMs = null, bool KeepTtl = false);

/// <summary>A hash field's expiry after a change (HPEXPIRE, HPEXPIREAT, HPERSIST). Applied is false when a condition prevented it, or there was no TTL to remove.</summary>
/// <param name="Exists">Whether the field is still there (a time already past removes it).</param>
/// <param name="TtlMs">Milliseconds until it expires; null when it has no TTL or is gone.</param>
public sealed record FieldExpiryResponse(string Key, string Field, bool Applied, bool Exists, long? TtlMs)
{
    /// <summary>"base64" when Key and Field are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>POST /hashes/{key}/fields/{field}/incr</c> (HINCRBY); optional, <c>by</c> defaults to 1.</summary>
public sealed record FieldIncrementRequest(long By = 1);

/// <summary>Body of <c>POST /hashes/{key}/fields/{field}/incrbyfloat</c> (HINCRBYFLOAT).</summary>
public sealed record FieldIncrementByFloatRequest(double By);

/// <summary>A field's integer value after HINCRBY.</summary>
public sealed record HashFieldInteger(string Key, string Field, long Value)
{
    /// <summary>"base64" when Key and Field are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>A field's value after HINCRBYFLOAT, as a JSON number.</summary>
/// <param name="Value">The new value (the nearest double to the stored text); "inf" or "-inf" beyond a double's range, which Redis's long double reaches (reading the field gives the exact digits).</param>
public sealed record HashFieldFloat(string Key, string Field, [property: JsonConverter(typeof(ScoreJsonConverter))] double Value)
{
    /// <summary>"base64" when Key and Field are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>POST /hashes/{key}/mget</c> (HMGET): the fields to read.</summary>
/// <param name="Encoding">"base64" when the field names are base64.</param>
public sealed record HashFieldsRequest(IReadOnlyList<string> Fields, string? Encoding = null);

/// <summary>Some fields of a hash (HMGET): each requested field → its value, or null when the hash has no such field.</summary>
public sealed record HashFieldValues(string Key, IReadOnlyDictionary<string, string?> Fields)
{
    /// <summary>"base64" when Key and the field names and values are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>A hash's values (HVALS).</summary>
public sealed record HashValues(string Key, IReadOnlyList<string> Values)
{
    /// <summary>"base64" when Key and Values are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Query of <c>GET /hashes/{key}/random</c> (HRANDFIELD).</summary>
/// <param name="Count">How many fields (default 1). Positive: distinct fields, at most the hash's size. Negative: exactly -count fields, which may repeat.</param>
/// <param name="WithValues">Include each field's value.</param>
public sealed record RandomFieldsQuery(long? Count, bool? WithValues);

/// <summary>Random fields of a hash (HRANDFIELD).</summary>
public sealed record RandomFields(string Key, IReadOnlyList<RandomField> Fields)
{
    /// <summary>"base64" when Key and every field and value are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>One random field; <see cref="Value"/> only when values were asked for.</summary>
public sealed record RandomField(string Field)
{
    /// <summary>The field's value; absent unless values were asked for (<c>withValues=true</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Value { get; init; }
}


/// <summary>One page of a hash's fields and values (HSCAN), at most the limit asked for.</summary>
/// <param name="Next">Pass it back as <c>page</c> for the next page; null when the listing is complete.</param>
public sealed record HashPage(string Key, IReadOnlyDictionary<string, string> Fields, string? Next)
{
    /// <summary>"base64" when Key and the field names and values are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}
