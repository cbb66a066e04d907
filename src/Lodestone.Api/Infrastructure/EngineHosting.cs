using Lodestone.Engine;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>Hosts the engine: options from the <c>Engine</c> section (validated at start), one executor for the process.</summary>
internal static class EngineHosting
{
    public const string Section = "Engine";

    /// <summary>The answer to a blocking command while the service stops.</summary>
    public static EngineError ServiceStopping { get; } = new(ErrorKind.Unavailable, "SHUTDOWN the service is stopping; try again");

    public static IServiceCollection AddLodestoneEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EngineOptions>()
            .Bind(configuration.GetSection(Section))
            .Validate(o => o.Hz is >= EngineOptions.HzMin and <= EngineOptions.HzMax,
                $"Engine:Hz must be between {EngineOptions.HzMin} and {EngineOptions.HzMax}.")
            .Validate(o => o.ProtoMaxBulkLen is >= 1 and <= int.MaxValue - 64, "Engine:ProtoMaxBulkLen must be between 1 and 2147483583 bytes.")
            .Validate(o => o.MaxBatchSize is >= 1 and <= 65536, "Engine:MaxBatchSize must be between 1 and 65536.")
            .Validate(o => o.ActiveExpireCyclePercent is >= 1 and <= 100, "Engine:ActiveExpireCyclePercent must be between 1 and 100.")
            .Validate(o => o.MaxMemoryBytes >= 0, "Engine:MaxMemoryBytes must not be negative (0 means no limit).")
            .Validate(o => MaxMemoryPolicies.TryParse(o.MaxMemoryPolicy, out _),
                $"Engine:MaxMemoryPolicy must be one of {string.Join(", ", MaxMemoryPolicies.All)}.")
            .Validate(o => o.MaxMemorySamples is >= EngineOptions.MaxMemorySamplesMin and <= EngineOptions.MaxMemorySamplesMax,
                $"Engine:MaxMemorySamples must be between {EngineOptions.MaxMemorySamplesMin} and {EngineOptions.MaxMemorySamplesMax}.")
            .Validate(o => o.SlowlogLogSlowerThan >= -1, "Engine:SlowlogLogSlowerThan must be -1 (off) or more microseconds.")
            .Validate(o => o.SlowlogMaxLen >= 0, "Engine:SlowlogMaxLen must not be negative.")
            .Validate(o => o.LatencyMonitorThreshold >= 0, "Engine:LatencyMonitorThreshold must not be negative (0 turns the latency monitor off).")
            .Validate(o => o.ReplBacklogSize is >= EngineOptions.MinReplBacklogSize and <= EngineOptions.MaxReplBacklogSize,
                $"Replication:BacklogBytes (or the older Engine:ReplBacklogSize) must be between {EngineOptions.MinReplBacklogSize} and {EngineOptions.MaxReplBacklogSize} bytes.")
            .Validate(o => o.PubSubHardLimitBytes > 0 && o.PubSubSoftLimitBytes > 0,
                "Engine:PubSubSoftLimitBytes and Engine:PubSubHardLimitBytes must be positive (a soft limit above the hard one never applies).")
            .Validate(o => o.PubSubSoftLimitSeconds >= 0, "Engine:PubSubSoftLimitSeconds must not be negative.")
            .Validate(o => o.PubSubMaxSubscriptionsPerClient > 0 && o.PubSubMaxSubscribers > 0,
                "Engine:PubSubMaxSubscriptionsPerClient and Engine:PubSubMaxSubscribers must be positive.")
            .ValidateOnStart();
        services.AddOptions<HttpSettings>()
            .Bind(configuration.GetSection(HttpSettings.Section))
            .Validate(o => o.MaxRequestBodyBytes > 0, "Http:MaxRequestBodyBytes must be positive.")
            .Validate(o => o.MaxResponseElements > 0, "Http:MaxResponseElements must be positive.")
            .Validate(o => o.MaxBlockingTimeoutSeconds is > 0 and <= 3600, "Http:MaxBlockingTimeoutSeconds must be between 0 and 3600.")
            .Validate(o => o.MaxConcurrentConnections > 0, "Http:MaxConcurrentConnections must be positive.")
            .Validate(o => o.MaxRequestHeadersTotalSize is >= 1024, "Http:MaxRequestHeadersTotalSize must be at least 1024 bytes.")
            .Validate(o => o.MaxRequestHeaderCount is >= 8, "Http:MaxRequestHeaderCount must be at least 8.")
            .Validate(o => o.MaxRequestLineSize is >= 1024, "Http:MaxRequestLineSize must be at least 1024 bytes.")
            .Validate(o => o.RequestHeadersTimeoutSeconds is > 0 and <= 3600, "Http:RequestHeadersTimeoutSeconds must be between 0 and 3600.")
            .Validate(o => o.KeepAliveTimeoutSeconds is > 0 and <= 3600, "Http:KeepAliveTimeoutSeconds must be between 0 and 3600.")
            .Validate(o => o.MinRequestBodyDataRateBytesPerSecond >= 0 && o.MinRequestBodyDataRateGraceSeconds > 0,
                "Http:MinRequestBodyDataRateBytesPerSecond must not be negative and Http:MinRequestBodyDataRateGraceSeconds must be positive.")
            .ValidateOnStart();
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>().Configure<IOptions<HttpSettings>>((kestrel, http) =>
        {
            // Set explicitly, not left to Kestrel's defaults, so they are visible, documented and validated.
            var limits = kestrel.Limits;
            var settings = http.Value;
            limits.MaxConcurrentConnections = settings.MaxConcurrentConnections;
            limits.MaxConcurrentUpgradedConnections = settings.MaxConcurrentConnections;
            limits.MaxRequestHeadersTotalSize = settings.MaxRequestHeadersTotalSize;
            limits.MaxRequestHeaderCount = settings.MaxRequestHeaderCount;
            limits.MaxRequestLineSize = settings.MaxRequestLineSize;
            limits.RequestHeadersTimeout = TimeSpan.FromSeconds(settings.RequestHeadersTimeoutSeconds);
            // Kestrel's own default is 130 s, and a connection that never sends a byte is held by this
            // timeout, not the header one: idle sockets would keep their connection slots for minutes.
            limits.KeepAliveTimeout = TimeSpan.FromSeconds(settings.KeepAliveTimeoutSeconds);
            limits.MinRequestBodyDataRate = settings.MinRequestBodyDataRateBytesPerSecond > 0
                ? new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(settings.MinRequestBodyDataRateBytesPerSecond, TimeSpan.FromSeconds(settings.MinRequestBodyDataRateGraceSeconds))
                : null;
        });
        services.AddOptions<CommandSettings>()
            .Bind(configuration.GetSection(CommandSettings.Section))
            .Validate(o => o.MaxRequestBodyBytes > 0, "Commands:MaxRequestBodyBytes must be positive.")
            .Validate(o => o.MaxArguments > 0, "Commands:MaxArguments must be positive.")
            .Validate(o => o.MaxReplyElements > 0, "Commands:MaxReplyElements must be positive.")
            .ValidateOnStart();
        services.AddOptions<RequestLoggingSettings>()
            .Bind(configuration.GetSection(RequestLoggingSettings.Section))
            .Validate(o => o.Format is "text" or "json", "RequestLogging:Format must be \"text\" or \"json\".")
            .Validate(o => o.SlowRequestMs >= 0, "RequestLogging:SlowRequestMs must not be negative.")
            .ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        // The container disposes the executor at shutdown, which stops the engine thread (queued
        // commands finish first); the log, created before it, is disposed after it and flushes.
        services.AddSingleton(sp =>
        {
            var executor = new Executor(
                sp.GetRequiredService<IOptions<EngineOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetServices<IEffectSink>(),
                sp.GetRequiredService<ILogger<Executor>>());
            ReplicationHosting.ApplyRole(sp, executor);
            if (PersistenceHosting.LoadsAtStart(sp))
                executor.BeginLoading();
            else
                executor.PauseLockGrants(); // memory only: every start may be a restart that forgot its locks
            // Stopping ends every wait (long polls, BLPOP on /commands, lock waits) with 503 at once:
            // shutdown never waits for their timeouts, and nothing parks after it began.
            sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => executor.EndWaits(ServiceStopping));
            return executor;
        });
        services.AddSingleton<EngineClient.Limits>();
        return services;
    }
}
