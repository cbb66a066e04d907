namespace Lodestone.Engine.Diagnostics;

/// <summary>The limits of the hot-key and big-key reports (HOTKEYS, BIGKEYS), in one place for the engine and its callers.</summary>
public static class KeyStatistics
{
    /// <summary>The most keys HOTKEYS can report: the size of the top list kept on every access.</summary>
    public const int MaxHotKeys = Keyspace.HotKeys.Capacity;

    /// <summary>The most largest keys per type and measure BIGKEYS reports.</summary>
    public const int MaxBigKeys = 100;

    /// <summary>The longest the engine spends on one BIGKEYS call (one slice of a walk).</summary>
    public static readonly TimeSpan BigKeysSlice = TimeSpan.FromMilliseconds(1);
}
