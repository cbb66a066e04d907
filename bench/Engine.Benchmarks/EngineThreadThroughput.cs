using System.Diagnostics;
using System.Text;
using Lodestone.Engine;
using Lodestone.Engine.Execution;

namespace Lodestone.Bench.Engine;

/// <summary>
/// How many GET, SET, LPUSH or XADD commands per second the engine thread itself can run: ten callers keep a
/// pipeline of 100 commands each in flight for a few seconds, and the engine thread's own CPU time
/// (from /proc on Linux) is divided by the commands it ran. Run with <c>--engine-thread</c>.
/// </summary>
/// <remarks>
/// BenchmarkDotNet's figures include the caller and the idle gaps between its invocations; this one
/// is the engine's cost alone, the figure the "commands per second on the engine thread" goal is about.
/// </remarks>
public static class EngineThreadThroughput
{
    private const int Callers = 10;
    private const int Batch = 100;

    /// <param name="withReader">Attach an asynchronous effect-stream reader that drains the stream on
    /// the thread pool (what a replica costs the engine thread; compare with a run without).</param>
    public static async Task RunAsync(TimeSpan duration, int rounds, bool withReader = false)
    {
        using var engine = new Executor(new EngineOptions(), TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var drained = withReader ? Drain(engine, stop.Token) : Task.FromResult("");
        Console.WriteLine(withReader ? "With an asynchronous effect reader attached:" : "No effect reader attached:");
        var value = Encoding.UTF8.GetBytes(new string('v', 64));
        for (var i = 0; i < 1000; i++)
            await engine.ExecuteAsync(Bytes("SET"), Bytes($"str:{i}"), value);
        // LPUSH and XADD (one list and one stream per caller) grow for as long as the run lasts.
        foreach (var command in new[] { "GET", "SET", "LPUSH", "XADD" })
        {
            var pipelines = Enumerable.Range(0, Callers).Select(caller => Enumerable.Range(0, Batch)
                .Select(i => new CommandRequest(command switch
                {
                    "GET" => [Bytes("GET"), Bytes($"str:{(caller * Batch + i) % 1000}")],
                    "SET" => [Bytes("SET"), Bytes($"str:{(caller * Batch + i) % 1000}"), value],
                    "LPUSH" => [Bytes("LPUSH"), Bytes($"list:{caller}"), value],
                    _ => [Bytes("XADD"), Bytes($"stream:{caller}"), Bytes("*"), Bytes("payload"), value],
                }))
                .ToArray()).ToArray();
            for (var round = 0; round < rounds; round++)
            {
                var cpuBefore = EngineThreadCpu();
                var clock = Stopwatch.StartNew();
                var counts = await Task.WhenAll(pipelines.Select(pipeline => Task.Run(() => Loop(engine, pipeline, duration))));
                var seconds = clock.Elapsed.TotalSeconds;
                var commands = counts.Sum();
                var cpu = EngineThreadCpu() - cpuBefore;
                Console.WriteLine(cpu is { } used
                    ? $"{command}: {commands / seconds / 1e6:F2} M commands/s, engine thread {used.TotalNanoseconds / commands:F0} ns CPU per command ({1e3 / (used.TotalNanoseconds / commands):F2} M/s of its CPU), busy {used.TotalSeconds / seconds:P0}"
                    : $"{command}: {commands / seconds / 1e6:F2} M commands/s");
            }
        }
        await stop.CancelAsync();
        if (withReader)
            Console.WriteLine($"The reader ended {await drained}.");
    }

    /// <summary>Reads the effect stream as fast as it comes, as a replica on a fast link would.</summary>
    private static async Task<string> Drain(Executor engine, CancellationToken stop)
    {
        engine.Effects.TryOpenReader(engine.Effects.Offset, out var reader);
        using (reader)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var read = await reader!.ReadAsync(buffer, stop).ConfigureAwait(false);
                    if (read.Status != Lodestone.Engine.Effects.EffectReadStatus.Data)
                        return $"early: {read.Status} at offset {read.Offset}";
                }
            }
            catch (OperationCanceledException)
            {
                return $"attached, at offset {reader!.Position} of {engine.CommittedOffset}";
            }
        }
    }

    private static async Task<long> Loop(Executor engine, CommandRequest[] pipeline, TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long count = 0;
        while (Stopwatch.GetTimestamp() < until)
        {
            foreach (var result in await engine.ExecuteBatchAsync(pipeline))
            {
                if (result.Reply.IsError)
                    throw new InvalidOperationException("A command failed.");
            }
            count += pipeline.Length;
        }
        return count;
    }

    /// <summary>User plus system time of the thread named lodestone-engine (Linux), or null elsewhere.</summary>
    private static TimeSpan? EngineThreadCpu()
    {
        const string tasks = "/proc/self/task";
        if (!Directory.Exists(tasks))
            return null;
        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            // Thread names are cut to 15 characters there.
            if (!File.ReadAllText(Path.Combine(task, "comm")).Trim().StartsWith("lodestone-engin", StringComparison.Ordinal))
                continue;
            var stat = File.ReadAllText(Path.Combine(task, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime, in clock ticks (USER_HZ, 100 on Linux).
            var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        return null;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
