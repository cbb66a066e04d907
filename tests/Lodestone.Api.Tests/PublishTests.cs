namespace Lodestone.Api.Tests;

/// <summary>
/// What <c>dotnet publish</c> puts in the output — what the Docker image runs — holds no data files.
/// The Web SDK publishes every .json file under the project as content, so a data directory that a
/// development run left in src/Lodestone.Api once shipped its manifest.json, and the published app
/// refused to start on a manifest whose snapshot was not there.
/// </summary>
public sealed class PublishTests
{
    [Fact]
    public async Task A_data_directory_left_in_the_project_is_not_published()
    {
        var project = Path.Combine(Repository.Root, "src", "Lodestone.Api");
        var data = Path.Combine(project, "data");
        var dataExisted = Directory.Exists(data);
        // A directory of its own inside data/, so a developer's real data there is never touched.
        var leftBehind = Path.Combine(data, "publish-test-" + Guid.NewGuid().ToString("N"));
        var output = Path.Combine(Path.GetTempPath(), "lodestone-publish-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(leftBehind);
        await File.WriteAllTextAsync(Path.Combine(leftBehind, "manifest.json"), """{"version":1}""");
        await File.WriteAllTextAsync(Path.Combine(leftBehind, "log-1.aof"), "record");
        try
        {
            // The project is already built (the tests reference it), so this only copies: a few seconds.
            // No build nodes are left running after it.
            var (exitCode, log) = await Repository.RunAsync("dotnet",
                ["publish", project, "--no-build", "--no-restore", "-c", Repository.Configuration, "-o", output, "-nodeReuse:false"],
                Repository.Root, TimeSpan.FromMinutes(2), [("MSBUILDDISABLENODEREUSE", "1"), ("DOTNET_CLI_USE_MSBUILD_SERVER", "0")]);

            Assert.True(exitCode == 0, $"dotnet publish failed:\n{log}");
            Assert.True(File.Exists(Path.Combine(output, "Lodestone.Api.dll")), $"Nothing was published to {output}:\n{log}");
            Assert.True(File.Exists(Path.Combine(output, "appsettings.json")), "The settings file is published beside the binary.");
            var published = Directory.EnumerateFileSystemEntries(output, "*", SearchOption.AllDirectories)
                .Select(path => Path.GetRelativePath(output, path))
                .Where(path => path.Split(Path.DirectorySeparatorChar).Contains("data") || path.EndsWith(".aof", StringComparison.Ordinal));
            Assert.Empty(published);
        }
        finally
        {
            Directory.Delete(leftBehind, recursive: true);
            if (!dataExisted && !Directory.EnumerateFileSystemEntries(data).Any())
                Directory.Delete(data);
            if (Directory.Exists(output))
                Directory.Delete(output, recursive: true);
        }
    }
}
