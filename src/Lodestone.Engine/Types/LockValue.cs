namespace Lodestone.Engine.Types;

/// <summary>
/// A lock: who holds it, until when, and the fencing token of its latest grant.
/// </summary>
/// <remarks>
/// The value outlives its holders: a released or lapsed lock keeps its key, so the highest token
/// granted stays known (LOCK.FENCE needs it) until the key is deleted.
///
/// The lease is timed twice. <see cref="ExpiresAtMs"/> is wall-clock Unix time: what the log and the
/// snapshot carry and what callers are shown. <see cref="DeadlineMs"/> is the engine's monotonic
/// clock, which decides: a wall-clock jump neither ends nor lengthens a lease. A value built from the
/// log or a snapshot has no deadline yet (<see cref="UnknownDeadline"/>); the first live command
/// derives it from the wall-clock expiry, once, after the restart.
/// </remarks>
internal sealed class LockValue : IValue
{
    /// <summary>The deadline of a lease loaded from disk, before a live command derives it.</summary>
    public const long UnknownDeadline = long.MinValue;

    /// <summary>The holder's owner token, or null when nobody holds the lock.</summary>
    public byte[]? Owner { get; set; }

    /// <summary>The fencing token of the latest grant (0 before the first).</summary>
    public long Token { get; set; }

    /// <summary>When the lease ends, Unix milliseconds (0 when free).</summary>
    public long ExpiresAtMs { get; set; }

    /// <summary>When the lease ends on the engine's monotonic clock, milliseconds.</summary>
    public long DeadlineMs { get; set; } = UnknownDeadline;

    /// <summary>One lock is one element.</summary>
    public long Length => 1;

    public long EstimatedBytes =>
        Keyspace.MemoryModel.LockObjectBytes + (Owner is null ? 0 : Keyspace.MemoryModel.ByteArray(Owner.Length));

    public IValue DeepCopy() => new LockValue
    {
        Owner = Owner is null ? null : (byte[])Owner.Clone(),
        Token = Token,
        ExpiresAtMs = ExpiresAtMs,
        DeadlineMs = DeadlineMs,
    };

    /// <summary>Drops the holder, keeping the token.</summary>
    public void Free()
    {
        Owner = null;
        ExpiresAtMs = 0;
        DeadlineMs = UnknownDeadline;
    }
}
