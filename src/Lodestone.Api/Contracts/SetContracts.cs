using System.Text.Json.Serialization;

namespace Lodestone.Api.Contracts;

/// <summary>Body of <c>POST /sets/{key}/members</c> (SADD) and <c>POST /sets/{key}/contains</c> (SMISMEMBER).</summary>
/// <param name="Members">The members: UTF-8 text, or base64 when <paramref name="Encoding"/> is "base64".</param>
/// <param name="Encoding">"utf8" (default) or "base64".</param>
public sealed record SetMembersRequest(IReadOnlyList<string> Members, string? Encoding = null);

/// <summary>Members of a set: all of them (SMEMBERS), or some picked at random (SRANDMEMBER) or popped (SPOP). The order means nothing.</summary>
public sealed record SetMembers(string Key, IReadOnlyList<string> Members)
{
    /// <summary>"base64" when Key and every member are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>One page of a set's members (SSCAN), at most the limit asked for.</summary>
/// <param name="Next">Pass it back as <c>page</c> for the next page; null when the listing is complete.</param>
public sealed record SetPage(string Key, IReadOnlyList<string> Members, string? Next)
{
    /// <summary>"base64" when Key and Members are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Query of <c>GET /sets/{key}/random</c> (SRANDMEMBER).</summary>
/// <param name="Count">How many members (default 1): distinct ones when positive (at most the whole set), with possible repeats when negative.</param>
public sealed record SetRandomQuery(long? Count);

/// <summary>Query of <c>POST /sets/{key}/pop</c> (SPOP).</summary>
/// <param name="Count">How many members to remove and return (default 1); fewer when the set is smaller.</param>
public sealed record SetPopQuery(long? Count);

/// <summary>A set after SADD: how many of the members were new, and its size now.</summary>
public sealed record SetAdded(string Key, long Added, long Cardinality)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>A set after SREM: how many of the members were there, and its size now (0: the key is gone).</summary>
public sealed record SetRemoved(string Key, long Removed, long Cardinality)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>The number of members of a set (SCARD); 0 for a missing key.</summary>
public sealed record SetCardinality(string Key, long Cardinality)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>A member of a set (SISMEMBER found it).</summary>
public sealed record SetMember(string Key, string Member)
{
    /// <summary>"base64" when Key and Member are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Whether each of several members belongs to a set (SMISMEMBER), in the order asked.</summary>
public sealed record SetMemberships(string Key, IReadOnlyList<SetMemberState> Members)
{
    /// <summary>"base64" when Key and every member are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>One member of a <see cref="SetMemberships"/> answer.</summary>
public sealed record SetMemberState(string Member, bool IsMember);

/// <summary>Body of <c>POST /sets/{key}/move</c> (SMOVE): move Member from the route's set to Destination.</summary>
/// <param name="Encoding">"base64" when Destination and Member are base64.</param>
public sealed record SetMoveRequest(string Destination, string Member, string? Encoding = null);

/// <summary>The outcome of SMOVE: Moved is false when Member was not in the source set.</summary>
public sealed record SetMoved(string Source, string Destination, string Member, bool Moved)
{
    /// <summary>"base64" when Source, Destination and Member are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>POST /sets/inter</c>, <c>/union</c> and <c>/diff</c>.</summary>
/// <param name="Keys">The sets, in order (for a difference: the first minus all the others). A missing key is an empty set.</param>
/// <param name="Destination">Store the result in this key instead of returning it (SINTERSTORE, SUNIONSTORE, SDIFFSTORE):
/// it is overwritten whatever it holds, and deleted when the result is empty.</param>
/// <param name="Encoding">"base64" when the keys are base64.</param>
public sealed record SetAlgebraRequest(IReadOnlyList<string> Keys, string? Destination = null, string? Encoding = null);

/// <summary>Body of <c>POST /sets/intercard</c> (SINTERCARD).</summary>
/// <param name="Limit">Stop counting at this many (0 or absent: no limit).</param>
public sealed record SetInterCardRequest(IReadOnlyList<string> Keys, long? Limit = null, string? Encoding = null);

/// <summary>
/// The result of set algebra: its size, and either its members or the key it was stored in.
/// </summary>
public sealed record SetAlgebraResult(long Cardinality)
{
    /// <summary>The result's members, when it was not stored.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Members { get; init; }

    /// <summary>Where the result was stored, when a destination was given.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Destination { get; init; }

    /// <summary>"base64" when Members or Destination are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}
