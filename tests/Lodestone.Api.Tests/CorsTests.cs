using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>Browsers may call the API only from the origins in Http:CorsOrigins - none by default.</summary>
public sealed class CorsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string AppOrigin = "https://app.example";

    // Also starts the fixture's server, which a factory derived with WithWebHostBuilder needs before
    // it can create clients when the server is Kestrel ("Server hasn't been initialized yet").
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task By_default_no_origin_is_allowed()
    {
        var preflight = await _client.SendAsync(Preflight(AppOrigin));
        var read = await _client.SendAsync(Request(HttpMethod.Get, "/health", null, ("Origin", AppOrigin)));

        Assert.Null(preflight.Header("Access-Control-Allow-Origin"));
        Assert.Null(preflight.Header("Access-Control-Allow-Methods"));
        Assert.Null(read.Header("Access-Control-Allow-Origin"));
        Assert.Null(read.Header("Vary"));
    }

    [Fact]
    public async Task A_configured_origin_passes_the_preflight_for_a_conditional_write()
    {
        using var configured = WithOrigin();
        var client = configured.CreateCheckedClient();

        var response = await client.SendAsync(Preflight(AppOrigin));

        Assert.True(response.IsSuccessStatusCode, $"Preflight answered {(int)response.StatusCode}.");
        Assert.Equal(AppOrigin, response.Header("Access-Control-Allow-Origin"));
        Assert.Contains("PUT", response.Header("Access-Control-Allow-Methods"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("if-match", response.Header("Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_preflight_answer_may_be_reused_for_two_hours()
    {
        using var configured = WithOrigin();

        var response = await configured.CreateCheckedClient().SendAsync(Preflight(AppOrigin));

        Assert.Equal("7200", response.Header("Access-Control-Max-Age"));
        Assert.Equal(["Origin"], response.Headers.Vary);
    }

    [Fact]
    public async Task Every_response_varies_by_origin_once_with_or_without_an_origin_and_with_several_origins_configured()
    {
        using var configured = factory.WithWebHostBuilder(builder => builder
            .UseSetting("Http:CorsOrigins:0", AppOrigin)
            .UseSetting("Http:CorsOrigins:1", "https://other.example"));
        var client = configured.CreateCheckedClient();

        var withOrigin = await client.SendAsync(Request(HttpMethod.Get, "/health", null, ("Origin", AppOrigin)));
        var without = await client.GetAsync("/health");
        var otherOrigin = await client.SendAsync(Request(HttpMethod.Get, "/health", null, ("Origin", "https://evil.example")));
        var missing = await client.SendAsync(Request(HttpMethod.Get, Strings(ApiFactory.Key()), null, ("Origin", AppOrigin)));

        foreach (var response in new[] { withOrigin, without, otherOrigin, missing })
            Assert.Equal(["Origin"], response.Headers.Vary);
        Assert.Equal(AppOrigin, withOrigin.Header("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_configured_origin_can_read_the_etag_ttl_and_location_headers()
    {
        using var configured = WithOrigin();
        var client = configured.CreateCheckedClient();
        var key = ApiFactory.Key();

        var response = await client.SendAsync(Request(HttpMethod.Put, Strings(key), Json("""{"value":"v","ttlMs":1000}"""), ("Origin", AppOrigin)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(AppOrigin, response.Header("Access-Control-Allow-Origin"));
        var exposed = response.Header("Access-Control-Expose-Headers")!.Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("ETag", exposed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Lodestone-Ttl-Ms", exposed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Location", exposed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Retry-After", exposed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("RateLimit", exposed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("RateLimit-Policy", exposed, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_configured_origin_can_read_the_command_endpoints_sync_token()
    {
        using var configured = WithOrigin();
        var client = configured.CreateCheckedClient();

        var response = await client.SendAsync(Request(HttpMethod.Post, "/commands", Json("""["PING"]"""), ("Origin", AppOrigin)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(response.Header("upstash-sync-token"));
        Assert.Contains("upstash-sync-token", response.Header("Access-Control-Expose-Headers")!.Split(',', StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Another_origin_is_not_allowed_even_when_one_is_configured()
    {
        using var configured = WithOrigin();
        var client = configured.CreateCheckedClient();

        var preflight = await client.SendAsync(Preflight("https://evil.example"));
        var read = await client.SendAsync(Request(HttpMethod.Get, "/health", null, ("Origin", "https://evil.example")));

        Assert.Null(preflight.Header("Access-Control-Allow-Origin"));
        Assert.Null(read.Header("Access-Control-Allow-Origin"));
        Assert.Null(read.Header("Access-Control-Expose-Headers"));
    }

    private WebApplicationFactory<Program> WithOrigin() =>
        factory.WithWebHostBuilder(builder => builder.UseSetting("Http:CorsOrigins:0", AppOrigin));

    private static HttpRequestMessage Preflight(string origin) =>
        Request(HttpMethod.Options, Strings(ApiFactory.Key()), null,
            ("Origin", origin), ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "content-type,if-match"));
}
