using System.Net;
using System.Text.Json;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.DependencyInjection;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>A service whose blocking waits are capped at 5 s over HTTP.</summary>
public sealed class WaitCappedApiFactory : ApiFactory
{
    public const int CapSeconds = 5;

    protected override IEnumerable<(string Key, string Value)> Settings => [("Http:MaxBlockingTimeoutSeconds", CapSeconds.ToString())];
}

/// <summary>
/// One rule for blocking waits on every way in (resource routes, and <c>/commands</c> single, pipeline
/// and path form): a wait lasts at most <c>Http:MaxBlockingTimeoutSeconds</c> — a longer timeout, or 0,
/// means "up to the cap" and then the command's own timeout reply — and only while its client is
/// connected: a waiter whose client has gone is removed and never served.
/// </summary>
public sealed class BlockingRequestsTests(WaitCappedApiFactory factory) : IClassFixture<WaitCappedApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private Executor Engine => factory.Services.GetRequiredService<Executor>();

    private Task<HttpResponseMessage> Command(string json, CancellationToken token = default) =>
        _client.PostAsync("/commands", Json(json), token);

    private static async Task<JsonElement> Result(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("result").Clone();
    }

    /// <summary>Waits (with a generous deadline) until the engine has <paramref name="count"/> parked callers.</summary>
    private async Task Parked(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (Engine.BlockedCount != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Expected {count} blocked callers, have {Engine.BlockedCount}.");
            await Task.Delay(5);
        }
    }

    /// <summary>Starts a blocking request, lets the cap run out on the service's clock, and returns the response.</summary>
    private async Task<HttpResponseMessage> UntilTheCap(Func<Task<HttpResponseMessage>> send)
    {
        var blocked = Engine.BlockedCount;
        var pending = send();
        await Parked(blocked + 1);
        factory.Clock.Advance(TimeSpan.FromSeconds(WaitCappedApiFactory.CapSeconds));
        return await pending;
    }

    [Theory]
    [InlineData("4294968")]
    [InlineData("0")]
    [InlineData("1e9")]
    public async Task A_blocking_pop_on_the_command_endpoint_waits_up_to_the_cap_then_answers_nil(string timeout)
    {
        var key = ApiFactory.Key();

        var response = await UntilTheCap(() => Command($"""["BLPOP","{key}","{timeout}"]"""));

        Assert.Equal(JsonValueKind.Null, (await Result(response)).ValueKind);
        Assert.Equal("PONG", (await Result(await Command("""["PING"]"""))).GetString());
    }

    [Theory]
    [InlineData("""["BZPOPMIN","{0}","4294968"]""")]
    [InlineData("""["BLMOVE","{0}","{0}:dst","LEFT","RIGHT","4294968"]""")]
    [InlineData("""["BLMPOP","4294968","1","{0}","LEFT"]""")]
    public async Task Every_blocking_command_follows_the_cap(string command)
    {
        var key = ApiFactory.Key();

        var response = await UntilTheCap(() => Command(string.Format(command, key)));

        Assert.Equal(JsonValueKind.Null, (await Result(response)).ValueKind);
    }

    [Fact]
    public async Task The_path_form_and_the_pipeline_follow_the_cap_too()
    {
        var key = ApiFactory.Key();

        var path = await UntilTheCap(() => _client.GetAsync($"/commands/blpop/{Segment(key)}/4294968"));
        var pipeline = await UntilTheCap(() => _client.PostAsync("/commands/pipeline", Json($"""[["BLPOP","{key}","0"],["PING"]]""")));

        Assert.Equal(JsonValueKind.Null, (await Result(path)).ValueKind);
        var entries = JsonDocument.Parse(await pipeline.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(JsonValueKind.Null, entries[0].GetProperty("result").ValueKind);
        Assert.Equal("PONG", entries[1].GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_lock_wait_past_the_cap_answers_that_the_lock_is_held()
    {
        var name = ApiFactory.Key("lock");
        await Result(await Command($"""["LOCK.ACQUIRE","{name}","60000","OWNER","a"]"""));

        var response = await UntilTheCap(() => Command($"""["LOCK.ACQUIRE","{name}","1000","OWNER","b","WAIT","4294967295"]"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("LOCKED", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_consumer_that_disconnects_from_the_command_endpoint_is_never_handed_a_job()
    {
        var queue = ApiFactory.Key("jobs");
        using var gone = new CancellationTokenSource();
        var abandoned = Command($"""["BLPOP","{queue}","30"]""", gone.Token);
        await Parked(1);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await Parked(0);
        await Result(await Command($"""["RPUSH","{queue}","j1"]"""));

        Assert.Equal(1, (await Result(await Command($"""["LLEN","{queue}"]"""))).GetInt64());
    }

    [Fact]
    public async Task Consumers_that_disconnect_from_the_path_form_or_a_pipeline_are_removed_too()
    {
        var queue = ApiFactory.Key("jobs");
        using var gone = new CancellationTokenSource();
        var path = _client.GetAsync($"/commands/blpop/{Segment(queue)}/0", gone.Token);
        var pipeline = _client.PostAsync("/commands/pipeline", Json($"""[["BRPOP","{queue}","0"]]"""), gone.Token);
        await Parked(2);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => path);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline);
        await Parked(0);
        await Result(await Command($"""["RPUSH","{queue}","j1","j2"]"""));

        Assert.Equal(2, (await Result(await Command($"""["LLEN","{queue}"]"""))).GetInt64());
    }

    [Fact]
    public async Task A_lock_waiter_that_disconnects_is_never_granted_the_lock()
    {
        var name = ApiFactory.Key("lock");
        await Result(await Command($"""["LOCK.ACQUIRE","{name}","60000","OWNER","a"]"""));
        using var gone = new CancellationTokenSource();
        var ghost = Command($"""["LOCK.ACQUIRE","{name}","30000","OWNER","ghost","WAIT","20000"]""", gone.Token);
        await Parked(1);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ghost);
        await Parked(0);
        await Result(await Command($"""["LOCK.RELEASE","{name}","a"]"""));

        var info = (await Result(await Command($"""["LOCK.INFO","{name}"]"""))).EnumerateArray().ToList();
        var owner = info[info.FindIndex(e => e.ValueKind == JsonValueKind.String && e.GetString() == "owner") + 1];
        Assert.Equal(JsonValueKind.Null, owner.ValueKind);
    }
}

/// <summary>A service that takes only a few connections at once.</summary>
public sealed class FewConnectionsApiFactory : ApiFactory
{
    public const int Connections = 6;

    protected override IEnumerable<(string Key, string Value)> Settings => [("Http:MaxConcurrentConnections", Connections.ToString())];
}

/// <summary>Abandoned blocking requests give their connections back: they cannot exhaust the service.</summary>
public sealed class AbandonedRequestsTests(FewConnectionsApiFactory factory) : IClassFixture<FewConnectionsApiFactory>
{
    private Executor Engine => factory.Services.GetRequiredService<Executor>();

    private Lodestone.Api.Infrastructure.Observability.ConnectionCounter Connections =>
        factory.Services.GetRequiredService<Lodestone.Api.Infrastructure.Observability.ConnectionCounter>();

    [Fact]
    public async Task Abandoning_three_times_the_connection_limit_in_blocking_requests_leaves_the_service_serving()
    {
        var queue = ApiFactory.Key("jobs");
        var open = Connections.Active;
        for (var round = 0; round < 3; round++)
        {
            // Each on its own connection, as many as the service takes; then every client goes away.
            var clients = Enumerable.Range(0, FewConnectionsApiFactory.Connections).Select(_ => factory.CreateClient()).ToList();
            using var gone = new CancellationTokenSource();
            var requests = clients.Select((client, i) => i % 2 == 0
                ? client.PostAsync("/commands", Json($"""["BLPOP","{queue}","0"]"""), gone.Token)
                : client.GetAsync($"/commands/brpop/{Segment(queue)}/0", gone.Token)).ToList();
            await WaitFor(() => Engine.BlockedCount == FewConnectionsApiFactory.Connections, "every request parked");

            await gone.CancelAsync();
            foreach (var request in requests)
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
            await WaitFor(() => Engine.BlockedCount == 0, "every abandoned request removed");
            foreach (var client in clients)
                client.Dispose();
            // The server frees a slot when it sees the close, which a loaded machine can delay past the next
            // round's connects (refused then, not parked): the next round starts when every slot is free again.
            await WaitFor(() => Connections.Active <= open, "the round's connections closed");
        }

        using var fresh = factory.CreateClient();
        var answer = await fresh.PostAsync("/commands", Json($"""["RPUSH","{queue}","j1"]"""));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var length = await fresh.PostAsync("/commands", Json($"""["LLEN","{queue}"]"""));
        Assert.Equal(1, JsonDocument.Parse(await length.Content.ReadAsStringAsync()).RootElement.GetProperty("result").GetInt64());
    }

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(10);
        }
    }
}
