using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// Pub/sub over HTTP through the real stack: publishing, channel and pattern streams, a key's event
/// stream, the Upstash subscribe format, scoped API keys, and a stream that ends with the service.
/// </summary>
public sealed class ChannelsEndpointsTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    private HttpClient Client(string token)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private HttpClient Writer => Client(SecuredApiFactory.WriteToken);

    /// <summary>An open SSE stream: read its events' data lines (and event names) one at a time.</summary>
    private sealed class EventStream(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public HttpResponseMessage Response => response;

        /// <summary>The next event as "event-name data" (event-name "message" when the stream gives none).</summary>
        public async Task<string> NextAsync(CancellationToken cancel)
        {
            var name = "message";
            var data = new List<string>();
            while (await reader.ReadLineAsync(cancel) is { } line)
            {
                if (line.Length == 0 && data.Count > 0)
                    return $"{name} {string.Join('\n', data)}";
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                    name = line["event: ".Length..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    data.Add(line["data: ".Length..]);
            }
            return "end";
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }

    private static async Task<EventStream> OpenAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancel)
    {
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel));
        Assert.Equal(": subscribed", await reader.ReadLineAsync(cancel));
        return new EventStream(response, reader);
    }

    [Fact]
    public async Task Messages_published_reach_channel_and_pattern_streams_in_order()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var channel = "news." + Guid.NewGuid().ToString("N");
        using var direct = await OpenAsync(Writer, new HttpRequestMessage(HttpMethod.Get, $"/channels/{channel}/events"), cancel.Token);
        using var pattern = await OpenAsync(Writer, new HttpRequestMessage(HttpMethod.Get, $"/channels?pattern={Uri.EscapeDataString(channel[..10] + "*")}"), cancel.Token);
        Assert.Equal($$"""subscribe {"channel":"{{channel}}","count":1}""", await direct.NextAsync(cancel.Token));
        Assert.StartsWith("psubscribe ", await pattern.NextAsync(cancel.Token), StringComparison.Ordinal);

        var published = await (await Writer.PostAsync($"/channels/{channel}/messages", Json("""{"message":"first"}"""))).Body(HttpStatusCode.OK);
        Assert.Equal(2, published.GetProperty("receivers").GetInt64());
        await (await Writer.PostAsync("/commands", Json($"""["PUBLISH","{channel}","second\nline"]"""))).Body(HttpStatusCode.OK);

        Assert.Equal($$"""message {"channel":"{{channel}}","message":"first"}""", await direct.NextAsync(cancel.Token));
        Assert.Equal($$"""message {"channel":"{{channel}}","message":"second\nline"}""", await direct.NextAsync(cancel.Token));
        Assert.Equal($$"""message {"channel":"{{channel}}","message":"first","pattern":"{{channel[..10]}}*"}""", await pattern.NextAsync(cancel.Token));
    }

    [Fact]
    public async Task A_key_s_event_stream_tells_a_cache_when_to_drop_its_copy()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var key = "app1:" + Guid.NewGuid().ToString("N");
        using var events = await OpenAsync(Writer, new HttpRequestMessage(HttpMethod.Get, $"/keys/{key}/events"), cancel.Token);

        await Writer.PutString(key, "v1");
        await (await Writer.PostAsync("/commands", Json($"""["EXPIRE","{key}","100"]"""))).Body(HttpStatusCode.OK);
        await Writer.DeleteAsync($"/keys/{key}");

        Assert.Equal($$"""message {"key":"{{key}}","event":"set"}""", await events.NextAsync(cancel.Token));
        Assert.Equal($$"""message {"key":"{{key}}","event":"expire"}""", await events.NextAsync(cancel.Token));
        Assert.Equal($$"""message {"key":"{{key}}","event":"del"}""", await events.NextAsync(cancel.Token));
    }

    [Fact]
    public async Task The_upstash_subscribe_route_streams_upstash_s_format()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var channel = "up" + Guid.NewGuid().ToString("N");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/commands/subscribe/{channel}") { Content = Json("[]") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var stream = await OpenAsync(Writer, request, cancel.Token);
        Assert.Equal($"message subscribe,{channel},1", await stream.NextAsync(cancel.Token));
        await (await Writer.PostAsync("/commands", Json($$"""["PUBLISH","{{channel}}","{\"a\":1}"]"""))).Body(HttpStatusCode.OK);
        Assert.Equal($$"""message message,{{channel}},{"a":1}""", await stream.NextAsync(cancel.Token));
    }

    [Fact]
    public async Task A_scoped_api_key_uses_only_channels_its_patterns_match()
    {
        var scoped = Client(SecuredApiFactory.ScopedToken);
        await scoped.GetAsync("/channels/other/events").Problem(HttpStatusCode.Forbidden, "NOPERM");
        await scoped.GetAsync("/channels?pattern=*").Problem(HttpStatusCode.Forbidden, "NOPERM");
        await scoped.GetAsync("/keys/other/events").Problem(HttpStatusCode.Forbidden, "NOPERM");
        await scoped.PostAsync("/channels/other/messages", Json("""{"message":"m"}""")).Problem(HttpStatusCode.Forbidden, "NOPERM");
        await (await scoped.PostAsync("/channels/app1:news/messages", Json("""{"message":"m"}"""))).Body(HttpStatusCode.OK);
        var refused = await scoped.PostAsync("/commands/subscribe/other", Json("[]"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.StartsWith("NOPERM", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        await factory.CreateClient().GetAsync("/channels/app1:x/events").Problem(HttpStatusCode.Unauthorized, "WRONGPASS");
    }

    [Fact]
    public async Task Bad_requests_are_problems()
    {
        await Writer.GetAsync("/channels").Problem(HttpStatusCode.BadRequest);
        await Writer.PostAsync("/channels/c/messages", Json("""{"message":"%%","encoding":"base64"}""")).Problem(HttpStatusCode.BadRequest);
        await Writer.PostAsync("/channels/c/messages", Json("""{}""")).Problem(HttpStatusCode.BadRequest);
        var subscribe = await Writer.PostAsync("/commands", Json("""["SUBSCRIBE","c"]"""));
        Assert.Equal(HttpStatusCode.BadRequest, subscribe.StatusCode);
        Assert.Contains("/channels/{channel}/events", await subscribe.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_ends_when_the_service_stops_so_it_does_not_hold_up_shutdown()
    {
        var host = factory.WithWebHostBuilder(_ => { });
        var client = host.CreateCheckedClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SecuredApiFactory.WriteToken);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var stream = await OpenAsync(client, new HttpRequestMessage(HttpMethod.Get, "/channels/app1:bye/events"), cancel.Token);
        Assert.StartsWith("subscribe ", await stream.NextAsync(cancel.Token), StringComparison.Ordinal);

        var stopping = host.DisposeAsync();
        Assert.Equal("end", await stream.NextAsync(cancel.Token));
        await stopping;
    }
}
