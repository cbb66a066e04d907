using System.Security.Cryptography;
using System.Text;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Http;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Failover;

/// <summary>
/// Failover in the host. With <c>Failover:Members</c> set, the node embeds a Raft member
/// (DotNext.AspNetCore.Cluster) on its own HTTP port: the group's configuration lives in Raft's log
/// (<see cref="GroupStateMachine"/>), the leader coordinates (<see cref="FailoverCoordinator"/>) and
/// each member follows the configuration and holds the primary's lease (<see cref="FailoverNode"/>).
/// Node-to-node traffic — Raft's messages and the coordinator's heartbeats — is answered ahead of
/// the API's pipeline (no API keys, rate limits or protected mode there) and only with the cluster
/// key in <see cref="KeyHeader"/>.
/// </summary>
internal static class FailoverHosting
{
    /// <summary>The header every member presents with <c>Failover:ClusterKey</c>.</summary>
    public const string KeyHeader = "Lodestone-Cluster-Key";

    /// <summary>The node-to-node routes' prefix.</summary>
    private const string InternalPrefix = "/failover";

    /// <summary>The coordinator's heartbeat to a member.</summary>
    public const string HeartbeatPath = InternalPrefix + "/heartbeat";

    /// <summary>The coordinator's request that the primary pause its writes (a manual failover's first step).</summary>
    public const string PausePath = InternalPrefix + "/pause";

    /// <summary>A manual failover, asked of the leader by the member that took the admin's request.</summary>
    public const string ManualPath = InternalPrefix + "/manual";

    /// <summary>DotNext's path for Raft's messages (its default).</summary>
    private const string RaftPath = "/cluster-consensus/raft";

    /// <summary>The named HTTP client DotNext's Raft member sends with (its default name).</summary>
    private const string RaftClient = "raftClient";

    public static IServiceCollection AddLodestoneFailover(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(FailoverSettings.Section);
        services.AddSingleton<IValidateOptions<FailoverSettings>, SettingsCheck>();
        services.AddOptions<FailoverSettings>()
            .Bind(section)
            .Validate(s => !s.Enabled || string.IsNullOrWhiteSpace(configuration[$"{ReplicationSettings.Section}:PrimaryOf"]),
                "Replication:PrimaryOf must be empty on a member of a failover group: the group decides who follows whom.")
            .ValidateOnStart();
        var settings = section.Get<FailoverSettings>() ?? new FailoverSettings();
        // An unusable section stops the start (above, with its reason); nothing of Raft is set up for it.
        if (!settings.Enabled || settings.Problem() is not null)
            return services;
        var self = settings.Self;
        var persistence = configuration.GetSection(PersistenceHosting.Section).Get<PersistenceOptions>() ?? new PersistenceOptions();
        var directory = Path.Combine(persistence.DataDirectory, "failover");
        var storage = new FailoverStorage(directory);
        services.AddSingleton(storage);
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService)).ToList();
        services.ConfigureLocalNode(member =>
        {
            member.PublicEndPoint = new Uri(self.BaseUrl);
            member.LowerElectionTimeout = settings.ElectionTimeoutMs;
            member.UpperElectionTimeout = settings.ElectionTimeoutMs * 2;
            member.ColdStart = false;
            member.IsLeaderLeaseEnabled = true;
        });
        // The Raft member runs as a hosted service that must be stopped once: a second stop (a host
        // stopped twice, as the test host is) throws from inside DotNext once it has been disposed.
        if (services.Where(d => d.ServiceType == typeof(IHostedService)).Except(hosted).SingleOrDefault() is { ImplementationFactory: { } raftMember } registered)
        {
            services.Remove(registered);
            services.AddHostedService(provider => new StoppedOnce((IHostedService)raftMember(provider)));
        }
        services.UseInMemoryConfigurationStorage(members =>
        {
            foreach (var member in settings.Members)
            {
                members.Add(new UriEndPoint(new Uri(member.BaseUrl)));
            }
        });
        services.UseStateMachine<GroupStateMachine>(new WriteAheadLog.Options { Location = storage.Log });
        var key = settings.ClusterKey;
        services.AddHttpClient(RaftClient).AddHttpMessageHandler(() => new ClusterKeyHandler(key));
        services.AddHttpClient(FailoverCoordinator.Client).AddHttpMessageHandler(() => new ClusterKeyHandler(key));
        services.AddSingleton<FailoverCoordinator>();
        services.AddHostedService(provider => provider.GetRequiredService<FailoverCoordinator>());
        services.AddSingleton<FailoverNode>();
        services.AddHostedService(provider => provider.GetRequiredService<FailoverNode>());
        return services;
    }

    /// <summary>The members of <paramref name="configuration"/>, or the configured ones before the first configuration is committed.</summary>
    public static IReadOnlyList<GroupMember> MembersOf(GroupConfiguration configuration, FailoverSettings settings) =>
        configuration.Members.Count > 0 ? configuration.Members : [.. settings.Members.Select(m => new GroupMember(m.Id, m.BaseUrl))];

    /// <summary>The Raft leader's base URL, or null while there is none.</summary>
    public static string? LeaderUrl(this IRaftCluster raft) =>
        raft.Leader?.EndPoint is UriEndPoint leader ? leader.Uri.GetLeftPart(UriPartial.Authority) : null;

    /// <summary>Reads the configuration this member applied last (before it serves): it starts from where it was.</summary>
    public static async Task RestoreFailoverStateAsync(this WebApplication app)
    {
        if (app.Services.GetService<GroupStateMachine>() is not null)
            await app.RestoreStateAsync<GroupStateMachine>();
    }

    /// <summary>
    /// Raft's messages and the coordinator's heartbeats, answered here and nowhere else in the
    /// pipeline, to a caller with the cluster key.
    /// </summary>
    public static WebApplication UseLodestoneFailover(this WebApplication app)
    {
        if (app.Services.GetService<FailoverNode>() is not { } node)
            return app;
        var key = Encoding.UTF8.GetBytes(app.Services.GetRequiredService<IOptions<FailoverSettings>>().Value.ClusterKey);
        app.UseWhen(context => context.Request.Path.StartsWithSegments(RaftPath) || context.Request.Path.StartsWithSegments(InternalPrefix),
            branch => branch.Use((context, next) => Presents(context.Request, key) ? next(context)
                : Problems.Of(ErrorKind.NoPermission, $"Node-to-node requests need the group's cluster key in {KeyHeader}.", "NOAUTH").ExecuteAsync(context)));
        app.UseConsensusProtocolHandler();
        var coordinator = app.Services.GetRequiredService<FailoverCoordinator>();
        Internal(app, HeartbeatPath, FailoverJson.Default.Heartbeat, (heartbeat, _) =>
            Task.FromResult(Results.Json(node.Heard(heartbeat), FailoverJson.Default.NodeStatus)));
        Internal(app, PausePath, FailoverJson.Default.PauseRequest, async (pause, _) =>
            Results.Json(await node.PauseAsync(pause.Epoch, pause.Milliseconds), FailoverJson.Default.NodeStatus));
        Internal(app, ManualPath, FailoverJson.Default.FailoverRequest, async (request, aborted) =>
        {
            var (done, refused) = await coordinator.ManualAsync(request.To, TimeSpan.FromMilliseconds(request.TimeoutMs ?? DefaultManualTimeoutMs), aborted);
            return done is not null ? Results.Json(done, FailoverJson.Default.FailoverResult) : refused!;
        });
        return app;
    }

    /// <summary>How long a manual failover may pause writes when the request does not say.</summary>
    public const int DefaultManualTimeoutMs = 5000;

    /// <summary>A node-to-node POST route: its JSON body, then <paramref name="handle"/>'s answer.</summary>
    private static void Internal<T>(IApplicationBuilder app, string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> body, Func<T, CancellationToken, Task<IResult>> handle) where T : class =>
        app.Map(path, branch => branch.Run(async context =>
        {
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }
            T? request;
            try
            {
                request = await context.Request.ReadFromJsonAsync(body, context.RequestAborted);
            }
            catch (Exception invalid) when (invalid is System.Text.Json.JsonException or InvalidOperationException)
            {
                request = null;
            }
            var answer = request is null
                ? Problems.Of(ErrorKind.BadRequest, $"The body of {path} is a JSON {typeof(T).Name}.")
                : await handle(request, context.RequestAborted);
            await answer.ExecuteAsync(context);
        }));

    private static bool Presents(HttpRequest request, byte[] key) =>
        request.Headers[KeyHeader] is [{ } presented] && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), key);

    /// <summary>The section's own checks, each failure with its reason.</summary>
    private sealed class SettingsCheck : IValidateOptions<FailoverSettings>
    {
        public ValidateOptionsResult Validate(string? name, FailoverSettings options) =>
            options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }

    /// <summary>
    /// A hosted service whose stop runs once, however many times the host asks, and ends quietly when
    /// the service was disposed while it stopped (a host with two owners, as the test host, stops on
    /// one thread and disposes on another): then there is nothing left to stop.
    /// </summary>
    private sealed class StoppedOnce(IHostedService inner) : IHostedService
    {
        private int _stopped;

        public Task StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0)
                return;
            try
            {
                await inner.StopAsync(cancellationToken);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Adds the cluster key to every request a member sends to the others.</summary>
    private sealed class ClusterKeyHandler(string key) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation(KeyHeader, key);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
