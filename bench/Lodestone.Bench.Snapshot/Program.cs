// Snapshot stall and memory: fills an engine with N keys (default 1,000,000), starts writers, takes
// a snapshot, and reports the longest engine stall seen by a PING probe (every ~1 ms) during the
// snapshot against the same probe without one, plus the managed memory added while it ran.
// Run: dotnet run -c Release --project bench/Lodestone.Bench.Snapshot [keys]
using System.Diagnostics;
using System.Text;
using Lodestone.Engine;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;

var keys = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
var directory = Path.Combine(Path.GetTempPath(), "lodestone-bench-snapshot-" + Guid.NewGuid().ToString("N"));
var log = new AppendOnlyLog(LocalFileSystem.Instance, new PersistenceOptions { DataDirectory = directory, AppendFsync = AppendFsync.No, Save = "" }, TimeProvider.System);
using var executor = new Executor(new EngineOptions(), TimeProvider.System, [log]);
executor.BeginLoading();
log.Recover(executor);

static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
Console.WriteLine($"Filling {keys:N0} keys…");
var fill = new List<Task>();
for (var i = 0; i < keys; i++)
{
    fill.Add(executor.ExecuteAsync(B("SET"), B($"key:{i}"), B($"value-{i}-{new string('x', 32)}")));
    if (fill.Count == 10_000)
    {
        await Task.WhenAll(fill);
        fill.Clear();
    }
}
await Task.WhenAll(fill);

using var stop = new CancellationTokenSource();
var writes = 0L;
var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
{
    var random = new Random(w);
    while (!stop.IsCancellationRequested)
    {
        await executor.ExecuteAsync(B("SET"), B($"key:{random.Next(keys)}"), B($"changed-{w}"));
        Interlocked.Increment(ref writes);
    }
})).ToArray();

async Task<(double MaxMs, double P99Ms, int Samples)> Probe(Func<bool> running)
{
    var samples = new List<double>();
    while (running())
    {
        var sw = Stopwatch.StartNew();
        await executor.ExecuteAsync(B("PING"));
        samples.Add(sw.Elapsed.TotalMilliseconds);
        await Task.Delay(1);
    }
    samples.Sort();
    return (samples[^1], samples[(int)(samples.Count * 0.99)], samples.Count);
}

var baselineEnd = DateTime.UtcNow.AddSeconds(5);
var baseline = await Probe(() => DateTime.UtcNow < baselineEnd);

GC.Collect();
var before = GC.GetTotalMemory(forceFullCollection: true);
var peak = before;
var snapshotting = true;
var sampler = Task.Run(async () =>
{
    while (Volatile.Read(ref snapshotting))
    {
        peak = Math.Max(peak, GC.GetTotalMemory(false));
        await Task.Delay(5);
    }
});
var writesBefore = Interlocked.Read(ref writes);
var clock = Stopwatch.StartNew();
var snapshot = log.Compactor.SnapshotAsync(executor);
var during = await Probe(() => !snapshot.IsCompleted);
await snapshot;
clock.Stop();
Volatile.Write(ref snapshotting, false);
await sampler;
var writesDuring = Interlocked.Read(ref writes) - writesBefore;

await stop.CancelAsync();
await Task.WhenAll(writers);
var status = log.Compactor.Status;
Console.WriteLine($"Snapshot of {keys:N0} keys: {clock.Elapsed.TotalMilliseconds:F0} ms, {status.LastSize / (1024.0 * 1024):F1} MiB, {writesDuring:N0} writes ran meanwhile; error: {status.LastError ?? "none"}");
Console.WriteLine($"Engine stall (PING round trip) without a snapshot: max {baseline.MaxMs:F2} ms, p99 {baseline.P99Ms:F2} ms ({baseline.Samples} probes)");
Console.WriteLine($"Engine stall (PING round trip) during the snapshot: max {during.MaxMs:F2} ms, p99 {during.P99Ms:F2} ms ({during.Samples} probes)");
Console.WriteLine($"Snapshot bytes waiting for the disk, at most: {status.LastPeakBufferBytes / (1024.0 * 1024):F1} MiB (the snapshot's own extra memory)");
Console.WriteLine($"Managed heap incl. uncollected garbage of the workload: {before / (1024.0 * 1024):F0} MiB before, peak {peak / (1024.0 * 1024):F0} MiB during (+{(peak - before) / (1024.0 * 1024):F0} MiB)");
executor.Dispose();
log.Dispose();
Directory.Delete(directory, recursive: true);
