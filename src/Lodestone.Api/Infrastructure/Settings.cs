namespace Lodestone.Api.Infrastructure;

/// <summary>Where configuration comes from.</summary>
public static class Settings
{
    /// <summary>
    /// The service's appsettings.json lives at the repository root and is copied next to the binary.
    /// The host already reads appsettings.json from the working directory; this adds the copy beside
    /// the binary underneath it, so <c>dotnet run --project src/Lodestone.Api</c> from anywhere, and
    /// the Docker image, read the same file. Environment variables (<c>Engine__Hz=20</c>) and the
    /// command line still override both.
    /// </summary>
    public static IConfigurationBuilder AddLodestoneSettings(this IConfigurationManager configuration)
    {
        var besideBinary = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var source = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = besideBinary,
            Optional = true,
            ReloadOnChange = false,
        };
        source.ResolveFileProvider();
        // Lowest priority: in front of every source the host added.
        configuration.Sources.Insert(0, source);
        return configuration;
    }
}
