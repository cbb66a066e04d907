namespace Lodestone.Engine.Keyspace;

/// <summary>
/// A chained hash table of entries keyed by bytes.
/// </summary>
/// <remarks>
/// Design note. We keep our own table (rather than <see cref="Dictionary{TKey,TValue}"/>) for the
/// two things Redis's dict gives and a .NET dictionary cannot:
/// <list type="bullet">
/// <item>SCAN with a stateless cursor that returns every key present for the whole iteration at
/// least once even if the table grows or shrinks in between: the cursor walks bucket indexes in
/// reverse-binary order (Pieter Noordhuis's algorithm from dict.c).</item>
/// <item>O(1) expected random sampling (RANDOMKEY, and later eviction).</item>
/// </list>
/// Sizes are powers of two; the table doubles at load factor 1 and halves below 1/8. Resizing is
/// done in one step (no incremental rehash yet).
/// </remarks>
internal sealed class KeyTable
{
    private const int MinSize = 16;

    private Entry?[] _buckets = new Entry?[MinSize];

    public int Count { get; private set; }

    /// <summary>The bucket array's estimated bytes (the entries are counted by the keyspace).</summary>
    public long OverheadBytes => MemoryModel.RefArray(_buckets.Length);

    public static int HashOf(ReadOnlySpan<byte> key)
    {
        var hash = new HashCode();
        hash.AddBytes(key);
        return hash.ToHashCode();
    }

    public Entry? Find(ReadOnlySpan<byte> key, int hash)
    {
        for (var entry = _buckets[hash & (_buckets.Length - 1)]; entry is not null; entry = entry.Next)
        {
            if (entry.Hash == hash && entry.Key.AsSpan().SequenceEqual(key))
                return entry;
        }
        return null;
    }

    /// <summary>Adds an entry whose key is not in the table (the caller has looked).</summary>
    public void Add(Entry entry)
    {
        if (Count >= _buckets.Length)
            Resize(_buckets.Length * 2);
        ref var head = ref _buckets[entry.Hash & (_buckets.Length - 1)];
        entry.Next = head;
        head = entry;
        Count++;
    }

    /// <summary>
    /// Adds entries whose keys should not be in the table yet (a snapshot's, loaded in bulk): the
    /// table is sized once for all of them and they are placed in one pass. Stops at one whose key was
    /// there already or came twice, and returns it (the table then holds those before it); else null.
    /// </summary>
    public Entry? AddAll(IReadOnlyList<Entry> entries)
    {
        var size = _buckets.Length;
        while (size < Count + entries.Count)
            size *= 2;
        if (size != _buckets.Length)
            Resize(size);
        var mask = size - 1;
        foreach (var entry in entries)
        {
            ref var head = ref _buckets[entry.Hash & mask];
            if (Chained(head, entry))
                return entry;
            entry.Next = head;
            head = entry;
            Count++;
        }
        return null;
    }

    private static bool Chained(Entry? head, Entry entry)
    {
        for (var other = head; other is not null; other = other.Next)
        {
            if (other.Hash == entry.Hash && other.Key.AsSpan().SequenceEqual(entry.Key))
                return true;
        }
        return false;
    }

    public bool Remove(Entry entry)
    {
        ref var link = ref _buckets[entry.Hash & (_buckets.Length - 1)];
        while (link is not null)
        {
            if (ReferenceEquals(link, entry))
            {
                link = entry.Next;
                entry.Next = null;
                Count--;
                if (_buckets.Length > MinSize && Count * 8 < _buckets.Length)
                    Resize(_buckets.Length / 2);
                return true;
            }
            link = ref link.Next!;
        }
        return false;
    }

    public void Clear()
    {
        _buckets = new Entry?[MinSize];
        Count = 0;
    }

    /// <summary>
    /// Adds the entries of the bucket at <paramref name="cursor"/> to <paramref name="into"/> and
    /// returns the next cursor; 0 means the iteration is complete.
    /// </summary>
    public ulong Scan(ulong cursor, List<Entry> into)
    {
        var mask = (ulong)(_buckets.Length - 1);
        for (var entry = _buckets[(int)(cursor & mask)]; entry is not null; entry = entry.Next)
            into.Add(entry);

        return ScanCursor.Next(cursor, mask);
    }

    /// <summary>A random entry (each bucket equally likely, then each entry of its chain), or null when empty.</summary>
    public Entry? Random(Random random)
    {
        if (Count == 0)
            return null;
        while (true)
        {
            var head = _buckets[random.Next(_buckets.Length)];
            if (head is null)
                continue;
            var length = 0;
            for (var e = head; e is not null; e = e.Next)
                length++;
            var pick = random.Next(length);
            var entry = head;
            while (pick-- > 0)
                entry = entry!.Next;
            return entry;
        }
    }

    private void Resize(int size)
    {
        var buckets = new Entry?[size];
        var mask = size - 1;
        foreach (var head in _buckets)
        {
            var entry = head;
            while (entry is not null)
            {
                var next = entry.Next;
                ref var slot = ref buckets[entry.Hash & mask];
                entry.Next = slot;
                slot = entry;
                entry = next;
            }
        }
        _buckets = buckets;
    }
}
