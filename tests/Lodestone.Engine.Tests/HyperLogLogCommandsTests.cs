using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Lodestone.Engine.Persistence.Aof;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>
/// HyperLogLogs beyond what the Redis 7.0 table covers (RedisTablesTests): Redis's literal bytes,
/// promotion, the cache, refusals that change nothing, and the bytes surviving the log and a snapshot.
/// </summary>
public sealed class HyperLogLogCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private Task<Reply> Run(params string[] args) => _engine.Run(args);

    private async Task<byte[]> Get(string key) => (await Run("GET", key)).AsBulk().ToArray();

    /// <summary>Bytes written as redis-cli prints them (\x.. escapes), Latin-1 otherwise.</summary>
    private static byte[] Redis(string text) => Encoding.Latin1.GetBytes(System.Text.RegularExpressions.Regex.Unescape(text));

    [Fact]
    public async Task Pfadd_of_three_elements_holds_Redis_s_bytes_and_pfcount_caches_the_count_in_them()
    {
        ReplyAssert.Integer(await Run("PFADD", "h", "a", "b", "c"), 1);

        // redis-server 7.0.15: PFADD h a b c, then GET h.
        Assert.Equal(Redis(@"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ"), await Get("h"));
        ReplyAssert.Integer(await Run("PFCOUNT", "h"), 3);
        Assert.Equal(Redis(@"HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00`\xf3\x80P\xb1\x84K\xfb\x80BZ"), await Get("h"));
    }

    [Fact]
    public async Task Pfadd_without_elements_creates_an_empty_sparse_hll_once()
    {
        ReplyAssert.Integer(await Run("PFADD", "e"), 1);
        ReplyAssert.Integer(await Run("PFADD", "e"), 0);

        Assert.Equal(Redis(@"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"), await Get("e"));
        ReplyAssert.Integer(await Run("PFCOUNT", "e"), 0);
        ReplyAssert.Integer(await Run("PFCOUNT", "missing"), 0);
    }

    [Fact]
    public async Task A_sparse_hll_turns_dense_past_hll_sparse_max_bytes_with_the_same_registers()
    {
        var elements = Enumerable.Range(0, 400).Select(i => "e" + i).ToArray();
        await Run(["PFADD", "sparse", .. elements]);
        ReplyAssert.Simple(await Run("PFDEBUG", "ENCODING", "sparse"), "sparse");
        ReplyAssert.Simple(await Run("CONFIG", "SET", "hll-sparse-max-bytes", "200"), "OK");
        ReplyAssert.Bulk((await Run("CONFIG", "GET", "hll-sparse-max-bytes")).AsItems()[1], "200");

        await Run(["PFADD", "dense", .. elements]);

        ReplyAssert.Simple(await Run("PFDEBUG", "ENCODING", "dense"), "dense");
        Assert.Equal(HyperLogLogSize, (await Get("dense")).Length);
        var count = (await Run("PFCOUNT", "sparse")).AsInteger();
        ReplyAssert.Integer(await Run("PFCOUNT", "dense"), count);
        Assert.Equal(Registers(await Run("PFDEBUG", "GETREG", "dense")), Registers(await Run("PFDEBUG", "GETREG", "sparse")));
        // GETREG made the sparse one dense, as Redis does.
        ReplyAssert.Simple(await Run("PFDEBUG", "ENCODING", "sparse"), "dense");
        Assert.InRange(count, 390, 410);
    }

    private const int HyperLogLogSize = 16 + (16384 * 6 / 8);

    private static long[] Registers(Reply reply) => [.. reply.AsItems().Select(r => r.AsInteger())];

    [Fact]
    public async Task A_register_over_32_makes_the_hll_dense_whatever_its_size()
    {
        // A hand-made sparse HLL whose first register is 32, the most VAL holds: merging a dense one with 33 there promotes it.
        var dense = new byte[HyperLogLogSize];
        "HYLL"u8.CopyTo(dense);
        dense[16] = 33;
        await _engine.RunBytes("SET"u8.ToArray(), "d"u8.ToArray(), dense);
        await Run("PFADD", "s", "x");

        ReplyAssert.Simple(await Run("PFMERGE", "s", "d"), "OK");

        ReplyAssert.Simple(await Run("PFDEBUG", "ENCODING", "s"), "dense");
        Assert.Equal(33, Registers(await Run("PFDEBUG", "GETREG", "s"))[0]);
    }

    [Fact]
    public async Task A_change_marks_the_cached_count_stale_and_a_pfadd_that_changes_nothing_keeps_it()
    {
        await Run("PFADD", "h", "a", "b");
        ReplyAssert.Integer(await Run("PFCOUNT", "h"), 2);
        var cached = await Get("h");
        Assert.Equal(0, cached[15] & 0x80);

        ReplyAssert.Integer(await Run("PFADD", "h", "a"), 0);
        Assert.Equal(cached, await Get("h"));

        ReplyAssert.Integer(await Run("PFADD", "h", "c"), 1);
        Assert.Equal(0x80, (await Get("h"))[15] & 0x80);
        ReplyAssert.Integer(await Run("PFCOUNT", "h"), 3);

        // A dense HLL too, where registers change in place.
        await Run("PFDEBUG", "TODENSE", "h");
        ReplyAssert.Integer(await Run("PFCOUNT", "h"), 3);
        Assert.Equal(0, (await Get("h"))[15] & 0x80);
        ReplyAssert.Integer(await Run("PFADD", "h", "d"), 1);
        Assert.Equal(0x80, (await Get("h"))[15] & 0x80);
        ReplyAssert.Integer(await Run("PFCOUNT", "h"), 4);
    }

    [Fact]
    public async Task A_cached_count_is_believed_as_Redis_believes_it()
    {
        await Run("PFADD", "h", "a");
        var bytes = await Get("h");
        bytes[8] = 42;
        bytes[15] = 0;
        await _engine.RunBytes("SET"u8.ToArray(), "h"u8.ToArray(), bytes);

        ReplyAssert.Integer(await Run("PFCOUNT", "h"), 42);
        ReplyAssert.Integer(await Run("PFCOUNT", "h", "missing"), 1);
    }

    [Fact]
    public async Task Values_that_are_not_hlls_are_refused_with_Redis_s_texts_and_left_as_they_were()
    {
        await Run("SET", "s", "hello");
        await Run("RPUSH", "l", "x");
        await Run("PFADD", "h", "a");

        foreach (var command in new[] { new[] { "PFADD", "s", "x" }, ["PFCOUNT", "s"], ["PFCOUNT", "h", "s"], ["PFMERGE", "h", "s"], ["PFDEBUG", "ENCODING", "s"] })
            Assert.Equal("WRONGTYPE Key is not a valid HyperLogLog string value.", (await Run(command)).AsError().Message);
        Assert.Equal(Errors.WrongType.Message, (await Run("PFADD", "l", "x")).AsError().Message);
        // Keys in order, as Redis looks at them: the list before the bad string.
        Assert.Equal(Errors.WrongType.Message, (await Run("PFCOUNT", "l", "s")).AsError().Message);
        Assert.Equal("ERR The specified key does not exist", (await Run("PFDEBUG", "ENCODING", "missing")).AsError().Message);
        Assert.Equal("ERR Unknown PFDEBUG subcommand 'nope'", (await Run("PFDEBUG", "nope", "h")).AsError().Message);
        ReplyAssert.Bulk(await Run("GET", "s"), "hello");
        ReplyAssert.Integer(await Run("EXISTS", "h"), 1);
    }

    [Fact]
    public async Task A_corrupted_sparse_hll_is_refused_and_a_refused_pfadd_changes_no_register()
    {
        await Run("PFADD", "h", "a");
        // Opcodes for 16383 registers: XZERO of 16384 becomes one of 16383.
        var bytes = Redis(@"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe");
        await _engine.RunBytes("SET"u8.ToArray(), "c"u8.ToArray(), bytes);

        Assert.Equal("INVALIDOBJ Corrupted HLL object detected", (await Run("PFCOUNT", "c")).AsError().Message);
        Assert.Equal("INVALIDOBJ Corrupted HLL object detected", (await Run("PFCOUNT", "c", "h")).AsError().Message);
        Assert.Equal("INVALIDOBJ Corrupted HLL object detected", (await Run("PFMERGE", "h", "c")).AsError().Message);
        Assert.Equal("INVALIDOBJ Corrupted HLL object detected", (await Run("PFDEBUG", "TODENSE", "c")).AsError().Message);
        // Elements until one falls on the missing last register: those before it are not kept (Differs from Redis, which keeps them).
        var elements = Enumerable.Range(0, 200_000).Select(i => "e" + i).ToArray();
        Assert.Equal("INVALIDOBJ Corrupted HLL object detected", (await Run(["PFADD", "c", .. elements])).AsError().Message);

        Assert.Equal(bytes, await Get("c"));
        ReplyAssert.Integer(await Run("PFCOUNT", "h"), 1);
    }

    [Fact]
    public async Task Pfadd_and_pfmerge_keep_the_key_s_ttl()
    {
        await Run("PFADD", "h", "a");
        await Run("PEXPIRE", "h", "100000");

        await Run(["PFADD", "h", .. Enumerable.Range(0, 3000).Select(i => "e" + i)]);
        await Run("PFMERGE", "h", "other");

        ReplyAssert.Integer(await Run("PTTL", "h"), 100_000);
    }

    [Fact]
    public async Task Pfmerge_without_sources_creates_an_empty_hll_and_several_keys_count_their_union()
    {
        ReplyAssert.Simple(await Run("PFMERGE", "d"), "OK");
        ReplyAssert.Integer(await Run("PFCOUNT", "d"), 0);
        await Run("PFADD", "a", "1", "2", "3");
        await Run("PFADD", "b", "3", "4");

        ReplyAssert.Integer(await Run("PFCOUNT", "a", "b", "missing"), 4);

        // Counting several keys changes none of them (no cache written).
        Assert.Equal(0x80, (await Get("a"))[15] & 0x80);
    }

    [Fact]
    public async Task Pfcount_logs_itself_only_when_it_writes_the_cache_and_a_replica_replaying_the_log_holds_the_same_bytes()
    {
        await Run("PFADD", "h", "a", "b");
        await Run(["PFADD", "big", .. Enumerable.Range(0, 5000).Select(i => "e" + i)]);
        await Run("PFCOUNT", "h");
        await Run("PFCOUNT", "h");
        await Run("PFCOUNT", "h", "big");
        await Run("PFMERGE", "m", "h", "big");
        await Run("PFCOUNT", "m");
        await Run("PFADD", "s", "x");
        await Run("PFDEBUG", "GETREG", "s");
        await Run("PFDEBUG", "ENCODING", "s");

        Assert.Equal(["PFCOUNT h", "PFCOUNT m"], _engine.Log.Effects.Where(e => e.StartsWith("PFCOUNT", StringComparison.Ordinal)));
        Assert.Equal(["PFDEBUG GETREG s"], _engine.Log.Effects.Where(e => e.StartsWith("PFDEBUG", StringComparison.Ordinal)));
        using var replica = new TestEngine();
        replica.Executor.BeginLoading();
        Assert.Null(await replica.Executor.ReplayAsync(_engine.Log.Records));
        replica.Executor.FinishLoading(_engine.Executor.CommittedOffset);
        foreach (var key in new[] { "h", "big", "m", "s" })
            Assert.Equal(await Get(key), (await replica.Run("GET", key)).AsBulk().ToArray());
    }

    [Fact]
    public async Task Pfselftest_passes() => ReplyAssert.Simple(await Run("PFSELFTEST"), "OK");

    [Fact]
    public async Task The_bytes_survive_a_snapshot_and_the_log_after_it()
    {
        var directory = Path.Combine(Path.GetTempPath(), "lodestone-hll-" + Guid.NewGuid().ToString("N"));
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));
        var options = new PersistenceOptions { DataDirectory = directory, AppendFsync = AppendFsync.Always, Save = "" };
        try
        {
            var before = new Dictionary<string, byte[]>();
            using (var node = Node.Start(options, clock))
            {
                await node.Run("PFADD", "sparse", "a", "b", "c");
                await node.Run(["PFADD", "dense", .. Enumerable.Range(0, 4000).Select(i => "e" + i)]);
                await node.Run("PFCOUNT", "dense");
                ReplyAssert.Simple(await node.Run("BGREWRITEAOF"), "Background append only file rewriting started");
                await node.WhenSaved();
                await node.Run("PFCOUNT", "sparse");
                await node.Run("PFADD", "dense", "more");
                await node.Run("PFMERGE", "merged", "sparse", "dense");
                foreach (var key in new[] { "sparse", "dense", "merged" })
                    before[key] = (await node.Run("GET", key)).AsBulk().ToArray();
            }
            using var restarted = Node.Start(options, clock);
            foreach (var (key, bytes) in before)
                Assert.Equal(bytes, (await restarted.Run("GET", key)).AsBulk().ToArray());
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>An engine on a data directory, as the host starts one.</summary>
    private sealed class Node(Executor executor, AppendOnlyLog log) : IDisposable
    {
        public static Node Start(PersistenceOptions options, TimeProvider clock)
        {
            var log = new AppendOnlyLog(LocalFileSystem.Instance, options, clock);
            var executor = new Executor(new EngineOptions(), clock, [log]);
            executor.Diagnostics.Persistence = options;
            executor.Diagnostics.Log = log;
            executor.BeginLoading();
            log.Recover(executor);
            return new Node(executor, log);
        }

        public Task<Reply> Run(params string[] args) => executor.ExecuteAsync(args.Select(Encoding.UTF8.GetBytes).ToArray());

        public async Task WhenSaved()
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (Encoding.UTF8.GetString((await Run("INFO", "persistence")).AsBulk().Span).Contains("rdb_bgsave_in_progress:1", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, "The snapshot did not finish.");
                await Task.Delay(10);
            }
        }

        public void Dispose()
        {
            executor.Dispose();
            log.Dispose();
        }
    }
}
