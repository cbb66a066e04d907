using System.Diagnostics.Metrics;
using Prometheus;
using PrometheusMetrics = Prometheus.Metrics;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// <c>GET /metrics</c>: Prometheus's text format, written by prometheus-net. One scrape holds the
/// requests' durations (<see cref="HttpMetrics"/>); this host's Kestrel and ASP.NET Core diagnostics
/// meters and the .NET runtime's (GC, thread pool, JIT), through prometheus-net's meter adapter; the
/// process's figures (CPU, memory, handles, start time); and the engine's counters
/// (<see cref="EngineMetrics"/>). With API keys configured it needs an admin key, like <c>/admin</c>;
/// it is left out of the OpenAPI document, as the health routes are.
/// </summary>
/// <remarks>
/// Each host has a registry of its own, not prometheus-net's static default: two hosts in one process
/// (the tests) each export their own engine and their own Kestrel. Only meters that cost nothing
/// until a scrape, once per connection or once per exception are adapted. Hosting's per-request
/// instruments are left to <see cref="HttpMetrics"/>, which measures the same for a fraction of the
/// adapter's cost; routing, rate-limiting, authentication and memory-pool meters would each add work
/// to every request and say nothing the request log and the engine's counters do not.
/// </remarks>
internal static class Metrics
{
    public const string Path = "/metrics";

    public static IServiceCollection AddLodestoneMetrics(this IServiceCollection services)
    {
        services.AddSingleton<Exporter>();
        services.AddSingleton(services => services.GetRequiredService<Exporter>().Http);
        return services;
    }

    public static WebApplication MapMetrics(this WebApplication app)
    {
        // Made now, before the server listens: Kestrel's connection gauge counts by increments, and the
        // engine's latency histogram sees commands from the moment it exists.
        var exporter = app.Services.GetRequiredService<Exporter>();
        MetricServerMiddlewareExtensions.MapMetrics(app, settings => settings.Registry = exporter.Registry, Path)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .RequireApiKey(app, ApiKeys.AdminPolicy)
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>Which meters' instruments become metrics: see the remarks above.</summary>
    internal static bool Adapted(Instrument instrument, IMeterFactory hostMeters) => instrument.Meter.Name switch
    {
        // A name ending in .count would end in _count, which Prometheus keeps for histograms and
        // summaries (promtool refuses it): the thread pool's are exported by RuntimeMetrics instead.
        _ when instrument.Name.EndsWith(".count", StringComparison.Ordinal) => false,
        // Process-wide, observed only when scraped (dotnet.exceptions counts each exception thrown).
        "System.Runtime" => true,
        // This host's, not another's in the same process.
        "Microsoft.AspNetCore.Server.Kestrel" or "Microsoft.AspNetCore.Diagnostics" =>
            ReferenceEquals(instrument.Meter.Scope, hostMeters),
        _ => false,
    };

    /// <summary>The thread pool's threads and completed work items, which the runtime's meter names *.count.</summary>
    private static void RegisterThreadPool(CollectorRegistry registry)
    {
        var metrics = PrometheusMetrics.WithCustomRegistry(registry);
        var threads = metrics.CreateGauge("dotnet_thread_pool_threads", "Thread-pool threads that exist now.");
        var completed = metrics.CreateCounter("dotnet_thread_pool_completed_work_items_total", "Work items the thread pool has completed.");
        registry.AddBeforeCollectCallback(() =>
        {
            threads.Set(ThreadPool.ThreadCount);
            completed.IncTo(ThreadPool.CompletedWorkItemCount);
        });
    }

    /// <summary>This host's registry, its meter adapter and the engine's metrics, for the host's lifetime.</summary>
    internal sealed class Exporter : IDisposable
    {
        private readonly IDisposable _meterAdapter;

        public Exporter(IMeterFactory meters, IServiceProvider services)
        {
            Registry = PrometheusMetrics.NewCustomRegistry();
            _meterAdapter = MeterAdapter.StartListening(new MeterAdapterOptions
            {
                Registry = Registry,
                // prometheus-net 8.2.1 creates the adapted metrics with this factory, whatever Registry says.
                MetricFactory = PrometheusMetrics.WithCustomRegistry(Registry),
                InstrumentFilterPredicate = instrument => Adapted(instrument, meters),
                // The instrument's own advice where it has one (ASP.NET Core's: 5 ms to 10 s).
                ResolveHistogramBuckets = instrument =>
                    (instrument as Histogram<double>)?.Advice?.HistogramBucketBoundaries?.ToArray() ?? MeterAdapterOptions.DefaultHistogramBuckets,
                // The adapter drops a series nobody updated for this long (5 minutes by default). An
                // up-down counter (kestrel.active_connections) is kept as a sum of increments: dropped
                // while a connection stays open, it would go negative when that one closed. The
                // longest the adapter allows; connections idle out long before (Http:KeepAliveTimeoutSeconds).
                MetricsExpireAfter = TimeSpan.FromDays(1),
            });
            DotNetStats.Register(Registry);
            RegisterThreadPool(Registry);
            Http = new HttpMetrics(Registry);
            Engine = ActivatorUtilities.CreateInstance<EngineMetrics>(services, Registry);
        }

        public CollectorRegistry Registry { get; }

        public HttpMetrics Http { get; }

        public EngineMetrics Engine { get; }

        public void Dispose()
        {
            _meterAdapter.Dispose();
            Engine.Dispose();
        }
    }
}
