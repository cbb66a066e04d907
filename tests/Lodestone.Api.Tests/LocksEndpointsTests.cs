using System.Net;
using System.Text.Json;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.DependencyInjection;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// <c>/locks</c> over HTTP: grants with fencing tokens, owner-only extend and release, waiting in line
/// as a long poll, the fence check, and mutual exclusion under contention.
/// </summary>
public sealed class LocksEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private Executor Engine => factory.Services.GetRequiredService<Executor>();

    private static string Locks(string name, string suffix = "") => $"/locks/{Segment(name)}{suffix}";

    private Task<HttpResponseMessage> Acquire(string name, string body, CancellationToken cancel = default) =>
        _client.PostAsync(Locks(name), Json(body), cancel);

    private async Task<JsonElement> Granted(string name, string body)
    {
        var response = await Acquire(name, body);
        var grant = await response.Body(HttpStatusCode.Created);
        Assert.Equal(Locks(name), response.Headers.Location?.OriginalString);
        return grant;
    }

    private async Task Parked(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Engine.BlockedCount != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Expected {count} waiting callers, have {Engine.BlockedCount}.");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task A_grant_carries_owner_fencing_token_and_lease()
    {
        var name = ApiFactory.Key("lock");

        var grant = await Granted(name, """{"ttlMs":30000}""");

        Assert.Equal(name, grant.GetProperty("name").GetString());
        Assert.Matches("^[0-9a-f]{32}$", grant.GetProperty("owner").GetString());
        Assert.True(grant.GetProperty("fencingToken").GetInt64() > 0);
        Assert.Equal(factory.Clock.GetUtcNow().AddMilliseconds(30000), grant.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(30000, grant.GetProperty("ttlMs").GetInt64());
    }

    [Fact]
    public async Task A_held_lock_answers_409_saying_until_when()
    {
        var name = ApiFactory.Key("lock");
        await Granted(name, """{"ttlMs":30000,"owner":"a"}""");
        factory.Clock.Advance(TimeSpan.FromMilliseconds(500));

        var response = await Acquire(name, """{"ttlMs":1000,"owner":"b"}""");

        var problem = await response.Problem(HttpStatusCode.Conflict, "LOCKED");
        Assert.Equal("30", response.Header("Retry-After"));
        Assert.Equal(29500, problem.GetProperty("retryAfterMs").GetInt64());
        Assert.Equal(factory.Clock.GetUtcNow().AddMilliseconds(29500), problem.GetProperty("lockedUntil").GetDateTimeOffset());
    }

    [Fact]
    public async Task Only_the_owner_extends_and_releases_and_the_state_shows_it()
    {
        var name = ApiFactory.Key("lock");
        var token = (await Granted(name, """{"ttlMs":10000,"owner":"me"}""")).GetProperty("fencingToken").GetInt64();

        await _client.PatchAsync(Locks(name), Json("""{"owner":"you","ttlMs":5000}""")).Problem(HttpStatusCode.Conflict, "NOTOWNER");
        await _client.DeleteAsync(Locks(name, "?owner=you")).Problem(HttpStatusCode.Conflict, "NOTOWNER");
        var extended = await (await _client.PatchAsync(Locks(name), Json("""{"owner":"me","ttlMs":20000}"""))).Body(HttpStatusCode.OK);
        Assert.Equal(token, extended.GetProperty("fencingToken").GetInt64());
        Assert.Equal(20000, extended.GetProperty("ttlMs").GetInt64());

        var held = await (await _client.GetAsync(Locks(name))).Body(HttpStatusCode.OK);
        Assert.True(held.GetProperty("held").GetBoolean());
        Assert.Equal("me", held.GetProperty("owner").GetString());
        Assert.Equal(0, held.GetProperty("waiters").GetInt64());

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync(Locks(name, "?owner=me"))).StatusCode);
        var free = await (await _client.GetAsync(Locks(name))).Body(HttpStatusCode.OK);
        Assert.False(free.GetProperty("held").GetBoolean());
        Assert.Equal(JsonValueKind.Null, free.GetProperty("owner").ValueKind);
        Assert.Equal(token, free.GetProperty("fencingToken").GetInt64());
        await _client.DeleteAsync(Locks(name, "?owner=me")).Problem(HttpStatusCode.Conflict, "NOTOWNER");
    }

    [Fact]
    public async Task An_unknown_lock_is_404()
    {
        await _client.GetAsync(Locks(ApiFactory.Key("never"))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_fence_admits_the_latest_token_and_refuses_a_stale_one()
    {
        var name = ApiFactory.Key("lock");
        var first = (await Granted(name, """{"ttlMs":1000,"owner":"a"}""")).GetProperty("fencingToken").GetInt64();
        factory.Clock.Advance(TimeSpan.FromMilliseconds(1000));
        var second = (await Granted(name, """{"ttlMs":1000,"owner":"b"}""")).GetProperty("fencingToken").GetInt64();
        Assert.True(second > first);

        var current = await (await _client.PostAsync(Locks(name, "/fence"), Json($$"""{"fencingToken":{{second}}}"""))).Body(HttpStatusCode.OK);
        Assert.Equal(second, current.GetProperty("fencingToken").GetInt64());
        var stale = await _client.PostAsync(Locks(name, "/fence"), Json($$"""{"fencingToken":{{first}}}""")).Problem(HttpStatusCode.Conflict, "STALE");
        Assert.Contains($"({second})", stale.Detail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"ttlMs":0}""", "ttlMs must be a positive number of milliseconds.")]
    [InlineData("""{"ttlMs":1000,"waitMs":-1}""", "waitMs must be between 0 and 60000 (Http:MaxBlockingTimeoutSeconds).")]
    [InlineData("""{"ttlMs":1000,"waitMs":60001}""", "waitMs must be between 0 and 60000 (Http:MaxBlockingTimeoutSeconds).")]
    [InlineData("""{"ttlMs":1000,"owner":""}""", "owner must be 1 to 256 characters.")]
    [InlineData("""{"ttlMs":600000}""", "ERR ttl-ms must be between 1 and 60000 (Engine:LockMaxTtlMs)")]
    public async Task Bad_acquisitions_are_400_and_grant_nothing(string body, string detail)
    {
        var name = ApiFactory.Key("lock");

        var problem = await Acquire(name, body).Problem(HttpStatusCode.BadRequest);

        Assert.Equal(detail, problem.Detail());
        await _client.GetAsync(Locks(name)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Release_needs_the_owner()
    {
        var problem = await _client.DeleteAsync(Locks(ApiFactory.Key("lock"))).Problem(HttpStatusCode.BadRequest);
        Assert.Contains("owner", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiters_are_served_in_arrival_order_when_the_lock_is_released()
    {
        var name = ApiFactory.Key("lock");
        await Granted(name, """{"ttlMs":10000,"owner":"holder"}""");
        var baseline = Engine.BlockedCount;
        var first = Acquire(name, """{"ttlMs":10000,"waitMs":30000,"owner":"w1"}""");
        await Parked(baseline + 1);
        var second = Acquire(name, """{"ttlMs":10000,"waitMs":30000,"owner":"w2"}""");
        await Parked(baseline + 2);

        await _client.DeleteAsync(Locks(name, "?owner=holder"));
        Assert.Equal("w1", (await (await first).Body(HttpStatusCode.Created)).GetProperty("owner").GetString());
        Assert.False(second.IsCompleted);
        await _client.DeleteAsync(Locks(name, "?owner=w1"));
        Assert.Equal("w2", (await (await second).Body(HttpStatusCode.Created)).GetProperty("owner").GetString());
    }

    [Fact]
    public async Task A_waiter_that_disconnects_never_gets_the_lock()
    {
        var name = ApiFactory.Key("lock");
        await Granted(name, """{"ttlMs":10000,"owner":"holder"}""");
        var baseline = Engine.BlockedCount;
        using var gone = new CancellationTokenSource();
        var abandoned = Acquire(name, """{"ttlMs":10000,"waitMs":30000,"owner":"gone"}""", gone.Token);
        await Parked(baseline + 1);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await Parked(baseline);
        await _client.DeleteAsync(Locks(name, "?owner=holder"));

        var state = await (await _client.GetAsync(Locks(name))).Body(HttpStatusCode.OK);
        Assert.False(state.GetProperty("held").GetBoolean());
    }

    [Fact]
    public async Task A_wait_that_ends_first_is_409_with_when_the_lock_frees()
    {
        var name = ApiFactory.Key("lock");
        await Granted(name, """{"ttlMs":10000,"owner":"holder"}""");
        var baseline = Engine.BlockedCount;
        var waiting = Acquire(name, """{"ttlMs":1000,"waitMs":2000,"owner":"w"}""");
        await Parked(baseline + 1);

        factory.Clock.Advance(TimeSpan.FromMilliseconds(2000));

        var response = await waiting;
        var problem = await response.Problem(HttpStatusCode.Conflict, "LOCKED");
        Assert.Equal(8000, problem.GetProperty("retryAfterMs").GetInt64());
        Assert.Equal("8", response.Header("Retry-After"));
    }

    [Fact]
    public async Task Under_contention_holds_never_overlap_and_tokens_increase()
    {
        const int Clients = 50;
        const int Acquisitions = 200;
        var name = ApiFactory.Key("hot");
        var holds = new List<(long Token, long Start, long End)>();
        long clock = 0;
        var inside = 0;

        async Task Client(int id)
        {
            using var client = factory.CreateClient();
            for (var i = 0; i < Acquisitions; i++)
            {
                var response = await client.PostAsync(Locks(name), Json($$"""{"ttlMs":60000,"waitMs":60000,"owner":"c{{id}}"}"""));
                var grant = await response.Body(HttpStatusCode.Created);
                var start = Interlocked.Increment(ref clock);
                Assert.Equal(1, Interlocked.Increment(ref inside));
                await Task.Yield();
                Assert.Equal(0, Interlocked.Decrement(ref inside));
                var end = Interlocked.Increment(ref clock);
                lock (holds)
                    holds.Add((grant.GetProperty("fencingToken").GetInt64(), start, end));
                Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(Locks(name, $"?owner=c{id}"))).StatusCode);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(id => Task.Run(() => Client(id))));

        Assert.Equal(Clients * Acquisitions, holds.Count);
        var ordered = holds.OrderBy(h => h.Start).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].Start > ordered[i - 1].End, $"Holds {ordered[i - 1]} and {ordered[i]} overlap.");
            Assert.True(ordered[i].Token > ordered[i - 1].Token, $"Token {ordered[i].Token} follows {ordered[i - 1].Token}.");
        }
    }
}
