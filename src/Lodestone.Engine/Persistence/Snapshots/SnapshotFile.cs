using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Lodestone.Engine.Persistence.Snapshots.Codecs;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Persistence.Snapshots;

/// <summary>One key as a snapshot holds it.</summary>
/// <param name="Version">The key's version (its ETag); 0 in a format-1 snapshot, which holds none.</param>
internal readonly record struct SnapshotEntry(RedisType Type, byte[] Key, long ExpireAtMs, long Version, IValue Value);

/// <summary>What a whole snapshot said about itself.</summary>
/// <param name="Offset">The log offset it was taken at.</param>
/// <param name="Count">Its entries.</param>
/// <param name="LastVersion">The version counter when it was taken (every version handed out before its offset is at most this); 0 in format 1.</param>
/// <param name="FormatVersion">The format it was written in.</param>
internal readonly record struct SnapshotInfo(long Offset, long Count, long LastVersion, byte FormatVersion)
{
    /// <summary>The function libraries' sources (FUNCTION LOAD), in name order; none before format 4.</summary>
    public IReadOnlyList<byte[]> Libraries { get; init; } = [];
}

/// <summary>
/// The snapshot format, version 4: a point-in-time image of the keyspace at a log offset, with each
/// key's version and the version counter, hash fields' TTLs, and the function libraries. Versions 1
/// (no versions), 2 (no field TTLs in hashes) and 3 (no libraries) are still read.
/// </summary>
/// <remarks>
/// <code>
/// header   "LODESTONE-SNAP\n" (15 bytes), format version (1 byte), log offset (i64),
///          last version (i64; format 2 on),
///          libraries (format 4 on): count (varint), then each library's source (varint length + bytes)
/// entries  type (1 byte, a RedisType number), key (varint length + bytes), expiry (i64 Unix ms, -1 none),
///          version (i64; format 2 on), the value as its type's codec writes it
/// end      0xFF, entry count (varint)
/// trailer  CRC-32C of every byte before it (u32)
/// </code>
/// Integers are little-endian. Type numbers and codec bytes are append-only; the golden tests pin
/// both formats. The last version is the counter, not the largest version among the entries: a key
/// deleted before the snapshot had a version too, and the counter must not hand it out again when the
/// key is created anew after a restart.
/// </remarks>
internal static class SnapshotFile
{
    public const byte Version = 4;

    /// <summary>The first format that holds the function libraries (FUNCTION LOAD's sources).</summary>
    public const byte LibrariesFormat = 4;

    /// <summary>The first format whose hashes carry their fields' TTLs (see <see cref="Codecs.HashCodec"/>).</summary>
    public const byte FieldTtlFormat = 3;

    /// <summary>The first format: no versions (its keys get new ones as they load).</summary>
    public const byte UnversionedFormat = 1;

    public const byte EndMarker = 0xFF;

    public static ReadOnlySpan<byte> Magic => "LODESTONE-SNAP\n"u8;

    public static string Name(long offset) => $"snapshot-{offset:D20}.snap";

    public static void WriteHeader(IBufferWriter<byte> output, long offset, long lastVersion, IReadOnlyList<byte[]> libraries)
    {
        output.Write(Magic);
        var encoder = new SnapshotEncoder(output);
        encoder.Byte(Version);
        encoder.Int64(offset);
        encoder.Int64(lastVersion);
        encoder.Varint((ulong)libraries.Count);
        foreach (var library in libraries)
            encoder.Bytes(library);
    }

    public static void WriteEntry(SnapshotEncoder output, RedisType type, byte[] key, long expireAtMs, long version, IValue value)
    {
        output.Byte((byte)type);
        output.Bytes(key);
        output.Int64(expireAtMs);
        output.Int64(version);
        ValueCodecs.For(type).Write(output, value);
    }

    public static void WriteEnd(SnapshotEncoder output, long count)
    {
        output.Byte(EndMarker);
        output.Varint((ulong)count);
    }

    /// <summary>Reads a whole snapshot (format 1 to 4), handing each entry over; checks the count and the checksum.</summary>
    /// <exception cref="InvalidDataException">The file is not a whole, valid snapshot: the message says where.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SnapshotInfo Read(Stream stream, Action<SnapshotEntry> onEntry)
    {
        var input = new SnapshotDecoder(stream);
        Span<byte> magic = stackalloc byte[15];
        for (var i = 0; i < magic.Length; i++)
            magic[i] = input.Byte();
        if (!magic.SequenceEqual(Magic))
            throw new InvalidDataException("The file does not start with a Lodestone snapshot header.");
        var format = input.Byte();
        if (format is < UnversionedFormat or > Version)
            throw new InvalidDataException($"Snapshot format version {format} is not supported (this build reads versions {UnversionedFormat} to {Version}).");
        input.Format = format;
        var versioned = format != UnversionedFormat;
        var offset = input.Int64();
        var lastVersion = versioned ? input.Int64() : 0;
        var libraries = new List<byte[]>();
        if (format >= LibrariesFormat)
        {
            var libraryCount = input.Varint();
            for (ulong i = 0; i < libraryCount; i++)
                libraries.Add(input.Bytes());
        }

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
            var version = versioned ? input.Int64() : 0;
            onEntry(new SnapshotEntry(type, key, expireAt, version, ValueCodecs.For(type).Read(input)));
            count++;
        }
        var declared = input.Varint();
        var computed = input.Checksum;
        Span<byte> trailer = stackalloc byte[4];
        if (input.ReadUnchecked(trailer) < 4)
            throw new InvalidDataException("The snapshot has no checksum: it was cut short.");
        if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != computed)
            throw new InvalidDataException("The snapshot's checksum does not match its contents.");
        if ((long)declared != count)
            throw new InvalidDataException($"The snapshot declares {declared} entries but holds {count}.");
        var info = new SnapshotInfo(offset, count, lastVersion, format);
        return libraries.Count == 0 ? info : info with { Libraries = libraries };
    }
}
