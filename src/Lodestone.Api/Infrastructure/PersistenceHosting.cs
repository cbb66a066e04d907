using Lodestone.Engine;
using Lodestone.Engine.Effects;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Persistence in the host: the <c>Persistence</c> section, the append-only log as the engine's
/// effect sink, and recovery at startup — run in the background so that callers get 503 LOADING
/// (with Retry-After) rather than a refused connection while a large log replays. If the files
/// cannot be trusted the service stops with a message naming file, offset and record, and exit code 4.
/// </summary>
internal static partial class PersistenceHosting
{
    public const string Section = "Persistence";

    public static IServiceCollection AddLodestonePersistence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PersistenceOptions>()
            .Bind(configuration.GetSection(Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.DataDirectory), "Persistence:DataDirectory must be set.")
            .Validate(o => Enum.IsDefined(o.AppendFsync), "Persistence:AppendFsync must be Always, EverySec or No.")
            .Validate(o => o.SaveRules() is not null, "Persistence:Save must be pairs of positive integers, seconds then changes (\"3600 1 300 100\"), or empty.")
            .Validate(o => o.AutoRewritePercentage >= 0 && o.AutoRewriteMinSizeBytes >= 0, "Persistence:AutoRewritePercentage and AutoRewriteMinSizeBytes must not be negative.")
            .ValidateOnStart();
        services.AddSingleton(sp => new AppendOnlyLog(LocalFileSystem.Instance,
            sp.GetRequiredService<IOptions<PersistenceOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IEffectSink>(sp =>
            sp.GetRequiredService<IOptions<PersistenceOptions>>().Value.AppendOnly ? sp.GetRequiredService<AppendOnlyLog>() : NoLog.Instance);
        services.AddHostedService<Recovery>();
        services.AddHostedService<SnapshotSchedule>();
        return services;
    }

    /// <summary>Whether the engine must start loading (the log will be replayed into it).</summary>
    public static bool LoadsAtStart(IServiceProvider services) =>
        services.GetRequiredService<IOptions<PersistenceOptions>>().Value.AppendOnly;

    /// <summary>Takes a snapshot when a Persistence:Save rule or the auto-rewrite size says so (checked every second).</summary>
    private sealed partial class SnapshotSchedule(Executor executor, IServiceProvider services, ILogger<SnapshotSchedule> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            if (!LoadsAtStart(services))
                return;
            var log = services.GetRequiredService<AppendOnlyLog>();
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (executor.IsLoading || !log.Compactor.SnapshotDue())
                    continue;
                try
                {
                    LogStarting(executor.CommittedOffset);
                    await log.Compactor.SnapshotAsync(executor);
                    if (log.Compactor.Status.LastError is { } error)
                        LogFailed(error);
                }
                catch (InvalidOperationException busy)
                {
                    LogFailed(busy.Message);
                }
            }
        }

        [LoggerMessage(Level = LogLevel.Information, Message = "Taking a scheduled snapshot at offset {Offset}")]
        private partial void LogStarting(long offset);

        [LoggerMessage(Level = LogLevel.Error, Message = "A scheduled snapshot failed: {Reason}")]
        private partial void LogFailed(string reason);
    }

    /// <summary>With AppendOnly off there is nothing to write to: the data lives in memory only.</summary>
    private sealed class NoLog : IEffectSink
    {
        public static NoLog Instance { get; } = new();

        public void Commit(EffectBatch batch, bool sync)
        {
        }
    }

    private sealed partial class Recovery(
        Executor executor, IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<Recovery> logger) : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
        {
            var maxLeaseMs = services.GetRequiredService<IOptions<EngineOptions>>().Value.LockMaxTtlMs;
            if (!LoadsAtStart(services))
            {
                LogLocksPaused(maxLeaseMs, "Persistence:AppendOnly is off, so locks held before a restart are forgotten");
                return;
            }
            var log = services.GetRequiredService<AppendOnlyLog>();
            // Later, on the engine thread: a batch the log could not take was refused and undone.
            log.Reloaded += report => LogRolledBack(log.Failure?.Message ?? "the log failed", report.SnapshotEntries, report.Records, report.Duration.TotalMilliseconds);
            log.ReloadFailed += failure =>
            {
                LogRefused(failure.Message, failure);
                Environment.ExitCode = 4;
                lifetime.StopApplication();
            };
            try
            {
                var report = log.Recover(executor);
                if (report.Truncated is { } torn)
                    LogTruncated(torn);
                if (report.LockGrantsPaused)
                    LogLocksPaused(maxLeaseMs, "the last stop was not clean and Persistence:AppendFsync is not Always");
                LogLoaded(report.SnapshotEntries, report.Records, report.NextOffset, report.Duration.TotalMilliseconds, Path.GetFullPath(log.Directory));
            }
            catch (Exception failure) when (failure is PersistenceException or IOException or UnauthorizedAccessException)
            {
                LogRefused(failure.Message, failure);
                Environment.ExitCode = 4;
                lifetime.StopApplication();
            }
        }, stoppingToken);

        [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Keys} keys from the snapshot and {Records} log records in {Milliseconds:F0} ms from {Directory}; next offset {Offset}")]
        private partial void LogLoaded(long keys, long records, long offset, double milliseconds, string directory);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Lock grants are paused for {Milliseconds} ms (one maximum lease, Engine:LockMaxTtlMs): {Reason}")]
        private partial void LogLocksPaused(long milliseconds, string reason);

        [LoggerMessage(Level = LogLevel.Error, Message = "THE LOG ENDED WITH A TORN RECORD, WHICH WAS CUT OFF (a crash during a write; nothing whole followed it). {Where}")]
        private partial void LogTruncated(string where);

        [LoggerMessage(Level = LogLevel.Error, Message = "A batch of writes could not be logged ({Reason}): its callers were refused and it was undone by loading the data again ({Keys} keys from the snapshot, {Records} log records, {Milliseconds:F0} ms). Writes stay refused until the log can be written.")]
        private partial void LogRolledBack(string reason, long keys, long records, double milliseconds);

        [LoggerMessage(Level = LogLevel.Critical, Message = "Lodestone cannot load its data and is stopping: {Reason}")]
        private partial void LogRefused(string reason, Exception failure);
    }
}
