namespace Lodestone.Engine.Keyspace;

/// <summary>
/// The most accessed keys: a count-min sketch of accesses plus a small top-K list, updated on every
/// access without allocating (O(depth) for a key already listed, O(depth + K) otherwise), in fixed
/// memory (64 KB + K references).
/// </summary>
/// <remarks>
/// Design note. Exact per-key counters would cost a dictionary entry per key; the sketch costs four
/// counter increments (rows of 4096, indexes from the key's hash) and estimates a key's count as its
/// smallest counter — never below the truth, above it only by collisions, which matter for cold keys
/// and hardly for hot ones. A key whose estimate beats the smallest of the top list enters it.
/// Every <see cref="HalfLifeMs"/> all counters are halved (on the engine tick), so counts follow
/// recent traffic: with halving every T, a steady rate r holds a count of r·(T + t) at t after the
/// last halving, which gives the rate estimate. Engine thread only.
/// </remarks>
internal sealed class HotKeys
{
    public const int Capacity = 64;
    public const long HalfLifeMs = 10_000;
    private const int Depth = 4;
    private const int WidthBits = 12;
    private static readonly uint[] Seeds = [0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F];

    private readonly uint[] _counts = new uint[Depth << WidthBits];
    private readonly Entry?[] _top = new Entry?[Capacity];
    private readonly uint[] _topCounts = new uint[Capacity];
    private int _topCount;
    private uint _topMin;
    private long _lastHalvingMs = long.MinValue;

    /// <summary>Counts one access to <paramref name="entry"/>.</summary>
    public void Record(Entry entry)
    {
        var hash = (uint)entry.Hash;
        var estimate = uint.MaxValue;
        for (var row = 0; row < Depth; row++)
        {
            ref var counter = ref _counts[(row << WidthBits) | (int)((hash * Seeds[row]) >> (32 - WidthBits))];
            if (counter != uint.MaxValue)
                counter++;
            estimate = Math.Min(estimate, counter);
        }
        if (_topCount < Capacity || estimate > _topMin)
            Offer(entry, estimate);
    }

    /// <summary>Halves every count once per <see cref="HalfLifeMs"/> (call on every tick).</summary>
    public void Age(long nowMs)
    {
        if (_lastHalvingMs == long.MinValue)
            _lastHalvingMs = nowMs;
        if (nowMs - _lastHalvingMs < HalfLifeMs)
            return;
        _lastHalvingMs = nowMs;
        for (var i = 0; i < _counts.Length; i++)
            _counts[i] >>= 1;
        for (var i = 0; i < _topCount; i++)
            _topCounts[i] >>= 1;
        _topMin >>= 1;
    }

    /// <summary>Forgets everything (FLUSHALL).</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        Array.Clear(_top);
        Array.Clear(_topCounts);
        _topCount = 0;
        _topMin = 0;
    }

    /// <summary>The hottest keys still in the keyspace, hottest first, with their estimated count and rate per second.</summary>
    public List<(Entry Entry, long Count, double PerSecond)> Top(int count, long nowMs)
    {
        var window = HalfLifeMs + Math.Clamp(_lastHalvingMs == long.MinValue ? 0 : nowMs - _lastHalvingMs, 0, HalfLifeMs);
        var result = new List<(Entry, long, double)>();
        for (var i = 0; i < _topCount; i++)
        {
            if (_top[i] is { AccountedBytes: >= 0 } entry && _topCounts[i] > 0)
                result.Add((entry, _topCounts[i], _topCounts[i] * 1000.0 / window));
        }
        return result.OrderByDescending(r => r.Item2).Take(count).ToList();
    }

    private void Offer(Entry entry, uint estimate)
    {
        // The entry remembers its slot, so a hot key (accessed most, by definition) finds it at once.
        int slot = entry.HotSlot;
        var listed = slot >= 0 && slot < _topCount && ReferenceEquals(_top[slot], entry);
        if (!listed)
        {
            if (_topCount < Capacity)
            {
                slot = _topCount++;
            }
            else
            {
                // Replace the coldest (or a key that has left the keyspace).
                slot = 0;
                for (var i = 1; i < _topCount; i++)
                {
                    if (_top[i]!.AccountedBytes < 0 || _topCounts[i] < _topCounts[slot])
                        slot = i;
                }
                _top[slot]!.HotSlot = -1;
            }
            _top[slot] = entry;
            entry.HotSlot = (sbyte)slot;
        }
        // Counts only grow between halvings: the smallest changes only if this slot held it or is new.
        var heldMinimum = !listed || _topCounts[slot] <= _topMin;
        _topCounts[slot] = estimate;
        if (_topCount < Capacity || !heldMinimum)
            return;
        var min = uint.MaxValue;
        for (var i = 0; i < _topCount; i++)
            min = Math.Min(min, _topCounts[i]);
        _topMin = min;
    }
}
