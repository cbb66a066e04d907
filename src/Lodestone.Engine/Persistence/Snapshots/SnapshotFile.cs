using System.Buffers;
using System.Buffers.Binary;
using Lodestone.Engine.Persistence.Snapshots.Codecs;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Persistence.Snapshots;

/// <summary>
/// The snapshot format, version 1: a point-in-time image of the keyspace at a log offset.
/// </summary>
/// <remarks>
/// <code>
/// header   "LODESTONE-SNAP\n" (15 bytes), version (1 byte), log offset (i64)
/// entries  type (1 byte, a RedisType number), key (varint length + bytes), expiry (i64 Unix ms, -1 none),
///          the value as its type's codec writes it
/// end      0xFF, entry count (varint)
/// trailer  CRC-32C of every byte before it (u32)
/// </code>
/// Integers are little-endian. Type numbers and codec bytes are append-only; the golden test pins them.
/// </remarks>
internal static class SnapshotFile
{
    public const byte Version = 1;
    public const byte EndMarker = 0xFF;

    public static ReadOnlySpan<byte> Magic => "LODESTONE-SNAP\n"u8;

    public static string Name(long offset) => $"snapshot-{offset:D20}.snap";

    public static void WriteHeader(IBufferWriter<byte> output, long offset)
    {
        output.Write(Magic);
        var encoder = new SnapshotEncoder(output);
        encoder.Byte(Version);
        encoder.Int64(offset);
    }

    public static void WriteEntry(SnapshotEncoder output, RedisType type, byte[] key, long expireAtMs, IValue value)
    {
        output.Byte((byte)type);
        output.Bytes(key);
        output.Int64(expireAtMs);
        ValueCodecs.For(type).Write(output, value);
    }

    public static void WriteEnd(SnapshotEncoder output, long count)
    {
        output.Byte(EndMarker);
        output.Varint((ulong)count);
    }

    /// <summary>Reads a whole snapshot, handing each entry over; checks the count and the checksum.</summary>
    /// <returns>The log offset the snapshot was taken at, and its entry count.</returns>
    /// <exception cref="InvalidDataException">The file is not a whole, valid snapshot: the message says where.</exception>
    public static (long Offset, long Count) Read(Stream stream, Action<RedisType, byte[], long, IValue> onEntry)
    {
        var input = new SnapshotDecoder(stream);
        Span<byte> magic = stackalloc byte[15];
        for (var i = 0; i < magic.Length; i++)
            magic[i] = input.Byte();
        if (!magic.SequenceEqual(Magic))
            throw new InvalidDataException("The file does not start with a Lodestone snapshot header.");
        var version = input.Byte();
        if (version != Version)
            throw new InvalidDataException($"Snapshot format version {version} is not supported (this build reads version {Version}).");
        var offset = input.Int64();

        long count = 0;
        while (true)
        {
            var typeByte = input.Byte();
            if (typeByte == EndMarker)
                break;
            var type = (RedisType)typeByte;
            if (!Enum.IsDefined(type) || type == RedisType.None)
                throw new InvalidDataException($"Unknown value type {typeByte} at byte {input.Position - 1}.");
            var key = input.Bytes();
            var expireAt = input.Int64();
            onEntry(type, key, expireAt, ValueCodecs.For(type).Read(input));
            count++;
        }
        var declared = input.Varint();
        var computed = input.Checksum;
        Span<byte> trailer = stackalloc byte[4];
        if (stream.ReadAtLeast(trailer, 4, throwOnEndOfStream: false) < 4)
            throw new InvalidDataException("The snapshot has no checksum: it was cut short.");
        if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != computed)
            throw new InvalidDataException("The snapshot's checksum does not match its contents.");
        if ((long)declared != count)
            throw new InvalidDataException($"The snapshot declares {declared} entries but holds {count}.");
        return (offset, count);
    }
}
