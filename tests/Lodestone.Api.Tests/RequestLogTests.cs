using Lodestone.Api.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Tests;

/// <summary>One event per request, at the level its outcome calls for; nothing built for a level that is off.</summary>
public sealed class RequestLogTests
{
    [Theory]
    [InlineData(200, false, false, LogLevel.Debug)]
    [InlineData(201, false, false, LogLevel.Debug)]
    [InlineData(404, false, false, LogLevel.Information)]
    [InlineData(200, true, false, LogLevel.Warning)]
    [InlineData(404, true, false, LogLevel.Warning)]
    [InlineData(499, true, false, LogLevel.Warning)]
    [InlineData(500, false, false, LogLevel.Error)]
    [InlineData(503, true, false, LogLevel.Error)]
    // A long poll waits by design: one that waited is worth a line, never a warning.
    [InlineData(200, false, true, LogLevel.Debug)]
    [InlineData(200, true, true, LogLevel.Information)]
    [InlineData(499, true, true, LogLevel.Information)]
    [InlineData(503, true, true, LogLevel.Error)]
    public async Task A_request_is_logged_at_the_level_of_its_outcome(int status, bool slow, bool longPoll, LogLevel expected)
    {
        var logger = new CapturingLogger(LogLevel.Trace);
        var log = new RequestLog(async context =>
        {
            if (longPoll)
                RequestLog.MarkLongPoll(context);
            if (slow)
                await Task.Delay(30);
            context.Response.StatusCode = status;
        }, logger, Options.Create(new RequestLoggingSettings { SlowRequestMs = slow ? 10 : 10_000 }), new RecordingProblems(), Metrics());
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/strings/k";
        context.TraceIdentifier = "0HN:00000007";
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse("10.1.2.3");
        context.Connection.RemotePort = 5555;

        await log.InvokeAsync(context);

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(expected, entry.Level);
        Assert.StartsWith($"HTTP GET /strings/k responded {status} in ", entry.Message, StringComparison.Ordinal);
        // Who asked (no API key here), and the id a problem body carries as traceId, so the two can be matched.
        Assert.EndsWith(" ms to 10.1.2.3:5555 (key -, trace 0HN:00000007)", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_below_the_minimum_level_writes_nothing()
    {
        var logger = new CapturingLogger(LogLevel.Information);
        var log = new RequestLog(_ => Task.CompletedTask, logger, Options.Create(new RequestLoggingSettings()), new RecordingProblems(), Metrics());

        await log.InvokeAsync(new DefaultHttpContext());

        Assert.Empty(logger.Entries);
    }

    [Theory]
    [InlineData(404, false, true)]
    [InlineData(405, false, true)]
    [InlineData(503, true, true)]
    [InlineData(404, false, false)]
    [InlineData(200, false, false)]
    [InlineData(304, false, false)]
    public async Task An_error_without_a_body_gets_problem_details_and_one_with_a_body_keeps_it(int status, bool async, bool empty)
    {
        var problems = new RecordingProblems();
        var log = new RequestLog(async context =>
        {
            if (async)
                await Task.Yield();
            context.Response.StatusCode = status;
            if (!empty)
                context.Response.ContentType = "application/json";
        }, new CapturingLogger(LogLevel.Information), Options.Create(new RequestLoggingSettings()), problems, Metrics());
        var context = new DefaultHttpContext();

        await log.InvokeAsync(context);

        Assert.Equal(empty && status >= 400 ? [status] : [], problems.Written);
        Assert.Equal(status, context.Response.StatusCode);
    }

    [Fact]
    public async Task A_client_that_takes_no_json_gets_the_status_as_text()
    {
        var log = new RequestLog(context =>
        {
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        }, new CapturingLogger(LogLevel.Information), Options.Create(new RequestLoggingSettings()), new RecordingProblems { Accepts = false }, Metrics());
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;

        await log.InvokeAsync(context);

        Assert.Equal("text/plain", context.Response.ContentType);
        Assert.Equal("Status Code: 404; Not Found", System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task Each_request_is_timed_by_route_method_and_status_and_leaves_the_in_flight_gauge_at_zero()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new HttpMetrics(registry);
        var route = new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/strings/{key}"), 0, null, "put");
        var log = new RequestLog(async context =>
        {
            await Task.Yield();
            context.Response.StatusCode = 201;
        }, new CapturingLogger(LogLevel.Information), Options.Create(new RequestLoggingSettings()), new RecordingProblems(), metrics);
        // A method HTTP does not define is one series, whatever it is, as ASP.NET Core counts it.
        foreach (var method in new[] { "PUT", "PUT", "BREW", "X-ANYTHING" })
        {
            var context = new DefaultHttpContext();
            context.Request.Method = method;
            context.SetEndpoint(route);
            await log.InvokeAsync(context);
        }
        // Answered by the exception handler, which clears the endpoint and keeps it in its feature: the route stays.
        var answered = new DefaultHttpContext();
        answered.Request.Method = "PUT";
        answered.Features.Set<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>(
            new Microsoft.AspNetCore.Diagnostics.ExceptionHandlerFeature { Error = new BadHttpRequestException("not JSON"), Endpoint = route, Path = "/strings/k" });
        await new RequestLog(context =>
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/problem+json";
            return Task.CompletedTask;
        }, new CapturingLogger(LogLevel.Information), Options.Create(new RequestLoggingSettings()), new RecordingProblems(), metrics).InvokeAsync(answered);
        // Thrown before anything is awaited, and thrown later: both are 500s, and both leave the gauge.
        foreach (var fails in new RequestDelegate[] { _ => throw new InvalidOperationException("at once"), async _ => { await Task.Yield(); throw new InvalidOperationException("later"); } })
        {
            var failing = new RequestLog(fails, new CapturingLogger(LogLevel.Information), Options.Create(new RequestLoggingSettings()), new RecordingProblems(), metrics);
            var context = new DefaultHttpContext();
            context.Request.Method = "GET";
            await Assert.ThrowsAsync<InvalidOperationException>(() => failing.InvokeAsync(context));
        }

        using var text = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(text);
        var scrape = System.Text.Encoding.UTF8.GetString(text.ToArray());

        Assert.Contains("\nhttp_server_request_duration_seconds_count{http_route=\"/strings/{key}\",http_request_method=\"PUT\",http_response_status_code=\"201\"} 2\n", scrape, StringComparison.Ordinal);
        Assert.Contains("\nhttp_server_request_duration_seconds_count{http_route=\"/strings/{key}\",http_request_method=\"_OTHER\",http_response_status_code=\"201\"} 2\n", scrape, StringComparison.Ordinal);
        Assert.Contains("\nhttp_server_request_duration_seconds_count{http_route=\"\",http_request_method=\"GET\",http_response_status_code=\"500\"} 2\n", scrape, StringComparison.Ordinal);
        Assert.Contains("\nhttp_server_request_duration_seconds_count{http_route=\"/strings/{key}\",http_request_method=\"PUT\",http_response_status_code=\"400\"} 1\n", scrape, StringComparison.Ordinal);
        Assert.Contains("\nhttp_server_active_requests 0\n", scrape, StringComparison.Ordinal);
    }

    private static HttpMetrics Metrics() => new(Prometheus.Metrics.NewCustomRegistry());

    /// <summary>A problem-details service that records the statuses it was asked to write.</summary>
    private sealed class RecordingProblems : IProblemDetailsService
    {
        public bool Accepts { get; init; } = true;

        public List<int> Written { get; } = [];

        public ValueTask WriteAsync(ProblemDetailsContext context) => throw new NotSupportedException();

        public ValueTask<bool> TryWriteAsync(ProblemDetailsContext context)
        {
            if (!Accepts)
                return ValueTask.FromResult(false);
            Written.Add(context.ProblemDetails.Status!.Value);
            context.HttpContext.Response.ContentType = "application/problem+json";
            return ValueTask.FromResult(true);
        }
    }

    private sealed class CapturingLogger(LogLevel minimum) : ILogger<RequestLog>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Assert.True(IsEnabled(logLevel), "Logged at a level that is off.");
            Entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
