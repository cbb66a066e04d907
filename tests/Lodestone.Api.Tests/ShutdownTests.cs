using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>Stopping the service does not wait for long polls to time out.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task A_long_poll_in_progress_ends_with_503_when_the_service_stops()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var key = ApiFactory.Key();
        var executor = factory.Services.GetRequiredService<Lodestone.Engine.Execution.Executor>();
        // The contract checker fetches the OpenAPI document after a response, from the host that answered:
        // fetched now, while this host still runs (a run where this test comes first would fail otherwise).
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);

        var poll = client.PostAsync($"/lists/{Segment(key)}/left/pop?timeout=30", null);
        // Parked first: on a loaded machine a request may take a while to reach the engine, and stopping
        // before it parks tests nothing.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (executor.BlockedCount == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(5);
        Assert.True(executor.BlockedCount > 0, "The long poll never parked.");
        var stopping = Stopwatch.StartNew();
        factory.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var response = await poll;

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"The long poll held shutdown for {stopping.Elapsed}.");
        var problem = await response.Problem(HttpStatusCode.ServiceUnavailable, "SHUTDOWN");
        Assert.Contains("stopping", problem.Detail(), StringComparison.Ordinal);
    }
}
