using System.Collections.Concurrent;
using System.Net;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// The service's log as an operator reads it, captured from Serilog at Information: a refused
/// request is one event that names the client and the API key's holder (never the key), and a long
/// poll that waits out its timeout is not a slow request.
/// </summary>
public sealed class RequestLogEventsTests(RequestLogEventsTests.LoggedApiFactory factory) : IClassFixture<RequestLogEventsTests.LoggedApiFactory>
{
    private const string WrongToken = "not-a-key-0123456789";

    [Fact]
    public async Task A_wrong_key_is_one_information_event_that_names_the_client_and_not_the_key()
    {
        var events = await EventsOf(() => factory.ClientWith(WrongToken).GetAsync(Strings(ApiFactory.Key())), HttpStatusCode.Unauthorized, warmUp: true);

        var only = Assert.Single(events);
        Assert.Equal(LogEventLevel.Information, only.Level);
        Assert.Equal("401", only.Properties["StatusCode"].ToString());
        Assert.StartsWith("\"127.0.0.1:", only.Properties["ClientAddress"].ToString(), StringComparison.Ordinal);
        Assert.Equal("\"-\"", only.Properties["ApiKeyName"].ToString());
        Assert.DoesNotContain(WrongToken, Rendered(only), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_refused_for_its_role_names_the_keys_holder_and_never_the_key()
    {
        var events = await EventsOf(() => factory.ClientWith(LoggedApiFactory.ReadToken).GetAsync("/admin/info"), HttpStatusCode.Forbidden, warmUp: true);

        var only = Assert.Single(events);
        Assert.Equal(LogEventLevel.Information, only.Level);
        Assert.Equal("\"reader\"", only.Properties["ApiKeyName"].ToString());
        Assert.DoesNotContain(LoggedApiFactory.ReadToken, Rendered(only), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_poll_that_ends_by_its_timeout_is_information_not_a_slow_request_warning()
    {
        var key = ApiFactory.Key();

        var events = await EventsOf(() => WaitsOutItsTimeout(() => factory.ClientWith(LoggedApiFactory.WriteToken).PostAsync($"/lists/{Segment(key)}/left/pop?timeout=5", null)),
            HttpStatusCode.OK);

        var only = Assert.Single(events);
        Assert.Equal(LogEventLevel.Information, only.Level);
        Assert.True((double)((ScalarValue)only.Properties["Elapsed"]).Value! > LoggedApiFactory.SlowRequestMs, "The poll should have taken longer than a slow request.");
        Assert.Equal("\"writer\"", only.Properties["ApiKeyName"].ToString());
    }

    [Fact]
    public async Task A_blocking_command_on_the_command_endpoint_is_a_long_poll_too()
    {
        var key = ApiFactory.Key();

        var events = await EventsOf(() => WaitsOutItsTimeout(() => factory.ClientWith(LoggedApiFactory.WriteToken).PostAsync("/commands", Json($"""["BLPOP","{key}","5"]"""))),
            HttpStatusCode.OK);

        Assert.Equal(LogEventLevel.Information, Assert.Single(events).Level);
    }

    /// <summary>Starts a blocking pop, lets it wait longer than a slow request, then moves the clock past its timeout.</summary>
    private async Task<HttpResponseMessage> WaitsOutItsTimeout(Func<Task<HttpResponseMessage>> send)
    {
        var executor = factory.Services.GetRequiredService<Executor>();
        var response = send();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (executor.BlockedCount == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The pop never parked.");
            await Task.Delay(5);
        }
        await Task.Delay(LoggedApiFactory.SlowRequestMs + 100);
        factory.Clock.Advance(TimeSpan.FromSeconds(5));
        return await response;
    }

    /// <summary>Every event logged while <paramref name="send"/> ran and its request was logged.</summary>
    /// <remarks>A request that runs code for the first time is slow (JIT): <paramref name="warmUp"/> sends it once before.</remarks>
    private async Task<LogEvent[]> EventsOf(Func<Task<HttpResponseMessage>> send, HttpStatusCode expected, bool warmUp = false)
    {
        await factory.CreateClient().GetAsync("/alive");
        if (warmUp)
            await send();
        await Task.Delay(100);
        factory.Log.Clear();

        var response = await send();

        Assert.Equal(expected, response.StatusCode);
        // The request log writes once the response is sent: wait for it, then for anything after it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!factory.Log.Events.Any(e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "The request was never logged.");
            await Task.Delay(10);
        }
        await Task.Delay(200);
        return [.. factory.Log.Events];
    }

    private static string Rendered(LogEvent logged) =>
        logged.RenderMessage(System.Globalization.CultureInfo.InvariantCulture) + string.Concat(logged.Properties.Select(p => p.Value.ToString()));

    /// <summary>The service with API keys, logging at Information into <see cref="Log"/>.</summary>
    public sealed class LoggedApiFactory : ApiFactory
    {
        public const string WriteToken = "write-token-0123456789";
        public const string ReadToken = "read-token-0123456789";
        public const int SlowRequestMs = 1000;

        public CapturedLog Log { get; } = new();

        protected override IEnumerable<(string Key, string Value)> Settings =>
        [
            .. ApiKey(0, "writer", WriteToken, "write"),
            .. ApiKey(1, "reader", ReadToken, "read"),
            ("Serilog:MinimumLevel:Default", "Information"),
            ("RequestLogging:SlowRequestMs", SlowRequestMs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(Log));
        }
    }

    /// <summary>A Serilog sink that keeps what it is given.</summary>
    public sealed class CapturedLog : ILogEventSink
    {
        private readonly ConcurrentQueue<LogEvent> _events = new();

        public IReadOnlyCollection<LogEvent> Events => _events;

        public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

        public void Clear() => _events.Clear();
    }
}
