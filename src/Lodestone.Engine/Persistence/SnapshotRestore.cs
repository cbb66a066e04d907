using Lodestone.Engine.Persistence.Aof;
using Lodestone.Engine.Persistence.Snapshots;

namespace Lodestone.Engine.Persistence;

/// <summary>
/// The explicit start from a snapshot alone (<c>restore-snapshot &lt;dir&gt; &lt;snapshot&gt;</c>): for a data
/// directory whose manifest and log are gone but whose snapshot is not, which startup refuses rather
/// than come up empty. It checks the snapshot whole, then writes what a snapshot leaves behind — an
/// empty log segment starting at the snapshot's offset, then a manifest naming both — so the next
/// start loads it as usual. Offline, like <see cref="AofCheck"/>, and never over a manifest or a log.
/// </summary>
public static class SnapshotRestore
{
    /// <summary>The service's subcommand.</summary>
    public const string Command = "restore-snapshot";

    /// <summary>Makes <paramref name="directory"/> start from <paramref name="snapshot"/>; returns the exit code (0 done, 1 unusable snapshot, 2 refused).</summary>
    public static int Run(IFileSystem files, string directory, string snapshot, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(output);
        var manifestPath = Path.Combine(directory, Manifest.FileName);
        if (files.Exists(manifestPath))
        {
            output.WriteLine($"{manifestPath} exists: the directory starts from what it names. {Command} only starts a directory that has lost its manifest.");
            return 2;
        }
        var segments = files.List(directory, "log-*.aof");
        if (segments.Count > 0)
        {
            output.WriteLine($"{directory} holds log segments ({string.Join(", ", segments)}): move them away first; {Command} starts from the snapshot alone.");
            return 2;
        }
        var name = Path.GetFileName(snapshot);
        var path = Path.Combine(directory, name);
        if (!files.Exists(path))
        {
            output.WriteLine($"{path} does not exist.");
            return 2;
        }

        long offset, count;
        try
        {
            using var stream = files.OpenRead(path);
            (offset, count, _, _) = SnapshotFile.Read(stream, _ => { });
        }
        catch (Exception invalid) when (invalid is InvalidDataException or EndOfStreamException)
        {
            output.WriteLine($"{path} cannot be used: {invalid.Message}");
            return 1;
        }

        // The segment first (its header synced), then the manifest naming it, as recovery does.
        var start = new Manifest(Manifest.CurrentVersion, name, offset, [Manifest.SegmentName(0)]);
        AofWriter.Open(files, Path.Combine(directory, start.Segments[0]), offset, AppendFsync.Always, TimeProvider.System).Dispose();
        files.WriteAtomically(manifestPath, start.Serialize());
        output.WriteLine($"{directory} now starts from {name}: {count} keys, log offset {offset}. Start the service as usual.");
        return 0;
    }
}
