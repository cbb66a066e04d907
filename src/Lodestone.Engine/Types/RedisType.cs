namespace Lodestone.Engine.Types;

/// <summary>
/// The type of value a key holds. The numbers will be written to disk: they are explicit and
/// append-only (never renumber or reuse one).
/// </summary>
public enum RedisType : byte
{
    /// <summary>No key (or, on a command declaration, "no type check").</summary>
    None = 0,
    String = 1,
    List = 2,
    Set = 3,
    Hash = 4,
    ZSet = 5,
    Stream = 6,
    /// <summary>A Lodestone lock (LOCK.* commands): holder, lease and fencing token. Not a Redis type.</summary>
    Lock = 7,
}

/// <summary>The names Redis uses for types (TYPE's reply, SCAN's TYPE filter).</summary>
public static class RedisTypeNames
{
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
