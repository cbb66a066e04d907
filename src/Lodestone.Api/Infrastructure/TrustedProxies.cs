using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Lodestone.Api.Infrastructure;

/// <summary>The <c>Http:ForwardedHeaders</c> configuration section: the reverse proxies in front of the service.</summary>
internal sealed class ForwardedHeadersSettings
{
    public const string Section = "Http:ForwardedHeaders";

    /// <summary>Addresses of proxies whose <c>X-Forwarded-For</c> names the client (10.0.0.5, ::1). Empty: none.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Ranges of such proxies, in CIDR notation (10.1.0.0/16). Empty: none.</summary>
    public List<string> KnownNetworks { get; set; } = [];
}

/// <summary>
/// Who the client is when the service sits behind reverse proxies. One list of trusted proxies —
/// <c>Http:ForwardedHeaders:KnownProxies</c> and <c>KnownNetworks</c>, plus the older
/// <c>RateLimiting:TrustedProxies</c> — drives ASP.NET Core's forwarded-headers middleware: a request
/// whose peer is on the list takes its client address (and scheme) from <c>X-Forwarded-For</c>
/// (<c>X-Forwarded-Proto</c>); any other request keeps its connection's own address. Protected mode
/// and the rate limiter then read <see cref="ConnectionInfo.RemoteIpAddress"/> and need no proxy
/// logic of their own.
/// </summary>
/// <remarks>
/// The framework's own switch, <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c>, runs the same middleware
/// with both lists cleared — and the middleware believes every peer when both lists are empty, so a
/// remote client could claim to be 127.0.0.1. The lists here are applied after the framework's set-up
/// (a post-configure), and with no proxy configured forwarding is turned off whoever enabled it.
/// A chain of proxies works when every one of them is listed: the client is the rightmost
/// <c>X-Forwarded-For</c> entry that is not itself a trusted proxy.
/// </remarks>
internal static class TrustedProxies
{
    /// <summary>The framework's switch (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>, or this key in any configuration source).</summary>
    private const string FrameworkSwitch = "ForwardedHeaders_Enabled";

    public static IServiceCollection AddLodestoneForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ForwardedHeadersSettings>()
            .Bind(configuration.GetSection(ForwardedHeadersSettings.Section))
            .Validate(s => s.KnownProxies.All(IsAddress), "Http:ForwardedHeaders:KnownProxies: each entry must be an IP address (10.0.0.5); put ranges in KnownNetworks.")
            .Validate(s => s.KnownNetworks.All(n => IPNetwork.TryParse(n, out _)), "Http:ForwardedHeaders:KnownNetworks: each entry must be a CIDR range (10.0.0.0/8).")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>()
            .PostConfigure<IOptions<ForwardedHeadersSettings>, IOptions<RateLimitingSettings>>((options, settings, rateLimiting) =>
            {
                options.KnownProxies.Clear();
                options.KnownIPNetworks.Clear();
                foreach (var entry in (IEnumerable<string>)[.. settings.Value.KnownProxies, .. settings.Value.KnownNetworks, .. rateLimiting.Value.TrustedProxies])
                {
                    if (IsAddress(entry))
                        options.KnownProxies.Add(IPAddress.Parse(entry));
                    else
                        options.KnownIPNetworks.Add(IPNetwork.Parse(entry));
                }
                if (options.KnownProxies.Count == 0 && options.KnownIPNetworks.Count == 0)
                {
                    // Empty lists mean "believe every peer" to the middleware: believe none.
                    options.ForwardedHeaders = ForwardedHeaders.None;
                    return;
                }
                options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                // Every hop must come from a listed proxy, so there is no need to stop after the last one.
                options.ForwardLimit = null;
            });
        return services;
    }

    /// <summary>
    /// Runs the forwarded-headers middleware first in the pipeline when proxies are configured —
    /// unless the framework's switch already put it there (with the lists above).
    /// </summary>
    public static IApplicationBuilder UseLodestoneForwardedHeaders(this IApplicationBuilder app)
    {
        var configuration = app.ApplicationServices.GetRequiredService<IConfiguration>();
        var options = app.ApplicationServices.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        if (options.ForwardedHeaders == ForwardedHeaders.None || string.Equals(configuration[FrameworkSwitch], "true", StringComparison.OrdinalIgnoreCase))
            return app;
        return app.UseForwardedHeaders();
    }

    /// <summary>A single address, not a range (IPAddress.Parse would take "::1/128" and drop the prefix).</summary>
    internal static bool IsAddress(string entry) => !entry.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(entry, out _);
}
