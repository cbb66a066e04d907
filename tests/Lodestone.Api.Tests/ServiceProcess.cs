using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Lodestone.Api.Tests;

/// <summary>The service as its own process (the built Lodestone.Api.dll) on a free loopback port, for tests that kill it.</summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    private ServiceProcess(Process process, HttpClient client, System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        _process = process;
        Client = client;
        _output = output;
    }

    /// <summary>The last lines the service wrote (for a failing test's message).</summary>
    public string Output => string.Join('\n', _output);

    public HttpClient Client { get; }

    /// <param name="settings">More command-line settings, name then value ("--Persistence:AppendFsync", "Always").</param>
    public static Task<ServiceProcess> StartAsync(string directory, params string[] settings)
    {
        var port = FreePort();
        return StartListeningAsync(port, ["--Urls", $"http://127.0.0.1:{port}", "--Persistence:DataDirectory", directory, .. settings]);
    }

    /// <summary>
    /// The service started with exactly <paramref name="arguments"/> (plus a quiet log level) and
    /// <paramref name="environment"/>, where nothing but these says where it listens; it must come up
    /// on 127.0.0.1:<paramref name="port"/>.
    /// </summary>
    public static async Task<ServiceProcess> StartListeningAsync(int port, string[] arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "Lodestone.Api.dll"), "--Serilog:MinimumLevel:Default", "Warning", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        // Only the test says where to listen, whatever the environment it runs in.
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS", "URLS", "Urls" })
        {
            start.Environment.Remove(inherited);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, line) => Keep(output, line.Data);
        process.ErrorDataReceived += (_, line) => Keep(output, line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if ((await client.GetAsync("/health")).IsSuccessStatusCode)
                    return new ServiceProcess(process, client, output);
            }
            catch (Exception probe) when (probe is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too busy to answer this probe in time (a loaded machine): ask again until the deadline.
            }
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var exited = process.HasExited;
                if (!exited)
                    process.Kill(entireProcessTree: true);
                process.WaitForExit();
                process.Dispose();
                client.Dispose();
                throw new InvalidOperationException($"The service did not become healthy on port {port} (exited: {exited}). Its output:\n{string.Join('\n', output)}");
            }
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

    /// <summary>SIGTERM, as a service manager stops it: a clean shutdown, which must exit 0 within 30 s.</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, _process.ExitCode);
    }

    /// <summary>SIGKILL: no shutdown, no flush — what a crash or power cut leaves is what is on disk.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>The last lines the service wrote (its log), kept so a failure to start can say why.</summary>
    private static void Keep(System.Collections.Concurrent.ConcurrentQueue<string> output, string? line)
    {
        if (line is null)
            return;
        output.Enqueue(line);
        while (output.Count > 50)
            output.TryDequeue(out _);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            Kill();
        _process.Dispose();
        Client.Dispose();
    }

    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
