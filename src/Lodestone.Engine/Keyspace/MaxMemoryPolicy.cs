namespace Lodestone.Engine;

/// <summary>What the engine does when its data grows past the memory limit (Redis's <c>maxmemory-policy</c>).</summary>
public enum MaxMemoryPolicy
{
    /// <summary>Evict nothing: commands that may grow memory are refused with OOM.</summary>
    NoEviction = 0,
    /// <summary>Evict the least recently used keys, among all keys.</summary>
    AllKeysLru = 1,
    /// <summary>Evict the least frequently used keys, among all keys.</summary>
    AllKeysLfu = 2,
    /// <summary>Evict random keys.</summary>
    AllKeysRandom = 3,
    /// <summary>Evict the least recently used keys that have a TTL.</summary>
    VolatileLru = 4,
    /// <summary>Evict the least frequently used keys that have a TTL.</summary>
    VolatileLfu = 5,
    /// <summary>Evict random keys that have a TTL.</summary>
    VolatileRandom = 6,
    /// <summary>Evict the keys with a TTL that expire soonest.</summary>
    VolatileTtl = 7,
}

/// <summary>Redis's names for <see cref="MaxMemoryPolicy"/> values (settings, CONFIG, INFO).</summary>
public static class MaxMemoryPolicies
{
    private static readonly (string Name, MaxMemoryPolicy Policy)[] Names =
    [
        ("noeviction", MaxMemoryPolicy.NoEviction),
        ("allkeys-lru", MaxMemoryPolicy.AllKeysLru),
        ("allkeys-lfu", MaxMemoryPolicy.AllKeysLfu),
        ("allkeys-random", MaxMemoryPolicy.AllKeysRandom),
        ("volatile-lru", MaxMemoryPolicy.VolatileLru),
        ("volatile-lfu", MaxMemoryPolicy.VolatileLfu),
        ("volatile-random", MaxMemoryPolicy.VolatileRandom),
        ("volatile-ttl", MaxMemoryPolicy.VolatileTtl),
    ];

    /// <summary>Every policy name, in Redis's order.</summary>
    public static IReadOnlyList<string> All { get; } = Names.Select(n => n.Name).ToArray();

    /// <summary>The Redis name of <paramref name="policy"/>, e.g. <c>allkeys-lru</c>.</summary>
    public static string Name(this MaxMemoryPolicy policy) =>
        Array.Find(Names, n => n.Policy == policy).Name ?? throw new ArgumentOutOfRangeException(nameof(policy), policy, null);

    /// <summary>Parses a Redis policy name (any case).</summary>
    public static bool TryParse(string? name, out MaxMemoryPolicy policy)
    {
        foreach (var (text, value) in Names)
        {
            if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase))
            {
                policy = value;
                return true;
            }
        }
        policy = MaxMemoryPolicy.NoEviction;
        return false;
    }

    /// <summary>Whether the policy keeps LFU counters (and so OBJECT FREQ works, and OBJECT IDLETIME does not).</summary>
    public static bool IsLfu(this MaxMemoryPolicy policy) => policy is MaxMemoryPolicy.AllKeysLfu or MaxMemoryPolicy.VolatileLfu;

    /// <summary>Whether the policy only evicts keys that have a TTL.</summary>
    public static bool IsVolatile(this MaxMemoryPolicy policy) =>
        policy is MaxMemoryPolicy.VolatileLru or MaxMemoryPolicy.VolatileLfu or MaxMemoryPolicy.VolatileRandom or MaxMemoryPolicy.VolatileTtl;
}
