using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine;
using Lodestone.Engine.Execution;
using Lodestone.Engine.PubSub;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>GET /ws</c>: publish/subscribe over one WebSocket, for clients that hold several subscriptions
/// (channels, patterns, shard channels) on one connection and publish on it too. Frames are JSON text
/// in Redis's pub/sub shapes (docs/api.md).
/// </summary>
/// <remarks>
/// Design note. Each connection is one <see cref="PubSubSubscriber"/> and two loops. The receiving
/// loop reads the client's frames and acts on them one at a time, answering each at once; the
/// delivering loop reads the subscriber's outbox (confirmations and messages, in the order the hub
/// queued them) and sends each on, telling the subscriber it was delivered so it stops counting
/// against the output limit. Both loops send, and a WebSocket allows one send at a time: every send
/// and the close go through <see cref="Session.SendAsync"/>'s semaphore, so frames never interleave.
/// The connection ends when the client closes it, when the request is aborted, when the service stops
/// (close 1001), when the hub drops a subscriber that fell behind (an error frame, then close 1008) or
/// when a frame is too large (1008). Whoever closes first, the other side gets
/// <see cref="CloseTimeout"/> to answer before the socket is aborted, and the subscriber is disposed
/// on every path.
/// </remarks>
internal static class WebSocketEndpoints
{
    /// <summary>The largest frame a client may send; a larger one closes the socket with 1008 (policy violation).</summary>
    public const int MaxFrameBytes = 1024 * 1024;

    /// <summary>How long the service waits for the client's answer to its close before aborting the socket.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private const string Ops = "subscribe, psubscribe, ssubscribe, unsubscribe, punsubscribe, sunsubscribe, publish, ping";

    public static RouteHandlerBuilder MapWebSockets(this IEndpointRouteBuilder app) =>
        app.MapGet("/ws", Open).WithTags("Pub/sub").RequireApiKey(app)
            .ForCommand("SUBSCRIBE", "openWebSocket")
            .WithSummary("Publish and subscribe over a WebSocket")
            .WithDescription(
                "Upgrades to a WebSocket (101) that holds any number of subscriptions. Frames are JSON text. In: " +
                "{\"op\":\"subscribe\",\"channels\":[…]}, psubscribe with \"patterns\", ssubscribe, unsubscribe / punsubscribe / sunsubscribe (none given: all), " +
                "{\"op\":\"publish\",\"channel\":…,\"message\":…} and {\"op\":\"ping\"}; \"encoding\":\"base64\" sends names and message as base64. Out: " +
                "{\"type\":\"subscribe\",\"channel\":…,\"count\":n} per name (count: subscriptions held after it; pattern for psubscribe/punsubscribe), " +
                "{\"type\":\"message\",\"channel\":…,\"message\":…}, {\"type\":\"pmessage\",\"pattern\":…,\"channel\":…,\"message\":…}, smessage, " +
                "{\"type\":\"published\",\"channel\":…,\"receivers\":n}, {\"type\":\"pong\"}; bytes that are not UTF-8 come as base64 with \"encoding\":\"base64\". " +
                "A bad frame, a channel the API key may not use (NOPERM) or too many subscriptions is {\"type\":\"error\",\"error\":…} and the socket stays open. " +
                $"A frame over {MaxFrameBytes} bytes closes it with 1008, as does falling behind the pub/sub output limit (an error frame first); " +
                "the service stopping closes it with 1001. Browsers, which cannot send headers, pass the key as ?_token=. " +
                "Without the WebSocket upgrade: 400. Redis commands: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH.")
            .Produces(StatusCodes.Status101SwitchingProtocols)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<IResult> Open(HttpContext http, EngineClient engine, IHostApplicationLifetime lifetime, IOptions<EngineOptions> options)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return Problems.Of(ErrorKind.BadRequest,
                "GET /ws opens a WebSocket: send the upgrade request (Connection: Upgrade, Upgrade: websocket), e.g. new WebSocket(\"ws://host/ws\") " +
                "in a browser. One channel's messages over plain HTTP: SUBSCRIBE on /commands with Accept: text/event-stream.");
        }
        using var subscriber = engine.OpenSubscriber(out var refused);
        if (subscriber is null)
            return Problems.From(refused!);
        // The request lasts as long as the connection: that is its purpose, not slowness.
        RequestLog.MarkLongPoll(http);
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        using var session = new Session(socket, subscriber, engine, options.Value.PubSubMaxSubscriptionsPerClient, http.RequestAborted);
        await session.RunAsync(lifetime.ApplicationStopping);
        return Results.Empty;
    }

    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web)
    {
        // A misspelt member ("chanels") is an error, not a subscription to nothing.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private static readonly JsonSerializerOptions FrameJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Frames are not embedded in HTML: "+" in base64 stays "+", as on the command endpoint.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>One connection: its socket, its subscriber, and the one lock its sends take.</summary>
    private sealed class Session(WebSocket socket, PubSubSubscriber subscriber, EngineClient engine, int maxSubscriptions, CancellationToken requestAborted)
        : IDisposable
    {
        private readonly SemaphoreSlim _sending = new(1, 1);

        // Cancelled when the request is aborted or a close goes unanswered: cancelling a socket operation aborts the socket.
        private readonly CancellationTokenSource _abort = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        private int _closing;

        private bool Closing => Volatile.Read(ref _closing) != 0;

        public async Task RunAsync(CancellationToken stopping)
        {
            var delivering = DeliverAsync();
            using (stopping.Register(() => _ = CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "the service is stopping")))
                await ReceiveAsync();
            // Leaving the hub ends the outbox, and with it the delivering loop.
            subscriber.Dispose();
            await delivering;
        }

        public void Dispose()
        {
            _abort.Dispose();
            _sending.Dispose();
        }

        /// <summary>Reads the client's frames until its close (or ours is answered), or the socket fails.</summary>
        private async Task ReceiveAsync()
        {
            var frame = new ArrayBufferWriter<byte>();
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                while (true)
                {
                    var received = await socket.ReceiveAsync(chunk.AsMemory(), _abort.Token);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        // The client's close (answered in kind), or its answer to ours.
                        await CloseAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, "");
                        return;
                    }
                    // After a close is sent, frames still arriving are dropped while its answer is awaited.
                    if (Closing)
                        continue;
                    if (frame.WrittenCount + received.Count > MaxFrameBytes)
                    {
                        await CloseAsync(WebSocketCloseStatus.PolicyViolation, $"a frame may be at most {MaxFrameBytes} bytes");
                        continue;
                    }
                    frame.Write(chunk.AsSpan(0, received.Count));
                    if (!received.EndOfMessage)
                        continue;
                    if (received.MessageType == WebSocketMessageType.Binary)
                        await SendAsync(Error("ERR frames are JSON text, not binary"));
                    else
                        await HandleAsync(frame.WrittenMemory);
                    frame.ResetWrittenCount();
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away, or did not answer our close in time: there is no one left to tell.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }

        /// <summary>Sends what the subscriber's outbox holds, in order, until it ends; says why when the hub dropped the subscriber.</summary>
        private async Task DeliverAsync()
        {
            var messages = subscriber.Messages;
            try
            {
                // No token: the outbox ends when the subscriber is disposed (RunAsync) or dropped by the hub.
                while (await messages.WaitToReadAsync())
                {
                    // A dropped subscriber's backlog is not sent on: Redis, too, closes at once.
                    while (subscriber.DisconnectReason is null && messages.TryRead(out var message))
                    {
                        await SendAsync(FrameOf(message));
                        subscriber.Delivered(message);
                    }
                    if (subscriber.DisconnectReason is not null)
                        break;
                }
                if (subscriber.DisconnectReason is { } reason)
                {
                    await SendAsync(Error("ERR " + reason));
                    await CloseAsync(WebSocketCloseStatus.PolicyViolation, "the subscriber fell behind the pub/sub output limit");
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The socket failed or was aborted; the receiving loop ends too, and RunAsync disposes the subscriber.
            }
        }

        private async Task HandleAsync(ReadOnlyMemory<byte> json)
        {
            WebSocketRequest? request;
            try
            {
                request = JsonSerializer.Deserialize<WebSocketRequest>(json.Span, RequestJson);
            }
            catch (JsonException e)
            {
                await SendAsync(Error($"ERR the frame is not a JSON object of op, channels, patterns, channel, message and encoding: {e.Message}"));
                return;
            }
            if (request is null || !BinaryText.IsKnown(request.Encoding))
            {
                await SendAsync(Error(request is null
                    ? "ERR a frame is a JSON object with an op, e.g. {\"op\":\"subscribe\",\"channels\":[\"news\"]}"
                    : $"ERR unknown encoding '{request.Encoding}'; use utf8 or base64"));
                return;
            }
            var answer = request.Op switch
            {
                "subscribe" => Subscribe(SubscriptionKind.Channel, request.Channels, "channels", request.Encoding),
                "psubscribe" => Subscribe(SubscriptionKind.Pattern, request.Patterns, "patterns", request.Encoding),
                "ssubscribe" => Subscribe(SubscriptionKind.Shard, request.Channels, "channels", request.Encoding),
                "unsubscribe" => Unsubscribe(SubscriptionKind.Channel, request.Channels, request.Encoding, "unsubscribe"),
                "punsubscribe" => Unsubscribe(SubscriptionKind.Pattern, request.Patterns, request.Encoding, "punsubscribe"),
                "sunsubscribe" => Unsubscribe(SubscriptionKind.Shard, request.Channels, request.Encoding, "sunsubscribe"),
                "publish" => await PublishAsync(request),
                "ping" => new WebSocketFrame("pong"),
                null => Error($"ERR a frame needs an op: {Ops}"),
                var op => Error($"ERR unknown op '{op}'; ops are {Ops}"),
            };
            if (answer is not null)
                await SendAsync(answer);
        }

        /// <summary>SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE: the confirmations come through the outbox; an error is answered here.</summary>
        private WebSocketFrame? Subscribe(SubscriptionKind kind, string[]? given, string member, string? encoding)
        {
            if (given is not { Length: > 0 })
                return Error($"ERR this op needs {member}: a non-empty array of names");
            if (Decode(given, encoding) is not { } names)
                return Error($"ERR the {member} are not valid base64");
            if (names.Select(name => engine.RefuseChannel(name)).FirstOrDefault(denied => denied is not null) is { } refused)
                return Error(refused.Message);
            if (!subscriber.Subscribe(kind, names))
                return Error($"ERR a connection may hold at most {maxSubscriptions} channels and patterns (Engine:PubSubMaxSubscriptionsPerClient)");
            return null;
        }

        /// <summary>UNSUBSCRIBE and kin: the names given, or all of that kind. Holding none of them, Redis answers with no name and the count.</summary>
        private WebSocketFrame? Unsubscribe(SubscriptionKind kind, string[]? given, string? encoding, string type)
        {
            if (Decode(given ?? [], encoding) is not { } names)
                return Error("ERR the names are not valid base64");
            var before = subscriber.SubscriptionCount;
            subscriber.Unsubscribe(kind, names);
            // Only this loop subscribes and unsubscribes, so an unchanged count means nothing was queued.
            return names.Length == 0 && subscriber.SubscriptionCount == before ? new WebSocketFrame(type) { Count = before } : null;
        }

        /// <summary>PUBLISH, as the caller: the engine checks the key's channels as it does on /commands.</summary>
        private async Task<WebSocketFrame> PublishAsync(WebSocketRequest request)
        {
            if (request.Channel is null || request.Message is null)
                return Error("ERR publish needs a channel and a message, e.g. {\"op\":\"publish\",\"channel\":\"news\",\"message\":\"hi\"}");
            if (Decode([request.Channel, request.Message], request.Encoding) is not [var channel, var message])
                return Error("ERR the channel or message is not valid base64");
            var reply = await engine.RunAsync(Argv.Of("PUBLISH", channel, message));
            if (reply.IsError)
            {
                var error = reply.AsError();
                return Error(error.Kind == ErrorKind.Internal ? "ERR an unexpected error occurred; it has been logged" : error.Message);
            }
            var encoding = BinaryText.Choose(false, channel);
            return new WebSocketFrame("published") { Channel = BinaryText.Encode(channel, encoding), Receivers = reply.AsInteger(), Encoding = encoding };
        }

        private static byte[][]? Decode(string[] texts, string? encoding)
        {
            if (encoding == BinaryText.Base64 && !texts.All(BinaryText.IsValidBase64))
                return null;
            return [.. texts.Select(text => BinaryText.Decode(text, encoding))];
        }

        private static WebSocketFrame FrameOf(PubSubMessage message)
        {
            var encoding = IsText(message.Channel) && IsText(message.Pattern) && IsText(message.Payload) ? null : BinaryText.Base64;
            string? Text(byte[]? bytes) => bytes is null ? null : BinaryText.Encode(bytes, encoding);
            return message.Kind switch
            {
                "message" or "pmessage" or "smessage" =>
                    new WebSocketFrame(message.Kind) { Pattern = Text(message.Pattern), Channel = Text(message.Channel), Message = Text(message.Payload), Encoding = encoding },
                "psubscribe" or "punsubscribe" =>
                    new WebSocketFrame(message.Kind) { Pattern = Text(message.Channel), Count = message.Count, Encoding = encoding },
                _ => new WebSocketFrame(message.Kind) { Channel = Text(message.Channel), Count = message.Count, Encoding = encoding },
            };
        }

        private static bool IsText(byte[]? bytes) => bytes is null || System.Text.Unicode.Utf8.IsValid(bytes);

        private static WebSocketFrame Error(string text) => new("error") { Error = text };

        /// <summary>Sends one frame; the one way out, so sends never interleave. Nothing is sent once a close has been.</summary>
        public async Task SendAsync(WebSocketFrame frame)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(frame, FrameJson);
            await _sending.WaitAsync(_abort.Token);
            try
            {
                if (socket.State == WebSocketState.Open)
                    await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, _abort.Token);
            }
            finally
            {
                _sending.Release();
            }
        }

        /// <summary>
        /// Sends the close (once, whoever asks first) and gives the client <see cref="CloseTimeout"/> to
        /// answer before the socket is aborted. Never throws: it also runs from the stopping callback.
        /// </summary>
        private async Task CloseAsync(WebSocketCloseStatus status, string description)
        {
            if (Interlocked.Exchange(ref _closing, 1) != 0)
                return;
            try
            {
                _abort.CancelAfter(CloseTimeout);
                await _sending.WaitAsync(_abort.Token);
                try
                {
                    if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                        await socket.CloseOutputAsync(status, description, _abort.Token);
                }
                finally
                {
                    _sending.Release();
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The socket is already gone: the receiving loop sees that and ends.
            }
        }
    }
}
