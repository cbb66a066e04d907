using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Lodestone.Api.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Lodestone.Api.Tests;

/// <summary>
/// Where the service listens. Every standard ASP.NET Core way of naming an address works
/// (<c>ASPNETCORE_HTTP_PORTS</c>, which the official .NET images set, <c>ASPNETCORE_URLS</c>,
/// <c>--urls</c>); with none of them it is http://localhost:8379. The process tests start the built
/// service from the test output directory, whose appsettings.json is the repository's.
/// </summary>
public sealed class ListeningAddressTests
{
    // Memory only, so these runs write no data files.
    private static readonly string[] InMemory = ["--Persistence:AppendOnly", "false"];

    [Fact]
    public async Task The_service_listens_on_the_port_ASPNETCORE_HTTP_PORTS_names()
    {
        var port = ServiceProcess.FreePort();

        using var service = await ServiceProcess.StartListeningAsync(port, InMemory, ("ASPNETCORE_HTTP_PORTS", Text(port)));

        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/health")).StatusCode);
        // The image's HEALTHCHECK runs the probe without a url: it follows the same variable.
        var (exitCode, output) = await Repository.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "Lodestone.Api.dll"), "healthcheck"],
            AppContext.BaseDirectory, TimeSpan.FromSeconds(30), [("ASPNETCORE_HTTP_PORTS", Text(port))]);
        Assert.True(exitCode == 0, $"The health probe failed: {output}");
    }

    [Fact]
    public async Task The_service_listens_where_ASPNETCORE_URLS_says()
    {
        var port = ServiceProcess.FreePort();

        using var service = await ServiceProcess.StartListeningAsync(port, InMemory, ("ASPNETCORE_URLS", $"http://127.0.0.1:{port}"));

        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task The_urls_option_on_the_command_line_wins_over_ASPNETCORE_HTTP_PORTS()
    {
        var port = ServiceProcess.FreePort();
        var ignoredPort = ServiceProcess.FreePort();

        using var service = await ServiceProcess.StartListeningAsync(port, ["--urls", $"http://127.0.0.1:{port}", .. InMemory],
            ("ASPNETCORE_HTTP_PORTS", Text(ignoredPort)));

        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/health")).StatusCode);
        using var other = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => other.ConnectAsync(IPAddress.Loopback, ignoredPort));
    }

    [Fact]
    public void With_no_address_configured_the_service_listens_on_localhost_port_8379()
    {
        var configuration = new ConfigurationManager();

        Lodestone.Api.Infrastructure.Settings.AddLodestoneSettings(configuration);

        Assert.Equal("http://localhost:8379", configuration["Urls"]);
    }

    [Theory]
    [InlineData("HTTP_PORTS", "8080")]
    [InlineData("HTTPS_PORTS", "8443")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:9000")]
    public void An_address_named_any_other_way_is_not_overridden_by_the_default_urls(string setting, string value)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection([new(setting, value)]);

        Lodestone.Api.Infrastructure.Settings.AddLodestoneSettings(configuration);

        Assert.Null(configuration["Urls"]);
        Assert.Equal(value, configuration[setting]);
    }

    [Fact]
    public void An_address_given_as_urls_is_kept()
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection([new("URLS", "http://0.0.0.0:9000")]);

        Lodestone.Api.Infrastructure.Settings.AddLodestoneSettings(configuration);

        Assert.Equal("http://0.0.0.0:9000", configuration["Urls"]);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
