using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence.Aof;

namespace Lodestone.Engine.Tests;

/// <summary>
/// INFO, SLOWLOG, CONFIG, LATENCY and MONITOR, checked against Redis 7.0's field names, reply shapes
/// and error texts. Durations are never asserted; a threshold of 0 logs every command.
/// </summary>
public sealed class DiagnosticCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new(new EngineOptions { SlowlogLogSlowerThan = -1 });

    public void Dispose() => _engine.Dispose();

    private async Task<Dictionary<string, string>> Info(params string[] sections)
    {
        var text = Encoding.UTF8.GetString((await _engine.Run(["INFO", .. sections])).AsBulk().Span);
        return text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);
    }

    private static string[] Texts(Reply reply) => ReplyAssert.Texts(reply).Select(text => text ?? "(nil)").ToArray();

    private async Task<string> InfoText(params string[] sections) =>
        Encoding.UTF8.GetString((await _engine.Run(["INFO", .. sections])).AsBulk().Span);

    // INFO

    [Fact]
    public async Task Info_without_arguments_has_the_default_sections_in_redis_order_and_no_commandstats()
    {
        var text = await InfoText();

        var headers = text.Split("\r\n").Where(line => line.StartsWith('#')).ToArray();
        Assert.Equal(["# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Replication", "# CPU", "# Errorstats", "# Keyspace"], headers);
        Assert.StartsWith("# Server\r\nredis_version:", text, StringComparison.Ordinal);
        Assert.Contains("\r\n\r\n# Clients\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_names_sections_in_any_case_and_everything_includes_commandstats()
    {
        var headers = (await InfoText("MEMORY", "replication")).Split("\r\n").Where(line => line.StartsWith('#'));
        Assert.Equal(["# Memory", "# Replication"], headers);
        Assert.Contains("# Commandstats", await InfoText("everything"), StringComparison.Ordinal);
        Assert.Contains("# Commandstats", await InfoText("all"), StringComparison.Ordinal);
        Assert.Equal("", await InfoText("nosuchsection"));
    }

    [Fact]
    public async Task Info_server_memory_replication_and_cpu_have_redis_field_names()
    {
        var info = await Info("server", "memory", "replication", "cpu", "clients");

        Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), info["process_id"]);
        Assert.Equal("0", info["uptime_in_seconds"]);
        Assert.Equal("10", info["hz"]);
        Assert.Matches("^[0-9a-f]{40}$", info["run_id"]);
        Assert.True(long.Parse(info["used_memory"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("0", info["maxmemory"]);
        Assert.Equal("noeviction", info["maxmemory_policy"]);
        Assert.Equal("master", info["role"]);
        Assert.Equal("0", info["connected_slaves"]);
        Assert.Matches("^[0-9a-f]{40}$", info["master_replid"]);
        Assert.NotEqual(info["run_id"], info["master_replid"]);
        Assert.Equal("-1", info["second_repl_offset"]);
        Assert.Matches(@"^\d+\.\d{6}$", info["used_cpu_sys"]);
        Assert.Matches(@"^\d+\.\d{6}$", info["used_cpu_user"]);
        Assert.Equal("0", info["blocked_clients"]);

        _engine.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal("90", (await Info("server"))["uptime_in_seconds"]);
    }

    [Fact]
    public async Task Master_repl_offset_is_the_committed_log_offset()
    {
        await _engine.Run("SET", "a", "1");
        await _engine.Run("SET", "b", "2");

        var info = await Info("replication");

        Assert.Equal(_engine.Executor.CommittedOffset.ToString(System.Globalization.CultureInfo.InvariantCulture), info["master_repl_offset"]);
        Assert.Equal(_engine.Log.Records.Sum(AofFormat.RecordSize).ToString(System.Globalization.CultureInfo.InvariantCulture), info["master_repl_offset"]);
    }

    [Fact]
    public async Task Commandstats_count_calls_and_failed_and_rejected_calls_as_redis_7()
    {
        await _engine.Run("SET", "s", "text");
        await _engine.Run("GET", "s");
        await _engine.Run("GET", "s");
        await _engine.Run("GET");
        await _engine.Run("INCR", "s");
        await _engine.Run("NOSUCHCOMMAND");

        var info = await Info("commandstats", "stats", "errorstats");

        Assert.Matches(@"^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0$", info["cmdstat_get"]);
        Assert.Matches(@"^calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1$", info["cmdstat_incr"]);
        Assert.StartsWith("calls=1,", info["cmdstat_set"], StringComparison.Ordinal);
        Assert.DoesNotContain("cmdstat_del", info.Keys);
        Assert.Equal("4", info["total_commands_processed"]);
        Assert.Equal("3", info["total_error_replies"]);
        Assert.Equal("count=3", info["errorstat_ERR"]);
    }

    [Fact]
    public async Task A_blocked_command_counts_as_one_call_when_it_is_served()
    {
        var pop = _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "BLPOP", "q", "0" }.Select(Encoding.UTF8.GetBytes)]));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_engine.Executor.BlockedCount == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "BLPOP did not block.");
            await Task.Delay(5);
        }
        Assert.DoesNotContain("cmdstat_blpop", (await Info("commandstats")).Keys);

        await _engine.Run("RPUSH", "q", "job");
        ReplyAssert.BulkArray((await pop).Reply, "q", "job");

        Assert.StartsWith("calls=1,", (await Info("commandstats"))["cmdstat_blpop"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keyspace_hits_and_misses_count_lookups_of_read_commands_only()
    {
        await _engine.Run("SET", "k", "v");
        await _engine.Run("GET", "k");
        await _engine.Run("GET", "missing");
        await _engine.Run("MGET", "k", "missing", "missing2");
        await _engine.Run("DEL", "missing");

        var info = await Info("stats");

        Assert.Equal("2", info["keyspace_hits"]);
        Assert.Equal("3", info["keyspace_misses"]);
    }

    [Fact]
    public async Task Expired_keys_and_the_keyspace_section_follow_the_data()
    {
        Assert.DoesNotContain("db0", (await Info("keyspace")).Keys);
        await _engine.Run("SET", "a", "1");
        await _engine.Run("SET", "b", "1", "PX", "100");
        await _engine.Run("SET", "c", "1", "PX", "10000");

        Assert.Equal("keys=3,expires=2,avg_ttl=", (await Info("keyspace"))["db0"][..25]);
        _engine.Advance(TimeSpan.FromMilliseconds(200));
        await _engine.Run("GET", "b");

        var info = await Info("keyspace", "stats");
        Assert.Equal("1", info["expired_keys"]);
        Assert.Equal("keys=2,expires=1,avg_ttl=9800", info["db0"]);
        Assert.Equal("0", info["evicted_keys"]);
    }

    [Fact]
    public async Task Config_resetstat_clears_the_counters_but_keeps_the_slow_log()
    {
        await _engine.Run("CONFIG", "SET", "slowlog-log-slower-than", "0");
        await _engine.Run("GET", "x");
        await _engine.Run("GET");

        ReplyAssert.Ok(await _engine.Run("CONFIG", "RESETSTAT"));

        var info = await Info("commandstats", "stats");
        Assert.DoesNotContain("cmdstat_get", info.Keys);
        Assert.Equal("0", info["keyspace_misses"]);
        Assert.Equal("0", info["total_error_replies"]);
        Assert.True((await _engine.Run("SLOWLOG", "LEN")).AsInteger() >= 2);
    }

    [Fact]
    public async Task Config_resetstat_starts_info_again_from_zero_but_the_totals_behind_metrics_go_on()
    {
        await _engine.Run("GET", "x");
        await _engine.Run("GET");

        ReplyAssert.Ok(await _engine.Run("CONFIG", "RESETSTAT"));
        await _engine.Run("GET", "x");

        var info = await Info("commandstats", "stats", "errorstats");
        var (get, rejected, misses) = await _engine.Executor.ReadDiagnosticsAsync(d =>
            (d.Stats.Total.Commands().Single(c => c.Name == "get"), d.Stats.Total.RejectedCalls, d.KeyspaceMisses));
        Assert.StartsWith("calls=1,", info["cmdstat_get"], StringComparison.Ordinal);
        Assert.Equal("1", info["keyspace_misses"]);
        Assert.Equal("0", info["total_rejected_calls"]);
        Assert.DoesNotContain("errorstat_ERR", info.Keys);
        Assert.Equal((2, 1), (get.Calls, get.RejectedCalls));
        Assert.Equal(1, rejected);
        Assert.Equal(2, misses);
    }

    [Theory]
    [InlineData("CONFIG GET hz", "config")]
    [InlineData("CONFIG SET hz 20", "config")]
    [InlineData("SLOWLOG GET", "slowlog")]
    [InlineData("LATENCY LATEST", "latency")]
    [InlineData("MONITOR", "monitor")]
    public async Task Only_admins_may_run_the_admin_commands_and_refusals_count_as_rejected(string command, string name)
    {
        var writer = new Security.AclUser("writer", Security.AclRole.Write);

        var refused = await _engine.Executor.ExecuteAsync(new CommandRequest(command.Split(' ').Select(Encoding.UTF8.GetBytes).ToArray()) { User = writer });

        ReplyAssert.Error(refused.Reply, $"NOPERM this user has no permissions to run the '{name}' command");
        Assert.Contains("rejected_calls=1", (await Info("commandstats"))["cmdstat_" + name], StringComparison.Ordinal);
    }

    // SLOWLOG

    [Fact]
    public async Task Slowlog_get_returns_the_newest_entries_in_redis_shape()
    {
        await _engine.Run("CONFIG", "SET", "slowlog-log-slower-than", "0");
        await _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "SET", "k", "v" }.Select(Encoding.UTF8.GetBytes)])
        {
            ClientAddress = "10.0.0.7:5100",
            ClientName = "ops",
        });

        var entries = (await _engine.Run("SLOWLOG", "GET", "1")).AsItems();

        var entry = Assert.Single(entries).AsItems();
        Assert.Equal(6, entry.Count);
        ReplyAssert.Integer(entry[0], 1);
        ReplyAssert.Integer(entry[1], TestEngine.StartMs / 1000);
        Assert.True(entry[2].AsInteger() >= 0);
        ReplyAssert.BulkArray(entry[3], "SET", "k", "v");
        ReplyAssert.Bulk(entry[4], "10.0.0.7:5100");
        ReplyAssert.Bulk(entry[5], "ops");
        Assert.Equal(3, (await _engine.Run("SLOWLOG", "GET")).AsItems().Count);
        Assert.Equal(4, (await _engine.Run("SLOWLOG", "GET", "-1")).AsItems().Count);
    }

    [Fact]
    public async Task Slowlog_shortens_long_arguments_and_long_argument_lists_as_redis_does()
    {
        await _engine.Run("CONFIG", "SET", "slowlog-log-slower-than", "0");
        var many = new[] { "DEL" }.Concat(Enumerable.Range(0, 40).Select(i => $"k{i}")).ToArray();
        await _engine.Run(many);
        await _engine.Run("ECHO", new string('x', 200));

        var entries = (await _engine.Run("SLOWLOG", "GET", "3")).AsItems();

        var echo = Texts(entries[0].AsItems()[3]);
        Assert.Equal(new string('x', 128) + "... (72 more bytes)", echo[1]);
        var del = Texts(entries[1].AsItems()[3]);
        Assert.Equal(32, del.Length);
        Assert.Equal("k29", del[30]);
        Assert.Equal("... (10 more arguments)", del[31]);
    }

    [Fact]
    public async Task Slowlog_keeps_max_len_entries_and_ids_keep_growing_after_reset()
    {
        await _engine.Run("CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "2");
        await _engine.Run("PING");
        await _engine.Run("PING");
        await _engine.Run("PING");

        ReplyAssert.Integer(await _engine.Run("SLOWLOG", "LEN"), 2);
        ReplyAssert.Ok(await _engine.Run("SLOWLOG", "RESET"));
        var entries = (await _engine.Run("SLOWLOG", "GET")).AsItems();
        var newest = Assert.Single(entries).AsItems();
        ReplyAssert.BulkArray(newest[3], "SLOWLOG", "RESET");
        ReplyAssert.Integer(newest[0], 5);
    }

    [Fact]
    public async Task A_negative_threshold_logs_nothing()
    {
        await _engine.Run("PING");

        ReplyAssert.Integer(await _engine.Run("SLOWLOG", "LEN"), 0);
    }

    [Theory]
    [InlineData("SLOWLOG GET -2", "ERR count should be greater than or equal to -1")]
    [InlineData("SLOWLOG GET abc", "ERR count should be greater than or equal to -1")]
    [InlineData("SLOWLOG GET 1 2", "ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.")]
    [InlineData("SLOWLOG LEN x", "ERR wrong number of arguments for 'slowlog|len' command")]
    [InlineData("SLOWLOG RESET x", "ERR wrong number of arguments for 'slowlog|reset' command")]
    [InlineData("SLOWLOG foo", "ERR unknown subcommand 'foo'. Try SLOWLOG HELP.")]
    [InlineData("SLOWLOG", "ERR wrong number of arguments for 'slowlog' command")]
    [InlineData("CONFIG foo", "ERR unknown subcommand 'foo'. Try CONFIG HELP.")]
    [InlineData("CONFIG GET", "ERR wrong number of arguments for 'config|get' command")]
    [InlineData("CONFIG SET slowlog-max-len", "ERR wrong number of arguments for 'config|set' command")]
    [InlineData("CONFIG SET hz 10 hz", "ERR wrong number of arguments for 'config|set' command")]
    [InlineData("CONFIG RESETSTAT x", "ERR wrong number of arguments for 'config|resetstat' command")]
    [InlineData("CONFIG SET nosuch 1", "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")]
    [InlineData("CONFIG SET slowlog-max-len abc", "ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - argument couldn't be parsed into an integer")]
    [InlineData("CONFIG SET slowlog-max-len -1", "ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - argument must be between 0 and 9223372036854775807 inclusive")]
    [InlineData("CONFIG SET slowlog-log-slower-than -5", "ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - argument must be between -1 and 9223372036854775807 inclusive")]
    [InlineData("CONFIG SET latency-monitor-threshold -1", "ERR CONFIG SET failed (possibly related to argument 'latency-monitor-threshold') - argument must be between 0 and 9223372036854775807 inclusive")]
    [InlineData("CONFIG SET appendfsync always", "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - can't set immutable config")]
    [InlineData("CONFIG SET hz 10 hz 11", "ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter")]
    [InlineData("LATENCY foo", "ERR unknown subcommand 'foo'. Try LATENCY HELP.")]
    [InlineData("LATENCY HISTORY", "ERR wrong number of arguments for 'latency|history' command")]
    [InlineData("LATENCY LATEST x", "ERR wrong number of arguments for 'latency|latest' command")]
    [InlineData("LATENCY DOCTOR x", "ERR wrong number of arguments for 'latency|doctor' command")]
    [InlineData("MONITOR x", "ERR wrong number of arguments for 'monitor' command")]
    public async Task Bad_arguments_get_redis_error_texts(string command, string error)
    {
        ReplyAssert.Error(await _engine.Run(command.Split(' ')), error);
    }

    [Fact]
    public async Task Slowlog_and_config_help_list_their_subcommands()
    {
        var slowlog = Texts(await _engine.Run("SLOWLOG", "HELP"));
        var config = Texts(await _engine.Run("CONFIG", "HELP"));
        var latency = Texts(await _engine.Run("LATENCY", "HELP"));

        Assert.StartsWith("SLOWLOG <subcommand>", slowlog[0], StringComparison.Ordinal);
        Assert.Contains("RESETSTAT", config);
        Assert.Contains("DOCTOR", latency);
    }

    // CONFIG

    [Fact]
    public async Task Config_get_matches_glob_patterns_and_answers_a_map()
    {
        var reply = await _engine.Run("CONFIG", "GET", "slowlog*", "HZ");

        Assert.Equal(ReplyKind.Map, reply.Kind);
        Assert.Equal(["slowlog-log-slower-than", "-1", "slowlog-max-len", "128", "hz", "10"], Texts(reply));
        Assert.Empty((await _engine.Run("CONFIG", "GET", "nosuch*")).AsItems());
        Assert.Contains("appendfsync", Texts(await _engine.Run("CONFIG", "GET", "*")));
    }

    [Fact]
    public async Task Config_set_applies_every_pair_or_none()
    {
        ReplyAssert.Error(await _engine.Run("CONFIG", "SET", "slowlog-max-len", "7", "latency-monitor-threshold", "x"), ErrorKind.BadRequest);
        Assert.Equal(["slowlog-max-len", "128"], Texts(await _engine.Run("CONFIG", "GET", "slowlog-max-len")));

        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "SLOWLOG-MAX-LEN", "7", "latency-monitor-threshold", "25"));

        Assert.Equal(["slowlog-max-len", "7", "latency-monitor-threshold", "25"],
            Texts(await _engine.Run("CONFIG", "GET", "slowlog-max-len", "latency-monitor-threshold")));
    }

    [Fact]
    public async Task Config_set_changes_the_memory_limit_with_redis_units_and_the_policy()
    {
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "maxmemory", "100mb", "maxmemory-policy", "ALLKEYS-LRU", "maxmemory-samples", "10"));

        Assert.Equal(["maxmemory", "104857600", "maxmemory-policy", "allkeys-lru", "maxmemory-samples", "10"],
            Texts(await _engine.Run("CONFIG", "GET", "maxmemory", "maxmemory-policy", "maxmemory-samples")));
        Assert.Equal("104857600", (await Info("memory"))["maxmemory"]);
        Assert.Equal(MaxMemoryPolicy.AllKeysLru, _engine.Executor.Settings.MaxMemoryPolicy);
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "maxmemory", "1gb"));
        Assert.Equal(1L << 30, _engine.Executor.Settings.MaxMemoryBytes);
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "maxmemory", "500k"));
        Assert.Equal(500_000, _engine.Executor.Settings.MaxMemoryBytes);
        ReplyAssert.Error(await _engine.Run("CONFIG", "SET", "maxmemory", "lots"),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
        ReplyAssert.Error(await _engine.Run("CONFIG", "SET", "maxmemory-policy", "lru"), ErrorKind.BadRequest);
        Assert.Equal(500_000, _engine.Executor.Settings.MaxMemoryBytes);
    }

    [Fact]
    public async Task Config_set_hz_is_clamped_to_what_redis_allows()
    {
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "hz", "1000"));
        Assert.Equal(["hz", "500"], Texts(await _engine.Run("CONFIG", "GET", "hz")));
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "hz", "0"));
        Assert.Equal("1", (await Info("server"))["hz"]);
    }

    [Fact]
    public async Task Config_set_hz_changes_the_engine_not_the_options_it_was_built_with()
    {
        var options = new EngineOptions { Hz = 10 };
        using var engine = new TestEngine(options);

        ReplyAssert.Ok(await engine.Run("CONFIG", "SET", "hz", "50"));

        Assert.Equal(["hz", "50"], Texts(await engine.Run("CONFIG", "GET", "hz")));
        Assert.Equal(50, engine.Executor.Settings.Hz);
        Assert.Equal(10, options.Hz);
    }

    // LATENCY

    [Fact]
    public async Task Latency_is_off_by_default_and_the_doctor_says_so()
    {
        Assert.Empty((await _engine.Run("LATENCY", "LATEST")).AsItems());
        Assert.Empty((await _engine.Run("LATENCY", "HISTORY", "command")).AsItems());
        ReplyAssert.Integer(await _engine.Run("LATENCY", "RESET"), 0);
        var doctor = Encoding.UTF8.GetString((await _engine.Run("LATENCY", "DOCTOR")).AsBulk().Span);
        Assert.Contains("disabled", doctor, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Latency_events_merge_samples_within_a_second_and_report_latest_and_max()
    {
        // A threshold no real command reaches in a test, so only these samples count.
        await _engine.Run("CONFIG", "SET", "latency-monitor-threshold", "1000");
        await _engine.Executor.ReadDiagnosticsAsync(d =>
        {
            d.Latency.AddIfNeeded("command", 300, 100);
            d.Latency.AddIfNeeded("command", 4000, 100);
            d.Latency.AddIfNeeded("command", 1000, 100);
            d.Latency.AddIfNeeded("command", 1500, 102);
            d.Latency.AddIfNeeded("aof-write", 1200, 101);
            return 0;
        });

        var latest = (await _engine.Run("LATENCY", "LATEST")).AsItems();
        Assert.Equal(2, latest.Count);
        Assert.Equal("aof-write 101 1200 1200", Describe(latest[0]));
        Assert.Equal("command 102 1500 4000", Describe(latest[1]));
        var history = (await _engine.Run("LATENCY", "HISTORY", "command")).AsItems();
        Assert.Equal(["100 4000", "102 1500"], history.Select(Describe));
        var doctor = Encoding.UTF8.GetString((await _engine.Run("LATENCY", "DOCTOR")).AsBulk().Span);
        Assert.Contains("command: 2 latency spikes", doctor, StringComparison.Ordinal);
        Assert.Contains("Worst all time event 4000 ms", doctor, StringComparison.Ordinal);

        ReplyAssert.Integer(await _engine.Run("LATENCY", "RESET", "command", "nosuch"), 1);
        Assert.Single((await _engine.Run("LATENCY", "LATEST")).AsItems());
    }

    private static string Describe(Reply reply) =>
        string.Join(' ', reply.AsItems().Select(item => item.Kind == ReplyKind.Integer
            ? item.AsInteger().ToString(System.Globalization.CultureInfo.InvariantCulture)
            : Encoding.UTF8.GetString(item.AsBulk().Span)));

    // MONITOR

    [Fact]
    public async Task Monitor_on_the_command_endpoint_points_at_the_event_stream()
    {
        var reply = await _engine.Run("MONITOR");

        ReplyAssert.Error(reply, ErrorKind.BadRequest);
        Assert.Contains("GET /admin/monitor", reply.AsError().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Monitor_subscribers_get_executed_commands_matching_their_filters_but_no_admin_commands()
    {
        using var all = _engine.Executor.Diagnostics.Monitor.Subscribe();
        using var sets = _engine.Executor.Diagnostics.Monitor.Subscribe("set", "user:*"u8.ToArray());

        await _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "SET", "user:1", "a" }.Select(Encoding.UTF8.GetBytes)]) { ClientAddress = "1.2.3.4:5" });
        await _engine.Run("SET", "other", "b");
        await _engine.Run("GET", "user:1");
        await _engine.Run("CONFIG", "GET", "hz");
        await _engine.Run("NOSUCH");

        Assert.Equal(["set user:1 a", "set other b", "get user:1"], Drain(all).Select(Show));
        var only = Assert.Single(Drain(sets));
        Assert.Equal("set user:1 a", Show(only));
        Assert.Equal("1.2.3.4:5", only.Client);
        Assert.Equal(TestEngine.StartMs / 1000.0, only.Time);
    }

    [Fact]
    public async Task A_monitor_that_falls_behind_is_dropped_and_its_stream_ends()
    {
        var hub = _engine.Executor.Diagnostics.Monitor;
        using var slow = hub.Subscribe(capacity: 2);

        for (var i = 0; i < 5; i++)
            await _engine.Run("PING");

        Assert.True(slow.Overflowed);
        Assert.Equal(0, hub.Count);
        Assert.Equal(2, Drain(slow).Count);
        Assert.True(slow.Events.Completion.IsCompleted);
    }

    [Fact]
    public async Task Leaving_the_monitor_stops_its_events()
    {
        var hub = _engine.Executor.Diagnostics.Monitor;
        var subscription = hub.Subscribe();
        subscription.Dispose();

        await _engine.Run("PING");

        Assert.False(hub.HasSubscribers);
        Assert.Empty(Drain(subscription));
    }

    private static List<Diagnostics.MonitorEvent> Drain(Diagnostics.MonitorSubscription subscription)
    {
        var events = new List<Diagnostics.MonitorEvent>();
        while (subscription.Events.TryRead(out var shown))
            events.Add(shown);
        return events;
    }

    private static string Show(Diagnostics.MonitorEvent shown) =>
        string.Join(' ', [shown.Command, .. shown.Args.Select(a => Encoding.UTF8.GetString(a))]);
}
