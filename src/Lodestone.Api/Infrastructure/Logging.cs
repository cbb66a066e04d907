using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using ILogger = Microsoft.Extensions.Logging.ILogger;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Serilog: levels from the <c>Serilog</c> section, text or JSON console output, and one event per
/// request — errors and slow requests always, fast successful ones at Debug so that the default
/// (Information) configuration skips them cheaply.
/// </summary>
internal static class Logging
{
    public static WebApplicationBuilder AddLodestoneLogging(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(RequestLoggingSettings.Section).Get<RequestLoggingSettings>() ?? new();
        builder.Services.AddSerilog((services, logger) =>
        {
            // ASP.NET Core's hosting layer starts an Activity and a logging scope for every request
            // while any level of its category is enabled — async-local state that every later await
            // carries, for events (request starting, request finished) RequestLog already covers.
            // Off unless the configuration turns it back on; startup failures still reach the
            // Microsoft.Extensions.Hosting log.
            logger.MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LevelAlias.Off)
                // A refused request is one event, RequestLog's, which names the caller; authorization's
                // own "requirements were not met" would repeat it without saying who.
                .MinimumLevel.Override("Microsoft.AspNetCore.Authorization", LogEventLevel.Warning)
                .ReadFrom.Configuration(builder.Configuration)
                // Sinks registered as services (ILogEventSink) get the events too: the tests read them so.
                .ReadFrom.Services(services)
                .Enrich.FromLogContext();
            if (settings.Format == "json")
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            else
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}");
        },
        // The host's logger is its own, not Serilog's static Log.Logger: with the static one, two hosts
        // in one process (the tests' fixtures) log into whichever was built last, and the first to stop
        // closes it for the other.
        preserveStaticLogger: true);
        // Serilog's factory builds a new logger, with its own caches, on every CreateLogger, and
        // ASP.NET Core's results ask for one on every response they write (600 bytes a request).
        var serilog = builder.Services.Last(d => d.ServiceType == typeof(ILoggerFactory));
        builder.Services.Remove(serilog);
        builder.Services.AddSingleton<ILoggerFactory>(services => new LoggerPerCategory(serilog.ImplementationFactory is { } create
            ? (ILoggerFactory)create(services)
            : (ILoggerFactory)(serilog.ImplementationInstance ?? ActivatorUtilities.CreateInstance(services, serilog.ImplementationType!))));
        return builder;
    }

    /// <summary>One event per request; see <see cref="RequestLog"/>.</summary>
    public static IApplicationBuilder UseLodestoneRequestLogging(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestLog>();
}

/// <summary>One logger per category, made once, as Microsoft's own factory keeps them.</summary>
internal sealed class LoggerPerCategory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, static (category, factory) => factory.CreateLogger(category), inner);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}

/// <summary>
/// The outermost layer. It gives an error response that has no body a problem-details body (what
/// <c>UseStatusCodePages</c> does: unmatched routes, wrong methods), then logs the request once
/// it has been answered, with the client's address and the API key's name (never the key), at a
/// level from its outcome: Error for a 5xx, Warning when slower than
/// <see cref="RequestLoggingSettings.SlowRequestMs"/>, Information for another 4xx (a refused key, a
/// rate limit, a client gone: 499) and for a long poll that waited, Debug for the rest. A long poll
/// (a blocking command: <see cref="MarkLongPoll"/>) is never slow — its time is waiting, by design.
/// A request whose level is off costs two timestamps and a comparison — no allocation, no
/// async-local state — so logging stays on in production. The same timing feeds the HTTP metrics
/// (<see cref="HttpMetrics"/>).
/// </summary>
/// <remarks>
/// Outermost, so the status logged is the one the client got (the exception handler has already
/// turned a failure into its 500). The two jobs share one layer because every request that waits
/// for the engine completes each layer above it asynchronously, with an allocation of its own:
/// ASP.NET Core's status-page middleware cost ~8% of a GET's time.
/// </remarks>
internal sealed class RequestLog(
    RequestDelegate next, ILogger<RequestLog> logger, IOptions<RequestLoggingSettings> settings, IProblemDetailsService problems, HttpMetrics metrics)
{
    private readonly long _slowTicks = (long)(settings.Value.SlowRequestMs * (Stopwatch.Frequency / 1000.0));

    public Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        metrics.Started();
        Task pending;
        try
        {
            pending = next(context);
        }
        catch (Exception exception)
        {
            // Thrown before the first await below: logged, measured and rethrown as any other.
            pending = Task.FromException(exception);
        }
        if (!pending.IsCompletedSuccessfully || NeedsProblemBody(context))
            return Awaited(pending, context, started);
        Write(context, started);
        return Task.CompletedTask;
    }

    /// <summary>An error status with nothing written yet (no body, no content type), on an endpoint that does not opt out.</summary>
    private static bool NeedsProblemBody(HttpContext context)
    {
        var response = context.Response;
        return response.StatusCode is >= 400 and < 600 && !response.HasStarted && response.ContentLength is null
            && string.IsNullOrEmpty(response.ContentType)
            && context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.ISkipStatusCodePagesMetadata>() is null;
    }

    private async Task WriteProblemBodyAsync(HttpContext context)
    {
        var status = context.Response.StatusCode;
        if (await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = status } }))
            return;
        // A client that accepts no JSON: plain text, as the status-page middleware writes.
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync($"Status Code: {status}; {Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}");
    }

    private async Task Awaited(Task pending, HttpContext context, long started)
    {
        try
        {
            await pending;
        }
        catch (Exception exception)
        {
            // Only when something below let it through (the exception handler answers first).
            metrics.Finished(context, StatusCodes.Status500InternalServerError, Stopwatch.GetTimestamp() - started);
            if (logger.IsEnabled(LogLevel.Error))
            {
                logger.LogError(exception, Template, context.Request.Method, Path(context), StatusCodes.Status500InternalServerError,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds, ClientOf(context), KeyNameOf(context), TraceIdOf(context));
            }
            throw;
        }
        try
        {
            if (NeedsProblemBody(context))
                await WriteProblemBodyAsync(context);
        }
        finally
        {
            Write(context, started);
        }
    }

    /// <summary>The request's metrics, and its event when its level is on.</summary>
    private void Write(HttpContext context, long started)
    {
        var elapsed = Stopwatch.GetTimestamp() - started;
        metrics.Finished(context, context.Response.StatusCode, elapsed);
        // Only a request that took long is asked whether it was a long poll.
        var level = elapsed > _slowTicks ? LevelOf(context.Response.StatusCode, slow: true, IsLongPoll(context)) : LevelOf(context.Response.StatusCode, slow: false);
        if (!logger.IsEnabled(level))
            return;
        logger.Log(level, Template, context.Request.Method, Path(context), context.Response.StatusCode, elapsed * 1000.0 / Stopwatch.Frequency,
            ClientOf(context), KeyNameOf(context), TraceIdOf(context));
    }

    internal static LogLevel LevelOf(int status, bool slow, bool longPoll = false) =>
        status >= 500 ? LogLevel.Error
        : slow && !longPoll ? LogLevel.Warning
        : status >= 400 || slow ? LogLevel.Information
        : LogLevel.Debug;

    private const string Template =
        "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0000} ms to {ClientAddress} (key {ApiKeyName}, trace {TraceId})";

    /// <summary>
    /// Marks the request as a long poll: it sent a blocking command (BLPOP, BLMPOP, LOCK.ACQUIRE…), whose
    /// time is spent waiting for data or a lock, so taking long is not slowness. Costs nothing to others.
    /// </summary>
    internal static void MarkLongPoll(HttpContext context) => context.Features.Set(LongPoll.Instance);

    private static bool IsLongPoll(HttpContext context) => context.Features.Get<LongPoll>() is not null;

    /// <summary>The feature that says "long poll"; its presence is all there is to it.</summary>
    private sealed class LongPoll
    {
        public static readonly LongPoll Instance = new();
    }

    /// <summary>Who asked: ip:port as the slow log and MONITOR show it (the proxy's client when a trusted proxy forwards), or "-".</summary>
    private static string ClientOf(HttpContext context) => EngineClient.AddressOf(context.Connection) ?? "-";

    /// <summary>The name of the API key the caller was let in with, or "-" (no key, a wrong one, or an open service).</summary>
    private static string KeyNameOf(HttpContext context) => ApiKeys.AclUserOf(context)?.Name ?? "-";

    /// <summary>
    /// The id a problem response carries as <c>traceId</c> (the request's activity when tracing is on,
    /// else the server's request id), so a client's problem can be found in the log.
    /// </summary>
    internal static string TraceIdOf(HttpContext context) => Activity.Current?.Id ?? context.TraceIdentifier;

    private static string Path(HttpContext context) => context.Request.PathBase.Add(context.Request.Path).ToString();
}
