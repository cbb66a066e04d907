using System.Globalization;
using System.Text.Json;
using Lodestone.Api.Contracts;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Protocol;
using Lodestone.Api.Validation;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/strings</c>: string keys as a resource — caching, sessions, counters, feature flags. Values are
/// JSON text (base64 for bytes) or raw <c>application/octet-stream</c>.
/// </summary>
internal static class StringsEndpoints
{
    private const string OctetStream = "application/octet-stream";

    public static RouteGroupBuilder MapStrings(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/strings").WithTags("Strings").WithValidation().RequireApiKey(app);

        group.MapGet("/{key}", Get).ForCommand("GET", "getString").WithMetadata(new AlsoServesRawBytes()).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{key}", Set).ForCommand("SET", "setString")
            .WithMetadata(new AlsoAcceptsRawBytes(
                ("ttlMs", Microsoft.OpenApi.JsonSchemaType.Integer, "With a raw body: expire the key after this many milliseconds (PX)."),
                ("keepTtl", Microsoft.OpenApi.JsonSchemaType.Boolean, "With a raw body: keep the key's current TTL (KEEPTTL).")))
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        // The same operation with a raw body; documented on the JSON route above. Without a Content-Type
        // both routes match: the JSON one, ordered first, answers (415 naming the accepted types).
        group.MapPut("/{key}", SetRaw).Accepts<byte[]>(OctetStream).WithOrder(1).WithMetadata(new RedisCommandMetadata("setString", "SET")).ExcludeFromDescription();
        group.MapDelete("/{key}", Delete).ForCommand("GETDEL", "deleteString").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{key}/incr", IncrBy).ForCommand("INCRBY", "incrementString").ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/{key}/decr", DecrBy).ForCommand("DECRBY", "decrementString").ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/{key}/incrbyfloat", IncrByFloat).ForCommand("INCRBYFLOAT", "incrementStringByFloat").ProducesValidationProblem().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/{key}/append", Append).ForCommand("APPEND", "appendString").ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/{key}/range", GetRange).ForCommand("GETRANGE", "getStringRange").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{key}/range", SetRange).ForCommand("SETRANGE", "setStringRange").ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapPost("/mget", MGet).ForCommand("MGET", "getStrings").ProducesValidationProblem();
        group.MapPost("/mset", MSet).ForCommand("MSET", "setStrings").ProducesValidationProblem();
        return group;
    }

    private static async Task<Results<Ok<StringEntry>, StreamedEntry, FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> Get(
        RouteKey target, HttpContext http, EngineClient engine)
    {
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("GET", target.Bytes));
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var (value, ttl) = (read.Reply.AsBulk(), read.TtlMs);
        if (ContentNegotiation.WantsRawBytes(http))
            return TypedResults.Bytes(value, OctetStream);
        if (JsonText.IsLarge(value.Length))
            return new StreamedEntry(target.Bytes, value, ttl, BinaryText.Requested(http.Request), StatusCodes.Status200OK);
        return TypedResults.Ok(Entry(target.Bytes, value.Span, ttl, BinaryText.Requested(http.Request)));
    }

    private static Task<Results<Created<StringEntry>, Ok<StringEntry>, StreamedEntry, ProblemHttpResult>> Set(
        RouteKey target, SetStringRequest request, HttpContext http, EngineClient engine) =>
        Store(target, BinaryText.Decode(request.Value, request.Encoding), request.TtlMs, request.KeepTtl, http, engine,
            base64Requested: request.Encoding == BinaryText.Base64);

    private static async Task<Results<Created<StringEntry>, Ok<StringEntry>, StreamedEntry, ProblemHttpResult>> SetRaw(
        RouteKey target, [AsParameters] RawSetOptions options, HttpContext http, EngineClient engine)
    {
        using var body = new MemoryStream(http.Request.ContentLength is { } length and < int.MaxValue ? (int)length : 0);
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        return await Store(target, body.ToArray(), options.TtlMs, options.KeepTtl == true, http, engine, base64Requested: false);
    }

    private static async Task<Results<Created<StringEntry>, Ok<StringEntry>, StreamedEntry, ProblemHttpResult>> Store(
        RouteKey target, byte[] value, long? ttlMs, bool keepTtl, HttpContext http, EngineClient engine, bool base64Requested)
    {
        var args = ttlMs is { } px ? Argv.Of("SET", target.Bytes, value, "PX", px)
            : keepTtl ? Argv.Of("SET", target.Bytes, value, "KEEPTTL")
            : Argv.Of("SET", target.Bytes, value);
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, args);
        if (problem is not null)
            return problem;

        var remaining = KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var location = result.Before.Exists ? null : $"/strings/{KeyHttp.PathSegment(target.Bytes)}";
        base64Requested |= BinaryText.Requested(http.Request);
        if (JsonText.IsLarge(value.Length))
            return new StreamedEntry(target.Bytes, value, remaining, base64Requested, location is null ? StatusCodes.Status200OK : StatusCodes.Status201Created, location);
        var entry = Entry(target.Bytes, value, remaining, base64Requested);
        return location is null ? TypedResults.Ok(entry) : TypedResults.Created(location, entry);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(RouteKey target, HttpContext http, EngineClient engine)
    {
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("GETDEL", target.Bytes));
        if (problem is not null)
            return problem;
        return result.Reply.IsNull ? Errors.Problems.NoSuchKey(target.ToString()) : TypedResults.NoContent();
    }

    private static Task<Results<Ok<IntegerValue>, ProblemHttpResult>> IncrBy(RouteKey target, [FromBody] IncrementRequest? request, HttpContext http, EngineClient engine) =>
        Count(target, "INCRBY", request?.By ?? 1, http, engine);

    private static Task<Results<Ok<IntegerValue>, ProblemHttpResult>> DecrBy(RouteKey target, [FromBody] IncrementRequest? request, HttpContext http, EngineClient engine) =>
        Count(target, "DECRBY", request?.By ?? 1, http, engine);

    private static async Task<Results<Ok<IntegerValue>, ProblemHttpResult>> Count(RouteKey target, string command, long by, HttpContext http, EngineClient engine)
    {
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of(command, target.Bytes, by));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.Ok(new IntegerValue(target.ToString(), result.Reply.AsInteger()));
    }

    private static async Task<Results<Ok<FloatValue>, ProblemHttpResult>> IncrByFloat(RouteKey target, IncrementByFloatRequest request, HttpContext http, EngineClient engine)
    {
        var increment = request.By.ToString("R", CultureInfo.InvariantCulture);
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("INCRBYFLOAT", target.Bytes, increment));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var value = double.Parse(result.Reply.AsBulk().Span, CultureInfo.InvariantCulture);
        return TypedResults.Ok(new FloatValue(target.ToString(), value));
    }

    private static async Task<Results<Ok<StringLength>, ProblemHttpResult>> Append(RouteKey target, AppendRequest request, HttpContext http, EngineClient engine)
    {
        var value = BinaryText.Decode(request.Value, request.Encoding);
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("APPEND", target.Bytes, value));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.Ok(new StringLength(target.ToString(), result.Reply.AsInteger()));
    }

    private static async Task<Results<Ok<StringRange>, ProblemHttpResult>> GetRange(RouteKey target, long start, long end, HttpContext http, EngineClient engine)
    {
        var result = await engine.ExecuteAsync(Argv.Of("GETRANGE", target.Bytes, start, end), target.Bytes);
        if (result.Reply.IsProblem(out var problem))
            return problem;
        if (!result.After.Exists)
            return Errors.Problems.NoSuchKey(target.ToString());
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var value = result.Reply.AsBulk().Span;
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes, value);
        return TypedResults.Ok(new StringRange(BinaryText.Encode(target.Bytes, encoding), start, end, BinaryText.Encode(value, encoding)) { Encoding = encoding });
    }

    private static async Task<Results<Ok<StringLength>, ProblemHttpResult>> SetRange(RouteKey target, SetRangeRequest request, HttpContext http, EngineClient engine)
    {
        var value = BinaryText.Decode(request.Value, request.Encoding);
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("SETRANGE", target.Bytes, request.Offset, value));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.Ok(new StringLength(target.ToString(), result.Reply.AsInteger()));
    }

    private static async Task<Results<Ok<MultiGetResponse>, ProblemHttpResult>> MGet(MultiGetRequest request, HttpContext http, EngineClient engine)
    {
        var keys = request.Keys.Select(k => BinaryText.Decode(k, request.Encoding)).ToArray();
        var reply = await engine.RunAsync([Argv.Of("MGET")[0], .. keys]);
        if (reply.IsProblem(out var problem))
            return problem;
        var base64 = request.Encoding == BinaryText.Base64 || BinaryText.Requested(http.Request);
        var items = reply.AsItems().Select((value, i) =>
        {
            var bytes = value.IsNull ? ReadOnlyMemory<byte>.Empty : value.AsBulk();
            var encoding = BinaryText.Choose(base64, keys[i], bytes.Span);
            return new MultiGetItem(BinaryText.Encode(keys[i], encoding), value.IsNull ? null : BinaryText.Encode(bytes.Span, encoding)) { Encoding = encoding };
        }).ToList();
        return TypedResults.Ok(new MultiGetResponse(items));
    }

    private static async Task<Results<Ok<MultiSetResponse>, ProblemHttpResult>> MSet(MultiSetRequest request, EngineClient engine)
    {
        var args = new List<byte[]>(request.Items.Count * 2 + 1) { Argv.Of(request.OnlyIfNoneExist ? "MSETNX" : "MSET")[0] };
        foreach (var item in request.Items)
        {
            args.Add(BinaryText.Decode(item.Key, request.Encoding));
            args.Add(BinaryText.Decode(item.Value, request.Encoding));
        }
        var reply = await engine.RunAsync([.. args]);
        if (reply.IsProblem(out var problem))
            return problem;
        var written = !request.OnlyIfNoneExist || reply.AsInteger() == 1;
        return TypedResults.Ok(new MultiSetResponse(written, written ? request.Items.Count : 0));
    }

    /// <summary>
    /// A <see cref="StringEntry"/> written field by field with its value streamed (<see cref="JsonText"/>):
    /// the same JSON, for values too large to serialize whole (up to 512 MB, whose JSON may be 3 GB).
    /// </summary>
    internal sealed class StreamedEntry(byte[] key, ReadOnlyMemory<byte> value, long? ttlMs, bool base64Requested, int status, string? location = null) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            var encoding = BinaryText.Choose(base64Requested, key, value.Span);
            response.StatusCode = status;
            if (location is not null)
                response.Headers.Location = location;
            response.ContentType = "application/json; charset=utf-8";
            var serializer = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            await using var json = new Utf8JsonWriter(response.Body, new JsonWriterOptions { Encoder = serializer.Encoder });
            json.WriteStartObject();
            json.WriteString("key", BinaryText.Encode(key, encoding));
            json.WritePropertyName("value");
            await JsonText.WriteAsync(json, value, encoding == BinaryText.Base64, httpContext.RequestAborted);
            if (ttlMs is { } ttl)
                json.WriteNumber("ttlMs", ttl);
            else
                json.WriteNull("ttlMs");
            if (encoding is not null)
                json.WriteString("encoding", encoding);
            json.WriteEndObject();
        }
    }

    private static StringEntry Entry(byte[] key, ReadOnlySpan<byte> value, long? ttlMs, bool base64Requested)
    {
        var encoding = BinaryText.Choose(base64Requested, key, value);
        return new StringEntry(BinaryText.Encode(key, encoding), BinaryText.Encode(value, encoding), ttlMs) { Encoding = encoding };
    }
}
