using System.Net.Sockets;
using Lodestone.Api.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Tests;

/// <summary>
/// Idle connections are closed after Http:KeepAliveTimeoutSeconds (30 by default, not Kestrel's
/// 130): a connection that never starts a request is held by this timeout, not by the header timeout,
/// so without it a few hundred silent sockets keep their slots for minutes.
/// </summary>
public sealed class KeepAliveTests(KeepAliveTests.OneSecondKeepAlive factory) : IClassFixture<KeepAliveTests.OneSecondKeepAlive>
{
    /// <summary>The service with a keep-alive timeout of one second.</summary>
    public sealed class OneSecondKeepAlive : ApiFactory
    {
        protected override IEnumerable<(string Key, string Value)> Settings => [("Http:KeepAliveTimeoutSeconds", "1")];
    }

    [Fact]
    public void The_servers_keep_alive_timeout_comes_from_configuration()
    {
        factory.CreateClient().Dispose();

        var limits = factory.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        Assert.Equal(TimeSpan.FromSeconds(1), limits.KeepAliveTimeout);
    }

    [Fact]
    public void The_default_keep_alive_timeout_is_30_seconds()
    {
        var limits = KestrelLimitsFrom([]);

        Assert.Equal(TimeSpan.FromSeconds(30), limits.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), limits.RequestHeadersTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("3601")]
    public void A_keep_alive_timeout_out_of_range_stops_the_service_at_start_naming_the_setting(string seconds)
    {
        var invalid = Assert.Throws<OptionsValidationException>(() => KestrelLimitsFrom([new("Http:KeepAliveTimeoutSeconds", seconds)]));

        Assert.Contains("Http:KeepAliveTimeoutSeconds must be between 0 and 3600.", invalid.Failures);
    }

    [Fact]
    public async Task A_connection_that_never_sends_a_request_is_closed_after_the_keep_alive_timeout()
    {
        var address = factory.CreateClient().BaseAddress!;
        using var silent = new TcpClient();
        await silent.ConnectAsync(address.Host, address.Port);

        // Nothing is sent. Kestrel checks its timeouts once a second; 20 s is far inside its own 130 s default.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var read = await silent.GetStream().ReadAsync(new byte[1], deadline.Token);

        Assert.Equal(0, read);
    }

    /// <summary>Kestrel's limits as the service sets them from <paramref name="settings"/> (on top of the defaults).</summary>
    private static KestrelServerLimits KestrelLimitsFrom(KeyValuePair<string, string?>[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLodestoneEngine(configuration);
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IOptions<HttpSettings>>().Value;
        return provider.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
    }
}
