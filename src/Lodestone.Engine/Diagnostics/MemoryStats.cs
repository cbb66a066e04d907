namespace Lodestone.Engine;

/// <summary>
/// The engine's memory figures at the end of its last loop turn (for INFO memory/stats and metrics).
/// Read on any thread; the engine thread publishes a fresh one after each batch.
/// </summary>
/// <param name="UsedBytes">The estimated bytes of the data (Redis's <c>used_memory</c>).</param>
/// <param name="PeakBytes">The highest <paramref name="UsedBytes"/> seen since start.</param>
/// <param name="MaxMemoryBytes">The limit, 0 for none.</param>
/// <param name="Policy">What happens at the limit.</param>
/// <param name="EvictedKeys">Keys evicted since start.</param>
/// <param name="Keys">Keys in the keyspace.</param>
public sealed record MemoryStats(long UsedBytes, long PeakBytes, long MaxMemoryBytes, MaxMemoryPolicy Policy, long EvictedKeys, long Keys);
