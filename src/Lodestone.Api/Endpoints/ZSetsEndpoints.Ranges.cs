using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Endpoints;

/// <summary>The reads and pops of many members: the range read (the leaderboard read) and pops, blocking or not.</summary>
public static partial class ZSetsEndpoints
{
    /// <summary>How often a range read counts again when the set changed between its count and its read.</summary>
    private const int RangeAttempts = 3;

    /// <summary>
    /// ZRANGE by rank, score or lex, capped at Http:MaxResponseElements. A range that may be larger
    /// than the cap is counted first (ZCARD, ZCOUNT, ZLEXCOUNT), then read only if it fits, under
    /// the version the count saw — so an oversized range is refused before the engine builds it.
    /// </summary>
    private static async Task<Results<Ok<List<ZMember>>, StatusCodeHttpResult, ProblemHttpResult>> Range(
        RouteKey target, [AsParameters] ZRangeQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var cap = settings.Value.MaxResponseElements;
        var rangeArgs = RangeArguments(target.Bytes, query);
        CommandResult result;
        if (IsSmallRankRange(query, cap))
        {
            (result, var problem) = await KeyHttp.RunAsync(engine, http, target, rangeArgs, read: true);
            if (problem is not null)
                return problem;
        }
        else
        {
            var attempt = 0;
            while (true)
            {
                var (counted, problem) = await KeyHttp.RunAsync(engine, http, target, CountArguments(target.Bytes, query), read: true);
                if (problem is not null)
                    return problem;
                if (!counted.After.Exists)
                    return TypedResults.Ok(new List<ZMember>());
                if (Collections.TooMany(WouldHold(query, counted.Reply.AsInteger()), settings.Value) is { } tooMany)
                    return tooMany;
                result = await engine.ExecuteAsync(rangeArgs, target.Bytes, KeyCondition.VersionIs(counted.After.Version));
                var changed = result.Reply.IsError && result.Reply.AsError().Kind == ErrorKind.PreconditionFailed;
                if (!changed)
                    break;
                if (++attempt == RangeAttempts)
                    return Problems.Of(ErrorKind.Unavailable, "The sorted set changed while its range was being read; try again.");
            }
            if (result.Reply.IsProblem(out var failed))
                return failed;
        }

        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        if (KeyHttp.IsNotModified(http.Request, result.After))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        var base64 = BinaryText.Requested(http.Request);
        var items = result.Reply.AsItems();
        return TypedResults.Ok(query.By == "lex"
            ? items.Select(m => Member(m.AsBulk().Span, null, base64)).ToList()
            : Members(items, base64));
    }

    private static Task<Results<Ok<List<ZMember>>, ProblemHttpResult>> PopMin(
        RouteKey target, [AsParameters] ZPopQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings) =>
        Pop(target, query, highest: false, http, engine, settings.Value);

    private static Task<Results<Ok<List<ZMember>>, ProblemHttpResult>> PopMax(
        RouteKey target, [AsParameters] ZPopQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings) =>
        Pop(target, query, highest: true, http, engine, settings.Value);

    /// <summary>
    /// ZPOPMIN/ZPOPMAX; with a timeout, BZPOPMIN/BZPOPMAX (or BZMPOP for a count) as a long poll.
    /// Nothing to pop — an empty set, or the timeout passed — is an empty list.
    /// </summary>
    private static async Task<Results<Ok<List<ZMember>>, ProblemHttpResult>> Pop(
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
            return TypedResults.Ok(Members(result.Reply.AsItems(), base64));
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
            return TypedResults.Ok(new List<ZMember>());
        if (served.Reply.IsProblem(out var failed))
            return failed;
        KeyHttp.WriteEntityHeaders(http.Response, served.After, engine.Time);
        // BZPOPMIN answers [key, member, score]; BZMPOP answers [key, [[member, score], …]].
        var reply = served.Reply.AsItems();
        var pairs = count == 1 ? reply.Skip(1).ToList() : reply[1].AsItems().SelectMany(pair => pair.AsItems()).ToList();
        return TypedResults.Ok(Members(pairs, base64));
    }

    /// <summary>Whether a rank range is bounded by its own indexes (same sign, at most the cap apart): no need to count first.</summary>
    private static bool IsSmallRankRange(ZRangeQuery query, int cap)
    {
        if (query.By is "score" or "lex")
            return false;
        long start = query.Start ?? 0, stop = query.Stop ?? -1;
        return (start >= 0) == (stop >= 0) && stop - start < cap;
    }

    /// <summary>ZRANGE with the query's range; score and lex ranges are given max first when reversed, as REV expects.</summary>
    private static byte[][] RangeArguments(byte[] key, ZRangeQuery query)
    {
        var reverse = query.Reverse == true;
        var args = new List<object> { "ZRANGE", key };
        switch (query.By)
        {
            case "score" or "lex":
                var (min, max) = Bounds(query);
                args.AddRange(reverse ? [max, min] : [min, max]);
                args.Add(query.By == "score" ? "BYSCORE" : "BYLEX");
                if (query.Offset is not null || query.Limit is not null)
                    args.AddRange(["LIMIT", query.Offset ?? 0, query.Limit ?? -1]);
                break;
            default:
                args.AddRange([query.Start ?? 0, query.Stop ?? -1]);
                break;
        }
        if (reverse)
            args.Add("REV");
        if (query.By != "lex")
            args.Add("WITHSCORES");
        return Argv.Of([.. args]);
    }

    /// <summary>What bounds a range's size: ZCARD for ranks, ZCOUNT or ZLEXCOUNT for the others.</summary>
    private static byte[][] CountArguments(byte[] key, ZRangeQuery query)
    {
        var (min, max) = Bounds(query);
        return query.By switch
        {
            "score" => Argv.Of("ZCOUNT", key, min, max),
            "lex" => Argv.Of("ZLEXCOUNT", key, min, max),
            _ => Argv.Of("ZCARD", key),
        };
    }

    private static (string Min, string Max) Bounds(ZRangeQuery query) =>
        query.By == "lex" ? (query.Min ?? "-", query.Max ?? "+") : (query.Min ?? "-inf", query.Max ?? "+inf");

    /// <summary>How many members the range would return, given the count of the set (ranks) or of the range (score, lex).</summary>
    private static long WouldHold(ZRangeQuery query, long count)
    {
        if (query.By is "score" or "lex")
            return Math.Clamp(count - (query.Offset ?? 0), 0, query.Limit ?? long.MaxValue);
        // Redis's rank normalisation: negative indexes from the end, clamped to the set.
        long start = query.Start ?? 0, stop = query.Stop ?? -1;
        if (start < 0)
            start = Math.Max(start + count, 0);
        if (stop < 0)
            stop += count;
        stop = Math.Min(stop, count - 1);
        return Math.Max(stop - start + 1, 0);
    }

    /// <summary>Flat [member, score, member, score…] replies as member objects.</summary>
    private static List<ZMember> Members(IReadOnlyList<Reply> flat, bool base64Requested)
    {
        var members = new List<ZMember>(flat.Count / 2);
        for (var i = 0; i + 1 < flat.Count; i += 2)
            members.Add(Member(flat[i].AsBulk().Span, flat[i + 1].AsDouble(), base64Requested));
        return members;
    }
}
