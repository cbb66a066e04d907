using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Lodestone.Api.Tests;

/// <summary>The service as its own process (the built Lodestone.Api.dll) on a free loopback port, for tests that kill it.</summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process, HttpClient client)
    {
        _process = process;
        Client = client;
    }

    public HttpClient Client { get; }

    /// <param name="settings">More command-line settings, name then value ("--Persistence:AppendFsync", "Always").</param>
    public static async Task<ServiceProcess> StartAsync(string directory, params string[] settings)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            Path.Combine(AppContext.BaseDirectory, "Lodestone.Api.dll"),
            "--Urls", $"http://127.0.0.1:{port}",
            "--Persistence:DataDirectory", directory,
            "--Serilog:MinimumLevel:Default", "Warning",
            .. settings,
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if ((await client.GetAsync("/health")).IsSuccessStatusCode)
                    return new ServiceProcess(process, client);
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"The service did not become healthy (exited: {process.HasExited}).");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Runs the service on <paramref name="directory"/> expecting it to stop by itself (a refusal to start),
    /// and returns its exit code and everything it wrote. Still running after 30 s: killed, exit code -1.
    /// </summary>
    public static Task<(int ExitCode, string Output)> RunToExitAsync(string directory, params string[] settings) =>
        RunAsync(["--Urls", $"http://127.0.0.1:{FreePort()}", "--Persistence:DataDirectory", directory, "--Serilog:MinimumLevel:Default", "Warning", .. settings]);

    /// <summary>Runs <c>Lodestone.Api.dll</c> with <paramref name="arguments"/> (a subcommand such as check-aof) to its exit.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Lodestone.Api.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, line) => { lock (output) output.AppendLine(line.Data); };
        process.ErrorDataReceived += (_, line) => { lock (output) output.AppendLine(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output)
                return (-1, output.ToString());
        }
        process.WaitForExit(); // the redirected output is complete only after this overload returns
        lock (output)
            return (process.ExitCode, output.ToString());
    }

    /// <summary>SIGKILL: no shutdown, no flush — what a crash or power cut leaves is what is on disk.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            Kill();
        _process.Dispose();
        Client.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
