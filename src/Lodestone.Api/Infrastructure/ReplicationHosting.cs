using Lodestone.Engine;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>The <c>Replication</c> configuration section.</summary>
internal sealed class ReplicationSettings
{
    public const string Section = "Replication";

    /// <summary>The primary's URL (<c>http://10.0.0.5:8379</c>) to start as its replica; empty: a primary.</summary>
    public string PrimaryOf { get; set; } = "";

    /// <summary>The API key this node presents to its primary: one of the <c>replica</c> role there.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Bytes of the replication backlog (Redis's <c>repl-backlog-size</c>); the older <c>Engine:ReplBacklogSize</c> still works when this is not set.</summary>
    public int? BacklogBytes { get; set; }

    /// <summary>Whether a replica refuses writes (Redis's <c>replica-read-only</c>).</summary>
    public bool ReadOnly { get; set; } = true;

    /// <summary>Redis's <c>min-replicas-to-write</c>: a primary refuses writes (NOREPLICAS) with fewer good replicas; 0 turns it off.</summary>
    public int MinReplicasToWrite { get; set; }

    /// <summary>Redis's <c>min-replicas-max-lag</c>: how many seconds old a good replica's last acknowledgement may be.</summary>
    public int MinReplicasMaxLagSeconds { get; set; } = 10;
    /// <summary>
    /// Whether a replica answers data commands while its link is down or a full sync arrives (Redis's
    /// <c>replica-serve-stale-data</c>); when false it answers MASTERDOWN, or LOADING during a full sync.
    /// </summary>
    public bool ServeStaleData { get; set; } = true;

    /// <summary>How long a request with an <c>upstash-sync-token</c> waits on a replica for that offset before 503 TRYAGAIN.</summary>
    public int ReadYourWritesWaitMs { get; set; } = 500;

    /// <summary>The URL this node tells others to reach it at (its replica peers' topology); empty: its first listen URL.</summary>
    public string AnnounceUrl { get; set; } = "";

    /// <summary>Whether <see cref="PrimaryOf"/> is empty or an absolute http(s) URL.</summary>
    public bool HasValidPrimary() =>
        string.IsNullOrWhiteSpace(PrimaryOf)
        || NodeAddress.IsHttpUrl(PrimaryOf, out _);
}

/// <summary>
/// Replication in the host: the section's settings (validated at start), the role the engine starts
/// in, and — when it is a replica — the client that follows the primary (<see cref="ReplicationClient"/>).
/// </summary>
internal static class ReplicationHosting
{
    public static IServiceCollection AddLodestoneReplication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReplicationSettings>()
            .Bind(configuration.GetSection(ReplicationSettings.Section))
            .Validate(o => o.HasValidPrimary(), "Replication:PrimaryOf must be empty or an absolute http(s) URL (http://host:port).")
            .Validate(o => o.ReadYourWritesWaitMs is >= 0 and <= 60_000, "Replication:ReadYourWritesWaitMs must be between 0 and 60000 ms.")
            .Validate(o => string.IsNullOrWhiteSpace(o.AnnounceUrl) || NodeAddress.IsHttpUrl(o.AnnounceUrl, out _),
                "Replication:AnnounceUrl must be empty or an absolute http(s) URL (http://host:port).")
            .Validate(o => o.BacklogBytes is null or (>= EngineOptions.MinReplBacklogSize and <= EngineOptions.MaxReplBacklogSize),
                $"Replication:BacklogBytes must be between {EngineOptions.MinReplBacklogSize} and {EngineOptions.MaxReplBacklogSize} bytes.")
            .Validate(o => o.MinReplicasToWrite >= 0, "Replication:MinReplicasToWrite must be 0 (off) or more.")
            .Validate(o => o.MinReplicasMaxLagSeconds >= 0, "Replication:MinReplicasMaxLagSeconds must be 0 or more seconds.")
            .ValidateOnStart();
        // One setting for the backlog: Replication:BacklogBytes, or the older Engine:ReplBacklogSize when only that is set.
        services.AddOptions<EngineOptions>().Configure<IOptions<ReplicationSettings>>((engine, replication) =>
        {
            if (replication.Value.BacklogBytes is { } bytes)
                engine.ReplBacklogSize = bytes;
        });
        services.AddSingleton<NodeAddress>();
        services.AddHostedService<ReplicationClient>();
        return services;
    }

    /// <summary>Puts the engine in its configured role before it loads (a replica neither expires nor evicts, from the first moment).</summary>
    public static void ApplyRole(IServiceProvider services, Executor executor)
    {
        var settings = services.GetRequiredService<IOptions<ReplicationSettings>>().Value;
        executor.Replication.ReadOnly = settings.ReadOnly;
        executor.Replication.MinReplicasToWrite = settings.MinReplicasToWrite;
        executor.Replication.MinReplicasMaxLagSeconds = settings.MinReplicasMaxLagSeconds;
        executor.Replication.ServeStaleData = settings.ServeStaleData;
        if (!string.IsNullOrWhiteSpace(settings.PrimaryOf))
            executor.Replication.Follow(new Uri(settings.PrimaryOf).GetLeftPart(UriPartial.Authority), executor.Time.GetUtcNow().ToUnixTimeMilliseconds());
    }
}

/// <summary>
/// The URL this node tells others to reach it at: <c>Replication:AnnounceUrl</c>, or else the first
/// address it listens on. A replica sends it to its primary; a primary sends it to its replicas, which
/// redirect writes there (307), so clients are sent where they can reach the primary.
/// </summary>
internal sealed class NodeAddress(IOptions<ReplicationSettings> settings, Microsoft.AspNetCore.Hosting.Server.IServer server)
{
    /// <summary>The response header of the replication stream that carries the primary's announced URL.</summary>
    public const string Header = "Lodestone-Announce-Url";

    /// <summary>The announced URL, without a trailing slash ("" when not configured and not listening yet).</summary>
    public string Announced =>
        settings.Value.AnnounceUrl is { Length: > 0 } configured ? configured.TrimEnd('/')
        : FirstListenUri() is { } uri ? uri.GetLeftPart(UriPartial.Authority) : "";

    /// <summary>Whether <paramref name="text"/> is an absolute http(s) URL (what nodes give one another), as <paramref name="url"/>.</summary>
    public static bool IsHttpUrl(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? url) =>
        Uri.TryCreate(text, UriKind.Absolute, out url) && url.Scheme is "http" or "https";

    /// <summary>The port of the first address this node listens on (0 when it cannot tell).</summary>
    public int ListeningPort => FirstListenUri()?.Port ?? 0;

    private Uri? FirstListenUri()
    {
        var address = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return address is not null && Uri.TryCreate(address.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri : null;
    }
}
