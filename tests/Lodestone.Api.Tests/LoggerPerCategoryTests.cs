using Lodestone.Api.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lodestone.Api.Tests;

/// <summary>The service's logger factory makes one logger per category, however often it is asked.</summary>
public sealed class LoggerPerCategoryTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public void The_same_category_gets_the_same_logger_and_another_category_another()
    {
        var loggers = factory.Services.GetRequiredService<ILoggerFactory>();

        var first = loggers.CreateLogger("Microsoft.AspNetCore.Http.Result.OkObjectResult");

        Assert.IsType<LoggerPerCategory>(loggers);
        Assert.Same(first, loggers.CreateLogger("Microsoft.AspNetCore.Http.Result.OkObjectResult"));
        Assert.NotSame(first, loggers.CreateLogger("Lodestone.Other"));
    }

    [Fact]
    public void The_hosting_layer_finds_its_request_events_off_so_it_starts_no_activity_per_request()
    {
        var hosting = factory.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");

        Assert.False(hosting.IsEnabled(LogLevel.Critical));
    }
}
