using System.Globalization;
using Lodestone.Api.Errors;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// WAIT for HTTP: a write request with <c>Lodestone-Wait: replicas=1; timeout=100</c> gets its
/// response only once that many replicas acknowledged the offset committed when the response starts
/// — which covers the request's own writes — or after <c>timeout</c> milliseconds (0 or more than
/// Http:MaxBlockingTimeoutSeconds: that cap), and the response says how many did in
/// <c>Lodestone-Replicas-Acked</c>. Once here for every write route: a resource route whose command
/// writes, and every <c>/commands</c> route.
/// </summary>
/// <remarks>
/// The wait is a <see cref="HttpResponse.OnStarting(Func{Task})"/> callback: it runs after the
/// endpoint has its answer and before any byte of it leaves, so no endpoint knows about it. Only a
/// success waits (a refused write wrote nothing); a replica never waits (it has no replicas: writes
/// there are redirected to the primary before this).
/// </remarks>
internal static class ReplicaWait
{
    public const string RequestHeader = "Lodestone-Wait";
    public const string ResponseHeader = "Lodestone-Replicas-Acked";

    private const string Syntax = "Lodestone-Wait must be 'replicas=<count>; timeout=<milliseconds>'";

    public static IApplicationBuilder UseReplicaWait(this IApplicationBuilder app)
    {
        var executor = app.ApplicationServices.GetRequiredService<Executor>();
        var maxWait = TimeSpan.FromSeconds(app.ApplicationServices.GetRequiredService<IOptions<HttpSettings>>().Value.MaxBlockingTimeoutSeconds);
        // Not async on the way through: a request without the header costs no state machine here.
        return app.Use((context, next) =>
            !context.Request.Headers.TryGetValue(RequestHeader, out var values) || !IsWriteRoute(context)
                ? next(context)
                : WaitingAsync(context, next, values.ToString(), executor, maxWait));
    }

    /// <summary>A write route with the header: parse it, then hold a successful answer until enough replicas acknowledged.</summary>
    private static async Task WaitingAsync(HttpContext context, RequestDelegate next, string header, Executor executor, TimeSpan maxWait)
    {
        var (replicas, timeout, error) = Parse(header);
        if (error is not null)
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<UpstashErrors>() is not null)
                await UpstashErrors.WriteAsync(context, StatusCodes.Status400BadRequest, $"ERR {error}");
            else
                await Problems.Of(ErrorKind.BadRequest, error).ExecuteAsync(context);
            return;
        }
        var wait = timeout == TimeSpan.Zero || timeout > maxWait ? maxWait : timeout;
        context.Response.OnStarting(async () =>
        {
            if (context.Response.StatusCode is < 200 or >= 300 || executor.Replication.IsReplica)
                return;
            RequestLog.MarkLongPoll(context);
            try
            {
                var acknowledged = await executor.WaitForReplicasAsync(executor.CommittedOffset, replicas, wait, context.RequestAborted);
                context.Response.Headers[ResponseHeader] = acknowledged.ToString(CultureInfo.InvariantCulture);
            }
            catch (Exception ended) when (ended is OperationCanceledException or InvalidOperationException)
            {
                // The client left, or the service is stopping (or became a replica meanwhile): the answer goes as it is.
            }
        });
        await next(context);
    }

    /// <summary>A route that may write: a resource route whose Redis command writes, or the command endpoint.</summary>
    private static bool IsWriteRoute(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<UpstashErrors>() is not null)
            return true;
        return endpoint?.Metadata.GetMetadata<RedisCommandMetadata>()?.Command is { } command && CommandTable.Default.Find(command) is { IsWrite: true };
    }

    /// <summary>
    /// <c>replicas=&lt;n&gt;</c> (required, 0 or more) and <c>timeout=&lt;ms&gt;</c> (0 or more; left
    /// out or 0: the HTTP cap), separated by <c>;</c> or <c>,</c>, names in any case.
    /// </summary>
    internal static (long Replicas, TimeSpan Timeout, string? Error) Parse(string header)
    {
        long? replicas = null;
        long? timeoutMs = null;
        foreach (var part in header.Split([';', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals].Trim();
            var text = equals < 0 ? "" : part[(equals + 1)..].Trim();
            var isReplicas = name.Equals("replicas", StringComparison.OrdinalIgnoreCase);
            if (!isReplicas && !name.Equals("timeout", StringComparison.OrdinalIgnoreCase))
                return (0, default, $"{Syntax}: '{name}' is not one of its parameters.");
            if ((isReplicas ? replicas : timeoutMs) is not null)
                return (0, default, $"{Syntax}: {name.ToLowerInvariant()} is given twice.");
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                return (0, default, $"{Syntax}: {name.ToLowerInvariant()} must be a whole number of 0 or more, not '{text}'.");
            if (isReplicas)
                replicas = value;
            else
                timeoutMs = value;
        }
        if (replicas is not { } count)
            return (0, default, $"{Syntax}: replicas is missing.");
        var timeout = TimeSpan.FromMilliseconds(Math.Min(timeoutMs ?? 0, (long)Executor.LongestWait.TotalMilliseconds));
        return (count, timeout, null);
    }
}
