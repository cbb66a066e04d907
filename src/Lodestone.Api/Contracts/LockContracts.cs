namespace Lodestone.Api.Contracts;

/// <summary>Body of <c>POST /locks/{name}</c> (LOCK.ACQUIRE).</summary>
/// <param name="TtlMs">The lease, in milliseconds (at most Engine:LockMaxTtlMs).</param>
/// <param name="WaitMs">How long to wait in line if the lock is held (a long poll); 0 answers at once.</param>
/// <param name="Owner">Your owner token; without it the service makes a random 128-bit one. Keep it secret: it releases the lock.</param>
public sealed record AcquireLockRequest(long TtlMs, long WaitMs = 0, string? Owner = null);

/// <summary>Body of <c>PATCH /locks/{name}</c> (LOCK.EXTEND): renew the lease to TtlMs from now.</summary>
public sealed record ExtendLockRequest(string Owner, long TtlMs);

/// <summary>Body of <c>POST /locks/{name}/fence</c> (LOCK.FENCE).</summary>
public sealed record FenceRequest(long FencingToken);

/// <summary>A lock granted (or extended) to its owner.</summary>
/// <param name="FencingToken">Strictly greater than every earlier grant of this lock: pass it to what the lock protects.</param>
/// <param name="ExpiresAt">When the lease ends (ISO 8601), unless extended.</param>
/// <param name="TtlMs">Milliseconds left on the lease.</param>
public sealed record LockGrant(string Name, string Owner, long FencingToken, DateTimeOffset ExpiresAt, long TtlMs);

/// <summary>A lock's state (<c>GET /locks/{name}</c>): free when Owner is null.</summary>
/// <param name="FencingToken">The latest grant's token (also after release or expiry).</param>
/// <param name="Waiters">Callers waiting in line for it.</param>
public sealed record LockState(string Name, bool Held, string? Owner, long FencingToken, DateTimeOffset? ExpiresAt, long? TtlMs, long Waiters);

/// <summary>A fencing token that is current: no later grant of the lock exists.</summary>
public sealed record FenceResult(string Name, long FencingToken);
