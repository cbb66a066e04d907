using Lodestone.Api.Errors;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Replication;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// On a read-only replica, a resource route that writes answers <c>307 Temporary Redirect</c> to the
/// same path on the primary — at the URL the primary announced (<c>Replication:AnnounceUrl</c>), else
/// the one this replica follows — (method and body kept by the client), or 503 with the problem code
/// READONLY when the primary's address is not a URL a client can follow. <c>/commands</c> is left to
/// the engine, which answers Redis's READONLY; <c>/admin</c> and <c>/replication</c> are this node's own.
/// </summary>
internal static class ReplicaRedirect
{
    public static IApplicationBuilder UseReplicaRedirect(this IApplicationBuilder app)
    {
        // Resolved once: every request passes here, and on a primary this check is all it costs.
        var replication = app.ApplicationServices.GetRequiredService<Executor>().Replication;
        // Not async on the way through: a request that is not refused costs no state machine here.
        return app.Use((context, next) =>
            !replication.RefusesWrites
            || context.GetEndpoint()?.Metadata.GetMetadata<RedisCommandMetadata>()?.Command is not { } command
            || CommandTable.Default.Find(command) is not { IsWrite: true }
            || context.Request.Path.StartsWithSegments("/commands") || context.Request.Path.StartsWithSegments("/admin")
                ? next(context)
                : Refuse(context, replication));
    }

    /// <summary>A write to a read-only replica: a 307 to the same path on its primary when its address is known, else 503 READONLY.</summary>
    private static Task Refuse(HttpContext context, ReplicationState replication)
    {
        if (NodeAddress.IsHttpUrl(replication.PrimaryAnnouncedUrl ?? replication.PrimaryUrl, out var primaryUri))
        {
            var target = new Uri(primaryUri, context.Request.PathBase + context.Request.Path + context.Request.QueryString);
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = target.AbsoluteUri;
            return Task.CompletedTask;
        }
        return Problems.Of(ErrorKind.ReadOnly, "READONLY You can't write against a read only replica.", "READONLY").ExecuteAsync(context);
    }
}
