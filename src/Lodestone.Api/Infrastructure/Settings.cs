using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>Where configuration comes from.</summary>
internal static class Settings
{
    /// <summary>Where the service listens when nothing names an address: loopback only.</summary>
    public const string DefaultUrls = "http://localhost:8379";

    /// <summary>
    /// The service's appsettings.json lives at the repository root and is copied next to the binary.
    /// The host already reads appsettings.json from the working directory; this adds the copy beside
    /// the binary underneath it, so <c>dotnet run --project src/Lodestone.Api</c> from anywhere, and
    /// the Docker image, read the same file. Environment variables (<c>Engine__Hz=20</c>) and the
    /// command line still override both. Then the default address, <see cref="DefaultUrls"/>, when
    /// nothing else names one.
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
        // The default address is not in appsettings.json: a Urls there would outrank ASPNETCORE_URLS
        // (the host's variables rank below the settings file) and ASPNETCORE_HTTP_PORTS (the server
        // prefers Urls to ports whatever their source), which the official .NET images set.
        if (!NamesAnAddress(configuration))
            configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = [new("Urls", DefaultUrls)] });
        return configuration;
    }

    /// <summary>
    /// The messages of settings that failed validation — one options class
    /// (<see cref="OptionsValidationException"/>) or several at once (an <see cref="AggregateException"/>
    /// of them) — or null when <paramref name="exception"/> is some other failure.
    /// </summary>
    public static IEnumerable<string>? ValidationFailures(Exception exception) => exception switch
    {
        OptionsValidationException one => one.Failures,
        AggregateException many when many.InnerExceptions.All(e => e is OptionsValidationException) =>
            many.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures),
        // A value of the wrong type (Http:ResponseCompression=maybe): the binder's message names the setting and the type.
        InvalidOperationException unbindable when unbindable.TargetSite?.DeclaringType == typeof(ConfigurationBinder) => [unbindable.Message],
        _ => null,
    };

    /// <summary>
    /// Whether any source says where to listen: <c>Urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>,
    /// <c>Urls=</c>), <c>ASPNETCORE_HTTP_PORTS</c> / <c>ASPNETCORE_HTTPS_PORTS</c>, or Kestrel endpoints.
    /// </summary>
    private static bool NamesAnAddress(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["urls"])
        || !string.IsNullOrWhiteSpace(configuration["http_ports"])
        || !string.IsNullOrWhiteSpace(configuration["https_ports"])
        || configuration.GetSection("Kestrel:Endpoints").Exists();
}
