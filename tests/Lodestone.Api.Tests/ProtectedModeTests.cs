using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>Protected mode: with no API keys, only loopback clients are served (Redis's protected-mode).</summary>
public sealed class ProtectedModeTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Without_keys_a_remote_client_is_403_told_how_to_configure_keys_and_nothing_is_stored()
    {
        using var host = FakePeer.Host(factory);
        var client = host.CreateCheckedClient();
        var key = ApiFactory.Key();

        var response = await client.SendAsync(FakePeer.From("203.0.113.7", HttpMethod.Put, Strings(key), Json("""{"value":"v"}""")));

        var problem = await response.Problem(HttpStatusCode.Forbidden, "DENIED");
        Assert.Contains("Auth:ApiKeys", problem.Detail(), StringComparison.Ordinal);
        Assert.Contains("Auth:ProtectedMode", problem.Detail(), StringComparison.Ordinal);
        await client.GetAsync(Strings(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_command_endpoint_refuses_a_remote_client_with_an_upstash_error()
    {
        using var host = FakePeer.Host(factory);

        var response = await host.CreateCheckedClient().SendAsync(FakePeer.From("2001:db8::1", HttpMethod.Post, "/commands", Json("""["PING"]""")));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.StartsWith("DENIED", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task Loopback_clients_are_served(string address)
    {
        using var host = FakePeer.Host(factory);

        var response = await host.CreateCheckedClient().SendAsync(FakePeer.From(address, HttpMethod.Post, "/commands", Json("""["PING"]""")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Health_probes_from_elsewhere_are_served()
    {
        using var host = FakePeer.Host(factory);
        var client = host.CreateCheckedClient();

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(FakePeer.From("10.0.0.2", HttpMethod.Get, "/health"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(FakePeer.From("10.0.0.2", HttpMethod.Get, "/alive"))).StatusCode);
    }

    [Fact]
    public async Task Protected_mode_off_serves_remote_clients()
    {
        using var host = FakePeer.Host(factory, ("Auth:ProtectedMode", "false"));

        var response = await host.CreateCheckedClient().SendAsync(FakePeer.From("203.0.113.7", HttpMethod.Post, "/commands", Json("""["PING"]""")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Forwarded_for_cannot_pass_a_remote_client_off_as_loopback()
    {
        using var host = FakePeer.Host(factory);
        var request = FakePeer.From("203.0.113.7", HttpMethod.Post, "/commands", Json("""["PING"]"""));
        request.Headers.Add("X-Forwarded-For", "127.0.0.1");

        Assert.Equal(HttpStatusCode.Forbidden, (await host.CreateCheckedClient().SendAsync(request)).StatusCode);
    }
}

/// <summary>With keys configured, protected mode steps aside: the keys decide, wherever the client is.</summary>
public sealed class ProtectedModeWithKeysTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    [Fact]
    public async Task A_remote_client_with_a_key_is_served()
    {
        using var host = FakePeer.Host(factory);
        var request = FakePeer.From("203.0.113.7", HttpMethod.Post, "/commands", Json("""["PING"]"""));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SecuredApiFactory.ReadToken);

        Assert.Equal(HttpStatusCode.OK, (await host.CreateCheckedClient().SendAsync(request)).StatusCode);
    }
}
