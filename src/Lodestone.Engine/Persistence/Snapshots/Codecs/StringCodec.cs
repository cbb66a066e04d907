using Lodestone.Engine.Types;

namespace Lodestone.Engine.Persistence.Snapshots.Codecs;

/// <summary>A string: its bytes.</summary>
internal sealed class StringCodec : IValueCodec
{
    public void Write(SnapshotEncoder output, IValue value) => output.Bytes(((StringValue)value).Span);

    public IValue Read(SnapshotDecoder input) => StringValue.Wrap(input.Bytes());
}
