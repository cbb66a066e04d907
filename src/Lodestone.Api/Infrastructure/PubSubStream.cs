using Lodestone.Engine.PubSub;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// A pub/sub subscriber's messages as Server-Sent Events: what every subscribing route streams with
/// (<c>/channels/…/events</c>, <c>/keys/{key}/events</c>, the Upstash <c>/commands/subscribe</c>).
/// </summary>
/// <remarks>
/// A stream is not a blocking wait: it lasts until the client leaves or the service stops, with a
/// comment line every 15 s so proxies keep a quiet stream open. What bounds it is the hub's output
/// limit: a reader that falls too far behind is disconnected, told why in a last <c>event: error</c>.
/// </remarks>
internal static class PubSubStream
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>How the events' JSON is written: camelCase, absent members left out, as every body of the API.</summary>
    public static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Streams until the end; <paramref name="format"/> turns a message into its SSE frame (or null to leave it out).</summary>
    public static async Task RunAsync(HttpContext http, PubSubSubscriber subscriber, IHostApplicationLifetime lifetime, Func<PubSubMessage, string?> format)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var token = ended.Token;
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await response.WriteAsync(": subscribed\n\n", token);
            await response.Body.FlushAsync(token);
            var reader = subscriber.Messages;
            Task<bool>? waiting = null;
            while (true)
            {
                waiting ??= reader.WaitToReadAsync(token).AsTask();
                var first = await Task.WhenAny(waiting, Task.Delay(KeepAlive, token));
                token.ThrowIfCancellationRequested();
                if (first != waiting)
                {
                    await response.WriteAsync(": keep-alive\n\n", token);
                    await response.Body.FlushAsync(token);
                    continue;
                }
                if (!await waiting)
                    break;
                waiting = null;
                while (reader.TryRead(out var message))
                {
                    subscriber.Delivered(message);
                    if (format(message) is { } frame)
                        await response.WriteAsync(frame, token);
                }
                await response.Body.FlushAsync(token);
            }
            if (subscriber.DisconnectReason is { } reason)
                await response.WriteAsync($"event: error\ndata: {System.Text.Json.JsonSerializer.Serialize(new { error = reason }, Json)}\n\n", token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client left or the service is stopping: leaving the subscription (the caller's dispose) is all there is to do.
        }
    }

    /// <summary>Text as SSE <c>data:</c> lines (one per line of it), ending the event.</summary>
    public static string Data(string text) => "data: " + text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\ndata: ", StringComparison.Ordinal) + "\n\n";
}
