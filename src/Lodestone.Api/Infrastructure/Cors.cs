namespace Lodestone.Api.Infrastructure;

/// <summary>CORS for browser clients: only the configured origins (none by default).</summary>
public static class Cors
{
    public static IServiceCollection AddLodestoneCors(this IServiceCollection services, IConfiguration configuration)
    {
        var origins = configuration.GetSection(HttpSettings.Section).Get<HttpSettings>()?.CorsOrigins ?? [];
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
}
