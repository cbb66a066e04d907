namespace Lodestone.Api.Failover;

/// <summary>
/// The <c>Failover</c> configuration section: the group of nodes this one belongs to, whose
/// configuration (members, primary, epoch) is kept by Raft among them. No members: no group, and
/// the node is a plain primary or replica as <c>Replication</c> says.
/// </summary>
internal sealed class FailoverSettings
{
    public const string Section = "Failover";

    /// <summary>This node's id in the group (one of <see cref="Members"/>).</summary>
    public string NodeId { get; set; } = "";

    /// <summary>Every member of the group, this node included: the addresses they reach one another at.</summary>
    public List<FailoverMember> Members { get; set; } = [];

    /// <summary>The key every member presents to the others (Raft's messages, the coordinator's heartbeats); nothing else is accepted there.</summary>
    public string ClusterKey { get; set; } = "";

    /// <summary>How long the primary may miss the coordinator's heartbeats before a replica is promoted (Sentinel's <c>down-after-milliseconds</c>).</summary>
    public int DownAfterMs { get; set; } = 5000;

    /// <summary>
    /// This node's claim to be promoted when candidates are equally up to date (Sentinel's
    /// <c>replica-priority</c>): lower is preferred; 0 means never promoted.
    /// </summary>
    public int Priority { get; set; } = 100;

    /// <summary>Raft's lower election timeout; the upper is twice it. A follower that hears nothing from the leader for this long stands for election.</summary>
    public int ElectionTimeoutMs { get; set; } = 500;

    /// <summary>Whether this node is in a failover group.</summary>
    public bool Enabled => Members.Count > 0;

    /// <summary>This node's own entry in <see cref="Members"/>.</summary>
    public FailoverMember Self => Members.First(m => m.Id == NodeId);

    /// <summary>What is wrong with the section, or null when it is usable (or absent).</summary>
    public string? Problem()
    {
        if (!Enabled)
            return null;
        if (Members.Any(m => !FailoverMember.IsValidId(m.Id)))
            return "Failover:Members: each member needs an Id of 1 to 64 letters, digits, '-' or '_'.";
        if (Members.Any(m => !Infrastructure.NodeAddress.IsHttpUrl(m.Url, out var url) || url.AbsolutePath != "/" || url.Query.Length > 0))
            return "Failover:Members: each member needs a Url that is its base http(s) URL (http://host:port).";
        if (Members.Select(m => m.Id).Distinct(StringComparer.Ordinal).Count() != Members.Count)
            return "Failover:Members: member ids must differ.";
        if (Members.Select(m => m.BaseUrl).Distinct(StringComparer.OrdinalIgnoreCase).Count() != Members.Count)
            return "Failover:Members: member urls must differ.";
        if (!Members.Any(m => m.Id == NodeId))
            return $"Failover:NodeId '{NodeId}' is not one of Failover:Members.";
        if (ClusterKey.Length < 16)
            return "Failover:ClusterKey must be set, at least 16 characters, the same on every member.";
        if (ElectionTimeoutMs is < 50 or > 60_000)
            return "Failover:ElectionTimeoutMs must be between 50 and 60000.";
        // The primary's lease (half of DownAfterMs) must end before a replica can be promoted, and a
        // cut-off leader must step down before then: see FailoverCoordinator.
        if (DownAfterMs < 4 * ElectionTimeoutMs)
            return "Failover:DownAfterMs must be at least four times Failover:ElectionTimeoutMs.";
        if (Priority < 0)
            return "Failover:Priority must be 0 (never promoted) or more.";
        return null;
    }
}

/// <summary>A member of the failover group as configured: its id and the base URL the others reach it at.</summary>
internal sealed class FailoverMember
{
    public string Id { get; set; } = "";

    public string Url { get; set; } = "";

    /// <summary>The URL as scheme, host and port (<c>http://10.0.0.5:8379</c>): how Raft, the group's configuration and clients name the member. Only for a valid <see cref="Url"/>.</summary>
    public string BaseUrl => new Uri(Url).GetLeftPart(UriPartial.Authority);

    /// <summary>Whether <paramref name="id"/> is usable as a member id.</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
