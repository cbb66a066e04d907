using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Lodestone.Api.Tests;

/// <summary>
/// A failover group of real processes, started and stopped with <c>scripts/local-cluster.sh</c> (the
/// built service of these tests), on consecutive free loopback ports. Nodes are killed with
/// SIGKILL, paused with SIGSTOP (a node that neither answers nor closes its connections, as behind
/// a dead link) and resumed. Every process is stopped on dispose.
/// </summary>
public sealed class FailoverGroup : IAsyncDisposable
{
    private static readonly TimeSpan ScriptBound = TimeSpan.FromSeconds(120);
    private readonly string[] _settings;

    private FailoverGroup(int count, int basePort, string directory, string[] settings)
    {
        Count = count;
        BasePort = basePort;
        Directory = directory;
        _settings = settings;
        // Redirects are not followed: a test sees a replica's 307 as a client would.
        Clients = [.. Enumerable.Range(0, count).Select(i => new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(UrlOf(i + 1)), Timeout = TimeSpan.FromSeconds(5) })];
    }

    public int Count { get; }

    public int BasePort { get; }

    public string Directory { get; }

    /// <summary>A client per node, node-1 first.</summary>
    public IReadOnlyList<HttpClient> Clients { get; }

    public string UrlOf(int node) => $"http://127.0.0.1:{BasePort + node - 1}";

    public HttpClient Client(int node) => Clients[node - 1];

    /// <summary>Starts <paramref name="count"/> nodes and returns once the group has its primary.</summary>
    public static async Task<FailoverGroup> StartAsync(int count, params string[] settings)
    {
        var directory = Path.Combine(Path.GetTempPath(), "lodestone-failover-" + Guid.NewGuid().ToString("N"));
        var group = new FailoverGroup(count, FreeBasePort(count), directory, settings);
        await group.StartNodesAsync();
        return group;
    }

    /// <summary>Starts every node that is not running (the script leaves running ones alone).</summary>
    public async Task StartNodesAsync()
    {
        var (exitCode, output) = await Repository.RunAsync("bash",
            [Path.Combine(Repository.Root, "scripts", "local-cluster.sh"), "start", Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                BasePort.ToString(System.Globalization.CultureInfo.InvariantCulture), Directory, .. _settings],
            Repository.Root, ScriptBound, [("LODESTONE_DLL", Path.Combine(AppContext.BaseDirectory, "Lodestone.Api.dll"))]);
        Assert.True(exitCode == 0, $"local-cluster.sh start failed ({exitCode}): {output}\n{Logs()}");
    }

    /// <summary>Stops every node (SIGTERM; SIGKILL after 10 s), keeping their data.</summary>
    public async Task StopNodesAsync()
    {
        var (exitCode, output) = await Repository.RunAsync("bash", [Path.Combine(Repository.Root, "scripts", "local-cluster.sh"), "stop", Directory], Repository.Root, ScriptBound);
        Assert.True(exitCode == 0, $"local-cluster.sh stop failed ({exitCode}): {output}");
    }

    /// <summary>The pid of a running node.</summary>
    public int Pid(int node) => int.Parse(File.ReadAllText(Path.Combine(Directory, $"node-{node}.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>kill -9.</summary>
    public void Kill(int node)
    {
        Signal(node, "KILL");
        File.Delete(Path.Combine(Directory, $"node-{node}.pid"));
    }

    /// <summary>Stops one node as an operator would (SIGTERM), and waits (bounded) until it has exited.</summary>
    public async Task StopAsync(int node)
    {
        var pid = Pid(node);
        Signal(node, "TERM");
        var deadline = Stopwatch.StartNew();
        while (System.IO.Directory.Exists($"/proc/{pid}") && deadline.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(50);
        Assert.False(System.IO.Directory.Exists($"/proc/{pid}"), $"node-{node} (PID {pid}) did not stop within 30 s");
        File.Delete(Path.Combine(Directory, $"node-{node}.pid"));
    }

    /// <summary>SIGSTOP: the node holds its connections open and answers nothing.</summary>
    public void Pause(int node) => Signal(node, "STOP");

    /// <summary>SIGCONT.</summary>
    public void Resume(int node) => Signal(node, "CONT");

    private void Signal(int node, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, Pid(node).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>GET /topology of a node, or null when it does not answer.</summary>
    public async Task<JsonElement?> Topology(int node)
    {
        try
        {
            using var response = await Client(node).GetAsync("/topology");
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone() : null;
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The node number of a URL of this group.</summary>
    public int NodeOf(string url) => new Uri(url).Port - BasePort + 1;

    /// <summary>The end of every node's log (for a failing assertion).</summary>
    public string Logs() => string.Join('\n', Enumerable.Range(1, Count).Select(i =>
    {
        var path = Path.Combine(Directory, $"node-{i}.log");
        return File.Exists(path) ? $"--- node-{i}\n" + string.Join('\n', File.ReadLines(path).TakeLast(15)) : "";
    }));

    public async ValueTask DisposeAsync()
    {
        // Paused nodes must run to stop.
        foreach (var pidFile in System.IO.Directory.Exists(Directory) ? System.IO.Directory.GetFiles(Directory, "node-*.pid") : [])
        {
            using var resume = Process.Start("kill", ["-CONT", File.ReadAllText(pidFile).Trim()]);
            await resume.WaitForExitAsync();
        }
        await StopNodesAsync();
        foreach (var client in Clients)
            client.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process: the temp directory's owner cleans it up.
        }
    }

    /// <summary>A base port whose <paramref name="count"/> consecutive ports are free now.</summary>
    private static int FreeBasePort(int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var candidate = Random.Shared.Next(20_000, 60_000);
            if (Enumerable.Range(candidate, count).All(IsFree))
                return candidate;
        }
        throw new InvalidOperationException("No free run of loopback ports.");

        static bool IsFree(int port)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}
