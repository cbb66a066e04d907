using System.Collections.Concurrent;
using System.Diagnostics;
using Prometheus;
using PrometheusMetrics = Prometheus.Metrics;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// The HTTP metrics: each request's duration by route, method and status
/// (<c>http_server_request_duration_seconds</c>, OpenTelemetry's HTTP names in Prometheus's form) and
/// the requests in flight (<c>http_server_active_requests</c>), told by <see cref="RequestLog"/>, which
/// times every request anyway.
/// </summary>
/// <remarks>
/// Design note. ASP.NET Core's own instruments (<c>http.server.request.duration</c>,
/// <c>http.server.active_requests</c>) carried these through prometheus-net's meter adapter, which
/// turns each measurement's tags into a label sequence and leases its series under a lock: with the
/// hosting layer building the tags, ~7% of a GET's time on the 2-vCPU VM (docs/performance.md). Here a
/// request's series is found by one lookup keyed by its endpoint, method and status, and its
/// observation is prometheus-net's. A request the exception handler answered (a body that is not
/// JSON: 400) keeps its route. A method outside HTTP's own is counted as <c>_OTHER</c>, as
/// ASP.NET Core does, so a client cannot make series without end.
/// </remarks>
internal sealed class HttpMetrics
{
    /// <summary>Upper bounds in seconds, 250 µs to 10 s: a request here takes about a millisecond.</summary>
    public static readonly double[] DurationBuckets = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly HashSet<string> KnownMethods = new(StringComparer.Ordinal)
    {
        HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete,
        HttpMethods.Patch, HttpMethods.Options, HttpMethods.Trace, HttpMethods.Connect,
    };

    private readonly Histogram _duration;
    private readonly Gauge _active;
    private readonly ConcurrentDictionary<(Endpoint? Endpoint, string Method, int Status), Histogram.Child> _series = new();

    public HttpMetrics(CollectorRegistry registry)
    {
        var metrics = PrometheusMetrics.WithCustomRegistry(registry);
        _duration = metrics.CreateHistogram("http_server_request_duration_seconds",
            "Time from a request's arrival to its response's end, in seconds, by route template, method and status.",
            ["http_route", "http_request_method", "http_response_status_code"], new HistogramConfiguration { Buckets = DurationBuckets });
        _active = metrics.CreateGauge("http_server_active_requests", "Requests being served now.");
    }

    public void Started() => _active.Inc();

    public void Finished(HttpContext context, int status, long elapsedTicks)
    {
        _active.Dec();
        var method = KnownMethods.TryGetValue(context.Request.Method, out var known) ? known : "_OTHER";
        // The exception handler clears the endpoint of a request it answered, and keeps it in its feature.
        var endpoint = context.GetEndpoint() ?? context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint;
        _series.GetOrAdd((endpoint, method, status), static (key, duration) => duration.WithLabels(
                (key.Endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "", key.Method, key.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            _duration)
            .Observe((double)elapsedTicks / Stopwatch.Frequency);
    }
}
