using System.Diagnostics;

namespace Lodestone.Api.Tests;

/// <summary>
/// The real <c>@upstash/redis</c> client (pinned in tests/upstash-client) against the service on Kestrel:
/// compatibility is checked on every run of the test suite, not assumed. Needs Node.js and npm.
/// </summary>
public sealed class UpstashClientTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    [Fact]
    public async Task The_upstash_redis_client_runs_strings_keys_pipelines_and_transactions()
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "upstash-client");
        if (!File.Exists(Path.Combine(directory, "node_modules", "@upstash", "redis", "package.json")))
        {
            var (installed, installLog) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], directory, TimeSpan.FromMinutes(5));
            Assert.True(installed == 0, $"npm ci failed:\n{installLog}");
        }
        var url = new Uri(factory.CreateClient().BaseAddress!, "commands").ToString();

        var (exitCode, output) = await RunAsync("node",
            ["compat.mjs", url, SecuredApiFactory.WriteToken, SecuredApiFactory.ReadToken], directory, TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"The @upstash/redis checks failed:\n{output}");
        Assert.Contains("17/17 checks passed", output, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Api.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No Api.sln above {AppContext.BaseDirectory}.");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] arguments, string directory, TimeSpan timeout)
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
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception missing)
        {
            throw new InvalidOperationException($"'{program}' is not installed; this test needs Node.js and npm (see README).", missing);
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
}
