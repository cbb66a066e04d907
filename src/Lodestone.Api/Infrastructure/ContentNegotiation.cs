using Lodestone.Api.Errors;
using Microsoft.Net.Http.Headers;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// <c>Accept</c> negotiation for the resource routes (RFC 9110 §12.5.1): every one serves
/// <c>application/json</c>; the routes marked <see cref="AlsoServesRawBytes"/> (one value: a string, a
/// hash field, a list element) also serve the value's own bytes as <c>application/octet-stream</c>,
/// and those marked <see cref="AlsoServesGeoJson"/> (geo searches) a GeoJSON <c>application/geo+json</c>.
/// The routes that stream Server-Sent Events serve <c>text/event-stream</c> only (what EventSource asks for).
/// The client's q-values decide; on a tie the JSON form wins. An <c>Accept</c> that allows neither is
/// a 406 problem naming what the route serves. Requests without <c>Accept</c> skip all of it, and so
/// do routes whose success has no body (a 204): there is no representation to choose, and a client
/// that accepts only what such a route's errors are (generated clients send
/// <c>Accept: application/problem+json</c> there) must not be refused.
/// </summary>
/// <remarks>
/// The command endpoint is not negotiated: the Upstash protocol is JSON, with its own header for raw
/// RESP2 replies. Nor are the documents (<c>/openapi</c>, <c>/metrics</c>) and probes.
/// </remarks>
internal static class ContentNegotiation
{
    public const string Json = "application/json";
    public const string RawBytes = "application/octet-stream";
    public const string GeoJson = "application/geo+json";
    public const string EventStream = "text/event-stream";

    private static readonly object ChosenType = new();

    public static IApplicationBuilder UseContentNegotiation(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Request.Headers.Accept.Count == 0 || context.GetEndpoint()?.Metadata is not { } metadata
                || metadata.GetMetadata<RedisCommandMetadata>() is null || !ServesABody(metadata))
                return next(context);
            if (ServesAnEventStream(metadata))
            {
                // A browser's EventSource always sends Accept: text/event-stream: that, not JSON, is what a stream route serves.
                if (Accepts(context.Request, EventStream))
                    return next(context);
                return Problems.Create(ProblemTable.ForStatus(StatusCodes.Status406NotAcceptable),
                    $"This resource is served as {EventStream}; the Accept header does not allow it.", "ERR").ExecuteAsync(context);
            }
            var also = metadata.GetMetadata<AlsoServesRawBytes>() is not null ? RawBytes
                : metadata.GetMetadata<AlsoServesGeoJson>() is not null ? GeoJson
                : null;
            if (Choose(context.Request, also) is { } chosen)
            {
                if (chosen != Json)
                    context.Items[ChosenType] = chosen;
                return next(context);
            }
            var served = also is null ? Json : $"{Json} or {also}";
            return Problems.Create(ProblemTable.ForStatus(StatusCodes.Status406NotAcceptable),
                $"This resource is served as {served}; the Accept header allows none of them.", "ERR").ExecuteAsync(context);
        });

    /// <summary>Whether any of the route's success responses has a body (from its <c>Results&lt;…&gt;</c> signature).</summary>
    private static bool ServesABody(EndpointMetadataCollection metadata) =>
        metadata.GetOrderedMetadata<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>()
            .Any(produced => produced.StatusCode is >= 200 and < 300 && produced.Type is { } type && type != typeof(void));

    /// <summary>Whether the route streams Server-Sent Events (its success is declared as <see cref="EventStream"/>) rather than answering JSON.</summary>
    private static bool ServesAnEventStream(EndpointMetadataCollection metadata) =>
        metadata.GetOrderedMetadata<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>()
            .Any(produced => produced.StatusCode is >= 200 and < 300 && produced.ContentTypes.Contains(EventStream, StringComparer.OrdinalIgnoreCase));

    /// <summary>Whether the request's <c>Accept</c> gives <paramref name="mediaType"/> a quality above 0 (an unparsable one allows everything, as if absent).</summary>
    private static bool Accepts(HttpRequest request, string mediaType) =>
        !MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var ranges) || Quality(ranges, mediaType) > 0;

    /// <summary>The media type negotiation chose for this request: <see cref="Json"/> unless the route serves another form too and the client preferred it.</summary>
    public static string Chosen(HttpContext context) => context.Items.TryGetValue(ChosenType, out var chosen) ? (string)chosen! : Json;

    /// <summary>Whether negotiation chose the value's raw bytes over JSON for this request.</summary>
    public static bool WantsRawBytes(HttpContext context) => Chosen(context) == RawBytes;

    /// <summary>
    /// The media type to answer with — JSON, or <paramref name="also"/> (the route's other form) when
    /// the client gives it a higher quality — or null when the request's <c>Accept</c> allows neither.
    /// </summary>
    internal static string? Choose(HttpRequest request, string? also)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var ranges))
            return Json; // an unparsable Accept is ignored, as if absent
        var json = Quality(ranges, Json);
        var other = also is null ? 0 : Quality(ranges, also);
        if (json <= 0 && other <= 0)
            return null;
        return other > json ? also : Json;
    }

    /// <summary>The quality the most specific matching range gives <paramref name="mediaType"/> (0 when none matches).</summary>
    private static double Quality(IList<MediaTypeHeaderValue> ranges, string mediaType)
    {
        var (type, subtype) = (mediaType[..mediaType.IndexOf('/')], mediaType[(mediaType.IndexOf('/') + 1)..]);
        var best = -1;
        var quality = 0.0;
        foreach (var range in ranges)
        {
            var specificity =
                range.Type.Equals(type, StringComparison.OrdinalIgnoreCase) && range.SubType.Equals(subtype, StringComparison.OrdinalIgnoreCase) ? 2
                : range.Type.Equals(type, StringComparison.OrdinalIgnoreCase) && range.SubType.Equals("*", StringComparison.Ordinal) ? 1
                : range.Type.Equals("*", StringComparison.Ordinal) && range.SubType.Equals("*", StringComparison.Ordinal) ? 0
                : -1;
            if (specificity > best)
            {
                best = specificity;
                quality = range.Quality ?? 1.0;
            }
        }
        return best < 0 ? 0 : quality;
    }
}
