namespace Lodestone.Api.Infrastructure;

/// <summary>
/// <c>dotnet Lodestone.Api.dll healthcheck [url]</c>: asks a running service for <c>/health</c> and
/// exits 0 when it is healthy. The container's HEALTHCHECK uses it, so the image needs no curl.
/// Without a url it probes the first port of <c>ASPNETCORE_HTTP_PORTS</c> (how the image sets its
/// port, so changing that variable moves the probe too), or 8379.
/// </summary>
internal static class HealthProbe
{
    public const string Verb = "healthcheck";

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Verb;

    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1] : $"http://127.0.0.1:{FirstHttpPort() ?? 8379}/health";
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await client.GetAsync(new Uri(url));
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"{url}: {exception.Message}");
            return 1;
        }
    }

    private static int? FirstHttpPort() =>
        Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS")?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is [var first, ..]
            && int.TryParse(first, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            ? port
            : null;
}
