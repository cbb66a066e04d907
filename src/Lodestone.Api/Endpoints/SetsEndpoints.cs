using System.Text;
using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Validation;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/sets</c>: set keys as a resource — tags, unique visitors, friend lists, blocklists, giveaways.
/// Members are JSON text (base64 for bytes, the same rule as every object). Reads of a set carry its
/// ETag; writes honour If-Match / If-None-Match. Whole-set reads are capped at
/// <see cref="HttpSettings.MaxResponseElements"/>; larger sets are paged with SSCAN's cursor.
/// </summary>
internal static class SetsEndpoints
{
    public static RouteGroupBuilder MapSets(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/sets").WithTags("Sets").WithValidation().RequireApiKey(app);

        group.MapGet("/{key}", SMembers).ForCommand("SMEMBERS", "getSet").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{key}/members", SScan).ForCommand("SSCAN", "listSetMembers").WithKeyConditions(KeyConditions.ReadIfMatch).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/members", SAdd).ForCommand("SADD", "addSetMembers").ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapDelete("/{key}/members", SRem).ForCommand("SREM", "removeSetMembers");
        group.MapGet("/{key}/members/{member}", SIsMember).ForCommand("SISMEMBER", "getSetMember").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{key}/members/{member}", SAddOne).ForCommand("SADD", "addSetMember");
        group.MapDelete("/{key}/members/{member}", SRemOne).ForCommand("SREM", "removeSetMember").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/contains", SMIsMember).ForCommand("SMISMEMBER", "checkSetMembers").ProducesValidationProblem();
        group.MapGet("/{key}/cardinality", SCard).ForCommand("SCARD", "getSetCardinality");
        group.MapGet("/{key}/random", SRandMember).ForCommand("SRANDMEMBER", "getRandomSetMembers").WithKeyConditions(KeyConditions.ReadIfMatch);
        group.MapPost("/{key}/pop", SPop).ForCommand("SPOP", "popSetMembers").ProducesValidationProblem();
        group.MapPost("/{key}/move", SMove).ForCommand("SMOVE", "moveSetMember").ProducesValidationProblem();
        group.MapPost("/inter", SInter).ForCommand("SINTER", "intersectSets").WithKeyConditions(KeyConditions.Write).ProducesValidationProblem();
        group.MapPost("/union", SUnion).ForCommand("SUNION", "unionSets").WithKeyConditions(KeyConditions.Write).ProducesValidationProblem();
        group.MapPost("/diff", SDiff).ForCommand("SDIFF", "diffSets").WithKeyConditions(KeyConditions.Write).ProducesValidationProblem();
        group.MapPost("/intercard", SInterCard).ForCommand("SINTERCARD", "countSetIntersection").ProducesValidationProblem();
        return group;
    }

    // ---- Reads of one set -------------------------------------------------------------------

    /// <summary>
    /// SMEMBERS, in two steps so that a set over the cap is refused before the engine builds its
    /// reply: SCARD (which also answers a matching If-None-Match with 304), then SMEMBERS.
    /// </summary>
    private static async Task<Results<Ok<SetMembers>, StatusCodeHttpResult, ProblemHttpResult>> SMembers(
        RouteKey target, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var size = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("SCARD", target.Bytes));
        if (size.Problem is { } problem)
            return problem;
        if (size.IsNotModified)
            return KeyHttp.NotModified;
        if (Collections.TooMany(size.Reply.AsInteger(), settings.Value, "page through /sets/{key}/members") is { } tooMany)
            return tooMany;

        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("SMEMBERS", target.Bytes));
        if (read.Problem is { } failed)
            return failed;
        // It may have grown between the two steps.
        if (Collections.TooMany(read.Reply.AsItems().Count, settings.Value, "page through /sets/{key}/members") is { } grown)
            return grown;
        return TypedResults.Ok(MembersOf(target.Bytes, read.Reply, BinaryText.Requested(http.Request)));
    }

    private static async Task<Results<Ok<SetPage>, ProblemHttpResult>> SScan(
        RouteKey target, [AsParameters] ListingQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        if (!Paging.TryLimit(http.Request, query.Limit, settings.Value, out var limit, out var invalid))
            return invalid!;
        var state = default(KeyHttp.KeyRead);
        var page = await Paging.ScanAsync(query.Page, limit, async (cursor, count) =>
            {
                var args = new List<object> { "SSCAN", target.Bytes, cursor, "COUNT", count };
                if (query.Match is { } match)
                    args.AddRange(["MATCH", match]);
                state = await KeyHttp.ReadAsync(engine, http, target, Argv.Of([.. args]));
                return state.Problem is null ? state.Reply : Paging.Stopped;
            },
            reply => Bytes(reply), member => member.ToArray());
        if (state.Problem is { } failed)
            return failed;
        if (page.Problem is { } pageProblem)
            return pageProblem;
        var encoding = EncodingOf(BinaryText.Requested(http.Request), target.Bytes, page.Elements);
        return TypedResults.Ok(new SetPage(BinaryText.Encode(target.Bytes, encoding), Encode(page.Elements, encoding), page.Next) { Encoding = encoding });
    }

    /// <summary>SISMEMBER as a resource: 200 when the member is in the set, 404 when it is not (or there is no set).</summary>
    private static async Task<Results<Ok<SetMember>, StatusCodeHttpResult, ProblemHttpResult>> SIsMember(
        RouteKey target, HttpContext http, EngineClient engine)
    {
        var member = RouteKey.Segment(http, "member");
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("SISMEMBER", target.Bytes, member), KeyHttp.Missing.Empty);
        if (read.Problem is { } problem)
            return problem;
        if (read.Reply.AsInteger() == 0)
            return NotAMember(target.Bytes, member);
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes, member);
        return TypedResults.Ok(new SetMember(BinaryText.Encode(target.Bytes, encoding), BinaryText.Encode(member, encoding)) { Encoding = encoding });
    }

    private static async Task<Results<Ok<SetMemberships>, ProblemHttpResult>> SMIsMember(
        RouteKey target, SetMembersRequest request, HttpContext http, EngineClient engine)
    {
        var members = Decode(request.Members, request.Encoding);
        var read = await KeyHttp.ReadAsync(engine, http, target, [.. Argv.Of("SMISMEMBER", target.Bytes), .. members], KeyHttp.Missing.Empty);
        if (read.Problem is { } problem)
            return problem;
        var encoding = EncodingOf(Base64Wanted(request.Encoding, http), target.Bytes, members);
        var answers = read.Reply.AsItems().Select((answer, i) => new SetMemberState(BinaryText.Encode(members[i], encoding), answer.AsInteger() == 1)).ToList();
        return TypedResults.Ok(new SetMemberships(BinaryText.Encode(target.Bytes, encoding), answers) { Encoding = encoding });
    }

    private static async Task<Results<Ok<SetCardinality>, StatusCodeHttpResult, ProblemHttpResult>> SCard(
        RouteKey target, HttpContext http, EngineClient engine)
    {
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("SCARD", target.Bytes), KeyHttp.Missing.Empty);
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes);
        return TypedResults.Ok(new SetCardinality(BinaryText.Encode(target.Bytes, encoding), read.Reply.AsInteger()) { Encoding = encoding });
    }

    private static async Task<Results<Ok<SetMembers>, ProblemHttpResult>> SRandMember(
        RouteKey target, [AsParameters] SetRandomQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var count = query.Count ?? 1;
        // A negative count asks for that many members with repeats: the response holds |count| members.
        if (Collections.TooMany(count == long.MinValue ? long.MaxValue : Math.Abs(count), settings.Value) is { } tooMany)
            return tooMany;
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("SRANDMEMBER", target.Bytes, count), KeyHttp.Missing.Empty);
        if (read.Problem is { } problem)
            return problem;
        return TypedResults.Ok(MembersOf(target.Bytes, read.Reply, BinaryText.Requested(http.Request)));
    }

    // ---- Writes to one set ------------------------------------------------------------------

    /// <summary>SADD, then SCARD in the same atomic step, so the reply says how large the set is now; 201 when it created the set.</summary>
    private static Task<Results<Created<SetAdded>, Ok<SetAdded>, ProblemHttpResult>> SAdd(
        RouteKey target, SetMembersRequest request, HttpContext http, EngineClient engine) =>
        AddAsync(target, Decode(request.Members, request.Encoding), Base64Wanted(request.Encoding, http), http, engine, location: null);

    /// <summary>SADD of the one member in the path (idempotent): 201 when it was new, 200 when it was already there.</summary>
    private static Task<Results<Created<SetAdded>, Ok<SetAdded>, ProblemHttpResult>> SAddOne(RouteKey target, HttpContext http, EngineClient engine)
    {
        var member = RouteKey.Segment(http, "member");
        return AddAsync(target, [member], BinaryText.Requested(http.Request), http, engine, location: MemberUrl(target.Bytes, member));
    }

    private static async Task<Results<Created<SetAdded>, Ok<SetAdded>, ProblemHttpResult>> AddAsync(
        RouteKey target, byte[][] members, bool base64, HttpContext http, EngineClient engine, string? location)
    {
        var (changed, size, problem) = await ChangeAsync(engine, http, target, [.. Argv.Of("SADD", target.Bytes), .. members]);
        if (problem is not null)
            return problem;
        var encoding = BinaryText.Choose(base64, target.Bytes);
        var added = new SetAdded(BinaryText.Encode(target.Bytes, encoding), changed.Reply.AsInteger(), size) { Encoding = encoding };
        // A new member (PUT) or a new set (POST) is a created resource.
        var created = location is null ? !changed.Before.Exists : added.Added == 1;
        return created ? TypedResults.Created(location ?? $"/sets/{KeyHttp.PathSegment(target.Bytes)}", added) : TypedResults.Ok(added);
    }

    /// <summary>SREM of the members named in the query (<c>?member=a&amp;member=b</c>), then SCARD in the same atomic step.</summary>
    private static async Task<Results<Ok<SetRemoved>, ProblemHttpResult>> SRem(RouteKey target, HttpContext http, EngineClient engine)
    {
        if (!Collections.TryQueryValues(http, "member"u8, out var members, out var invalid))
            return invalid!;
        if (members.Count == 0)
            return Problems.Of(ErrorKind.BadRequest, "Name the members to remove: DELETE /sets/{key}/members?member=a&member=b (or DELETE /sets/{key}/members/{member} for one).");
        var (changed, size, problem) = await ChangeAsync(engine, http, target, [.. Argv.Of("SREM", target.Bytes), .. members]);
        if (problem is not null)
            return problem;
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes);
        return TypedResults.Ok(new SetRemoved(BinaryText.Encode(target.Bytes, encoding), changed.Reply.AsInteger(), size) { Encoding = encoding });
    }

    /// <summary>SREM of the one member in the path: 204, or 404 when it was not in the set.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SRemOne(RouteKey target, HttpContext http, EngineClient engine)
    {
        var member = RouteKey.Segment(http, "member");
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("SREM", target.Bytes, member));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return result.Reply.AsInteger() == 0 ? NotAMember(target.Bytes, member) : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SetMembers>, ProblemHttpResult>> SPop(
        RouteKey target, [AsParameters] SetPopQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var count = query.Count ?? 1;
        if (Collections.TooMany(count, settings.Value) is { } tooMany)
            return tooMany;
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("SPOP", target.Bytes, count));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.Ok(MembersOf(target.Bytes, result.Reply, BinaryText.Requested(http.Request)));
    }

    private static async Task<Results<Ok<SetMoved>, ProblemHttpResult>> SMove(
        RouteKey target, SetMoveRequest request, HttpContext http, EngineClient engine)
    {
        var destination = BinaryText.Decode(request.Destination, request.Encoding);
        var member = BinaryText.Decode(request.Member, request.Encoding);
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("SMOVE", target.Bytes, destination, member));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var encoding = EncodingOf(Base64Wanted(request.Encoding, http), target.Bytes, [destination, member]);
        return TypedResults.Ok(new SetMoved(
            BinaryText.Encode(target.Bytes, encoding), BinaryText.Encode(destination, encoding), BinaryText.Encode(member, encoding),
            result.Reply.AsInteger() == 1) { Encoding = encoding });
    }

    // ---- Algebra across keys ----------------------------------------------------------------

    private static Task<Results<Ok<SetAlgebraResult>, ProblemHttpResult>> SInter(
        SetAlgebraRequest request, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings) =>
        AlgebraAsync("SINTER", request, http, engine, settings.Value);

    private static Task<Results<Ok<SetAlgebraResult>, ProblemHttpResult>> SUnion(
        SetAlgebraRequest request, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings) =>
        AlgebraAsync("SUNION", request, http, engine, settings.Value);

    private static Task<Results<Ok<SetAlgebraResult>, ProblemHttpResult>> SDiff(
        SetAlgebraRequest request, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings) =>
        AlgebraAsync("SDIFF", request, http, engine, settings.Value);

    /// <summary>
    /// SINTER, SUNION or SDIFF — or, with a destination, their STORE form, under the conditional
    /// headers, which then apply to the destination (If-None-Match: * stores only into a new key).
    /// </summary>
    private static async Task<Results<Ok<SetAlgebraResult>, ProblemHttpResult>> AlgebraAsync(
        string command, SetAlgebraRequest request, HttpContext http, EngineClient engine, HttpSettings settings)
    {
        var keys = Decode(request.Keys, request.Encoding);
        var base64 = Base64Wanted(request.Encoding, http);
        if (request.Destination is not null)
        {
            var destination = RouteKey.FromBytes(BinaryText.Decode(request.Destination, request.Encoding));
            var (stored, failed) = await KeyHttp.RunAsync(engine, http, destination, [.. Argv.Of(command + "STORE", destination.Bytes), .. keys]);
            if (failed is not null)
                return failed;
            KeyHttp.WriteEntityHeaders(http.Response, stored.After, engine.Time);
            var keyEncoding = BinaryText.Choose(base64, destination.Bytes);
            return TypedResults.Ok(new SetAlgebraResult(stored.Reply.AsInteger())
            {
                Destination = BinaryText.Encode(destination.Bytes, keyEncoding),
                Encoding = keyEncoding,
            });
        }

        var reply = await engine.RunAsync([.. Argv.Of(command), .. keys]);
        if (reply.IsProblem(out var problem))
            return problem;
        var members = Bytes(reply);
        if (Collections.TooMany(members.Count, settings) is { } tooMany)
            return tooMany;
        var encoding = EncodingOf(base64, default, members);
        return TypedResults.Ok(new SetAlgebraResult(members.Count) { Members = Encode(members, encoding), Encoding = encoding });
    }

    private static async Task<Results<Ok<SetAlgebraResult>, ProblemHttpResult>> SInterCard(SetInterCardRequest request, EngineClient engine)
    {
        var keys = Decode(request.Keys, request.Encoding);
        byte[][] args = request.Limit is { } limit
            ? [.. Argv.Of("SINTERCARD", keys.Length), .. keys, .. Argv.Of("LIMIT", limit)]
            : [.. Argv.Of("SINTERCARD", keys.Length), .. keys];
        var reply = await engine.RunAsync(args);
        if (reply.IsProblem(out var problem))
            return problem;
        return TypedResults.Ok(new SetAlgebraResult(reply.AsInteger()));
    }

    // ---- Helpers ----------------------------------------------------------------------------

    /// <summary>
    /// A write and SCARD of the route's key as one atomic step, under the request's conditional
    /// headers: the write's result, and the set's size just after it.
    /// </summary>
    private static async Task<(CommandResult Changed, long Size, ProblemHttpResult? Problem)> ChangeAsync(
        EngineClient engine, HttpContext http, RouteKey target, byte[][] args)
    {
        if (!KeyHttp.TryPrecondition(http.Request, out var condition, out var invalid))
            return (default, 0, invalid);
        var results = await engine.ExecuteAtomicAsync(
        [
            (args, target.Bytes, condition),
            (Argv.Of("SCARD", target.Bytes), target.Bytes, null),
        ]);
        if (results[0].Reply.IsProblem(out var problem))
            return (results[0], 0, problem);
        KeyHttp.WriteEntityHeaders(http.Response, results[1].After, engine.Time);
        return (results[0], results[1].Reply.AsInteger(), null);
    }

    private static SetMembers MembersOf(byte[] key, Reply reply, bool base64Requested)
    {
        var members = reply.IsNull ? [] : Bytes(reply);
        var encoding = EncodingOf(base64Requested, key, members);
        return new SetMembers(BinaryText.Encode(key, encoding), Encode(members, encoding)) { Encoding = encoding };
    }

    private static List<ReadOnlyMemory<byte>> Bytes(Reply items) => [.. items.AsItems().Select(item => item.AsBulk())];

    private static string MemberUrl(byte[] key, byte[] member) => $"/sets/{KeyHttp.PathSegment(key)}/members/{KeyHttp.PathSegment(member)}";

    private static ProblemHttpResult NotAMember(byte[] key, byte[] member) =>
        Problems.Create(ProblemTable.ForStatus(StatusCodes.Status404NotFound), $"'{KeyHttp.Display(member)}' is not a member of set '{KeyHttp.Display(key)}'.", "ERR");

    private static List<string> Encode(IEnumerable<ReadOnlyMemory<byte>> members, string? encoding) =>
        [.. members.Select(member => BinaryText.Encode(member.Span, encoding))];

    private static byte[][] Decode(IReadOnlyList<string> texts, string? encoding) =>
        [.. texts.Select(text => BinaryText.Decode(text, encoding))];

    private static bool Base64Wanted(string? requestEncoding, HttpContext http) =>
        requestEncoding == BinaryText.Base64 || BinaryText.Requested(http.Request);

    /// <summary>The encoding of an object with a key and many members: base64 if asked for or if any of them is not UTF-8 (<see cref="BinaryText"/>'s rule).</summary>
    private static string? EncodingOf(bool base64Requested, ReadOnlySpan<byte> key, IEnumerable<ReadOnlyMemory<byte>> members)
    {
        if (BinaryText.Choose(base64Requested, key) is { } base64)
            return base64;
        return members.Any(member => !System.Text.Unicode.Utf8.IsValid(member.Span)) ? BinaryText.Base64 : null;
    }

    private static string? EncodingOf(bool base64Requested, ReadOnlySpan<byte> key, byte[][] members) =>
        EncodingOf(base64Requested, key, members.Select(member => (ReadOnlyMemory<byte>)member));
}
