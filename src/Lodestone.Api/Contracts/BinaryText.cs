using System.Text;

namespace Lodestone.Api.Contracts;

/// <summary>
/// How bytes travel inside JSON. Keys and values are binary-safe; JSON strings are text. The rule,
/// the same for every resource: an object's byte fields are UTF-8 text, unless one of them is not
/// valid UTF-8 or the client asked for <c>?encoding=base64</c> — then all of them are base64 and the
/// object says <c>"encoding": "base64"</c>. Requests may send base64 the same way.
/// </summary>
internal static class BinaryText
{
    public const string Base64 = "base64";
    public const string Utf8 = "utf8";

    /// <summary>Whether <paramref name="encoding"/> is a name we accept (null means utf8).</summary>
    public static bool IsKnown(string? encoding) => encoding is null or Utf8 or Base64;

    /// <summary>The encoding an object with these byte fields is written in: null (text) or "base64".</summary>
    public static string? Choose(bool base64Requested, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second = default) =>
        base64Requested || !System.Text.Unicode.Utf8.IsValid(first) || !System.Text.Unicode.Utf8.IsValid(second) ? Base64 : null;

    public static string Encode(ReadOnlySpan<byte> bytes, string? encoding) =>
        encoding == Base64 ? Convert.ToBase64String(bytes) : Encoding.UTF8.GetString(bytes);

    public static byte[] Decode(string text, string? encoding) =>
        encoding == Base64 ? Convert.FromBase64String(text) : Encoding.UTF8.GetBytes(text);

    public static bool IsValidBase64(string text)
    {
        Span<byte> scratch = text.Length <= 1024 ? stackalloc byte[text.Length] : new byte[text.Length];
        return Convert.TryFromBase64String(text, scratch, out _);
    }

    /// <summary>Whether the request asked for base64 output (<c>?encoding=base64</c>).</summary>
    public static bool Requested(HttpRequest request) =>
        // Most requests have no query: not parsing one saves its collection.
        request.QueryString.HasValue && string.Equals(request.Query["encoding"], Base64, StringComparison.OrdinalIgnoreCase);
}
