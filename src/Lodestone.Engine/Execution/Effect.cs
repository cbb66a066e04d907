namespace Lodestone.Engine.Execution;

/// <summary>
/// One record of the canonical effect log: a deterministic command, and the version of the command
/// that emitted it — the version every key it writes gets (0 when that command wrote no key: a
/// deletion, an expiry, an eviction).
/// </summary>
/// <remarks>
/// Each write command takes one version from the keyspace's counter, the first time it writes a
/// key, and every key it writes gets that version; every effect it emits carries it. Replaying the
/// record (at startup, after a refused batch, on a replica) gives its keys that same version, so a
/// key's version — its ETag — is a function of the records, not of who applies them or when.
/// </remarks>
/// <param name="Args">The command and its arguments.</param>
/// <param name="Version">The version of the keys the emitting command wrote, or 0.</param>
public readonly record struct Effect(byte[][] Args, long Version);
