using Lodestone.Engine.Types;

namespace Lodestone.Engine.Persistence.Snapshots.Codecs;

/// <summary>A set: the member count, then each member.</summary>
internal sealed class SetCodec : IValueCodec
{
    public void Write(SnapshotEncoder output, IValue value)
    {
        var set = (SetValue)value;
        output.Varint((ulong)set.Count);
        foreach (var member in set.Members())
            output.Bytes(member);
    }

    public IValue Read(SnapshotDecoder input)
    {
        var set = new SetValue();
        for (var count = input.Count(); count > 0; count--)
            set.Add(input.Bytes());
        return set;
    }
}
