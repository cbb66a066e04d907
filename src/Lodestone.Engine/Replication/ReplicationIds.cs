using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace Lodestone.Engine.Replication;

/// <summary>
/// A node's replication history names (Redis's PSYNC2): <see cref="Id"/> names the history its data
/// follows now; <see cref="Id2"/> the one it followed before a promotion, valid up to
/// <see cref="SecondOffset"/> — so a replica of the old primary can continue from the new one.
/// </summary>
/// <param name="Id">master_replid: 40 lower-case hex digits.</param>
/// <param name="Id2">master_replid2: 40 zeros when there is none.</param>
/// <param name="SecondOffset">second_repl_offset, as Redis shows it: the first offset the old history does not
/// cover, plus one (the promotion's offset + 1); -1 when there is none. A replica at offset o of the old history
/// may continue when o &lt; SecondOffset.</param>
public sealed record ReplicationIds(
    [property: JsonPropertyName("replid")] string Id,
    [property: JsonPropertyName("replid2")] string Id2,
    [property: JsonPropertyName("secondReplOffset")] long SecondOffset)
{
    /// <summary>The replid2 of a node that was never promoted.</summary>
    public static readonly string None = new('0', 40);

    /// <summary>A new history: a random id, no second one.</summary>
    public static ReplicationIds New() => new(RandomId(), None, -1);

    /// <summary>A random replication id: 40 lower-case hex digits.</summary>
    public static string RandomId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    /// <summary>Whether <paramref name="id"/> looks like a replication id (40 hex digits).</summary>
    public static bool IsWellFormed(string? id) => id is { Length: 40 } && id.All(char.IsAsciiHexDigit);

    /// <summary>
    /// Whether a reader that has this node's history <paramref name="id"/> up to <paramref name="offset"/>
    /// shares it: the same id, or the previous one up to where it ended. The backlog must still hold the offset too.
    /// </summary>
    public bool Continues(string id, long offset) =>
        string.Equals(id, Id, StringComparison.OrdinalIgnoreCase)
        || (SecondOffset >= 0 && string.Equals(id, Id2, StringComparison.OrdinalIgnoreCase) && offset < SecondOffset);

    /// <summary>After a promotion at <paramref name="offset"/>: a new id, the current one kept as the second (Redis's shiftReplicationId).</summary>
    public ReplicationIds Shift(long offset) => new(RandomId(), Id, offset + 1);
}
