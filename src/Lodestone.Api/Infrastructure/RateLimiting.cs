using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Lodestone.Api.Errors;
using Lodestone.Engine.Security;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>The <c>RateLimiting</c> configuration section.</summary>
internal sealed class RateLimitingSettings
{
    public const string Section = "RateLimiting";

    /// <summary>Off by default (a development box needs none); turn it on for anything shared.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The older name for trusted proxies (addresses or CIDR ranges): its entries join
    /// <see cref="ForwardedHeadersSettings"/>'s lists, which decide the client address for the rate
    /// limiter and protected mode alike (see <see cref="Infrastructure.TrustedProxies"/>).
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    public RateLimitPolicies Policies { get; set; } = new();
}

/// <summary>A token bucket per caller, by who the caller is.</summary>
internal sealed class RateLimitPolicies
{
    /// <summary>Callers without a valid key, one bucket per client address.</summary>
    public TokenBucketSetting Anonymous { get; set; } = new() { TokenLimit = 100, TokensPerPeriod = 50, ReplenishmentPeriodMs = 1000 };

    public TokenBucketSetting Read { get; set; } = new() { TokenLimit = 2000, TokensPerPeriod = 1000, ReplenishmentPeriodMs = 1000 };

    public TokenBucketSetting Write { get; set; } = new() { TokenLimit = 2000, TokensPerPeriod = 1000, ReplenishmentPeriodMs = 1000 };

    public TokenBucketSetting Admin { get; set; } = new() { TokenLimit = 2000, TokensPerPeriod = 1000, ReplenishmentPeriodMs = 1000 };

    /// <summary>The <c>/admin</c> routes (snapshots, rewrites: heavy), a bucket of their own per caller.</summary>
    public TokenBucketSetting AdminRoutes { get; set; } = new() { TokenLimit = 10, TokensPerPeriod = 1, ReplenishmentPeriodMs = 1000 };

    public IEnumerable<(string Name, TokenBucketSetting Bucket)> All =>
        [("anonymous", Anonymous), ("read", Read), ("write", Write), ("admin", Admin), ("adminRoutes", AdminRoutes)];
}

/// <summary>One token bucket: up to <see cref="TokenLimit"/> requests at once, <see cref="TokensPerPeriod"/> more every period.</summary>
internal sealed class TokenBucketSetting
{
    public int TokenLimit { get; set; }

    public int TokensPerPeriod { get; set; }

    public int ReplenishmentPeriodMs { get; set; }

    /// <summary>How long an empty bucket takes to fill, in milliseconds (the draft's window).</summary>
    public Int128 WindowMs => ((Int128)TokenLimit * ReplenishmentPeriodMs + TokensPerPeriod - 1) / TokensPerPeriod;
}

/// <summary>
/// Counts of the request rate limiter, for INFO and metrics: requests refused, per policy, and the
/// per-caller limiters alive now (idle ones are dropped, so this follows the active callers, not all
/// callers ever seen).
/// </summary>
internal sealed class RateLimitCounters
{
    private long _rejected;
    private long _liveLimiters;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _rejectedByPolicy = new();

    public long Rejected => Interlocked.Read(ref _rejected);

    public long LiveLimiters => Interlocked.Read(ref _liveLimiters);

    public IReadOnlyDictionary<string, long> RejectedByPolicy => _rejectedByPolicy;

    internal void Reject(string policy)
    {
        Interlocked.Increment(ref _rejected);
        _rejectedByPolicy.AddOrUpdate(policy, 1, (_, count) => count + 1);
    }

    internal void LimiterCreated() => Interlocked.Increment(ref _liveLimiters);

    internal void LimiterDropped() => Interlocked.Decrement(ref _liveLimiters);
}

/// <summary>
/// Request rate limiting: ASP.NET Core's rate limiter with one token bucket per caller — per API key
/// name, or per client address for callers without a valid key — sized by the caller's role.
/// Refusals are 429 problems (<c>code: RATELIMITED</c>) with <c>Retry-After</c> and the IETF
/// <c>RateLimit-Policy</c>/<c>RateLimit</c> headers; admitted requests carry the headers too.
/// </summary>
/// <remarks>
/// Runs after authentication (it needs the key) and before authorization, so guessing keys is limited
/// too. <c>/health</c> and <c>/alive</c> are never limited. The built-in partitioned limiter replenishes
/// every bucket from one timer and drops a bucket idle (full) for 10 seconds, so a flood of distinct
/// addresses does not keep a limiter each; <see cref="RateLimitCounters.LiveLimiters"/> shows it.
/// </remarks>
internal static class RateLimiting
{
    public const string Code = "RATELIMITED";

    public static IServiceCollection AddLodestoneRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitingSettings>()
            .Bind(configuration.GetSection(RateLimitingSettings.Section))
            .Validate(s => s.Policies.All.All(p => p.Bucket.TokenLimit >= 1 && p.Bucket.TokensPerPeriod >= 1 && p.Bucket.ReplenishmentPeriodMs >= 1),
                "RateLimiting:Policies: TokenLimit, TokensPerPeriod and ReplenishmentPeriodMs must be at least 1 in every policy.")
            .Validate(s => s.TrustedProxies.All(p => Infrastructure.TrustedProxies.IsAddress(p) || IPNetwork.TryParse(p, out _)),
                "RateLimiting:TrustedProxies: each entry must be an IP address or a CIDR range (10.0.0.0/8).")
            .ValidateOnStart();
        services.AddSingleton<RateLimitCounters>();
        services.AddSingleton<RequestLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<RequestLimiter, RateLimitCounters>((options, limiter, counters) =>
        {
            options.GlobalLimiter = limiter.Limiter;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) => RejectAsync(context, limiter, counters);
        });
        return services;
    }

    public static IApplicationBuilder UseLodestoneRateLimiting(this IApplicationBuilder app)
    {
        var settings = app.ApplicationServices.GetRequiredService<IOptions<RateLimitingSettings>>().Value;
        if (!settings.Enabled)
            return app;
        var limiter = app.ApplicationServices.GetRequiredService<RequestLimiter>();
        app.UseRateLimiter();
        return app.Use((context, next) =>
        {
            // Admitted: say how much is left, as /ratelimits does.
            if (limiter.PolicyOf(context) is { } policy && limiter.Limiter.GetStatistics(context) is { } statistics)
                RateLimitHeaders.Write(context.Response, policy.Name, policy.Bucket.TokenLimit, policy.Bucket.WindowMs,
                    statistics.CurrentAvailablePermits, RefillMs(policy.Bucket, statistics.CurrentAvailablePermits));
            return next(context);
        });
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, RequestLimiter limiter, RateLimitCounters counters)
    {
        var http = context.HttpContext;
        var policy = limiter.PolicyOf(http)!.Value;
        counters.Reject(policy.Name);
        var retryMs = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? (long)Math.Ceiling(retryAfter.TotalMilliseconds)
            : policy.Bucket.ReplenishmentPeriodMs;
        RateLimitHeaders.Write(http.Response, policy.Name, policy.Bucket.TokenLimit, policy.Bucket.WindowMs, 0, retryMs, retryMs);
        var detail = $"Too many requests for the '{policy.Name}' rate limit ({policy.Bucket.TokenLimit} at once, {policy.Bucket.TokensPerPeriod} more every " +
            $"{policy.Bucket.ReplenishmentPeriodMs.ToString(CultureInfo.InvariantCulture)} ms); retry after {RateLimitHeaders.Seconds(retryMs)} s.";
        if (http.GetEndpoint()?.Metadata.GetMetadata<UpstashErrors>() is not null)
        {
            await UpstashErrors.WriteAsync(http, StatusCodes.Status429TooManyRequests, "ERR " + detail);
            return;
        }
        var problem = Problems.Create(ProblemTable.ForStatus(StatusCodes.Status429TooManyRequests), detail, Code);
        problem.ProblemDetails.Extensions[Problems.RetryAfterMs] = retryMs;
        await problem.ExecuteAsync(http);
    }

    /// <summary>Until a bucket holding <paramref name="available"/> tokens is full again.</summary>
    private static long RefillMs(TokenBucketSetting bucket, long available)
    {
        var missing = bucket.TokenLimit - available;
        var periods = (missing + bucket.TokensPerPeriod - 1) / bucket.TokensPerPeriod;
        return periods * bucket.ReplenishmentPeriodMs;
    }

    /// <summary>
    /// The partitioned limiter: which bucket a request draws from, and the buckets themselves. A
    /// singleton, so tests can drive it without HTTP.
    /// </summary>
    public sealed class RequestLimiter : IDisposable
    {
        private readonly RateLimitingSettings _settings;
        private readonly RateLimitCounters _counters;

        public RequestLimiter(IOptions<RateLimitingSettings> settings, RateLimitCounters counters)
        {
            _settings = settings.Value;
            _counters = counters;
            Limiter = PartitionedRateLimiter.Create<HttpContext, string>(Partition);
        }

        public PartitionedRateLimiter<HttpContext> Limiter { get; }

        /// <summary>Stops the replenishing timer and drops every bucket.</summary>
        public void Dispose() => Limiter.Dispose();

        /// <summary>The policy a request is limited by (its name and bucket), or null when it is exempt.</summary>
        public (string Name, TokenBucketSetting Bucket)? PolicyOf(HttpContext context)
        {
            if (context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/alive"))
                return null;
            var policies = _settings.Policies;
            if (context.Request.Path.StartsWithSegments("/admin"))
                return ("adminRoutes", policies.AdminRoutes);
            return ApiKeys.AclUserOf(context)?.Role switch
            {
                AclRole.Read => ("read", policies.Read),
                AclRole.Write => ("write", policies.Write),
                AclRole.Admin => ("admin", policies.Admin),
                _ => ("anonymous", policies.Anonymous),
            };
        }

        /// <summary>Who is asking: the API key's name, or the client's address.</summary>
        public static string CallerOf(HttpContext context) =>
            ApiKeys.AclUserOf(context) is { } user ? "key:" + user.Name : "ip:" + ClientAddress(context);

        private RateLimitPartition<string> Partition(HttpContext context)
        {
            if (PolicyOf(context) is not { } policy)
                return RateLimitPartition.GetNoLimiter("exempt");
            var bucket = policy.Bucket;
            return RateLimitPartition.Get(policy.Name + "|" + CallerOf(context), _ => new CountedTokenBucket(new TokenBucketRateLimiterOptions
            {
                TokenLimit = bucket.TokenLimit,
                TokensPerPeriod = bucket.TokensPerPeriod,
                ReplenishmentPeriod = TimeSpan.FromMilliseconds(bucket.ReplenishmentPeriodMs),
                QueueLimit = 0,
                // The partitioned limiter's one timer replenishes every bucket; a timer per bucket would not scale.
                AutoReplenishment = false,
            }, _counters));
        }

        /// <summary>
        /// The client's address: the connection's peer, which the forwarded-headers middleware has
        /// already replaced with the forwarded client when — and only when — the peer is a trusted
        /// proxy (<see cref="Infrastructure.TrustedProxies"/>). A client cannot pick its own bucket.
        /// </summary>
        public static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "local";
    }

    /// <summary>A token bucket that counts itself alive in <see cref="RateLimitCounters"/> until the partitioned limiter drops it.</summary>
    private sealed class CountedTokenBucket : ReplenishingRateLimiter
    {
        private readonly TokenBucketRateLimiter _inner;
        private readonly RateLimitCounters _counters;
        private int _disposed;

        public CountedTokenBucket(TokenBucketRateLimiterOptions options, RateLimitCounters counters)
        {
            _inner = new TokenBucketRateLimiter(options);
            _counters = counters;
            counters.LimiterCreated();
        }

        public override TimeSpan? IdleDuration => _inner.IdleDuration;

        public override bool IsAutoReplenishing => _inner.IsAutoReplenishing;

        public override TimeSpan ReplenishmentPeriod => _inner.ReplenishmentPeriod;

        public override bool TryReplenish() => _inner.TryReplenish();

        public override RateLimiterStatistics? GetStatistics() => _inner.GetStatistics();

        protected override RateLimitLease AttemptAcquireCore(int permitCount) => _inner.AttemptAcquire(permitCount);

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            _inner.AcquireAsync(permitCount, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                Release();
            base.Dispose(disposing);
        }

        protected override async ValueTask DisposeAsyncCore()
        {
            Release();
            await base.DisposeAsyncCore();
        }

        private void Release()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            _inner.Dispose();
            _counters.LimiterDropped();
        }
    }
}
