using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Polly;
using Polly.Retry;

namespace Lodestone.Client;

/// <summary>
/// An <see cref="HttpClient"/> for a Lodestone failover group that sends every request to the
/// current primary: it learns the primary from <c>GET /topology</c> on any member it knows, follows a
/// replica's <c>307</c> to the primary, and when a node is down or answers <c>503</c> (a primary
/// without its lease, a failover under way) it reads the topology again and retries, with backoff,
/// for up to <see cref="GroupClientOptions.RetryFor"/>. Retries are Polly's.
/// </summary>
/// <remarks>
/// Requests use paths relative to the group (<c>client.Http.PutAsync("/strings/k", …)</c>). A retried
/// request is sent again whole, so its content must be buffered (JSON, string and byte-array
/// contents are). A write retried after its node failed mid-request may have been applied once
/// already: make writes idempotent (SET, not INCR) or add <c>WAIT</c> and check, as with any Redis client.
/// </remarks>
public sealed class GroupClient : IDisposable
{
    private readonly TopologyHandler _handler;

    /// <param name="members">Some members' base URLs (one is enough; the topology names the rest).</param>
    /// <param name="options">The API key and how long to retry.</param>
    public GroupClient(IEnumerable<Uri> members, GroupClientOptions? options = null)
    {
        options ??= new GroupClientOptions();
        _handler = new TopologyHandler([.. members], options);
        // The base address is a placeholder: every request is sent to the primary of the moment.
        Http = new HttpClient(_handler) { BaseAddress = new Uri("http://lodestone-group/"), Timeout = options.RetryFor + TimeSpan.FromSeconds(10) };
        if (options.ApiKey is { Length: > 0 } key)
            Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
    }

    /// <summary>The client to send requests with.</summary>
    public HttpClient Http { get; }

    /// <summary>The primary requests go to now, or null before the topology was read.</summary>
    public Uri? Primary => _handler.Primary;

    /// <summary>How many times the topology was read.</summary>
    public int TopologyReads => _handler.TopologyReads;

    /// <summary>Closes the client's connections.</summary>
    public void Dispose() => Http.Dispose();

    private sealed class TopologyHandler : DelegatingHandler
    {
        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
        private readonly List<Uri> _members;
        private readonly GroupClientOptions _options;
        private readonly ResiliencePipeline<HttpResponseMessage> _retry;
        private readonly SemaphoreSlim _reading = new(1, 1);
        private volatile Uri? _primary;
        private int _topologyReads;

        public TopologyHandler(List<Uri> members, GroupClientOptions options)
            : base(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(2) })
        {
            if (members.Count == 0)
                throw new ArgumentException("A group client needs at least one member's URL.", nameof(members));
            _members = members;
            _options = options;
            // Outermost first: the whole request's bound, the retries, then each try's bound (a node that
            // holds a connection open without answering — a frozen process — is given up on, not waited for).
            _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
                .AddTimeout(options.RetryFor)
                .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                        .Handle<HttpRequestException>()
                        .Handle<Polly.Timeout.TimeoutRejectedException>()
                        .Handle<TaskCanceledException>(canceled => !canceled.CancellationToken.IsCancellationRequested)
                        .HandleResult(response => response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TemporaryRedirect),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(50),
                    MaxDelay = TimeSpan.FromSeconds(1),
                    MaxRetryAttempts = int.MaxValue,
                    OnRetry = async retry =>
                    {
                        // A replica named the primary (307): go there. Otherwise ask the group again.
                        if (retry.Outcome.Result is { StatusCode: HttpStatusCode.TemporaryRedirect, Headers.Location: { IsAbsoluteUri: true } location })
                            _primary = new Uri(location.GetLeftPart(UriPartial.Authority));
                        else
                            await ReadTopologyAsync(retry.Context.CancellationToken).ConfigureAwait(false);
                        retry.Outcome.Result?.Dispose();
                    },
                })
                .AddTimeout(options.AttemptTimeout)
                .Build();
        }

        public Uri? Primary => _primary;

        public int TopologyReads => Volatile.Read(ref _topologyReads);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.PathAndQuery;
            if (_primary is null)
                await ReadTopologyAsync(cancellationToken).ConfigureAwait(false);
            return await _retry.ExecuteAsync(async token =>
            {
                var primary = _primary ?? throw new HttpRequestException("No member of the group named a primary.");
                request.RequestUri = new Uri(primary, path);
                return await base.SendAsync(request, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Asks the members, the known primary's topology first, which node is primary; keeps the first answer.</summary>
        private async Task ReadTopologyAsync(CancellationToken cancellationToken)
        {
            await _reading.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Interlocked.Increment(ref _topologyReads);
                foreach (var member in _members.ToArray())
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(member, "/topology"));
                    if (_options.ApiKey is { Length: > 0 } key)
                        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
                    try
                    {
                        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        timeout.CancelAfter(TimeSpan.FromSeconds(2));
                        using var response = await base.SendAsync(request, timeout.Token).ConfigureAwait(false);
                        if (!response.IsSuccessStatusCode)
                            continue;
                        var topology = await response.Content.ReadFromJsonAsync<Topology>(Json, timeout.Token).ConfigureAwait(false);
                        // The members it names join those this client asks next time.
                        foreach (var named in topology?.Members ?? [])
                        {
                            if (Uri.TryCreate(named.Url, UriKind.Absolute, out var url) && !_members.Contains(url))
                                _members.Add(url);
                        }
                        if (topology?.Primary is { } primary && Uri.TryCreate(primary, UriKind.Absolute, out var primaryUrl))
                        {
                            _primary = primaryUrl;
                            return;
                        }
                    }
                    catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or JsonException)
                    {
                        // That member is down or busy: ask the next.
                    }
                }
            }
            finally
            {
                _reading.Release();
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _reading.Dispose();
            base.Dispose(disposing);
        }

        private sealed record Topology(string? Primary, IReadOnlyList<TopologyMember>? Members);

        private sealed record TopologyMember(string Url);
    }
}

/// <summary>How a <see cref="GroupClient"/> talks to its group.</summary>
public sealed class GroupClientOptions
{
    /// <summary>The API key to present (a bearer token), if the group wants one.</summary>
    public string? ApiKey { get; init; }

    /// <summary>How long one request may be retried while the group has no primary that takes it (a failover takes DownAfterMs and a little more).</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one try may take before it is given up and retried (at the primary the topology then names).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
