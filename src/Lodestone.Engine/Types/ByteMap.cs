using Lodestone.Engine.Keyspace;

namespace Lodestone.Engine.Types;

/// <summary>
/// A hash table from binary strings to values, for the members of sets and the fields of hashes
/// (and the member → score index of sorted sets).
/// </summary>
/// <remarks>
/// Like <see cref="KeyTable"/>, and for the same reasons: SSCAN/HSCAN/ZSCAN cursors with Redis's
/// guarantee (<see cref="ScanCursor"/>), and O(1) expected random sampling for SPOP, SRANDMEMBER,
/// HRANDFIELD. Power-of-two sizes; doubles at load factor 1, halves below 1/8. Keys are never
/// changed once stored, so they may be shared with replies.
/// </remarks>
internal sealed class ByteMap<TValue>
{
    private const int MinSize = 4;

    private readonly Func<TValue, long>? _valueBytes;
    private Node?[] _buckets = new Node?[MinSize];
    private long _payloadBytes;

    /// <param name="valueBytes">The estimated size of a value that is an object of its own (a hash's
    /// value arrays); null when values live inside the node.</param>
    public ByteMap(Func<TValue, long>? valueBytes = null) => _valueBytes = valueBytes;

    public int Count { get; private set; }

    /// <summary>Buckets in the table.</summary>
    public int BucketCount => _buckets.Length;

    /// <summary>Buckets, nodes, keys and values, estimated (<see cref="MemoryModel"/>); kept current as the map changes.</summary>
    public long EstimatedBytes => StructureBytes + _payloadBytes;

    /// <summary>Buckets and nodes only: for a map whose keys are counted elsewhere (shared arrays).</summary>
    public long StructureBytes => MemoryModel.RefArray(_buckets.Length) + Count * MemoryModel.MapNodeBytes;

    public bool TryGetValue(ReadOnlySpan<byte> key, out TValue value)
    {
        var node = Find(key, KeyTable.HashOf(key));
        value = node is null ? default! : node.Value;
        return node is not null;
    }

    /// <summary>The stored array of a key equal to <paramref name="key"/> (so others can share it).</summary>
    public bool TryGetKey(ReadOnlySpan<byte> key, out byte[] stored)
    {
        stored = Find(key, KeyTable.HashOf(key))?.Key!;
        return stored is not null;
    }

    public bool ContainsKey(ReadOnlySpan<byte> key) => Find(key, KeyTable.HashOf(key)) is not null;

    /// <summary>Adds or replaces; true when <paramref name="key"/> was new.</summary>
    public bool Set(byte[] key, TValue value)
    {
        var hash = KeyTable.HashOf(key);
        if (Find(key, hash) is { } existing)
        {
            if (_valueBytes is not null)
                _payloadBytes += _valueBytes(value) - _valueBytes(existing.Value);
            existing.Value = value;
            return false;
        }
        _payloadBytes += MemoryModel.ByteArray(key.Length) + (_valueBytes?.Invoke(value) ?? 0);
        if (Count >= _buckets.Length)
            Resize(_buckets.Length * 2);
        ref var head = ref _buckets[hash & (_buckets.Length - 1)];
        head = new Node(key, hash, value) { Next = head };
        Count++;
        return true;
    }

    public bool Remove(ReadOnlySpan<byte> key) => Remove(key, out _);

    public bool Remove(ReadOnlySpan<byte> key, out TValue value)
    {
        var hash = KeyTable.HashOf(key);
        ref var link = ref _buckets[hash & (_buckets.Length - 1)];
        while (link is not null)
        {
            if (link.Hash == hash && link.Key.AsSpan().SequenceEqual(key))
            {
                value = link.Value;
                _payloadBytes -= MemoryModel.ByteArray(link.Key.Length) + (_valueBytes?.Invoke(value) ?? 0);
                link = link.Next;
                Count--;
                if (_buckets.Length > MinSize && Count * 8 < _buckets.Length)
                    Resize(_buckets.Length / 2);
                return true;
            }
            link = ref link.Next;
        }
        value = default!;
        return false;
    }

    /// <summary>Adds the entries of the bucket at <paramref name="cursor"/> and returns the next cursor (0 when done).</summary>
    public ulong Scan(ulong cursor, List<KeyValuePair<byte[], TValue>> into)
    {
        var mask = (ulong)(_buckets.Length - 1);
        for (var node = _buckets[(int)(cursor & mask)]; node is not null; node = node.Next)
            into.Add(new(node.Key, node.Value));
        return ScanCursor.Next(cursor, mask);
    }

    /// <summary>A random entry: each bucket equally likely, then each entry of its chain. The map must not be empty.</summary>
    public KeyValuePair<byte[], TValue> Random(Random random)
    {
        if (Count == 0)
            throw new InvalidOperationException("A random entry of an empty map.");
        while (true)
        {
            var head = _buckets[random.Next(_buckets.Length)];
            if (head is null)
                continue;
            var length = 0;
            for (var n = head; n is not null; n = n.Next)
                length++;
            var node = head;
            for (var pick = random.Next(length); pick > 0; pick--)
                node = node!.Next;
            return new(node!.Key, node.Value);
        }
    }

    /// <summary>Every entry, in table order. Do not change the map while enumerating.</summary>
    public IEnumerable<KeyValuePair<byte[], TValue>> Entries()
    {
        foreach (var head in _buckets)
        {
            for (var node = head; node is not null; node = node.Next)
                yield return new(node.Key, node.Value);
        }
    }

    /// <summary>A copy with the same keys; <paramref name="copyValue"/> copies values that can change.</summary>
    public ByteMap<TValue> Copy(Func<TValue, TValue>? copyValue = null)
    {
        var copy = new ByteMap<TValue>(_valueBytes);
        foreach (var (key, value) in Entries())
            copy.Set(key, copyValue is null ? value : copyValue(value));
        return copy;
    }

    private Node? Find(ReadOnlySpan<byte> key, int hash)
    {
        for (var node = _buckets[hash & (_buckets.Length - 1)]; node is not null; node = node.Next)
        {
            if (node.Hash == hash && node.Key.AsSpan().SequenceEqual(key))
                return node;
        }
        return null;
    }

    private void Resize(int size)
    {
        var buckets = new Node?[size];
        foreach (var head in _buckets)
        {
            var node = head;
            while (node is not null)
            {
                var next = node.Next;
                ref var slot = ref buckets[node.Hash & (size - 1)];
                node.Next = slot;
                slot = node;
                node = next;
            }
        }
        _buckets = buckets;
    }

    private sealed class Node(byte[] key, int hash, TValue value)
    {
        public readonly byte[] Key = key;
        public readonly int Hash = hash;
        public TValue Value = value;
        public Node? Next;
    }
}
