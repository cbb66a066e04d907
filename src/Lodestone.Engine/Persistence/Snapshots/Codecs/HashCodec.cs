using Lodestone.Engine.Types;

namespace Lodestone.Engine.Persistence.Snapshots.Codecs;

/// <summary>
/// A hash: the field count, then each field and its value; from format 3 on, then the number of fields
/// with a TTL and each of them again with its expiry (i64 Unix ms).
/// </summary>
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
        var expiring = hash.Expiries().ToList();
        output.Varint((ulong)expiring.Count);
        foreach (var (field, atMs) in expiring)
        {
            output.Bytes(field);
            output.Int64(atMs);
        }
    }

    public IValue Read(SnapshotDecoder input)
    {
        var hash = new HashValue();
        for (var count = input.Count(); count > 0; count--)
            hash.Set(input.Bytes(), input.Bytes());
        if (input.Format < SnapshotFile.FieldTtlFormat)
            return hash;
        for (var count = input.Count(); count > 0; count--)
        {
            var field = input.Bytes();
            var atMs = input.Int64();
            if (!hash.Contains(field))
                throw new InvalidDataException($"A field TTL names a field the hash does not have, before byte {input.Position}.");
            hash.SetExpiry(field, atMs);
        }
        return hash;
    }
}
