using System.Globalization;
using Lodestone.Api.Contracts;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Validation;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/keys</c>: any key, whatever its type — paged listing (SCAN), type/TTL/version, delete, expiry,
/// rename and copy.
/// </summary>
internal static class KeysEndpoints
{
    public static RouteGroupBuilder MapKeys(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/keys").WithTags("Keys").WithValidation().RequireApiKey(app);

        group.MapGet("/", List).ForCommand("SCAN", "listKeys").ProducesValidationProblem();
        group.MapGet("/{key}", Get).ForCommand("TYPE", "getKey")
            .Produces(StatusCodes.Status304NotModified).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{key}", Delete).ForCommand("DEL", "deleteKey")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapPut("/{key}/expiry", SetExpiry).ForCommand("PEXPIRE", "setKeyExpiry")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapDelete("/{key}/expiry", Persist).ForCommand("PERSIST", "removeKeyExpiry")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapPost("/{key}/rename", Rename).ForCommand("RENAME", "renameKey")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapPost("/{key}/copy", Copy).ForCommand("COPY", "copyKey")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return group;
    }

    private static async Task<Results<Ok<KeyPage>, ProblemHttpResult>> List(
        [AsParameters] KeyListQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        if (!Paging.TryLimit(http.Request, query.Limit, settings.Value, out var limit, out var invalid))
            return invalid!;
        var page = await Paging.ScanAsync(query.Page, limit, (cursor, count) =>
            {
                var args = new List<object> { "SCAN", cursor, "COUNT", count };
                if (query.Match is { } match)
                    args.AddRange(["MATCH", match]);
                if (query.Type is { } type)
                    args.AddRange(["TYPE", type]);
                return engine.RunAsync(Argv.Of([.. args]));
            },
            reply => reply.AsItems().Select(k => k.AsBulk().ToArray()).ToList(), key => key);
        if (page.Problem is { } problem)
            return problem;

        var keys = page.Elements;
        // One atomic round trip for every key's type, TTL and version.
        var states = await engine.ExecuteAtomicAsync(keys.Select(k => (Argv.Of("TYPE", k), (byte[]?)k, (KeyCondition?)null)));
        var base64 = BinaryText.Requested(http.Request);
        var infos = keys.Zip(states)
            .Where(pair => pair.Second.After.Exists) // deleted or expired between the two calls
            .Select(pair => KeyHttp.Info(pair.First, pair.Second.After, KeyHttp.TtlMs(pair.Second.After, engine.Time), base64))
            .ToList();
        return TypedResults.Ok(new KeyPage(infos, page.Next));
    }

    private static async Task<Results<Ok<KeyInfo>, StatusCodeHttpResult, ProblemHttpResult>> Get(RouteKey target, HttpContext http, EngineClient engine)
    {
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("TYPE", target.Bytes));
        if (read.Problem is { } problem)
            return problem;
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        return TypedResults.Ok(KeyHttp.Info(target.Bytes, read.Result.After, read.TtlMs, BinaryText.Requested(http.Request)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(RouteKey target, HttpContext http, EngineClient engine)
    {
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("DEL", target.Bytes));
        if (problem is not null)
            return problem;
        return result.Reply.AsInteger() == 0 ? Errors.Problems.NoSuchKey(target.ToString()) : TypedResults.NoContent();
    }

    private static Task<Results<Ok<ExpiryResponse>, ProblemHttpResult>> SetExpiry(RouteKey target, SetExpiryRequest request, HttpContext http, EngineClient engine)
    {
        var args = new List<object> { request.TtlMs is null ? "PEXPIREAT" : "PEXPIRE", target.Bytes, request.TtlMs ?? request.AtMs!.Value };
        if (request.Condition is { } option)
            args.Add(option.ToUpperInvariant());
        return ChangeExpiry(target, Argv.Of([.. args]), http, engine);
    }

    private static Task<Results<Ok<ExpiryResponse>, ProblemHttpResult>> Persist(RouteKey target, HttpContext http, EngineClient engine) =>
        ChangeExpiry(target, Argv.Of("PERSIST", target.Bytes), http, engine);

    private static async Task<Results<Ok<ExpiryResponse>, ProblemHttpResult>> ChangeExpiry(RouteKey target, byte[][] args, HttpContext http, EngineClient engine)
    {
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, args);
        if (problem is not null)
            return problem;
        if (!result.Before.Exists)
            return Errors.Problems.NoSuchKey(target.ToString());
        var ttl = KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.Ok(new ExpiryResponse(target.ToString(), result.Reply.AsInteger() == 1, result.After.Exists, ttl));
    }

    private static async Task<Results<Ok<KeyInfo>, ProblemHttpResult>> Rename(RouteKey target, RenameRequest request, HttpContext http, EngineClient engine)
    {
        if (!KeyHttp.TryPrecondition(http.Request, out var condition, out var invalid))
            return invalid!;
        var newKey = BinaryText.Decode(request.NewKey, request.Encoding);
        var results = await engine.ExecuteAtomicAsync(
        [
            (Argv.Of(request.OnlyIfNew ? "RENAMENX" : "RENAME", target.Bytes, newKey), target.Bytes, condition),
            (Argv.Of("TYPE", newKey), newKey, null),
        ]);
        var renamed = results[0];
        // RENAME's own text is "ERR no such key"; name the key, as every other route does.
        if (renamed.Reply.IsError && renamed.Reply.AsError().Kind == ErrorKind.NoSuchKey)
            return Errors.Problems.NoSuchKey(target.ToString());
        if (renamed.Reply.IsProblem(out var problem))
            return problem;
        if (renamed.Reply.Kind == ReplyKind.Integer && renamed.Reply.AsInteger() == 0 && !target.Bytes.AsSpan().SequenceEqual(newKey))
            return Errors.Problems.Conflict($"Key '{KeyHttp.Display(newKey)}' already exists.");
        var ttl = KeyHttp.WriteEntityHeaders(http.Response, results[1].After, engine.Time);
        return TypedResults.Ok(KeyHttp.Info(newKey, results[1].After, ttl, request.Encoding == BinaryText.Base64 || BinaryText.Requested(http.Request)));
    }

    private static async Task<Results<Created<KeyInfo>, ProblemHttpResult>> Copy(RouteKey target, CopyRequest request, HttpContext http, EngineClient engine)
    {
        if (!KeyHttp.TryPrecondition(http.Request, out var condition, out var invalid))
            return invalid!;
        var destination = BinaryText.Decode(request.Destination, request.Encoding);
        var copy = request.Replace ? Argv.Of("COPY", target.Bytes, destination, "REPLACE") : Argv.Of("COPY", target.Bytes, destination);
        var results = await engine.ExecuteAtomicAsync(
        [
            (copy, target.Bytes, condition),
            (Argv.Of("TYPE", destination), destination, null),
        ]);
        var copied = results[0];
        if (copied.Reply.IsProblem(out var problem))
            return problem;
        if (!copied.Before.Exists)
            return Errors.Problems.NoSuchKey(target.ToString());
        if (copied.Reply.AsInteger() == 0)
            return Errors.Problems.Conflict($"Key '{KeyHttp.Display(destination)}' already exists; set replace to overwrite it.");
        var ttl = KeyHttp.WriteEntityHeaders(http.Response, results[1].After, engine.Time);
        var info = KeyHttp.Info(destination, results[1].After, ttl, request.Encoding == BinaryText.Base64 || BinaryText.Requested(http.Request));
        return TypedResults.Created($"/keys/{KeyHttp.PathSegment(destination)}", info);
    }
}
