namespace Lodestone.Engine.Keyspace;

/// <summary>
/// How one command (or one engine tick) uses the keyspace: its time snapshot and what its lookups
/// mean. Created when the command begins and passed to every keyspace operation that reads the clock
/// or records an access — instead of mode flags set on the keyspace around each call.
/// </summary>
/// <remarks>
/// A 16-byte value passed by <c>in</c>: no allocation, nothing to reset when the command ends, and a
/// nested operation (the executor's own checks inside a command) cannot leave a flag behind.
/// </remarks>
internal readonly struct KeyAccess
{
    private readonly Kind _kind;

    private KeyAccess(long nowMs, Kind kind)
    {
        NowMs = nowMs;
        _kind = kind;
    }

    /// <summary>The time snapshot, Unix milliseconds: a key expires when this is strictly after its expiry instant.</summary>
    public long NowMs { get; }

    /// <summary>Whether accesses update the LFU counter (an LFU policy) rather than the LRU clock.</summary>
    public bool Lfu => (_kind & Kind.Lfu) != 0;

    /// <summary>Whether the command writes: what it looks up it may change (a running snapshot saves it first).</summary>
    public bool Write => (_kind & Kind.Write) != 0;

    /// <summary>Whether lookups count as keyspace hits or misses (a read-only command's handler; INFO stats).</summary>
    public bool CountsReads => (_kind & Kind.CountsReads) != 0;

    /// <summary>Whether <paramref name="entry"/>'s time has passed at this time snapshot (strictly after its expiry instant, as in Redis).</summary>
    public bool IsExpired(Entry entry) => entry.ExpireAtMs != Entry.NoExpiry && NowMs > entry.ExpireAtMs;

    /// <summary>An access that only observes: the executor's own checks, ticks, loading.</summary>
    public static KeyAccess At(long nowMs, bool lfu = false) => new(nowMs, lfu ? Kind.Lfu : Kind.None);

    /// <summary>This access for a command that writes (<paramref name="write"/>) and whose lookups count as hits or misses (<paramref name="countsReads"/>).</summary>
    public KeyAccess For(bool write, bool countsReads) =>
        new(NowMs, (_kind & Kind.Lfu) | (write ? Kind.Write : Kind.None) | (countsReads ? Kind.CountsReads : Kind.None));

    [Flags]
    private enum Kind : byte
    {
        None = 0,
        Lfu = 1,
        Write = 2,
        CountsReads = 4,
    }
}
