using Lodestone.Engine.Types;

namespace Lodestone.Engine.Persistence.Snapshots.Codecs;

/// <summary>A list: the element count, then each element from head to tail.</summary>
internal sealed class ListCodec : IValueCodec
{
    public void Write(SnapshotEncoder output, IValue value)
    {
        var list = (ListValue)value;
        output.Varint((ulong)list.Count);
        for (var i = 0; i < list.Count; i++)
            output.Bytes(list[i]);
    }

    public IValue Read(SnapshotDecoder input)
    {
        var list = new ListValue();
        for (var count = input.Count(); count > 0; count--)
            list.PushTail(input.Bytes());
        return list;
    }
}
