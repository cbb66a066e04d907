using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// A JSON body sent without a length (chunked) that runs past the limit is 413 on every kind of
/// route — resource routes with Http:MaxRequestBodyBytes, the command endpoint with
/// Commands:MaxRequestBodyBytes — never a 400 for JSON the server stopped reading, and nothing is
/// stored. Real Kestrel: the in-memory test server enforces no body limit on a body without a length.
/// </summary>
public sealed class StreamedBodyTests(StreamedBodyTests.SmallCommandBodies factory) : IClassFixture<StreamedBodyTests.SmallCommandBodies>
{
    private const int HttpLimit = 1024 * 1024; // ApiFactory's Http:MaxRequestBodyBytes
    private const int CommandsLimit = 64 * 1024;

    /// <summary>The service with a small Commands:MaxRequestBodyBytes, so a body past it is quick to send.</summary>
    public sealed class SmallCommandBodies : ApiFactory
    {
        protected override IEnumerable<(string Key, string Value)> Settings => [("Commands:MaxRequestBodyBytes", CommandsLimit.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    }

    private readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData("PUT", "/strings/{key}", """{"value":"{filler}"}""")]
    [InlineData("POST", "/strings/mset", """{"items":[{"key":"{key}","value":"{filler}"}]}""")]
    [InlineData("PUT", "/hashes/{key}", """{"fields":{"f":"{filler}"}}""")]
    [InlineData("POST", "/sets/{key}/members", """{"members":["{filler}"]}""")]
    [InlineData("POST", "/lists/{key}/left", """{"items":["a","{filler}"]}""")]
    public async Task A_streamed_json_body_past_the_limit_is_a_413_problem_on_a_resource_route_and_stores_nothing(string method, string route, string template)
    {
        var key = ApiFactory.Key();

        var response = await _client.SendAsync(Streamed(method, route.Replace("{key}", Segment(key), StringComparison.Ordinal), Body(template, key, HttpLimit)));

        var problem = await response.Problem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("Http:MaxRequestBodyBytes", problem.Detail(), StringComparison.Ordinal);
        Assert.Equal("""{"result":0}""", await (await _client.PostAsync("/commands", Json($"""["EXISTS","{key}"]"""))).Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("PUT", "/strings/{key}", """{"unknown":1,"value":"{filler}"}""")]
    [InlineData("POST", "/strings/mset", """{"items":[{"key":"{key}","value":"{filler}"}],"items":[]}""")]
    [InlineData("PUT", "/hashes/{key}", """{"fields":7,"more":"{filler}"}""")]
    public async Task A_streamed_body_past_the_limit_is_413_even_when_its_json_goes_wrong_before_the_limit(string method, string route, string template)
    {
        var key = ApiFactory.Key();

        var response = await _client.SendAsync(Streamed(method, route.Replace("{key}", Segment(key), StringComparison.Ordinal), Body(template, key, HttpLimit)));

        var problem = await response.Problem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("Http:MaxRequestBodyBytes", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streamed_body_within_the_limit_whose_json_is_wrong_is_still_a_400()
    {
        var response = await _client.SendAsync(Streamed("PUT", Strings(ApiFactory.Key()), Encoding.UTF8.GetBytes("""{"unknown":1,"value":"x"}""")));

        Assert.Contains("unknown property 'unknown'", (await response.Problem(HttpStatusCode.BadRequest)).Detail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/commands", """["SET","{key}","{filler}"]""")]
    [InlineData("/commands/pipeline", """[["SET","{key}","{filler}"]]""")]
    [InlineData("/commands/multi-exec", """[["SET","{key}","{filler}"]]""")]
    public async Task A_streamed_json_body_past_the_limit_is_a_413_upstash_error_on_the_command_endpoint_and_stores_nothing(string route, string template)
    {
        var key = ApiFactory.Key();

        var response = await _client.SendAsync(Streamed("POST", route, Body(template, key, CommandsLimit)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.Contains("Commands:MaxRequestBodyBytes", error, StringComparison.Ordinal);
        Assert.Equal("""{"result":0}""", await (await _client.PostAsync("/commands", Json($"""["EXISTS","{key}"]"""))).Content.ReadAsStringAsync());
    }

    /// <summary>Valid JSON a little over <paramref name="limit"/> bytes: the template with the key and a long filler string.</summary>
    private static byte[] Body(string template, string key, int limit) =>
        Encoding.UTF8.GetBytes(template.Replace("{key}", key, StringComparison.Ordinal).Replace("{filler}", new string('x', limit), StringComparison.Ordinal));

    /// <summary>A request whose body has no declared length: sent with Transfer-Encoding: chunked.</summary>
    private static HttpRequestMessage Streamed(string method, string url, byte[] body)
    {
        var content = new StreamContent(new MemoryStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        return request;
    }
}
