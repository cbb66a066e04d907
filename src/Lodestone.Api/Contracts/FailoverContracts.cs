namespace Lodestone.Api.Contracts;

/// <summary>Where the primary is, and who else is there (GET /topology): what a client needs to send writes to the primary and reads anywhere.</summary>
/// <param name="Group">Whether this node is a member of a failover group; false for a lone primary or a replica set up by hand.</param>
/// <param name="Epoch">The group's configuration epoch (grows with every failover); 0 outside a group, or before the group chose its first primary.</param>
/// <param name="Self">This node's member id in the group; null outside one.</param>
/// <param name="Primary">The primary's base URL as far as this node knows; null while a group has none yet.</param>
/// <param name="Leader">The base URL of the group's Raft leader (the coordinator), or null outside a group or while none is elected.</param>
/// <param name="Members">Every member: its id, base URL and role. Outside a group: this node alone (id empty).</param>
public sealed record Topology(bool Group, long Epoch, string? Self, string? Primary, string? Leader, IReadOnlyList<TopologyMember> Members);

/// <summary>A member of the topology.</summary>
/// <param name="Id">Its member id; empty outside a group.</param>
/// <param name="Url">Its base URL.</param>
/// <param name="Role">primary or replica.</param>
public sealed record TopologyMember(string Id, string Url, string Role);

/// <summary>A manual failover (POST /admin/failover).</summary>
/// <param name="To">The member id to promote; null or absent: the most up-to-date replica.</param>
/// <param name="TimeoutMs">How long writes may pause while the new primary catches up (100–60000; default 5000). Past it, the failover is abandoned and the primary takes writes again.</param>
public sealed record FailoverRequest(string? To = null, int? TimeoutMs = null);

/// <summary>What a manual failover did.</summary>
/// <param name="Epoch">The new configuration's epoch.</param>
/// <param name="Primary">The promoted member's id.</param>
/// <param name="Previous">The id of the member that was primary.</param>
/// <param name="Offset">The offset the old primary had committed when its writes paused; the new primary had applied it before it took over.</param>
/// <param name="WritesPausedMs">How long writes were refused (TRYAGAIN), from the pause until the new primary held its lease.</param>
public sealed record FailoverResult(long Epoch, string Primary, string Previous, long Offset, long WritesPausedMs);
