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
    // Indexed by the type's number (an array, not a dictionary: it is asked once per key loaded).
    private static readonly IValueCodec?[] ByType = Build();

    private static IValueCodec?[] Build()
    {
        var codecs = new IValueCodec?[(int)RedisType.Lock + 1];
        codecs[(int)RedisType.String] = new StringCodec();
        codecs[(int)RedisType.List] = new ListCodec();
        codecs[(int)RedisType.Set] = new SetCodec();
        codecs[(int)RedisType.Hash] = new HashCodec();
        codecs[(int)RedisType.ZSet] = new SortedSetCodec();
        codecs[(int)RedisType.Stream] = new StreamCodec();
        codecs[(int)RedisType.Lock] = new LockCodec();
        return codecs;
    }

    public static IValueCodec For(RedisType type) =>
        (int)type < ByType.Length && ByType[(int)type] is { } codec ? codec : throw new InvalidDataException($"No snapshot codec for type {(byte)type}.");
}
