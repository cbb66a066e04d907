namespace Lodestone.Engine.Types;

/// <summary>
/// A Redis hash: fields to values, both binary strings, in a <see cref="ByteMap{TValue}"/> — O(1)
/// get, set and delete, Redis-style HSCAN cursors and O(1) random sampling for HRANDFIELD.
/// </summary>
/// <remarks>
/// Field and value arrays are never changed once stored (a new value is a new array), so replies and
/// copies may share them. A hash whose last field is removed is deleted by the command that removed
/// it: an existing hash key is never empty.
/// </remarks>
internal sealed class HashValue : IValue
{
    private readonly ByteMap<byte[]> _fields;

    public HashValue()
        : this(new ByteMap<byte[]>(static value => Keyspace.MemoryModel.ByteArray(value.Length)))
    {
    }

    private HashValue(ByteMap<byte[]> fields) => _fields = fields;

    public int Count => _fields.Count;

    /// <summary>Buckets in the field table.</summary>
    public int BucketCount => _fields.BucketCount;

    long IValue.Length => Count;

    public long EstimatedBytes => Keyspace.MemoryModel.MapObjectBytes + _fields.EstimatedBytes;

    public bool TryGet(ReadOnlySpan<byte> field, out byte[] value) => _fields.TryGetValue(field, out value);

    public bool Contains(ReadOnlySpan<byte> field) => _fields.ContainsKey(field);

    /// <summary>Sets <paramref name="field"/> to <paramref name="value"/>; true when the field is new. Both arrays are kept as they are.</summary>
    public bool Set(byte[] field, byte[] value) => _fields.Set(field, value);

    public bool Remove(ReadOnlySpan<byte> field) => _fields.Remove(field);

    /// <inheritdoc cref="ByteMap{TValue}.Scan"/>
    public ulong Scan(ulong cursor, List<KeyValuePair<byte[], byte[]>> into) => _fields.Scan(cursor, into);

    /// <summary>A random field and its value. The hash must not be empty.</summary>
    /// <remarks>The field array is the stored one, so the same field always comes back as the same array.</remarks>
    public KeyValuePair<byte[], byte[]> Random(Random random) => _fields.Random(random);

    /// <summary>Every field and value, in table order. Do not change the hash while enumerating.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Entries() => _fields.Entries();

    /// <summary>A copy with its own table; the immutable field and value arrays are shared.</summary>
    public IValue DeepCopy() => new HashValue(_fields.Copy());
}
