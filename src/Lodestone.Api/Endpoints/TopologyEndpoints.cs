using DotNext.Net.Cluster.Consensus.Raft;
using Lodestone.Api.Contracts;
using Lodestone.Api.Failover;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>GET /topology</c>: the primary, the group's epoch and leader, and every member's role, for
/// clients that send writes to the primary and read anywhere. Readable with any key of the read
/// role (not under /admin). A member answers from the configuration it applied last.
/// </summary>
internal static class TopologyEndpoints
{
    public static IEndpointRouteBuilder MapTopology(this IEndpointRouteBuilder app)
    {
        app.MapGet("/topology", Get)
            .WithTags("Topology")
            .RequireApiKey(app)
            .ForCommand("ROLE", "getTopology")
            .WithDescription("Where the primary is: in a failover group, the committed configuration (epoch, primary) this node applied, the Raft leader and every member's role; " +
                "outside one, this node alone and the primary it follows, if any. Writes sent to a replica are redirected (307) to the primary; refresh this after a 307 or a 503. Runs: ROLE (outside a group).");
        return app;
    }

    private static Topology Get(Executor executor, NodeAddress address, HttpContext http)
    {
        var services = http.RequestServices;
        if (services.GetService<GroupStateMachine>() is { } group && services.GetService<IRaftCluster>() is { } raft)
        {
            var settings = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FailoverSettings>>().Value;
            var applied = group.Current;
            var members = applied.Members.Count > 0 ? applied.Members : FailoverHosting.ConfiguredMembers(settings);
            return new Topology(true, applied.Epoch, settings.NodeId, applied.PrimaryMember?.Url, raft.Leader?.EndPoint is Microsoft.AspNetCore.Connections.UriEndPoint leader ? leader.Uri.GetLeftPart(UriPartial.Authority) : null,
                [.. members.Select(m => new TopologyMember(m.Id, m.Url, m.Id == applied.Primary ? "primary" : "replica"))]);
        }
        var replication = executor.Replication;
        var self = address.Announced;
        var primary = replication.IsReplica ? replication.PrimaryAnnouncedUrl ?? replication.PrimaryUrl : self;
        return new Topology(false, 0, null, primary, null, [new TopologyMember("", self, replication.IsReplica ? "replica" : "primary")]);
    }
}
