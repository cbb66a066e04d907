using System.Text;
using System.Text.Json;

namespace Lodestone.Api.Protocol;

/// <summary>
/// Writes a value's bytes as one JSON string — UTF-8 text, or base64 — without ever holding its
/// whole JSON form in memory: a value of up to 512 MB (<c>proto-max-bulk-len</c>) whose JSON can be
/// six times larger (every NUL is <c>\u0000</c>) goes out in segments, flushed one by one.
/// </summary>
/// <remarks>
/// <see cref="Utf8JsonWriter"/> refuses a single string token over about 166 MB and buffers a token
/// whole, so writing a large value in one call either failed (500, or a truncated body once the
/// headers had gone) or took memory many times the value's size. Segments keep memory at
/// <see cref="SegmentBytes"/> times the escaping factor.
/// </remarks>
internal static class JsonText
{
    /// <summary>Values at least this large are written in segments, with a flush after each; smaller ones in one call.</summary>
    public const int SegmentBytes = 64 * 1024;

    /// <summary>Whether <paramref name="length"/> bytes are written by <see cref="WriteAsync"/> rather than in one call.</summary>
    public static bool IsLarge(int length) => length >= SegmentBytes;

    /// <summary>
    /// Writes <paramref name="bytes"/> as one JSON string value: base64, or UTF-8 text (bytes that are not
    /// UTF-8 become U+FFFD, as in the one-call form), flushing <paramref name="json"/> after each segment.
    /// </summary>
    public static async ValueTask WriteAsync(Utf8JsonWriter json, ReadOnlyMemory<byte> bytes, bool base64, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (bytes.IsEmpty)
        {
            json.WriteStringValue(""u8);
            return;
        }
        if (base64)
        {
            for (var offset = 0; offset < bytes.Length; offset += SegmentBytes)
            {
                var length = Math.Min(SegmentBytes, bytes.Length - offset);
                json.WriteBase64StringSegment(bytes.Span.Slice(offset, length), isFinalSegment: offset + length == bytes.Length);
                await json.FlushAsync(cancellation);
            }
            return;
        }
        // Decoded to UTF-16 a segment at a time: the decoder carries a character split between two
        // segments over, and replaces invalid bytes as Encoding.UTF8.GetString does.
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(SegmentBytes)];
        for (var offset = 0; offset < bytes.Length; offset += SegmentBytes)
        {
            var length = Math.Min(SegmentBytes, bytes.Length - offset);
            var last = offset + length == bytes.Length;
            var count = decoder.GetChars(bytes.Span.Slice(offset, length), chars, flush: last);
            json.WriteStringValueSegment(chars.AsSpan(0, count), isFinalSegment: last);
            await json.FlushAsync(cancellation);
        }
    }
}
