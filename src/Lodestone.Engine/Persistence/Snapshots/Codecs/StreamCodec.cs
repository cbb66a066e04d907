using Lodestone.Engine.Types;

namespace Lodestone.Engine.Persistence.Snapshots.Codecs;

/// <summary>
/// A stream: the entry count, then each entry (id as two varints, the pair count, each field and
/// value); the last id, the max deleted id, entries-added (varint) and the recorded first id; then
/// the group count and each group: name, last id, entries-read (i64, -1 unknown), its consumers
/// (name, seen-time i64) and its PEL in id order (id, consumer name, delivery time i64, delivery
/// count varint).
/// </summary>
/// <remarks>
/// Entries are written as entries, not as blocks: loading appends them into fresh blocks, so a
/// stream that had deleted entries comes back compacted (its contents, counters and groups equal).
/// </remarks>
internal sealed class StreamCodec : IValueCodec
{
    public void Write(SnapshotEncoder output, IValue value)
    {
        var stream = (StreamValue)value;
        output.Varint((ulong)stream.Length);
        foreach (var (id, pairs) in stream.Range(StreamId.Min, StreamId.Max))
        {
            Id(output, id);
            output.Varint((ulong)(pairs.Length / 2));
            foreach (var part in pairs)
                output.Bytes(part);
        }
        Id(output, stream.LastId);
        Id(output, stream.MaxDeletedId);
        output.Varint((ulong)stream.EntriesAdded);
        Id(output, stream.FirstId);
        output.Varint((ulong)stream.GroupCount);
        foreach (var group in stream.Groups?.Values ?? Enumerable.Empty<StreamGroup>())
        {
            output.Bytes(group.Name);
            Id(output, group.LastId);
            output.Int64(group.EntriesRead);
            output.Varint((ulong)group.Consumers.Count);
            foreach (var consumer in group.Consumers.Values)
            {
                output.Bytes(consumer.Name);
                output.Int64(consumer.SeenTime);
            }
            output.Varint((ulong)group.Pending.Count);
            foreach (var pending in group.Pending.All())
            {
                Id(output, pending.Id);
                output.Bytes(pending.Consumer.Name);
                output.Int64(pending.DeliveryTime);
                output.Varint((ulong)pending.DeliveryCount);
            }
        }
    }

    public IValue Read(SnapshotDecoder input)
    {
        var stream = new StreamValue();
        for (var count = input.Count(); count > 0; count--)
        {
            var id = ReadId(input);
            if (stream.Length > 0 && id <= stream.LastId)
                throw new InvalidDataException($"Stream entry ids are not increasing, before byte {input.Position}.");
            var pairs = new byte[input.Count() * 2][];
            for (var i = 0; i < pairs.Length; i++)
                pairs[i] = input.Bytes();
            stream.Append(id, pairs);
        }
        var lastId = ReadId(input);
        var maxDeleted = ReadId(input);
        var entriesAdded = (long)input.Varint();
        var firstId = ReadId(input);
        if (stream.Length > 0 && (lastId < stream.LastId || firstId != stream.FirstId))
            throw new InvalidDataException($"A stream's counters do not match its entries, before byte {input.Position}.");
        stream.Restore(lastId, maxDeleted, entriesAdded);
        for (var groups = input.Count(); groups > 0; groups--)
        {
            var group = stream.CreateGroup(input.Bytes(), ReadId(input), input.Int64())
                ?? throw new InvalidDataException($"A stream names a group twice, before byte {input.Position}.");
            for (var consumers = input.Count(); consumers > 0; consumers--)
            {
                var name = input.Bytes();
                group.GetOrCreateConsumer(name, input.Int64(), out _);
            }
            for (var pending = input.Count(); pending > 0; pending--)
            {
                var id = ReadId(input);
                var owner = input.Bytes();
                var deliveryTime = input.Int64();
                var deliveryCount = (long)input.Varint();
                if (!group.Consumers.TryGetValue(owner, out var consumer))
                    throw new InvalidDataException($"A pending entry names a consumer its group does not have, before byte {input.Position}.");
                var entry = new PendingEntry(id, consumer, deliveryTime, deliveryCount);
                group.Pending.Add(entry);
                consumer.Pending.Add(entry);
            }
        }
        return stream;
    }

    private static void Id(SnapshotEncoder output, StreamId id)
    {
        output.Varint(id.Ms);
        output.Varint(id.Seq);
    }

    private static StreamId ReadId(SnapshotDecoder input) => new(input.Varint(), input.Varint());
}
