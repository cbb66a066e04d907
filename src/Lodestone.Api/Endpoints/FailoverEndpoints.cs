using DotNext.Net.Cluster.Consensus.Raft;
using Lodestone.Api.Contracts;
using Lodestone.Api.Failover;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Errors;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>GET /topology</c>: the primary, the group's epoch and leader, and every member's role, for
/// clients that send writes to the primary and read anywhere. Readable with any key of the read
/// role (not under /admin). A member answers from the configuration it applied last.
/// <c>POST /admin/failover</c>: a manual failover of the node's group, run by the group's leader
/// (the member that takes the request passes it on).
/// </summary>
internal static class FailoverEndpoints
{
    public static IEndpointRouteBuilder MapFailover(this IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/failover", ManualFailover)
            .WithTags("Admin")
            .RequireApiKey(app, ApiKeys.AdminPolicy)
            .WithName("failover")
            .WithSummary("Manual failover of this node's failover group")
            .WithDescription("Pauses the primary's writes (TRYAGAIN), waits until the target — {\"to\":\"node-2\"}, or the most up-to-date replica — has applied everything it committed, " +
                "commits the new configuration (epoch + 1) and answers once the new primary takes writes: no acknowledged write is lost. " +
                "Past timeoutMs (default 5000) the failover is abandoned and the primary takes writes again (409). Outside a failover group: 409.")
            .WithMetadata(new OpenApiExamples("""{"to":"node-2","timeoutMs":5000}""", "{}"))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/topology", Get)
            .WithTags("Topology")
            .RequireApiKey(app)
            // ROLE's: the role a key needs here is the one ROLE needs (read), as the default-deny tests check.
            .ForCommand("ROLE", "getTopology")
            .WithDescription("Where the primary is: in a failover group, the committed configuration (epoch, primary) this node applied, the Raft leader and every member's role; " +
                "outside one, this node alone and the primary it follows, if any (what ROLE says). Writes sent to a replica are redirected (307) to the primary; refresh this after a 307 or a 503.");
        return app;
    }

    private static async Task<Results<Ok<FailoverResult>, ProblemHttpResult>> ManualFailover(FailoverRequest? request, HttpContext http)
    {
        var services = http.RequestServices;
        if (services.GetService<IRaftCluster>() is not { } raft || services.GetService<FailoverCoordinator>() is not { } coordinator)
            return Problems.Of(ErrorKind.Conflict, "This node is not a member of a failover group (Failover:Members): there is nothing to fail over to.");
        var timeoutMs = request?.TimeoutMs ?? FailoverHosting.DefaultManualTimeoutMs;
        if (timeoutMs is < 100 or > 60_000)
            return Problems.Of(ErrorKind.BadRequest, "timeoutMs must be between 100 and 60000.");
        if (request?.To is { } to && !FailoverMember.IsValidId(to))
            return Problems.Of(ErrorKind.BadRequest, "to must be a member id (letters, digits, '-' or '_').");
        var asked = new FailoverRequest(request?.To, timeoutMs);
        if (!raft.LeadershipToken.IsCancellationRequested)
        {
            var (done, refused) = await coordinator.ManualAsync(asked.To, TimeSpan.FromMilliseconds(timeoutMs), http.RequestAborted);
            return done is not null ? TypedResults.Ok(done) : refused!;
        }
        if (raft.LeaderUrl() is not { } leader)
            return Problems.Of(ErrorKind.Unavailable, "The group has no leader now (an election is under way); ask again.", "TRYAGAIN");
        // The leader runs it: this member passes the request on, with the cluster key.
        using var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(FailoverCoordinator.Client);
        client.Timeout = TimeSpan.FromMilliseconds(timeoutMs * 3L + 5000);
        try
        {
            using var response = await client.PostAsJsonAsync(leader + FailoverHosting.ManualPath, asked, FailoverJson.Default.FailoverRequest, http.RequestAborted);
            if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync(FailoverJson.Default.FailoverResult, http.RequestAborted) is { } result)
                return TypedResults.Ok(result);
            var detail = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>(http.RequestAborted);
            return Problems.Create(ProblemTable.ForStatus((int)response.StatusCode), detail?.Detail ?? $"The leader answered {(int)response.StatusCode}.", "FAILOVER");
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return Problems.Of(ErrorKind.Unavailable, $"The leader at {leader} did not answer: {failure.Message}", "TRYAGAIN");
        }
    }

    private static Topology Get(EngineClient engine, NodeAddress address, HttpContext http)
    {
        var services = http.RequestServices;
        if (services.GetService<GroupStateMachine>() is { } group && services.GetService<IRaftCluster>() is { } raft)
        {
            var settings = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FailoverSettings>>().Value;
            var applied = group.Current;
            return new Topology(true, applied.Epoch, settings.NodeId, applied.PrimaryMember?.Url, raft.LeaderUrl(),
                [.. FailoverHosting.MembersOf(applied, settings).Select(m => new TopologyMember(m.Id, m.Url, m.Id == applied.Primary ? "primary" : "replica"))]);
        }
        var replication = engine.Replication;
        var self = address.Announced;
        var primary = replication.IsReplica ? replication.PrimaryAnnouncedUrl ?? replication.PrimaryUrl : self;
        return new Topology(false, 0, null, primary, null, [new TopologyMember("", self, replication.IsReplica ? "replica" : "primary")]);
    }
}
