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
    }

    [Fact]
    public async Task A_configured_origin_passes_the_preflight_for_a_conditional_write()
    {
        using var configured = WithOrigin();
        var client = configured.CreateClient();

        var response = await client.SendAsync(Preflight(AppOrigin));

        Assert.True(response.IsSuccessStatusCode, $"Preflight answered {(int)response.StatusCode}.");
        Assert.Equal(AppOrigin, response.Header("Access-Control-Allow-Origin"));
        Assert.Contains("PUT", response.Header("Access-Control-Allow-Methods"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("if-match", response.Header("Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_configured_origin_can_read_the_etag_ttl_and_location_headers()
    {
        using var configured = WithOrigin();
        var client = configured.CreateClient();
        var key = ApiFactory.Key();

        var response = await client.SendAsync(Request(HttpMethod.Put, Strings(key), Json("""{"value":"v","ttlMs":1000}"""), ("Origin", AppOrigin)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(AppOrigin, response.Header("Access-Control-Allow-Origin"));
        var exposed = response.Header("Access-Control-Expose-Headers")!.Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("ETag", exposed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Lodestone-Ttl-Ms", exposed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Location", exposed, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Another_origin_is_not_allowed_even_when_one_is_configured()
    {
        using var configured = WithOrigin();
        var client = configured.CreateClient();

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
