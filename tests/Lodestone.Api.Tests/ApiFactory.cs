using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Api.Tests;

/// <summary>
/// The service in memory, on a fake clock (so TTLs are exact). Shared by the tests of a class:
/// each test owns its keys through <see cref="Key"/>.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>
{
    public ApiFactory()
    {
        // Real Kestrel on a free loopback port, not the in-memory TestServer: keys are bound from the
        // raw request target, which only a real server preserves (TestServer unescapes %2F). The port
        // comes from the Urls setting below, not UseKestrel(0): that rewrites the server's addresses
        // after the app has started binding them, a race that now and then fails a test's set-up
        // ("Addresses cannot be modified after the server has started", dotnet/aspnetcore#67714).
        UseKestrel();
    }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));

    /// <summary>This fixture's data directories (one per host it builds), removed when the fixture is disposed.</summary>
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "lodestone-api-tests-" + Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Urls", "http://127.0.0.1:0");
        builder.UseSetting("Http:MaxRequestBodyBytes", "1048576");
        builder.UseSetting("Engine:ProtoMaxBulkLen", "65536");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        // Each host gets its own log, including hosts derived with WithWebHostBuilder.
        builder.UseSetting("Persistence:DataDirectory", Path.Combine(DataDirectory, Guid.NewGuid().ToString("N")));
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
        });
        foreach (var (key, value) in Settings)
            builder.UseSetting(key, value);
    }

    /// <summary>Clients are handed out once the service has loaded its (empty) log, so no test sees 503 LOADING.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        var executor = Services.GetRequiredService<Lodestone.Engine.Execution.Executor>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (executor.IsLoading && DateTime.UtcNow < deadline)
            Thread.Sleep(5);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
            DeleteWhenQuiet(DataDirectory);
    }

    /// <summary>
    /// The service's own Main (<c>app.RunAsync</c>) also disposes the host, on its thread, and may still
    /// be writing its last files (the log's run-state) when the factory is done: retry for a moment.
    /// </summary>
    private static void DeleteWhenQuiet(string directory)
    {
        for (var attempt = 1; Directory.Exists(directory); attempt++)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Settings a derived fixture adds on top of the defaults above.</summary>
    protected virtual IEnumerable<(string Key, string Value)> Settings => [];

    /// <summary>A client whose every response is checked against the OpenAPI document (<see cref="ContractCheckingHandler"/>).</summary>
    public new HttpClient CreateClient() => this.CreateCheckedClient();

    /// <summary>An HTTP client that sends <paramref name="token"/> as its bearer token.</summary>
    public HttpClient ClientWith(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The settings of API key number <paramref name="index"/>, stored as its hash.</summary>
    protected static (string, string)[] ApiKey(int index, string name, string token, string role) =>
    [
        ($"Auth:ApiKeys:{index}:Name", name),
        ($"Auth:ApiKeys:{index}:Sha256", Lodestone.Api.Infrastructure.ApiKeys.Hash(token)),
        ($"Auth:ApiKeys:{index}:Role", role),
    ];

    /// <summary>A key no other test uses.</summary>
    public static string Key(string name = "k") => $"t{Guid.NewGuid():N}:{name}";
}
