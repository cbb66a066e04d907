using Lodestone.Api.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Caps request bodies: at <see cref="HttpSettings.MaxRequestBodyBytes"/>, or at the limit a route
/// group sets with <see cref="Metadata"/>. A declared length over the cap is answered 413 before the
/// body is read; a body without a declared length is cut off by the server at the same limit.
/// Runs after routing, so it knows the endpoint.
/// </summary>
internal static class BodySizeLimit
{
    /// <summary>A route's own body limit, in bytes.</summary>
    public sealed record Metadata(long Bytes);

    public static IApplicationBuilder UseBodySizeLimit(this IApplicationBuilder app)
    {
        var defaultLimit = app.ApplicationServices.GetRequiredService<IOptions<HttpSettings>>().Value.MaxRequestBodyBytes;
        return app.Use(next => context =>
        {
            var endpoint = context.GetEndpoint();
            var routeLimit = endpoint?.Metadata.GetMetadata<Metadata>();
            var limit = routeLimit?.Bytes ?? defaultLimit;
            if (context.Request.ContentLength > limit)
                return Refuse(context, endpoint, limit, routeLimit is null ? "Http:MaxRequestBodyBytes" : "the route's body limit");
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                feature.MaxRequestBodySize = limit;
            return next(context);
        });
    }

    private static Task Refuse(HttpContext context, Endpoint? endpoint, long limit, string setting)
    {
        var detail = $"The request body is {context.Request.ContentLength} bytes; the limit is {limit} bytes ({setting}).";
        return endpoint?.Metadata.GetMetadata<UpstashErrors>() is not null
            ? UpstashErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "ERR " + detail)
            : Problems.Create(ProblemTable.ForStatus(StatusCodes.Status413PayloadTooLarge), detail, "ERR").ExecuteAsync(context);
    }
}
