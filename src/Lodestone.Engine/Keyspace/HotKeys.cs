namespace Lodestone.Engine.Keyspace;

/// <summary>
/// The most accessed keys: a count-min sketch of accesses plus a small top-K list, updated on every
/// access without allocating (O(depth + log K)), in fixed memory (64 KB + K references).
/// </summary>
/// <remarks>
/// Design note. Exact per-key counters would cost a dictionary entry per key; the sketch costs four
/// counter increments (rows of 4096, indexes from the key's hash) and estimates a key's count as its
/// smallest counter — never below the truth, above it only by collisions, which matter for cold keys
/// and hardly for hot ones. The top list is a min-heap on those estimates, each listed entry knowing
/// its place: a key whose estimate beats the heap's root takes the root's place. With more equally
/// hot keys than the list holds (a pipeline spread over 100 counters), keys enter and leave on most
/// accesses, so each move must be cheap: a linear scan for the coldest was a tenth of the engine's
/// time there. A listed key that leaves the keyspace keeps its place until it is the coldest (the
/// list's readers skip it), where the scan used to give its place first. Every
/// <see cref="HalfLifeMs"/> all counters are halved (on the engine tick), which keeps the heap's
/// order; so counts follow recent traffic: with halving every T, a steady rate r holds a count of
/// r·(T + t) at t after the last halving, which gives the rate estimate. Engine thread only.
/// </remarks>
internal sealed class HotKeys
{
    public const int Capacity = 64;
    public const long HalfLifeMs = 10_000;
    private const int Depth = 4;
    private const int WidthBits = 12;
    private static readonly uint[] Seeds = [0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F];

    private readonly uint[] _counts = new uint[Depth << WidthBits];
    // A min-heap by count: the coldest listed key at 0; an entry's HotSlot is its index here.
    private readonly Entry?[] _top = new Entry?[Capacity];
    private readonly uint[] _topCounts = new uint[Capacity];
    private int _topCount;
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
        if (_topCount < Capacity || estimate > _topCounts[0])
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
    }

    /// <summary>Forgets everything (FLUSHALL).</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        Array.Clear(_top);
        Array.Clear(_topCounts);
        _topCount = 0;
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
        // The entry remembers its place, so a hot key (accessed most, by definition) finds it at once.
        int slot = entry.HotSlot;
        if (slot >= 0 && slot < _topCount && ReferenceEquals(_top[slot], entry))
        {
            // Between halvings a key's estimate only grows: it sinks away from the root.
            _topCounts[slot] = estimate;
            SiftDown(slot);
            return;
        }
        if (_topCount < Capacity)
        {
            slot = _topCount++;
            Place(slot, entry, estimate);
            SiftUp(slot);
            return;
        }
        // Full: the coldest listed key makes way.
        _top[0]!.HotSlot = -1;
        Place(0, entry, estimate);
        SiftDown(0);
    }

    private void Place(int slot, Entry entry, uint count)
    {
        _top[slot] = entry;
        _topCounts[slot] = count;
        entry.HotSlot = (sbyte)slot;
    }

    private void SiftUp(int slot)
    {
        var (entry, count) = (_top[slot]!, _topCounts[slot]);
        while (slot > 0)
        {
            var parent = (slot - 1) / 2;
            if (_topCounts[parent] <= count)
                break;
            Place(slot, _top[parent]!, _topCounts[parent]);
            slot = parent;
        }
        Place(slot, entry, count);
    }

    private void SiftDown(int slot)
    {
        var (entry, count) = (_top[slot]!, _topCounts[slot]);
        while (true)
        {
            var child = 2 * slot + 1;
            if (child >= _topCount)
                break;
            if (child + 1 < _topCount && _topCounts[child + 1] < _topCounts[child])
                child++;
            if (_topCounts[child] >= count)
                break;
            Place(slot, _top[child]!, _topCounts[child]);
            slot = child;
        }
        Place(slot, entry, count);
    }
}
