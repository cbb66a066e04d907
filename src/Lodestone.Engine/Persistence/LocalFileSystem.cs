using System.Runtime.InteropServices;

namespace Lodestone.Engine.Persistence;

/// <summary>The real file system.</summary>
public sealed partial class LocalFileSystem : IFileSystem
{
    /// <summary>The one instance: the process's file system.</summary>
    public static LocalFileSystem Instance { get; } = new();

    /// <inheritdoc/>
    public IAppendFile OpenAppend(string path) => new AppendFile(path);

    /// <inheritdoc/>
    public Stream OpenRead(string path) =>
        new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);

    /// <inheritdoc/>
    public void WriteAtomically(string path, ReadOnlySpan<byte> contents)
    {
        var temp = path + ".tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(contents);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            // A full disk fails the write after the temp file exists: leave nothing behind (it is never read).
            File.Delete(temp);
            throw;
        }
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <inheritdoc/>
    public bool Exists(string path) => File.Exists(path);

    /// <inheritdoc/>
    public long Length(string path) => new FileInfo(path).Length;

    /// <inheritdoc/>
    public DateTimeOffset? LastWriteTime(string path) => File.GetLastWriteTimeUtc(path);

    /// <inheritdoc/>
    public void Truncate(string path, long length)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        file.SetLength(length);
        file.Flush(flushToDisk: true);
    }

    /// <inheritdoc/>
    public void Delete(string path) => File.Delete(path);

    /// <inheritdoc/>
    public void Rename(string from, string to)
    {
        File.Move(from, to, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(to))!);
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> List(string directory, string pattern) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, pattern).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

    /// <inheritdoc/>
    public void CreateDirectory(string directory) => Directory.CreateDirectory(directory);

    /// <summary>
    /// A rename is durable only once the directory entry is: fsync the directory (POSIX). .NET has
    /// no API for it, so on Linux and macOS we open the directory and fsync it through libc.
    /// </summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return;
        var fd = Native.Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
            throw new IOException($"Could not open directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (Native.Fsync(fd) != 0)
                throw new IOException($"Could not sync directory {directory} (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static partial int Close(int fd);
    }

    /// <remarks>
    /// Positional writes on a raw handle: one thread writes (the engine) while another may fsync
    /// (everysec), which a FileStream does not allow but the OS does.
    /// </remarks>
    private sealed class AppendFile : IAppendFile
    {
        private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
        private long _length;

        public AppendFile(string path)
        {
            _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
            _length = RandomAccess.GetLength(_handle);
        }

        public long Length => Volatile.Read(ref _length);

        public void Write(ReadOnlySpan<byte> bytes)
        {
            RandomAccess.Write(_handle, bytes, _length);
            Volatile.Write(ref _length, _length + bytes.Length);
        }

        public void Sync() => RandomAccess.FlushToDisk(_handle);

        public void Truncate(long length)
        {
            RandomAccess.SetLength(_handle, length);
            Volatile.Write(ref _length, length);
        }

        public void Dispose() => _handle.Dispose();
    }
}
