using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Tells the engine's diagnostics what only the host knows — the persistence settings and log, the
/// settings file, the port it listens on, and how many clients are connected (INFO reads them;
/// <c>/metrics</c> is <see cref="Metrics"/>).
/// </summary>
internal static partial class Observability
{
    public static IServiceCollection AddLodestoneObservability(this IServiceCollection services)
    {
        services.AddSingleton<ConnectionCounter>();
        services.AddHostedService<HostFacts>();
        return services;
    }

    /// <summary>
    /// Open TCP connections, from Kestrel's own <c>kestrel.active_connections</c> instrument — this
    /// host's (its meter comes from this host's <see cref="IMeterFactory"/>), not another's in the same
    /// process. Only measurable when Kestrel serves: see <see cref="Measured"/>.
    /// </summary>
    public sealed class ConnectionCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _active;
        private volatile bool _measured;

        public ConnectionCounter(IMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Microsoft.AspNetCore.Server.Kestrel" && instrument.Name == "kestrel.active_connections"
                    && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    _measured = true;
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, change, _, _) => Interlocked.Add(ref _active, change));
            _listener.Start();
        }

        /// <summary>Whether Kestrel's instrument exists, so <see cref="Active"/> means something.</summary>
        public bool Measured => _measured;

        public long Active => Interlocked.Read(ref _active);

        public void Dispose() => _listener.Dispose();
    }

    private sealed partial class HostFacts(
        Executor executor, IServiceProvider services, IHostApplicationLifetime lifetime, IServer server, IConfiguration configuration,
        ConnectionCounter connections) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var diagnostics = executor.Diagnostics;
            var persistence = services.GetRequiredService<IOptions<PersistenceOptions>>().Value;
            diagnostics.Persistence = persistence;
            if (persistence.AppendOnly)
                diagnostics.Log = services.GetRequiredService<AppendOnlyLog>();
            diagnostics.ConfigFile = SettingsFile(configuration) ?? "";
            lifetime.ApplicationStarted.Register(() =>
            {
                var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
                if (address is not null && Port().Match(address) is { Success: true } port)
                    diagnostics.TcpPort = int.Parse(port.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (connections.Measured)
                    diagnostics.ConnectedClients = () => connections.Active;
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>The settings file with the highest priority that exists (the working directory's, or the one beside the binary).</summary>
        private static string? SettingsFile(IConfiguration configuration) =>
            (configuration as IConfigurationRoot)?.Providers.OfType<JsonConfigurationProvider>()
                .Select(p => p.Source.FileProvider is PhysicalFileProvider files && p.Source.Path is { } path ? Path.Combine(files.Root, path) : null)
                .LastOrDefault(File.Exists);

        [GeneratedRegex(@":(\d+)/?$")]
        private static partial Regex Port();
    }
}
