using System.Globalization;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Tests;

/// <summary>
/// used_memory: the keyspace keeps an incremental sum of per-entry estimates. A randomised test runs
/// commands of every type and compares that sum with a recount from scratch — the keyspace's own
/// (every entry re-read) and one built here from the elements, so that a type whose own byte count
/// drifts is caught too. Seeded, so a failure repeats.
/// </summary>
public sealed class MemoryAccountingTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task An_empty_engine_uses_its_base_and_a_value_adds_about_its_size()
    {
        var empty = _engine.Executor.Memory.UsedBytes;
        Assert.True(empty >= MemoryModel.BaseBytes);

        await _engine.Run("SET", "big", new string('x', 10_000));
        var withValue = _engine.Executor.Memory.UsedBytes;
        Assert.InRange(withValue - empty, 10_000, 10_300);

        await _engine.Run("DEL", "big");
        Assert.Equal(empty, _engine.Executor.Memory.UsedBytes);
        Assert.Equal(withValue, _engine.Executor.Memory.PeakBytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task The_incremental_sum_matches_a_recount_after_random_commands_of_every_type(int seed)
    {
        var random = new Random(seed);
        for (var step = 0; step < 3000; step++)
        {
            await _engine.Run(RandomCommand(random));
            if (step % 7 == 0)
                _engine.Advance(TimeSpan.FromMilliseconds(random.Next(0, 400)));
            if (step % 100 == 99)
                await AssertConsistent($"seed {seed}, step {step}");
        }
    }

    private async Task AssertConsistent(string when)
    {
        var (incremental, recounted, mismatches) = await _engine.Executor.InvokeAsync(keyspace =>
        {
            var used = keyspace.UsedBytes;
            var wrong = keyspace.All()
                .Where(e => ((IValue)e.Value).EstimatedBytes != FromScratch(e.Value))
                .Select(e => $"{System.Text.Encoding.UTF8.GetString(e.Key)}: {((IValue)e.Value).EstimatedBytes} != {FromScratch(e.Value)}")
                .ToList();
            return (used, keyspace.RecountUsedBytes(), wrong);
        });
        Assert.True(mismatches.Count == 0, $"{when}: {string.Join("; ", mismatches)}");
        Assert.True(incremental == recounted, $"{when}: incremental {incremental}, recounted {recounted}");
    }

    /// <summary>A value's estimate from its elements, independent of the type's own running count.</summary>
    private static long FromScratch(object value) => value switch
    {
        StringValue s => MemoryModel.StringObjectBytes + MemoryModel.ByteArray(s.Capacity),
        ListValue l => MemoryModel.ListObjectBytes + MemoryModel.RefArray(l.Capacity)
            + Enumerable.Range(0, l.Count).Sum(i => MemoryModel.ByteArray(l[i].Length)),
        HashValue h => MemoryModel.MapObjectBytes + MemoryModel.RefArray(h.BucketCount) + h.Count * MemoryModel.MapNodeBytes
            + h.Entries().Sum(f => MemoryModel.ByteArray(f.Key.Length) + MemoryModel.ByteArray(f.Value.Length)),
        SetValue s => MemoryModel.MapObjectBytes + MemoryModel.RefArray(s.BucketCount) + s.Count * MemoryModel.MapNodeBytes
            + s.Members().Sum(m => MemoryModel.ByteArray(m.Length)),
        SortedSetValue z => MemoryModel.SortedSetObjectBytes + MemoryModel.RefArray(z.BucketCount)
            + z.Count * (MemoryModel.MapNodeBytes + MemoryModel.SkipListNodeBytes)
            + z.All().Sum(m => MemoryModel.ByteArray(m.Member.Length)) + z.CountLevels() * MemoryModel.SkipListLevelBytes,
        LockValue lk => MemoryModel.LockObjectBytes + (lk.Owner is null ? 0 : MemoryModel.ByteArray(lk.Owner.Length)),
        _ => throw new InvalidOperationException(value.GetType().Name),
    };

    private static readonly string[] Keys = ["s1", "s2", "l1", "l2", "h1", "h2", "t1", "t2", "z1", "z2"];

    private static string[] RandomCommand(Random random)
    {
        string Key(char type) => $"{type}{random.Next(1, 3)}";
        string Word() => new string('a', random.Next(0, 40)) + random.Next(0, 30).ToString(CultureInfo.InvariantCulture);
        string Number() => random.Next(-50, 50).ToString(CultureInfo.InvariantCulture);
        var any = Keys[random.Next(Keys.Length)];
        return random.Next(40) switch
        {
            0 => ["SET", Key('s'), Word()],
            1 => ["APPEND", Key('s'), Word()],
            2 => ["SETRANGE", Key('s'), random.Next(0, 60).ToString(CultureInfo.InvariantCulture), Word()],
            3 => ["INCRBY", "n", Number()],
            4 => ["GETDEL", Key('s')],
            5 => ["LPUSH", Key('l'), Word(), Word(), Word()],
            6 => ["RPUSH", Key('l'), Word()],
            7 => ["LPOP", Key('l'), random.Next(1, 4).ToString(CultureInfo.InvariantCulture)],
            8 => ["RPOP", Key('l')],
            9 => ["LSET", Key('l'), Number(), Word()],
            10 => ["LINSERT", Key('l'), random.Next(2) == 0 ? "BEFORE" : "AFTER", Word(), Word()],
            11 => ["LREM", Key('l'), Number(), Word()],
            12 => ["LTRIM", Key('l'), random.Next(0, 3).ToString(CultureInfo.InvariantCulture), Number()],
            13 => ["HSET", Key('h'), Word(), Word(), Word(), Word()],
            14 => ["HDEL", Key('h'), Word(), Word()],
            15 => ["HINCRBY", Key('h'), "counter", Number()],
            16 => ["HSETNX", Key('h'), Word(), Word()],
            17 => ["SADD", Key('t'), Word(), Word(), Word()],
            18 => ["SREM", Key('t'), Word(), Word()],
            19 => ["SPOP", Key('t')],
            20 => ["SINTERSTORE", Key('t'), "t1", "t2"],
            21 => ["ZADD", Key('z'), Number(), Word(), Number(), Word()],
            22 => ["ZREM", Key('z'), Word()],
            23 => ["ZINCRBY", Key('z'), Number(), Word()],
            24 => ["ZPOPMIN", Key('z')],
            25 => ["ZREMRANGEBYRANK", Key('z'), "0", random.Next(0, 3).ToString(CultureInfo.InvariantCulture)],
            26 => ["ZUNIONSTORE", Key('z'), "2", "z1", "z2"],
            27 => ["EXPIRE", any, random.Next(1, 5).ToString(CultureInfo.InvariantCulture)],
            28 => ["PERSIST", any],
            29 => ["DEL", any],
            30 => ["RENAME", any, Keys[random.Next(Keys.Length)]],
            31 => ["COPY", any, "copy", "REPLACE"],
            32 => ["SET", Key('s'), Word(), "KEEPTTL"],
            33 => ["SETEX", Key('s'), "2", Word()],
            34 => ["GETSET", Key('s'), Word()],
            35 => ["LMOVE", "l1", "l2", "LEFT", "RIGHT"],
            36 => ["SMOVE", "t1", "t2", Word()],
            37 => ["LOCK.ACQUIRE", "lock", "1000", "OWNER", "o" + Word()],
            38 => random.Next(30) == 0 ? ["FLUSHALL"] : ["GET", any],
            _ => ["HGETALL", Key('h')],
        };
    }
}
