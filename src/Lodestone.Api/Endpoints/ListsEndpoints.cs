using Lodestone.Api.Contracts;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Validation;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/lists</c>: lists as a resource — queues (push right, pop left, with a long-poll timeout),
/// activity feeds and recent items (push left, trim, read a range). This file: the routes and the
/// reads; pushes, pops and edits are in ListsEndpoints.Writes.cs.
/// </summary>
/// <remarks>
/// A list that loses its last element no longer exists, so a missing list reads as empty (200, no
/// ETag) rather than 404. Reads carry the list's ETag and answer 304 to a matching If-None-Match;
/// writes take If-Match / If-None-Match preconditions on the route's list. Blocking pops and moves
/// (with a <c>timeout</c>) take none: the condition would be checked again whenever the wait ends.
/// </remarks>
internal static partial class ListsEndpoints
{
    public static RouteGroupBuilder MapLists(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/lists").WithTags("Lists").WithValidation().RequireApiKey(app);

        group.MapGet("/{key}", LRange).ForCommand("LRANGE", "getList");
        group.MapGet("/{key}/length", LLen).ForCommand("LLEN", "getListLength");
        group.MapGet("/{key}/items/{index}", LIndex).ForCommand("LINDEX", "getListItem").WithMetadata(new AlsoServesRawBytes()).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{key}/items", LRem).ForCommand("LREM", "removeListItems");
        group.MapGet("/{key}/position", LPos).ForCommand("LPOS", "getListPositions").ProducesValidationProblem();

        group.MapPost("/{key}/left", LPush).ForCommand("LPUSH", "pushListLeft").ProducesValidationProblem();
        group.MapPost("/{key}/right", RPush).ForCommand("RPUSH", "pushListRight").ProducesValidationProblem();
        group.MapPost("/{key}/left/pop", LPop).ForCommand("LPOP", "popListLeft").ProducesValidationProblem();
        group.MapPost("/{key}/right/pop", RPop).ForCommand("RPOP", "popListRight").ProducesValidationProblem();
        group.MapPut("/{key}/items/{index}", LSet).ForCommand("LSET", "setListItem").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/insert", LInsert).ForCommand("LINSERT", "insertListItem").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/trim", LTrim).ForCommand("LTRIM", "trimList").ProducesValidationProblem();
        group.MapPost("/{key}/move", LMove).ForCommand("LMOVE", "moveListItem").ProducesValidationProblem();
        group.MapPost("/mpop", LMPop).ForCommand("LMPOP", "popLists").ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<Results<Ok<ListRange>, StatusCodeHttpResult, ProblemHttpResult>> LRange(
        RouteKey target, [AsParameters] ListRangeQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        if (!KeyHttp.TryPrecondition(http.Request, out var condition, out var invalid))
            return invalid!;
        if (!Paging.TryLimit(http.Request, query.Limit, settings.Value, out var limit, out invalid) || !Paging.TryOffset(query.Page, out var offset, out invalid))
            return invalid!;
        var (start, end) = (query.Start ?? 0, query.End ?? -1);
        // One atomic step: the length (which the conditional headers apply to), and windows that hold
        // the page — the range's elements from offset on, up to limit — whatever that length turns out
        // to be, so a huge list is never read whole.
        var windows = RangeWindows(start, offset, limit);
        var results = await engine.ExecuteAtomicAsync(
        [
            (Argv.Of("LLEN", target.Bytes), target.Bytes, condition),
            .. windows.Select(w => (Argv.Of("LRANGE", target.Bytes, w.Start, w.End), (byte[]?)null, (KeyCondition?)null)),
        ]);
        var length = results[0];
        if (length.Reply.IsError && length.Reply.AsError().Kind == ErrorKind.PreconditionFailed && !StringValues.IsNullOrEmpty(http.Request.Headers.IfNoneMatch))
        {
            // A failed If-None-Match on a read means "you have it already".
            KeyHttp.WriteEntityHeaders(http.Response, length.After, engine.Time);
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        if (length.Reply.IsProblem(out var problem))
            return problem;

        var count = length.Reply.AsInteger();
        var (_, taken) = Resolve(count, start, end);
        var onPage = (int)Math.Clamp(taken - offset, 0, limit);
        // The first window starts at the page's first index unless a negative start reaches past the head.
        var window = start >= 0 || count + start >= 0 ? results[1] : results[^1];
        var items = onPage == 0 ? [] : window.Reply.AsItems().Take(onPage).Select(item => item.AsBulk()).ToList();
        KeyHttp.WriteEntityHeaders(http.Response, length.After, engine.Time);
        var encoding = EncodingOf(BinaryText.Requested(http.Request), target.Bytes, items);
        var next = offset + limit < taken ? Paging.OffsetToken(offset + limit) : null;
        return TypedResults.Ok(new ListRange(BinaryText.Encode(target.Bytes, encoding), count, Texts(items, encoding), next) { Encoding = encoding });
    }

    private static async Task<Results<Ok<ListLength>, StatusCodeHttpResult, ProblemHttpResult>> LLen(RouteKey target, HttpContext http, EngineClient engine)
    {
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("LLEN", target.Bytes), KeyHttp.Missing.Empty);
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        return TypedResults.Ok(new ListLength(target.ToString(), read.Reply.AsInteger()));
    }

    private static async Task<Results<Ok<ListElement>, FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> LIndex(RouteKey target, long index, HttpContext http, EngineClient engine)
    {
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("LINDEX", target.Bytes, index));
        if (read.Problem is { } problem)
            return problem;
        if (read.Reply.IsNull)
            return NotFound($"List '{target}' has no element at index {index}.");
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        if (ContentNegotiation.WantsRawBytes(http))
            return TypedResults.Bytes(read.Reply.AsBulk(), ContentNegotiation.RawBytes);
        return TypedResults.Ok(Element(target.Bytes, index, read.Reply.AsBulk(), BinaryText.Requested(http.Request)));
    }

    private static async Task<Results<Ok<ListPositions>, StatusCodeHttpResult, ProblemHttpResult>> LPos(
        RouteKey target, [AsParameters] PositionQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var cap = settings.Value.MaxResponseElements;
        var args = new List<object> { "LPOS", target.Bytes, BinaryText.Decode(query.Element, query.Encoding) };
        if (query.Rank is { } rank)
            args.AddRange(["RANK", rank]);
        // "Every match" (0) or more than a response may hold: ask for one more than the cap, to tell.
        if (query.Count is { } count)
            args.AddRange(["COUNT", count == 0 || count > cap ? cap + 1L : count]);
        if (query.MaxLen is { } maxLen)
            args.AddRange(["MAXLEN", maxLen]);
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of([.. args]), KeyHttp.Missing.Empty);
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        List<long> positions = read.Reply.Kind switch
        {
            ReplyKind.Null => [],
            ReplyKind.Integer => [read.Reply.AsInteger()],
            _ => read.Reply.AsItems().Select(item => item.AsInteger()).ToList(),
        };
        if (Collections.TooMany(positions.Count, settings.Value) is { } tooMany)
            return tooMany;
        return TypedResults.Ok(new ListPositions(target.ToString(), positions));
    }

    /// <summary>
    /// LRANGE windows that, between them, start at the page's first element — <paramref name="offset"/>
    /// elements into the range — and hold up to <paramref name="limit"/> elements, whatever the list's
    /// length: from a non-negative start, one window; from a negative one, the window at that offset
    /// from the tail and, for when the range reaches past the head, the window from the head.
    /// </summary>
    private static (long Start, long End)[] RangeWindows(long start, long offset, int limit)
    {
        if (start >= 0)
        {
            var first = start > long.MaxValue - offset ? long.MaxValue : start + offset;
            return [(first, first > long.MaxValue - limit ? long.MaxValue : first + limit - 1)];
        }
        var fromTail = start + offset;
        var head = (offset, offset > long.MaxValue - limit ? long.MaxValue : offset + limit - 1);
        // Past the tail already (only a range the list has left behind): an empty window.
        return fromTail < 0 ? [(fromTail, Math.Min(fromTail + limit - 1, -1)), head] : [(1, 0), head];
    }

    /// <summary>Redis's LRANGE rules on a list of <paramref name="count"/> elements: the first index and how many elements.</summary>
    private static (long From, long Taken) Resolve(long count, long start, long end)
    {
        var from = start < 0 ? Math.Max(0, count + start) : start;
        var to = Math.Min(end < 0 ? count + end : end, count - 1);
        return from > to ? (0, 0) : (from, to - from + 1);
    }

    private static ListElement Element(byte[] key, long index, ReadOnlyMemory<byte> value, bool base64Requested)
    {
        var encoding = BinaryText.Choose(base64Requested, key, value.Span);
        return new ListElement(BinaryText.Encode(key, encoding), index, BinaryText.Encode(value.Span, encoding)) { Encoding = encoding };
    }

    /// <summary>The encoding of an object holding a key and elements: base64 if asked for, or if any of them is not UTF-8 (see <see cref="BinaryText"/>).</summary>
    private static string? EncodingOf(bool base64Requested, ReadOnlySpan<byte> key, IEnumerable<ReadOnlyMemory<byte>> items)
    {
        if (BinaryText.Choose(base64Requested, key) is { } encoding)
            return encoding;
        foreach (var item in items)
        {
            if (BinaryText.Choose(false, item.Span) is { } itemEncoding)
                return itemEncoding;
        }
        return null;
    }

    private static List<string> Texts(IEnumerable<ReadOnlyMemory<byte>> items, string? encoding) =>
        items.Select(item => BinaryText.Encode(item.Span, encoding)).ToList();

    private static ProblemHttpResult NotFound(string detail) =>
        Errors.Problems.Create(Errors.ProblemTable.ForStatus(StatusCodes.Status404NotFound), detail, "ERR");
}
