using Lodestone.Engine.Types;

namespace Lodestone.Engine.Persistence.Snapshots.Codecs;

/// <summary>A sorted set: the member count, then each member and its score (IEEE double), in score order.</summary>
internal sealed class SortedSetCodec : IValueCodec
{
    public void Write(SnapshotEncoder output, IValue value)
    {
        var zset = (SortedSetValue)value;
        output.Varint((ulong)zset.Count);
        foreach (var (member, score) in zset.All())
        {
            output.Bytes(member);
            output.Double(score);
        }
    }

    public IValue Read(SnapshotDecoder input)
    {
        var zset = new SortedSetValue();
        for (var count = input.Count(); count > 0; count--)
            zset.Set(input.Bytes(), input.Double());
        return zset;
    }
}
