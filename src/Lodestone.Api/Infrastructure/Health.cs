using Lodestone.Engine.Execution;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lodestone.Api.Infrastructure;

/// <summary><c>/alive</c>: the process answers. <c>/health</c>: and the engine executes commands (a PING round trip).</summary>
internal static class Health
{
    private const string Ready = "ready";

    public static IServiceCollection AddLodestoneHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<EngineHealthCheck>("engine", tags: [Ready]);
        return services;
    }

    public static WebApplication MapLodestoneHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health").ExcludeFromDescription();
        app.MapHealthChecks("/alive", new() { Predicate = check => !check.Tags.Contains(Ready) }).ExcludeFromDescription();
        return app;
    }

    private sealed class EngineHealthCheck(Executor executor) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var ping = executor.ExecuteAsync("PING"u8.ToArray());
            var finished = await Task.WhenAny(ping, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken));
            if (finished != ping)
                return HealthCheckResult.Unhealthy("The engine did not answer PING within 2 seconds.");
            var reply = await ping;
            return reply.Kind == ReplyKind.SimpleString && reply.AsSimple() == "PONG"
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"The engine answered PING with {reply}.");
        }
    }
}
