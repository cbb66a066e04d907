using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// The request line as the client sent it. Kestrel's decoded path is lossy for keys (it keeps
/// <c>%2F</c> encoded but decodes <c>%25</c>, and cannot hold bytes that are not UTF-8), so routes
/// that carry keys or arguments in the URL read the raw target and percent-decode it to bytes here.
/// </summary>
internal static class RawTarget
{
    /// <summary>The raw path without its leading slash, query, or one trailing slash.</summary>
    public static string Path(HttpContext context) => PathSpan(context).ToString();

    /// <summary><see cref="Path"/> without copying it out of the request target.</summary>
    public static ReadOnlySpan<char> PathSpan(HttpContext context)
    {
        var raw = Raw(context).AsSpan();
        var query = raw.IndexOf('?');
        if (query >= 0)
            raw = raw[..query];
        raw = raw.TrimStart('/');
        // Routing ignores one trailing slash; so do we.
        return raw.Length > 0 && raw[^1] == '/' ? raw[..^1] : raw;
    }

    /// <summary>The raw query's name/value pairs in order, percent-decoded to bytes ('+' is a space); a bare name has a null value.</summary>
    public static IEnumerable<(byte[] Name, byte[]? Value)> Query(HttpContext context)
    {
        var raw = Raw(context);
        var start = raw.IndexOf('?', StringComparison.Ordinal);
        if (start < 0)
            yield break;
        foreach (var pair in raw[(start + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            yield return equals < 0
                ? (Decode(pair, plusIsSpace: true), null)
                : (Decode(pair[..equals], plusIsSpace: true), Decode(pair[(equals + 1)..], plusIsSpace: true));
        }
    }

    /// <summary>Percent-decodes a URL component to bytes; other characters are taken as UTF-8.</summary>
    public static byte[] Decode(string component, bool plusIsSpace = false) => Decode(component.AsSpan(), plusIsSpace);

    /// <inheritdoc cref="Decode(string, bool)"/>
    public static byte[] Decode(ReadOnlySpan<char> component, bool plusIsSpace = false)
    {
        // At most three bytes per UTF-16 unit (a surrogate pair's four bytes come from two units).
        var most = component.Length * 3;
        byte[]? rented = null;
        var buffer = most <= 512 ? stackalloc byte[most] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(most));
        var length = 0;
        for (var i = 0; i < component.Length; i++)
        {
            var c = component[i];
            if (c == '%' && i + 2 < component.Length && char.IsAsciiHexDigit(component[i + 1]) && char.IsAsciiHexDigit(component[i + 2]))
            {
                buffer[length++] = (byte)((HexValue(component[i + 1]) << 4) | HexValue(component[i + 2]));
                i += 2;
            }
            else if (c == '+' && plusIsSpace)
            {
                buffer[length++] = (byte)' ';
            }
            else if (c < 0x80)
            {
                buffer[length++] = (byte)c;
            }
            else
            {
                Rune.DecodeFromUtf16(component[i..], out var rune, out var consumed);
                length += rune.EncodeToUtf8(buffer[length..]);
                i += consumed - 1;
            }
        }
        var bytes = buffer[..length].ToArray();
        if (rented is not null)
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        return bytes;
    }

    private static string Raw(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw))
            return context.Request.PathBase.ToUriComponent() + context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
        if (!raw.StartsWith('/') && Uri.TryCreate(raw, UriKind.Absolute, out var absolute))
            return absolute.PathAndQuery; // absolute-form request target (proxies)
        return raw;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
