using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Primitives;

namespace Lodestone.Api.Infrastructure;

/// <summary>Marks a route that answers HEAD only because it answers GET (see <see cref="HeadRequests"/>).</summary>
internal sealed class ImpliedHead
{
    public static ImpliedHead Instance { get; } = new();
}

/// <summary>
/// HEAD wherever GET works (RFC 9110 §9.3.2): the GET route itself answers HEAD — the same handler,
/// so the same status and headers (ETag, Lodestone-Ttl-Ms, 304 on If-None-Match, Content-Length where
/// GET sets one), the same auth (the route's command decides the role, so HEAD is a read) — and the
/// server drops the body, as Kestrel does for every HEAD response.
/// </summary>
/// <remarks>
/// Done once, over the finished route table rather than as a convention on each route: a path that
/// maps HEAD to a route of its own (<c>HEAD /hashes/{key}/fields/{field}</c> is HEXISTS) keeps it, and
/// a convention sees one route at a time. The implied HEAD operations are left out of the OpenAPI
/// document (its description says every GET answers HEAD): listed, they would double the GET
/// operations under the same operationIds. A 405 lists HEAD in <c>Allow</c> beside GET, as routing
/// builds that list from the same metadata.
/// </remarks>
internal static class HeadRequests
{
    /// <summary>Gives every GET route mapped so far HEAD as well. Call after the last <c>Map…</c>.</summary>
    public static void AnswerHeadWhereGet(this IEndpointRouteBuilder app)
    {
        var mapped = app.DataSources.ToArray();
        app.DataSources.Clear();
        app.DataSources.Add(new HeadDataSource(new CompositeEndpointDataSource(mapped)));
    }

    /// <summary>Whether an API description is a HEAD this class implied (left out of the OpenAPI document).</summary>
    public static bool IsImplied(Microsoft.AspNetCore.Mvc.ApiExplorer.ApiDescription description) =>
        string.Equals(description.HttpMethod, HttpMethods.Head, StringComparison.OrdinalIgnoreCase)
        && description.ActionDescriptor.EndpointMetadata.OfType<ImpliedHead>().Any();

    private sealed class HeadDataSource(EndpointDataSource routes) : EndpointDataSource
    {
        private readonly Lock _gate = new();
        private IReadOnlyList<Endpoint>? _endpoints;
        private IChangeToken? _builtFrom;

        public override IReadOnlyList<Endpoint> Endpoints
        {
            get
            {
                lock (_gate)
                {
                    if (_endpoints is null || _builtFrom!.HasChanged)
                    {
                        _builtFrom = routes.GetChangeToken();
                        _endpoints = WithHead(routes.Endpoints);
                    }
                    return _endpoints;
                }
            }
        }

        public override IChangeToken GetChangeToken() => routes.GetChangeToken();
    }

    private static Endpoint[] WithHead(IReadOnlyList<Endpoint> endpoints)
    {
        var headMapped = endpoints.OfType<RouteEndpoint>()
            .Where(e => Methods(e)?.Contains(HttpMethods.Head, StringComparer.OrdinalIgnoreCase) == true)
            .Select(e => (e.RoutePattern.RawText, e.Order))
            .ToHashSet();
        return endpoints.Select(endpoint =>
            endpoint is RouteEndpoint route && Methods(route) is { } methods
                && methods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase)
                && !headMapped.Contains((route.RoutePattern.RawText, route.Order))
                ? AlsoHead(route, methods)
                : endpoint).ToArray();
    }

    private static IReadOnlyList<string>? Methods(Endpoint endpoint) => endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;

    private static RouteEndpoint AlsoHead(RouteEndpoint route, IReadOnlyList<string> methods)
    {
        var corsPreflight = route.Metadata.GetMetadata<IHttpMethodMetadata>()!.AcceptCorsPreflight;
        // The last IHttpMethodMetadata is the one routing and the API explorer read.
        var metadata = new EndpointMetadataCollection([.. route.Metadata, new HttpMethodMetadata([.. methods, HttpMethods.Head], corsPreflight), ImpliedHead.Instance]);
        var handler = IsEventStream(route) ? EndsAtHeadersOnHead(route.RequestDelegate!) : route.RequestDelegate;
        return new RouteEndpoint(handler!, route.RoutePattern, route.Order, metadata, route.DisplayName);
    }

    private static bool IsEventStream(Endpoint endpoint) =>
        endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().Any(p => p.ContentTypes.Contains("text/event-stream", StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// A stream never ends by itself, and the body of a HEAD goes nowhere: a HEAD on a stream would hold
    /// its connection until the client went away, and a client that took the headers as the whole answer
    /// (as it must) would wait on that connection for its next one. So the stream is told the client has
    /// gone (its RequestAborted) as soon as its headers go out.
    /// </summary>
    private static RequestDelegate EndsAtHeadersOnHead(RequestDelegate stream) => async context =>
    {
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await stream(context);
            return;
        }
        // Disposed with the response, not here: the headers may go out after the handler returns.
        var headersSent = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        context.Response.RegisterForDispose(headersSent);
        context.RequestAborted = headersSent.Token;
        context.Response.OnStarting(() =>
        {
            // Only a stream is ended: a stream route's refusal (a 400 problem for GET /channels without
            // ?pattern=) is an ordinary response, whose body write must not be cancelled — that reset the connection.
            if (context.Response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true)
                headersSent.Cancel();
            return Task.CompletedTask;
        });
        await stream(context);
    };
}
