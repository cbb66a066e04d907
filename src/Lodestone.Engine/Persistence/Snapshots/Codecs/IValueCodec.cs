using Lodestone.Engine.Types;

namespace Lodestone.Engine.Persistence.Snapshots.Codecs;

/// <summary>
/// How one value type is written to and read from a snapshot. Adding a type means adding one codec
/// file and one line in <see cref="ValueCodecs"/>; a codec's bytes are part of the snapshot format
/// (changing them needs a new format version).
/// </summary>
internal interface IValueCodec
{
    void Write(SnapshotEncoder output, IValue value);

    IValue Read(SnapshotDecoder input);
}

/// <summary>The codec of every type, by the type's persisted number (<see cref="RedisType"/>).</summary>
internal static class ValueCodecs
{
    private static readonly Dictionary<RedisType, IValueCodec> ByType = new()
    {
        [RedisType.String] = new StringCodec(),
        [RedisType.List] = new ListCodec(),
        [RedisType.Set] = new SetCodec(),
        [RedisType.Hash] = new HashCodec(),
        [RedisType.ZSet] = new SortedSetCodec(),
        [RedisType.Stream] = new StreamCodec(),
        [RedisType.Lock] = new LockCodec(),
    };

    public static IValueCodec For(RedisType type) =>
        ByType.TryGetValue(type, out var codec) ? codec : throw new InvalidDataException($"No snapshot codec for type {(byte)type}.");
}
