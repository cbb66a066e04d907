using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Lodestone.Api.Tests;

/// <summary>
/// Crash safety with a real process: writers record what was acknowledged, the service is killed with
/// SIGKILL at a random moment, restarted on the same data, and every acknowledged write must be there
/// (appendfsync always) — and no value that was never written. Iterations: LODESTONE_CRASH_ITERATIONS
/// (default 50).
/// </summary>
public sealed class CrashTests
{
    private const int Writers = 16;

    [Fact]
    public async Task Under_appendfsync_always_a_kill_loses_no_acknowledged_write()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("LODESTONE_CRASH_ITERATIONS"), out var n) ? n : 50;
        var directory = Path.Combine(Path.GetTempPath(), "lodestone-crash-" + Guid.NewGuid().ToString("N"));
        var random = new Random(20261126);
        var acknowledged = new long[Writers];
        try
        {
            for (var round = 0; round < iterations; round++)
            {
                using var service = await Service.StartAsync(directory);
                var client = service.Client;

                // What survived the last kill: never less than acknowledged, at most one more (in flight).
                var values = await ReadAllAsync(client);
                for (var w = 0; w < Writers; w++)
                {
                    Assert.True(values[w] >= acknowledged[w] && values[w] <= acknowledged[w] + 1,
                        $"Round {round}: counter {w} is {values[w]} after restart, but {acknowledged[w]} was acknowledged.");
                    acknowledged[w] = values[w];
                }

                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        try
                        {
                            using var response = await client.PostAsJsonAsync("/commands", new[] { "INCR", $"crash:{w}" });
                            if (response.StatusCode != HttpStatusCode.OK)
                                return;
                            var reply = await response.Content.ReadFromJsonAsync<JsonElement>();
                            acknowledged[w] = reply.GetProperty("result").GetInt64();
                        }
                        catch (Exception killed) when (killed is HttpRequestException or TaskCanceledException or IOException)
                        {
                            return;
                        }
                    }
                })).ToArray();

                await Task.Delay(random.Next(50, 400));
                service.Kill();
                await stop.CancelAsync();
                await Task.WhenAll(writers);
            }

            using var last = await Service.StartAsync(directory);
            var final = await ReadAllAsync(last.Client);
            for (var w = 0; w < Writers; w++)
                Assert.True(final[w] >= acknowledged[w] && final[w] <= acknowledged[w] + 1, $"Counter {w}: {final[w]} after the last restart, {acknowledged[w]} acknowledged.");
            Assert.True(final.Sum() > 0, "The writers never got a write acknowledged: the test did not test anything.");
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<long[]> ReadAllAsync(HttpClient client)
    {
        var keys = Enumerable.Range(0, Writers).Select(w => $"crash:{w}").Prepend("MGET").ToArray();
        var reply = await (await client.PostAsJsonAsync("/commands", keys)).Content.ReadFromJsonAsync<JsonElement>();
        return reply.GetProperty("result").EnumerateArray()
            .Select(v => v.ValueKind == JsonValueKind.Null ? 0 : long.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
    }

    /// <summary>The service as its own process (the built Lodestone.Api.dll) on a free loopback port.</summary>
    private sealed class Service : IDisposable
    {
        private readonly Process _process;

        private Service(Process process, HttpClient client)
        {
            _process = process;
            Client = client;
        }

        public HttpClient Client { get; }

        public static async Task<Service> StartAsync(string directory)
        {
            var port = FreePort();
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                Path.Combine(AppContext.BaseDirectory, "Lodestone.Api.dll"),
                "--Urls", $"http://127.0.0.1:{port}",
                "--Persistence:DataDirectory", directory,
                "--Persistence:AppendFsync", "Always",
                "--Serilog:MinimumLevel:Default", "Warning",
            })
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
                        return new Service(process, client);
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
}
