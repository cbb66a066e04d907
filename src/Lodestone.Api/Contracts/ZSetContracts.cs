using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lodestone.Api.Contracts;

/// <summary>
/// A sorted-set score in JSON: a number, except the infinities, which JSON numbers cannot hold —
/// they are the strings <c>"inf"</c> and <c>"-inf"</c>, as Redis prints them. Requests may also send
/// <c>"+inf"</c>. NaN is never a score.
/// </summary>
internal sealed class ScoreJsonConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // A literal beyond double's range (1e400) reads as infinity: refused, as Redis refuses it as a score.
        if (reader.TokenType == JsonTokenType.Number && reader.GetDouble() is var number && double.IsFinite(number))
            return number;
        if (reader.TokenType == JsonTokenType.String)
        {
            switch (reader.GetString()?.ToUpperInvariant())
            {
                case "INF" or "+INF":
                    return double.PositiveInfinity;
                case "-INF":
                    return double.NegativeInfinity;
            }
        }
        throw new JsonException("A score is a number within double's range, or \"inf\" / \"-inf\".");
    }

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsPositiveInfinity(value))
            writer.WriteStringValue("inf");
        else if (double.IsNegativeInfinity(value))
            writer.WriteStringValue("-inf");
        else
            writer.WriteNumberValue(value);
    }

    /// <summary>A score as the engine's argument text (shortest round-trip; "inf"/"-inf").</summary>
    public static string Argument(double score) => score switch
    {
        double.PositiveInfinity => "+inf",
        double.NegativeInfinity => "-inf",
        _ => score.ToString("R", CultureInfo.InvariantCulture),
    };
}

/// <summary>The same, for a score that may be absent (null).</summary>
internal sealed class NullableScoreJsonConverter : JsonConverter<double?>
{
    private static readonly ScoreJsonConverter Score = new();

    public override double? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Score.Read(ref reader, typeof(double), options);

    public override void Write(Utf8JsonWriter writer, double? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } score)
            Score.Write(writer, score, options);
        else
            writer.WriteNullValue();
    }
}

/// <summary>A list of scores (weights), each read and written as <see cref="ScoreJsonConverter"/> does.</summary>
internal sealed class ScoreListJsonConverter : JsonConverter<IReadOnlyList<double>>
{
    private static readonly ScoreJsonConverter Score = new();

    public override IReadOnlyList<double> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException("Expected an array of numbers.");
        var scores = new List<double>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            scores.Add(Score.Read(ref reader, typeof(double), options));
        return scores;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<double> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartArray();
        foreach (var score in value)
            Score.Write(writer, score, options);
        writer.WriteEndArray();
    }
}

/// <summary>A member and its score, as range reads, pops and the set algebra return them.</summary>
/// <param name="Score">A number; "inf" or "-inf" for the infinities. Absent from lex ranges, which Redis returns without scores.</param>
public sealed record ZMember(
    string Member,
    [property: JsonConverter(typeof(NullableScoreJsonConverter)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Score)
{
    /// <summary>"base64" when Member is base64 (see <see cref="BinaryText"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>A sorted set's size, as <c>GET /zsets/{key}</c> returns it (ZCARD).</summary>
/// <param name="TtlMs">Milliseconds until the key expires; null when it has no TTL.</param>
public sealed record ZSetInfo(string Key, long Count, long? TtlMs)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>One member to add: its score is a number, or "inf" / "-inf".</summary>
public sealed record ZAddMember(string Member, [property: JsonConverter(typeof(ScoreJsonConverter))] double Score);

/// <summary>Body of <c>POST /zsets/{key}/members</c> (ZADD).</summary>
/// <param name="Members">One to 1000 members with their scores.</param>
/// <param name="Condition">"nx": only add new members; "xx": only update existing ones.</param>
/// <param name="Compare">"gt" / "lt": update an existing member only if its new score is greater / less (new members are still added).</param>
/// <param name="Ch">Count changed members (added or updated) instead of only added ones.</param>
/// <param name="Incr">Add the score to the member's score (one member only); the reply is the new score.</param>
/// <param name="Encoding">"base64" when the members are base64.</param>
public sealed record ZAddRequest(IReadOnlyList<ZAddMember> Members, string? Condition = null, string? Compare = null,
    bool Ch = false, bool Incr = false, string? Encoding = null);

/// <summary>What ZADD did: the members added (with <c>ch</c>: added or updated).</summary>
public sealed record ZAddResult(string Key, long Count)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>A member's score (ZSCORE, ZINCRBY, ZADD INCR). Score is null when a ZADD condition prevented the increment.</summary>
public sealed record ZMemberScore(string Key, string Member, [property: JsonConverter(typeof(NullableScoreJsonConverter))] double? Score)
{
    /// <summary>"base64" when Key and Member are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>A member's 0-based rank (ascending, or descending with <c>reverse</c>) and its score.</summary>
public sealed record ZMemberRank(string Key, string Member, long Rank, [property: JsonConverter(typeof(ScoreJsonConverter))] double Score)
{
    /// <summary>"base64" when Key and Member are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>POST /zsets/{key}/members/{member}/incr</c> (ZINCRBY); optional, <c>by</c> defaults to 1.</summary>
public sealed record ZIncrementRequest([property: JsonConverter(typeof(ScoreJsonConverter))] double By = 1);

/// <summary>How many members a score range holds (ZCOUNT).</summary>
public sealed record ZCountResult(string Key, long Count)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Query of <c>GET /zsets/{key}/count</c>: Redis score bounds, e.g. <c>min=(10&amp;max=+inf</c>.</summary>
/// <param name="Min">Lowest score, inclusive, or exclusive after "("; "-inf" (the default) for no bound.</param>
/// <param name="Max">Highest score, inclusive, or exclusive after "("; "+inf" (the default) for no bound.</param>
public sealed record ZCountQuery(string? Min, string? Max);

/// <summary>Query of <c>GET /zsets/{key}/members</c> (ZRANGE): the leaderboard read, a page at a time.</summary>
/// <param name="By">"rank" (default), "score" or "lex".</param>
/// <param name="Start">By rank: first 0-based rank, negative from the end (default 0).</param>
/// <param name="Stop">By rank: last rank, inclusive (default -1, the last).</param>
/// <param name="Min">By score: lowest score, "(" for exclusive (default "-inf"). By lex: "[member", "(member" or "-" (default).</param>
/// <param name="Max">By score: highest score (default "+inf"). By lex: "[member", "(member" or "+" (default).</param>
/// <param name="Reverse">Highest first: ranks count from the top, and score or lex ranges are walked down from max.</param>
/// <param name="Limit">The most members in the page (1 to Http:MaxResponseElements, default 100).</param>
/// <param name="Page">The <c>next</c> token of the previous page of the same range; leave it out to start.</param>
public sealed record ZRangeQuery(string? By, long? Start, long? Stop, string? Min, string? Max, bool? Reverse, int? Limit, string? Page);

/// <summary>One page of a range read: members in the range's order.</summary>
/// <param name="Next">Pass it back as <c>page</c> (with the same range) for the rest; null when the page ends the range.</param>
public sealed record ZRangePage(string Key, IReadOnlyList<ZMember> Members, string? Next)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>; each member says its own); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Members a pop took, lowest or highest first.</summary>
public sealed record ZPopped(string Key, IReadOnlyList<ZMember> Members)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>; each member says its own); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>How many of the named members a removal took out.</summary>
public sealed record ZRemoved(string Key, long Removed)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>What the algebra computed: its members with their scores, lowest first.</summary>
public sealed record ZAlgebraResult(IReadOnlyList<ZMember> Members);

/// <summary>Query of the pop routes (ZPOPMIN / ZPOPMAX).</summary>
/// <param name="Count">How many members to pop (default 1).</param>
/// <param name="Timeout">Seconds to wait for a member when the set is empty (BZPOPMIN / BZMPOP): a long poll, capped by Http:MaxBlockingTimeoutSeconds.</param>
public sealed record ZPopQuery(int? Count, double? Timeout);

/// <summary>Body of <c>POST /zsets/union</c>, <c>/zsets/inter</c> and <c>/zsets/diff</c>.</summary>
/// <param name="Keys">The input sorted sets, 1 to 1000; a missing key is an empty set.</param>
/// <param name="Weights">Union and intersection: one multiplier per key (default 1 each); numbers, or "inf" / "-inf".</param>
/// <param name="Aggregate">Union and intersection: how a member's scores combine — "sum" (default), "min" or "max".</param>
/// <param name="Store">Store the result in this key (ZUNIONSTORE…) instead of returning it; an empty result deletes it.</param>
/// <param name="Encoding">"base64" when the keys are base64.</param>
public sealed record ZSetAlgebraRequest(IReadOnlyList<string> Keys,
    [property: JsonConverter(typeof(ScoreListJsonConverter))] IReadOnlyList<double>? Weights = null, string? Aggregate = null,
    string? Store = null, string? Encoding = null);

/// <summary>What a store form of the algebra stored: the destination and its size.</summary>
public sealed record ZStoreResult(string Key, long Count)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}
