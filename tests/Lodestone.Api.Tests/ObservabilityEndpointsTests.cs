using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>INFO, SLOWLOG, CONFIG, LATENCY, MONITOR, replication and /metrics over HTTP, and who may use them.</summary>
public sealed class ObservabilityEndpointsTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    private HttpClient Admin => factory.ClientWith(SecuredApiFactory.AdminToken);

    private HttpClient Writer => factory.ClientWith(SecuredApiFactory.WriteToken);

    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "/admin/info" },
        { "GET", "/admin/replication" },
        { "PUT", "/admin/replication" },
        { "GET", "/admin/slowlog" },
        { "GET", "/admin/slowlog/length" },
        { "DELETE", "/admin/slowlog" },
        { "GET", "/admin/config" },
        { "PATCH", "/admin/config" },
        { "GET", "/admin/latency" },
        { "GET", "/admin/latency/command" },
        { "GET", "/admin/latency/doctor" },
        { "DELETE", "/admin/latency" },
        { "GET", "/admin/monitor" },
        { "GET", "/metrics" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_observability_route_needs_an_admin_key(string method, string path)
    {
        var anonymous = await factory.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        var writer = await Writer.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Json("""{"hz":"10"}""") });

        await anonymous.Problem(HttpStatusCode.Unauthorized, "WRONGPASS");
        await writer.Problem(HttpStatusCode.Forbidden, "NOPERM");
    }

    [Fact]
    public async Task Info_is_json_with_numbers_as_numbers_and_stats_as_objects()
    {
        await Writer.PutString(ApiFactory.Key(), "v");

        var info = await (await Admin.GetAsync("/admin/info?section=stats&section=commandstats&section=server")).Body(HttpStatusCode.OK);

        // In Redis's order of sections, whatever the order asked in.
        Assert.Equal(["server", "stats", "commandstats"], info.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Number, info.GetProperty("stats").GetProperty("total_commands_processed").ValueKind);
        var set = info.GetProperty("commandstats").GetProperty("cmdstat_set");
        Assert.True(set.GetProperty("calls").GetInt64() >= 1);
        Assert.Equal(JsonValueKind.Number, set.GetProperty("usec_per_call").ValueKind);
        Assert.Equal("7.0.0", info.GetProperty("server").GetProperty("redis_version").GetString());
        Assert.Equal(Admin.BaseAddress!.Port, info.GetProperty("server").GetProperty("tcp_port").GetInt32());
    }

    [Fact]
    public async Task Info_memory_alone_and_an_unknown_section_is_400()
    {
        var memory = await (await Admin.GetAsync("/admin/info?section=memory")).Body(HttpStatusCode.OK);
        var unknown = await Admin.GetAsync("/admin/info?section=nosuch");

        var section = Assert.Single(memory.EnumerateObject());
        Assert.Equal("memory", section.Name);
        Assert.Equal("noeviction", section.Value.GetProperty("maxmemory_policy").GetString());
        Assert.True(section.Value.GetProperty("used_memory").GetInt64() > 0);
        Assert.Contains("nosuch", (await unknown.Problem(HttpStatusCode.BadRequest)).Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_on_the_command_endpoint_is_redis_text()
    {
        var reply = await (await Admin.PostAsync("/commands", Json("""["INFO","clients"]"""))).Body(HttpStatusCode.OK);

        var text = reply.GetProperty("result").GetString()!;
        Assert.StartsWith("# Clients\r\n", text, StringComparison.Ordinal);
        Assert.Contains("connected_clients:", text, StringComparison.Ordinal);
        Assert.Contains("blocked_clients:0\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replication_is_a_master_without_replicas_at_the_committed_offset()
    {
        await Writer.PutString(ApiFactory.Key(), "v");

        var state = await (await Admin.GetAsync("/admin/replication")).Body(HttpStatusCode.OK);

        Assert.Equal("master", state.GetProperty("role").GetString());
        Assert.Equal(0, state.GetProperty("connectedSlaves").GetInt32());
        Assert.Equal(0, state.GetProperty("replicas").GetArrayLength());
        Assert.Matches("^[0-9a-f]{40}$", state.GetProperty("masterReplid").GetString());
        Assert.True(state.GetProperty("masterReplOffset").GetInt64() >= 1);
        Assert.Equal(-1, state.GetProperty("secondReplOffset").GetInt64());
        Assert.Equal(0, state.GetProperty("replBacklogActive").GetInt32());
    }

    [Fact]
    public async Task The_slow_log_records_the_callers_command_address_and_key_name()
    {
        var key = ApiFactory.Key();
        await (await Admin.PatchAsync("/admin/config", Json("""{"slowlog-log-slower-than":"0"}"""))).Body(HttpStatusCode.OK);
        try
        {
            await (await Writer.PostAsync("/commands", Json($"""["SET","{key}","v"]"""))).Body(HttpStatusCode.OK);

            var entries = await (await Admin.GetAsync("/admin/slowlog?count=-1")).Body(HttpStatusCode.OK);

            var entry = entries.GetProperty("entries").EnumerateArray().First(e => e.GetProperty("args")[0].GetString() == "SET" && e.GetProperty("args")[1].GetString() == key);
            Assert.Equal("writer", entry.GetProperty("clientName").GetString());
            Assert.StartsWith("127.0.0.1:", entry.GetProperty("clientAddress").GetString(), StringComparison.Ordinal);
            Assert.True(entry.GetProperty("durationUs").GetInt64() >= 0);
            Assert.True((await (await Admin.GetAsync("/admin/slowlog/length")).Body(HttpStatusCode.OK)).GetProperty("length").GetInt64() >= 1);
            Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync("/admin/slowlog")).StatusCode);
        }
        finally
        {
            await Admin.PatchAsync("/admin/config", Json("""{"slowlog-log-slower-than":"10000"}"""));
        }
    }

    [Fact]
    public async Task A_bad_slowlog_count_is_400()
    {
        var negative = await Admin.GetAsync("/admin/slowlog?count=-2");
        var text = await Admin.GetAsync("/admin/slowlog?count=many");

        Assert.Equal("ERR count should be greater than or equal to -1", (await negative.Problem(HttpStatusCode.BadRequest)).Detail());
        await text.Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Config_is_read_and_set_all_or_nothing_with_redis_errors()
    {
        var config = await (await Admin.GetAsync("/admin/config")).Body(HttpStatusCode.OK);
        Assert.Equal("everysec", config.GetProperty("appendfsync").GetString());
        var maxLen = config.GetProperty("slowlog-max-len").GetString();

        var refused = await Admin.PatchAsync("/admin/config", Json("""{"slowlog-max-len":"5","hz":"fast"}"""));
        var immutable = await Admin.PatchAsync("/admin/config", Json("""{"appendfsync":"always"}"""));
        var unknown = await Admin.PatchAsync("/admin/config", Json("""{"nosuch":"1"}"""));
        var notText = await Admin.PatchAsync("/admin/config", Json("""{"hz":20}"""));
        var empty = await Admin.PatchAsync("/admin/config", Json("{}"));

        Assert.Equal("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer",
            (await refused.Problem(HttpStatusCode.BadRequest)).Detail());
        Assert.Equal("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - can't set immutable config",
            (await immutable.Problem(HttpStatusCode.BadRequest)).Detail());
        Assert.Equal("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'", (await unknown.Problem(HttpStatusCode.BadRequest)).Detail());
        await notText.Problem(HttpStatusCode.BadRequest);
        await empty.Problem(HttpStatusCode.BadRequest);
        var after = await (await Admin.GetAsync("/admin/config?pattern=slowlog-max-len")).Body(HttpStatusCode.OK);
        Assert.Equal(maxLen, Assert.Single(after.EnumerateObject()).Value.GetString());

        var changed = await (await Admin.PatchAsync("/admin/config", Json("""{"slowlog-max-len":"64"}"""))).Body(HttpStatusCode.OK);
        Assert.Equal("64", changed.GetProperty("slowlog-max-len").GetString());
        await Admin.PatchAsync("/admin/config", Json($$"""{"slowlog-max-len":"{{maxLen}}"}"""));
    }

    [Fact]
    public async Task Latency_routes_report_events_history_doctor_and_reset()
    {
        var latest = await (await Admin.GetAsync("/admin/latency")).Body(HttpStatusCode.OK);
        var history = await (await Admin.GetAsync("/admin/latency/aof-write")).Body(HttpStatusCode.OK);
        var unknown = await Admin.GetAsync("/admin/latency/nosuch");
        var doctor = await Admin.GetAsync("/admin/latency/doctor");
        var reset = await (await Admin.DeleteAsync("/admin/latency?event=command&event=aof-write")).Body(HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Array, latest.GetProperty("entries").ValueKind);
        Assert.Equal("aof-write", history.GetProperty("event").GetString());
        Assert.Equal(JsonValueKind.Array, history.GetProperty("history").ValueKind);
        await unknown.Problem(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, doctor.StatusCode);
        Assert.Equal("text/plain", doctor.Content.Headers.ContentType?.MediaType);
        Assert.Contains("latency-monitor-threshold", await doctor.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Number, reset.GetProperty("reset").ValueKind);
    }

    [Fact]
    public async Task Monitor_streams_matching_commands_as_server_sent_events()
    {
        var key = ApiFactory.Key();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/admin/monitor?command=set&match={Uri.EscapeDataString(key)}");
        using var response = await Admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        Assert.Equal(": monitoring", await stream.ReadLineAsync(cancel.Token));

        await Writer.PutString(ApiFactory.Key(), "not this key");
        await (await Writer.PostAsync("/commands", Json($"""["GET","{key}"]"""))).Body(HttpStatusCode.OK);
        await (await Writer.PostAsync("/commands", Json($"""["SET","{key}","seen"]"""))).Body(HttpStatusCode.OK);

        string? line;
        do
            line = await stream.ReadLineAsync(cancel.Token);
        while (line is not null && !line.StartsWith("data: ", StringComparison.Ordinal));
        using var shown = JsonDocument.Parse(line!["data: ".Length..]);
        Assert.Equal("set", shown.RootElement.GetProperty("command").GetString());
        Assert.Equal([key, "seen"], shown.RootElement.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.StartsWith("127.0.0.1:", shown.RootElement.GetProperty("client").GetString(), StringComparison.Ordinal);
        Assert.True(shown.RootElement.GetProperty("time").GetDouble() > 1_000_000_000);
    }

    [Fact]
    public async Task A_monitor_stream_ends_when_the_service_stops_so_it_does_not_hold_up_shutdown()
    {
        var host = factory.WithWebHostBuilder(_ => { });
        var client = host.CreateCheckedClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SecuredApiFactory.AdminToken);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/monitor"), HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        Assert.Equal(": monitoring", await stream.ReadLineAsync(cancel.Token));

        var stopping = host.DisposeAsync();

        // The blank line that ends the first comment, then the end of the stream.
        Assert.Equal("\n", await stream.ReadToEndAsync(cancel.Token));
        await stopping;
    }

    [Fact]
    public async Task Monitor_of_an_unknown_command_is_400_and_monitor_on_the_command_endpoint_points_at_the_stream()
    {
        var unknown = await Admin.GetAsync("/admin/monitor?command=nosuch");
        var command = await Admin.PostAsync("/commands", Json("""["MONITOR"]"""));

        await unknown.Problem(HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.BadRequest, command.StatusCode);
        Assert.Contains("GET /admin/monitor", await command.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_with_commands_latency_and_keys()
    {
        await Writer.PutString(ApiFactory.Key(), "v");
        // Refused: a write key may not run CONFIG (NOPERM).
        await Writer.PostAsync("/commands", Json("""["CONFIG","GET","hz"]"""));

        var response = await Admin.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE lodestone_commands_total counter\n", text, StringComparison.Ordinal);
        Assert.Matches(@"\nlodestone_commands_total\{command=""set""\} [1-9][0-9]*\n", text);
        Assert.Contains("# TYPE lodestone_command_latency_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Matches(@"\nlodestone_command_latency_seconds_bucket\{group=""string"",le=""\+Inf""\} [1-9][0-9]*\n", text);
        Assert.Matches(@"\nlodestone_keys [1-9][0-9]*\n", text);
        Assert.Matches(@"\nlodestone_error_replies_by_code_total\{code=""NOPERM""\} [1-9][0-9]*\n", text);
        Assert.Contains("\nlodestone_aof_enabled 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_scrape_holds_http_kestrel_runtime_process_and_engine_metrics_and_passes_promtool()
    {
        await Writer.PutString(ApiFactory.Key(), "v");

        var text = await Admin.GetStringAsync("/metrics");

        // The requests' own (the scrape is one in flight), Kestrel's meter (this host's), the runtime's, the process's, the engine's.
        Assert.Matches(@"\nhttp_server_request_duration_seconds_bucket\{http_route=""/strings/\{key\}"",http_request_method=""PUT"",http_response_status_code=""201"",le=""\+Inf""\} [1-9]", text);
        Assert.Matches(@"\nhttp_server_active_requests [1-9]", text);
        Assert.Matches(@"\nmicrosoft_aspnetcore_server_kestrel_kestrel_active_connections\{[^}]*\} [1-9]", text);
        Assert.Matches(@"\nsystem_runtime_dotnet_gc_collections\{gc_heap_generation=""gen0""\} [0-9]", text);
        Assert.Matches(@"\ndotnet_thread_pool_threads [1-9]", text);
        Assert.Matches(@"\nprocess_cpu_seconds_total [0-9]", text);
        Assert.Matches(@"\nlodestone_commands_total\{command=""set""\} [1-9]", text);
        Assert.Matches(@"\nlodestone_aof_fsyncs_total [0-9]", text);
        await Promtool.CheckMetricsAsync(text);
    }

    [Fact]
    public async Task Config_resetstat_does_not_send_the_metrics_counters_back()
    {
        await Writer.PutString(ApiFactory.Key(), "v");
        var before = SetCalls(await Admin.GetStringAsync("/metrics"));

        (await Admin.PostAsync("/commands", Json("""["CONFIG","RESETSTAT"]"""))).EnsureSuccessStatusCode();
        var info = await (await Admin.GetAsync("/admin/info?section=commandstats")).Body(HttpStatusCode.OK);
        var after = SetCalls(await Admin.GetStringAsync("/metrics"));

        Assert.False(info.GetProperty("commandstats").TryGetProperty("cmdstat_set", out _));
        Assert.True(after >= before, $"lodestone_commands_total{{command=\"set\"}} went from {before} to {after}.");
    }

    private static long SetCalls(string metrics) =>
        long.Parse(System.Text.RegularExpressions.Regex.Match(metrics, @"\nlodestone_commands_total\{command=""set""\} ([0-9]+)\n").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
}
