using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// A key taken from the URL path, binary-safe: bound from the raw request target, not from the
/// decoded path.
/// </summary>
/// <remarks>
/// We find the segment of the route parameter in the raw target (<see cref="RawTarget"/>) and
/// percent-decode it to bytes ourselves: every key, whatever its bytes, round-trips.
/// A handler parameter of this type binds the route parameter <c>{key}</c>, or <c>{name}</c> if the
/// route has that instead.
/// </remarks>
internal sealed class RouteKey
{
    private RouteKey(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }

    /// <summary>The key as text for messages and JSON (invalid UTF-8 shows as U+FFFD).</summary>
    public override string ToString() => Encoding.UTF8.GetString(Bytes);

    public static ValueTask<RouteKey?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var pattern = Pattern(context);
        var (name, segment) = SegmentOf(pattern, "key") is { } index ? ("key", index) : ("name", SegmentOf(pattern, "name"));
        return ValueTask.FromResult<RouteKey?>(new RouteKey(Segment(context, pattern, name, segment)));
    }

    /// <summary>
    /// Any route parameter's bytes, read from the raw target the same way — for members and fields in
    /// paths (<c>/sets/{key}/members/{member}</c>). Call it with the parameter's name in the route.
    /// </summary>
    public static byte[] Segment(HttpContext context, string parameter)
    {
        var pattern = Pattern(context);
        return Segment(context, pattern, parameter, SegmentOf(pattern, parameter));
    }

    private static byte[] Segment(HttpContext context, RoutePattern pattern, string parameter, int? segmentIndex)
    {
        if (segmentIndex is not { } index)
            throw new InvalidOperationException($"Route {pattern.RawText} has no {{{parameter}}} parameter.");
        // Count from the end: a path base in front of the route does not move the segment.
        var path = RawTarget.PathSpan(context);
        for (var fromEnd = pattern.PathSegments.Count - index; fromEnd > 1; fromEnd--)
        {
            var slash = path.LastIndexOf('/');
            if (slash < 0)
                throw new BadHttpRequestException($"The {parameter} could not be read from the request path.");
            path = path[..slash];
        }
        var start = path.LastIndexOf('/') + 1;
        return RawTarget.Decode(path[start..]);
    }

    private static RoutePattern Pattern(HttpContext context) =>
        (context.GetEndpoint() as RouteEndpoint)?.RoutePattern
        ?? throw new InvalidOperationException("RouteKey binds only on routed endpoints.");

    /// <summary>A key given as bytes (for keys that arrive in bodies or query strings).</summary>
    public static RouteKey FromBytes(byte[] bytes) => new(bytes);

    private static int? SegmentOf(RoutePattern pattern, string parameter)
    {
        // Indexed loops: these lists are enumerated for every request, and their enumerators are boxed.
        for (var i = 0; i < pattern.PathSegments.Count; i++)
        {
            var parts = pattern.PathSegments[i].Parts;
            for (var j = 0; j < parts.Count; j++)
            {
                if (parts[j] is RoutePatternParameterPart p && string.Equals(p.Name, parameter, StringComparison.OrdinalIgnoreCase))
                    return i;
            }
        }
        return null;
    }
}
