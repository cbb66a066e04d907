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

        var poll = client.PostAsync($"/lists/{Segment(key)}/left/pop?timeout=30", null);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (executor.BlockedCount == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(5);
        var stopping = Stopwatch.StartNew();
        factory.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var response = await poll;

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"The long poll held shutdown for {stopping.Elapsed}.");
        var problem = await response.Problem(HttpStatusCode.ServiceUnavailable, "SHUTDOWN");
        Assert.Contains("stopping", problem.Detail(), StringComparison.Ordinal);
    }
}
