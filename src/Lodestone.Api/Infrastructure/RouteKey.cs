using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// A key taken from the URL path, binary-safe: bound from the raw request target, not from the
/// decoded path.
/// </summary>
/// <remarks>
/// Kestrel decodes the path before routing but leaves <c>%2F</c> encoded (so a key's slash cannot
/// split the path), which makes <c>a%2Fb</c> and <c>a%252Fb</c> indistinguishable, and it cannot
/// represent bytes that are not UTF-8. So we find the segment of the route parameter in the raw
/// target and percent-decode it to bytes ourselves: every key, whatever its bytes, round-trips.
/// A handler parameter of this type binds the route parameter <c>{key}</c>, or <c>{name}</c> if the
/// route has that instead.
/// </remarks>
public sealed class RouteKey
{
    private RouteKey(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }

    /// <summary>The key as text for messages and JSON (invalid UTF-8 shows as U+FFFD).</summary>
    public override string ToString() => Encoding.UTF8.GetString(Bytes);

    public static ValueTask<RouteKey?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var pattern = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern
            ?? throw new InvalidOperationException("RouteKey binds only on routed endpoints.");
        var segmentIndex = SegmentOf(pattern, "key") ?? SegmentOf(pattern, "name")
            ?? throw new InvalidOperationException($"Route {pattern.RawText} has no {{key}} or {{name}} parameter.");

        var raw = RawPath(context);
        var segments = raw.Split('/');
        // Count from the end: a path base in front of the route does not move the key's segment.
        var fromEnd = pattern.PathSegments.Count - segmentIndex;
        var index = segments.Length - fromEnd;
        if (index < 0 || index >= segments.Length)
            throw new BadHttpRequestException("The key could not be read from the request path.");
        return ValueTask.FromResult<RouteKey?>(new RouteKey(PercentDecode(segments[index])));
    }

    /// <summary>A key given as bytes (for keys that arrive in bodies or query strings).</summary>
    public static RouteKey FromBytes(byte[] bytes) => new(bytes);

    private static int? SegmentOf(RoutePattern pattern, string parameter)
    {
        for (var i = 0; i < pattern.PathSegments.Count; i++)
        {
            foreach (var part in pattern.PathSegments[i].Parts)
            {
                if (part is RoutePatternParameterPart p && string.Equals(p.Name, parameter, StringComparison.OrdinalIgnoreCase))
                    return i;
            }
        }
        return null;
    }

    private static string RawPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw))
            raw = context.Request.PathBase.ToUriComponent() + context.Request.Path.ToUriComponent();
        else if (!raw.StartsWith('/') && Uri.TryCreate(raw, UriKind.Absolute, out var absolute))
            raw = absolute.AbsolutePath; // absolute-form request target (proxies)
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
            raw = raw[..query];
        raw = raw.TrimStart('/');
        // Routing ignores one trailing slash; so do we.
        return raw.Length > 0 && raw[^1] == '/' ? raw[..^1] : raw;
    }

    private static byte[] PercentDecode(string segment)
    {
        var bytes = new List<byte>(segment.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c == '%' && i + 2 < segment.Length && IsHex(segment[i + 1]) && IsHex(segment[i + 2]))
            {
                bytes.Add((byte)((HexValue(segment[i + 1]) << 4) | HexValue(segment[i + 2])));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                Rune.DecodeFromUtf16(segment.AsSpan(i), out var rune, out var consumed);
                var written = rune.EncodeToUtf8(utf8);
                for (var j = 0; j < written; j++)
                    bytes.Add(utf8[j]);
                i += consumed - 1;
            }
        }
        return [.. bytes];
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
