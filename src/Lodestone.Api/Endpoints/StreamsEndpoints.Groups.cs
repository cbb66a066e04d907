using System.Text;
using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// The consumer groups of <c>/streams</c>: services sharing a stream's entries — each entry to one
/// consumer of the group, pending until acknowledged, claimable by another consumer when the one it
/// went to stops (dies, hangs) before acknowledging it.
/// </summary>
internal static partial class StreamsEndpoints
{
    private static void MapGroups(RouteGroupBuilder group)
    {
        group.MapGet("/{key}/groups", XInfoGroups).ForCommand("XINFO", "getStreamGroups").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{key}/groups/{group}", XGroupCreate).ForCommand("XGROUP", "createStreamGroup").ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/{key}/groups/{group}", XGroupDestroy).ForCommand("XGROUP", "deleteStreamGroup").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/groups/{group}/read", XReadGroup).ForCommand("XREADGROUP", "readStreamGroup").WithKeyConditions(KeyConditions.None).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/groups/{group}/ack", XAck).ForCommand("XACK", "ackStreamEntries").ProducesValidationProblem();
        group.MapGet("/{key}/groups/{group}/pending", XPending).ForCommand("XPENDING", "getStreamPending").ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/groups/{group}/claim", XClaim).ForCommand("XCLAIM", "claimStreamEntries").ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Ok<StreamGroups>, StatusCodeHttpResult, ProblemHttpResult>> XInfoGroups(RouteKey target, HttpContext http, EngineClient engine)
    {
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("XINFO", "GROUPS", target.Bytes));
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var groups = read.Reply.AsItems().Select(Fields).Select(Group).ToList();
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes);
        return TypedResults.Ok(new StreamGroups(BinaryText.Encode(target.Bytes, encoding), groups) { Encoding = encoding });
    }

    private static async Task<Results<Created<StreamGroup>, ProblemHttpResult>> XGroupCreate(RouteKey target, CreateGroupRequest request, HttpContext http, EngineClient engine)
    {
        var name = RouteKey.Segment(http, "group");
        List<object> args = ["XGROUP", "CREATE", target.Bytes, name, Or(request.From, "$")];
        if (request.MkStream)
            args.Add("MKSTREAM");
        if (request.EntriesRead is { } entriesRead)
            args.AddRange(["ENTRIESREAD", entriesRead]);
        if (!KeyHttp.TryPrecondition(http.Request, out var condition, out var invalid))
            return invalid!;
        // The group and what XINFO says of it, in one atomic step.
        var results = await engine.ExecuteAtomicAsync(
        [
            (Argv.Of([.. args]), target.Bytes, condition),
            (Argv.Of("XINFO", "GROUPS", target.Bytes), null, null),
        ]);
        if (results[0].Reply.IsProblem(out var problem))
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, results[0].After, engine.Time);
        var group = results[1].Reply.AsItems().Select(Fields).Single(g => g["name"].AsBulk().Span.SequenceEqual(name));
        var location = $"/streams/{KeyHttp.PathSegment(target.Bytes)}/groups/{KeyHttp.PathSegment(name)}";
        return TypedResults.Created(location, Group(group));
    }

    /// <summary>One group of XINFO GROUPS's reply.</summary>
    private static StreamGroup Group(Dictionary<string, Reply> group) =>
        new(Text(group["name"]), group["consumers"].AsInteger(), group["pending"].AsInteger(), Text(group["last-delivered-id"]),
            Optional(group.GetValueOrDefault("entries-read")), Optional(group.GetValueOrDefault("lag")));

    private static async Task<Results<NoContent, ProblemHttpResult>> XGroupDestroy(RouteKey target, HttpContext http, EngineClient engine)
    {
        var name = RouteKey.Segment(http, "group");
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("XGROUP", "DESTROY", target.Bytes, name));
        if (problem is not null)
            return problem;
        if (result.Reply.AsInteger() == 0)
            return NoSuchGroup(target, name);
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.NoContent();
    }

    /// <summary>XREADGROUP for one consumer: new entries (<c>&gt;</c>), or with <c>from</c> its own pending ones; with <c>block</c>, a long poll.</summary>
    private static async Task<Results<Ok<GroupEntries>, StatusCodeHttpResult, ProblemHttpResult>> XReadGroup(
        RouteKey target, [AsParameters] GroupReadQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var name = RouteKey.Segment(http, "group");
        var count = query.Count ?? 10;
        if (Collections.TooMany(count, settings.Value) is { } tooMany)
            return tooMany;
        List<object> args = ["XREADGROUP", "GROUP", name, query.Consumer, "COUNT", count];
        if (query.Block is { } block)
        {
            if (!Collections.TryTimeout(block / 1000.0, settings.Value, out _, out _))
                return Problems.Of(ErrorKind.BadRequest, $"block must be a number of milliseconds above 0 and at most {settings.Value.MaxBlockingTimeoutSeconds * 1000:0} (Http:MaxBlockingTimeoutSeconds).");
            args.AddRange(["BLOCK", block]);
        }
        if (query.NoAck == true)
            args.Add("NOACK");
        args.AddRange(["STREAMS", target.Bytes, Or(query.From, ">")]);

        CommandResult result;
        if (query.Block is null)
        {
            result = await engine.ExecuteAsync(Argv.Of([.. args]), target.Bytes);
        }
        else if (await Collections.LongPollAsync(engine, http, Argv.Of([.. args]), target.Bytes) is { } polled)
        {
            result = polled;
        }
        else
        {
            return Collections.ClientGone();
        }
        if (result.Reply.IsProblem(out var problem))
            return problem;
        var entries = result.Reply.IsNull ? [] : result.Reply.AsItems()[0].AsItems()[1].AsItems();
        return TypedResults.Ok(GroupAnswer(target, name, Encoding.UTF8.GetBytes(query.Consumer), entries, BinaryText.Requested(http.Request)));
    }

    private static async Task<Results<Ok<Acknowledged>, ProblemHttpResult>> XAck(RouteKey target, AckRequest request, HttpContext http, EngineClient engine)
    {
        var name = RouteKey.Segment(http, "group");
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of(["XACK", target.Bytes, name, .. request.Ids]));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.Ok(new Acknowledged(target.ToString(), Encoding.UTF8.GetString(name), result.Reply.AsInteger()));
    }

    /// <summary>XPENDING's summary of the whole group and its extended form for the entries the query selects, in one atomic step.</summary>
    private static async Task<Results<Ok<PendingEntries>, StatusCodeHttpResult, ProblemHttpResult>> XPending(
        RouteKey target, [AsParameters] PendingQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var name = RouteKey.Segment(http, "group");
        if (!Paging.TryLimit(http.Request, query.Limit, settings.Value, out var count, out var invalid)
            || !Paging.TryIdToken(query.Page, out var after, out invalid))
            return invalid!;
        if (!KeyHttp.TryPrecondition(http.Request, includeIfNoneMatch: false, out var condition, out invalid))
            return invalid!;
        List<object> extended = ["XPENDING", target.Bytes, name];
        if (query.MinIdleMs is { } idle)
            extended.AddRange(["IDLE", idle]);
        extended.AddRange([after is null ? Or(query.From, "-") : "(" + after, Or(query.To, "+"), count]);
        if (query.Consumer is { } consumer)
            extended.Add(consumer);
        var results = await engine.ExecuteAtomicAsync(
        [
            (Argv.Of("XPENDING", target.Bytes, name), target.Bytes, condition),
            (Argv.Of([.. extended]), null, null),
        ]);
        foreach (var result in results)
        {
            if (result.Reply.IsProblem(out var problem))
                return problem;
        }
        KeyHttp.WriteEntityHeaders(http.Response, results[0].After, engine.Time);
        if (KeyHttp.IsNotModified(http.Request, results[0].After))
            return KeyHttp.NotModified;

        var summary = results[0].Reply.AsItems();
        var consumers = summary[3].IsNull ? [] : summary[3].AsItems().Select(c => c.AsItems()).ToList();
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes, name);
        foreach (var c in consumers)
            encoding ??= BinaryText.Choose(false, c[0].AsBulk().Span);
        var entries = results[1].Reply.AsItems().Select(e => e.AsItems()).ToList();
        foreach (var e in entries)
            encoding ??= BinaryText.Choose(false, e[1].AsBulk().Span);
        return TypedResults.Ok(new PendingEntries(BinaryText.Encode(target.Bytes, encoding), BinaryText.Encode(name, encoding), summary[0].AsInteger(),
            summary[1].IsNull ? null : Text(summary[1]), summary[2].IsNull ? null : Text(summary[2]),
            consumers.Select(c => new PendingConsumer(BinaryText.Encode(c[0].AsBulk().Span, encoding), long.Parse(Text(c[1]), System.Globalization.CultureInfo.InvariantCulture))).ToList(),
            entries.Select(e => new PendingEntry(Text(e[0]), BinaryText.Encode(e[1].AsBulk().Span, encoding), e[2].AsInteger(), e[3].AsInteger())).ToList(),
            entries.Count == count ? Paging.IdToken(Text(entries[^1][0])) : null)
        { Encoding = encoding });
    }

    /// <summary>XCLAIM of the ids named, or XAUTOCLAIM from <c>start</c> when none is.</summary>
    private static async Task<Results<Ok<GroupEntries>, ProblemHttpResult>> XClaim(RouteKey target, ClaimRequest request, HttpContext http, EngineClient engine)
    {
        var name = RouteKey.Segment(http, "group");
        var byIds = request.Ids is { Count: > 0 };
        var args = byIds
            ? Argv.Of(["XCLAIM", target.Bytes, name, request.Consumer, request.MinIdleMs, .. request.Ids!])
            : Argv.Of("XAUTOCLAIM", target.Bytes, name, request.Consumer, request.MinIdleMs, Or(request.Start, "0-0"), "COUNT", request.Count ?? 100);
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, args);
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var consumer = Encoding.UTF8.GetBytes(request.Consumer);
        var base64 = BinaryText.Requested(http.Request);
        if (byIds)
            return TypedResults.Ok(GroupAnswer(target, name, consumer, result.Reply.AsItems(), base64) with { Deleted = [] });
        var parts = result.Reply.AsItems();
        var next = Text(parts[0]);
        return TypedResults.Ok(GroupAnswer(target, name, consumer, parts[1].AsItems(), base64) with
        {
            Next = next == "0-0" ? null : next,
            Deleted = parts.Count > 2 ? parts[2].AsItems().Select(Text).ToList() : [],
        });
    }

    private static GroupEntries GroupAnswer(RouteKey target, byte[] group, byte[] consumer, IReadOnlyList<Reply> entries, bool base64Requested)
    {
        var encoding = BinaryText.Choose(base64Requested, group, consumer) ?? EncodingOf(false, target.Bytes, entries);
        return new GroupEntries(BinaryText.Encode(target.Bytes, encoding), BinaryText.Encode(group, encoding), BinaryText.Encode(consumer, encoding),
            entries.Select(entry => Entry(entry, encoding)!).ToList()) { Encoding = encoding };
    }

    private static ProblemHttpResult NoSuchGroup(RouteKey target, byte[] group) =>
        Problems.Create(ProblemTable.ForStatus(StatusCodes.Status404NotFound), $"Stream '{target}' has no consumer group '{Encoding.UTF8.GetString(group)}'.", "NOGROUP");

    private static long? Optional(Reply reply) => reply.Kind == ReplyKind.Integer ? reply.AsInteger() : null;
}
