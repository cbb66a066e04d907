using System.Net;
using System.Text;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// Accept negotiation with q-values on the resource routes: JSON everywhere, a value's raw bytes
/// where the route serves one value, 406 when the client accepts neither.
/// </summary>
public sealed class ContentNegotiationTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<HttpResponseMessage> Get(string url, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return await _client.SendAsync(request);
    }

    [Theory]
    [InlineData("application/json;q=0.5, application/octet-stream", "application/octet-stream")]
    [InlineData("application/octet-stream;q=0.5, application/json", "application/json")]
    [InlineData("application/octet-stream", "application/octet-stream")]
    [InlineData("application/json, application/octet-stream", "application/json")]
    [InlineData("application/octet-stream;q=0, */*", "application/json")]
    [InlineData("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json")]
    [InlineData("application/*", "application/json")]
    [InlineData("application/*;q=0.2, application/octet-stream;q=0.3", "application/octet-stream")]
    public async Task The_q_values_choose_between_json_and_raw_bytes(string accept, string expected)
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "hello");

        var response = await Get(Strings(key), accept);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(expected == "application/json", body.StartsWith('{'));
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("text/html")]
    [InlineData("application/json;q=0, text/plain")]
    public async Task An_accept_that_allows_nothing_the_route_serves_is_a_406_problem(string accept)
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "hello");

        var problem = await (await Get(Strings(key), accept)).Problem(HttpStatusCode.NotAcceptable);

        Assert.Contains("application/json or application/octet-stream", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_route_that_serves_only_json_refuses_raw_bytes_with_406()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "hello");

        var problem = await (await Get(Keys(key), "application/octet-stream")).Problem(HttpStatusCode.NotAcceptable);

        Assert.Contains("served as application/json;", problem.Detail(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Get(Keys(key), "application/octet-stream, application/json;q=0.1")).StatusCode);
    }

    [Fact]
    public async Task A_hash_field_and_a_list_element_are_served_as_raw_bytes_too()
    {
        var key = ApiFactory.Key();
        await _client.PutAsync($"/hashes/{Segment(key)}/fields/f", Json("""{"value":"field value"}"""));
        await _client.PostAsync($"/lists/{Segment(key + "l")}/right", Json("""{"items":["first","second"]}"""));

        var field = await Get($"/hashes/{Segment(key)}/fields/f", "application/octet-stream");
        var element = await Get($"/lists/{Segment(key + "l")}/items/-1", "application/octet-stream");

        Assert.Equal("application/octet-stream", field.Content.Headers.ContentType?.MediaType);
        Assert.Equal("field value", Encoding.UTF8.GetString(await field.Content.ReadAsByteArrayAsync()));
        Assert.Equal("application/octet-stream", element.Content.Headers.ContentType?.MediaType);
        Assert.Equal("second", Encoding.UTF8.GetString(await element.Content.ReadAsByteArrayAsync()));
    }

    /// <summary>Kiota's clients send <c>Accept: application/problem+json</c> to a route that answers 204 or a problem.</summary>
    [Theory]
    [InlineData("application/problem+json")]
    [InlineData("application/xml")]
    public async Task A_route_whose_success_has_no_body_is_not_negotiated(string accept)
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "hello");

        var deleted = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, Strings(key)) { Headers = { { "Accept", accept } } });
        var missing = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, Strings(key)) { Headers = { { "Accept", accept } } });

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await missing.Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_command_endpoint_is_not_negotiated()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/commands") { Content = Json("""["PING"]""") };
        request.Headers.TryAddWithoutValidation("Accept", "application/xml");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"result":"PONG"}""", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("text/event-stream")] // what a browser's EventSource sends
    [InlineData("text/event-stream, application/json;q=0.5")]
    [InlineData("*/*")]
    public async Task A_stream_route_serves_server_sent_events_to_an_accept_that_allows_them(string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/channels/{Uri.EscapeDataString(ApiFactory.Key("channel"))}/events");
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        Assert.Equal(": subscribed", await reader.ReadLineAsync(cancel.Token));
    }

    [Fact]
    public async Task A_stream_route_refuses_an_accept_of_json_only_with_406()
    {
        var key = ApiFactory.Key("channel");

        var problem = await (await Get($"/channels/{Uri.EscapeDataString(key)}/events", "application/json")).Problem(HttpStatusCode.NotAcceptable);

        Assert.Contains("served as text/event-stream;", problem.Detail(), StringComparison.Ordinal);
    }
}
