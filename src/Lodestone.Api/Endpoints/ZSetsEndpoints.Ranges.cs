using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Endpoints;

/// <summary>The reads and pops of many members: the range read (the leaderboard read) and pops, blocking or not.</summary>
internal static partial class ZSetsEndpoints
{
    /// <summary>How often a range read counts again when the set changed between its count and its read.</summary>
    private const int RangeAttempts = 3;

    /// <summary>
    /// ZRANGE by rank, score or lex, a page at a time: the page is read with one member more than it
    /// holds, to tell whether the range goes on. Score and lex ranges page with LIMIT; a rank range
    /// whose start and stop have the same sign pages by its own indexes; one whose signs differ is
    /// counted first (ZCARD) and read under the version the count saw, so the page is of the range
    /// the client named even if the set changes meanwhile.
    /// </summary>
    private static async Task<Results<Ok<ZRangePage>, StatusCodeHttpResult, ProblemHttpResult>> Range(
        RouteKey target, [AsParameters] ZRangeQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        if (!Paging.TryLimit(http.Request, query.Limit, settings.Value, out var limit, out var invalid) || !Paging.TryOffset(query.Page, out var offset, out invalid))
            return invalid!;
        KeyHttp.KeyRead read;
        if (query.By is "score" or "lex" || SameSign(query))
        {
            if (PageArguments(target.Bytes, query, offset, limit, count: null) is not { } args)
                return Page(target.Bytes, [], limit, offset, http, lex: false);
            read = await KeyHttp.ReadAsync(engine, http, target, args, KeyHttp.Missing.Empty);
        }
        else
        {
            var attempt = 0;
            while (true)
            {
                var counted = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("ZCARD", target.Bytes), KeyHttp.Missing.Empty);
                if (counted.Problem is not null || counted.IsNotModified || !counted.Result.After.Exists)
                {
                    read = counted;
                    break;
                }
                if (PageArguments(target.Bytes, query, offset, limit, counted.Reply.AsInteger()) is not { } args)
                    return Page(target.Bytes, [], limit, offset, http, lex: false);
                var result = await engine.ExecuteAsync(args, target.Bytes, KeyCondition.VersionIs(counted.Result.After.Version));
                if (!result.Reply.IsError || result.Reply.AsError().Kind != ErrorKind.PreconditionFailed)
                {
                    read = counted with { Result = result, Problem = result.Reply.IsProblem(out var failed) ? failed : null };
                    break;
                }
                if (++attempt == RangeAttempts)
                    return Problems.Of(ErrorKind.Unavailable, "The sorted set changed while its range was being read; try again.");
            }
        }
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        if (!read.Result.After.Exists || read.Reply.Kind == ReplyKind.Integer)
            return Page(target.Bytes, [], limit, offset, http, lex: false);
        return Page(target.Bytes, read.Reply.AsItems(), limit, offset, http, lex: query.By == "lex");
    }

    /// <summary>The page's members (the read holds at most one more, which only says there is more) and the token to go on.</summary>
    private static Ok<ZRangePage> Page(byte[] key, IReadOnlyList<Reply> items, int limit, long offset, HttpContext http, bool lex)
    {
        var base64 = BinaryText.Requested(http.Request);
        var members = lex ? items.Select(m => Member(m.AsBulk().Span, null, base64)).ToList() : Members(items, base64);
        var next = members.Count > limit ? Paging.OffsetToken(offset + limit) : null;
        var encoding = BinaryText.Choose(base64, key);
        return TypedResults.Ok(new ZRangePage(BinaryText.Encode(key, encoding), members.Take(limit).ToList(), next) { Encoding = encoding });
    }

    private static Task<Results<Ok<ZPopped>, ProblemHttpResult>> PopMin(
        RouteKey target, [AsParameters] ZPopQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings) =>
        Pop(target, query, highest: false, http, engine, settings.Value);

    private static Task<Results<Ok<ZPopped>, ProblemHttpResult>> PopMax(
        RouteKey target, [AsParameters] ZPopQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings) =>
        Pop(target, query, highest: true, http, engine, settings.Value);

    /// <summary>
    /// ZPOPMIN/ZPOPMAX; with a timeout, BZPOPMIN/BZPOPMAX (or BZMPOP for a count) as a long poll.
    /// Nothing to pop — an empty set, or the timeout passed — is an empty list.
    /// </summary>
    private static async Task<Results<Ok<ZPopped>, ProblemHttpResult>> Pop(
        RouteKey target, ZPopQuery query, bool highest, HttpContext http, EngineClient engine, HttpSettings settings)
    {
        var count = query.Count ?? 1;
        if (Collections.TooMany(count, settings) is { } tooMany)
            return tooMany;
        var base64 = BinaryText.Requested(http.Request);
        if (query.Timeout is null)
        {
            var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of(highest ? "ZPOPMAX" : "ZPOPMIN", target.Bytes, count));
            if (problem is not null)
                return problem;
            KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
            return Popped(target.Bytes, Members(result.Reply.AsItems(), base64), base64);
        }

        // A long poll may wait for the key to exist: a precondition on it would only be checked once, so none is taken.
        if (http.Request.Headers.IfMatch.Count > 0 || http.Request.Headers.IfNoneMatch.Count > 0)
            return Problems.Of(ErrorKind.BadRequest, "A blocking pop (timeout) takes no If-Match or If-None-Match.");
        if (!Collections.TryTimeout(query.Timeout, settings, out var timeout, out var invalid))
            return invalid!;
        var args = count == 1
            ? Argv.Of(highest ? "BZPOPMAX" : "BZPOPMIN", target.Bytes, timeout)
            : Argv.Of("BZMPOP", timeout, 1, target.Bytes, highest ? "MAX" : "MIN", "COUNT", count);
        if (await Collections.LongPollAsync(engine, http, args, target.Bytes) is not { } served || served.Reply.IsNull)
            return Popped(target.Bytes, [], base64);
        if (served.Reply.IsProblem(out var failed))
            return failed;
        KeyHttp.WriteEntityHeaders(http.Response, served.After, engine.Time);
        // BZPOPMIN answers [key, member, score]; BZMPOP answers [key, [[member, score], …]].
        var reply = served.Reply.AsItems();
        var pairs = count == 1 ? reply.Skip(1).ToList() : reply[1].AsItems().SelectMany(pair => pair.AsItems()).ToList();
        return Popped(target.Bytes, Members(pairs, base64), base64);
    }

    private static Ok<ZPopped> Popped(byte[] key, List<ZMember> members, bool base64)
    {
        var encoding = BinaryText.Choose(base64, key);
        return TypedResults.Ok(new ZPopped(BinaryText.Encode(key, encoding), members) { Encoding = encoding });
    }

    /// <summary>Whether a rank range's start and stop are both from the head or both from the tail: its pages follow from its own indexes.</summary>
    private static bool SameSign(ZRangeQuery query) => (query.Start ?? 0) >= 0 == (query.Stop ?? -1) >= 0;

    /// <summary>
    /// ZRANGE for the page <paramref name="offset"/> members into the range, one member longer than
    /// <paramref name="limit"/>; null when the page starts past the range's end. A rank range whose
    /// signs differ needs the set's size, <paramref name="count"/>, to be made absolute first.
    /// Score and lex ranges are given max first when reversed, as REV expects.
    /// </summary>
    private static byte[][]? PageArguments(byte[] key, ZRangeQuery query, long offset, int limit, long? count)
    {
        var reverse = query.Reverse == true;
        var args = new List<object> { "ZRANGE", key };
        if (query.By is "score" or "lex")
        {
            var (min, max) = Bounds(query);
            args.AddRange(reverse ? [max, min] : [min, max]);
            args.Add(query.By == "score" ? "BYSCORE" : "BYLEX");
            args.AddRange(["LIMIT", offset, limit + 1L]);
        }
        else
        {
            long start = query.Start ?? 0, stop = query.Stop ?? -1;
            if (count is { } size)
            {
                // Redis's normalisation: negative ranks from the end, clamped to the set.
                start = start < 0 ? Math.Max(start + size, 0) : start;
                stop = Math.Min(stop < 0 ? stop + size : stop, size - 1);
            }
            if (start > long.MaxValue - offset)
                return null;
            var first = start + offset;
            if (first > stop || (start < 0 && first >= 0))
                return null;
            var last = first > long.MaxValue - limit ? long.MaxValue : first + limit;
            args.AddRange([first, Math.Min(last, stop)]);
        }
        if (reverse)
            args.Add("REV");
        if (query.By != "lex")
            args.Add("WITHSCORES");
        return Argv.Of([.. args]);
    }

    private static (string Min, string Max) Bounds(ZRangeQuery query) =>
        query.By == "lex" ? (query.Min ?? "-", query.Max ?? "+") : (query.Min ?? "-inf", query.Max ?? "+inf");

    /// <summary>Flat [member, score, member, score…] replies as member objects.</summary>
    private static List<ZMember> Members(IReadOnlyList<Reply> flat, bool base64Requested)
    {
        var members = new List<ZMember>(flat.Count / 2);
        for (var i = 0; i + 1 < flat.Count; i += 2)
            members.Add(Member(flat[i].AsBulk().Span, flat[i + 1].AsDouble(), base64Requested));
        return members;
    }
}
