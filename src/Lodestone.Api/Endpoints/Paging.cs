using System.Buffers.Binary;
using System.Globalization;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// One paging shape for every paged read: the client asks for at most <c>limit</c> items (an exact
/// bound, 1 to <see cref="HttpSettings.MaxResponseElements"/>, default <see cref="DefaultLimit"/>) and
/// passes back the <c>next</c> token of the page it got as <c>page</c>; <c>next</c> is null on the
/// last page. Tokens are opaque (base64url), and say where to go on from: a position for ranges
/// (lists, sorted sets), an engine cursor for listings (keys, set members, hash fields).
/// </summary>
/// <remarks>
/// A listing rides on Redis's SCAN, whose COUNT is only a hint — a call returns whole hash buckets,
/// so <c>COUNT 2</c> may give three keys. To make <c>limit</c> exact, a page asks for what it still
/// needs until it has enough; when the last call returns more, the page keeps the first ones and
/// its token resumes at that call's cursor, naming (by a 64-bit hash) the ones already returned so
/// they are skipped. SCAN's guarantee holds across pages: an element present for the whole listing is
/// returned at least once (an element may come twice, as with SCAN, if it moves during the listing).
/// </remarks>
internal static class Paging
{
    public const int DefaultLimit = 100;

    /// <summary>What a listing's scan returns when it met a problem of its own to answer with (the page is then dropped).</summary>
    public static Reply Stopped { get; } = Reply.Error(new EngineError(ErrorKind.BadRequest, "ERR the listing stopped"));

    /// <summary>Engine round trips one listing page may take before it returns what it has (fewer than <c>limit</c>, with a token).</summary>
    private const int MaxScansPerPage = 16;

    private const byte ScanKind = 1;
    private const byte OffsetKind = 2;
    private const byte IdKind = 3;

    /// <summary>Query parameters of the paging this replaced (SCAN's cursor and COUNT hint, an offset): refused, not ignored.</summary>
    private static readonly string[] Replaced = ["cursor", "count", "offset"];

    /// <summary>
    /// The page's size: <paramref name="limit"/>, checked against 1..<see cref="HttpSettings.MaxResponseElements"/>.
    /// A request that still pages the old way (<c>cursor</c>, <c>count</c>, <c>offset</c>) is a 400 saying
    /// how to page now: ignored, it would get a first page and never know.
    /// </summary>
    public static bool TryLimit(HttpRequest request, int? limit, HttpSettings settings, out int size, out ProblemHttpResult? problem)
    {
        size = limit ?? Math.Min(DefaultLimit, settings.MaxResponseElements);
        problem = null;
        if (request.QueryString.HasValue && Replaced.FirstOrDefault(request.Query.ContainsKey) is { } old)
        {
            problem = Problems.Of(ErrorKind.BadRequest,
                $"{old} is not a parameter of this read: page with limit, and pass each page's next token back as page.");
            return false;
        }
        if (size >= 1 && size <= settings.MaxResponseElements)
            return true;
        problem = Problems.Of(ErrorKind.BadRequest,
            $"limit must be between 1 and {settings.MaxResponseElements} (Http:MaxResponseElements).");
        return false;
    }

    /// <summary>A token that continues a range at <paramref name="offset"/>.</summary>
    public static string OffsetToken(long offset)
    {
        Span<byte> bytes = stackalloc byte[9];
        bytes[0] = OffsetKind;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], offset);
        return WebEncoders.Base64UrlEncode(bytes);
    }

    /// <summary>The offset a range token continues at (0 without a token), or a 400 for a token that is not one.</summary>
    public static bool TryOffset(string? page, out long offset, out ProblemHttpResult? problem)
    {
        offset = 0;
        problem = null;
        if (page is null)
            return true;
        if (Decode(page) is [OffsetKind, .. var rest] && rest.Length == 8 && BinaryPrimitives.ReadInt64BigEndian(rest) is >= 0 and var value)
        {
            offset = value;
            return true;
        }
        problem = InvalidToken();
        return false;
    }

    /// <summary>A token that continues a range of stream ids after <paramref name="id"/> (a stream's entries, a group's pending list).</summary>
    public static string IdToken(string id) => WebEncoders.Base64UrlEncode([IdKind, .. System.Text.Encoding.ASCII.GetBytes(id)]);

    /// <summary>The stream id an id token continues after (null without a token), or a 400 for a token that is not one.</summary>
    public static bool TryIdToken(string? page, out string? after, out ProblemHttpResult? problem)
    {
        after = null;
        problem = null;
        if (page is null)
            return true;
        if (Decode(page) is [IdKind, .. var rest] && rest.Length is > 0 and <= 64 && rest.All(b => char.IsAsciiDigit((char)b) || b == '-'))
        {
            after = System.Text.Encoding.ASCII.GetString(rest);
            return true;
        }
        problem = InvalidToken();
        return false;
    }

    /// <summary>
    /// One page of a listing over a SCAN-family command: <paramref name="scan"/> runs it from a cursor
    /// asking for a COUNT and returns the reply (or an error). At most <paramref name="limit"/> elements,
    /// and the token to go on, null when the listing is complete.
    /// </summary>
    /// <param name="identity">The bytes that identify an element (a key, a member, a field name).</param>
    public static async Task<ScanPage<T>> ScanAsync<T>(
        string? page, int limit, Func<string, int, Task<Reply>> scan, Func<Reply, IReadOnlyList<T>> elements, Func<T, byte[]> identity)
    {
        if (!TryScanToken(page, out var cursor, out var skip))
            return new ScanPage<T>([], null, InvalidToken());
        var found = new List<T>(Math.Min(limit, 1024));
        for (var round = 0; round < MaxScansPerPage; round++)
        {
            var reply = await scan(cursor.ToString(CultureInfo.InvariantCulture), limit - found.Count);
            if (reply.IsProblem(out var problem))
                return new ScanPage<T>([], null, problem);
            var items = reply.AsItems();
            var next = ulong.Parse(items[0].AsBulk().Span, CultureInfo.InvariantCulture);
            var batch = elements(items[1]).Where(e => !skip.Contains(Hash(identity(e)))).ToList();
            if (found.Count + batch.Count > limit)
            {
                // More than the page holds: keep the first, and resume at this same cursor without them.
                var taken = batch.Take(limit - found.Count).ToList();
                found.AddRange(taken);
                skip.UnionWith(taken.Select(e => Hash(identity(e))));
                return new ScanPage<T>(found, ScanToken(cursor, skip), null);
            }
            found.AddRange(batch);
            skip.Clear();
            cursor = next;
            if (cursor == 0)
                return new ScanPage<T>(found, null, null);
            if (found.Count == limit)
                break;
        }
        return new ScanPage<T>(found, ScanToken(cursor, []), null);
    }

    private static ProblemHttpResult InvalidToken() =>
        Problems.Of(ErrorKind.BadRequest, "page is not a token this listing gave: pass back the 'next' of the previous page, or leave it out to start.");

    private static string ScanToken(ulong cursor, HashSet<ulong> skip)
    {
        var bytes = new byte[1 + 8 + skip.Count * 8];
        bytes[0] = ScanKind;
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(1), cursor);
        var at = 9;
        foreach (var hash in skip)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(at), hash);
            at += 8;
        }
        return WebEncoders.Base64UrlEncode(bytes);
    }

    private static bool TryScanToken(string? page, out ulong cursor, out HashSet<ulong> skip)
    {
        cursor = 0;
        skip = [];
        if (page is null)
            return true;
        if (Decode(page) is not [ScanKind, .. var rest] || rest.Length < 8 || rest.Length % 8 != 0)
            return false;
        cursor = BinaryPrimitives.ReadUInt64BigEndian(rest);
        for (var at = 8; at < rest.Length; at += 8)
            skip.Add(BinaryPrimitives.ReadUInt64BigEndian(rest.AsSpan(at)));
        return true;
    }

    private static byte[]? Decode(string token)
    {
        if (token.Length > 4096)
            return null;
        try
        {
            return WebEncoders.Base64UrlDecode(token);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>FNV-1a, 64 bits: stable across processes, so a token outlives a restart of the service.</summary>
    private static ulong Hash(byte[] bytes)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
            hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}

/// <summary>A page of a listing: its elements, the token to go on (null when complete), or the problem that stopped it.</summary>
internal readonly record struct ScanPage<T>(IReadOnlyList<T> Elements, string? Next, ProblemHttpResult? Problem);
