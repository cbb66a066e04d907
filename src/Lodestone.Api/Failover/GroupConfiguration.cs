using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lodestone.Api.Failover;

/// <summary>
/// The failover group's configuration as Raft committed it: which member is the primary, under
/// which epoch, and the members' addresses. Every member applies the same sequence of them; nothing
/// about who is primary is decided outside it. Epoch 0 is the group before its first primary.
/// </summary>
/// <param name="Epoch">Grows by one with every change of primary (Sentinel's configuration epoch).</param>
/// <param name="Primary">The primary's member id; empty before the first one is chosen.</param>
/// <param name="Members">Every member's id and base URL.</param>
internal sealed record GroupConfiguration(long Epoch, string Primary, IReadOnlyList<GroupMember> Members)
{
    /// <summary>Before anything is committed.</summary>
    public static GroupConfiguration None { get; } = new(0, "", []);

    /// <summary>The member with <paramref name="id"/>, or null.</summary>
    public GroupMember? Member(string id) => Members.FirstOrDefault(m => m.Id == id);

    /// <summary>The primary's entry, or null before the first one is chosen.</summary>
    public GroupMember? PrimaryMember => Primary.Length == 0 ? null : Member(Primary);

    /// <summary>The configuration that makes <paramref name="primary"/> the primary, one epoch on.</summary>
    public GroupConfiguration Promote(string primary, IReadOnlyList<GroupMember> members) => new(Epoch + 1, primary, members);

    /// <summary>The bytes of a log entry (and of a snapshot): the configuration as JSON.</summary>
    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, FailoverJson.Default.GroupConfiguration);

    /// <summary>A configuration read back from <see cref="ToBytes"/>; throws <see cref="JsonException"/> on anything else.</summary>
    public static GroupConfiguration FromBytes(ReadOnlySpan<byte> bytes) =>
        JsonSerializer.Deserialize(bytes, FailoverJson.Default.GroupConfiguration) ?? throw new JsonException("A failover configuration entry was empty.");

    /// <summary>
    /// The replica to promote among those that answered: the most up to date (the highest applied
    /// offset), then the lowest priority number, then the smallest id — Sentinel's rules, offset
    /// first. Members with priority 0 are never chosen. Null when none qualifies.
    /// </summary>
    public static NodeStatus? ChooseCandidate(IEnumerable<NodeStatus> answered) =>
        answered.Where(s => s.Priority > 0 && !s.Loading)
            .OrderByDescending(s => s.Offset)
            .ThenBy(s => s.Priority)
            .ThenBy(s => s.Id, StringComparer.Ordinal)
            .FirstOrDefault();
}

/// <summary>A member of the group: its id and the base URL the others and clients reach it at.</summary>
internal sealed record GroupMember(string Id, string Url);

/// <summary>
/// What a member tells the coordinator on each heartbeat: its id, its replication state and its
/// applied offset (the coordinator's measure of how up to date it is), its priority, and which
/// configuration epoch it has applied.
/// </summary>
/// <param name="Id">The member's id.</param>
/// <param name="Role"><c>master</c> or <c>slave</c>, as ROLE says.</param>
/// <param name="Offset">The replication offset it has applied (a primary: all it committed).</param>
/// <param name="ReplicationId">Its history's id (<c>master_replid</c>).</param>
/// <param name="Priority">Its <c>Failover:Priority</c>.</param>
/// <param name="Epoch">The configuration epoch it has applied.</param>
/// <param name="Loading">Whether it is still loading its data (not a candidate then).</param>
/// <param name="HasLease">Whether it holds the primary's write lease now.</param>
internal sealed record NodeStatus(string Id, string Role, long Offset, string ReplicationId, int Priority, long Epoch, bool Loading, bool HasLease);

/// <summary>The coordinator's heartbeat to a member: the committed configuration's epoch and primary, and the leader's Raft term.</summary>
internal sealed record Heartbeat(long Epoch, string Primary, long Term);

/// <summary>The coordinator's request that the primary of <paramref name="Epoch"/> pause its writes for <paramref name="Milliseconds"/> (0: resume).</summary>
internal sealed record PauseRequest(long Epoch, int Milliseconds);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PauseRequest))]
[JsonSerializable(typeof(Contracts.FailoverResult))]
[JsonSerializable(typeof(Contracts.FailoverRequest))]
[JsonSerializable(typeof(GroupConfiguration))]
[JsonSerializable(typeof(NodeStatus))]
[JsonSerializable(typeof(Heartbeat))]
internal sealed partial class FailoverJson : JsonSerializerContext;
