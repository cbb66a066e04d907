using System.Text;
using Lodestone.Engine.Effects;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>
/// What the executor does for every command, once: the generic checks, key observation and
/// conditions, atomic batches, effects before replies, shutdown, and the command table itself.
/// </summary>
public sealed class ExecutorTests : IDisposable
{
    private static readonly byte[] Key = "k"u8.ToArray();

    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private static byte[][] Args(params string[] args) => args.Select(Encoding.UTF8.GetBytes).ToArray();

    private Task<CommandResult> Observe(KeyCondition? condition, params string[] args) =>
        _engine.Executor.ExecuteAsync(new CommandRequest(Args(args), Key, condition));

    private static FakeTimeProvider StoppedClock() => new(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));

    // The generic checks

    [Theory]
    [InlineData("foo a b", "ERR unknown command 'foo', with args beginning with: 'a' 'b' ")]
    [InlineData("foo", "ERR unknown command 'foo', with args beginning with: ")]
    [InlineData("foo a b c d e f g h i j k", "ERR unknown command 'foo', with args beginning with: 'a' 'b' 'c' 'd' 'e' 'f' 'g' 'h' 'i' 'j' 'k' ")]
    public async Task An_unknown_command_is_refused_with_redis_text(string command, string error)
    {
        var reply = await _engine.Run(command.Split(' '));

        ReplyAssert.Error(reply, error);
        ReplyAssert.Error(reply, ErrorKind.UnknownCommand);
    }

    [Fact]
    public async Task The_unknown_command_text_shows_arguments_up_to_128_bytes_as_redis_does()
    {
        var name = new string('F', 200);
        var xs = new string('x', 100);
        var ys = new string('y', 100);

        ReplyAssert.Error(await _engine.Run(name, "a"), $"ERR unknown command '{name[..128]}', with args beginning with: 'a' ");
        ReplyAssert.Error(await _engine.Run("foo", new string('x', 200)), $"ERR unknown command 'foo', with args beginning with: '{new string('x', 128)}' ");
        ReplyAssert.Error(await _engine.Run("foo", xs, ys, "z"), $"ERR unknown command 'foo', with args beginning with: '{xs}' '{ys[..25]}' ");
        ReplyAssert.Error(await _engine.Run("foo", "a\r\nb"), "ERR unknown command 'foo', with args beginning with: 'a  b' ");
        ReplyAssert.Error(await _engine.Run(""), "ERR unknown command '', with args beginning with: ");
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("get a b")]
    [InlineData("gEt a b c")]
    public async Task A_wrong_number_of_arguments_is_refused_before_the_handler_runs(string command)
    {
        var reply = await _engine.Run(command.Split(' '));

        ReplyAssert.Error(reply, "ERR wrong number of arguments for 'get' command");
        ReplyAssert.Error(reply, ErrorKind.WrongArity);
    }

    [Fact]
    public async Task An_empty_command_is_refused()
    {
        ReplyAssert.Error(await _engine.RunBytes(), "ERR empty command");
    }

    [Fact]
    public async Task An_argument_over_proto_max_bulk_len_is_refused_and_nothing_is_stored()
    {
        using var engine = new TestEngine(new EngineOptions { ProtoMaxBulkLen = 8 });

        var tooLong = await engine.Run("SET", "k", "123456789");
        ReplyAssert.Error(tooLong, "ERR argument exceeds maximum allowed size (proto-max-bulk-len)");
        ReplyAssert.Error(tooLong, ErrorKind.TooLarge);
        ReplyAssert.Error(await engine.Run("SET", "123456789", "v"), ErrorKind.TooLarge);
        ReplyAssert.Integer(await engine.Run("DBSIZE"), 0);
        Assert.Empty(engine.Log.Effects);

        ReplyAssert.Ok(await engine.Run("SET", "k", "12345678"));
        ReplyAssert.Bulk(await engine.Run("GET", "k"), "12345678");
    }

    // Key observation: Before and After

    [Fact]
    public async Task A_request_with_a_key_reports_its_state_before_and_after_each_command()
    {
        var set = await Observe(null, "SET", "k", "v");
        Assert.Equal(KeyState.Missing, set.Before);
        Assert.Equal(RedisType.String, set.After.Type);
        Assert.Equal(-1, set.After.ExpireAtMs);

        var expire = await Observe(null, "EXPIRE", "k", "10");
        Assert.Equal(set.After, expire.Before);
        Assert.Equal(new KeyState(RedisType.String, expire.After.Version, TestEngine.StartMs + 10_000), expire.After);
        Assert.True(expire.After.Version > set.After.Version);

        var get = await Observe(null, "GET", "k");
        ReplyAssert.Bulk(get.Reply, "v");
        Assert.Equal(expire.After, get.Before);
        Assert.Equal(expire.After, get.After);

        var append = await Observe(null, "APPEND", "k", "w");
        Assert.Equal(TestEngine.StartMs + 10_000, append.After.ExpireAtMs);
        Assert.True(append.After.Version > expire.After.Version);

        var persist = await Observe(null, "PERSIST", "k");
        Assert.Equal(-1, persist.After.ExpireAtMs);
        Assert.True(persist.After.Version > append.After.Version);

        var setNx = await Observe(null, "SET", "k", "other", "NX");
        ReplyAssert.Null(setNx.Reply);
        Assert.Equal(persist.After, setNx.After);

        var del = await Observe(null, "DEL", "k");
        Assert.Equal(persist.After, del.Before);
        Assert.Equal(KeyState.Missing, del.After);
    }

    [Fact]
    public async Task Every_write_bumps_the_version_and_versions_never_repeat_even_after_delete_and_recreate()
    {
        var versions = new List<long>();
        async Task Write(params string[] args)
        {
            var result = await Observe(null, args);
            Assert.False(result.Reply.IsError, result.Reply.ToString());
            if (result.After.Exists)
                versions.Add(result.After.Version);
        }

        await Write("SET", "k", "1");
        await Write("INCR", "k");
        await Write("SET", "k", "2");
        await Write("DEL", "k");
        await Write("SET", "k", "1");
        await Write("RENAME", "k", "other");
        await Write("SET", "k", "1");
        await Write("FLUSHALL");
        await Write("SET", "k", "1");
        await Write("PEXPIRE", "k", "10");
        _engine.Advance(TimeSpan.FromMilliseconds(11));
        await Write("SET", "k", "1");

        Assert.Equal(8, versions.Count);
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
    }

    [Fact]
    public async Task A_request_without_a_key_reports_no_state()
    {
        var result = await _engine.Executor.ExecuteAsync(new CommandRequest(Args("SET", "k", "v")));

        ReplyAssert.Ok(result.Reply);
        Assert.Equal(default, result.Before);
        Assert.Equal(default, result.After);
        Assert.False(result.After.Exists);
        Assert.False(result.After.HasExpiry);
    }

    // Conditions

    [Fact]
    public void A_condition_needs_a_key()
    {
        var thrown = Assert.Throws<ArgumentException>(() => new CommandRequest(Args("GET", "k"), null, KeyCondition.Exists));

        Assert.Equal("condition", thrown.ParamName);
    }

    [Fact]
    public async Task A_failed_condition_is_refused_and_changes_nothing()
    {
        var missing = await Observe(KeyCondition.Exists, "SET", "k", "v");
        ReplyAssert.Error(missing.Reply, "PRECONDITION the key does not match the request's precondition");
        ReplyAssert.Error(missing.Reply, ErrorKind.PreconditionFailed);
        Assert.Equal(KeyState.Missing, missing.Before);
        Assert.Equal(KeyState.Missing, missing.After);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "k"), 0);

        var created = await Observe(KeyCondition.NotExists, "SET", "k", "v");
        ReplyAssert.Ok(created.Reply);

        var exists = await Observe(KeyCondition.NotExists, "SET", "k", "w");
        ReplyAssert.Error(exists.Reply, ErrorKind.PreconditionFailed);
        Assert.Equal(created.After, exists.Before);
        Assert.Equal(created.After, exists.After);
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "v");

        Assert.Equal(["SET k v"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Version_conditions_compare_with_the_current_version()
    {
        var first = (await Observe(null, "SET", "k", "1")).After.Version;
        var second = (await Observe(KeyCondition.VersionIs(first), "SET", "k", "2")).After.Version;
        Assert.True(second > first);

        ReplyAssert.Error((await Observe(KeyCondition.VersionIs(first), "SET", "k", "stale")).Reply, ErrorKind.PreconditionFailed);
        ReplyAssert.Error((await Observe(KeyCondition.VersionIsNot(second), "SET", "k", "same")).Reply, ErrorKind.PreconditionFailed);
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "2");

        var third = await Observe(KeyCondition.VersionIsNot(first), "SET", "k", "3");
        ReplyAssert.Ok(third.Reply);
        Assert.Equal(second, third.Before.Version);
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "3");
    }

    [Fact]
    public async Task Version_conditions_on_a_missing_key()
    {
        ReplyAssert.Error((await Observe(KeyCondition.VersionIs(0), "SET", "k", "v")).Reply, ErrorKind.PreconditionFailed);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "k"), 0);

        ReplyAssert.Ok((await Observe(KeyCondition.VersionIsNot(0), "SET", "k", "v")).Reply);
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "v");
    }

    [Fact]
    public async Task A_key_past_its_expiry_counts_as_missing_for_conditions()
    {
        await _engine.Run("SET", "k", "old");
        await _engine.Run("PEXPIRE", "k", "10");
        _engine.Advance(TimeSpan.FromMilliseconds(11));

        var result = await Observe(KeyCondition.NotExists, "SET", "k", "new");

        ReplyAssert.Ok(result.Reply);
        Assert.Equal(KeyState.Missing, result.Before);
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "new");
    }

    // Batches: atomic, and pipelined

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_batch_atomic_or_pipelined_runs_every_request_in_order_and_reports_each(bool atomic)
    {
        CommandRequest[] requests =
        [
            new CommandRequest(Args("SET", "k", "1"), Key),
            new CommandRequest(Args("INCR", "nokey", "extra")),
            new CommandRequest(Args("INCR", "k"), Key),
            new CommandRequest(Args("GET", "k"), Key, KeyCondition.NotExists),
            new CommandRequest(Args("GET", "k"), Key),
        ];
        var results = atomic ? await _engine.Executor.ExecuteAtomicAsync(requests) : await _engine.Executor.ExecuteBatchAsync(requests);

        Assert.Equal(5, results.Length);
        ReplyAssert.Ok(results[0].Reply);
        ReplyAssert.Error(results[1].Reply, "ERR wrong number of arguments for 'incr' command");
        ReplyAssert.Integer(results[2].Reply, 2);
        Assert.Equal(results[0].After, results[2].Before);
        ReplyAssert.Error(results[3].Reply, ErrorKind.PreconditionFailed);
        ReplyAssert.Bulk(results[4].Reply, "2");
        Assert.Equal(results[2].After, results[4].After);
    }

    [Fact]
    public async Task An_atomic_batch_sees_one_instant_so_no_key_expires_in_its_middle()
    {
        await _engine.Run("SET", "k", "v");
        await _engine.Run("PEXPIREAT", "k", (TestEngine.StartMs + 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
        // From now on every reading of the clock moves it 1 ms on.
        _engine.Time.AutoAdvanceAmount = TimeSpan.FromMilliseconds(1);

        var results = await _engine.Executor.ExecuteAtomicAsync(
            Enumerable.Range(0, 5).Select(_ => new CommandRequest(Args("EXISTS", "k"))).ToArray());

        Assert.All(results, result => ReplyAssert.Integer(result.Reply, 1));
    }

    [Fact]
    public async Task No_other_command_runs_between_the_requests_of_an_atomic_batch()
    {
        await _engine.Run("SET", "n", "0");
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var count = 0;
            while (!stop.IsCancellationRequested)
            {
                await _engine.Run("INCR", "n");
                count++;
            }
            return count;
        })).ToArray();

        var batches = await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => Task.Run(() =>
            _engine.Executor.ExecuteAtomicAsync(
            [
                new CommandRequest(Args("GET", "n")),
                new CommandRequest(Args("INCR", "n")),
                new CommandRequest(Args("GET", "n")),
            ]))));
        await stop.CancelAsync();
        var written = (await Task.WhenAll(writers)).Sum();

        foreach (var batch in batches)
        {
            var before = long.Parse(Encoding.UTF8.GetString(batch[0].Reply.AsBulk().Span), System.Globalization.CultureInfo.InvariantCulture);
            ReplyAssert.Integer(batch[1].Reply, before + 1);
            ReplyAssert.Bulk(batch[2].Reply, (before + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        ReplyAssert.Bulk(await _engine.Run("GET", "n"), (written + 500).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Concurrent_increments_are_never_lost()
    {
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
                await _engine.Run("INCR", "counter");
        })));

        ReplyAssert.Bulk(await _engine.Run("GET", "counter"), "32000");
        Assert.Equal(32_000, _engine.Log.Effects.Count);
    }

    // Effects and sinks

    [Fact]
    public async Task Effects_reach_the_sink_before_the_callers_task_completes()
    {
        var sink = new GateSink();
        using var executor = new Executor(new EngineOptions(), StoppedClock(), [sink]);

        var pending = executor.ExecuteAsync(Args("SET", "k", "v"));

        Assert.True(sink.Committing.Wait(TimeSpan.FromSeconds(10)), "The sink was never called.");
        Assert.Equal(["SET k v"], sink.Effects);
        Assert.False(pending.IsCompleted, "The reply completed before its effect was committed.");
        sink.Release.Set();
        ReplyAssert.Ok(await pending);
    }

    [Fact]
    public async Task Commands_that_change_nothing_do_not_call_the_sink()
    {
        var sink = new GateSink();
        sink.Release.Set();
        using var executor = new Executor(new EngineOptions(), StoppedClock(), [sink]);

        ReplyAssert.Null(await executor.ExecuteAsync(Args("GET", "k")));
        ReplyAssert.Integer(await executor.ExecuteAsync(Args("DEL", "k")), 0);
        ReplyAssert.Error(await executor.ExecuteAsync(Args("SET", "k")), ErrorKind.WrongArity);

        Assert.False(sink.Committing.IsSet);
    }

    [Fact]
    public async Task A_sink_that_fails_with_an_io_error_fails_the_writers_of_the_batch_with_misconf()
    {
        var sink = new ThrowingSink();
        using var executor = new Executor(new EngineOptions(), StoppedClock(), [sink]);

        sink.Failing = true;
        var failed = await executor.ExecuteAsync(new CommandRequest(Args("SET", "k", "v"), Key));

        ReplyAssert.Error(failed.Reply, "MISCONF Errors writing to the AOF file: No space left on device");
        ReplyAssert.Error(failed.Reply, ErrorKind.DiskFull);
        // This sink holds nothing to reload from (it cannot Discard), so the write stays in memory; the
        // append-only log rolls a refused batch back (FaultInjectionTests).
        ReplyAssert.Bulk(await executor.ExecuteAsync(Args("GET", "k")), "v");
    }

    [Fact]
    public async Task A_sink_failure_fails_the_writers_of_an_atomic_batch()
    {
        var sink = new ThrowingSink { Failing = true };
        using var executor = new Executor(new EngineOptions(), StoppedClock(), [sink]);

        var results = await executor.ExecuteAtomicAsync([new CommandRequest(Args("SET", "a", "1")), new CommandRequest(Args("GET", "a"))]);

        Assert.All(results, result => ReplyAssert.Error(result.Reply, ErrorKind.DiskFull));
    }

    // Pipelines (batches that are not atomic)

    [Fact]
    public async Task A_batch_serves_a_blocked_client_before_its_next_command_as_a_redis_pipeline_does()
    {
        var waiting = _engine.Executor.ExecuteAsync(new CommandRequest(Args("BLPOP", "q", "0")));
        await WaitUntil(() => _engine.Executor.BlockedCount == 1);

        var results = await _engine.Executor.ExecuteBatchAsync(
            [new CommandRequest(Args("RPUSH", "q", "a")), new CommandRequest(Args("LLEN", "q"))]);

        ReplyAssert.Integer(results[0].Reply, 1);
        // The waiter took the element between the two commands.
        ReplyAssert.Integer(results[1].Reply, 0);
        ReplyAssert.BulkArray((await waiting).Reply, "q", "a");
    }

    [Fact]
    public async Task A_blocking_command_in_a_batch_parks_only_itself()
    {
        var batch = _engine.Executor.ExecuteBatchAsync(
            [new CommandRequest(Args("SET", "before", "1")), new CommandRequest(Args("BLPOP", "q", "0")), new CommandRequest(Args("SET", "after", "1"))]);
        await WaitUntil(() => _engine.Executor.BlockedCount == 1);

        // The command after the blocked one has run; the batch answers when the pop does.
        ReplyAssert.Integer(await _engine.Run("EXISTS", "before", "after"), 2);
        Assert.False(batch.IsCompleted);
        await _engine.Run("RPUSH", "q", "x");
        var results = await batch;
        ReplyAssert.BulkArray(results[1].Reply, "q", "x");
    }

    [Fact]
    public async Task A_sink_failure_fails_a_batch_from_its_first_write_on_and_the_commands_before_keep_their_answers()
    {
        var sink = new ThrowingSink { Failing = true };
        using var executor = new Executor(new EngineOptions(), StoppedClock(), [sink]);

        var results = await executor.ExecuteBatchAsync(
            [new CommandRequest(Args("GET", "a")), new CommandRequest(Args("DEL", "none")), new CommandRequest(Args("SET", "a", "1")), new CommandRequest(Args("GET", "a"))]);

        ReplyAssert.Null(results[0].Reply);
        // A write that changed nothing has nothing to make durable.
        ReplyAssert.Integer(results[1].Reply, 0);
        ReplyAssert.Error(results[2].Reply, ErrorKind.DiskFull);
        // It saw the refused write, which a log that can roll back undoes (FaultInjectionTests).
        ReplyAssert.Error(results[3].Reply, ErrorKind.DiskFull);
    }

    [Fact]
    public async Task A_batch_queued_after_shutdown_fails_every_command()
    {
        var executor = new Executor(new EngineOptions(), StoppedClock());
        executor.Dispose();

        var results = await executor.ExecuteBatchAsync([new CommandRequest(Args("SET", "a", "1")), new CommandRequest(Args("GET", "a"))]);

        Assert.All(results, result => ReplyAssert.Error(result.Reply, ErrorKind.Unavailable));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 10 s.");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task While_a_sink_reports_a_failure_writes_are_refused_reads_go_on_and_recovery_resumes_writes()
    {
        var sink = new ThrowingSink();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));
        using var executor = new Executor(new EngineOptions(), clock, [sink]);
        ReplyAssert.Ok(await executor.ExecuteAsync(Args("SET", "k", "v")));

        sink.Failing = true;
        ReplyAssert.Error(await executor.ExecuteAsync(Args("SET", "k", "w")), ErrorKind.DiskFull);
        ReplyAssert.Error(await executor.ExecuteAsync(Args("INCR", "n")), "MISCONF Errors writing to the AOF file: No space left on device");
        Assert.Equal(0, sink.CommitsWhileFailing - 1);
        ReplyAssert.Bulk(await executor.ExecuteAsync(Args("GET", "k")), "w");

        sink.Failing = false;
        clock.Advance(TimeSpan.FromMilliseconds(100));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await executor.ExecuteAsync(Args("INCR", "n"))).IsError)
        {
            Assert.True(DateTime.UtcNow < deadline, "Writes did not resume after the sink recovered.");
            clock.Advance(TimeSpan.FromMilliseconds(100));
        }
        ReplyAssert.Bulk(await executor.ExecuteAsync(Args("GET", "n")), "1");
    }

    // Shutdown

    [Fact]
    public async Task After_dispose_commands_fail_as_unavailable()
    {
        var executor = new Executor(new EngineOptions(), StoppedClock());
        ReplyAssert.Ok(await executor.ExecuteAsync(Args("SET", "k", "v")));

        executor.Dispose();
        executor.Dispose();

        var reply = await executor.ExecuteAsync(Args("GET", "k"));
        ReplyAssert.Error(reply, "SHUTDOWN the engine is stopping");
        ReplyAssert.Error(reply, ErrorKind.Unavailable);
        var batch = await executor.ExecuteAtomicAsync([new CommandRequest(Args("GET", "k")), new CommandRequest(Args("PING"))]);
        Assert.All(batch, result => ReplyAssert.Error(result.Reply, ErrorKind.Unavailable));
    }

    // The race this guards (a caller pausing between its stopping check and its enqueue while
    // Dispose drains the queue) is too narrow to force; this drives shutdown under load many times.
    [Fact]
    public async Task Every_command_sent_while_the_engine_stops_gets_an_answer()
    {
        for (var round = 0; round < 50; round++)
        {
            var executor = new Executor(new EngineOptions(), StoppedClock());
            using var started = new CountdownEvent(8);
            var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                started.Signal();
                while (true)
                {
                    var reply = await executor.ExecuteAsync(Args("INCR", "n"));
                    if (reply.IsError)
                        return reply.AsError().Kind;
                }
            })).ToArray();
            started.Wait();

            await executor.DisposeAsync();

            var kinds = await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.All(kinds, kind => Assert.Equal(ErrorKind.Unavailable, kind));
        }
    }

    // The command table

    public static TheoryData<string> FoundationCommands() =>
    [
        "SET", "GET", "GETSET", "GETDEL", "GETEX", "SETNX", "SETEX", "PSETEX", "MSET", "MSETNX", "MGET", "INCR", "DECR",
        "INCRBY", "DECRBY", "INCRBYFLOAT", "APPEND", "STRLEN", "GETRANGE", "SETRANGE", "SUBSTR",
        "DEL", "UNLINK", "EXISTS", "TYPE", "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "TTL", "PTTL", "EXPIRETIME",
        "PEXPIRETIME", "PERSIST", "RENAME", "RENAMENX", "COPY", "TOUCH", "KEYS", "SCAN", "RANDOMKEY", "DBSIZE", "FLUSHDB", "FLUSHALL",
        "PING", "ECHO", "TIME", "COMMAND",
    ];

    [Theory]
    [MemberData(nameof(FoundationCommands))]
    public void The_table_declares_each_foundation_command_with_syntax_summary_and_complexity(string name)
    {
        var spec = _engine.Executor.Commands.Find(name);

        Assert.NotNull(spec);
        Assert.Equal(name, spec.Name);
        Assert.Same(spec, _engine.Executor.Commands.Find(Encoding.ASCII.GetBytes(name.ToLowerInvariant())));
        Assert.True(spec.Syntax == name || spec.Syntax.StartsWith(name + " ", StringComparison.Ordinal), spec.Syntax);
        Assert.EndsWith(".", spec.Summary, StringComparison.Ordinal);
        Assert.StartsWith("O(", spec.Complexity, StringComparison.Ordinal);
        Assert.NotEqual(0, spec.Arity);
    }

    [Fact]
    public void The_table_finds_commands_in_any_case_and_nothing_else()
    {
        var table = _engine.Executor.Commands;

        Assert.Equal("GET key", table.Find("gEt")!.Syntax);
        Assert.Null(table.Find("nosuch"));
        Assert.Null(table.Find(""u8));
        Assert.Null(table.Find([0xC3, 0xA9]));
        Assert.Throws<KeyNotFoundException>(() => table["nosuch"]);
    }

    /// <summary>Holds each commit until the test releases it, so a test can look at the caller's task meanwhile.</summary>
    private sealed class GateSink : IEffectSink
    {
        private readonly List<string> _effects = [];

        public ManualResetEventSlim Committing { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public IReadOnlyList<string> Effects
        {
            get
            {
                lock (_effects)
                    return [.. _effects];
            }
        }

        public void Commit(EffectBatch batch, bool sync)
        {
            lock (_effects)
                _effects.AddRange(batch.Effects.Select(effect => string.Join(' ', effect.Args.Select(a => Encoding.UTF8.GetString(a)))));
            Committing.Set();
            Release.Wait(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>A sink whose disk is full while <see cref="Failing"/>; it reports the failure until a retry succeeds.</summary>
    private sealed class ThrowingSink : IEffectSink
    {
        private volatile bool _failed;

        public volatile bool Failing;

        public int CommitsWhileFailing { get; private set; }

        public EngineError? Failure => _failed ? new EngineError(ErrorKind.DiskFull, "MISCONF Errors writing to the AOF file: No space left on device") : null;

        public void Commit(EffectBatch batch, bool sync)
        {
            if (!Failing)
            {
                _failed = false;
                return;
            }
            CommitsWhileFailing++;
            _failed = true;
            throw new IOException("No space left on device");
        }

        public bool TryRecover()
        {
            _failed = Failing;
            return !_failed;
        }
    }
}
