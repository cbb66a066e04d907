using System.Diagnostics;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Execution;

/// <summary>Memory: reports about the keys — the most accessed ones and the largest ones — built on the engine thread.</summary>
/// <remarks>
/// Design note. Hot keys are read from statistics kept on every access (<see cref="HotKeys"/>), so the
/// report is O(K). Big keys need a walk of the whole keyspace; like a snapshot, the walk goes in
/// slices of at most <see cref="BigKeysSlice"/>, each a work item of its own that queues the next, so
/// commands run between slices and none waits behind more than one. The walk uses the SCAN cursor,
/// so every key present for the whole walk is seen; keys written meanwhile may or may not be.
/// </remarks>
public sealed partial class Executor
{
    /// <summary>The most keys <see cref="HotKeysAsync"/> can report.</summary>
    public const int MaxHotKeys = HotKeys.Capacity;

    /// <summary>How often, in milliseconds, hot-key access counts are halved (so they follow recent traffic).</summary>
    public const long HotKeysHalfLifeMs = HotKeys.HalfLifeMs;

    /// <summary>The longest the engine spends on one slice of a big-keys walk.</summary>
    public static readonly TimeSpan BigKeysSlice = TimeSpan.FromMilliseconds(1);

    /// <summary>The most accessed keys, hottest first (at most <see cref="HotKeys.Capacity"/>).</summary>
    public Task<IReadOnlyList<HotKey>> HotKeysAsync(int count) => InvokeAsync<IReadOnlyList<HotKey>>(keyspace =>
    {
        var lfu = _eviction.Policy.IsLfu();
        return keyspace.HotKeys.Top(count, _nowMs)
            .Select(t => new HotKey(t.Entry.Key, t.Entry.Type, t.Count, t.PerSecond,
                lfu ? Eviction.LfuCounter(t.Entry.Access, _nowMs) : null))
            .ToList();
    });

    /// <summary>
    /// Walks the keyspace in slices and reports, per type (or only <paramref name="type"/>), how many
    /// keys there are and the <paramref name="count"/> largest by elements and by estimated bytes.
    /// </summary>
    public Task<BigKeysReport> BigKeysAsync(RedisType type, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var work = new BigKeysWork(type, count);
        Enqueue(work);
        return work.Task;
    }

    /// <summary>Runs <paramref name="read"/> on the engine thread between commands and returns its result.</summary>
    internal Task<T> InvokeAsync<T>(Func<Keyspace.Keyspace, T> read)
    {
        var work = new InvokeWork<T>(read);
        Enqueue(work);
        return work.Task;
    }

    private sealed class InvokeWork<T>(Func<Keyspace.Keyspace, T> read)
        : TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously), IWork
    {
        private T _result = default!;

        public bool Execute(Executor executor)
        {
            executor.TakeTimeSnapshot();
            _result = read(executor._keyspace);
            return true;
        }

        public void Complete() => TrySetResult(_result);

        public void Fail(EngineError error) => TrySetException(new InvalidOperationException(error.Message));
    }

    private sealed class BigKeysWork(RedisType only, int count)
        : TaskCompletionSource<BigKeysReport>(TaskCreationOptions.RunContinuationsAsynchronously), IWork
    {
        private readonly Dictionary<RedisType, Tally> _tallies = [];
        private readonly List<Entry> _bucket = [];
        private readonly long _started = Stopwatch.GetTimestamp();
        private ulong _cursor;
        private long _scanned;
        private int _slices;

        public bool Execute(Executor executor)
        {
            executor.TakeTimeSnapshot();
            var keyspace = executor._keyspace;
            var access = KeyAccess.At(executor._nowMs);
            var sliceStart = Stopwatch.GetTimestamp();
            _slices++;
            do
            {
                _bucket.Clear();
                _cursor = keyspace.ScanAll(_cursor, _bucket);
                foreach (var entry in _bucket)
                {
                    if (access.IsExpired(entry) || (only != RedisType.None && entry.Type != only))
                        continue;
                    _scanned++;
                    if (!_tallies.TryGetValue(entry.Type, out var tally))
                        _tallies[entry.Type] = tally = new Tally(count);
                    var value = entry.Value;
                    tally.Add(new BigKey(entry.Key, entry.Type, value.Length, Keyspace.Keyspace.SizeOf(entry)));
                }
            }
            while (_cursor != 0 && Stopwatch.GetElapsedTime(sliceStart) < BigKeysSlice);
            executor._clock.Read();
            if (_cursor == 0)
                return true;
            // More to walk: the next slice queues behind the commands that arrived meanwhile.
            executor.Enqueue(this);
            return false;
        }

        public void Complete() => TrySetResult(new BigKeysReport(
            _scanned, _slices, Stopwatch.GetElapsedTime(_started),
            _tallies.OrderBy(t => t.Key).Select(t => t.Value.Report(t.Key)).ToList()));

        public void Fail(EngineError error) => TrySetException(new InvalidOperationException(error.Message));
    }

    /// <summary>The keys of one type: how many, and the largest seen so far by each measure.</summary>
    private sealed class Tally(int count)
    {
        private readonly List<BigKey> _byElements = [];
        private readonly List<BigKey> _byBytes = [];
        private long _keys;
        private long _elements;
        private long _bytes;

        public void Add(BigKey key)
        {
            _keys++;
            _elements += key.Elements;
            _bytes += key.EstimatedBytes;
            Keep(_byElements, key, static k => k.Elements);
            Keep(_byBytes, key, static k => k.EstimatedBytes);
        }

        public BigKeysOfType Report(RedisType type) => new(type, _keys, _elements, _bytes, _byElements, _byBytes);

        /// <summary>Keeps the <c>count</c> largest, largest first (insertion into a short sorted list).</summary>
        private void Keep(List<BigKey> largest, BigKey key, Func<BigKey, long> measure)
        {
            var size = measure(key);
            if (largest.Count == count && measure(largest[^1]) >= size)
                return;
            var at = largest.FindIndex(k => measure(k) < size);
            largest.Insert(at < 0 ? largest.Count : at, key);
            if (largest.Count > count)
                largest.RemoveAt(largest.Count - 1);
        }
    }
}
