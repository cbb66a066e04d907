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

        var raw = RawTarget.Path(context);
        var segments = raw.Split('/');
        // Count from the end: a path base in front of the route does not move the key's segment.
        var fromEnd = pattern.PathSegments.Count - segmentIndex;
        var index = segments.Length - fromEnd;
        if (index < 0 || index >= segments.Length)
            throw new BadHttpRequestException("The key could not be read from the request path.");
        return ValueTask.FromResult<RouteKey?>(new RouteKey(RawTarget.Decode(segments[index])));
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
}
