using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Validation;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/zsets</c>: sorted sets as a resource — leaderboards, priority queues, time series, geohash
/// ranges. Members are JSON text (base64 for bytes); scores are JSON numbers, with the infinities as
/// the strings "inf" and "-inf". The range read, pops and the set algebra are in the other part of
/// this class.
/// </summary>
internal static partial class ZSetsEndpoints
{
    public static RouteGroupBuilder MapZSets(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/zsets").WithTags("Sorted sets").WithValidation().RequireApiKey(app);

        // The algebra answers the members, or with a destination the stored count.
        var algebraResults = new OneOfResponses(typeof(ZAlgebraResult), typeof(ZStoreResult));
        group.MapGet("/{key}", Get).ForCommand("ZCARD", "getZSet").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{key}/members", Range).ForCommand("ZRANGE", "getZSetRange").ProducesValidationProblem();
        group.MapPost("/{key}/members", Add).ForCommand("ZADD", "addZSetMembers").WithMetadata(new OneOfResponses(typeof(ZAddResult), typeof(ZMemberScore))).ProducesValidationProblem().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapDelete("/{key}/members", RemoveMany).ForCommand("ZREM", "removeZSetMembers");
        group.MapGet("/{key}/members/{member}", Score).ForCommand("ZSCORE", "getZSetMember").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{key}/members/{member}", Remove).ForCommand("ZREM", "removeZSetMember").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/members/{member}/incr", Increment).ForCommand("ZINCRBY", "incrementZSetMember").ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/{key}/members/{member}/rank", Rank).ForCommand("ZRANK", "getZSetRank").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{key}/count", Count).ForCommand("ZCOUNT", "countZSetScores").ProducesValidationProblem();
        group.MapPost("/{key}/popmin", PopMin).ForCommand("ZPOPMIN", "popZSetMin").ProducesValidationProblem();
        group.MapPost("/{key}/popmax", PopMax).ForCommand("ZPOPMAX", "popZSetMax").ProducesValidationProblem();
        group.MapPost("/union", Union).ForCommand("ZUNION", "unionZSets").WithKeyConditions(KeyConditions.Write).WithMetadata(algebraResults).ProducesValidationProblem();
        group.MapPost("/inter", Inter).ForCommand("ZINTER", "intersectZSets").WithKeyConditions(KeyConditions.Write).WithMetadata(algebraResults).ProducesValidationProblem();
        group.MapPost("/diff", Diff).ForCommand("ZDIFF", "diffZSets").WithKeyConditions(KeyConditions.Write).WithMetadata(algebraResults).ProducesValidationProblem();
        return group;
    }

    private static async Task<Results<Ok<ZSetInfo>, StatusCodeHttpResult, ProblemHttpResult>> Get(RouteKey target, HttpContext http, EngineClient engine)
    {
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("ZCARD", target.Bytes));
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes);
        return TypedResults.Ok(new ZSetInfo(BinaryText.Encode(target.Bytes, encoding), read.Reply.AsInteger(), read.TtlMs) { Encoding = encoding });
    }

    private static async Task<Results<Created<ZAddResult>, Ok<ZAddResult>, Created<ZMemberScore>, Ok<ZMemberScore>, ProblemHttpResult>> Add(
        RouteKey target, ZAddRequest request, HttpContext http, EngineClient engine)
    {
        var args = new List<object> { "ZADD", target.Bytes };
        if (request.Condition is { } condition)
            args.Add(condition.ToUpperInvariant());
        if (request.Compare is { } compare)
            args.Add(compare.ToUpperInvariant());
        if (request.Ch)
            args.Add("CH");
        if (request.Incr)
            args.Add("INCR");
        foreach (var member in request.Members)
            args.AddRange([ScoreJsonConverter.Argument(member.Score), BinaryText.Decode(member.Member, request.Encoding)]);

        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of([.. args]));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var created = !result.Before.Exists && result.After.Exists;
        var location = $"/zsets/{KeyHttp.PathSegment(target.Bytes)}";
        var base64 = request.Encoding == BinaryText.Base64 || BinaryText.Requested(http.Request);
        if (request.Incr)
        {
            var score = result.Reply.IsNull ? (double?)null : result.Reply.AsDouble();
            var entry = MemberScore(target.Bytes, BinaryText.Decode(request.Members[0].Member, request.Encoding), score, base64);
            return created ? TypedResults.Created(location, entry) : TypedResults.Ok(entry);
        }
        var encoding = BinaryText.Choose(base64, target.Bytes);
        var added = new ZAddResult(BinaryText.Encode(target.Bytes, encoding), result.Reply.AsInteger()) { Encoding = encoding };
        return created ? TypedResults.Created(location, added) : TypedResults.Ok(added);
    }

    private static async Task<Results<Ok<ZMemberScore>, StatusCodeHttpResult, ProblemHttpResult>> Score(RouteKey target, HttpContext http, EngineClient engine)
    {
        var member = RouteKey.Segment(http, "member");
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("ZSCORE", target.Bytes, member));
        if (read.Problem is { } problem)
            return problem;
        if (read.Reply.IsNull)
            return NoSuchMember(target, member);
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        return TypedResults.Ok(MemberScore(target.Bytes, member, read.Reply.AsDouble(), BinaryText.Requested(http.Request)));
    }

    /// <summary>ZREM of the members named in the query (<c>?member=a&amp;member=b</c>): how many were removed.</summary>
    private static async Task<Results<Ok<ZRemoved>, ProblemHttpResult>> RemoveMany(RouteKey target, HttpContext http, EngineClient engine)
    {
        if (!Collections.TryQueryValues(http, "member"u8, out var members, out var invalid))
            return invalid!;
        if (members.Count == 0)
            return Problems.Of(ErrorKind.BadRequest, "Name the members to remove: DELETE /zsets/{key}/members?member=a&member=b (or DELETE /zsets/{key}/members/{member} for one).");
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, [.. Argv.Of("ZREM", target.Bytes), .. members]);
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes);
        return TypedResults.Ok(new ZRemoved(BinaryText.Encode(target.Bytes, encoding), result.Reply.AsInteger()) { Encoding = encoding });
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Remove(RouteKey target, HttpContext http, EngineClient engine)
    {
        var member = RouteKey.Segment(http, "member");
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("ZREM", target.Bytes, member));
        if (problem is not null)
            return problem;
        if (result.Reply.AsInteger() == 0)
            return result.Before.Exists ? NoSuchMember(target, member) : Problems.NoSuchKey(target.ToString());
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ZMemberScore>, ProblemHttpResult>> Increment(
        RouteKey target, [FromBody] ZIncrementRequest? request, HttpContext http, EngineClient engine)
    {
        var member = RouteKey.Segment(http, "member");
        var by = ScoreJsonConverter.Argument(request?.By ?? 1);
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("ZINCRBY", target.Bytes, by, member));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.Ok(MemberScore(target.Bytes, member, result.Reply.AsDouble(), BinaryText.Requested(http.Request)));
    }

    private static async Task<Results<Ok<ZMemberRank>, StatusCodeHttpResult, ProblemHttpResult>> Rank(
        RouteKey target, bool? reverse, HttpContext http, EngineClient engine)
    {
        var member = RouteKey.Segment(http, "member");
        var command = reverse == true ? "ZREVRANK" : "ZRANK";
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of(command, target.Bytes, member, "WITHSCORE"));
        if (read.Problem is { } problem)
            return problem;
        if (read.Reply.IsNull)
            return NoSuchMember(target, member);
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes, member);
        var rankAndScore = read.Reply.AsItems();
        return TypedResults.Ok(new ZMemberRank(BinaryText.Encode(target.Bytes, encoding), BinaryText.Encode(member, encoding),
            rankAndScore[0].AsInteger(), rankAndScore[1].AsDouble()) { Encoding = encoding });
    }

    private static async Task<Results<Ok<ZCountResult>, StatusCodeHttpResult, ProblemHttpResult>> Count(
        RouteKey target, [AsParameters] ZCountQuery query, HttpContext http, EngineClient engine)
    {
        var args = Argv.Of("ZCOUNT", target.Bytes, query.Min ?? "-inf", query.Max ?? "+inf");
        var read = await KeyHttp.ReadAsync(engine, http, target, args, KeyHttp.Missing.Empty);
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes);
        return TypedResults.Ok(new ZCountResult(BinaryText.Encode(target.Bytes, encoding), read.Reply.AsInteger()) { Encoding = encoding });
    }

    private static ProblemHttpResult NoSuchMember(RouteKey target, byte[] member) =>
        Problems.Create(ProblemTable.ForStatus(StatusCodes.Status404NotFound),
            $"Member '{KeyHttp.Display(member)}' is not in sorted set '{target}'.", "ERR");

    private static ZMemberScore MemberScore(byte[] key, byte[] member, double? score, bool base64Requested)
    {
        var encoding = BinaryText.Choose(base64Requested, key, member);
        return new ZMemberScore(BinaryText.Encode(key, encoding), BinaryText.Encode(member, encoding), score) { Encoding = encoding };
    }

    private static ZMember Member(ReadOnlySpan<byte> member, double? score, bool base64Requested)
    {
        var encoding = BinaryText.Choose(base64Requested, member);
        return new ZMember(BinaryText.Encode(member, encoding), score) { Encoding = encoding };
    }
}
