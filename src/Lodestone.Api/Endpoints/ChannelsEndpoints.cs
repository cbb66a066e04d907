using System.Text;
using System.Text.Json;
using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Validation;
using Lodestone.Engine.Execution;
using Lodestone.Engine.PubSub;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/channels</c>: publish/subscribe as a resource — publish with a POST, listen with Server-Sent
/// Events (a browser's <c>EventSource</c> works as it is, reconnecting by itself) — and
/// <c>/keys/{key}/events</c>, a key's keyspace events, the HTTP way to drop a client-side cached copy
/// when the key changes.
/// </summary>
/// <remarks>
/// Streams last until the client leaves or the service stops; they are not blocking waits (no
/// <c>Http:MaxBlockingTimeoutSeconds</c>), and are bounded by the pub/sub output limit instead. An
/// API key scoped to key patterns may use only channels (and patterns) those patterns match.
/// </remarks>
internal static class ChannelsEndpoints
{
    public static RouteGroupBuilder MapChannels(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/channels").WithTags("Pub/sub").WithValidation().RequireApiKey(app);
        group.MapPost("/{channel}/messages", Publish).ForCommand("PUBLISH", "publishMessage").ProducesValidationProblem();
        group.MapGet("/{channel}/events", Subscribe).ForCommand("SUBSCRIBE", "subscribeChannel")
            .WithDescription("The channel's messages as Server-Sent Events: 'event: subscribe' once, then 'data: {\"channel\",\"message\"}' per message. " +
                "A reader that falls behind the pub/sub output limit gets 'event: error' and is disconnected. Redis command: SUBSCRIBE.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream").ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("", PSubscribe).ForCommand("PSUBSCRIBE", "subscribeChannels")
            .WithDescription("Messages of every channel matching ?pattern= (Redis's glob), as Server-Sent Events: 'data: {\"pattern\",\"channel\",\"message\"}'. Redis command: PSUBSCRIBE.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        app.MapGroup("/keys").WithTags("Keys").RequireApiKey(app)
            .MapGet("/{key}/events", KeyEvents).ForCommand("SUBSCRIBE", "watchKey")
            .WithDescription("What happens to the key, as Server-Sent Events: 'data: {\"key\",\"event\"}' with Redis's event names (set, del, expire, expired, evicted, hset, lpush…), " +
                "whatever notify-keyspace-events says — the feed for dropping a cached copy of the key. It subscribes to __keyspace@0__:<key>. Redis command: SUBSCRIBE.")
            .WithKeyConditions(KeyConditions.None)
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream").ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    private static async Task<Results<Ok<PublishResult>, ProblemHttpResult>> Publish(PublishRequest request, HttpContext http, EngineClient engine)
    {
        var channel = RouteKey.Segment(http, "channel");
        var result = await engine.ExecuteAsync(Argv.Of("PUBLISH", channel, BinaryText.Decode(request.Message, request.Encoding)));
        if (result.Reply.IsProblem(out var problem))
            return problem;
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), channel);
        return TypedResults.Ok(new PublishResult(BinaryText.Encode(channel, encoding), result.Reply.AsInteger()) { Encoding = encoding });
    }

    private static async Task<IResult> Subscribe(HttpContext http, EngineClient engine, IHostApplicationLifetime lifetime)
    {
        var channel = RouteKey.Segment(http, "channel");
        return await StreamAsync(http, engine, lifetime, channel, SubscriptionKind.Channel);
    }

    private static async Task<IResult> PSubscribe(HttpContext http, EngineClient engine, IHostApplicationLifetime lifetime, string? pattern)
    {
        if (string.IsNullOrEmpty(pattern))
            return Problems.Of(ErrorKind.BadRequest, "Name the channels: GET /channels?pattern=news.* (a glob), or GET /channels/{channel}/events for one.");
        return await StreamAsync(http, engine, lifetime, Encoding.UTF8.GetBytes(pattern), SubscriptionKind.Pattern);
    }

    private static async Task<IResult> StreamAsync(HttpContext http, EngineClient engine, IHostApplicationLifetime lifetime, byte[] name, SubscriptionKind kind)
    {
        if (engine.RefuseChannel(name) is { } denied)
            return Problems.From(denied);
        using var subscriber = engine.OpenSubscriber(out var refused);
        if (subscriber is null)
            return Problems.From(refused!);
        subscriber.Subscribe(kind, [name]);
        var base64 = BinaryText.Requested(http.Request);
        await EventStream.RunAsync(http, subscriber, lifetime, message => message.Payload is null
            ? $"event: {message.Kind}\ndata: {JsonSerializer.Serialize(new { channel = Encoding.UTF8.GetString(message.Channel), count = message.Count }, EventStream.Json)}\n\n"
            : EventStream.Data(JsonSerializer.Serialize(Event(message, base64), EventStream.Json)));
        return Results.Empty;
    }

    private static ChannelEvent Event(PubSubMessage message, bool base64)
    {
        var encoding = BinaryText.Choose(base64, message.Channel, message.Payload) ?? BinaryText.Choose(false, message.Pattern);
        return new ChannelEvent(BinaryText.Encode(message.Channel, encoding), BinaryText.Encode(message.Payload, encoding),
            message.Pattern is null ? null : BinaryText.Encode(message.Pattern, encoding)) { Encoding = encoding };
    }

    private static async Task<IResult> KeyEvents(RouteKey target, HttpContext http, EngineClient engine, IHostApplicationLifetime lifetime)
    {
        // Watching a key is reading it: the engine's own check for a read of that key.
        if (engine.Check(Argv.Of("EXISTS", target.Bytes)) is { } denied)
            return Problems.From(denied);
        using var subscriber = engine.OpenSubscriber(out var refused);
        if (subscriber is null)
            return Problems.From(refused!);
        engine.Notifications.Watch(subscriber, target.Bytes);
        try
        {
            var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes);
            var key = BinaryText.Encode(target.Bytes, encoding);
            await EventStream.RunAsync(http, subscriber, lifetime, message =>
                EventStream.Data(JsonSerializer.Serialize(new KeyEvent(key, Encoding.ASCII.GetString(message.Payload!)) { Encoding = encoding }, EventStream.Json)));
        }
        finally
        {
            engine.Notifications.Unwatch(subscriber, target.Bytes);
        }
        return Results.Empty;
    }
}
