using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Lodestone.Client;

namespace Lodestone.Api.Tests;

/// <summary>Five independent nodes in this process, on real loopback ports.</summary>
public sealed class RedlockNodes : IDisposable
{
    public RedlockNodes()
    {
        Factories = [.. Enumerable.Range(0, 5).Select(_ => new ApiFactory())];
        Http = [.. Factories.Select(f => f.CreateCheckedClient())];
    }

    public IReadOnlyList<ApiFactory> Factories { get; }

    public IReadOnlyList<HttpClient> Http { get; }

    public IReadOnlyList<LockClient> Nodes => [.. Http.Select(http => new LockClient(http))];

    public void Dispose()
    {
        foreach (var factory in Factories)
            factory.Dispose();
    }
}

/// <summary>
/// Redlock across independent nodes with the client helper: a majority wins, a minority is released,
/// dead nodes count as refusals, and the fencing token grows whichever majority grants the lock.
/// </summary>
public sealed class RedlockTests(RedlockNodes cluster) : IClassFixture<RedlockNodes>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private Redlock Redlock(IEnumerable<LockClient>? nodes = null) =>
        new(nodes ?? cluster.Nodes, new RedlockOptions { RequestTimeout = TimeSpan.FromSeconds(5), RetryDelay = TimeSpan.FromMilliseconds(20) });

    private async Task<JsonElement> State(int node, string name) =>
        await cluster.Http[node].GetFromJsonAsync<JsonElement>($"/locks/{Uri.EscapeDataString(name)}");

    /// <summary>Advances the node's log offset, which its next grant's token is at least.</summary>
    private async Task Write(int node, int count)
    {
        var commands = Enumerable.Range(0, count).Select(i => new[] { "SET", ApiFactory.Key("filler"), "x" }).ToArray();
        Assert.Equal(HttpStatusCode.OK, (await cluster.Http[node].PostAsJsonAsync("/commands/pipeline", commands)).StatusCode);
    }

    /// <summary>Another owner holds the lock on these nodes, so they refuse it.</summary>
    private async Task Squat(string name, params int[] nodes)
    {
        foreach (var node in nodes)
            Assert.NotNull(await cluster.Nodes[node].TryAcquireAsync(name, Lease, "squatter"));
    }

    private async Task Unsquat(string name, params int[] nodes)
    {
        foreach (var node in nodes)
            Assert.True(await cluster.Nodes[node].ReleaseAsync(name, "squatter"));
    }

    [Fact]
    public async Task A_majority_wins_and_every_node_carries_the_largest_token_granted()
    {
        var name = ApiFactory.Key("job");
        await Write(3, 40);

        var lease = await Redlock().TryAcquireAsync(name, Lease);

        Assert.NotNull(lease);
        Assert.Matches("^[0-9a-f]{32}$", lease.Owner);
        Assert.InRange(lease.Validity, TimeSpan.FromSeconds(29), Lease);
        for (var node = 0; node < 5; node++)
        {
            var state = await State(node, name);
            Assert.Equal(lease.Owner, state.GetProperty("owner").GetString());
            Assert.Equal(lease.FencingToken, state.GetProperty("fencingToken").GetInt64());
        }
        Assert.True(lease.FencingToken > 40, $"The token {lease.FencingToken} is not node 3's, the largest.");
    }

    [Fact]
    public async Task The_fencing_token_grows_whichever_majority_grants_the_lock()
    {
        var name = ApiFactory.Key("job");
        var random = new Random(7);
        var redlock = Redlock();
        long previous = 0;
        for (var round = 0; round < 20; round++)
        {
            // Nodes' logs grow apart, and a different minority refuses each round.
            await Write(random.Next(5), random.Next(1, 30));
            var refusing = Enumerable.Range(0, 5).OrderBy(_ => random.Next()).Take(2).ToArray();
            await Squat(name, refusing);

            var lease = await redlock.TryAcquireAsync(name, Lease);

            Assert.NotNull(lease);
            Assert.True(lease.FencingToken > previous, $"Round {round}: token {lease.FencingToken} after {previous}.");
            previous = lease.FencingToken;
            await redlock.ReleaseAsync(lease);
            await Unsquat(name, refusing);
        }
    }

    [Fact]
    public async Task A_minority_of_grants_loses_and_is_released_where_it_was_granted()
    {
        var name = ApiFactory.Key("job");
        await Squat(name, 0, 2, 4);

        var lease = await Redlock().TryAcquireAsync(name, Lease);

        Assert.Null(lease);
        foreach (var node in new[] { 1, 3 })
            Assert.False((await State(node, name)).GetProperty("held").GetBoolean());
        foreach (var node in new[] { 0, 2, 4 })
            Assert.Equal("squatter", (await State(node, name)).GetProperty("owner").GetString());
    }

    [Fact]
    public async Task Nodes_that_do_not_answer_count_as_refusals()
    {
        using var dead1 = new HttpClient { BaseAddress = ClosedPort() };
        using var dead2 = new HttpClient { BaseAddress = ClosedPort() };
        using var dead3 = new HttpClient { BaseAddress = ClosedPort() };
        var live = cluster.Nodes;

        var won = await Redlock([live[0], live[1], live[2], new LockClient(dead1), new LockClient(dead2)]).TryAcquireAsync(ApiFactory.Key("job"), Lease);
        var lost = await Redlock([live[3], live[4], new LockClient(dead1), new LockClient(dead2), new LockClient(dead3)]).TryAcquireAsync(ApiFactory.Key("job"), Lease);

        Assert.NotNull(won);
        Assert.Null(lost);
    }

    [Fact]
    public async Task Waiting_retries_until_the_holder_releases()
    {
        var name = ApiFactory.Key("job");
        var redlock = Redlock();
        var first = await redlock.TryAcquireAsync(name, Lease);
        Assert.NotNull(first);

        Assert.Null(await Redlock().TryAcquireAsync(name, Lease));
        var second = Redlock().TryAcquireAsync(name, Lease, retryFor: TimeSpan.FromSeconds(20));
        await Task.Delay(100);
        await redlock.ReleaseAsync(first);

        var lease = await second;
        Assert.NotNull(lease);
        Assert.True(lease.FencingToken > first.FencingToken);
    }

    [Fact]
    public async Task Extending_needs_a_majority_still_holding_the_lease()
    {
        var name = ApiFactory.Key("job");
        var redlock = Redlock();
        var lease = await redlock.TryAcquireAsync(name, TimeSpan.FromSeconds(10));
        Assert.NotNull(lease);

        var extended = await redlock.ExtendAsync(lease, TimeSpan.FromSeconds(10));
        Assert.NotNull(extended);
        Assert.Equal(lease.FencingToken, extended.FencingToken);

        // The lease ran out on three nodes (their clocks moved on): the lock is lost.
        foreach (var node in new[] { 0, 1, 2 })
            cluster.Factories[node].Clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Null(await redlock.ExtendAsync(lease, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Competing_clients_hold_the_lock_one_at_a_time_in_token_order()
    {
        const int Clients = 4;
        const int Acquisitions = 10;
        var name = ApiFactory.Key("hot");
        var holds = new List<(long Token, long Start, long End)>();
        long clock = 0;
        var inside = 0;

        async Task Client()
        {
            var redlock = Redlock();
            for (var i = 0; i < Acquisitions; i++)
            {
                var lease = await redlock.TryAcquireAsync(name, Lease, retryFor: TimeSpan.FromSeconds(60));
                Assert.NotNull(lease);
                var start = Interlocked.Increment(ref clock);
                Assert.Equal(1, Interlocked.Increment(ref inside));
                await Task.Delay(1);
                Assert.Equal(0, Interlocked.Decrement(ref inside));
                var end = Interlocked.Increment(ref clock);
                lock (holds)
                    holds.Add((lease.FencingToken, start, end));
                await redlock.ReleaseAsync(lease);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(Client)));

        var ordered = holds.OrderBy(h => h.Start).ToList();
        Assert.Equal(Clients * Acquisitions, ordered.Count);
        for (var i = 1; i < ordered.Count; i++)
            Assert.True(ordered[i].Token > ordered[i - 1].Token, $"Token {ordered[i].Token} follows {ordered[i - 1].Token}.");
    }

    /// <summary>A loopback address nothing listens on: connections are refused at once.</summary>
    private static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }
}
