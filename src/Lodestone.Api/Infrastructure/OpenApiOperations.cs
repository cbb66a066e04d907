using System.Text.Json.Nodes;
using Lodestone.Engine.Commands;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Completes each operation of the OpenAPI document from its route's metadata, so that what the
/// document says is what the service does: the operationId and the Redis command
/// (<c>x-redis-command</c>), the conditional headers a route honours, every status it can answer
/// (including those the pipeline answers for it: 401/403 from auth, 429 from the rate limiter, 406
/// from content negotiation, 503 while the engine loads or stops, 507 for writes over maxmemory),
/// the response headers, the raw-bytes forms and the API-key security.
/// </summary>
/// <remarks>
/// Problem responses all use the one <c>ProblemDetails</c> schema (<see cref="OpenApiDefinitions"/>);
/// the command endpoint's errors are Upstash's <c>{"error"}</c> bodies instead. HEAD operations
/// document no bodies: the server sends none.
/// </remarks>
internal static class OpenApiOperations
{
    public const string ProblemJson = "application/problem+json";
    public const string Json = "application/json";
    public const string RawBytes = "application/octet-stream";

    public static async Task Transform(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellation)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var document = context.Document!;
        var command = metadata.OfType<RedisCommandMetadata>().LastOrDefault();
        var upstash = metadata.OfType<UpstashErrors>().Any();

        if (command is not null)
        {
            operation.OperationId = command.OperationId;
            if (command.Command is { } name)
            {
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions["x-redis-command"] = new JsonNodeExtension(JsonValue.Create(name));
            }
        }
        operation.Responses ??= [];
        CamelCaseQueryParameters(operation);
        DocumentPathParameters(operation, description.RelativePath ?? "");

        if (metadata.OfType<AlsoAcceptsRawBytes>().LastOrDefault() is { } raw && operation.RequestBody?.Content is { } content)
        {
            content[RawBytes] = RawBytesMediaType();
            foreach (var (name, type, text) in raw.Query)
                AddParameter(operation, new OpenApiParameter { Name = name, In = ParameterLocation.Query, Description = text, Schema = new OpenApiSchema { Type = type } });
        }
        if (metadata.OfType<AlsoServesRawBytes>().Any() && operation.Responses.GetValueOrDefault("200")?.Content is { } served)
            served[RawBytes] = RawBytesMediaType();
        if (metadata.OfType<AlsoServesGeoJson>().LastOrDefault() is { } geo && operation.Responses.GetValueOrDefault("200")?.Content is { } geoServed)
            geoServed[ContentNegotiation.GeoJson] = new OpenApiMediaType { Schema = await ComponentAsync(context, geo.Schema, cancellation) };
        if (metadata.OfType<OneOfResponses>().LastOrDefault() is { } oneOf)
            await OneOfAsync(operation, context, oneOf.Types, cancellation);
        if (metadata.OfType<OpenApiExamples>().LastOrDefault() is { } examples)
            AddExamples(operation, examples);

        if (upstash)
            CommandEndpoint(operation, document, description);
        else
            Resource(operation, document, metadata, command);

        if (string.Equals(description.HttpMethod, HttpMethods.Head, StringComparison.OrdinalIgnoreCase))
        {
            foreach (var response in operation.Responses.Values.OfType<OpenApiResponse>())
                response.Content = null;
        }
        operation.Security = Security(document, upstash);
    }

    /// <summary>
    /// Each JSON success response as an <c>anyOf</c> of the types' schemas, each a component of its own.
    /// Not <c>oneOf</c>: the bodies carry no discriminator, and Kiota then fills none of a oneOf's members
    /// (ZADD's count unreadable), where it reads an anyOf into each. The schemas are closed
    /// (additionalProperties: false) and their required members differ, so no body matches two: the
    /// anyOf accepts exactly what the oneOf did.
    /// </summary>
    private static async Task OneOfAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, Type[] types, CancellationToken cancellation)
    {
        var schemas = new List<IOpenApiSchema>();
        foreach (var type in types)
            schemas.Add(await ComponentAsync(context, type, cancellation));
        foreach (var (status, response) in operation.Responses!)
        {
            if (status.StartsWith('2') && response.Content is { } content && content.TryGetValue(Json, out var media))
                media.Schema = new OpenApiSchema { AnyOf = schemas };
        }
    }

    /// <summary>A reference to <paramref name="type"/>'s schema, made a component of the document the first time.</summary>
    private static async Task<IOpenApiSchema> ComponentAsync(OpenApiOperationTransformerContext context, Type type, CancellationToken cancellation)
    {
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(type.Name) != true)
            document.AddComponent(type.Name, await context.GetOrCreateSchemaAsync(type, null, cancellation));
        return new OpenApiSchemaReference(type.Name, document);
    }

    /// <summary>A resource or admin route: problem details for every failure, key headers where it reads or writes a key.</summary>
    private static void Resource(OpenApiOperation operation, OpenApiDocument document, IList<object> metadata, RedisCommandMetadata? command)
    {
        var spec = command?.Command is { } name ? CommandTable.Default.Find(name) : null;
        var conditions = metadata.OfType<KeyConditionsMetadata>().LastOrDefault()?.Conditions ?? KeyConditions.None;
        var responses = operation.Responses!;

        // Problems the route declares itself (404, 409, 422…) are the shared problem responses.
        foreach (var (status, response) in responses.ToList())
        {
            if (response is OpenApiResponse { Content: { } content } && content.ContainsKey(ProblemJson))
                responses.Remove(status);
        }

        EnsureProblem(responses, document, StatusCodes.Status400BadRequest);
        EnsureProblem(responses, document, StatusCodes.Status401Unauthorized);
        EnsureProblem(responses, document, StatusCodes.Status403Forbidden);
        foreach (var status in metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>()
            .Where(produces => produces.ContentTypes.Contains(ProblemJson)).Select(produces => produces.StatusCode))
            EnsureProblem(responses, document, status);
        if (command is not null)
            EnsureProblem(responses, document, StatusCodes.Status406NotAcceptable);
        // A command on keys meets a key of another type (WRONGTYPE), whichever type it works on.
        if (spec is not null && (spec.KeyType != Lodestone.Engine.Types.RedisType.None || spec.FirstKey > 0 || spec.HasMovableKeys))
            EnsureProblem(responses, document, StatusCodes.Status409Conflict);
        if (conditions != KeyConditions.None)
            EnsureProblem(responses, document, StatusCodes.Status412PreconditionFailed);
        EnsureProblem(responses, document, StatusCodes.Status413PayloadTooLarge);
        if (operation.RequestBody is not null)
            EnsureProblem(responses, document, StatusCodes.Status415UnsupportedMediaType);
        EnsureProblem(responses, document, StatusCodes.Status429TooManyRequests);
        EnsureProblem(responses, document, StatusCodes.Status503ServiceUnavailable);
        if (spec is not null && (spec.Flags & CommandFlags.DenyOom) != 0)
            EnsureProblem(responses, document, StatusCodes.Status507InsufficientStorage);
        EnsureProblem(responses, document, StatusCodes.Status500InternalServerError);
        // A lock that is held says until when: Retry-After and lockedUntil.
        if (command?.Command?.StartsWith("LOCK.", StringComparison.Ordinal) == true && responses.ContainsKey("409"))
            responses["409"] = new OpenApiResponseReference(OpenApiDefinitions.LockConflictResponse, document);
        if (conditions == KeyConditions.Read)
            responses["304"] = new OpenApiResponse { Description = "Not modified: the key is still at the version If-None-Match names. No body." };

        // Lodestone-Wait on every route whose command writes (ReplicaWait).
        var writes = spec is { IsWrite: true };
        if (writes)
            AddParameter(operation, new OpenApiParameterReference(OpenApiDefinitions.LodestoneWait, document));
        // Any route honours a sync token (a read on a replica waits for the write it names).
        AddParameter(operation, new OpenApiParameterReference(OpenApiDefinitions.UpstashSyncTokenParameter, document));
        if (conditions != KeyConditions.None)
        {
            AddParameter(operation, new OpenApiParameterReference(OpenApiDefinitions.IfMatch, document));
            if (conditions != KeyConditions.ReadIfMatch)
                AddParameter(operation, new OpenApiParameterReference(OpenApiDefinitions.IfNoneMatch, document));
        }

        foreach (var (status, response) in responses)
        {
            if (response is not OpenApiResponse typed)
                continue;
            var code = int.Parse(status, System.Globalization.CultureInfo.InvariantCulture);
            if ((code is >= 200 and < 300 || code == StatusCodes.Status304NotModified) && conditions != KeyConditions.None)
            {
                Header(typed, document, OpenApiDefinitions.ETagHeader);
                Header(typed, document, OpenApiDefinitions.TtlHeader);
            }
            if (writes && code is >= 200 and < 300)
                Header(typed, document, OpenApiDefinitions.ReplicasAckedHeader);
            Common(typed, document, code);
        }
    }

    /// <summary>The Upstash protocol routes: <c>{"result"}</c> / <c>{"error"}</c> bodies, RESP2 on request, the sync token on every response.</summary>
    private static void CommandEndpoint(OpenApiOperation operation, OpenApiDocument document, ApiDescription description)
    {
        var responses = operation.Responses!;
        var error = new OpenApiSchemaReference(OpenApiDefinitions.CommandError, document);
        OpenApiResponse Error(string text) => new()
        {
            Description = text,
            Content = new Dictionary<string, OpenApiMediaType> { [Json] = new() { Schema = error } },
        };
        responses["400"] = Error("The command failed, or the request is malformed: {\"error\": \"<Redis error text>\"}. " +
            "With Upstash-Response-Format: resp2 a failed command is the RESP2 error instead.");
        responses["401"] = Error("API keys are configured and the request has none (WRONGPASS missing auth token), or a wrong one (WRONGPASS invalid auth token).");
        responses["403"] = Error("Protected mode refused a client that is not on loopback (DENIED).");
        responses["413"] = Error("The request body is over Commands:MaxRequestBodyBytes.");
        responses["429"] = Error("The request rate limiter refused the caller.");
        responses["500"] = Error("The engine failed while running the command (a bug; it is logged).");
        responses["503"] = Error("On a replica: it had not applied the upstash-sync-token's offset within Replication:ReadYourWritesWaitMs (TRYAGAIN); Retry-After says when to try again.");

        // Upstash-Response-Format: resp2 answers the raw RESP2 bytes, for a failed command too.
        foreach (var status in new[] { "200", "400" })
            ((OpenApiResponse)responses[status]).Content![RawBytes] = RawBytesMediaType("The reply in RESP2, with Upstash-Response-Format: resp2.");

        // A pipeline or transaction answers one {"result"} or {"error"} per command.
        if (responses["200"] is OpenApiResponse { Content: { } ok } && ok.TryGetValue(Json, out var json) && json.Schema?.Type == JsonSchemaType.Array)
        {
            json.Schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { OneOf = [new OpenApiSchemaReference("CommandResult", document), error] },
            };
        }
        if (operation.RequestBody?.Content is { } bodies)
        {
            var single = description.RelativePath is "commands";
            foreach (var media in bodies.Values)
                media.Schema = single ? CommandArguments() : new OpenApiSchema { Type = JsonSchemaType.Array, MinItems = 1, Items = CommandArguments() };
        }

        AddParameter(operation, new OpenApiParameterReference(OpenApiDefinitions.UpstashEncoding, document));
        AddParameter(operation, new OpenApiParameterReference(OpenApiDefinitions.UpstashResponseFormat, document));
        AddParameter(operation, new OpenApiParameterReference(OpenApiDefinitions.UpstashSyncTokenParameter, document));
        AddParameter(operation, new OpenApiParameterReference(OpenApiDefinitions.LodestoneWait, document));
        foreach (var (status, response) in responses)
        {
            if (response is not OpenApiResponse typed)
                continue;
            var code = int.Parse(status, System.Globalization.CultureInfo.InvariantCulture);
            Header(typed, document, OpenApiDefinitions.SyncTokenHeader, required: true);
            if (code is >= 200 and < 300)
                Header(typed, document, OpenApiDefinitions.ReplicasAckedHeader);
            if (code == StatusCodes.Status400BadRequest)
                Header(typed, document, OpenApiDefinitions.RetryAfterHeader);
            Common(typed, document, code);
        }
    }

    /// <summary>One command: its name and arguments, each a string, a number or a boolean (passed as the text it was written with).</summary>
    private static OpenApiSchema CommandArguments() => new()
    {
        Type = JsonSchemaType.Array,
        MinItems = 1,
        Items = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Number | JsonSchemaType.Boolean },
    };

    /// <summary>Headers every route may answer: the rate limiter's (whatever the status), the challenge, Retry-After, Location.</summary>
    private static void Common(OpenApiResponse response, OpenApiDocument document, int code)
    {
        // The rate limiter stands in front of every route (a refused key's 401 counts too); its 429 always says why.
        var limited = code == StatusCodes.Status429TooManyRequests;
        Header(response, document, OpenApiDefinitions.RateLimitPolicyHeader, required: limited);
        Header(response, document, OpenApiDefinitions.RateLimitHeader, required: limited);
        // Every response carries the sync token (required where the command endpoint already says so); a replica's also its offset and lag.
        if (response.Headers?.ContainsKey(OpenApiDefinitions.SyncTokenHeader) != true)
            Header(response, document, OpenApiDefinitions.SyncTokenHeader);
        Header(response, document, OpenApiDefinitions.ReplicationOffsetHeader);
        Header(response, document, OpenApiDefinitions.ReplicationLagHeader);
        switch (code)
        {
            case StatusCodes.Status201Created or StatusCodes.Status202Accepted:
                Header(response, document, OpenApiDefinitions.LocationHeader, required: true);
                break;
            case StatusCodes.Status401Unauthorized:
                Header(response, document, OpenApiDefinitions.WwwAuthenticateHeader, required: true);
                break;
            case StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status507InsufficientStorage:
                Header(response, document, OpenApiDefinitions.RetryAfterHeader, required: true);
                break;
        }
    }

    /// <summary>The shared problem response for <paramref name="status"/>; beside the media types a route already answers with that status (/ratelimits' JSON 429).</summary>
    private static void EnsureProblem(OpenApiResponses responses, OpenApiDocument document, int status)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!responses.TryGetValue(key, out var existing))
            responses[key] = new OpenApiResponseReference(OpenApiDefinitions.ProblemResponse(status), document);
        else if (existing is OpenApiResponse { Content: { } content } typed && !content.ContainsKey(ProblemJson))
        {
            content[ProblemJson] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(OpenApiDefinitions.ProblemDetails, document) };
            typed.Description = ProblemDescription(status) + " Or: " + typed.Description;
        }
    }

    /// <summary>A problem response: its description, the problem schema, and the headers its status carries.</summary>
    public static OpenApiResponse Problem(OpenApiDocument document, int status, string? description = null)
    {
        var response = new OpenApiResponse
        {
            Description = description ?? ProblemDescription(status),
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemJson] = new() { Schema = new OpenApiSchemaReference(OpenApiDefinitions.ProblemDetails, document) },
            },
        };
        Common(response, document, status);
        return response;
    }

    public static string ProblemDescription(int status) => status switch
    {
        400 => "Bad request: malformed JSON, unknown or missing fields, invalid values (with errors per field), a Redis syntax error, malformed conditional headers.",
        401 => "API keys are configured and the request has none, or one that is not valid (code WRONGPASS).",
        403 => "The API key's role or key patterns do not allow this (code NOPERM), or protected mode refused a client that is not on loopback (code DENIED).",
        404 => "Not found: no such key, member or field (the detail says which).",
        406 => "The Accept header allows none of the media types this route serves.",
        409 => "Conflict: the key holds another type (WRONGTYPE), or the target exists, or a lock is held (LOCKED, with Retry-After), not yours (NOTOWNER) or fenced (STALE).",
        412 => "A conditional header (If-Match / If-None-Match) did not hold; nothing changed.",
        413 => "The request body is over Http:MaxRequestBodyBytes, or a value would exceed Engine:ProtoMaxBulkLen or is too large to write as JSON here.",
        415 => "The Content-Type is not one this route accepts.",
        422 => "Not a number: the value is not an integer or float, or the result would overflow or be NaN or infinite.",
        429 => "The request rate limiter refused the caller (code RATELIMITED, retryAfterMs).",
        500 => "The service failed while answering (a bug: it is logged under the traceId).",
        503 => "The engine is loading its data or stopping, or writes are refused after a persistence failure; on a replica: a write with no primary to redirect to (READONLY), "
            + "its link is down or a full sync is arriving while Replication:ServeStaleData is false (MASTERDOWN, LOADING), or it had not applied the upstash-sync-token's offset in time (TRYAGAIN). Try again (Retry-After).",
        507 => "Over Engine:MaxMemoryBytes with nothing to evict (code OOM), or the disk is full (MISCONF); reads and deletes still work.",
        _ => "A problem (RFC 9457) carrying the Redis error code.",
    };

    /// <summary>An API key as a bearer token; on the command endpoint, also as <c>?_token=</c> (either one).</summary>
    private static List<OpenApiSecurityRequirement> Security(OpenApiDocument document, bool upstash)
    {
        OpenApiSecurityRequirement Scheme(string name) => new() { [new OpenApiSecuritySchemeReference(name, document)] = [] };
        return upstash ? [Scheme(OpenApiDefinitions.ApiKey), Scheme(OpenApiDefinitions.QueryToken)] : [Scheme(OpenApiDefinitions.ApiKey)];
    }

    public static void Header(OpenApiResponse response, OpenApiDocument document, string name, bool required = false)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeaderReference(OpenApiDefinitions.HeaderComponent(name, required), document);
    }

    private static void AddParameter(OpenApiOperation operation, IOpenApiParameter parameter)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(parameter);
    }

    private static void AddExamples(OpenApiOperation operation, OpenApiExamples examples)
    {
        if (operation.RequestBody?.Content is { } requests)
        {
            foreach (var media in requests.Values)
                media.Example = JsonNode.Parse(examples.Request);
        }
        if (operation.Responses?.GetValueOrDefault("200")?.Content is { } responses && responses.TryGetValue(Json, out var json))
            json.Example = JsonNode.Parse(examples.Response);
    }

    private static OpenApiMediaType RawBytesMediaType(string? description = null) =>
        new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = description } };

    /// <summary>
    /// Query records bound with [AsParameters] document their properties' names (<c>Count</c>); the API
    /// is camelCase like its JSON, and query names bind ignoring case, so say <c>count</c>.
    /// </summary>
    private static void CamelCaseQueryParameters(OpenApiOperation operation)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (parameter.In == ParameterLocation.Query && parameter.Name is { Length: > 0 } name && char.IsUpper(name[0]))
                parameter.Name = char.ToLowerInvariant(name[0]) + name[1..];
        }
    }

    /// <summary>
    /// Keys, members and fields are bound from the raw path (<see cref="RouteKey"/>), and the command
    /// endpoint's path form reads its path itself, so the generator cannot see these path parameters:
    /// they are described here.
    /// </summary>
    private static void DocumentPathParameters(OpenApiOperation operation, string path)
    {
        var position = 0;
        foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(path, @"\{\**([a-zA-Z]+)[^}]*\}"))
        {
            var name = match.Groups[1].Value;
            operation.Parameters ??= [];
            if (operation.Parameters.Any(p => p.Name == name && p.In == ParameterLocation.Path))
                continue;
            operation.Parameters.Insert(position++, new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Path,
                Required = true,
                Description = name switch
                {
                    "command" => "The command's name (case does not matter).",
                    "arguments" => "The command's arguments, one path segment each ('/' between them), each percent-encoded.",
                    _ => $"The {name}, percent-encoded: any bytes, including '/', '?', '%', '#', spaces and non-ASCII, round-trip.",
                },
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
    }
}
