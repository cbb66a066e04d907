using Lodestone.Engine.Persistence.Aof;

namespace Lodestone.Engine.Persistence;

/// <summary>
/// The offline log check (<c>check-aof &lt;dir&gt; [--fix]</c>, after redis-check-aof): reads the manifest
/// and every segment without loading anything, reports where the log stops being valid, and with
/// <c>--fix</c> cuts it there — the records after the first bad one are lost, which is why fixing is
/// a deliberate step and not what startup does for anything but a torn tail. It tells the two apart as
/// startup does (<see cref="AofReader"/>), and keeps every file it cuts or drops as a <c>.corrupt</c> copy.
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
                // As at startup: a last segment named by a snapshot that crashed before writing to it.
                if (i > 0 && i == manifest.Segments.Count - 1)
                {
                    output.WriteLine($"{path}: not started yet.");
                    continue;
                }
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

            // The rule startup applies: torn only when nothing whole follows, and only in the last segment.
            var torn = damage.Torn && i == manifest.Segments.Count - 1;
            var goesOn = damage.NextRecordAt is { } resumes ? $"; a whole record follows at byte {resumes}" : "";
            output.WriteLine($"{(torn ? "Torn record" : "Corruption")} at byte {damage.FileOffset} (record {damage.RecordIndex} of the segment, offset {result.OffsetOf(damage.FileOffset, damage.RecordIndex)}): {damage.Reason}{goesOn}.");
            var later = manifest.Segments.Skip(i + 1).ToList();
            if (!fix)
            {
                output.WriteLine($"Run with --fix to cut the log there ({files.Length(path) - result.ValidLength} bytes of this segment{(later.Count > 0 ? $" and {later.Count} later segment(s)" : "")} would be lost; a .corrupt copy is kept).");
                return 1;
            }
            try
            {
                Fix(files, manifestPath, manifest, path, result.ValidLength, later, output);
            }
            catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
            {
                output.WriteLine($"Could not fix the log: {failure.Message}");
                return 2;
            }
            output.WriteLine($"Fixed: {path} cut to {result.ValidLength} bytes; the log now ends at offset {next}.");
            return 0;
        }
        output.WriteLine($"The log is sound; it ends at offset {next}.");
        return 0;
    }

    /// <summary>
    /// Cuts the damaged segment, keeping it as it was in a .corrupt copy first; later segments leave the
    /// manifest and are moved aside (so no future segment reuses their names). In that order, so a crash
    /// part-way leaves a directory this command can fix again.
    /// </summary>
    private static void Fix(IFileSystem files, string manifestPath, Manifest manifest, string path, long validLength, List<string> later, TextWriter output)
    {
        var copy = CorruptCopies.Keep(files, path);
        output.WriteLine($"Kept {path} as it was in {copy}.");
        if (later.Count > 0)
        {
            files.WriteAtomically(manifestPath, (manifest with { Segments = manifest.Segments.SkipLast(later.Count).ToList() }).Serialize());
            foreach (var segment in later)
            {
                var laterPath = Path.Combine(Path.GetDirectoryName(path)!, segment);
                if (files.Exists(laterPath))
                    output.WriteLine($"Dropped {laterPath} from the manifest; it is now {CorruptCopies.MoveAside(files, laterPath)}.");
            }
        }
        files.Truncate(path, validLength);
    }
}
