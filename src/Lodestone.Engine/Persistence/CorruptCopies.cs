namespace Lodestone.Engine.Persistence;

/// <summary>
/// Keeps a data file as it was before anything cuts it: <c>&lt;name&gt;.corrupt</c> next to it (then
/// <c>&lt;name&gt;.2.corrupt</c>, …, so an earlier copy is never overwritten). Nothing is ever cut in place
/// without one: what is cut off may be what an operator needs.
/// </summary>
internal static class CorruptCopies
{
    /// <summary>Copies <paramref name="path"/> (durably) and returns the copy's path.</summary>
    /// <exception cref="IOException">The copy could not be made (a full disk): then nothing may be cut.</exception>
    public static string Keep(IFileSystem files, string path)
    {
        var copy = FreeName(files, path);
        files.Copy(path, copy);
        return copy;
    }

    /// <summary>Renames <paramref name="path"/> aside (for a file that is dropped whole) and returns its new path.</summary>
    public static string MoveAside(IFileSystem files, string path)
    {
        var aside = FreeName(files, path);
        files.Rename(path, aside);
        return aside;
    }

    private static string FreeName(IFileSystem files, string path)
    {
        var name = path + ".corrupt";
        for (var n = 2; files.Exists(name); n++)
            name = $"{path}.{n}.corrupt";
        return name;
    }
}
