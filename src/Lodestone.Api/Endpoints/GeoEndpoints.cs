using System.Globalization;
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
/// <c>/geo</c>: places on the earth as a resource — add them, read one back, measure between two,
/// search around a place or a point by radius or box. A geo key is a sorted set (GEOADD stores
/// geohashes as scores), so <c>/zsets/{key}</c> reads it too. Searches answer JSON, or a GeoJSON
/// FeatureCollection for <c>Accept: application/geo+json</c>, which a web map loads as it is.
/// </summary>
internal static class GeoEndpoints
{
    public static RouteGroupBuilder MapGeo(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/geo").WithTags("Geo").WithValidation().RequireApiKey(app);

        group.MapPost("/{key}/places", Add).ForCommand("GEOADD", "addGeoPlaces").ProducesValidationProblem();
        group.MapGet("/{key}/places/{member}", Place).ForCommand("GEOPOS", "getGeoPlace").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{key}/places/{member}", Remove).ForCommand("ZREM", "removeGeoPlace").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{key}/distance", Distance).ForCommand("GEODIST", "getGeoDistance").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{key}/search", Search).ForCommand("GEOSEARCH", "searchGeo").WithMetadata(new AlsoServesGeoJson(typeof(GeoFeatureCollection))).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Created<GeoAddResult>, Ok<GeoAddResult>, ProblemHttpResult>> Add(
        RouteKey target, GeoAddRequest request, HttpContext http, EngineClient engine)
    {
        var args = new List<object> { "GEOADD", target.Bytes };
        if (request.Condition is { } condition)
            args.Add(condition.ToUpperInvariant());
        if (request.Ch)
            args.Add("CH");
        foreach (var place in request.Places)
            args.AddRange([Number(place.Longitude), Number(place.Latitude), BinaryText.Decode(place.Member, request.Encoding)]);

        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of([.. args]));
        if (problem is not null)
            return problem;
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        var encoding = BinaryText.Choose(request.Encoding == BinaryText.Base64 || BinaryText.Requested(http.Request), target.Bytes);
        var added = new GeoAddResult(BinaryText.Encode(target.Bytes, encoding), result.Reply.AsInteger()) { Encoding = encoding };
        return !result.Before.Exists && result.After.Exists
            ? TypedResults.Created($"/geo/{KeyHttp.PathSegment(target.Bytes)}", added)
            : TypedResults.Ok(added);
    }

    private static async Task<Results<Ok<GeoPlace>, StatusCodeHttpResult, ProblemHttpResult>> Place(RouteKey target, HttpContext http, EngineClient engine)
    {
        var member = RouteKey.Segment(http, "member");
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("GEOPOS", target.Bytes, member));
        if (read.Problem is { } problem)
            return problem;
        if (read.Reply.AsItems()[0] is { IsNull: true })
            return NoSuchPlace(target, member);
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var (longitude, latitude) = Coordinates(read.Reply.AsItems()[0]);
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes, member);
        return TypedResults.Ok(new GeoPlace(BinaryText.Encode(target.Bytes, encoding), BinaryText.Encode(member, encoding), longitude, latitude) { Encoding = encoding });
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Remove(RouteKey target, HttpContext http, EngineClient engine)
    {
        var member = RouteKey.Segment(http, "member");
        var (result, problem) = await KeyHttp.RunAsync(engine, http, target, Argv.Of("ZREM", target.Bytes, member));
        if (problem is not null)
            return problem;
        if (result.Reply.AsInteger() == 0)
            return NoSuchPlace(target, member);
        KeyHttp.WriteEntityHeaders(http.Response, result.After, engine.Time);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<GeoDistance>, StatusCodeHttpResult, ProblemHttpResult>> Distance(
        RouteKey target, [AsParameters] GeoDistanceQuery query, HttpContext http, EngineClient engine)
    {
        var (from, to) = (Encoding.UTF8.GetBytes(query.From!), Encoding.UTF8.GetBytes(query.To!));
        var unit = query.Unit ?? "m";
        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of("GEODIST", target.Bytes, from, to, unit));
        if (read.Problem is { } problem)
            return problem;
        if (read.Reply.IsNull)
        {
            return Problems.Create(ProblemTable.ForStatus(StatusCodes.Status404NotFound),
                $"'{query.From}' or '{query.To}' is not a place in '{target}'.", "ERR");
        }
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var encoding = BinaryText.Choose(BinaryText.Requested(http.Request), target.Bytes);
        return TypedResults.Ok(new GeoDistance(BinaryText.Encode(target.Bytes, encoding), BinaryText.Encode(from, encoding), BinaryText.Encode(to, encoding),
            Parse(read.Reply), unit) { Encoding = encoding });
    }

    /// <summary>
    /// GEOSEARCH … WITHDIST WITHCOORD with COUNT always set (by default, and at most,
    /// Http:MaxResponseElements), so a reply is bounded: the nearest places first unless <c>order=desc</c>.
    /// </summary>
    private static async Task<Results<Ok<GeoSearchResult>, JsonHttpResult<GeoFeatureCollection>, StatusCodeHttpResult, ProblemHttpResult>> Search(
        RouteKey target, [AsParameters] GeoSearchQuery query, HttpContext http, EngineClient engine, IOptions<HttpSettings> settings)
    {
        var most = settings.Value.MaxResponseElements;
        if (query.Count > most)
            return Problems.Of(ErrorKind.BadRequest, $"count must be between 1 and {most} (Http:MaxResponseElements).");
        var unit = query.Unit ?? "m";
        var args = new List<object> { "GEOSEARCH", target.Bytes };
        if (query.Member is { } member)
            args.AddRange(["FROMMEMBER", Encoding.UTF8.GetBytes(member)]);
        else
            args.AddRange(["FROMLONLAT", Number(query.Longitude!.Value), Number(query.Latitude!.Value)]);
        if (query.Radius is { } radius)
            args.AddRange(["BYRADIUS", Number(radius), unit]);
        else
            args.AddRange(["BYBOX", Number(query.Width!.Value), Number(query.Height!.Value), unit]);
        args.AddRange([query.Order == "desc" ? "DESC" : "ASC", "COUNT", (query.Count ?? most).ToString(CultureInfo.InvariantCulture)]);
        if (query.Any == true)
            args.Add("ANY");
        args.AddRange(["WITHDIST", "WITHCOORD"]);

        var read = await KeyHttp.ReadAsync(engine, http, target, Argv.Of([.. args]), KeyHttp.Missing.Empty);
        if (read.Problem is { } problem)
        {
            // Redis's words for a FROMMEMBER that is not in the set; here the member is a resource that is not there.
            return query.Member is { } missing && read.Reply.IsError && read.Reply.AsError().Message == "ERR could not decode requested zset member"
                ? NoSuchPlace(target, Encoding.UTF8.GetBytes(missing))
                : problem;
        }
        if (read.IsNotModified)
            return KeyHttp.NotModified;
        var base64 = BinaryText.Requested(http.Request);
        var found = read.Reply.AsItems().Select(item =>
        {
            var parts = item.AsItems();
            var name = parts[0].AsBulk().ToArray();
            var (longitude, latitude) = Coordinates(parts[2]);
            var encoding = BinaryText.Choose(base64, name);
            return new GeoFound(BinaryText.Encode(name, encoding), longitude, latitude, Parse(parts[1])) { Encoding = encoding };
        }).ToList();

        if (ContentNegotiation.Chosen(http) == ContentNegotiation.GeoJson)
        {
            var features = found.Select(place => new GeoFeature("Feature", place.Member, new GeoPoint("Point", [place.Longitude, place.Latitude]),
                new GeoFeatureProperties(place.Member, place.Distance, unit) { Encoding = place.Encoding })).ToList();
            return TypedResults.Json(new GeoFeatureCollection("FeatureCollection", features), contentType: ContentNegotiation.GeoJson);
        }
        var keyEncoding = BinaryText.Choose(base64, target.Bytes);
        return TypedResults.Ok(new GeoSearchResult(BinaryText.Encode(target.Bytes, keyEncoding), unit, found) { Encoding = keyEncoding });
    }

    private static ProblemHttpResult NoSuchPlace(RouteKey target, byte[] member) =>
        Problems.Create(ProblemTable.ForStatus(StatusCodes.Status404NotFound),
            $"'{KeyHttp.Display(member)}' is not a place in '{target}'.", "ERR");

    /// <summary>A number as the engine's argument: the shortest text that reads back as the same double.</summary>
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A number the engine printed (a distance's "%.4f", a coordinate's "%.17Lf") as the nearest double.</summary>
    private static double Parse(Reply reply) => double.Parse(reply.AsBulk().Span, CultureInfo.InvariantCulture);

    private static (double Longitude, double Latitude) Coordinates(Reply pair) =>
        (Parse(pair.AsItems()[0]), Parse(pair.AsItems()[1]));
}
