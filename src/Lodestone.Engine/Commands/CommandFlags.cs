namespace Lodestone.Engine.Commands;

/// <summary>What a command does, as Redis's command flags. Values are append-only.</summary>
[Flags]
public enum CommandFlags
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>May modify the keyspace; logged, refused on read-only replicas.</summary>
    Write = 1 << 0,
    /// <summary>Only reads data.</summary>
    ReadOnly = 1 << 1,
    /// <summary>May grow memory; refused when the memory limit is reached.</summary>
    DenyOom = 1 << 2,
    /// <summary>An administrative command.</summary>
    Admin = 1 << 3,
    /// <summary>O(1) or O(log N): never slow.</summary>
    Fast = 1 << 4,
    /// <summary>May park the caller until data arrives or a timeout.</summary>
    Blocking = 1 << 5,
    /// <summary>Its reply depends on randomness or time, not only on the data.</summary>
    Random = 1 << 6,
    /// <summary>Allowed while the dataset is loading.</summary>
    Loading = 1 << 7,
    /// <summary>Allowed on a replica that has lost its master.</summary>
    Stale = 1 << 8,
    /// <summary>Redis's @dangerous (KEYS, FLUSHALL…): may stall the server or destroy data; only admins may run it.</summary>
    Dangerous = 1 << 9,
    /// <summary>
    /// Iterates the keyspace and returns only the keys the caller's key patterns allow (SCAN), so a
    /// user limited to some keys may run it although it declares none.
    /// </summary>
    FiltersKeys = 1 << 10,

    /// <summary>A publish/subscribe command (Redis's <c>pubsub</c> flag): channels, not keys.</summary>
    PubSub = 1 << 11,

    /// <summary>Refused inside a script (Redis's <c>noscript</c>): the scripting commands themselves, subscriptions, MONITOR.</summary>
    NoScript = 1 << 12,
}
