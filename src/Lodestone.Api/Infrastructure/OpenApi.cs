using Lodestone.Engine.Commands;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Marks a route as the HTTP form of a Redis command. <paramref name="OperationId"/> is the route's
/// OpenAPI operationId: method-friendly and unique (<c>getString</c>, <c>addSetMembers</c>), so a
/// generated SDK gets one readable method per route; <paramref name="Command"/> is the Redis command
/// it runs, written as the <c>x-redis-command</c> extension (null for a route that runs none of the
/// table's commands, such as <c>/admin/hotkeys</c>).
/// </summary>
internal sealed record RedisCommandMetadata(string OperationId, string? Command);

/// <summary>Marks a JSON-body route whose twin (same path and method) takes the value as a raw <c>application/octet-stream</c> body.</summary>
/// <param name="Query">The twin's own query parameters (name, type, description), which only a raw body uses.</param>
internal sealed record AlsoAcceptsRawBytes(params (string Name, JsonSchemaType Type, string Description)[] Query);

/// <summary>Marks a route whose 200 response is also served as raw bytes (<c>Accept: application/octet-stream</c>).</summary>
internal sealed record AlsoServesRawBytes;

/// <summary>Marks a route whose 200 response is also served as GeoJSON (<c>Accept: application/geo+json</c>), a body of <paramref name="Schema"/>.</summary>
internal sealed record AlsoServesGeoJson(Type Schema);

/// <summary>
/// Marks a route whose success body is one of several types (ZADD answers a count, or with INCR the
/// member's score): its JSON success responses are documented as an <c>anyOf</c> of these, where the
/// generator would keep only the last type a status names.
/// </summary>
internal sealed record OneOfResponses(params Type[] Types);

/// <summary>An example request body (JSON) and 200 response for the route's OpenAPI description.</summary>
internal sealed record OpenApiExamples(string Request, string Response);

/// <summary>What a route does with <c>If-Match</c> / <c>If-None-Match</c> on its key (see <c>KeyHttp</c>).</summary>
internal enum KeyConditions
{
    /// <summary>Ignores them, and sends no ETag.</summary>
    None,

    /// <summary>A read: <c>If-Match</c> is a precondition (412), a matching <c>If-None-Match</c> is 304.</summary>
    Read,

    /// <summary>A read that answers no 304 (a page of a listing, a random pick): only <c>If-Match</c> applies.</summary>
    ReadIfMatch,

    /// <summary>A write: both are preconditions (412): <c>If-None-Match: *</c> = NX, <c>If-Match: *</c> = XX, <c>If-Match: "etag"</c> = compare-and-set.</summary>
    Write,
}

/// <summary>How a route treats the conditional headers, when it differs from what <see cref="OpenApi.ForCommand"/> derives.</summary>
internal sealed record KeyConditionsMetadata(KeyConditions Conditions);

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) and Swagger UI (<c>/swagger</c>). Each route names
/// its Redis command and its operationId with <see cref="ForCommand"/>, which takes the summary (the
/// syntax line) and the description from the command table — so the document and the engine cannot
/// disagree. <see cref="OpenApiOperations"/> completes each operation from the route's metadata
/// (statuses, headers, security); <see cref="OpenApiDefinitions"/> the shared schemas.
/// </summary>
internal static class OpenApi
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddLodestoneOpenApi(this IServiceCollection services)
    {
        services.AddSingleton<OpenApiDocumentCache>();
        return services.AddOpenApi(options =>
        {
            // HEAD on a GET route is that GET without its body (HeadRequests): said once in the description, not 50 times.
            var included = options.ShouldInclude;
            options.ShouldInclude = description => included(description) && !HeadRequests.IsImplied(description);
            options.AddSchemaTransformer(OpenApiDefinitions.TransformSchema);
            options.AddOperationTransformer(OpenApiOperations.Transform);
            options.AddDocumentTransformer(OpenApiDefinitions.TransformDocument);
        });
    }

    /// <summary>Names the route's operationId and Redis command; sets its summary and description from the command table.</summary>
    /// <param name="command">The Redis command, as the command table names it.</param>
    /// <param name="operationId">The route's operationId: a camelCase verb phrase (<c>getString</c>), unique in the document.</param>
    /// <remarks>
    /// What the route does with conditional headers follows from the route: a route on one key
    /// (<c>{key}</c>) that GETs a read-only command is a <see cref="KeyConditions.Read"/>, one that runs a
    /// write a <see cref="KeyConditions.Write"/>, a POST that reads (HMGET) a
    /// <see cref="KeyConditions.ReadIfMatch"/>; <see cref="WithKeyConditions"/> says otherwise where the
    /// route differs. The statuses that follow from the command's flags are added once, in
    /// <see cref="OpenApiOperations"/>, not listed by each endpoint file.
    /// </remarks>
    public static RouteHandlerBuilder ForCommand(this RouteHandlerBuilder builder, string command, string operationId)
    {
        var spec = CommandTable.Default[command];
        builder.Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<KeyConditionsMetadata>().Any())
                return;
            var keyed = endpoint is RouteEndpointBuilder { RoutePattern: var pattern } && pattern.GetParameter("key") is not null;
            var get = endpoint.Metadata.OfType<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()
                .Any(m => m.HttpMethods.Contains(HttpMethods.Get) || m.HttpMethods.Contains(HttpMethods.Head));
            var conditions = !keyed ? KeyConditions.None
                : spec.IsWrite ? KeyConditions.Write
                : get ? KeyConditions.Read
                : KeyConditions.ReadIfMatch;
            endpoint.Metadata.Add(new KeyConditionsMetadata(conditions));
        });
        return builder
            .WithMetadata(new RedisCommandMetadata(operationId, spec.Name))
            .WithSummary(spec.Syntax)
            .WithDescription($"{spec.Summary} Redis command: {spec.Name}. Complexity: {spec.Complexity}");
    }

    /// <summary>Says what the route does with <c>If-Match</c> / <c>If-None-Match</c> where <see cref="ForCommand"/> would guess wrong.</summary>
    public static RouteHandlerBuilder WithKeyConditions(this RouteHandlerBuilder builder, KeyConditions conditions) =>
        builder.WithMetadata(new KeyConditionsMetadata(conditions));

    public static WebApplication MapLodestoneDocs(this WebApplication app)
    {
        // The document is built once, on first request, and then served from memory: building it takes
        // hundreds of milliseconds, and nothing it describes changes while the service runs.
        app.MapGet(DocumentPath, (OpenApiDocumentCache cache, CancellationToken cancellation) => cache.ServeAsync(cancellation))
            .ExcludeFromDescription();
        // Only on its own path: the UI's middleware matches each request against its routes, which
        // no other request should pay for.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger"), branch => branch.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint(DocumentPath, "Lodestone v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "Lodestone API";
        }));
        return app;
    }
}

/// <summary>The OpenAPI document as JSON bytes, generated once (on first use) and kept.</summary>
/// <remarks>
/// The document does not depend on the request or on configuration: it lists no <c>servers</c> (a
/// client uses the address it fetched the document from) and declares API-key security whether or
/// not keys are configured, so one copy serves every caller.
/// </remarks>
internal sealed class OpenApiDocumentCache([FromKeyedServices("v1")] IOpenApiDocumentProvider provider)
{
    private readonly Lazy<Task<byte[]>> _json = new(() => GenerateAsync(provider));

    /// <summary>The document's JSON (OpenAPI 3.1).</summary>
    public Task<byte[]> JsonAsync() => _json.Value;

    public async Task<IResult> ServeAsync(CancellationToken cancellation) =>
        TypedResults.Bytes(await JsonAsync().WaitAsync(cancellation), "application/json; charset=utf-8");

    private static async Task<byte[]> GenerateAsync(IOpenApiDocumentProvider provider)
    {
        var document = await provider.GetOpenApiDocumentAsync(CancellationToken.None);
        // Terse: the indented form is twice the size, for readers that pretty-print it anyway.
        await using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        document.SerializeAsV31(new OpenApiJsonWriter(text, new OpenApiJsonWriterSettings { Terse = true }));
        return System.Text.Encoding.UTF8.GetBytes(text.ToString());
    }
}
