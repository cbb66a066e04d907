using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Lodestone.Api.Infrastructure;

/// <summary>CORS for browser clients: only the configured origins (none by default).</summary>
internal static class Cors
{
    /// <summary>
    /// How long a browser may reuse a preflight's answer. The policy changes only with a restart;
    /// two hours is Chromium's ceiling (Firefox allows 24), so one preflight serves a page for as long
    /// as any browser lets it, instead of one before nearly every write (the default is 5 seconds).
    /// </summary>
    public static readonly TimeSpan PreflightMaxAge = TimeSpan.FromHours(2);

    /// <summary>
    /// Response headers browser code may read: they carry data (ETag for If-Match, the TTL, a created
    /// key's Location, the command endpoint's sync token, how many replicas acknowledged a write) or
    /// tell a client when to retry.
    /// </summary>
    public static readonly string[] ExposedHeaders =
        [HeaderNames.ETag, HeaderNames.Location, "Lodestone-Ttl-Ms", UpstashErrors.SyncTokenHeader, ReplicaWait.ResponseHeader, HeaderNames.RetryAfter, "RateLimit", "RateLimit-Policy",
            ReplicaReads.OffsetHeader, ReplicaReads.LagHeader];

    public static IServiceCollection AddLodestoneCors(this IServiceCollection services, IConfiguration configuration)
    {
        var origins = Origins(configuration);
        services.AddCors(options => options.AddDefaultPolicy(policy =>
        {
            if (origins.Length == 0)
                return;
            policy.WithOrigins(origins)
                .AllowAnyHeader()
                .AllowAnyMethod()
                .SetPreflightMaxAge(PreflightMaxAge)
                .WithExposedHeaders(ExposedHeaders);
        }));
        services.Replace(ServiceDescriptor.Transient<ICorsService, OriginVariedOnce>());
        return services;
    }

    /// <summary>
    /// The CORS middleware, when origins are configured. With none it would only find, for every
    /// request, an empty policy (resolving its provider from a request scope).
    /// </summary>
    public static IApplicationBuilder UseLodestoneCors(this IApplicationBuilder app, IConfiguration configuration) =>
        Origins(configuration).Length == 0 ? app : app.Use(VaryByOrigin).UseCors();

    /// <summary>
    /// Whether a response may be read cross-origin depends on the request's Origin, so every response
    /// says so (<c>Vary: Origin</c>), those to requests without an Origin too: a shared cache must not
    /// hand a same-origin answer (no CORS headers) to a page on an allowed origin, nor one origin's
    /// answer to another.
    /// </summary>
    private static Task VaryByOrigin(HttpContext context, RequestDelegate next)
    {
        context.Response.Headers.Append(HeaderNames.Vary, HeaderNames.Origin);
        return next(context);
    }

    // Only this key: binding the whole section here, while services are still being added, would fail on
    // any other malformed Http setting before validation could name it.
    private static string[] Origins(IConfiguration configuration) =>
        configuration.GetSection($"{HttpSettings.Section}:{nameof(HttpSettings.CorsOrigins)}").Get<string[]>() ?? [];

    /// <summary>The framework's CORS, less its own <c>Vary: Origin</c> (with two or more origins), which <see cref="VaryByOrigin"/> already sent.</summary>
    private sealed class OriginVariedOnce(IOptions<CorsOptions> options, ILoggerFactory loggerFactory) : CorsService(options, loggerFactory)
    {
        public override void ApplyResult(CorsResult result, HttpResponse response)
        {
            result.VaryByOrigin = false;
            base.ApplyResult(result, response);
        }
    }
}
