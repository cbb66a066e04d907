using Lodestone.Engine.Types;

namespace Lodestone.Engine;

/// <summary>A key's size, as the big-keys walk saw it.</summary>
/// <param name="Key">The key's bytes.</param>
/// <param name="Type">Its type.</param>
/// <param name="Elements">Elements of a collection; bytes of a string.</param>
/// <param name="EstimatedBytes">Its estimated memory: entry, key, value and TTL (see used_memory).</param>
public sealed record BigKey(byte[] Key, RedisType Type, long Elements, long EstimatedBytes);

/// <summary>The keys of one type found by a big-keys walk.</summary>
public sealed record BigKeysOfType(
    RedisType Type, long Keys, long TotalElements, long TotalBytes, IReadOnlyList<BigKey> LargestByElements, IReadOnlyList<BigKey> LargestByBytes);
