using System.Text.Json;

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

    /// <summary>The sync token every response carries (<see cref="ReplicaReads"/>), which a replica honours.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body, Protocol.UpstashJson.WriterOptions);
        json.WriteStartObject();
        json.WriteString("error", error);
        json.WriteEndObject();
    }
}
