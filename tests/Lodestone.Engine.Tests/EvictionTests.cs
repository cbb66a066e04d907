using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// The memory limit: each policy evicts what Redis's would (with enough samples that the
/// approximation cannot miss), evictions are logged as DEL and counted, and at the limit with
/// nothing to evict writes that may grow memory are refused (OOM) while the data stays as it was.
/// </summary>
public sealed class EvictionTests : IDisposable
{
    private const string Value = "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789";
    private readonly TestEngine _engine = new(new EngineOptions { MaxMemorySamples = 64 });

    public void Dispose() => _engine.Dispose();

    private Executor Executor => _engine.Executor;

    /// <summary>Sets the limit so that one more key of <see cref="Value"/> goes over it by about <paramref name="keysOver"/> keys.</summary>
    private async Task LimitToCurrentPlus(int keysOver = 0)
    {
        await _engine.Run("PING");
        Executor.ChangeSettings(s => s with { MaxMemoryBytes = Executor.Memory.UsedBytes + 100 - (keysOver * 300) });
    }

    private async Task Fill(string prefix, int count, int ttlSeconds = 0)
    {
        for (var i = 0; i < count; i++)
        {
            if (ttlSeconds > 0)
                await _engine.Run("SET", $"{prefix}{i}", Value, "EX", (ttlSeconds + i).ToString(System.Globalization.CultureInfo.InvariantCulture));
            else
                await _engine.Run("SET", $"{prefix}{i}", Value);
        }
    }

    private async Task<long> Exists(string prefix, int count)
    {
        long found = 0;
        for (var i = 0; i < count; i++)
            found += (await _engine.Run("EXISTS", $"{prefix}{i}")).AsInteger();
        return found;
    }

    [Fact]
    public async Task Under_noeviction_a_write_over_the_limit_is_refused_and_the_data_stays_intact()
    {
        await Fill("k", 10);
        await LimitToCurrentPlus();
        ReplyAssert.Ok(await _engine.Run("SET", "one-more", Value));

        var refused = await _engine.Run("SET", "too-many", Value);

        ReplyAssert.Error(refused, "OOM command not allowed when used memory > 'maxmemory'.");
        ReplyAssert.Error(refused, ErrorKind.OutOfMemory);
        ReplyAssert.Error(await _engine.Run("APPEND", "k1", "more"), ErrorKind.OutOfMemory);
        Assert.Equal(10, await Exists("k", 10));
        ReplyAssert.Bulk(await _engine.Run("GET", "k3"), Value);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "too-many"), 0);
        Assert.Equal(0, Executor.Memory.EvictedKeys);

        // Deletes are not deny-oom: they free memory, and then writes go on.
        ReplyAssert.Integer(await _engine.Run("DEL", "k1", "k2"), 2);
        ReplyAssert.Ok(await _engine.Run("SET", "fits-now", Value));
    }

    [Fact]
    public async Task Allkeys_lru_evicts_the_keys_not_used_for_longest_and_logs_them_as_del()
    {
        Executor.ChangeSettings(s => s with { MaxMemoryPolicy = MaxMemoryPolicy.AllKeysLru });
        await Fill("cold", 10);
        _engine.Advance(TimeSpan.FromSeconds(30));
        await Fill("hot", 10);
        await LimitToCurrentPlus();
        _engine.Log.Clear();

        await Fill("new", 5);

        Assert.Equal(10, await Exists("hot", 10));
        Assert.Equal(5, await Exists("new", 5));
        Assert.InRange(await Exists("cold", 10), 4, 6);
        var evicted = Executor.Memory.EvictedKeys;
        Assert.InRange(evicted, 4, 6);
        var deletes = _engine.Log.Effects.Where(e => e.StartsWith("DEL ", StringComparison.Ordinal)).ToList();
        Assert.Equal(evicted, deletes.Count);
        Assert.All(deletes, d => Assert.StartsWith("DEL cold", d, StringComparison.Ordinal));
        Assert.True(Executor.Memory.UsedBytes <= Executor.Settings.MaxMemoryBytes + 400);
    }

    [Fact]
    public async Task Allkeys_lru_keeps_a_key_that_was_read_recently_even_if_written_long_ago()
    {
        Executor.ChangeSettings(s => s with { MaxMemoryPolicy = MaxMemoryPolicy.AllKeysLru });
        await Fill("k", 10);
        _engine.Advance(TimeSpan.FromSeconds(60));
        for (var i = 0; i < 9; i++)
            await _engine.Run("GET", $"k{i}");
        _engine.Advance(TimeSpan.FromSeconds(5));
        await LimitToCurrentPlus();

        await _engine.Run("SET", "new", Value);
        await _engine.Run("PING");

        ReplyAssert.Integer(await _engine.Run("EXISTS", "k9"), 0);
        Assert.Equal(9, await Exists("k", 9));
    }

    [Fact]
    public async Task Allkeys_lfu_evicts_the_least_frequently_used_keys()
    {
        Executor.ChangeSettings(s => s with { MaxMemoryPolicy = MaxMemoryPolicy.AllKeysLfu });
        await Fill("rare", 10);
        await Fill("often", 10);
        for (var round = 0; round < 30; round++)
        {
            for (var i = 0; i < 10; i++)
                await _engine.Run("GET", $"often{i}");
        }
        await LimitToCurrentPlus();

        await Fill("new", 3);
        await _engine.Run("PING");

        // New keys start at the same counter as the rare ones (Redis's LFU_INIT_VAL), so either may go.
        Assert.Equal(10, await Exists("often", 10));
        Assert.InRange(Executor.Memory.EvictedKeys, 2, 4);
        Assert.Equal(23 - Executor.Memory.EvictedKeys, await Exists("rare", 10) + await Exists("new", 3) + 10);
    }

    [Fact]
    public async Task Allkeys_random_gets_under_the_limit()
    {
        Executor.ChangeSettings(s => s with { MaxMemoryPolicy = MaxMemoryPolicy.AllKeysRandom });
        await Fill("k", 20);
        await LimitToCurrentPlus();

        await Fill("new", 5);
        await _engine.Run("PING");

        Assert.InRange(Executor.Memory.EvictedKeys, 4, 6);
        Assert.True(Executor.Memory.UsedBytes <= Executor.Settings.MaxMemoryBytes);
    }

    [Theory]
    [InlineData(MaxMemoryPolicy.VolatileLru)]
    [InlineData(MaxMemoryPolicy.VolatileLfu)]
    [InlineData(MaxMemoryPolicy.VolatileRandom)]
    [InlineData(MaxMemoryPolicy.VolatileTtl)]
    public async Task Volatile_policies_evict_only_keys_with_a_ttl_then_refuse_writes(MaxMemoryPolicy policy)
    {
        Executor.ChangeSettings(s => s with { MaxMemoryPolicy = policy });
        await Fill("keep", 10);
        await Fill("ttl", 3, ttlSeconds: 100);
        await LimitToCurrentPlus();

        await Fill("new", 4);
        await _engine.Run("PING");

        Assert.Equal(10, await Exists("keep", 10));
        Assert.Equal(4, await Exists("new", 4));
        Assert.Equal(0, await Exists("ttl", 3));
        Assert.Equal(3, Executor.Memory.EvictedKeys);

        ReplyAssert.Error(await _engine.Run("SET", "more", Value), ErrorKind.OutOfMemory);
        Assert.Equal(10, await Exists("keep", 10));
    }

    [Fact]
    public async Task Volatile_ttl_evicts_the_key_that_expires_soonest()
    {
        Executor.ChangeSettings(s => s with { MaxMemoryPolicy = MaxMemoryPolicy.VolatileTtl });
        await _engine.Run("SET", "later", Value, "EX", "500");
        await _engine.Run("SET", "soonest", Value, "EX", "100");
        await _engine.Run("SET", "middle", Value, "EX", "300");
        await _engine.Run("SET", "never", Value);
        await LimitToCurrentPlus();

        await _engine.Run("SET", "new", Value);
        await _engine.Run("PING");

        ReplyAssert.Integer(await _engine.Run("EXISTS", "soonest"), 0);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "later", "middle", "never", "new"), 4);
    }

    [Fact]
    public async Task A_key_that_lost_its_ttl_is_not_evicted_by_a_volatile_policy()
    {
        Executor.ChangeSettings(s => s with { MaxMemoryPolicy = MaxMemoryPolicy.VolatileLru });
        await Fill("ttl", 2, ttlSeconds: 100);
        await _engine.Run("PERSIST", "ttl0");
        await LimitToCurrentPlus();

        await _engine.Run("SET", "new", Value);
        await _engine.Run("PING");

        ReplyAssert.Integer(await _engine.Run("EXISTS", "ttl0"), 1);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "ttl1"), 0);
    }

    [Fact]
    public async Task Reads_keep_working_when_full_and_nothing_can_be_evicted()
    {
        await Fill("k", 5);
        await LimitToCurrentPlus(keysOver: 2);

        ReplyAssert.Bulk(await _engine.Run("GET", "k1"), Value);
        ReplyAssert.Integer(await _engine.Run("DBSIZE"), 5);
        ReplyAssert.Error(await _engine.Run("LPUSH", "l", "x"), ErrorKind.OutOfMemory);
    }

    [Fact]
    public async Task Lowering_the_limit_at_run_time_evicts_before_the_next_command_even_a_read()
    {
        Executor.ChangeSettings(s => s with { MaxMemoryPolicy = MaxMemoryPolicy.AllKeysLru });
        await Fill("k", 10);
        await LimitToCurrentPlus(keysOver: 4);
        _engine.Log.Clear();

        await _engine.Run("ECHO", "next");

        Assert.InRange(Executor.Memory.EvictedKeys, 4, 6);
        Assert.Contains(_engine.Log.Effects, e => e.StartsWith("DEL k", StringComparison.Ordinal));
    }

    [Fact]
    public void Settings_out_of_range_are_refused()
    {
        var before = Executor.Settings;
        Assert.Throws<ArgumentOutOfRangeException>(() => Executor.ChangeSettings(s => s with { MaxMemoryBytes = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Executor.ChangeSettings(s => s with { MaxMemorySamples = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Executor.ChangeSettings(s => s with { MaxMemorySamples = 65 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Executor.ChangeSettings(s => s with { MaxMemoryPolicy = (MaxMemoryPolicy)42 }));
        // A refused change leaves the settings in effect untouched.
        Assert.Same(before, Executor.Settings);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Executor(new EngineOptions { MaxMemoryPolicy = "lru" }, TimeProvider.System));
        Assert.True(MaxMemoryPolicies.TryParse("ALLKEYS-LFU", out var parsed));
        Assert.Equal(MaxMemoryPolicy.AllKeysLfu, parsed);
        Assert.Equal("volatile-ttl", MaxMemoryPolicy.VolatileTtl.Name());
    }

    [Fact]
    public void The_lfu_counter_grows_logarithmically_and_decays_a_step_per_minute()
    {
        var random = new Random(1);
        const long now = TestEngine.StartMs;
        var access = Keyspace.Eviction.LfuNew(now);
        Assert.Equal(5, Keyspace.Eviction.LfuCounter(access, now));
        for (var i = 0; i < 1000; i++)
            access = Keyspace.Eviction.LfuAccess(access, now, random);
        // With lfu-log-factor 10, Redis's table: 1000 hits give a counter around 18 (from 5).
        Assert.InRange(Keyspace.Eviction.LfuCounter(access, now), 12, 25);
        var counter = Keyspace.Eviction.LfuCounter(access, now);
        Assert.Equal(counter - 3, Keyspace.Eviction.LfuCounter(access, now + 3 * 60_000));
        Assert.Equal(0, Keyspace.Eviction.LfuCounter(access, now + 300 * 60_000));
    }
}
