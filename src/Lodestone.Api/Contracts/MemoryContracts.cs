namespace Lodestone.Api.Contracts;

/// <summary>GET /admin/hotkeys: the most accessed keys.</summary>
/// <param name="Policy">The memory policy (under an LFU one each key also has its LFU counter).</param>
/// <param name="HalfLifeSeconds">Access counts are halved this often, so they follow recent traffic.</param>
/// <param name="Keys">Hottest first.</param>
public sealed record HotKeysResult(string Policy, double HalfLifeSeconds, IReadOnlyList<HotKeyItem> Keys);

/// <summary>One hot key.</summary>
/// <param name="Key">The key: UTF-8 text, or base64 when <paramref name="Encoding"/> says so.</param>
/// <param name="Type">Its Redis type.</param>
/// <param name="EstimatedAccesses">Accesses counted with decay (a count-min sketch: never under the truth).</param>
/// <param name="AccessesPerSecond">The recent access rate this implies.</param>
/// <param name="LfuFrequency">The LFU counter (0–255, logarithmic) under an LFU policy, else null.</param>
/// <param name="Encoding">"base64" when the key is not UTF-8 (or base64 was asked for), else null.</param>
public sealed record HotKeyItem(string Key, string Type, long EstimatedAccesses, double AccessesPerSecond, int? LfuFrequency, string? Encoding);

/// <summary>GET /admin/bigkeys: the largest keys per type, from one sliced walk of the keyspace.</summary>
/// <param name="KeysScanned">Keys looked at (of the requested type).</param>
/// <param name="Slices">Engine slices the walk took, each at most about 1 ms.</param>
/// <param name="ElapsedMs">Wall time of the walk, commands in between included.</param>
/// <param name="Types">Per type.</param>
public sealed record BigKeysResult(long KeysScanned, int Slices, double ElapsedMs, IReadOnlyList<BigKeysTypeItem> Types);

/// <summary>The keys of one type.</summary>
/// <param name="Type">The Redis type.</param>
/// <param name="Keys">How many keys of the type.</param>
/// <param name="TotalElements">Their elements together (bytes for strings).</param>
/// <param name="TotalEstimatedBytes">Their estimated memory together.</param>
/// <param name="LargestByElements">The largest by element count (string length for strings), largest first.</param>
/// <param name="LargestByBytes">The largest by estimated bytes, largest first.</param>
public sealed record BigKeysTypeItem(
    string Type, long Keys, long TotalElements, long TotalEstimatedBytes,
    IReadOnlyList<BigKeyItem> LargestByElements, IReadOnlyList<BigKeyItem> LargestByBytes);

/// <summary>One big key.</summary>
/// <param name="Key">The key: UTF-8 text, or base64 when <paramref name="Encoding"/> says so.</param>
/// <param name="Elements">Elements of a collection; bytes of a string.</param>
/// <param name="EstimatedBytes">Estimated memory: entry, key, value and TTL.</param>
/// <param name="Encoding">"base64" when the key is not UTF-8 (or base64 was asked for), else null.</param>
public sealed record BigKeyItem(string Key, long Elements, long EstimatedBytes, string? Encoding);
