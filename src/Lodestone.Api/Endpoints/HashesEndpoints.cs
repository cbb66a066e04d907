using System.Globalization;
using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Validation;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/hashes</c>: hash keys as a resource — user profiles, catalogue entries, shopping carts, counters.
/// The whole hash reads and writes as a JSON object; each field is a sub-resource at
/// <c>/hashes/{key}/fields/{field}</c> (the field, like the key, is percent-encoded bytes).
/// </summary>
/// <remarks>
/// Reads of a missing key are 404 (Redis answers an empty hash: an empty hash does not exist). Reads
/// carry the key's ETag; writes honour If-Match / If-None-Match on the key. Deleting the whole hash
/// is <c>DELETE /keys/{key}</c>.
/// </remarks>
internal static class HashesEndpoints
{
    public static RouteGroupBuilder MapHashes(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/hashes").WithTags("Hashes").WithValidation().RequireApiKey(app);

        group.MapGet("/{key}", GetAll).ForCommand("HGETALL", "getHash").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{key}", SetAll).ForCommand("HMSET", "setHash").ProducesValidationProblem();
        group.MapGet("/{key}/length", Length).ForCommand("HLEN", "getHashLength").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{key}/fields", Scan).ForCommand("HSCAN", "listHashFields").WithKeyConditions(KeyConditions.ReadIfMatch).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{key}/values", Values).ForCommand("HVALS", "getHashValues").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/mget", MGet).ForCommand("HMGET", "getHashFields").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{key}/random", Sample).ForCommand("HRANDFIELD", "getRandomHashFields").WithKeyConditions(KeyConditions.ReadIfMatch).ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{key}/fields/{field}", Get).ForCommand("HGET", "getHashField").WithMetadata(new AlsoServesRawBytes()).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapMethods("/{key}/fields/{field}", [HttpMethods.Head], Exists).ForCommand("HEXISTS", "hashFieldExists").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{key}/fields/{field}", Set).ForCommand("HSET", "setHashField").ProducesValidationProblem();
        group.MapDelete("/{key}/fields/{field}", Delete).ForCommand("HDEL", "deleteHashField").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{key}/fields/{field}/expiry", SetFieldExpiry).ForCommand("HPEXPIRE", "setHashFieldExpiry")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapDelete("/{key}/fields/{field}/expiry", PersistField).ForCommand("HPERSIST", "removeHashFieldExpiry")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapPost("/{key}/fields/{field}/incr", IncrBy).ForCommand("HINCRBY", "incrementHashField").ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/{key}/fields/{field}/incrbyfloat", IncrByFloat).ForCommand("HINCRBYFLOAT", "incrementHashFieldByFloat")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }

    // The whole hash

    private static async Task<Results<Ok<HashEntry>, StatusCodeHttpResult, ProblemHttpResult>> GetAll(
        RouteKey target, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("HGETALL", target.Bytes));
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var items = read.Reply.AsItems();
        if (Collections.TooMany(items.Count / 2, settings.Value, "page through /hashes/{key}/fields") is { } tooMany)
            return tooMany;
        var encoding = Choose(http, target.Bytes, items);
        return TypedResults.Ok(new HashEntry(BinaryText.Encode(target.Bytes, encoding), Object(items, encoding), read.TtlMs) { Encoding = encoding });
    }

    private static async Task<Results<Created<HashLength>, Ok<HashLength>, ProblemHttpResult>> SetAll(
        RouteKey target, SetHashRequest request, HttpContext http, EngineClient engine)
    {
        if (!KeyHttp.TryPrecondition(http.Request, out var condition, out var invalid))
            return invalid!;
        var args = new List<byte[]>(request.Fields.Count * 2 + 2) { "HMSET"u8.ToArray(), target.Bytes };
        foreach (var (field, value) in request.Fields)
        {
            args.Add(BinaryText.Decode(field, request.Encoding));
            args.Add(BinaryText.Decode(value, request.Encoding));
        }
        // The length is read in the same atomic step, so it is the length this write produced.
        var results = await engine.ExecuteAtomicAsync(
        [
            (args.ToArray(), target.Bytes, condition),
            (Argv.Of("HLEN", target.Bytes), null, null),
        ]);
        var (set, length) = (results[0], results[1]);
        if (set.Reply.IsProblem(out var problem))
            return problem;

        KeyHttp.WriteEntityHeaders(http.Response, set.After, engine.Time);
        var encoding = BinaryText.Choose(request.Encoding == BinaryText.Base64 || BinaryText.Requested(http.Request), target.Bytes);
        var body = new HashLength(BinaryText.Encode(target.Bytes, encoding), length.Reply.AsInteger()) { Encoding = encoding };
        return set.Before.Exists ? TypedResults.Ok(body) : TypedResults.Created(HashUrl(target.Bytes), body);
    }

    private static async Task<Results<Ok<HashLength>, StatusCodeHttpResult, ProblemHttpResult>> Length(RouteKey target, HttpContext http, EngineClient engine)
    {
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("HLEN", target.Bytes));
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes);
        return TypedResults.Ok(new HashLength(BinaryText.Encode(target.Bytes, encoding), read.Reply.AsInteger()) { Encoding = encoding });
    }

    private static async Task<Results<Ok<HashValues>, StatusCodeHttpResult, ProblemHttpResult>> Values(
        RouteKey target, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("HVALS", target.Bytes));
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var items = read.Reply.AsItems();
        if (Collections.TooMany(items.Count, settings.Value, "page through /hashes/{key}/fields") is { } tooMany)
            return tooMany;
        var encoding = Choose(http, target.Bytes, items);
        return TypedResults.Ok(new HashValues(BinaryText.Encode(target.Bytes, encoding), List(items, encoding)) { Encoding = encoding });
    }

    private static async Task<Results<Ok<HashFieldValues>, ProblemHttpResult>> MGet(
        RouteKey target, HashFieldsRequest request, HttpContext http, EngineClient engine)
    {
        var fields = request.Fields.Select(f => BinaryText.Decode(f, request.Encoding)).ToArray();
        var read = await KeyHttp.ReadAsync(engine, http, target, [.. Argv.Of("HMGET", target.Bytes), .. fields]);
        if (read.Problem is { } problem)
            return problem;
        var values = read.Reply.AsItems();
        var base64 = request.Encoding == BinaryText.Base64 || fields.Any(f => BinaryText.Choose(false, f) is not null);
        var encoding = base64 ? BinaryText.Base64 : Choose(http, target.Bytes, values);
        var body = new Dictionary<string, string?>(fields.Length);
        for (var i = 0; i < fields.Length; i++)
            body[BinaryText.Encode(fields[i], encoding)] = values[i].IsNull ? null : BinaryText.Encode(values[i].AsBulk().Span, encoding);
        return TypedResults.Ok(new HashFieldValues(BinaryText.Encode(target.Bytes, encoding), body) { Encoding = encoding });
    }

    private static async Task<Results<Ok<RandomFields>, ProblemHttpResult>> Sample(
        RouteKey target, [AsParameters] RandomFieldsQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var count = query.Count ?? 1;
        // Checked before the engine runs: a negative count is not bounded by the hash's size.
        if (Collections.TooMany(count == long.MinValue ? long.MaxValue : Math.Abs(count), settings.Value) is { } tooMany)
            return tooMany;
        var withValues = query.WithValues == true;
        var args = withValues ? Argv.Of("HRANDFIELD", target.Bytes, count, "WITHVALUES") : Argv.Of("HRANDFIELD", target.Bytes, count);
        var read = await KeyHttp.ReadAsync(engine, http, target, args);
        if (read.Problem is { } problem)
            return problem;
        var items = read.Reply.AsItems();
        var encoding = Choose(http, target.Bytes, items);
        var step = withValues ? 2 : 1;
        var fields = new List<RandomField>(items.Count / step);
        for (var i = 0; i < items.Count; i += step)
        {
            fields.Add(new RandomField(BinaryText.Encode(items[i].AsBulk().Span, encoding))
            {
                Value = withValues ? BinaryText.Encode(items[i + 1].AsBulk().Span, encoding) : null,
            });
        }
        return TypedResults.Ok(new RandomFields(BinaryText.Encode(target.Bytes, encoding), fields) { Encoding = encoding });
    }

    /// <summary>The hash's fields and values a page at a time (HSCAN): at most limit fields, and the token to go on.</summary>
    private static async Task<Results<Ok<HashPage>, ProblemHttpResult>> Scan(
        RouteKey target, [AsParameters] ListingQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        if (!Paging.TryLimit(http.Request, query.Limit, settings.Value, out var limit, out var invalid))
            return invalid!;
        var state = default(KeyHttp.KeyRead);
        var page = await Paging.ScanAsync(query.Page, limit, async (cursor, count) =>
            {
                // HSCAN's COUNT counts fields and values.
                var args = new List<object> { "HSCAN", target.Bytes, cursor, "COUNT", count * 2 };
                if (query.Match is { } match)
                    args.AddRange(["MATCH", match]);
                state = await KeyHttp.ReadAsync(engine, http, target, Argv.Of([.. args]));
                return state.Problem is null ? state.Reply : Paging.Stopped;
            },
            Pairs, pair => pair[0].AsBulk().ToArray());
        if (state.Problem is { } failed)
            return failed;
        if (page.Problem is { } pageProblem)
            return pageProblem;
        var items = page.Elements.SelectMany(pair => pair).ToList();
        var encoding = Choose(http, target.Bytes, items);
        return TypedResults.Ok(new HashPage(BinaryText.Encode(target.Bytes, encoding), Object(items, encoding), page.Next) { Encoding = encoding });
    }

    /// <summary>Field, value, field, value… as pairs.</summary>
    private static List<Reply[]> Pairs(Reply flat)
    {
        var items = flat.AsItems();
        var pairs = new List<Reply[]>(items.Count / 2);
        for (var i = 0; i < items.Count; i += 2)
            pairs.Add([items[i], items[i + 1]]);
        return pairs;
    }

    // One field

    /// <summary>
    /// HGET, then the field's TTL (HPTTL) under the version the value was read at — read again if a
    /// write came between — so the two describe one state of the hash.
    /// </summary>
    private static async Task<Results<Ok<HashField>, FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> Get(RouteKey target, HttpContext http, EngineClient engine)
    {
        var field = RouteKey.Segment(http, "field");
        for (var attempt = 1; ; attempt++)
        {
            var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("HGET", target.Bytes, field));
            if (read.Problem is { } problem)
                return problem;
            if (read.Reply.IsNull)
                return NoSuchField(target.Bytes, field);
            if (read.IsNotModified)
                return KeyHttp.NotModified;
            if (ContentNegotiation.WantsRawBytes(http))
                return TypedResults.Bytes(read.Reply.AsBulk(), ContentNegotiation.RawBytes);
            var ttl = await engine.ExecuteAsync(Argv.Of("HPTTL", target.Bytes, "FIELDS", 1, field), target.Bytes, KeyCondition.VersionIs(read.Result.After.Version));
            if (ttl.Reply.IsError && ttl.Reply.AsError().Kind == ErrorKind.PreconditionFailed)
            {
                if (attempt == ReadAttempts)
                    return Problems.Of(ErrorKind.Unavailable, "The hash changed while its field was being read; try again.");
                continue;
            }
            if (ttl.Reply.IsProblem(out var failed))
                return failed;
            // -2: the field's time passed between the two reads; -1: it has no TTL.
            var ms = ttl.Reply.AsItems()[0].AsInteger();
            if (ms == -2)
                return NoSuchField(target.Bytes, field);
            return TypedResults.Ok(Field(target.Bytes, field, read.Reply.AsBulk().Span, BinaryText.Requested(http.Request)) with { TtlMs = ms >= 0 ? ms : null });
        }
    }

    private const int ReadAttempts = 3;

    private static async Task<Results<Ok, StatusCodeHttpResult, ProblemHttpResult>> Exists(RouteKey target, HttpContext http, EngineClient engine)
    {
        var field = RouteKey.Segment(http, "field");
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("HEXISTS", target.Bytes, field));
        if (read.Problem is { } problem)
            return problem;
        if (read.Reply.AsInteger() == 0)
            return NoSuchField(target.Bytes, field);
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        return TypedResults.Ok();
    }

    /// <summary>
    /// HSET (HSETNX with onlyIfNew) — or, with a TTL to set or keep, HSETEX PX / KEEPTTL (FNX with
    /// onlyIfNew) after HEXISTS in the same atomic step, which says whether the field is new.
    /// </summary>
    private static async Task<Results<Created<HashField>, Ok<HashField>, ProblemHttpResult>> Set(
        RouteKey target, SetFieldRequest request, HttpContext http, EngineClient engine)
    {
        var field = RouteKey.Segment(http, "field");
        var value = BinaryText.Decode(request.Value, request.Encoding);
        CommandResult written;
        bool added;
        if (request.TtlMs is null && !request.KeepTtl)
        {
            var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of(request.OnlyIfNew ? "HSETNX" : "HSET", target.Bytes, field, value));
            if (problem is not null)
                return problem;
            (written, added) = (result, result.Reply.AsInteger() == 1);
        }
        else
        {
            if (!KeyHttp.TryPrecondition(http.Request, out var condition, out var invalid))
                return invalid!;
            var args = new List<object> { "HSETEX", target.Bytes };
            if (request.OnlyIfNew)
                args.Add("FNX");
            args.AddRange(request.TtlMs is { } ttl ? ["PX", ttl] : ["KEEPTTL"]);
            args.AddRange(["FIELDS", 1, field, value]);
            var results = await engine.ExecuteAtomicAsync(
            [
                (Argv.Of("HEXISTS", target.Bytes, field), null, null),
                (Argv.Of([.. args]), target.Bytes, condition),
            ]);
            if (results[0].Reply.IsProblem(out var problem) || results[1].Reply.IsProblem(out problem))
                return problem;
            (written, added) = (results[1], results[0].Reply.AsInteger() == 0);
            if (request.OnlyIfNew && written.Reply.AsInteger() == 0)
                added = false;
        }
        if (request.OnlyIfNew && !added)
            return Problems.Conflict($"Field '{KeyHttp.Display(field)}' already exists in hash '{target}'.");

        KeyHttp.WriteEntityHeaders(http.Response, written.After, engine.Time);
        var body = Field(target.Bytes, field, value, request.Encoding == BinaryText.Base64 || BinaryText.Requested(http.Request)) with { TtlMs = request.TtlMs };
        return added ? TypedResults.Created($"{HashUrl(target.Bytes)}/fields/{KeyHttp.PathSegment(field)}", body) : TypedResults.Ok(body);
    }

    /// <summary>HPEXPIRE / HPEXPIREAT of one field (with its condition), and the TTL it then has, in one atomic step.</summary>
    private static Task<Results<Ok<FieldExpiryResponse>, ProblemHttpResult>> SetFieldExpiry(RouteKey target, SetExpiryRequest request, HttpContext http, EngineClient engine)
    {
        var field = RouteKey.Segment(http, "field");
        var args = new List<object> { request.TtlMs is null ? "HPEXPIREAT" : "HPEXPIRE", target.Bytes, request.TtlMs ?? request.AtMs!.Value };
        if (request.Condition is { } option)
            args.Add(option.ToUpperInvariant());
        args.AddRange(["FIELDS", 1, field]);
        return ChangeFieldExpiry(target, field, Argv.Of([.. args]), http, engine);
    }

    private static Task<Results<Ok<FieldExpiryResponse>, ProblemHttpResult>> PersistField(RouteKey target, HttpContext http, EngineClient engine)
    {
        var field = RouteKey.Segment(http, "field");
        return ChangeFieldExpiry(target, field, Argv.Of("HPERSIST", target.Bytes, "FIELDS", 1, field), http, engine);
    }

    private static async Task<Results<Ok<FieldExpiryResponse>, ProblemHttpResult>> ChangeFieldExpiry(RouteKey target, byte[] field, byte[][] args, HttpContext http, EngineClient engine)
    {
        if (!KeyHttp.TryPrecondition(http.Request, out var condition, out var invalid))
            return invalid!;
        var results = await engine.ExecuteAtomicAsync(
        [
            (args, target.Bytes, condition),
            (Argv.Of("HPTTL", target.Bytes, "FIELDS", 1, field), target.Bytes, null),
        ]);
        if (results[0].Reply.IsProblem(out var problem) || results[1].Reply.IsProblem(out problem))
            return problem;
        // Per field: -2 no such field; HPEXPIRE 0 (condition not met), 1 (set), 2 (removed); HPERSIST -1 (no TTL), 1 (removed).
        var code = results[0].Reply.AsItems()[0].AsInteger();
        if (code == -2)
            return results[0].Before.Exists ? NoSuchField(target.Bytes, field) : Problems.NoSuchKey(target.ToString());
        KeyHttp.WriteEntityHeaders(http.Response, results[1].After, engine.Time);
        var ttl = results[1].Reply.AsItems()[0].AsInteger();
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes, field);
        return TypedResults.Ok(new FieldExpiryResponse(BinaryText.Encode(target.Bytes, encoding), BinaryText.Encode(field, encoding),
            code is 1 or 2, ttl != -2, ttl >= 0 ? ttl : null) { Encoding = encoding });
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(RouteKey target, HttpContext http, EngineClient engine)
    {
        var field = RouteKey.Segment(http, "field");
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("HDEL", target.Bytes, field));
        if (problem is not null)
            return problem;
        if (result.Reply.AsInteger() == 0)
            return result.Before.Exists ? NoSuchField(target.Bytes, field) : Problems.NoSuchKey(target.ToString());
        // The hash may be gone (its last field was deleted); if not, its new version is the ETag.
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<HashFieldInteger>, ProblemHttpResult>> IncrBy(
        RouteKey target, [FromBody] FieldIncrementRequest? request, HttpContext http, EngineClient engine)
    {
        var field = RouteKey.Segment(http, "field");
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("HINCRBY", target.Bytes, field, request?.By ?? 1));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes, field);
        return TypedResults.Ok(new HashFieldInteger(BinaryText.Encode(target.Bytes, encoding), BinaryText.Encode(field, encoding), result.Reply.AsInteger()) { Encoding = encoding });
    }

    private static async Task<Results<Ok<HashFieldFloat>, ProblemHttpResult>> IncrByFloat(
        RouteKey target, FieldIncrementByFloatRequest request, HttpContext http, EngineClient engine)
    {
        var field = RouteKey.Segment(http, "field");
        var increment = request.By.ToString("R", CultureInfo.InvariantCulture);
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("HINCRBYFLOAT", target.Bytes, field, increment));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var value = double.Parse(result.Reply.AsBulk().Span, CultureInfo.InvariantCulture);
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes, field);
        return TypedResults.Ok(new HashFieldFloat(BinaryText.Encode(target.Bytes, encoding), BinaryText.Encode(field, encoding), value) { Encoding = encoding });
    }

    // Shared

    private static ProblemHttpResult NoSuchField(byte[] key, byte[] field) =>
        Problems.Create(ProblemTable.ForStatus(StatusCodes.Status404NotFound),
            $"Field '{KeyHttp.Display(field)}' does not exist in hash '{KeyHttp.Display(key)}'.", "ERR");

    /// <summary>The encoding of an object holding the key and these byte strings: base64 when asked for or when any is not UTF-8.</summary>
    private static string? Choose(HttpContext http, byte[] key, IReadOnlyList<Reply> items)
    {
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), key);
        for (var i = 0; encoding is null && i < items.Count; i++)
        {
            if (items[i].Kind == ReplyKind.Bulk)
                encoding = BinaryText.Choose(false, items[i].AsBulk().Span);
        }
        return encoding;
    }

    /// <summary>Field, value, field, value… as a JSON object (distinct fields stay distinct: text is valid UTF-8, base64 is one-to-one).</summary>
    private static Dictionary<string, string> Object(IReadOnlyList<Reply> pairs, string? encoding)
    {
        var fields = new Dictionary<string, string>(pairs.Count / 2);
        for (var i = 0; i < pairs.Count; i += 2)
            fields[BinaryText.Encode(pairs[i].AsBulk().Span, encoding)] = BinaryText.Encode(pairs[i + 1].AsBulk().Span, encoding);
        return fields;
    }

    private static List<string> List(IReadOnlyList<Reply> items, string? encoding) =>
        items.Select(item => BinaryText.Encode(item.AsBulk().Span, encoding)).ToList();

    private static HashField Field(byte[] key, byte[] field, ReadOnlySpan<byte> value, bool base64Requested)
    {
        var encoding = BinaryText.Choose(base64Requested, key, field) ?? BinaryText.Choose(false, value);
        return new HashField(BinaryText.Encode(key, encoding), BinaryText.Encode(field, encoding), BinaryText.Encode(value, encoding)) { Encoding = encoding };
    }

    private static string HashUrl(byte[] key) => $"/hashes/{KeyHttp.PathSegment(key)}";
}
