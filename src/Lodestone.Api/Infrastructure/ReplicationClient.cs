using System.Globalization;
using System.Net.Http.Headers;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Lodestone.Engine.Replication;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// A replica's connection to its primary: opens <c>GET /replication/stream</c> with its replication id
/// and offset (a partial resync when the primary still holds them), follows it with a
/// <see cref="ReplicaLink"/>, acknowledges its applied offset every second and when the primary asks
/// (GETACK), and reconnects with a
/// capped, jittered backoff when the stream ends or is refused. Follows role changes (REPLICAOF,
/// PUT /admin/replication) as they happen.
/// </summary>
/// <remarks>
/// A plain backoff loop rather than a Polly pipeline: the unit retried is a stream that lives for
/// hours, not a request, and the loop must also restart at once when the role changes.
/// </remarks>
internal sealed partial class ReplicationClient(
    Executor executor, IServiceProvider services, IOptions<ReplicationSettings> settings, IHostApplicationLifetime lifetime,
    NodeAddress address, ILogger<ReplicationClient> logger) : BackgroundService
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private readonly string _id = ReplicationIds.RandomId();
    private CancellationTokenSource _roleChanged = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Once listening: the replica tells its primary the port it serves on (INFO's slaveN port).
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetResult()))
            await started.Task;
        var port = address.ListeningPort;
        var announce = Uri.EscapeDataString(address.Announced);
        var state = executor.Replication;
        state.RoleChanged += _ => Interlocked.Exchange(ref _roleChanged, new CancellationTokenSource()).Cancel();
        // A stream that ended is closed at once, not drained for reuse: the primary must see this replica go.
        using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { Timeout = Timeout.InfiniteTimeSpan };
        var log = services.GetRequiredService<IOptions<PersistenceOptions>>().Value.AppendOnly ? services.GetRequiredService<AppendOnlyLog>() : null;
        var backoff = MinBackoff;
        var forceFull = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var roleChanged = Volatile.Read(ref _roleChanged).Token;
            if (state.PrimaryUrl is not { } primary || executor.IsLoading)
            {
                try
                {
                    await Task.Delay(executor.IsLoading ? TimeSpan.FromMilliseconds(100) : Timeout.InfiniteTimeSpan,
                        CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, roleChanged).Token);
                }
                catch (OperationCanceledException)
                {
                }
                continue;
            }
            using var link = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, roleChanged);
            var connectedAt = DateTime.UtcNow;
            try
            {
                state.Link = ReplicaLinkState.Connecting;
                var ids = state.Ids;
                // Nothing to continue (a new node), or data that left its primary's history: ask for a full sync, as PSYNC ? -1.
                var replid = forceFull || executor.CommittedOffset == 0 ? "?" : ids.Id;
                var url = string.Create(CultureInfo.InvariantCulture,
                    $"{primary}/replication/stream?replid={replid}&offset={executor.CommittedOffset}&id={_id}&port={port}&url={announce}");
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                if (settings.Value.ApiKey.Length > 0)
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Value.ApiKey);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, link.Token);
                if (!response.IsSuccessStatusCode)
                {
                    LogRefused(primary, (int)response.StatusCode, await response.Content.ReadAsStringAsync(link.Token));
                }
                else
                {
                    // Where clients reach the primary (its Replication:AnnounceUrl): writes sent here are redirected there.
                    state.PrimaryAnnouncedUrl = response.Headers.TryGetValues(NodeAddress.Header, out var announced)
                        && NodeAddress.IsHttpUrl(announced.FirstOrDefault(), out var at)
                        ? at.GetLeftPart(UriPartial.Authority) : null;
                    await using var body = await response.Content.ReadAsStreamAsync(link.Token);
                    var acks = AcknowledgeAsync(http, primary, link.Token);
                    try
                    {
                        await new ReplicaLink(executor, log, Path.GetTempPath()).RunAsync(body, link.Token);
                        LogEnded(primary, "the primary closed the stream");
                    }
                    finally
                    {
                        await link.CancelAsync();
                        await acks;
                    }
                    forceFull = false;
                }
            }
            catch (ReplicationStreamException refused)
            {
                forceFull |= refused.Diverged;
                LogEnded(primary, refused.Message);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                // Whatever ends a link — HTTP, the socket (HttpClient lets a SocketException through when
                // a peer resets as it connects), a file — ends only the link: the loop reconnects.
                if (!stoppingToken.IsCancellationRequested && !roleChanged.IsCancellationRequested)
                    LogEnded(primary, failure.Message);
            }
            state.Link = ReplicaLinkState.Connect;
            if (stoppingToken.IsCancellationRequested)
                break;
            // A link that lasted starts the backoff again; one that keeps failing waits longer each time.
            backoff = DateTime.UtcNow - connectedAt > MaxBackoff ? MinBackoff : TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            try
            {
                await Task.Delay(backoff * (0.5 + Random.Shared.NextDouble() / 2), CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, Volatile.Read(ref _roleChanged).Token).Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// REPLCONF ACK: the applied offset once a second, and as soon as it reaches the point where the
    /// primary asked for one (a GETACK in the stream: someone waits in WAIT), until the link ends. As
    /// Redis's replicas: a stream of writes nobody waits for costs one acknowledgement a second, not
    /// one per round trip.
    /// </summary>
    private async Task AcknowledgeAsync(HttpClient http, string primary, CancellationToken linkEnded)
    {
        var replication = executor.Replication;
        var answered = replication.AckWantedAt;
        // The first acknowledgement goes at once: the primary learns where a new link starts.
        var sentAt = -Heartbeat;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (!linkEnded.IsCancellationRequested)
            {
                // Taken before the offsets are read: an apply or a GETACK after the reads completes them.
                var applied = executor.Effects.WhenPublished();
                var asked = replication.WhenAckWanted();
                var offset = executor.CommittedOffset;
                var wanted = replication.AckWantedAt;
                var due = Heartbeat - (clock.Elapsed - sentAt);
                if ((wanted > answered && offset >= wanted) || due <= TimeSpan.Zero)
                {
                    if (offset >= wanted)
                        answered = wanted;
                    sentAt = clock.Elapsed;
                    await SendAckAsync(http, primary, offset, linkEnded);
                    continue;
                }
                try
                {
                    // Waiting for the asked-for offset to be applied, or for the next GETACK.
                    await (wanted > answered ? Task.WhenAny(applied, asked) : asked).WaitAsync(due, linkEnded);
                }
                catch (TimeoutException)
                {
                    // A second without news: the heartbeat ack goes out anyway (it keeps the lag fresh).
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The longest time between two acks.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    private async Task SendAckAsync(HttpClient http, string primary, long offset, CancellationToken linkEnded)
    {
        var url = string.Create(CultureInfo.InvariantCulture, $"{primary}/replication/ack?id={_id}&offset={offset}");
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        if (settings.Value.ApiKey.Length > 0)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Value.ApiKey);
        try
        {
            using var response = await http.SendAsync(request, linkEnded);
        }
        catch (Exception failure) when (failure is HttpRequestException or System.Net.Sockets.SocketException or IOException)
        {
            // The stream notices a dead primary; an ack lost now goes again with the next one.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The primary {Primary} refused the replication stream: {Status} {Body}")]
    private partial void LogRefused(string primary, int status, string body);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The replication link to {Primary} ended: {Reason}; reconnecting")]
    private partial void LogEnded(string primary, string reason);
}
