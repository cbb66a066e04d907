using Lodestone.Api.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Caps request bodies at <see cref="HttpSettings.MaxRequestBodyBytes"/>: a declared length over the
/// cap is answered 413 before the body is read; bodies without a declared length are cut off by the
/// server's own limit, set to the same value.
/// </summary>
public static class BodySizeLimit
{
    public static IApplicationBuilder UseBodySizeLimit(this IApplicationBuilder app)
    {
        var limit = app.ApplicationServices.GetRequiredService<IOptions<HttpSettings>>().Value.MaxRequestBodyBytes;
        return app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > limit)
            {
                await Problems.Create(ProblemTable.ForStatus(StatusCodes.Status413PayloadTooLarge),
                        $"The request body is {context.Request.ContentLength} bytes; the limit is {limit} bytes (Http:MaxRequestBodyBytes).", "ERR")
                    .ExecuteAsync(context);
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                feature.MaxRequestBodySize = limit;
            await next(context);
        });
    }
}
