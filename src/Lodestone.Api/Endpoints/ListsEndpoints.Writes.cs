using Lodestone.Api.Contracts;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Lodestone.Api.Endpoints;

/// <summary>The writes of <c>/lists</c>: pushes, pops (blocking as long polls), moves and edits.</summary>
internal static partial class ListsEndpoints
{
    private static Task<Results<Created<ListLength>, Ok<ListLength>, ProblemHttpResult>> LPush(RouteKey target, PushRequest request, HttpContext http, EngineClient engine) =>
        Push(target, request, head: true, http, engine);

    private static Task<Results<Created<ListLength>, Ok<ListLength>, ProblemHttpResult>> RPush(RouteKey target, PushRequest request, HttpContext http, EngineClient engine) =>
        Push(target, request, head: false, http, engine);

    private static async Task<Results<Created<ListLength>, Ok<ListLength>, ProblemHttpResult>> Push(
        RouteKey target, PushRequest request, bool head, HttpContext http, EngineClient engine)
    {
        var command = (head ? "LPUSH" : "RPUSH") + (request.OnlyIfExists ? "X" : "");
        byte[][] args = [Argv.Of(command)[0], target.Bytes, .. request.Items.Select(item => BinaryText.Decode(item, request.Encoding))];
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, args);
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var body = new ListLength(target.ToString(), result.Reply.AsInteger());
        return !result.Before.Exists && result.After.Exists
            ? TypedResults.Created($"/lists/{KeyHttp.PathSegment(target.Bytes)}", body)
            : TypedResults.Ok(body);
    }

    private static Task<Results<Ok<PoppedItems>, StatusCodeHttpResult, ProblemHttpResult>> LPop(
        RouteKey target, [AsParameters] PopQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings) =>
        Pop(target, query, head: true, http, engine, settings.Value);

    private static Task<Results<Ok<PoppedItems>, StatusCodeHttpResult, ProblemHttpResult>> RPop(
        RouteKey target, [AsParameters] PopQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings) =>
        Pop(target, query, head: false, http, engine, settings.Value);

    /// <summary>
    /// LPOP/RPOP [count]; with a timeout, BLPOP/BRPOP — or BLMPOP when a count is given too, the one
    /// blocking pop that takes several elements at once.
    /// </summary>
    private static async Task<Results<Ok<PoppedItems>, StatusCodeHttpResult, ProblemHttpResult>> Pop(
        RouteKey target, PopQuery query, bool head, HttpContext http, EngineClient engine, HttpSettings settings)
    {
        // Refused before anything is popped: popped elements that cannot be returned would be lost.
        if (query.Count is { } wanted && Collections.TooMany(wanted, settings) is { } tooMany)
            return tooMany;
        var end = head ? "LEFT" : "RIGHT";
        CommandResult result;
        var keyed = query.Timeout is not null;
        if (query.Timeout is null)
        {
            var args = query.Count is { } count ? Argv.Of(head ? "LPOP" : "RPOP", target.Bytes, count) : Argv.Of(head ? "LPOP" : "RPOP", target.Bytes);
            var (popped, problem) = await KeyHttp.RunAsync(engine, http, target, args);
            if (problem is not null)
                return problem;
            result = popped;
        }
        else
        {
            if (RefuseConditions(http.Request) is { } conditional)
                return conditional;
            if (!Collections.TryTimeout(query.Timeout, settings, out var timeout, out var invalid))
                return invalid!;
            var args = query.Count is { } count
                ? Argv.Of("BLMPOP", timeout, 1, target.Bytes, end, "COUNT", count)
                : Argv.Of(head ? "BLPOP" : "BRPOP", target.Bytes, timeout);
            if (await Collections.LongPollAsync(engine, http, args, target.Bytes) is not { } polled)
                return Collections.ClientGone();
            if (polled.Reply.IsProblem(out var problem))
                return problem;
            result = polled;
        }

        var items = PoppedElements(result.Reply, keyed);
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var encoding = EncodingOf(BinaryText.Requested(http.Request), target.Bytes, items);
        return TypedResults.Ok(new PoppedItems(BinaryText.Encode(target.Bytes, encoding), Texts(items, encoding)) { Encoding = encoding });
    }

    /// <summary>LMPOP, or BLMPOP with a timeout: from the first of several lists that has elements.</summary>
    private static async Task<Results<Ok<PoppedItems>, StatusCodeHttpResult, ProblemHttpResult>> LMPop(
        MultiPopRequest request, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        if (Collections.TooMany(request.Count, settings.Value) is { } tooMany)
            return tooMany;
        var keys = request.Keys.Select(key => BinaryText.Decode(key, request.Encoding)).ToArray();
        var end = request.From == "left" ? "LEFT" : "RIGHT";
        Reply reply;
        if (request.Timeout is null)
        {
            reply = await engine.RunAsync(Argv.Of(["LMPOP", keys.Length, .. keys, end, "COUNT", request.Count]));
        }
        else
        {
            if (!Collections.TryTimeout(request.Timeout, settings.Value, out var timeout, out var invalid))
                return invalid!;
            if (await Collections.LongPollAsync(engine, http, Argv.Of(["BLMPOP", timeout, keys.Length, .. keys, end, "COUNT", request.Count])) is not { } polled)
                return Collections.ClientGone();
            reply = polled.Reply;
        }
        if (reply.IsProblem(out var problem))
            return problem;

        var key = reply.IsNull ? ReadOnlyMemory<byte>.Empty : reply.AsItems()[0].AsBulk();
        var items = PoppedElements(reply, keyed: true);
        var encoding = EncodingOf(request.Encoding == BinaryText.Base64 || BinaryText.Requested(http.Request), key.Span, items);
        return TypedResults.Ok(new PoppedItems(reply.IsNull ? null : BinaryText.Encode(key.Span, encoding), Texts(items, encoding)) { Encoding = encoding });
    }

    private static async Task<Results<Ok<ListElement>, ProblemHttpResult>> LSet(RouteKey target, long index, SetElementRequest request, HttpContext http, EngineClient engine)
    {
        var value = BinaryText.Decode(request.Value, request.Encoding);
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("LSET", target.Bytes, index, value));
        // LSET's own text is "ERR no such key"; name the key, as every other route does.
        if (result.Reply.IsError && result.Reply.AsError().Kind == ErrorKind.NoSuchKey)
            return Errors.Problems.NoSuchKey(target.ToString());
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.Ok(Element(target.Bytes, index, value, request.Encoding == BinaryText.Base64 || BinaryText.Requested(http.Request)));
    }

    private static async Task<Results<Ok<ListLength>, ProblemHttpResult>> LInsert(RouteKey target, InsertRequest request, HttpContext http, EngineClient engine)
    {
        var args = Argv.Of("LINSERT", target.Bytes, request.Position == "after" ? "AFTER" : "BEFORE",
            BinaryText.Decode(request.Pivot, request.Encoding), BinaryText.Decode(request.Element, request.Encoding));
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, args);
        if (problem is not null)
            return problem;
        var length = result.Reply.AsInteger();
        if (length == 0)
            return Errors.Problems.NoSuchKey(target.ToString());
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        if (length < 0)
            return NotFound($"The pivot is not an element of list '{target}'; nothing was inserted.");
        return TypedResults.Ok(new ListLength(target.ToString(), length));
    }

    /// <summary>
    /// LREM as a DELETE on the list's items: <c>?element=x&amp;count=n</c> (0, the default, removes
    /// every match; n the first n from the head; -n from the tail). The element is percent-encoded
    /// bytes, or base64 with <c>?encoding=base64</c>.
    /// </summary>
    private static async Task<Results<Ok<RemovedCount>, ProblemHttpResult>> LRem(RouteKey target, [Microsoft.AspNetCore.Mvc.FromQuery] long? count, HttpContext http, EngineClient engine)
    {
        if (!Collections.TryQueryValues(http, "element"u8, out var elements, out var invalid))
            return invalid!;
        if (elements.Count != 1)
            return Errors.Problems.Of(ErrorKind.BadRequest, "Name the one element to remove: DELETE /lists/{key}/items?element=x (and count=n for at most n of them).");
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("LREM", target.Bytes, count ?? 0, elements[0]));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.Ok(new RemovedCount(target.ToString(), result.Reply.AsInteger()));
    }

    private static async Task<Results<Ok<ListLength>, ProblemHttpResult>> LTrim(RouteKey target, TrimRequest request, HttpContext http, EngineClient engine)
    {
        if (!KeyHttp.TryPrecondition(http.Request, out var condition, out var invalid))
            return invalid!;
        // The trim and the length it left, in one atomic step.
        var results = await engine.ExecuteAtomicAsync(
        [
            (Argv.Of("LTRIM", target.Bytes, request.Start, request.End), target.Bytes, condition),
            (Argv.Of("LLEN", target.Bytes), target.Bytes, null),
        ]);
        if (results[0].Reply.IsProblem(out var problem))
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, results[1].After, engine.Time);
        return TypedResults.Ok(new ListLength(target.ToString(), results[1].Reply.AsInteger()));
    }

    /// <summary>LMOVE, or BLMOVE with a timeout. Preconditions apply to the source (the route's list).</summary>
    private static async Task<Results<Ok<MovedElement>, StatusCodeHttpResult, ProblemHttpResult>> LMove(
        RouteKey target, MoveRequest request, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var destination = BinaryText.Decode(request.Destination, request.Encoding);
        var (from, to) = (request.From == "left" ? "LEFT" : "RIGHT", request.To == "left" ? "LEFT" : "RIGHT");
        CommandResult result;
        if (request.Timeout is null)
        {
            var (moved, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("LMOVE", target.Bytes, destination, from, to));
            if (problem is not null)
                return problem;
            result = moved;
        }
        else
        {
            if (RefuseConditions(http.Request) is { } conditional)
                return conditional;
            if (!Collections.TryTimeout(request.Timeout, settings.Value, out var timeout, out var invalid))
                return invalid!;
            if (await Collections.LongPollAsync(engine, http, Argv.Of("BLMOVE", target.Bytes, destination, from, to, timeout), target.Bytes) is not { } polled)
                return Collections.ClientGone();
            if (polled.Reply.IsProblem(out var problem))
                return problem;
            result = polled;
        }

        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var element = result.Reply.IsNull ? ReadOnlyMemory<byte>.Empty : result.Reply.AsBulk();
        var base64 = request.Encoding == BinaryText.Base64 || BinaryText.Requested(http.Request);
        var encoding = EncodingOf(base64, target.Bytes, [destination, element]);
        return TypedResults.Ok(new MovedElement(
            BinaryText.Encode(target.Bytes, encoding), BinaryText.Encode(destination, encoding),
            result.Reply.IsNull ? null : BinaryText.Encode(element.Span, encoding)) { Encoding = encoding });
    }

    /// <summary>
    /// The elements of a pop's reply: nil, one element or an array of them (LPOP, RPOP); with
    /// <paramref name="keyed"/>, [key, element] (BLPOP, BRPOP) or [key, [elements]] (LMPOP, BLMPOP).
    /// </summary>
    private static List<ReadOnlyMemory<byte>> PoppedElements(Reply reply, bool keyed)
    {
        if (reply.IsNull)
            return [];
        if (reply.Kind == ReplyKind.Bulk)
            return [reply.AsBulk()];
        var items = reply.AsItems();
        if (!keyed)
            return items.Select(item => item.AsBulk()).ToList();
        return items[1].Kind == ReplyKind.Bulk ? [items[1].AsBulk()] : items[1].AsItems().Select(item => item.AsBulk()).ToList();
    }

    /// <summary>A blocking request cannot carry a precondition: it would be checked again each time the wait ends.</summary>
    private static ProblemHttpResult? RefuseConditions(HttpRequest request) =>
        StringValues.IsNullOrEmpty(request.Headers.IfMatch) && StringValues.IsNullOrEmpty(request.Headers.IfNoneMatch)
            ? null
            : Errors.Problems.Of(ErrorKind.BadRequest, "A blocking request (with a timeout) takes no If-Match or If-None-Match header.");
}
