namespace Lodestone.Engine.Keyspace;

/// <summary>
/// The memory limit: Redis's approximated LRU/LFU eviction (evict.c) and the access metadata it reads.
/// </summary>
/// <remarks>
/// Design note. Before a command runs, if the estimated data size (<see cref="Keyspace.UsedBytes"/>)
/// is over the limit (<see cref="RuntimeSettings.MaxMemoryBytes"/>), keys are deleted until it is not. As in Redis we never keep
/// the keys in access order (that would cost a linked-list update on every read): each entry carries
/// 24 bits of metadata (<see cref="Entry.Access"/>) updated in O(1) without allocating, and eviction
/// <em>samples</em> <see cref="RuntimeSettings.MaxMemorySamples"/> keys per round into a pool of the <see cref="PoolSize"/> best
/// candidates seen so far (kept across rounds and calls), then evicts the best one still present.
/// "Best" is the longest idle time (LRU), the lowest decayed logarithmic counter (LFU), or the
/// nearest expiry (volatile-ttl). Random policies skip the pool. Volatile policies sample only keys
/// with a TTL and evict only keys that still have one. When nothing can be evicted, the caller
/// refuses commands that may grow memory (OOM) and lets the others run.
///
/// LRU clock: Unix seconds modulo 2^24 (wraps after 194 days; idle time across a wrap is still right
/// for one wrap). LFU: the high 16 bits are the minute (mod 2^16) of the last decrement, the low 8 a
/// counter that starts at 5, grows with probability 1/((counter-5)·10+1) per access and loses one per
/// minute idle (lfu-log-factor 10, lfu-decay-time 1).
///
/// The limit, policy and sample size come with each call, from the engine's current
/// <see cref="RuntimeSettings"/>: a CONFIG SET applies from the next command on.
/// </remarks>
internal sealed class Eviction
{
    public const int PoolSize = 16;
    public const int LfuInitValue = 5;
    public const int LfuLogFactor = 10;
    public const int LfuDecayMinutes = 1;
    private const uint LruClockMax = (1 << 24) - 1;

    private readonly Keyspace _keyspace;
    private readonly (long Score, Entry Entry)[] _pool = new (long, Entry)[PoolSize];
    private int _poolCount;
    private long _evictedKeys;

    public Eviction(Keyspace keyspace) => _keyspace = keyspace;

    /// <summary>Keys evicted since start. Any thread.</summary>
    public long EvictedKeys => Interlocked.Read(ref _evictedKeys);

    /// <summary>
    /// Evicts keys until the data is within the limit (engine thread). Returns false when it is still
    /// over: no policy (noeviction), or nothing left that the policy may evict.
    /// </summary>
    /// <param name="nowMs">The time snapshot idle times and LFU counters are measured at.</param>
    /// <param name="settings">The limit, the policy and the sample size to work to.</param>
    public bool MakeRoom(long nowMs, RuntimeSettings settings)
    {
        var limit = settings.MaxMemoryBytes;
        if (limit <= 0 || _keyspace.UsedBytes <= limit)
            return true;
        var policy = settings.MaxMemoryPolicy;
        if (policy == MaxMemoryPolicy.NoEviction)
            return false;
        do
        {
            var victim = policy switch
            {
                MaxMemoryPolicy.AllKeysRandom => _keyspace.RandomEntryAny(),
                MaxMemoryPolicy.VolatileRandom => _keyspace.RandomEntryWithExpiry(),
                _ => FromPool(policy, settings.MaxMemorySamples, nowMs),
            };
            if (victim is null)
                return false;
            _keyspace.Evict(victim);
            Interlocked.Increment(ref _evictedKeys);
        }
        while (_keyspace.UsedBytes > limit);
        return true;
    }

    /// <summary>The LRU clock for <paramref name="nowMs"/>: Unix seconds in 24 bits.</summary>
    public static uint LruClock(long nowMs) => (uint)(nowMs / 1000) & LruClockMax;

    /// <summary>Milliseconds since the access recorded as <paramref name="access"/> (Redis's estimateObjectIdleTime).</summary>
    public static long IdleMs(uint access, long nowMs)
    {
        var clock = LruClock(nowMs);
        access &= LruClockMax;
        return (clock >= access ? clock - access : LruClockMax - access + clock) * 1000L;
    }

    /// <summary>The LFU metadata of a new key: this minute, counter 5 (so a new key is not evicted first).</summary>
    public static uint LfuNew(long nowMs) => (Minutes(nowMs) << 8) | LfuInitValue;

    /// <summary>The LFU counter after decay for the minutes since its last decrement (Redis's LFUDecrAndReturn).</summary>
    public static int LfuCounter(uint access, long nowMs)
    {
        var lastMinute = (access >> 8) & 0xFFFF;
        var counter = (int)(access & 0xFF);
        var now = Minutes(nowMs);
        var elapsed = now >= lastMinute ? now - lastMinute : 0xFFFF - lastMinute + now;
        var periods = elapsed / LfuDecayMinutes;
        return periods > counter ? 0 : counter - (int)periods;
    }

    /// <summary>The LFU metadata after one access: decay, then a logarithmic increment (Redis's updateLFU).</summary>
    public static uint LfuAccess(uint access, long nowMs, Random random)
    {
        var counter = LfuCounter(access, nowMs);
        if (counter < 255)
        {
            var baseValue = Math.Max(counter - LfuInitValue, 0);
            if (random.NextDouble() < 1.0 / (baseValue * LfuLogFactor + 1))
                counter++;
        }
        return (Minutes(nowMs) << 8) | (uint)counter;
    }

    private static uint Minutes(long nowMs) => (uint)(nowMs / 60_000) & 0xFFFF;

    /// <summary>Redis's evictionPoolPopulate then the pick from the best end: the best candidate still evictable.</summary>
    private Entry? FromPool(MaxMemoryPolicy policy, int samples, long nowMs)
    {
        var onlyVolatile = policy.IsVolatile();
        while ((onlyVolatile ? _keyspace.ExpiresCount : _keyspace.Count) > 0)
        {
            Populate(policy, samples, onlyVolatile, nowMs);
            while (_poolCount > 0)
            {
                var (_, entry) = _pool[--_poolCount];
                _pool[_poolCount] = default;
                // Still in the keyspace (and, for volatile policies, still with a TTL)?
                if (entry.AccountedBytes >= 0 && (!onlyVolatile || entry.HasExpiry))
                    return entry;
            }
        }
        return null;
    }

    private void Populate(MaxMemoryPolicy policy, int samples, bool onlyVolatile, long now)
    {
        // Higher is a better victim.
        long Score(Entry entry) => policy switch
        {
            MaxMemoryPolicy.VolatileTtl => long.MaxValue - entry.ExpireAtMs,
            MaxMemoryPolicy.AllKeysLfu or MaxMemoryPolicy.VolatileLfu => 255 - LfuCounter(entry.Access, now),
            _ => IdleMs(entry.Access, now),
        };

        // No more keys than samples: every one of them, as Redis's dictGetSomeKeys returns a small
        // dictionary whole (random draws could miss the best victim of a handful of keys). The walk is
        // over all keys, so only when there are that few of them.
        if (_keyspace.Count <= samples)
        {
            _keyspace.Walk(0, TimeSpan.MaxValue, entry =>
            {
                if (!onlyVolatile || entry.HasExpiry)
                    Insert(Score(entry), entry);
            });
            return;
        }
        for (var i = 0; i < samples; i++)
        {
            var entry = onlyVolatile ? _keyspace.RandomEntryWithExpiry() : _keyspace.RandomEntryAny();
            if (entry is null)
                return;
            Insert(Score(entry), entry);
        }
    }

    /// <summary>Inserts into the pool, kept sorted by score ascending; when full, the worst candidate makes way.</summary>
    private void Insert(long score, Entry entry)
    {
        for (var i = 0; i < _poolCount; i++)
        {
            if (ReferenceEquals(_pool[i].Entry, entry))
                return;
        }
        if (_poolCount == PoolSize)
        {
            if (score <= _pool[0].Score)
                return;
            Array.Copy(_pool, 1, _pool, 0, PoolSize - 1);
            _poolCount--;
        }
        var at = _poolCount;
        while (at > 0 && _pool[at - 1].Score > score)
        {
            _pool[at] = _pool[at - 1];
            at--;
        }
        _pool[at] = (score, entry);
        _poolCount++;
    }
}
