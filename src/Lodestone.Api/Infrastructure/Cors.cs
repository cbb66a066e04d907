namespace Lodestone.Api.Infrastructure;

/// <summary>CORS for browser clients: only the configured origins (none by default).</summary>
public static class Cors
{
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
                // Browsers hide response headers from scripts unless exposed; these carry data.
                .WithExposedHeaders("ETag", "Location", "Lodestone-Ttl-Ms", "Retry-After", "RateLimit", "RateLimit-Policy");
        }));
        return services;
    }

    /// <summary>
    /// The CORS middleware, when origins are configured. With none it would only find, for every
    /// request, an empty policy (resolving its provider from a request scope).
    /// </summary>
    public static IApplicationBuilder UseLodestoneCors(this IApplicationBuilder app, IConfiguration configuration) =>
        Origins(configuration).Length == 0 ? app : app.UseCors();

    private static string[] Origins(IConfiguration configuration) =>
        configuration.GetSection(HttpSettings.Section).Get<HttpSettings>()?.CorsOrigins ?? [];
}
