using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>HEAD wherever GET works (RFC 9110 §9.3.2): the same status and headers, and no body.</summary>
public sealed class HeadRequestsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Head_on_a_string_answers_with_gets_status_and_headers_and_no_body()
    {
        var key = ApiFactory.Key();
        await _client.PutAsync(Strings(key), Json("""{"value":"hello","ttlMs":60000}"""));

        using var get = await _client.GetAsync(Strings(key));
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, Strings(key)));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Equal(get.ETag(), head.ETag());
        Assert.Equal("60000", head.Header("Lodestone-Ttl-Ms"));
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Head_on_raw_bytes_carries_the_content_length_get_sends()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "hello");

        using var get = await _client.SendAsync(Request(HttpMethod.Get, Strings(key), null, ("Accept", "application/octet-stream")));
        using var head = await _client.SendAsync(Request(HttpMethod.Head, Strings(key), null, ("Accept", "application/octet-stream")));

        Assert.Equal(5, get.Content.Headers.ContentLength);
        Assert.Equal(5, head.Content.Headers.ContentLength);
        Assert.Equal("application/octet-stream", head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Head_with_the_current_etag_in_if_none_match_is_304_as_get_is()
    {
        var key = ApiFactory.Key();
        var etag = (await _client.PutString(key, "v")).ETag();

        using var head = await _client.SendAsync(Request(HttpMethod.Head, Strings(key), null, ("If-None-Match", etag)));

        Assert.Equal(HttpStatusCode.NotModified, head.StatusCode);
        Assert.Equal(etag, head.ETag());
    }

    [Fact]
    public async Task Head_on_a_missing_key_is_404_with_gets_problem_type_and_no_body()
    {
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, Strings(ApiFactory.Key())));

        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal("application/problem+json", head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Every_get_route_answers_head_with_the_status_and_content_type_of_its_get()
    {
        var routes = GetRoutes();
        Assert.True(routes.Count > 30, $"only {routes.Count} GET routes enumerated");

        foreach (var url in routes)
        {
            var (getStatus, getType) = await StatusAndType(HttpMethod.Get, url);
            var (headStatus, headType) = await StatusAndType(HttpMethod.Head, url);

            Assert.True(getStatus == headStatus, $"{url}: GET {(int)getStatus}, HEAD {(int)headStatus}");
            Assert.True(getType == headType, $"{url}: GET {getType}, HEAD {headType}");
        }
    }

    [Theory]
    [InlineData("/keys", "GET, HEAD")]
    [InlineData("/strings/k", "DELETE, GET, HEAD, PUT")]
    public async Task A_405_lists_head_wherever_get_is_allowed(string path, string allow)
    {
        using var response = await _client.PostAsync(path, Json("{}"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Head_on_a_route_that_maps_head_itself_keeps_that_route()
    {
        var key = ApiFactory.Key();
        await _client.PutAsync($"/hashes/{Segment(key)}", Json("""{"fields":{"f":"v"}}"""));

        using var present = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/hashes/{Segment(key)}/fields/f"));
        using var absent = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/hashes/{Segment(key)}/fields/g"));

        Assert.Equal(HttpStatusCode.OK, present.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
    }

    [Fact]
    public async Task Head_on_an_event_stream_ends_after_its_headers_and_the_connection_serves_the_next_request()
    {
        using var oneConnection = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 })
        {
            BaseAddress = _client.BaseAddress,
            Timeout = TimeSpan.FromSeconds(10),
        };

        using var head = await oneConnection.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/admin/monitor"));
        using var next = await oneConnection.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("text/event-stream", head.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Head_on_a_stream_route_that_refuses_is_its_problem_and_the_connection_serves_the_next_request()
    {
        using var oneConnection = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 })
        {
            BaseAddress = _client.BaseAddress,
            Timeout = TimeSpan.FromSeconds(10),
        };

        // GET /channels streams only with ?pattern=; without, it is a 400 problem, not a stream to end at its headers.
        using var head = await oneConnection.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/channels"));
        using var next = await oneConnection.GetAsync("/health");

        Assert.Equal(HttpStatusCode.BadRequest, head.StatusCode);
        Assert.Equal("application/problem+json", head.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    private async Task<(HttpStatusCode Status, string? MediaType)> StatusAndType(HttpMethod method, string url)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        // Headers are enough, and a stream (the MONITOR route) never ends: do not wait for a GET's body.
        using var request = new HttpRequestMessage(method, url);
        // The replication stream is outside the public OpenAPI document and never ends: not read, not checked.
        if (url.StartsWith("/replication/", StringComparison.Ordinal))
            request.Options.Set(ContractCheckingHandler.Unchecked, true);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        if (method == HttpMethod.Head)
            Assert.Empty(await response.Content.ReadAsByteArrayAsync(cancel.Token));
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Every route that answers GET, from the app's own route table, with its parameters filled in.</summary>
    private List<string> GetRoutes() =>
        factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(HttpMethods.Get) == true)
            .Select(e => Url(e.RoutePattern))
            .ToList();

    private static string Url(RoutePattern pattern) => Http.UrlOf(pattern, "head");
}
