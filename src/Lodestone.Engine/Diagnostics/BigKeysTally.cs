using System.Globalization;
using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Diagnostics;

/// <summary>
/// The keys of each type seen by a big-keys walk: how many, their elements and bytes together, and
/// the largest by each measure. BIGKEYS fills one per slice and replies with it; a caller walking the
/// whole keyspace (<c>GET /admin/bigkeys</c>, a test) merges each slice's reply into its own with
/// <see cref="AddReply"/>, as redis-cli --bigkeys tallies what SCAN returns. The largest of the whole
/// walk are among the largest of its slices, so merging loses nothing.
/// </summary>
public sealed class BigKeysTally
{
    private readonly int _count;
    private readonly Dictionary<RedisType, Tally> _tallies = [];

    /// <param name="count">How many of the largest keys to keep per type and measure (1 to <see cref="KeyStatistics.MaxBigKeys"/>).</param>
    public BigKeysTally(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, KeyStatistics.MaxBigKeys);
        _count = count;
    }

    /// <summary>Keys counted so far, every type.</summary>
    public long Keys { get; private set; }

    /// <summary>BIGKEYS calls merged so far (<see cref="AddReply"/>).</summary>
    public int Slices { get; private set; }

    /// <summary>Counts one key, and keeps it if it is among the largest of its type.</summary>
    public void Add(BigKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Keys++;
        TallyOf(key.Type).Add(key);
    }

    /// <summary>
    /// Merges one BIGKEYS reply — the next cursor, then one map per type — and returns that cursor
    /// (0 when the walk is complete).
    /// </summary>
    /// <exception cref="InvalidOperationException">The reply is an error or not BIGKEYS's shape.</exception>
    public ulong AddReply(Reply reply)
    {
        if (reply.IsError)
            throw new InvalidOperationException(reply.AsError().Message);
        var parts = reply.AsItems();
        var cursor = ulong.Parse(Encoding.ASCII.GetString(parts[0].AsBulk().Span), CultureInfo.InvariantCulture);
        foreach (var map in parts[1].AsItems())
        {
            var fields = Fields(map);
            var name = Encoding.UTF8.GetString(fields["type"].AsBulk().Span);
            if (!RedisTypeNames.TryParse(name, out var type))
                throw new InvalidOperationException($"BIGKEYS reported an unknown type '{name}'.");
            var tally = TallyOf(type);
            var keys = fields["keys"].AsInteger();
            Keys += keys;
            tally.AddTotals(keys, fields["elements"].AsInteger(), fields["bytes"].AsInteger());
            foreach (var big in fields["largest-by-elements"].AsItems().Concat(fields["largest-by-bytes"].AsItems()))
            {
                var item = big.AsItems();
                tally.Keep(new BigKey(item[0].AsBulk().ToArray(), type, item[1].AsInteger(), item[2].AsInteger()));
            }
        }
        Slices++;
        return cursor;
    }

    /// <summary>What has been counted, per type in type order.</summary>
    public IReadOnlyList<BigKeysOfType> Types => _tallies.OrderBy(t => t.Key).Select(t => t.Value.Report(t.Key)).ToList();

    /// <summary>BIGKEYS's reply: the cursor to go on from, then one map per type.</summary>
    internal Reply ToReply(ulong cursor) => Reply.Array(
    [
        Reply.Bulk(cursor.ToString(CultureInfo.InvariantCulture)),
        Reply.Array(Types.Select(t => Reply.Map(
        [
            Reply.Bulk("type"), Reply.Bulk(t.Type.Name()),
            Reply.Bulk("keys"), Reply.Integer(t.Keys),
            Reply.Bulk("elements"), Reply.Integer(t.TotalElements),
            Reply.Bulk("bytes"), Reply.Integer(t.TotalBytes),
            Reply.Bulk("largest-by-elements"), Reply.Array(t.LargestByElements.Select(KeyReply).ToArray()),
            Reply.Bulk("largest-by-bytes"), Reply.Array(t.LargestByBytes.Select(KeyReply).ToArray()),
        ])).ToArray()),
    ]);

    private static Reply KeyReply(BigKey key) => Reply.Array([Reply.Bulk(key.Key), Reply.Integer(key.Elements), Reply.Integer(key.EstimatedBytes)]);

    private static Dictionary<string, Reply> Fields(Reply map)
    {
        var items = map.AsItems();
        var fields = new Dictionary<string, Reply>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Count; i += 2)
            fields[Encoding.UTF8.GetString(items[i].AsBulk().Span)] = items[i + 1];
        return fields;
    }

    private Tally TallyOf(RedisType type)
    {
        if (!_tallies.TryGetValue(type, out var tally))
            _tallies[type] = tally = new Tally(_count);
        return tally;
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
            AddTotals(1, key.Elements, key.EstimatedBytes);
            Keep(key);
        }

        public void AddTotals(long keys, long elements, long bytes)
        {
            _keys += keys;
            _elements += elements;
            _bytes += bytes;
        }

        /// <summary>Keeps <paramref name="key"/> among the largest by each measure, if it is (once per list).</summary>
        public void Keep(BigKey key)
        {
            Keep(_byElements, key, static k => k.Elements);
            Keep(_byBytes, key, static k => k.EstimatedBytes);
        }

        public BigKeysOfType Report(RedisType type) => new(type, _keys, _elements, _bytes, [.. _byElements], [.. _byBytes]);

        /// <summary>Keeps the <c>count</c> largest, largest first (insertion into a short sorted list).</summary>
        private void Keep(List<BigKey> largest, BigKey key, Func<BigKey, long> measure)
        {
            var size = measure(key);
            if ((largest.Count == count && measure(largest[^1]) >= size) || largest.Exists(k => k.Key.AsSpan().SequenceEqual(key.Key)))
                return;
            var at = largest.FindIndex(k => measure(k) < size);
            largest.Insert(at < 0 ? largest.Count : at, key);
            if (largest.Count > count)
                largest.RemoveAt(largest.Count - 1);
        }
    }
}
