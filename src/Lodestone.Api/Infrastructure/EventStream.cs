using System.Threading.Channels;
using Lodestone.Engine.PubSub;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Server-Sent Events from a channel of the engine's: what every streaming route writes with — the
/// pub/sub streams (<c>/channels/…/events</c>, <c>/keys/{key}/events</c>, the Upstash
/// <c>/commands/subscribe</c>) and MONITOR.
/// </summary>
/// <remarks>
/// A stream is not a blocking wait: it lasts until the client leaves or the service stops (so it
/// never holds up shutdown), with a comment line every 15 s so proxies keep a quiet stream open. What
/// bounds it is its source's limit: a reader that falls too far behind is dropped by the engine, and
/// the stream says why in a last event before it ends.
/// </remarks>
internal static class EventStream
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>How the events' JSON is written: camelCase, absent members left out, as every body of the API.</summary>
    public static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Streams <paramref name="reader"/> until it completes, the client leaves or the service stops:
    /// <paramref name="opening"/> (a comment line) first, then each item as <paramref name="format"/>
    /// writes it (null leaves it out), and when the source ended by itself, <paramref name="closing"/>'s
    /// last event, if any.
    /// </summary>
    public static async Task RunAsync<T>(HttpContext http, IHostApplicationLifetime lifetime, ChannelReader<T> reader,
        string opening, Func<T, string?> format, Func<string?> closing)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var token = ended.Token;
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await response.WriteAsync($": {opening}\n\n", token);
            await response.Body.FlushAsync(token);
            Task<bool>? waiting = null;
            // One keep-alive timer per period, not one per wake-up (a busy stream wakes thousands of times a second).
            Task? keepAlive = null;
            while (true)
            {
                waiting ??= reader.WaitToReadAsync(token).AsTask();
                keepAlive ??= Task.Delay(KeepAlive, token);
                var first = await Task.WhenAny(waiting, keepAlive);
                token.ThrowIfCancellationRequested();
                if (first != waiting)
                {
                    keepAlive = null;
                    await response.WriteAsync(": keep-alive\n\n", token);
                    await response.Body.FlushAsync(token);
                    continue;
                }
                if (!await waiting)
                    break;
                waiting = null;
                while (reader.TryRead(out var item))
                {
                    if (format(item) is { } frame)
                        await response.WriteAsync(frame, token);
                }
                await response.Body.FlushAsync(token);
            }
            if (closing() is { } last)
                await response.WriteAsync(last, token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client left or the service is stopping: leaving the subscription (the caller's dispose) is all there is to do.
        }
    }

    /// <summary>A pub/sub subscriber's messages (each counted as delivered as it is written); a disconnect by the output limit ends with <c>event: error</c>.</summary>
    public static Task RunAsync(HttpContext http, PubSubSubscriber subscriber, IHostApplicationLifetime lifetime, Func<PubSubMessage, string?> format) =>
        RunAsync(http, lifetime, subscriber.Messages, "subscribed",
            message =>
            {
                subscriber.Delivered(message);
                return format(message);
            },
            () => subscriber.DisconnectReason is { } reason ? Error(reason) : null);

    /// <summary>The last event of a stream its source ended: <c>event: error</c> with <c>{"error": reason}</c>.</summary>
    public static string Error(string reason) => $"event: error\ndata: {System.Text.Json.JsonSerializer.Serialize(new { error = reason }, Json)}\n\n";

    /// <summary>Text as SSE <c>data:</c> lines (one per line of it), ending the event.</summary>
    public static string Data(string text) => "data: " + text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\ndata: ", StringComparison.Ordinal) + "\n\n";
}
