namespace Lodestone.Engine.Types;

/// <summary>
/// A Redis set: distinct binary members in a <see cref="ByteMap{TValue}"/> — O(1) add, remove and
/// membership, O(1) expected random sampling (SPOP, SRANDMEMBER) and SSCAN cursors with Redis's
/// guarantee. Members are byte arrays that are never changed once stored, so they may be shared with
/// replies and copies. Unlike Redis there is one encoding (no intset or listpack for small sets).
/// </summary>
internal sealed class SetValue : IValue
{
    private readonly ByteMap<bool> _members;

    public SetValue() => _members = new ByteMap<bool>();

    private SetValue(ByteMap<bool> members) => _members = members;

    public int Count => _members.Count;

    /// <summary>Buckets in the member table.</summary>
    public int BucketCount => _members.BucketCount;

    long IValue.Length => Count;

    public long EstimatedBytes => Keyspace.MemoryModel.MapObjectBytes + _members.EstimatedBytes;

    /// <summary>Adds <paramref name="member"/>; true when it was not there yet.</summary>
    public bool Add(byte[] member) => _members.Set(member, true);

    /// <summary>Removes <paramref name="member"/>; true when it was there.</summary>
    public bool Remove(ReadOnlySpan<byte> member) => _members.Remove(member);

    public bool Contains(ReadOnlySpan<byte> member) => _members.ContainsKey(member);

    /// <summary>A random member; the set must not be empty.</summary>
    public byte[] Random(Random random) => _members.Random(random).Key;

    /// <summary>Every member, in table order. Do not change the set while enumerating.</summary>
    public IEnumerable<byte[]> Members()
    {
        foreach (var (member, _) in _members.Entries())
            yield return member;
    }

    /// <summary>One SSCAN step: adds one bucket's members and returns the next cursor (0 when done).</summary>
    public ulong Scan(ulong cursor, List<byte[]> into)
    {
        var bucket = new List<KeyValuePair<byte[], bool>>();
        var next = _members.Scan(cursor, bucket);
        foreach (var (member, _) in bucket)
            into.Add(member);
        return next;
    }

    public IValue DeepCopy() => new SetValue(_members.Copy());
}
