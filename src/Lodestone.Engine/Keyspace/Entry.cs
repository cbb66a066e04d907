using Lodestone.Engine.Types;

namespace Lodestone.Engine.Keyspace;

/// <summary>
/// One key and its value, with what the keyspace needs to know about it. The entry is also the
/// node of its hash-table chain (<see cref="Next"/>), so storing a key costs one object.
/// </summary>
internal sealed class Entry
{
    /// <summary>The value of <see cref="ExpireAtMs"/> for a key without a TTL (Redis's -1).</summary>
    public const long NoExpiry = -1;

    public Entry(byte[] key, int hash, RedisType type, IValue value)
    {
        Key = key;
        Hash = hash;
        Type = type;
        Value = value;
    }

    /// <summary>The key's bytes. Never changed: a rename makes a new entry.</summary>
    public byte[] Key { get; }

    public int Hash { get; }

    public RedisType Type { get; set; }

    /// <summary>
    /// The data structure for <see cref="Type"/> (a <see cref="StringValue"/> for strings). Handlers
    /// cast it to their type's class once the executor's type check has passed.
    /// </summary>
    public IValue Value { get; set; }

    /// <summary>Absolute expiry in Unix milliseconds, or <see cref="NoExpiry"/>.</summary>
    public long ExpireAtMs { get; internal set; } = NoExpiry;

    /// <summary>Taken from the keyspace's counter on every write, so it never repeats (ETags, If-Match).</summary>
    public long Version { get; internal set; }

    public bool HasExpiry => ExpireAtMs != NoExpiry;

    /// <summary>Next entry in the same hash bucket (a field so the table can unlink by reference).</summary>
    internal Entry? Next;

    /// <summary>The last snapshot epoch this entry was saved in (see <see cref="Execution.SnapshotCoordinator"/>).</summary>
    internal int SavedEpoch;

    /// <summary>Position in the keyspace's list of keys with a TTL, or -1.</summary>
    internal int ExpireSlot { get; set; } = -1;

    /// <summary>Position in the keyspace's list of hashes with field TTLs, or -1.</summary>
    internal int FieldExpirySlot { get; set; } = -1;

    /// <summary>
    /// Redis's 24-bit <c>lru</c> field: under an LRU (or no) policy the access clock in seconds
    /// (<see cref="Eviction.LruClock"/>); under an LFU policy the minute of the last decrement in the
    /// high 16 bits and the logarithmic access counter in the low 8 (see <see cref="Eviction"/>).
    /// Updated on every access, without allocating.
    /// </summary>
    internal uint Access;

    /// <summary>
    /// The size this entry was last counted at in the keyspace's <c>used_memory</c> sum, or -1 once
    /// the entry has left the keyspace.
    /// </summary>
    internal long AccountedBytes;

    /// <summary>Whether the entry is in the keyspace's list of entries to recount (written to since the last count).</summary>
    internal bool SizePending;

    /// <summary>Where the entry may be in the hot-key list (see <see cref="HotKeys"/>), or -1; checked there before use. Fits the object's padding.</summary>
    internal sbyte HotSlot = -1;
}
