namespace Lodestone.Engine.Persistence;

/// <summary>
/// The file operations persistence uses — a seam, so tests can inject failures (a throwing fsync,
/// a short write, a full disk) and check that no caller is told a write succeeded when it is not
/// durable. <see cref="LocalFileSystem"/> is the real one.
/// </summary>
public interface IFileSystem
{
    /// <summary>Opens (creating if needed) a file for appending.</summary>
    IAppendFile OpenAppend(string path);

    /// <summary>Opens a file for reading from the start.</summary>
    Stream OpenRead(string path);

    /// <summary>Creates or replaces a file with <paramref name="contents"/>, durably: temp file, fsync, rename, directory fsync.</summary>
    void WriteAtomically(string path, ReadOnlySpan<byte> contents);

    /// <summary>Whether the file exists.</summary>
    bool Exists(string path);

    /// <summary>The file's length in bytes.</summary>
    long Length(string path);

    /// <summary>When the file was last written, where the file system knows (null where it does not).</summary>
    DateTimeOffset? LastWriteTime(string path) => null;

    /// <summary>Cuts a file to <paramref name="length"/> bytes and makes that durable.</summary>
    void Truncate(string path, long length);

    /// <summary>Deletes the file.</summary>
    void Delete(string path);

    /// <summary>Renames a file over another, durably (the directory is fsynced).</summary>
    void Rename(string from, string to);

    /// <summary>
    /// Copies a file, durably: into a temp file that is fsynced, then renamed over <paramref name="to"/>.
    /// Nothing is left behind when it fails.
    /// </summary>
    void Copy(string from, string to)
    {
        var temp = to + ".tmp";
        if (Exists(temp))
            Delete(temp);
        try
        {
            using (var source = OpenRead(from))
            using (var target = OpenAppend(temp))
            {
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = source.Read(buffer)) > 0)
                    target.Write(buffer.AsSpan(0, read));
                target.Sync();
            }
            Rename(temp, to);
        }
        catch
        {
            if (Exists(temp))
                Delete(temp);
            throw;
        }
    }

    /// <summary>The file names (not paths) in <paramref name="directory"/> matching <paramref name="pattern"/>.</summary>
    IReadOnlyList<string> List(string directory, string pattern);

    /// <summary>Creates the directory and its parents if missing.</summary>
    void CreateDirectory(string directory);
}

/// <summary>A file open for appending.</summary>
public interface IAppendFile : IDisposable
{
    /// <summary>Bytes in the file, including everything written so far.</summary>
    long Length { get; }

    /// <summary>Writes all of <paramref name="bytes"/> at the end (to the OS, not yet durable).</summary>
    void Write(ReadOnlySpan<byte> bytes);

    /// <summary>Makes everything written so far durable (fsync).</summary>
    void Sync();

    /// <summary>Cuts the file back to <paramref name="length"/> bytes (undoing a partial write).</summary>
    void Truncate(long length);
}
