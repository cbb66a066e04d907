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
        // raw request target, which only a real server preserves (TestServer unescapes %2F).
        UseKestrel(0);
    }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Http:MaxRequestBodyBytes", "1048576");
        builder.UseSetting("Engine:ProtoMaxBulkLen", "65536");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
        });
        foreach (var (key, value) in Settings)
            builder.UseSetting(key, value);
    }

    /// <summary>Settings a derived fixture adds on top of the defaults above.</summary>
    protected virtual IEnumerable<(string Key, string Value)> Settings => [];

    /// <summary>A key no other test uses.</summary>
    public static string Key(string name = "k") => $"t{Guid.NewGuid():N}:{name}";
}
