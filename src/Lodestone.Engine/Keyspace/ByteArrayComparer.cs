namespace Lodestone.Engine.Keyspace;

/// <summary>Compares byte arrays by content, for dictionaries keyed by binary keys or members.</summary>
internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>
{
    public static ByteArrayComparer Instance { get; } = new();

    public bool Equals(byte[]? x, byte[]? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj) => KeyTable.HashOf(obj);
}
