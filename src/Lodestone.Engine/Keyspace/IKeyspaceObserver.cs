namespace Lodestone.Engine.Keyspace;

/// <summary>
/// What the keyspace tells the rest of the engine as it happens, on the engine thread. Events that
/// Redis names (keyspace notifications) carry its name: <see cref="Expired"/>, <see cref="Evicted"/>.
/// Keyspace notifications and client-side-cache invalidation attach here.
/// </summary>
/// <remarks>Implementations run inside keyspace operations: they must not look keys up or change the keyspace.</remarks>
internal interface IKeyspaceObserver
{
    /// <summary>A key was removed because its time passed, lazily or by the active cycle (Redis's <c>expired</c> event).</summary>
    void Expired(byte[] key);

    /// <summary>
    /// Fields of the hash at <paramref name="key"/> were removed because their TTL passed (Redis's
    /// <c>hexpired</c>); <paramref name="version"/> is the key's version, which their removal keeps.
    /// </summary>
    void FieldsExpired(byte[] key, List<byte[]> fields, long version);

    /// <summary>A read command looked a key up and did not find it (Redis's <c>keymiss</c> event).</summary>
    void Missed(ReadOnlySpan<byte> key);

    /// <summary>A key was removed to get under the memory limit (Redis's <c>evicted</c> event).</summary>
    void Evicted(byte[] key);

    /// <summary>
    /// A key may now serve blocked callers (Redis's signalKeyAsReady): it came into existence, or a
    /// lock was released.
    /// </summary>
    void Ready(byte[] key);

    /// <summary>
    /// An entry that the running snapshot has not saved yet is about to change or leave (see
    /// <see cref="Keyspace.SnapshotEpoch"/>): save it now (copy-on-write).
    /// </summary>
    void BeforeChange(Entry entry);
}

/// <summary>An observer that ignores every event: a keyspace on its own (tests, benchmarks).</summary>
internal sealed class NoKeyspaceObserver : IKeyspaceObserver
{
    /// <summary>The one instance.</summary>
    public static readonly NoKeyspaceObserver Instance = new();

    private NoKeyspaceObserver()
    {
    }

    /// <inheritdoc/>
    public void FieldsExpired(byte[] key, List<byte[]> fields, long version)
    {
    }

    /// <inheritdoc/>
    public void Expired(byte[] key)
    {
    }

    /// <inheritdoc/>
    public void Missed(ReadOnlySpan<byte> key)
    {
    }

    /// <inheritdoc/>
    public void Evicted(byte[] key)
    {
    }

    /// <inheritdoc/>
    public void Ready(byte[] key)
    {
    }

    /// <inheritdoc/>
    public void BeforeChange(Entry entry)
    {
    }
}
