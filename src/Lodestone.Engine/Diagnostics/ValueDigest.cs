using System.Buffers.Binary;
using System.Security.Cryptography;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Diagnostics;

/// <summary>
/// DEBUG DIGEST's fingerprints: 20 bytes (SHA-1) per key from its name, type, expiry instant and
/// contents, combined by XOR — so two keyspaces with the same data have the same digest whatever
/// order their keys, set members or hash fields were added in (a primary and its replica, an engine
/// and itself after a restart).
/// </summary>
/// <remarks>
/// Design note. Redis's own DEBUG DIGEST has this shape (XOR over keys, order-free parts XORed,
/// ordered parts chained) but hashes its internal encodings, so the hex differs from Redis's; it is
/// for comparing Lodestone with Lodestone. Every part is length-prefixed before hashing, so no two
/// different values hash the same bytes. An empty keyspace, like a missing key, is forty zeros.
/// </remarks>
internal static class ValueDigest
{
    public const int Size = 20;

    /// <summary>The XOR of every key's digest.</summary>
    public static byte[] Of(IEnumerable<Entry> entries)
    {
        var digest = new byte[Size];
        foreach (var entry in entries)
            Xor(digest, OfKey(entry));
        return digest;
    }

    /// <summary>One key's digest: its name, type and expiry with its value's.</summary>
    public static byte[] OfKey(Entry entry)
    {
        var parts = new Parts();
        parts.Add(entry.Key);
        parts.Add((long)entry.Type);
        parts.Add(entry.ExpireAtMs);
        parts.Add(OfValue(entry.Value));
        return parts.Hash();
    }

    /// <summary>A value's digest (DEBUG DIGEST-VALUE): its contents only.</summary>
    public static byte[] OfValue(IValue value)
    {
        var parts = new Parts();
        switch (value)
        {
            case StringValue text:
                parts.Add(text.Span);
                break;
            case ListValue list:
                for (var i = 0; i < list.Count; i++)
                    parts.Add(list[i]);
                break;
            case SetValue set:
                parts.Add(Unordered(set.Members().Select(member => Hash(member))));
                break;
            case HashValue hash:
                // A field's TTL is part of it (a replica must have the same times).
                parts.Add(Unordered(hash.Entries().Select(field => Hash(field.Key, field.Value, BitConverter.GetBytes(hash.ExpiryOf(field.Key))))));
                break;
            case SortedSetValue zset:
                foreach (var element in zset.All())
                {
                    parts.Add(element.Member);
                    parts.Add(BitConverter.DoubleToInt64Bits(element.Score));
                }
                break;
            case StreamValue stream:
                AddStream(parts, stream);
                break;
            case LockValue lease:
                parts.Add(lease.Owner ?? []);
                parts.Add(lease.Token);
                parts.Add(lease.ExpiresAtMs);
                break;
        }
        return parts.Hash();
    }

    /// <summary>
    /// A stream: its entries in order, its counters, and each group with its pending entries (owner,
    /// delivery time and count) and consumers by name. A consumer's seen-time is left out: it is when
    /// it was last active, which a replayed log sets to the replay's time (as Redis's replicas do).
    /// </summary>
    private static void AddStream(Parts parts, StreamValue stream)
    {
        foreach (var (id, pairs) in stream.Range(StreamId.Min, StreamId.Max))
        {
            parts.Add(id.ToBytes());
            parts.Add(pairs.Length);
            foreach (var part in pairs)
                parts.Add(part);
        }
        parts.Add(stream.LastId.ToBytes());
        parts.Add(stream.MaxDeletedId.ToBytes());
        parts.Add(stream.EntriesAdded);
        parts.Add(stream.FirstId.ToBytes());
        foreach (var group in stream.Groups?.Values ?? Enumerable.Empty<StreamGroup>())
        {
            parts.Add(group.Name);
            parts.Add(group.LastId.ToBytes());
            parts.Add(group.EntriesRead);
            foreach (var pending in group.Pending.All())
            {
                parts.Add(pending.Id.ToBytes());
                parts.Add(pending.Consumer.Name);
                parts.Add(pending.DeliveryTime);
                parts.Add(pending.DeliveryCount);
            }
            parts.Add(group.Consumers.Count);
            foreach (var consumer in group.Consumers.Values)
            {
                parts.Add(consumer.Name);
                parts.Add(consumer.Pending.Count);
            }
        }
    }

    /// <summary>The digest in lowercase hex, as DEBUG DIGEST prints it.</summary>
    public static string Hex(byte[] digest) => Convert.ToHexStringLower(digest);

    private static byte[] Unordered(IEnumerable<byte[]> digests)
    {
        var combined = new byte[Size];
        foreach (var digest in digests)
            Xor(combined, digest);
        return combined;
    }

    private static byte[] Hash(params byte[][] pieces)
    {
        var parts = new Parts();
        foreach (var piece in pieces)
            parts.Add(piece);
        return parts.Hash();
    }

    private static void Xor(byte[] into, byte[] digest)
    {
        for (var i = 0; i < Size; i++)
            into[i] ^= digest[i];
    }

    /// <summary>Length-prefixed pieces fed to one SHA-1.</summary>
    private sealed class Parts
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);

        public void Add(ReadOnlySpan<byte> bytes)
        {
            Add((long)bytes.Length);
            _hash.AppendData(bytes);
        }

        public void Add(long number)
        {
            Span<byte> buffer = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(buffer, number);
            _hash.AppendData(buffer);
        }

        public byte[] Hash()
        {
            var digest = _hash.GetHashAndReset();
            _hash.Dispose();
            return digest;
        }
    }
}
