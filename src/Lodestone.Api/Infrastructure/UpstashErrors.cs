using System.Globalization;
using System.Text.Json;
using Lodestone.Engine.Execution;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Marks the command endpoint's routes, whose errors are Upstash's <c>{"error": "…"}</c> bodies
/// rather than problem details — auth, size limits and wrong methods included — so Upstash
/// clients can read every failure.
/// </summary>
internal sealed class UpstashErrors
{
    public const string SyncTokenHeader = "upstash-sync-token";

    public static UpstashErrors Instance { get; } = new();

    public static async Task WriteAsync(HttpContext context, int status, string error)
    {
        StampSyncToken(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body, Protocol.UpstashJson.WriterOptions);
        json.WriteStartObject();
        json.WriteString("error", error);
        json.WriteEndObject();
    }

    /// <summary>
    /// Every command-endpoint response carries a sync token that grows with every committed write.
    /// A single node always reads its own writes, so tokens clients send back are accepted and ignored.
    /// </summary>
    public static void StampSyncToken(HttpContext context)
    {
        var offset = context.RequestServices.GetRequiredService<Executor>().CommittedOffset;
        context.Response.Headers[SyncTokenHeader] = offset.ToString(CultureInfo.InvariantCulture);
    }
}
