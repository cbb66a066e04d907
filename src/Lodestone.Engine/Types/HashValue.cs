namespace Lodestone.Engine.Types;

/// <summary>
/// A Redis hash: fields to values, both binary strings, in a <see cref="ByteMap{TValue}"/> — O(1)
/// get, set and delete, Redis-style HSCAN cursors and O(1) random sampling for HRANDFIELD — and,
/// for the fields given one (Redis 7.4's hash-field expiration), an absolute expiry time.
/// </summary>
/// <remarks>
/// Field and value arrays are never changed once stored (a new value is a new array), so replies and
/// copies may share them. A hash whose last field is removed is deleted by the command that removed
/// it: an existing hash key is never empty.
/// <para>
/// Design note (field TTLs). A hash without field TTLs carries nothing extra. Once a field gets one,
/// the hash keeps a map field → expiry (Unix ms) and a queue ordered by expiry, so the fields due by
/// a time are found in O(k log n) without walking the hash. The queue is lazy: a TTL changed or removed
/// leaves its old entry behind, skipped when it comes up (and the queue is rebuilt once stale entries
/// outnumber live ones). A field expires when its time is strictly before the current time, as a key
/// does; the keyspace removes due fields before any command sees the hash (see
/// <see cref="Keyspace.Keyspace.Peek"/>), so no reply ever shows an expired field.
/// </para>
/// </remarks>
internal sealed class HashValue : IValue
{
    /// <summary>What <see cref="ExpiryOf"/> answers for a field without a TTL.</summary>
    public const long NoExpiry = -1;

    private readonly ByteMap<byte[]> _fields;
    private ByteMap<long>? _expiries;
    private PriorityQueue<byte[], long>? _due;

    public HashValue()
        : this(new ByteMap<byte[]>(static value => Keyspace.MemoryModel.ByteArray(value.Length)))
    {
    }

    private HashValue(ByteMap<byte[]> fields) => _fields = fields;

    public int Count => _fields.Count;

    /// <summary>Buckets in the field table.</summary>
    public int BucketCount => _fields.BucketCount;

    long IValue.Length => Count;

    public long EstimatedBytes => Keyspace.MemoryModel.MapObjectBytes + _fields.EstimatedBytes
        + (_expiries is null ? 0 : _expiries.StructureBytes + (Keyspace.MemoryModel.QueueSlotBytes * _due!.Count));

    public bool TryGet(ReadOnlySpan<byte> field, out byte[] value) => _fields.TryGetValue(field, out value);

    public bool Contains(ReadOnlySpan<byte> field) => _fields.ContainsKey(field);

    /// <summary>
    /// Sets <paramref name="field"/> to <paramref name="value"/>; true when the field is new. Both arrays
    /// are kept as they are. The field's TTL goes (HSET's rule) unless <paramref name="keepTtl"/> (HINCRBY, HSETEX KEEPTTL).
    /// </summary>
    public bool Set(byte[] field, byte[] value, bool keepTtl = false)
    {
        if (!keepTtl)
            _expiries?.Remove(field);
        return _fields.Set(field, value);
    }

    public bool Remove(ReadOnlySpan<byte> field)
    {
        _expiries?.Remove(field);
        return _fields.Remove(field);
    }

    /// <inheritdoc cref="ByteMap{TValue}.Scan"/>
    public ulong Scan(ulong cursor, List<KeyValuePair<byte[], byte[]>> into) => _fields.Scan(cursor, into);

    /// <summary>A random field and its value. The hash must not be empty.</summary>
    /// <remarks>The field array is the stored one, so the same field always comes back as the same array.</remarks>
    public KeyValuePair<byte[], byte[]> Random(Random random) => _fields.Random(random);

    /// <summary>Every field and value, in table order. Do not change the hash while enumerating.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Entries() => _fields.Entries();

    /// <summary>Whether any field has a TTL.</summary>
    public bool HasFieldExpiries => _expiries is { Count: > 0 };

    /// <summary>Every field with a TTL and its expiry (Unix ms), in table order.</summary>
    public IEnumerable<KeyValuePair<byte[], long>> Expiries() => _expiries?.Entries() ?? [];

    /// <summary>The field's expiry (Unix ms), or <see cref="NoExpiry"/>.</summary>
    public long ExpiryOf(ReadOnlySpan<byte> field) =>
        _expiries is not null && _expiries.TryGetValue(field, out var at) ? at : NoExpiry;

    /// <summary>Gives an existing <paramref name="field"/> a TTL ending at <paramref name="atMs"/> (Unix ms).</summary>
    public void SetExpiry(ReadOnlySpan<byte> field, long atMs)
    {
        if (!_fields.TryGetKey(field, out var stored))
            throw new InvalidOperationException("Only an existing field can get a TTL.");
        _expiries ??= new ByteMap<long>();
        _due ??= new PriorityQueue<byte[], long>();
        _expiries.Set(stored, atMs);
        _due.Enqueue(stored, atMs);
        // Every change leaves a stale entry behind; rebuild before they outnumber the live ones.
        if (_due.Count > (2 * _expiries.Count) + 16)
            RebuildQueue();
    }

    /// <summary>Removes the field's TTL; false when it had none.</summary>
    public bool Persist(ReadOnlySpan<byte> field) => _expiries is not null && _expiries.Remove(field);

    /// <summary>The earliest field expiry (Unix ms), or <see cref="long.MaxValue"/> when no field has a TTL.</summary>
    public long NextExpiry
    {
        get
        {
            if (_due is null)
                return long.MaxValue;
            while (_due.TryPeek(out var name, out var at))
            {
                if (_expiries!.TryGetValue(name, out var current) && current == at)
                    return at;
                _due.Dequeue();
            }
            return long.MaxValue;
        }
    }

    /// <summary>Removes the fields whose time is strictly before <paramref name="nowMs"/>; returns them (null when none).</summary>
    public List<byte[]>? RemoveExpired(long nowMs)
    {
        List<byte[]>? removed = null;
        while (NextExpiry < nowMs)
        {
            var field = _due!.Dequeue();
            _expiries!.Remove(field);
            _fields.Remove(field);
            (removed ??= []).Add(field);
        }
        if (_expiries is { Count: 0 })
            (_expiries, _due) = (null, null);
        return removed;
    }

    /// <summary>A copy with its own tables; the immutable field and value arrays are shared.</summary>
    public IValue DeepCopy()
    {
        var copy = new HashValue(_fields.Copy());
        foreach (var (field, at) in Expiries())
            copy.SetExpiry(field, at);
        return copy;
    }

    private void RebuildQueue()
    {
        _due!.Clear();
        foreach (var (field, at) in _expiries!.Entries())
            _due.Enqueue(field, at);
    }
}
