using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Lodestone.Api.Contracts;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// The OpenAPI document's shared parts, and the fixes to the schemas the generator derives from the
/// contracts: the one <c>ProblemDetails</c> schema with the members our problems carry, the
/// <c>Score</c> (a number, or "inf" / "+inf" / "-inf"), members that are left out when null (not
/// required), null dictionary values (HMGET), the conditional request headers, the response headers
/// and the API-key security schemes.
/// </summary>
internal static class OpenApiDefinitions
{
    public const string ProblemDetails = "ProblemDetails";
    public const string Score = "Score";
    public const string CommandError = "CommandError";

    public const string ApiKey = "apiKey";
    public const string QueryToken = "queryToken";

    public const string IfMatch = "IfMatch";
    public const string IfNoneMatch = "IfNoneMatch";
    public const string UpstashEncoding = "UpstashEncoding";
    public const string UpstashResponseFormat = "UpstashResponseFormat";
    public const string UpstashSyncTokenParameter = "UpstashSyncToken";
    public const string LodestoneWait = "LodestoneWait";

    public const string ETagHeader = "ETag";
    public const string TtlHeader = "Lodestone-Ttl-Ms";
    public const string LocationHeader = "Location";
    public const string RetryAfterHeader = "Retry-After";
    public const string RateLimitPolicyHeader = "RateLimit-Policy";
    public const string RateLimitHeader = "RateLimit";
    public const string WwwAuthenticateHeader = "WWW-Authenticate";
    public const string SyncTokenHeader = UpstashErrors.SyncTokenHeader;
    public const string ReplicasAckedHeader = ReplicaWait.ResponseHeader;
    public const string ReplicationOffsetHeader = ReplicaReads.OffsetHeader;
    public const string ReplicationLagHeader = ReplicaReads.LagHeader;

    /// <summary>Marks a property schema that is a score, to be replaced by a reference to <see cref="Score"/>.</summary>
    private const string ScoreMarker = "x-lodestone-score";

    /// <summary>The response headers: each one's component name, what it means and its value's schema.</summary>
    private static readonly Dictionary<string, (string Component, string Description, Func<OpenApiSchema> Schema)> ResponseHeaders = new(StringComparer.Ordinal)
    {
        [ETagHeader] = ("ETag", "The key's version (a strong entity tag); send it back in If-Match to compare-and-set, or in If-None-Match to revalidate.",
            () => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^\"[0-9]+\"$" }),
        [TtlHeader] = ("LodestoneTtlMs", "Milliseconds until the key expires; absent when it has no TTL.",
            () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" }),
        [LocationHeader] = ("Location", "The URL of the resource created (or, for 202, of the state to poll).",
            () => new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" }),
        [RetryAfterHeader] = ("RetryAfter", "Seconds to wait before trying again.",
            () => new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" }),
        [RateLimitPolicyHeader] = ("RateLimitPolicy", "The caller's rate-limit policy (draft-ietf-httpapi-ratelimit-headers): \"name\";q=<limit>;w=<window seconds>. Sent when rate limiting is on.",
            () => new OpenApiSchema { Type = JsonSchemaType.String }),
        [RateLimitHeader] = ("RateLimit", "What the caller has left (draft-ietf-httpapi-ratelimit-headers): \"name\";r=<remaining>;t=<seconds>. Sent when rate limiting is on.",
            () => new OpenApiSchema { Type = JsonSchemaType.String }),
        [WwwAuthenticateHeader] = ("WWWAuthenticate", "The challenge: Bearer.",
            () => new OpenApiSchema { Type = JsonSchemaType.String }),
        [SyncTokenHeader] = ("UpstashSyncToken", "This node's committed offset in its replication stream when the response started, which only grows; "
            + "after a write, at or past the offset it committed at. Send it back as the upstash-sync-token request header to a replica to read your writes there.",
            () => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-9]+$" }),
        [ReplicasAckedHeader] = ("LodestoneReplicasAcked", "How many replicas acknowledged the write, when the request sent Lodestone-Wait (as WAIT answers).",
            () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" }),
        [ReplicationOffsetHeader] = ("LodestoneReplicationOffset", "On a replica only: the offset of its primary's stream it has applied.",
            () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" }),
        [ReplicationLagHeader] = ("LodestoneReplicationLagMs", "On a replica only: milliseconds since it last heard from its primary's stream (records, or the heartbeat sent after each quiet second); "
            + "0 to about 1000 on a healthy link, growing while the link is down.",
            () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" }),
    };

    /// <summary>The name of the header component for <paramref name="header"/>, required or not.</summary>
    public static string HeaderComponent(string header, bool required) => ResponseHeaders[header].Component + (required ? "Required" : "");

    /// <summary>The statuses every problem response is shared for, by component name.</summary>
    private static readonly (int Status, string Name)[] ProblemStatuses =
    [
        (400, "BadRequest"), (401, "Unauthorized"), (403, "Forbidden"), (404, "NotFound"), (406, "NotAcceptable"), (409, "Conflict"),
        (412, "PreconditionFailed"), (413, "PayloadTooLarge"), (415, "UnsupportedMediaType"), (422, "NotANumber"), (429, "TooManyRequests"),
        (500, "InternalError"), (503, "ServiceUnavailable"), (507, "InsufficientStorage"),
    ];

    /// <summary>The name of the shared problem response for <paramref name="status"/>.</summary>
    public static string ProblemResponse(int status) => ProblemStatuses.First(row => row.Status == status).Name;

    /// <summary>The 409 of the lock routes, which may say when a held lock frees (Retry-After, lockedUntil).</summary>
    public const string LockConflictResponse = "LockConflict";

    public static Task TransformSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellation)
    {
        if (context.JsonPropertyInfo is { } property)
        {
            var score = property.CustomConverter switch
            {
                ScoreJsonConverter => "one",
                NullableScoreJsonConverter => OmittedWhenNull(property) ? "one" : "nullable",
                ScoreListJsonConverter => "list",
                _ => null,
            };
            if (score is not null)
            {
                schema.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                schema.Extensions[ScoreMarker] = new JsonNodeExtension(JsonValue.Create(score));
            }
            if (property.AttributeProvider is PropertyInfo info)
                AllowNullElements(schema, info);
        }
        else if (context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object && schema.Required is { } required)
        {
            // A member left out when null is not required (the generator requires every constructor parameter).
            foreach (var member in context.JsonTypeInfo.Properties.Where(OmittedWhenNull))
                required.Remove(member.Name);
        }
        return Task.CompletedTask;
    }

    public static Task TransformDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellation)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Lodestone",
            Version = "v1",
            Description = "The Redis data model and semantics as an HTTP/JSON data service. " +
                "Keys in paths are percent-encoded bytes; ETags are key versions; errors are RFC 9457 problem details carrying the Redis error code. " +
                "Every GET route also answers HEAD: the same status and headers, no body. " +
                "Each operation's x-redis-command extension names the Redis command it runs; its summary is that command's syntax line.",
        };
        // The document is served to everyone from one cached copy: clients use the address they fetched it from.
        document.Servers = null;
        document.Components ??= new OpenApiComponents();
        var schemas = document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        schemas[ProblemDetails] = ProblemSchema();
        schemas.Remove("HttpValidationProblemDetails");
        schemas[Score] = ScoreSchema();
        schemas[CommandError] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A failed command: the Redis error text, its code first (ERR, WRONGTYPE, NOPERM…).",
            Required = new HashSet<string> { "error" },
            Properties = new Dictionary<string, IOpenApiSchema> { ["error"] = new OpenApiSchema { Type = JsonSchemaType.String } },
            AdditionalPropertiesAllowed = false,
        };
        foreach (var component in schemas.Values.OfType<OpenApiSchema>())
            ReferenceScores(component, document);

        document.Components.Parameters = new Dictionary<string, IOpenApiParameter>
        {
            [IfMatch] = HeaderParameter("If-Match",
                "A precondition (412 when it does not hold): * = the key exists (XX); \"<etag>\" = the key is at that version (compare-and-set).",
                new OpenApiSchema { Type = JsonSchemaType.String }),
            [IfNoneMatch] = HeaderParameter("If-None-Match",
                "On a read: \"<etag>\" (or *) = answer 304 while the key is at that version. On a write: a precondition (412 when it does not hold): * = the key does not exist (NX); \"<etag>\" = the key is not at that version.",
                new OpenApiSchema { Type = JsonSchemaType.String }),
            [UpstashEncoding] = HeaderParameter("Upstash-Encoding",
                "base64: every string of the result is base64 (except a top-level \"OK\").",
                new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("base64")] }),
            [UpstashResponseFormat] = HeaderParameter("Upstash-Response-Format",
                "resp2: the reply is the raw RESP2 bytes (application/octet-stream) instead of JSON.",
                new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("resp2")] }),
            [UpstashSyncTokenParameter] = HeaderParameter(SyncTokenHeader,
                "A sync token from an earlier response (any node's). On a replica the request waits, up to Replication:ReadYourWritesWaitMs, until the replica has applied that offset, "
                + "else 503 TRYAGAIN with Retry-After; a primary has every offset it handed out, so there it passes at once. Honoured on every route, not only here.",
                new OpenApiSchema { Type = JsonSchemaType.String }),
            [LodestoneWait] = HeaderParameter(ReplicaWait.RequestHeader,
                "replicas=<n>; timeout=<ms>: hold the response until n replicas acknowledged this write (WAIT), or timeout ms passed (0 or left out: Http:MaxBlockingTimeoutSeconds); " +
                "Lodestone-Replicas-Acked says how many did. A malformed value is a 400.",
                new OpenApiSchema { Type = JsonSchemaType.String }),
        };

        document.Components.Headers = new Dictionary<string, IOpenApiHeader>();
        foreach (var (name, (_, description, schema)) in ResponseHeaders)
        {
            document.Components.Headers[HeaderComponent(name, required: false)] = new OpenApiHeader { Description = description, Schema = schema() };
            document.Components.Headers[HeaderComponent(name, required: true)] = new OpenApiHeader { Description = description, Schema = schema(), Required = true };
        }

        document.Components.Responses = new Dictionary<string, IOpenApiResponse>();
        foreach (var (status, name) in ProblemStatuses)
            document.Components.Responses[name] = OpenApiOperations.Problem(document, status);
        // A key that exists while its member or field does not is still a version: its ETag and TTL come along.
        var notFound = (OpenApiResponse)document.Components.Responses[ProblemResponse(StatusCodes.Status404NotFound)];
        OpenApiOperations.Header(notFound, document, ETagHeader);
        OpenApiOperations.Header(notFound, document, TtlHeader);
        var locked = OpenApiOperations.Problem(document, StatusCodes.Status409Conflict);
        OpenApiOperations.Header(locked, document, RetryAfterHeader);
        document.Components.Responses[LockConflictResponse] = locked;

        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [ApiKey] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key (Auth:ApiKeys) as Authorization: Bearer <key>. Read routes take any key, write routes a write or admin key, /admin an admin key. " +
                    "A service without keys needs none (and then serves only loopback clients, unless Auth:ProtectedMode is off).",
            },
            [QueryToken] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Query,
                Name = "_token",
                Description = "The command endpoint also takes the API key as ?_token=<key>, as Upstash clients may send it.",
            },
        };
        return Task.CompletedTask;
    }

    private static OpenApiParameter HeaderParameter(string name, string description, OpenApiSchema schema) =>
        new() { Name = name, In = ParameterLocation.Header, Description = description, Schema = schema };

    /// <summary>Every problem the API answers: RFC 9457's members and the extensions ours carry.</summary>
    private static OpenApiSchema ProblemSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An RFC 9457 problem. code is the Redis error code (ERR, WRONGTYPE, NOPERM, WRONGPASS, DENIED, RATELIMITED, LOCKED, NOTOWNER, STALE, OOM…); " +
            "detail carries Redis's own message where there is one.",
        Required = new HashSet<string> { "type", "title", "status", "detail", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = Text("The problem type: urn:lodestone:problem:<slug> (no-such-key, wrong-type, precondition-failed…)."),
            ["title"] = Text("A short summary of the problem type."),
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status." },
            ["detail"] = Text("What went wrong with this request."),
            ["instance"] = Text("The request's URL, when given."),
            ["code"] = Text("The Redis error code: ERR, WRONGTYPE, NOPERM, WRONGPASS, DENIED, RATELIMITED, LOCKED, NOTOWNER, STALE, OOM, MISCONF…"),
            ["traceId"] = Text("The request's trace id, as the service's log names it."),
            ["retryAfterMs"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Description = "When to try again, in milliseconds (rate limits, held locks); Retry-After says the same in seconds." },
            ["lockedUntil"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "A held lock: when its lease ends." },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Invalid values: each field's messages.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        },
        AdditionalPropertiesAllowed = false,
    };

    private static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };

    /// <summary>A sorted-set score: JSON numbers cannot hold the infinities, which are strings as Redis prints them.</summary>
    private static OpenApiSchema ScoreSchema() => new()
    {
        Description = "A sorted-set score: a number, or the infinities \"inf\" / \"-inf\" as strings (requests may also send \"+inf\"). NaN is never a score.",
        OneOf =
        [
            new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double" },
            new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("inf"), JsonValue.Create("+inf"), JsonValue.Create("-inf")] },
        ],
    };

    /// <summary>
    /// Replaces the properties marked as scores by a reference to <see cref="Score"/> (nullable, or a
    /// list of them, as marked), at any depth of an inline schema (a component may inline another's).
    /// </summary>
    private static void ReferenceScores(OpenApiSchema component, OpenApiDocument document)
    {
        if (component.Properties is { } properties)
        {
            foreach (var (name, property) in properties.ToList())
            {
                if (property is not OpenApiSchema schema)
                    continue;
                if (schema.Extensions?.TryGetValue(ScoreMarker, out var marker) != true)
                {
                    ReferenceScores(schema, document);
                    continue;
                }
                var kind = (marker as JsonNodeExtension)?.Node.GetValue<string>();
                var score = new OpenApiSchemaReference(Score, document);
                var nullable = schema.Type is { } type && (type & JsonSchemaType.Null) != 0;
                properties[name] = kind switch
                {
                    "nullable" => new OpenApiSchema { Description = schema.Description, OneOf = [score, new OpenApiSchema { Type = JsonSchemaType.Null }] },
                    "list" => new OpenApiSchema
                    {
                        Description = schema.Description,
                        Type = nullable ? JsonSchemaType.Array | JsonSchemaType.Null : JsonSchemaType.Array,
                        Items = score,
                    },
                    _ => schema.Description is null ? score : new OpenApiSchemaReference(Score, document) { Description = schema.Description },
                };
            }
        }
        foreach (var nested in new[] { component.Items, component.AdditionalProperties }.Concat(component.OneOf ?? []).Concat(component.AnyOf ?? []).Concat(component.AllOf ?? []))
        {
            if (nested is OpenApiSchema inline)
                ReferenceScores(inline, document);
        }
    }

    private static bool OmittedWhenNull(JsonPropertyInfo property) =>
        property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: false)
            .OfType<JsonIgnoreAttribute>().Any(ignore => ignore.Condition == JsonIgnoreCondition.WhenWritingNull) == true;

    /// <summary>
    /// Null elements the generator cannot see: it does not read nullable annotations on type arguments,
    /// so an <c>IReadOnlyDictionary&lt;string, string?&gt;</c> (HMGET's missing fields) would say its
    /// values are never null.
    /// </summary>
    private static void AllowNullElements(OpenApiSchema schema, PropertyInfo property)
    {
        var arguments = new NullabilityInfoContext().Create(property).GenericTypeArguments;
        if (arguments.Length == 0 || arguments[^1].ReadState != NullabilityState.Nullable)
            return;
        var elements = arguments.Length == 2 ? schema.AdditionalProperties : schema.Items;
        if (elements is OpenApiSchema { Type: { } type } element)
            element.Type = type | JsonSchemaType.Null;
    }
}
