using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lodestone.Engine.Persistence;

/// <summary>
/// The small file (<c>manifest.json</c>) that names the live data files: the snapshot (if any) and
/// the log segments that follow it, in order. It is only ever replaced whole (write a temp file,
/// fsync, rename, fsync the directory), so a crash leaves either the old set or the new one.
/// It also holds the node's replication ids (<see cref="Replication"/>), with the data they name: a
/// restart keeps its history, so its replicas — or its primary — can continue where they were.
/// Absent in manifests written before replication (they still read: a new history starts).
/// </summary>
internal sealed record Manifest(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("snapshot")] string? Snapshot,
    [property: JsonPropertyName("snapshotOffset")] long SnapshotOffset,
    [property: JsonPropertyName("segments")] IReadOnlyList<string> Segments,
    [property: JsonPropertyName("replication")] Replication.ReplicationIds? Replication = null)
{
    public const int CurrentVersion = 1;
    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The name of segment number <paramref name="sequence"/> (the first is 0); a segment's header holds the offset it starts at.</summary>
    public static string SegmentName(long sequence) => $"log-{sequence:D20}.aof";

    /// <summary>A name for the segment after this manifest's last one.</summary>
    public string NextSegmentName()
    {
        var last = Segments[^1];
        var number = last.StartsWith("log-", StringComparison.Ordinal) && last.EndsWith(".aof", StringComparison.Ordinal)
            && long.TryParse(last.AsSpan(4, last.Length - 8), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n : Segments.Count - 1;
        return SegmentName(number + 1);
    }

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Parses a manifest; the message says what is wrong when it cannot be trusted.</summary>
    public static Manifest Parse(ReadOnlySpan<byte> bytes, string path)
    {
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(bytes, Json);
        }
        catch (JsonException invalid)
        {
            throw new PersistenceException($"{path} is not a valid manifest: {invalid.Message}", invalid);
        }
        if (manifest is null)
            throw new PersistenceException($"{path} is empty.");
        if (manifest.Version != CurrentVersion)
            throw new PersistenceException($"{path} has version {manifest.Version}; this build reads version {CurrentVersion}.");
        if (manifest.Segments is not { Count: > 0 } segments)
            throw new PersistenceException($"{path} names no log segment.");
        if (manifest.Replication is { } ids && (!Engine.Replication.ReplicationIds.IsWellFormed(ids.Id) || !Engine.Replication.ReplicationIds.IsWellFormed(ids.Id2)))
            throw new PersistenceException($"{path} has a replication id that is not 40 hex digits.");
        if (manifest.SnapshotOffset < 0)
            throw new PersistenceException($"{path} has a negative snapshot offset.");
        foreach (var segment in segments)
        {
            if (string.IsNullOrWhiteSpace(segment) || segment != Path.GetFileName(segment))
                throw new PersistenceException($"{path} names an invalid segment file '{segment}'.");
        }
        return manifest;
    }
}

/// <summary>The data on disk cannot be loaded as it is: the message names the file, the position and what is wrong.</summary>
public sealed class PersistenceException : Exception
{
    /// <summary>A persistence failure without a message.</summary>
    public PersistenceException()
    {
    }

    /// <summary>A persistence failure; <paramref name="message"/> names the file and what is wrong.</summary>
    public PersistenceException(string message)
        : base(message)
    {
    }

    /// <summary>A persistence failure caused by <paramref name="inner"/>.</summary>
    public PersistenceException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
