using Lodestone.Engine.Types;

namespace Lodestone.Engine;

/// <summary>One of the most accessed keys (<see cref="Execution.Executor.HotKeysAsync"/>).</summary>
/// <param name="Key">The key's bytes.</param>
/// <param name="Type">Its type.</param>
/// <param name="EstimatedAccesses">Accesses counted with exponential decay (halved every 10 s); never below the truth, above it only by sketch collisions.</param>
/// <param name="AccessesPerSecond">The recent access rate this count implies.</param>
/// <param name="LfuFrequency">The key's LFU counter (0–255, logarithmic) under an LFU policy; otherwise null.</param>
public sealed record HotKey(byte[] Key, RedisType Type, long EstimatedAccesses, double AccessesPerSecond, int? LfuFrequency);

/// <summary>A key's size, as the big-keys walk saw it.</summary>
/// <param name="Key">The key's bytes.</param>
/// <param name="Type">Its type.</param>
/// <param name="Elements">Elements of a collection; bytes of a string.</param>
/// <param name="EstimatedBytes">Its estimated memory: entry, key, value and TTL (see used_memory).</param>
public sealed record BigKey(byte[] Key, RedisType Type, long Elements, long EstimatedBytes);

/// <summary>The keys of one type found by a big-keys walk.</summary>
public sealed record BigKeysOfType(
    RedisType Type, long Keys, long TotalElements, long TotalBytes, IReadOnlyList<BigKey> LargestByElements, IReadOnlyList<BigKey> LargestByBytes);

/// <summary>The result of a big-keys walk (<see cref="Execution.Executor.BigKeysAsync"/>).</summary>
/// <param name="KeysScanned">Keys looked at.</param>
/// <param name="Slices">Engine slices the walk took (each at most <see cref="Execution.Executor.BigKeysSlice"/>).</param>
/// <param name="Elapsed">Wall time from start to end, commands in between included.</param>
/// <param name="Types">Per type, in type order.</param>
public sealed record BigKeysReport(long KeysScanned, int Slices, TimeSpan Elapsed, IReadOnlyList<BigKeysOfType> Types);
