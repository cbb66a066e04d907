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
