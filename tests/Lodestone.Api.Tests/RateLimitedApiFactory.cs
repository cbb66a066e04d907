using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Lodestone.Api.Tests;

/// <summary>
/// The service with API keys and request rate limiting on, with small buckets that do not refill
/// during a test (one token a minute), a trusted proxy at <see cref="Proxy"/>, and <see cref="FakePeer"/>
/// so tests can play clients at other addresses. Tests own their callers: a fresh address, or a key
/// no other test uses.
/// </summary>
public sealed class RateLimitedApiFactory : ApiFactory
{
    public const string Proxy = "10.9.9.9";
    public const string ReadToken = "rl-read-token-0123456789";
    public const string WriteToken = "rl-write-token-0123456789";
    public const string AdminToken = "rl-admin-token-0123456789";

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("RateLimiting:Enabled", "true"),
        ("RateLimiting:TrustedProxies:0", Proxy),
        .. Bucket("Anonymous", 3),
        .. Bucket("Read", 5),
        .. Bucket("Write", 1000),
        .. Bucket("Admin", 1000),
        .. Bucket("AdminRoutes", 2),
        .. ApiKey(0, "rl-reader", ReadToken, "read"),
        .. ApiKey(1, "rl-writer", WriteToken, "write"),
        .. ApiKey(2, "rl-admin", AdminToken, "admin"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(FakePeer.Register);
    }

    private static (string, string)[] Bucket(string policy, int tokens) =>
    [
        ($"RateLimiting:Policies:{policy}:TokenLimit", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ($"RateLimiting:Policies:{policy}:TokensPerPeriod", "1"),
        ($"RateLimiting:Policies:{policy}:ReplenishmentPeriodMs", "60000"),
    ];
}
