namespace Lodestone.Engine.Types;

/// <summary>
/// The type of value a key holds. The numbers will be written to disk: they are explicit and
/// append-only (never renumber or reuse one).
/// </summary>
public enum RedisType : byte
{
    /// <summary>No key (or, on a command declaration, "no type check").</summary>
    None = 0,
    /// <summary>A binary-safe string (also integers and bitmaps).</summary>
    String = 1,
    /// <summary>A list of strings in insertion order.</summary>
    List = 2,
    /// <summary>An unordered set of unique strings.</summary>
    Set = 3,
    /// <summary>A map of fields to string values.</summary>
    Hash = 4,
    /// <summary>A sorted set: unique members ordered by score.</summary>
    ZSet = 5,
    /// <summary>A stream: entries ordered by id, with consumer groups (XADD, XREADGROUP…).</summary>
    Stream = 6,
    /// <summary>A Lodestone lock (LOCK.* commands): holder, lease and fencing token. Not a Redis type.</summary>
    Lock = 7,
}

/// <summary>The names Redis uses for types (TYPE's reply, SCAN's TYPE filter).</summary>
public static class RedisTypeNames
{
    /// <summary>The name TYPE replies with (<c>string</c>, <c>zset</c>, <c>none</c>…).</summary>
    public static string Name(this RedisType type) => type switch
    {
        RedisType.String => "string",
        RedisType.List => "list",
        RedisType.Set => "set",
        RedisType.Hash => "hash",
        RedisType.ZSet => "zset",
        RedisType.Stream => "stream",
        RedisType.Lock => "lock",
        _ => "none",
    };

    /// <summary>Parses a Redis type name (case-insensitive); false for anything else, including "none".</summary>
    public static bool TryParse(string name, out RedisType type)
    {
        type = name.ToLowerInvariant() switch
        {
            "string" => RedisType.String,
            "list" => RedisType.List,
            "set" => RedisType.Set,
            "hash" => RedisType.Hash,
            "zset" => RedisType.ZSet,
            "stream" => RedisType.Stream,
            "lock" => RedisType.Lock,
            _ => RedisType.None,
        };
        return type != RedisType.None;
    }
}
