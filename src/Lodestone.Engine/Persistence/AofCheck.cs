using Lodestone.Engine.Persistence.Aof;

namespace Lodestone.Engine.Persistence;

/// <summary>
/// The offline log check (<c>check-aof &lt;dir&gt; [--fix]</c>, after redis-check-aof): reads the manifest
/// and every segment without loading anything, reports where the log stops being valid, and with
/// <c>--fix</c> cuts it there — the records after the first bad one are lost, which is why fixing is
/// a deliberate step and not what startup does for anything but a torn tail.
/// </summary>
public static class AofCheck
{
    /// <summary>Checks (and optionally fixes) the log in <paramref name="directory"/>; returns the exit code (0 sound or fixed, 1 damaged, 2 unusable).</summary>
    public static int Run(IFileSystem files, string directory, bool fix, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(output);
        var manifestPath = Path.Combine(directory, Manifest.FileName);
        if (!files.Exists(manifestPath))
        {
            output.WriteLine($"{manifestPath} does not exist: nothing to check.");
            return 2;
        }
        Manifest manifest;
        try
        {
            using var stream = files.OpenRead(manifestPath);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            manifest = Manifest.Parse(buffer.ToArray(), manifestPath);
        }
        catch (PersistenceException invalid)
        {
            output.WriteLine(invalid.Message);
            return 2;
        }

        var next = manifest.SnapshotOffset;
        for (var i = 0; i < manifest.Segments.Count; i++)
        {
            var path = Path.Combine(directory, manifest.Segments[i]);
            if (!files.Exists(path))
            {
                output.WriteLine($"{path}: missing.");
                return 2;
            }
            AofReadResult result;
            using (var stream = files.OpenRead(path))
                result = AofReader.Read(stream, (_, _) => { });
            output.WriteLine($"{path}: {result.Records} valid records from offset {result.StartOffset}, {result.ValidLength} valid bytes.");
            if (result.Records > 0 && result.StartOffset != next)
            {
                output.WriteLine($"{path} starts at offset {result.StartOffset}, but the log before it ends at {next}.");
                return 1;
            }
            next = result.NextOffset;
            if (result.Damage is not { } damage)
                continue;

            output.WriteLine($"{(damage.Torn ? "Torn record" : "Corruption")} at byte {damage.FileOffset} (record {damage.RecordIndex} of the segment, offset {result.StartOffset + damage.RecordIndex}): {damage.Reason}.");
            var later = manifest.Segments.Count - i - 1;
            if (!fix)
            {
                output.WriteLine($"Run with --fix to cut the log there ({files.Length(path) - result.ValidLength} bytes of this segment{(later > 0 ? $" and {later} later segment(s)" : "")} would be lost).");
                return 1;
            }
            files.Truncate(path, result.ValidLength);
            if (later > 0)
            {
                files.WriteAtomically(manifestPath, (manifest with { Segments = manifest.Segments.Take(i + 1).ToList() }).Serialize());
                output.WriteLine($"Dropped {later} later segment(s) from the manifest.");
            }
            output.WriteLine($"Fixed: {path} cut to {result.ValidLength} bytes; the log now ends at offset {next}.");
            return 0;
        }
        output.WriteLine($"The log is sound; it ends at offset {next}.");
        return 0;
    }
}
