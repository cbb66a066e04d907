using System.Net;
using System.Text.Json;
using Lodestone.Api.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>Request rate limiting: a token bucket per API key (per address without one), sized by role; refusals are 429 problems.</summary>
public sealed class RateLimitingTests(RateLimitedApiFactory factory) : IClassFixture<RateLimitedApiFactory>
{
    private static string NewAddress() => $"198.51.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";

    private async Task<HttpResponseMessage> From(string address, string url, string? token = null, string? forwardedFor = null)
    {
        var request = FakePeer.From(address, HttpMethod.Get, url);
        if (token is not null)
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (forwardedFor is not null)
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await factory.CreateClient().SendAsync(request);
    }

    [Fact]
    public async Task An_anonymous_address_gets_its_bucket_then_a_429_problem_with_retry_after_and_ratelimit_headers()
    {
        var address = NewAddress();
        var counters = factory.Services.GetRequiredService<RateLimitCounters>();
        var rejectedBefore = counters.Rejected;

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await From(address, "/keys")).StatusCode);
        var refused = await From(address, "/keys");

        var problem = await refused.Problem(HttpStatusCode.TooManyRequests, "RATELIMITED");
        Assert.Contains("'anonymous'", problem.Detail(), StringComparison.Ordinal);
        Assert.Equal("60", refused.Headers.RetryAfter!.ToString());
        Assert.Equal("\"anonymous\";q=3;w=180", refused.Headers.GetValues("RateLimit-Policy").Single());
        Assert.Equal("\"anonymous\";r=0;t=60", refused.Headers.GetValues("RateLimit").Single());
        Assert.True(counters.Rejected > rejectedBefore);
        Assert.True(counters.RejectedByPolicy["anonymous"] >= 1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await From(NewAddress(), "/keys")).StatusCode);
        var metrics = await factory.ClientWith(RateLimitedApiFactory.AdminToken).GetStringAsync("/metrics");
        Assert.Matches("lodestone_http_rate_limited_total\\{policy=\"anonymous\"\\} [1-9]", metrics);
    }

    [Fact]
    public async Task A_key_is_limited_by_its_role_policy_whatever_address_it_comes_from()
    {
        var remaining = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var admitted = await From(NewAddress(), "/keys", RateLimitedApiFactory.ReadToken);
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
            remaining.Add(admitted.Headers.GetValues("RateLimit").Single());
        }
        var refused = await From(NewAddress(), "/keys", RateLimitedApiFactory.ReadToken);

        Assert.Equal(["\"read\";r=4;t=60", "\"read\";r=3;t=120", "\"read\";r=2;t=180", "\"read\";r=1;t=240", "\"read\";r=0;t=300"], remaining);
        await refused.Problem(HttpStatusCode.TooManyRequests, "RATELIMITED");
        Assert.Equal(HttpStatusCode.OK, (await From(NewAddress(), "/keys", RateLimitedApiFactory.WriteToken)).StatusCode);
    }

    [Fact]
    public async Task The_command_endpoint_refuses_with_an_upstash_error_and_retry_after()
    {
        var address = NewAddress();
        for (var i = 0; i < 3; i++)
            await From(address, "/commands/ping");

        var refused = await From(address, "/commands/ping");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.StartsWith("ERR Too many requests", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_alive_are_never_limited()
    {
        var address = NewAddress();
        for (var i = 0; i < 4; i++)
            await From(address, "/keys");

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await From(address, "/health")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await From(address, "/alive")).StatusCode);
        }
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket()
    {
        var first = NewAddress();
        for (var i = 0; i < 3; i++)
            await From(RateLimitedApiFactory.Proxy, "/keys", forwardedFor: $"203.0.113.9, {first}");

        Assert.Equal(HttpStatusCode.TooManyRequests, (await From(RateLimitedApiFactory.Proxy, "/keys", forwardedFor: first)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await From(RateLimitedApiFactory.Proxy, "/keys", forwardedFor: NewAddress())).StatusCode);
    }

    [Fact]
    public async Task An_untrusted_peer_cannot_escape_its_bucket_with_forwarded_for()
    {
        var address = NewAddress();
        for (var i = 0; i < 3; i++)
            await From(address, "/keys", forwardedFor: NewAddress());

        Assert.Equal(HttpStatusCode.TooManyRequests, (await From(address, "/keys", forwardedFor: NewAddress())).StatusCode);
    }

    [Fact]
    public async Task Admin_routes_have_a_bucket_of_their_own()
    {
        var admin = factory.ClientWith(RateLimitedApiFactory.AdminToken);
        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/snapshots")).StatusCode);

        var refused = await admin.GetAsync("/admin/snapshots");

        await refused.Problem(HttpStatusCode.TooManyRequests, "RATELIMITED");
        Assert.StartsWith("\"adminRoutes\"", refused.Headers.GetValues("RateLimit-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/keys")).StatusCode);
    }

    [Fact]
    public async Task Idle_buckets_are_dropped_so_many_addresses_do_not_keep_a_limiter_each()
    {
        var settings = new RateLimitingSettings { Enabled = true };
        settings.Policies.Anonymous = new TokenBucketSetting { TokenLimit = 1, TokensPerPeriod = 1, ReplenishmentPeriodMs = 50 };
        var counters = new RateLimitCounters();
        using var limiter = new RateLimiting.RequestLimiter(Options.Create(settings), counters);
        const int Addresses = 100_000;

        for (var i = 0; i < Addresses; i++)
        {
            var context = new DefaultHttpContext();
            context.Connection.RemoteIpAddress = new IPAddress(BitConverter.GetBytes(0x0A000000 + i));
            context.Request.Path = "/keys";
            using var lease = limiter.Limiter.AttemptAcquire(context);
            Assert.True(lease.IsAcquired);
        }
        var peak = counters.LiveLimiters;

        // The built-in limiter drops a bucket idle (full) for 10 s, from its 100 ms timer.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (counters.LiveLimiters > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(250);

        Assert.Equal(Addresses, peak);
        Assert.Equal(0, counters.LiveLimiters);
    }
}
