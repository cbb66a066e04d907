using Lodestone.Engine.Types;

namespace Lodestone.Engine.Persistence.Snapshots.Codecs;

/// <summary>A lock: its token (varint), then 0 when free, or 1, the owner and the lease's Unix-ms expiry.</summary>
internal sealed class LockCodec : IValueCodec
{
    public void Write(SnapshotEncoder output, IValue value)
    {
        var held = (LockValue)value;
        output.Varint((ulong)held.Token);
        if (held.Owner is null)
        {
            output.Byte(0);
            return;
        }
        output.Byte(1);
        output.Bytes(held.Owner);
        output.Int64(held.ExpiresAtMs);
    }

    public IValue Read(SnapshotDecoder input)
    {
        var value = new LockValue { Token = (long)input.Varint() };
        switch (input.Byte())
        {
            case 0:
                break;
            case 1:
                value.Owner = input.Bytes();
                value.ExpiresAtMs = input.Int64();
                break;
            case var other:
                throw new InvalidDataException($"Unknown lock state {other} at byte {input.Position - 1}.");
        }
        return value;
    }
}
