using System.Diagnostics;

namespace Lodestone.Api.Tests;

/// <summary>
/// Prometheus's own linter, <c>promtool check metrics</c>, on a scrape: it refuses what Prometheus
/// would store badly (a counter without <c>_total</c>, a gauge named like a histogram's parts, units
/// that are not base units). .ci/run installs it (Debian's prometheus package); in CI its absence
/// fails the test, elsewhere the check is left out.
/// </summary>
internal static class Promtool
{
    public static async Task CheckMetricsAsync(string scrape)
    {
        if (Find() is not { } promtool)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true",
                "promtool is not installed: .ci/run installs it with Debian's prometheus package (apt-get install prometheus).");
            return;
        }
        using var process = Process.Start(new ProcessStartInfo(promtool, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(scrape);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"promtool check metrics exited {process.ExitCode}:\n{await output}{await errors}");
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "promtool"))
            .FirstOrDefault(File.Exists);
}
