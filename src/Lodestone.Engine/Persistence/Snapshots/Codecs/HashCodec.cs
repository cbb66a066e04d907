using Lodestone.Engine.Types;

namespace Lodestone.Engine.Persistence.Snapshots.Codecs;

/// <summary>A hash: the field count, then each field and its value.</summary>
internal sealed class HashCodec : IValueCodec
{
    public void Write(SnapshotEncoder output, IValue value)
    {
        var hash = (HashValue)value;
        output.Varint((ulong)hash.Count);
        foreach (var (field, fieldValue) in hash.Entries())
        {
            output.Bytes(field);
            output.Bytes(fieldValue);
        }
    }

    public IValue Read(SnapshotDecoder input)
    {
        var hash = new HashValue();
        for (var count = input.Count(); count > 0; count--)
            hash.Set(input.Bytes(), input.Bytes());
        return hash;
    }
}
