using System.Net;
using Lodestone.Api.Errors;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Redis's protected mode: a service with no API keys serves only loopback clients, so binding it to
/// a public address by mistake (<c>Urls=http://+:8379</c>, a container port) does not open the data
/// to the network. Others get 403 saying how to fix it: configure <c>Auth:ApiKeys</c>, or set
/// <c>Auth:ProtectedMode</c> to false when something in front already authenticates.
/// </summary>
/// <remarks>
/// The connection's own peer decides, never an X-Forwarded-For that peer sent (a header anyone can
/// send) — unless the peer is a configured proxy (<see cref="TrustedProxies"/>), whose forwarded
/// client address the forwarded-headers middleware has put in its place, so that a client behind a
/// proxy on the same host is not taken for a local one. <c>/health</c> and <c>/alive</c> stay open so
/// probes from an orchestrator's node address work; they reveal nothing. A connection with no IP (a
/// Unix socket, an in-memory test server) is local.
/// </remarks>
internal static class ProtectedMode
{
    public const string Denied = "DENIED Lodestone is running in protected mode because no API keys are configured (Auth:ApiKeys) and the client is not on loopback. " +
        "Either configure API keys (see docs/operations.md, \"API keys\") and send one as Authorization: Bearer <key>, " +
        "or, if the network or a proxy in front already authenticates clients, set Auth:ProtectedMode to false (environment: Auth__ProtectedMode=false).";

    public static IApplicationBuilder UseProtectedMode(this IApplicationBuilder app)
    {
        var settings = app.ApplicationServices.GetRequiredService<IOptions<AuthSettings>>().Value;
        if (!settings.ProtectedMode || settings.ApiKeys.Count > 0)
            return app;
        return app.Use(next => context =>
            IsLocal(context.Connection.RemoteIpAddress) || context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/alive")
                ? next(context)
                : Refuse(context));
    }

    private static Task Refuse(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<UpstashErrors>() is not null
            ? UpstashErrors.WriteAsync(context, StatusCodes.Status403Forbidden, Denied)
            : Problems.Create(ProblemTable.ForStatus(StatusCodes.Status403Forbidden), Denied, "DENIED").ExecuteAsync(context);

    private static bool IsLocal(IPAddress? address) => address is null || IPAddress.IsLoopback(address);
}
