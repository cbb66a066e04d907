using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Endpoints;

/// <summary>Union, intersection and difference across keys, returned or stored.</summary>
internal static partial class ZSetsEndpoints
{
    private static Task<Results<Ok<ZAlgebraResult>, Ok<ZStoreResult>, ProblemHttpResult>> Union(
        ZSetAlgebraRequest request, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings) =>
        Algebra("ZUNION", request, http, engine, settings.Value);

    private static Task<Results<Ok<ZAlgebraResult>, Ok<ZStoreResult>, ProblemHttpResult>> Inter(
        ZSetAlgebraRequest request, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings) =>
        Algebra("ZINTER", request, http, engine, settings.Value);

    private static async Task<Results<Ok<ZAlgebraResult>, Ok<ZStoreResult>, ProblemHttpResult>> Diff(
        ZSetAlgebraRequest request, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        if (request.Weights is not null || request.Aggregate is not null)
            return Problems.Of(ErrorKind.BadRequest, "weights and aggregate apply to union and intersection, not to difference.");
        return await Algebra("ZDIFF", request, http, engine, settings.Value);
    }

    /// <summary>
    /// ZUNION/ZINTER/ZDIFF returning the result, or the STORE form when <c>store</c> names a key —
    /// then under the request's conditional headers on that key (<c>If-None-Match: *</c>: only if it
    /// does not exist yet).
    /// </summary>
    private static async Task<Results<Ok<ZAlgebraResult>, Ok<ZStoreResult>, ProblemHttpResult>> Algebra(
        string command, ZSetAlgebraRequest request, HttpContext http, EngineClient engine, HttpSettings settings)
    {
        var base64 = request.Encoding == BinaryText.Base64 || BinaryText.Requested(http.Request);
        var args = new List<object> { command };
        var destination = request.Store is { } store ? BinaryText.Decode(store, request.Encoding) : null;
        if (destination is not null)
        {
            args[0] = command + "STORE";
            args.Add(destination);
        }
        args.Add(request.Keys.Count);
        args.AddRange(request.Keys.Select(key => (object)BinaryText.Decode(key, request.Encoding)));
        if (request.Weights is { } weights)
            args.AddRange(["WEIGHTS", .. weights.Select(w => (object)ScoreJsonConverter.Argument(w))]);
        if (request.Aggregate is { } aggregate)
            args.AddRange(["AGGREGATE", aggregate.ToUpperInvariant()]);

        if (destination is not null)
        {
            var (stored, problem) = await KeyHttp.RunAsync(engine, http, RouteKey.FromBytes(destination), Argv.Of([.. args]));
            if (problem is not null)
                return problem;
            KeyHttp.WriteEntityHeaders(http.Response, stored.After, engine.Time);
            var encoding = BinaryText.Choose(base64, destination);
            return TypedResults.Ok(new ZStoreResult(BinaryText.Encode(destination, encoding), stored.Reply.AsInteger()) { Encoding = encoding });
        }

        args.Add("WITHSCORES");
        var reply = await engine.RunAsync(Argv.Of([.. args]));
        if (reply.IsProblem(out var failed))
            return failed;
        var flat = reply.AsItems();
        if (Collections.TooMany(flat.Count / 2, settings) is { } tooMany)
            return tooMany;
        return TypedResults.Ok(new ZAlgebraResult(Members(flat, base64)));
    }
}
