using Lodestone.Engine.Commands;
using Microsoft.OpenApi;

namespace Lodestone.Api.Infrastructure;

/// <summary>Marks a route as the HTTP form of a Redis command: its operationId is the command name.</summary>
public sealed record RedisCommandMetadata(string Command);

/// <summary>Marks a JSON-body route whose twin (same path and method) takes the value as a raw <c>application/octet-stream</c> body.</summary>
public sealed record AlsoAcceptsRawBytes;

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
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Lodestone",
                    Version = "v1",
                    Description = "The Redis data model and semantics as an HTTP/JSON data service. " +
                        "Keys in paths are percent-encoded bytes; ETags are key versions; errors are RFC 9457 problem details carrying the Redis error code.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<RedisCommandMetadata>().FirstOrDefault() is { } command)
                    operation.OperationId = command.Command;
                if (metadata.OfType<AlsoAcceptsRawBytes>().Any() && operation.RequestBody?.Content is { } content)
                    content["application/octet-stream"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };
                DocumentKeyParameters(operation, context.Description.RelativePath ?? "");
                return Task.CompletedTask;
            });
        });

    /// <summary>Sets the route's operationId, summary and description from the command table.</summary>
    public static RouteHandlerBuilder ForCommand(this RouteHandlerBuilder builder, string command)
    {
        var spec = CommandTable.Default[command];
        return builder
            .WithMetadata(new RedisCommandMetadata(spec.Name))
            .WithSummary(spec.Syntax)
            .WithDescription($"{spec.Summary} Redis command: {spec.Name}. Complexity: {spec.Complexity}");
    }

    public static WebApplication MapLodestoneDocs(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "Lodestone v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "Lodestone API";
        });
        return app;
    }

    /// <summary>
    /// Keys are bound from the raw path (<see cref="RouteKey"/>), which the generator cannot see, so the
    /// {key} and {name} path parameters are described here.
    /// </summary>
    private static void DocumentKeyParameters(OpenApiOperation operation, string path)
    {
        foreach (var name in new[] { "key", "name" })
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
                Description = "The key, percent-encoded: any bytes, including '/', '?', '%', '#', spaces and non-ASCII, round-trip.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
    }
}
