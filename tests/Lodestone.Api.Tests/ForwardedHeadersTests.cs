using System.Net;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// X-Forwarded-For names the client only when the connection comes from a configured proxy
/// (Http:ForwardedHeaders:KnownProxies / KnownNetworks) — also with ASP.NET Core's own
/// <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c>, which on its own would believe every peer.
/// Protected mode and the rate limiter both judge the address that results. <see cref="FakePeer"/>
/// plays the connection's peer address, set before any middleware runs.
/// </summary>
public sealed class ForwardedHeadersTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string FrameworkSwitch = "ForwardedHeaders_Enabled"; // what ASPNETCORE_FORWARDEDHEADERS_ENABLED sets
    private const string Proxy = "10.0.0.5";

    private static HttpRequestMessage Ping(string peer, string forwardedFor)
    {
        var request = FakePeer.From(peer, HttpMethod.Post, "/commands", Json("""["PING"]"""));
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    /// <summary>A read of a key no one wrote: 404 for a client protected mode serves, 403 DENIED for one it refuses.</summary>
    private static HttpRequestMessage ReadMissingKey(string? peer, string forwardedFor)
    {
        var url = Strings(ApiFactory.Key());
        var request = peer is null ? new HttpRequestMessage(HttpMethod.Get, url) : FakePeer.From(peer, HttpMethod.Get, url);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    [Fact]
    public async Task With_the_framework_switch_on_a_remote_client_cannot_pass_protected_mode_by_claiming_loopback()
    {
        using var host = FakePeer.Host(factory, (FrameworkSwitch, "true"));

        var response = await host.CreateCheckedClient().SendAsync(Ping("203.0.113.7", "127.0.0.1"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task With_the_framework_switch_on_and_a_proxy_configured_other_peers_are_still_not_believed()
    {
        using var host = FakePeer.Host(factory, (FrameworkSwitch, "true"), ("Http:ForwardedHeaders:KnownProxies:0", Proxy));
        var client = host.CreateCheckedClient();

        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Ping("203.0.113.7", "127.0.0.1"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Ping(Proxy, "127.0.0.1"))).StatusCode);
    }

    [Fact]
    public async Task Behind_a_configured_proxy_protected_mode_judges_the_client_the_proxy_names()
    {
        using var host = FakePeer.Host(factory, ("Http:ForwardedHeaders:KnownProxies:0", Proxy));
        var client = host.CreateCheckedClient();

        await client.SendAsync(ReadMissingKey(Proxy, "203.0.113.7")).Problem(HttpStatusCode.Forbidden, "DENIED");
        await client.SendAsync(ReadMissingKey(Proxy, "127.0.0.1")).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Behind_a_proxy_on_the_same_host_a_remote_client_is_not_taken_for_a_local_one()
    {
        // The test client connects over loopback: it plays a reverse proxy on the service's own host.
        using var host = FakePeer.Host(factory, ("Http:ForwardedHeaders:KnownProxies:0", "127.0.0.1"), ("Http:ForwardedHeaders:KnownProxies:1", "::1"));
        var client = host.CreateCheckedClient();

        await client.SendAsync(ReadMissingKey(peer: null, "203.0.113.7")).Problem(HttpStatusCode.Forbidden, "DENIED");
        await client.GetAsync(Strings(ApiFactory.Key())).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_proxy_in_a_known_network_is_believed_and_a_chain_of_listed_proxies_is_followed()
    {
        using var host = FakePeer.Host(factory, ("Http:ForwardedHeaders:KnownNetworks:0", "10.20.0.0/16"));
        var client = host.CreateCheckedClient();

        // The client, then a first proxy; the peer is the second proxy. Both proxies are in the range.
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Ping("10.20.0.1", "127.0.0.1, 10.20.0.2"))).StatusCode);
        // Entries left of the first address that is not a proxy were written by the client: they prove nothing.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Ping("10.20.0.1", "127.0.0.1, 203.0.113.7, 10.20.0.2"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Ping("10.21.0.1", "127.0.0.1"))).StatusCode);
    }
}

/// <summary>The rate limiter's buckets per client address follow the same rule: only a configured proxy names the client.</summary>
public sealed class ForwardedHeadersRateLimitingTests(RateLimitedApiFactory factory) : IClassFixture<RateLimitedApiFactory>
{
    private static string NewAddress() => $"198.51.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";

    private static HttpRequestMessage Keys(string peer, string forwardedFor)
    {
        var request = FakePeer.From(peer, HttpMethod.Get, "/keys");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    [Fact]
    public async Task With_the_framework_switch_on_rotating_forwarded_for_does_not_escape_the_bucket()
    {
        using var host = FakePeer.Host(factory, ("ForwardedHeaders_Enabled", "true"));
        var client = host.CreateCheckedClient();
        var address = NewAddress();

        // The anonymous bucket holds 3 (RateLimitedApiFactory); each request claims another client.
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Keys(address, NewAddress()))).StatusCode);

        await client.SendAsync(Keys(address, NewAddress())).Problem(HttpStatusCode.TooManyRequests, "RATELIMITED");
    }

    [Fact]
    public async Task Behind_a_proxy_in_a_known_network_each_forwarded_client_has_its_own_bucket()
    {
        using var host = FakePeer.Host(factory, ("Http:ForwardedHeaders:KnownNetworks:0", "10.30.0.0/16"));
        var client = host.CreateCheckedClient();
        var first = NewAddress();

        for (var i = 0; i < 3; i++)
            await client.SendAsync(Keys("10.30.1.1", first));

        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(Keys("10.30.2.2", first))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Keys("10.30.1.1", NewAddress()))).StatusCode);
    }
}
