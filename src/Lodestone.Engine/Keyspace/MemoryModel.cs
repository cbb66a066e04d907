namespace Lodestone.Engine.Keyspace;

/// <summary>
/// The byte estimates behind <c>used_memory</c>: what each piece of a stored value costs on the
/// 64-bit CLR, as object header + fields rounded to 8, and arrays as header + length + elements.
/// </summary>
/// <remarks>
/// Design note. We cannot ask the GC what one key costs, so, like Redis's own
/// <c>used_memory</c> (which counts what the allocator handed out, not the RSS), we add up an
/// estimate that every value keeps current as it changes (<see cref="Types.IValue.EstimatedBytes"/>
/// is O(1)), and the keyspace re-reads it only for the entries a write touched. What it leaves out:
/// the GC's own overhead and fragmentation (free space between objects, generations not yet
/// collected), copies held by a running snapshot or by replies in flight, and the engine's fixed
/// structures beyond <see cref="BaseBytes"/>. docs/performance.md compares it with the GC heap and
/// the working set; the process is larger by the GC's slack, which is why the limit needs headroom.
/// </remarks>
internal static class MemoryModel
{
    /// <summary>A fixed allowance for the engine itself (executor, command table, buffers).</summary>
    public const long BaseBytes = 1024 * 1024;

    /// <summary>The <see cref="Entry"/> object: header and its fields.</summary>
    public const long EntryBytes = 88;

    /// <summary>A key's place in the list of keys with a TTL (a reference, with the list's spare capacity).</summary>
    public const long ExpiryBytes = 16;

    /// <summary>A <see cref="Types.StringValue"/> object without its buffer.</summary>
    public const long StringObjectBytes = 32;

    /// <summary>A list object without its arrays.</summary>
    public const long ListObjectBytes = 32;

    /// <summary>A hash or set object and its <see cref="Types.ByteMap{TValue}"/> without buckets and nodes.</summary>
    public const long MapObjectBytes = 56;

    /// <summary>One node of a <see cref="Types.ByteMap{TValue}"/> chain (key reference, hash, value, next).</summary>
    public const long MapNodeBytes = 48;

    /// <summary>A sorted set object: its map, its skip list and the skip list's header node.</summary>
    public const long SortedSetObjectBytes = 96 + 48 + 24 + 16 * Types.SkipList.MaxLevel;

    /// <summary>One skip-list node without its level array (member, score, backward, levels).</summary>
    public const long SkipListNodeBytes = 48 + 24;

    /// <summary>One level of a skip-list node (forward reference and span).</summary>
    public const long SkipListLevelBytes = 16;

    /// <summary>One slot of a priority queue (element reference and priority), with its spare capacity.</summary>
    public const long QueueSlotBytes = 24;

    /// <summary>A lock value without its owner token.</summary>
    public const long LockObjectBytes = 48;

    /// <summary>A byte array of <paramref name="length"/>: 24 bytes of header and length, then the bytes, rounded to 8.</summary>
    public static long ByteArray(int length) => 24 + ((length + 7L) & ~7L);

    /// <summary>An array of <paramref name="length"/> references.</summary>
    public static long RefArray(int length) => 24 + 8L * length;
}
