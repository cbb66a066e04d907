using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// <c>GET /ws</c>: several subscriptions on one WebSocket, confirmed in Redis's shapes; messages
/// published anywhere arrive as frames; errors are frames and the socket stays open; a subscriber
/// that falls behind the output limit is told why and closed with 1008.
/// </summary>
public sealed class WebSocketTests(ApiFactory factory, SecuredApiFactory secured, WebSocketTests.SmallPubSubLimits small)
    : IClassFixture<ApiFactory>, IClassFixture<SecuredApiFactory>, IClassFixture<WebSocketTests.SmallPubSubLimits>
{
    /// <summary>The service with a pub/sub hard output limit of 4 KB (the slow reader) and 3 subscriptions per connection.</summary>
    public sealed class SmallPubSubLimits : ApiFactory
    {
        protected override IEnumerable<(string Key, string Value)> Settings =>
            [("Engine:PubSubHardLimitBytes", "4096"), ("Engine:PubSubMaxSubscriptionsPerClient", "3")];
    }

    /// <summary>Every wait in these tests is bounded by this.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Subscribing_confirms_each_name_with_the_subscriptions_held_after_it()
    {
        using var socket = await Connect(factory);
        var (a, b) = (ApiFactory.Key("a"), ApiFactory.Key("b"));

        await Send(socket, $$"""{"op":"subscribe","channels":["{{a}}","{{b}}"]}""");
        await Send(socket, """{"op":"psubscribe","patterns":["news.*"]}""");
        await Send(socket, $$"""{"op":"ssubscribe","channels":["{{a}}"]}""");

        Assert.Equal($$"""{"type":"subscribe","channel":"{{a}}","count":1}""", await Receive(socket));
        Assert.Equal($$"""{"type":"subscribe","channel":"{{b}}","count":2}""", await Receive(socket));
        Assert.Equal("""{"type":"psubscribe","pattern":"news.*","count":3}""", await Receive(socket));
        Assert.Equal($$"""{"type":"ssubscribe","channel":"{{a}}","count":4}""", await Receive(socket));
    }

    [Fact]
    public async Task A_message_published_on_the_command_endpoint_arrives_as_a_message_frame()
    {
        using var socket = await Connect(factory);
        var channel = ApiFactory.Key("chan");
        await Subscribe(socket, channel);

        var receivers = await Publish(channel, "hi");

        Assert.Equal(1, receivers);
        Assert.Equal($$"""{"type":"message","channel":"{{channel}}","message":"hi"}""", await Receive(socket));
    }

    [Fact]
    public async Task A_pattern_subscription_receives_pmessage_frames_naming_the_pattern_and_the_channel()
    {
        using var socket = await Connect(factory);
        var prefix = ApiFactory.Key("news");
        await Send(socket, $$"""{"op":"psubscribe","patterns":["{{prefix}}.*"]}""");
        Assert.Equal($$"""{"type":"psubscribe","pattern":"{{prefix}}.*","count":1}""", await Receive(socket));

        Assert.Equal(1, await Publish($"{prefix}.sport", "goal"));

        Assert.Equal($$"""{"type":"pmessage","pattern":"{{prefix}}.*","channel":"{{prefix}}.sport","message":"goal"}""", await Receive(socket));
    }

    [Fact]
    public async Task Two_subscriptions_on_one_socket_each_receive_their_messages_in_order()
    {
        using var socket = await Connect(factory);
        var (a, b) = (ApiFactory.Key("a"), ApiFactory.Key("b"));
        await Subscribe(socket, a, b);

        await Publish(a, "1");
        await Publish(b, "2");
        await Publish(a, "3");

        Assert.Equal($$"""{"type":"message","channel":"{{a}}","message":"1"}""", await Receive(socket));
        Assert.Equal($$"""{"type":"message","channel":"{{b}}","message":"2"}""", await Receive(socket));
        Assert.Equal($$"""{"type":"message","channel":"{{a}}","message":"3"}""", await Receive(socket));
    }

    [Fact]
    public async Task Unsubscribing_stops_delivery_of_that_channel_only()
    {
        using var socket = await Connect(factory);
        var (a, b) = (ApiFactory.Key("a"), ApiFactory.Key("b"));
        await Subscribe(socket, a, b);

        await Send(socket, $$"""{"op":"unsubscribe","channels":["{{a}}"]}""");
        Assert.Equal($$"""{"type":"unsubscribe","channel":"{{a}}","count":1}""", await Receive(socket));

        Assert.Equal(0, await Publish(a, "lost"));
        Assert.Equal(1, await Publish(b, "kept"));
        Assert.Equal($$"""{"type":"message","channel":"{{b}}","message":"kept"}""", await Receive(socket));
    }

    [Fact]
    public async Task Unsubscribing_from_all_confirms_each_channel_and_with_none_left_says_so()
    {
        using var socket = await Connect(factory);
        var (a, b) = (ApiFactory.Key("a"), ApiFactory.Key("b"));
        await Subscribe(socket, a, b);

        await Send(socket, """{"op":"unsubscribe"}""");
        var first = JsonDocument.Parse(await Receive(socket)).RootElement;
        var second = JsonDocument.Parse(await Receive(socket)).RootElement;
        await Send(socket, """{"op":"unsubscribe","channels":[]}""");

        Assert.All([first, second], frame => Assert.Equal("unsubscribe", frame.GetProperty("type").GetString()));
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), new[] { first, second }.Select(frame => frame.GetProperty("channel").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal([1, 0], new[] { first, second }.Select(frame => frame.GetProperty("count").GetInt32()));
        Assert.Equal("""{"type":"unsubscribe","count":0}""", await Receive(socket));
        Assert.Equal(0, await Publish(a, "lost"));
        Assert.Equal(0, await Publish(b, "lost"));
    }

    [Fact]
    public async Task The_publish_op_answers_with_the_receivers_and_the_subscriber_gets_the_message()
    {
        using var subscriber = await Connect(factory);
        using var publisher = await Connect(factory);
        var channel = ApiFactory.Key("chan");
        await Subscribe(subscriber, channel);

        await Send(publisher, $$"""{"op":"publish","channel":"{{channel}}","message":"hello"}""");

        Assert.Equal($$"""{"type":"published","channel":"{{channel}}","receivers":1}""", await Receive(publisher));
        Assert.Equal($$"""{"type":"message","channel":"{{channel}}","message":"hello"}""", await Receive(subscriber));
    }

    [Fact]
    public async Task A_message_that_is_not_utf8_arrives_as_base64_and_says_so()
    {
        using var socket = await Connect(factory);
        var channel = ApiFactory.Key("bin");
        await Subscribe(socket, channel);
        byte[] payload = [0xff, 0x00, 0xfe];

        var response = await _client.PostAsync($"/commands/publish/{Segment(channel)}", Bytes(payload));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Func<byte[], string> b64 = Convert.ToBase64String;
        Assert.Equal(
            $$"""{"type":"message","channel":"{{b64(Encoding.UTF8.GetBytes(channel))}}","message":"{{b64(payload)}}","encoding":"base64"}""",
            await Receive(socket));
    }

    [Fact]
    public async Task A_publish_may_send_its_bytes_as_base64()
    {
        using var subscriber = await Connect(factory);
        using var publisher = await Connect(factory);
        var channel = ApiFactory.Key("bin");
        await Subscribe(subscriber, channel);
        var message = Convert.ToBase64String([0xc3, 0x28]);
        var channel64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(channel));

        await Send(publisher, $$"""{"op":"publish","channel":"{{channel64}}","message":"{{message}}","encoding":"base64"}""");

        Assert.Equal($$"""{"type":"published","channel":"{{channel}}","receivers":1}""", await Receive(publisher));
        Assert.Equal($$"""{"type":"message","channel":"{{channel64}}","message":"{{message}}","encoding":"base64"}""", await Receive(subscriber));
    }

    [Theory]
    [InlineData("not json", "ERR the frame is not a JSON object")]
    [InlineData("""{"op":"dance"}""", "ERR unknown op 'dance'; ops are subscribe, psubscribe")]
    [InlineData("""{"channels":["a"]}""", "ERR a frame needs an op")]
    [InlineData("""{"op":"subscribe","chanels":["a"]}""", "ERR the frame is not a JSON object")]
    [InlineData("""{"op":"subscribe","channels":"a"}""", "ERR the frame is not a JSON object")]
    [InlineData("""{"op":"subscribe","channel":"a"}""", "ERR this op needs channels")]
    [InlineData("""{"op":"psubscribe","patterns":[]}""", "ERR this op needs patterns")]
    [InlineData("""{"op":"publish","channel":"a"}""", "ERR publish needs a channel and a message")]
    [InlineData("""{"op":"subscribe","channels":["!"],"encoding":"base64"}""", "ERR the channels are not valid base64")]
    [InlineData("""{"op":"publish","channel":"a","message":"b","encoding":"hex"}""", "ERR unknown encoding 'hex'")]
    public async Task A_bad_frame_is_answered_with_an_error_frame_and_the_socket_stays_open(string frame, string error)
    {
        using var socket = await Connect(factory);

        await Send(socket, frame);
        var answer = JsonDocument.Parse(await Receive(socket)).RootElement;
        await Send(socket, """{"op":"ping"}""");

        Assert.Equal("error", answer.GetProperty("type").GetString());
        Assert.StartsWith(error, answer.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("""{"type":"pong"}""", await Receive(socket));
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task A_publish_the_engine_refuses_is_an_error_frame()
    {
        using var socket = await Connect(factory);

        // Over Engine:ProtoMaxBulkLen (64 KB in the tests).
        await Send(socket, $$"""{"op":"publish","channel":"c","message":"{{new string('x', 70_000)}}"}""");

        var answer = JsonDocument.Parse(await Receive(socket)).RootElement;
        Assert.Equal("error", answer.GetProperty("type").GetString());
        Assert.StartsWith("ERR", answer.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scoped_api_key_gets_noperm_for_channels_outside_its_patterns_and_may_use_its_own()
    {
        using var socket = await Connect(secured, SecuredApiFactory.ScopedToken);
        var own = "app1:" + ApiFactory.Key("chan");
        const string NoPerm = """{"type":"error","error":"NOPERM this user has no permissions to access one of the channels used as arguments"}""";

        await Send(socket, """{"op":"subscribe","channels":["other:news"]}""");
        Assert.Equal(NoPerm, await Receive(socket));
        await Send(socket, """{"op":"psubscribe","patterns":["*"]}""");
        Assert.Equal(NoPerm, await Receive(socket));
        await Send(socket, """{"op":"publish","channel":"other:news","message":"x"}""");
        Assert.Equal(NoPerm, await Receive(socket));

        await Send(socket, $$"""{"op":"subscribe","channels":["{{own}}"]}""");
        Assert.Equal($$"""{"type":"subscribe","channel":"{{own}}","count":1}""", await Receive(socket));
    }

    [Fact]
    public async Task Subscriptions_past_the_limit_are_an_error_frame_that_adds_none_of_them()
    {
        using var socket = await Connect(small);
        var (a, b, c, d) = (ApiFactory.Key("a"), ApiFactory.Key("b"), ApiFactory.Key("c"), ApiFactory.Key("d"));
        await Subscribe(socket, a, b);

        await Send(socket, $$"""{"op":"subscribe","channels":["{{c}}","{{d}}"]}""");
        Assert.Equal("""{"type":"error","error":"ERR a connection may hold at most 3 channels and patterns (Engine:PubSubMaxSubscriptionsPerClient)"}""",
            await Receive(socket));
        await Send(socket, """{"op":"psubscribe","patterns":["x*"]}""");
        Assert.Equal("""{"type":"psubscribe","pattern":"x*","count":3}""", await Receive(socket));
        Assert.Equal(0, await Publish(small.CreateClient(), c, "none"));
    }

    [Fact]
    public async Task Without_an_api_key_the_upgrade_is_refused_with_401()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(Wait);

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WsUri(secured), timeout.Token));

        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public async Task A_plain_get_is_a_400_problem_that_says_to_open_a_websocket()
    {
        var problem = await _client.GetAsync("/ws").Problem(HttpStatusCode.BadRequest);

        Assert.Contains("opens a WebSocket", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_frame_over_the_limit_closes_the_socket_with_policy_violation()
    {
        using var socket = await Connect(factory);

        await Send(socket, new string(' ', 1024 * 1024 + 1));

        var (status, _) = await ReceiveClose(socket);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
    }

    [Fact]
    public async Task A_subscriber_that_falls_behind_the_output_limit_gets_an_error_frame_then_a_1008_close()
    {
        using var socket = await Connect(small);
        var channel = ApiFactory.Key("flood");
        await Subscribe(socket, channel);
        var client = small.CreateClient();
        var message = new string('x', 32 * 1024);

        // Not reading: the socket's buffers fill, then the subscriber's outbox passes 4 KB and the hub drops it.
        var published = 0;
        while (await Publish(client, channel, message) == 1)
            Assert.True(++published < 2_000, "the subscriber was never dropped");

        var frames = new List<string>();
        while (!frames.LastOrDefault("").Contains("\"type\":\"error\"", StringComparison.Ordinal))
        {
            frames.Add(await Receive(socket));
            Assert.True(frames.Count <= published + 1, $"no error frame after {frames.Count} frames");
        }
        Assert.All(frames[..^1], frame => Assert.StartsWith("""{"type":"message",""", frame, StringComparison.Ordinal));
        Assert.Contains("over the hard limit of 4096", frames[^1], StringComparison.Ordinal);
        var (status, _) = await ReceiveClose(socket);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal(0, await Publish(client, channel, "after"));
    }

    [Fact]
    public async Task Stopping_the_service_closes_the_socket_with_1001()
    {
        await using var host = new ApiFactory();
        using var socket = await Connect(host);
        await Subscribe(socket, ApiFactory.Key("chan"));

        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var (status, _) = await ReceiveClose(socket);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
    }

    private static Uri WsUri(ApiFactory host) => new UriBuilder(new Uri(host.CreateClient().BaseAddress!, "/ws")) { Scheme = "ws" }.Uri;

    private static async Task<ClientWebSocket> Connect(ApiFactory host, string? token = null)
    {
        var socket = new ClientWebSocket();
        if (token is not null)
            socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        using var timeout = new CancellationTokenSource(Wait);
        await socket.ConnectAsync(WsUri(host), timeout.Token);
        return socket;
    }

    private static async Task Send(WebSocket socket, string text)
    {
        using var timeout = new CancellationTokenSource(Wait);
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
    }

    /// <summary>The next text frame, whole.</summary>
    private static async Task<string> Receive(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Wait);
        using var frame = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.True(received.MessageType == WebSocketMessageType.Text,
                $"expected a text frame, got {received.MessageType} {socket.CloseStatus} {socket.CloseStatusDescription}");
            frame.Write(buffer, 0, received.Count);
            if (received.EndOfMessage)
                return Encoding.UTF8.GetString(frame.ToArray());
        }
    }

    /// <summary>Reads until the service's close arrives (skipping any frames before it), answers it, and returns its status.</summary>
    private static async Task<(WebSocketCloseStatus? Status, string? Description)> ReceiveClose(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Wait);
        var buffer = new byte[64 * 1024];
        while ((await socket.ReceiveAsync(buffer, timeout.Token)).MessageType != WebSocketMessageType.Close)
        {
        }
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
        return (socket.CloseStatus, socket.CloseStatusDescription);
    }

    /// <summary>Subscribes to the channels and reads their confirmations.</summary>
    private static async Task Subscribe(WebSocket socket, params string[] channels)
    {
        await Send(socket, JsonSerializer.Serialize(new { op = "subscribe", channels }));
        for (var i = 0; i < channels.Length; i++)
            Assert.Equal($$"""{"type":"subscribe","channel":"{{channels[i]}}","count":{{i + 1}}}""", await Receive(socket));
    }

    private Task<long> Publish(string channel, string message) => Publish(_client, channel, message);

    /// <summary>PUBLISH on the command endpoint; its reply, the receivers.</summary>
    private static async Task<long> Publish(HttpClient client, string channel, string message)
    {
        var response = await client.PostAsync("/commands", Json(JsonSerializer.Serialize(new[] { "PUBLISH", channel, message })));
        return (await response.Body(HttpStatusCode.OK)).GetProperty("result").GetInt64();
    }
}
