namespace Lodestone.Engine.Types;

/// <summary>
/// A consumer group (Redis's streamCG): the last id delivered, how many entries it has read (for
/// the lag, -1 when unknown), its pending entries list (PEL) in id order, and its consumers by name.
/// </summary>
internal sealed class StreamGroup(byte[] name, StreamId lastId, long entriesRead)
{
    /// <summary>Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is not known.</summary>
    public const long UnknownEntriesRead = -1;

    public byte[] Name { get; } = name;

    public StreamId LastId { get; set; } = lastId;

    public long EntriesRead { get; set; } = entriesRead;

    /// <summary>Every entry delivered and not acknowledged yet, by id.</summary>
    public PendingList Pending { get; } = new();

    /// <summary>Consumers by name, in Redis's (byte) order.</summary>
    public SortedDictionary<byte[], StreamConsumer> Consumers { get; } = new(ByteOrder.Instance);

    /// <summary>The consumer named <paramref name="consumerName"/>, created (seen now) when missing; <paramref name="created"/> says which.</summary>
    public StreamConsumer GetOrCreateConsumer(byte[] consumerName, long nowMs, out bool created)
    {
        created = !Consumers.TryGetValue(consumerName, out var consumer);
        if (consumer is null)
        {
            Consumers[consumerName] = consumer = new StreamConsumer(consumerName, nowMs);
            _consumerBytes += ConsumerBytes(consumerName);
        }
        return consumer;
    }

    /// <summary>Removes a consumer and its pending entries; returns how many it had.</summary>
    public int DeleteConsumer(byte[] consumerName)
    {
        if (!Consumers.Remove(consumerName, out var consumer))
            return -1;
        _consumerBytes -= ConsumerBytes(consumerName);
        foreach (var pending in consumer.Pending.All())
            Pending.Remove(pending.Id);
        return consumer.Pending.Count;
    }

    /// <summary>The group's estimated bytes, O(1): its object and name, its consumers and its pending entries (in two lists each).</summary>
    public long EstimatedBytes => 96 + Keyspace.MemoryModel.ByteArray(Name.Length) + (Pending.Count * PendingEntry.EstimatedBytes * 2) + _consumerBytes;

    private long _consumerBytes;

    /// <summary>A consumer's object, its name and its place in the consumers' tree.</summary>
    private static long ConsumerBytes(byte[] name) => 112 + Keyspace.MemoryModel.ByteArray(name.Length);

    public StreamGroup Copy()
    {
        var copy = new StreamGroup(Name, LastId, EntriesRead);
        foreach (var consumer in Consumers.Values)
        {
            var twin = copy.GetOrCreateConsumer(consumer.Name, consumer.SeenTime, out _);
            foreach (var pending in consumer.Pending.All())
            {
                var entry = new PendingEntry(pending.Id, twin, pending.DeliveryTime, pending.DeliveryCount);
                twin.Pending.Add(entry);
                copy.Pending.Add(entry);
            }
        }
        return copy;
    }
}

/// <summary>A consumer of a group: its name, when it was last seen (Redis 7.0's seen-time) and its own pending entries.</summary>
internal sealed class StreamConsumer(byte[] name, long seenTime)
{
    public byte[] Name { get; } = name;

    public long SeenTime { get; set; } = seenTime;

    public PendingList Pending { get; } = new();
}

/// <summary>A PEL (a group's or a consumer's): pending entries by id, found in O(1) and walked in id order from any id in O(log n).</summary>
internal sealed class PendingList
{
    private readonly SortedSet<StreamId> _order = [];
    private readonly Dictionary<StreamId, PendingEntry> _byId = [];

    public int Count => _byId.Count;

    public bool TryGet(StreamId id, out PendingEntry entry) => _byId.TryGetValue(id, out entry!);

    /// <summary>Adds an entry whose id is not in the list yet.</summary>
    public void Add(PendingEntry entry)
    {
        _byId.Add(entry.Id, entry);
        _order.Add(entry.Id);
    }

    public bool Remove(StreamId id) => _byId.Remove(id) && _order.Remove(id);

    public StreamId First => _order.Min;

    public StreamId Last => _order.Max;

    /// <summary>The entries from <paramref name="start"/> on, in id order. Do not change the list while enumerating.</summary>
    public IEnumerable<PendingEntry> From(StreamId start)
    {
        if (_order.Count == 0 || start > _order.Max)
            yield break;
        foreach (var id in _order.GetViewBetween(start, StreamId.Max))
            yield return _byId[id];
    }

    public IEnumerable<PendingEntry> All() => From(StreamId.Min);
}

/// <summary>A delivered, unacknowledged entry (Redis's streamNACK): who has it, when it was last delivered, how often.</summary>
internal sealed class PendingEntry(StreamId id, StreamConsumer consumer, long deliveryTime, long deliveryCount)
{
    /// <summary>Its share of memory in the group's and the consumer's trees (node, key, value object).</summary>
    public const long EstimatedBytes = 56;

    public StreamId Id { get; } = id;

    public StreamConsumer Consumer { get; set; } = consumer;

    public long DeliveryTime { get; set; } = deliveryTime;

    public long DeliveryCount { get; set; } = deliveryCount;
}

/// <summary>Byte strings in memcmp order, shorter first on a common prefix (the order of Redis's radix trees).</summary>
internal sealed class ByteOrder : IComparer<byte[]>
{
    public static readonly ByteOrder Instance = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
