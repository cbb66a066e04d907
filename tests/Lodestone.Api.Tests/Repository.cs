using System.Diagnostics;

namespace Lodestone.Api.Tests;

/// <summary>The checkout the tests run from, and the programs some tests run in it (npm, node, dotnet publish).</summary>
internal static class Repository
{
    /// <summary>The directory that holds Api.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration these tests were built in (Debug or Release), from their own output path.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>Runs <paramref name="program"/> to its end, or kills it after <paramref name="timeout"/>; returns its exit code (-1 on a timeout) and its output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string program, IEnumerable<string> arguments, string directory, TimeSpan timeout, IEnumerable<(string Name, string Value)>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? [])
            start.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception missing)
        {
            throw new InvalidOperationException($"'{program}' is not installed (see README for what the tests need).", missing);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"{program} did not finish within {timeout}.\n{await stdout}\n{await stderr}");
            }
            return (process.ExitCode, await stdout + await stderr);
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Api.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No Api.sln above {AppContext.BaseDirectory}.");
    }
}
