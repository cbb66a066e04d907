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
/// <c>/streams</c>: Redis streams as a resource — an append-only log of entries with ids
/// (<c>&lt;ms&gt;-&lt;seq&gt;</c>), read by range, followed live as Server-Sent Events that resume where
/// they left off (each event's <c>id:</c> is the entry's id, so a browser's <c>EventSource</c> sends it
/// back as <c>Last-Event-ID</c>), and shared by consumer groups that read, acknowledge and claim.
/// This file: the routes, entries and the event stream; the groups are in StreamsEndpoints.Groups.cs.
/// </summary>
/// <remarks>
/// Reads carry the stream's ETag and answer 304 to a matching If-None-Match; writes to the route's
/// stream take If-Match / If-None-Match. A missing stream reads as 404 (a stream, unlike a list, may
/// exist empty). Group reads with <c>block</c> are long polls, bounded by Http:MaxBlockingTimeoutSeconds;
/// the event stream is not a wait but a stream, which lasts until the client leaves.
/// </remarks>
internal static partial class StreamsEndpoints
{
    /// <summary>Entries one event-stream read takes at most (the stream writes them, then reads on).</summary>
    private const int EventBatch = 100;

    /// <summary>How long one event-stream read waits for entries before it asks again (between, the stream sends its keep-alives).</summary>
    private const int EventWaitMs = 10_000;

    public static RouteGroupBuilder MapStreams(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/streams").WithTags("Streams").WithValidation().RequireApiKey(app);

        group.MapGet("/{key}", XInfoStream).ForCommand("XINFO", "getStream").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/entries", XAdd).ForCommand("XADD", "addStreamEntry").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{key}/entries", XRange).ForCommand("XRANGE", "getStreamEntries").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{key}/entries/{id}", XRangeOne).ForCommand("XRANGE", "getStreamEntry").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{key}/entries/{id}", XDel).ForCommand("XDEL", "deleteStreamEntry").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/trim", XTrim).ForCommand("XTRIM", "trimStream").ProducesValidationProblem();
        group.MapGet("/{key}/events", XRead).ForCommand("XREAD", "followStream")
            .WithDescription("The stream's entries as Server-Sent Events, each with 'id: <entry id>' and 'data: {\"id\",\"fields\"}': from ?from= " +
                "(an id, exclusive; 0 for the whole stream; default $, only entries added from now on), or after the Last-Event-ID header a " +
                "reconnecting EventSource sends, so it resumes exactly where it left off. Redis command: XREAD.")
            .WithKeyConditions(KeyConditions.None)
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream").ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);
        MapGroups(group);
        return group;
    }

    private static async Task<Results<Ok<StreamInfo>, StatusCodeHttpResult, ProblemHttpResult>> XInfoStream(RouteKey target, HttpContext http, EngineClient engine)
    {
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("XINFO", "STREAM", target.Bytes));
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var info = Fields(read.Reply);
        List<Reply> entries = [.. new[] { info["first-entry"], info["last-entry"] }.Where(entry => !entry.IsNull)];
        var encoding = EncodingOf(BinaryText.Requested(http.Request), target.Bytes, entries);
        return TypedResults.Ok(new StreamInfo(BinaryText.Encode(target.Bytes, encoding), info["length"].AsInteger(),
            Text(info["last-generated-id"]), Text(info["max-deleted-entry-id"]), info["entries-added"].AsInteger(), info["groups"].AsInteger(),
            Entry(info["first-entry"], encoding), Entry(info["last-entry"], encoding)) { Encoding = encoding });
    }

    private static async Task<Results<Created<AddedEntry>, ProblemHttpResult>> XAdd(RouteKey target, AddEntryRequest request, HttpContext http, EngineClient engine)
    {
        // The options (rare) as Argv converts them; the fields (every add) straight into the argument array.
        List<object> options = ["XADD", target.Bytes];
        if (request.NoMkStream)
            options.Add("NOMKSTREAM");
        options.AddRange(Trimming(request.MaxLen, request.MinId, request.Approximate, request.Limit));
        options.Add(string.IsNullOrEmpty(request.Id) ? "*" : request.Id);
        var head = Argv.Of([.. options]);
        var args = new byte[head.Length + request.Fields.Count * 2][];
        head.CopyTo(args, 0);
        var at = head.Length;
        foreach (var (field, value) in request.Fields)
        {
            args[at++] = BinaryText.Decode(field, request.Encoding);
            args[at++] = BinaryText.Decode(value, request.Encoding);
        }

        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, args);
        if (problem is not null)
            return problem;
        if (result.Reply.IsNull)
            return Problems.Of(ErrorKind.NoSuchKey, $"Stream '{target}' does not exist and noMkStream is set: nothing was added.");
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var id = Text(result.Reply);
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes);
        return TypedResults.Created($"/streams/{KeyHttp.PathSegment(target.Bytes)}/entries/{id}", new AddedEntry(BinaryText.Encode(target.Bytes, encoding), id) { Encoding = encoding });
    }

    private static async Task<Results<Ok<StreamEntries>, StatusCodeHttpResult, ProblemHttpResult>> XRange(
        RouteKey target, [AsParameters] StreamRangeQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        if (!Paging.TryLimit(http.Request, query.Limit, settings.Value, out var count, out var invalid)
            || !Paging.TryIdToken(query.Page, out var after, out invalid))
            return invalid!;
        var reverse = query.Reverse == true;
        var (from, to) = (Or(query.From, "-"), Or(query.To, "+"));
        // A page goes on after the last id of the one before (before it, newest first).
        if (after is not null)
            (from, to) = reverse ? (from, "(" + after) : ("(" + after, to);
        var args = reverse ? Argv.Of("XREVRANGE", target.Bytes, to, from, "COUNT", count) : Argv.Of("XRANGE", target.Bytes, from, to, "COUNT", count);
        var read = await KeyHttp.ReadAsync(engine, http, target, args);
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var items = read.Reply.AsItems();
        var encoding = EncodingOf(BinaryText.Requested(http.Request), target.Bytes, items);
        var next = items.Count == count ? Paging.IdToken(Text(items[^1].AsItems()[0])) : null;
        return TypedResults.Ok(new StreamEntries(BinaryText.Encode(target.Bytes, encoding), items.Select(item => Entry(item, encoding)!).ToList(), next) { Encoding = encoding });
    }

    private static async Task<Results<Ok<StreamEntryResponse>, StatusCodeHttpResult, ProblemHttpResult>> XRangeOne(RouteKey target, HttpContext http, EngineClient engine)
    {
        var id = Encoding.UTF8.GetString(RouteKey.Segment(http, "id"));
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("XRANGE", target.Bytes, id, id));
        if (read.Problem is { } problem)
            return problem;
        var items = read.Reply.AsItems();
        if (items.Count == 0)
            return NoSuchEntry(target, id);
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var encoding = EncodingOf(BinaryText.Requested(http.Request), target.Bytes, items);
        var entry = Entry(items[0], encoding)!;
        return TypedResults.Ok(new StreamEntryResponse(BinaryText.Encode(target.Bytes, encoding), entry.Id, entry.Fields!) { Encoding = encoding });
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> XDel(RouteKey target, HttpContext http, EngineClient engine)
    {
        var id = Encoding.UTF8.GetString(RouteKey.Segment(http, "id"));
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("XDEL", target.Bytes, id));
        if (problem is not null)
            return problem;
        if (result.Reply.AsInteger() == 0)
            return result.After.Exists ? NoSuchEntry(target, id) : Problems.NoSuchKey(target.ToString());
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<StreamTrimmed>, ProblemHttpResult>> XTrim(RouteKey target, StreamTrimRequest request, HttpContext http, EngineClient engine)
    {
        if (!KeyHttp.TryPrecondition(http.Request, out var condition, out var invalid))
            return invalid!;
        // The trim and the length it left, in one atomic step.
        var results = await engine.ExecuteAtomicAsync(
        [
            (Argv.Of(["XTRIM", target.Bytes, .. Trimming(request.MaxLen, request.MinId, request.Approximate, request.Limit)]), target.Bytes, condition),
            (Argv.Of("XLEN", target.Bytes), target.Bytes, null),
        ]);
        if (results[0].Reply.IsProblem(out var problem))
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, results[1].After, engine.Time);
        return TypedResults.Ok(new StreamTrimmed(target.ToString(), results[0].Reply.AsInteger(), results[1].Reply.AsInteger()));
    }

    /// <summary>
    /// The event stream: the first read (without waiting) answers any problem — a bad id, a key of
    /// another type, no permission — as a problem before the stream starts; then a pump reads on with
    /// XREAD BLOCK from the last id it wrote, handing entries to the writer through a one-batch channel,
    /// so it never reads ahead of what the client takes.
    /// </summary>
    private static async Task<IResult> XRead(RouteKey target, HttpContext http, EngineClient engine, IHostApplicationLifetime lifetime, string? from)
    {
        var resumeAt = http.Request.Headers["Last-Event-ID"].ToString();
        var after = !string.IsNullOrEmpty(resumeAt) ? resumeAt : Or(from, "$");
        if (after == "$")
        {
            // "$" would be read again on every wait, missing what came between two; start after the newest entry instead.
            var newest = await engine.ExecuteAsync(Argv.Of("XREVRANGE", target.Bytes, "+", "-", "COUNT", 1), target.Bytes);
            if (newest.Reply.IsProblem(out var refused))
                return refused;
            after = newest.Reply.AsItems() is [var last, ..] ? Text(last.AsItems()[0]) : "0-0";
        }
        var first = await engine.ExecuteAsync(Argv.Of("XREAD", "COUNT", EventBatch, "STREAMS", target.Bytes, after), target.Bytes);
        if (first.Reply.IsProblem(out var problem))
            return problem;

        var batches = System.Threading.Channels.Channel.CreateBounded<IReadOnlyList<Reply>>(1);
        EngineError? ended = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var pump = Task.Run(async () =>
        {
            try
            {
                var reply = first.Reply;
                while (true)
                {
                    if (!reply.IsNull)
                    {
                        var entries = reply.AsItems()[0].AsItems()[1].AsItems();
                        await batches.Writer.WriteAsync(entries, stop.Token);
                        after = Text(entries[^1].AsItems()[0]);
                    }
                    reply = (await engine.ExecuteAsync(Argv.Of("XREAD", "COUNT", EventBatch, "BLOCK", EventWaitMs, "STREAMS", target.Bytes, after), target.Bytes)).Reply;
                    if (reply.IsError)
                    {
                        ended = reply.AsError();
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The client left or the service is stopping.
            }
            finally
            {
                batches.Writer.TryComplete();
            }
        });
        var base64 = BinaryText.Requested(http.Request);
        await EventStream.RunAsync(http, lifetime, batches.Reader, "stream", batch => EventFrames(target.Bytes, batch, base64),
            () => ended is null || ended.Kind == ErrorKind.Unavailable ? null : EventStream.Error(ended.Message));
        stop.Cancel();
        await pump;
        return Results.Empty;
    }

    /// <summary>Entries as SSE events: <c>id:</c> the entry's id, <c>data:</c> its JSON.</summary>
    private static string EventFrames(byte[] key, IReadOnlyList<Reply> entries, bool base64)
    {
        var frames = new StringBuilder();
        foreach (var item in entries)
        {
            var encoding = EncodingOf(base64, key, [item]);
            var entry = Entry(item, encoding)!;
            frames.Append("id: ").Append(entry.Id).Append('\n')
                .Append(EventStream.Data(System.Text.Json.JsonSerializer.Serialize(new StreamEvent(entry.Id, entry.Fields!) { Encoding = encoding }, EventStream.Json)));
        }
        return frames.ToString();
    }

    /// <summary>The trimming arguments of XADD and XTRIM: <c>MAXLEN|MINID [=|~] threshold [LIMIT count]</c>.</summary>
    private static IEnumerable<object> Trimming(long? maxLen, string? minId, bool approximate, long? limit)
    {
        if (maxLen is null && minId is null)
            yield break;
        yield return maxLen is not null ? "MAXLEN" : "MINID";
        yield return approximate ? "~" : "=";
        yield return maxLen is { } length ? length : minId!;
        if (limit is { } most)
        {
            yield return "LIMIT";
            yield return most;
        }
    }

    /// <summary>An entry reply <c>[id, [field, value, …]]</c> (the fields nil for a deleted pending entry) as JSON; null for nil.</summary>
    private static StreamEntry? Entry(Reply entry, string? encoding)
    {
        if (entry.IsNull)
            return null;
        var parts = entry.AsItems();
        if (parts[1].IsNull)
            return new StreamEntry(Text(parts[0]), null);
        var pairs = parts[1].AsItems();
        var fields = new Dictionary<string, string>(pairs.Count / 2);
        for (var i = 0; i + 1 < pairs.Count; i += 2)
            fields[BinaryText.Encode(pairs[i].AsBulk().Span, encoding)] = BinaryText.Encode(pairs[i + 1].AsBulk().Span, encoding);
        return new StreamEntry(Text(parts[0]), fields);
    }

    /// <summary>The encoding of an object holding a key and entries: base64 if asked for, or if any byte string in them is not UTF-8 (see <see cref="BinaryText"/>).</summary>
    private static string? EncodingOf(bool base64Requested, ReadOnlySpan<byte> key, IEnumerable<Reply> entries)
    {
        if (BinaryText.Choose(base64Requested, key) is { } encoding)
            return encoding;
        foreach (var entry in entries)
        {
            if (entry.IsNull || entry.AsItems()[1].IsNull)
                continue;
            foreach (var part in entry.AsItems()[1].AsItems())
            {
                if (BinaryText.Choose(false, part.AsBulk().Span) is { } partEncoding)
                    return partEncoding;
            }
        }
        return null;
    }

    /// <summary>A reply of Redis's <c>name value name value…</c> shape (XINFO's), by name.</summary>
    private static Dictionary<string, Reply> Fields(Reply reply)
    {
        var items = reply.AsItems();
        var fields = new Dictionary<string, Reply>(items.Count / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Count; i += 2)
            fields[Text(items[i])] = items[i + 1];
        return fields;
    }

    /// <summary>An id, a name or a status as text (the engine answers some as bulk strings, some as simple strings).</summary>
    private static string Text(Reply reply) => reply.Kind == ReplyKind.SimpleString ? reply.AsSimple() : Encoding.UTF8.GetString(reply.AsBulk().Span);

    private static string Or(string? given, string otherwise) => string.IsNullOrEmpty(given) ? otherwise : given;

    private static ProblemHttpResult NoSuchEntry(RouteKey target, string id) =>
        Problems.Create(ProblemTable.ForStatus(StatusCodes.Status404NotFound), $"Stream '{target}' has no entry {id}.", "ERR");
}
