using Lodestone.Engine.Commands;
using Microsoft.OpenApi;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Marks a route as the HTTP form of a Redis command: its operationId is the command name, or
/// <paramref name="OperationId"/> for a second route of the same command (they must be unique).
/// </summary>
public sealed record RedisCommandMetadata(string Command, string? OperationId = null);

/// <summary>Marks a JSON-body route whose twin (same path and method) takes the value as a raw <c>application/octet-stream</c> body.</summary>
public sealed record AlsoAcceptsRawBytes;

/// <summary>Marks a route whose 200 response is also served as raw bytes (<c>Accept: application/octet-stream</c>).</summary>
public sealed record AlsoServesRawBytes;

/// <summary>An example request body (JSON) and 200 response for the route's OpenAPI description.</summary>
public sealed record OpenApiExamples(string Request, string Response);

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) and Swagger UI (<c>/swagger</c>). Each route names
/// its Redis command with <see cref="ForCommand"/>, which takes the summary (the syntax line) and the
/// description from the command table — so the document and the engine cannot disagree.
/// </summary>
public static class OpenApi
{
    public static IServiceCollection AddLodestoneOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            // HEAD on a GET route is that GET without its body (HeadRequests): said once in the description, not 50 times.
            var included = options.ShouldInclude;
            options.ShouldInclude = description => included(description) && !HeadRequests.IsImplied(description);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Lodestone",
                    Version = "v1",
                    Description = "The Redis data model and semantics as an HTTP/JSON data service. " +
                        "Keys in paths are percent-encoded bytes; ETags are key versions; errors are RFC 9457 problem details carrying the Redis error code. " +
                        "Every GET route also answers HEAD: the same status and headers, no body.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<RedisCommandMetadata>().FirstOrDefault() is { } command)
                    operation.OperationId = command.OperationId ?? command.Command;
                if (metadata.OfType<AlsoAcceptsRawBytes>().Any() && operation.RequestBody?.Content is { } content)
                    content[RawBytes] = RawBytesMediaType();
                if (metadata.OfType<AlsoServesRawBytes>().Any() && operation.Responses?.GetValueOrDefault("200")?.Content is { } served)
                    served[RawBytes] = RawBytesMediaType();
                if (metadata.OfType<OpenApiExamples>().FirstOrDefault() is { } examples)
                    AddExamples(operation, examples);
                CamelCaseQueryParameters(operation);
                DocumentKeyParameters(operation, context.Description.RelativePath ?? "");
                return Task.CompletedTask;
            });
        });

    /// <summary>Sets the route's operationId, summary and description from the command table.</summary>
    /// <remarks>
    /// The route's problem statuses follow from the command's flags and the route, once, here — not
    /// from a list each endpoint file keeps: 400 (bad arguments or headers) and 503 (loading, writes
    /// refused) everywhere; 409 where the command needs a type (WRONGTYPE); on a key's route, 412 (the
    /// conditional headers) and, for a GET that reads, 304; 507 where a write may grow memory (OOM).
    /// Routes add what is their own (404 for a missing key or member, 413, 422…).
    /// </remarks>
    public static RouteHandlerBuilder ForCommand(this RouteHandlerBuilder builder, string command, string? operationId = null)
    {
        var spec = CommandTable.Default[command];
        builder.Add(endpoint =>
        {
            var keyed = endpoint is RouteEndpointBuilder { RoutePattern: var pattern }
                && (pattern.GetParameter("key") is not null || pattern.GetParameter("name") is not null);
            var get = endpoint.Metadata.OfType<Microsoft.AspNetCore.Routing.HttpMethodMetadata>().Any(m => m.HttpMethods.Contains(HttpMethods.Get));
            void Problem(int status) =>
                endpoint.Metadata.Add(new Microsoft.AspNetCore.Http.ProducesResponseTypeMetadata(status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
            Problem(StatusCodes.Status400BadRequest);
            Problem(StatusCodes.Status503ServiceUnavailable);
            if (spec.KeyType != Lodestone.Engine.Types.RedisType.None)
                Problem(StatusCodes.Status409Conflict);
            if (keyed)
                Problem(StatusCodes.Status412PreconditionFailed);
            if (keyed && get && !spec.IsWrite)
                endpoint.Metadata.Add(new Microsoft.AspNetCore.Http.ProducesResponseTypeMetadata(StatusCodes.Status304NotModified));
            if ((spec.Flags & CommandFlags.DenyOom) != 0)
                Problem(StatusCodes.Status507InsufficientStorage);
        });
        return builder
            .WithMetadata(new RedisCommandMetadata(spec.Name, operationId))
            .WithSummary(spec.Syntax)
            .WithDescription($"{spec.Summary} Redis command: {spec.Name}. Complexity: {spec.Complexity}");
    }

    public static WebApplication MapLodestoneDocs(this WebApplication app)
    {
        app.MapOpenApi();
        // Only on its own path: the UI's middleware matches each request against its routes, which
        // no other request should pay for.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger"), branch => branch.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "Lodestone v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "Lodestone API";
        }));
        return app;
    }

    private const string RawBytes = "application/octet-stream";

    private static void AddExamples(OpenApiOperation operation, OpenApiExamples examples)
    {
        if (operation.RequestBody?.Content is { } requests)
        {
            foreach (var media in requests.Values)
                media.Example = System.Text.Json.Nodes.JsonNode.Parse(examples.Request);
        }
        if (operation.Responses?.GetValueOrDefault("200")?.Content is { } responses)
        {
            foreach (var media in responses.Values)
                media.Example = System.Text.Json.Nodes.JsonNode.Parse(examples.Response);
        }
    }

    private static OpenApiMediaType RawBytesMediaType() =>
        new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };

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
    /// Keys are bound from the raw path (<see cref="RouteKey"/>), which the generator cannot see, so the
    /// {key} and {name} path parameters are described here.
    /// </summary>
    private static void DocumentKeyParameters(OpenApiOperation operation, string path)
    {
        foreach (var name in new[] { "key", "name", "member", "field" })
        {
            if (!path.Contains($"{{{name}}}", StringComparison.Ordinal))
                continue;
            operation.Parameters ??= [];
            if (operation.Parameters.Any(p => p.Name == name && p.In == ParameterLocation.Path))
                continue;
            operation.Parameters.Insert(0, new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Path,
                Required = true,
                Description = $"The {name}, percent-encoded: any bytes, including '/', '?', '%', '#', spaces and non-ASCII, round-trip.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
    }
}
