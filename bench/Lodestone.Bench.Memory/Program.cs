// Memory limit and eviction, in-process (no HTTP, no log):
//  (0) the used_memory estimate against the GC heap, for values of several sizes;
//  (a) 1 GB of 1 KB values written under maxmemory 100 MB with allkeys-lru: how far the process
//      (GC heap, working set) goes past the limit;
//  (b) a Zipf(0.99) GET-or-SET-on-miss trace over 1,000,000 keys with a cache that holds ~10% of
//      them: hit ratio under each policy against an exact LRU of the same capacity on the same trace;
//  (s) a stream of 1,000,000 entries of one 100-byte field value: MEMORY USAGE and GC heap growth
//      (docs/performance.md sets them beside redis-server's MEMORY USAGE of the same XADDs).
// Each part runs in its own method, so nothing of one is alive during the next.
// Run: dotnet run -c Release --project bench/Lodestone.Bench.Memory [parts, e.g. 0ab] [requests-in-millions]
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Lodestone.Engine;
using Lodestone.Engine.Execution;

var parts = args.Length > 0 ? args[0] : "0ab";
var millions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
static byte[] Key(int i) => Encoding.ASCII.GetBytes("key:" + i.ToString(CultureInfo.InvariantCulture));
static double Mb(long bytes) => bytes / 1048576.0;
static long Heap() => GC.GetTotalMemory(forceFullCollection: true);
static long WorkingSet()
{
    using var process = Process.GetCurrentProcess();
    return process.WorkingSet64;
}

Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, server GC: {System.Runtime.GCSettings.IsServerGC}");
if (parts.Contains('0'))
    await EstimateAgainstHeap();
if (parts.Contains('a'))
    await FillUnderLimit();
if (parts.Contains('b'))
    await ZipfHitRatio(millions);
if (parts.Contains('s'))
    await StreamOfAMillion();

// (s) One stream, 1,000,000 entries "f" = 100 bytes, five ids per millisecond (the ids the Redis run used).
static async Task StreamOfAMillion()
{
    Console.WriteLine();
    Console.WriteLine("(s) XADD s <ms>-<seq> f <100 bytes> x 1,000,000");
    using var engine = new Executor(new EngineOptions(), TimeProvider.System);
    await engine.ExecuteAsync("PING"u8.ToArray());
    var heapBefore = Heap();
    var value = Encoding.ASCII.GetBytes(new string('x', 100));
    const long baseMs = 1_700_000_000_000;
    await Run(engine, 1_000_000, i => ["XADD"u8.ToArray(), "s"u8.ToArray(),
        Encoding.ASCII.GetBytes($"{baseMs + (i / 5)}-{i % 5}"), "f"u8.ToArray(), value]);
    var heapAfter = Heap();
    var usage = (await engine.ExecuteAsync("MEMORY"u8.ToArray(), "USAGE"u8.ToArray(), "s"u8.ToArray())).AsInteger();
    var blocks = (await engine.ExecuteAsync("XINFO"u8.ToArray(), "STREAM"u8.ToArray(), "s"u8.ToArray())).AsItems()[3].AsInteger();
    Console.WriteLine($"MEMORY USAGE s: {usage:N0} bytes ({usage / 1_000_000.0:F1} per entry); GC heap growth {heapAfter - heapBefore:N0} bytes; blocks {blocks:N0}");
}

// (0) The estimate against the heap.
static async Task EstimateAgainstHeap()
{
    Console.WriteLine();
    Console.WriteLine("(0) used_memory estimate vs GC heap growth (after a full collection)");
    Console.WriteLine("value bytes | keys | estimate MB | heap MB | heap / estimate");
    foreach (var size in new[] { 16, 100, 1024, 10_240 })
    {
        using var engine = new Executor(new EngineOptions(), TimeProvider.System);
        var keys = (int)Math.Min(500_000, 200L * 1024 * 1024 / (size + 100));
        await engine.ExecuteAsync("PING"u8.ToArray());
        var heapBefore = Heap();
        var usedBefore = engine.Memory.UsedBytes;
        await Run(engine, keys, i => [Verb.Set, Key(i), new byte[size]]);
        var heapAfter = Heap();
        var usedAfter = engine.Memory.UsedBytes;
        Console.WriteLine($"{size,11} | {keys,7:N0} | {Mb(usedAfter - usedBefore),11:F1} | {Mb(heapAfter - heapBefore),7:F1} | {(double)(heapAfter - heapBefore) / (usedAfter - usedBefore),6:F3}");
    }
}

// (a) 1 GB through a 100 MB limit.
static async Task FillUnderLimit()
{
    Console.WriteLine();
    Console.WriteLine("(a) 1,048,576 SETs of 1 KB values (1 GB) under maxmemory 100 MB, allkeys-lru");
    {
        const long limit = 100L * 1024 * 1024;
        using var engine = new Executor(new EngineOptions { MaxMemoryBytes = limit, MaxMemoryPolicy = "allkeys-lru" }, TimeProvider.System);
        var heapBase = Heap();
        var wsBase = WorkingSet();
        long maxUsed = 0, maxHeap = 0, maxWs = 0;
        var clock = Stopwatch.StartNew();
        const int total = 1 << 20;
        for (var done = 0; done < total; done += 65_536)
        {
            var from = done;
            await Run(engine, 65_536, i => [Verb.Set, Key(from + i), new byte[1024]]);
            maxUsed = Math.Max(maxUsed, engine.Memory.UsedBytes);
            maxHeap = Math.Max(maxHeap, GC.GetTotalMemory(false));
            maxWs = Math.Max(maxWs, WorkingSet());
        }
        clock.Stop();
        var stats = engine.Memory;
        var heapAfter = Heap();
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"time {clock.Elapsed.TotalSeconds:F1} s ({total / clock.Elapsed.TotalSeconds:N0} SET/s); keys {stats.Keys:N0}; evicted {stats.EvictedKeys:N0}");
        Console.WriteLine($"used_memory {Mb(stats.UsedBytes):F1} MB (max seen {Mb(maxUsed):F1}, peak {Mb(stats.PeakBytes):F1}) vs limit {Mb(limit):F0} MB");
        Console.WriteLine($"GC heap: {Mb(heapBase):F1} MB before; {Mb(heapAfter):F1} MB after a full GC; max seen between GCs {Mb(maxHeap):F1} MB");
        Console.WriteLine($"working set: {Mb(wsBase):F1} MB before; max sampled {Mb(maxWs):F1} MB; peak {Mb(process.PeakWorkingSet64):F1} MB");
    }
}

// (b) Zipf hit ratio.
static async Task ZipfHitRatio(int millions)
{
    var nx = "NX"u8.ToArray();
    var get = "GET"u8.ToArray();
    Console.WriteLine();
    const int keySpace = 1_000_000;
    var requests = millions * 1_000_000;
    var warmUp = requests / 3;
    Console.WriteLine($"(b) Zipf(0.99) over {keySpace:N0} keys, {requests:N0} requests (first {warmUp:N0} warm-up), SET key v NX GET (a hit returns the value; a miss stores it)");
    var trace = ZipfTrace(keySpace, 0.99, requests, seed: 42);
    // The limit that holds about 10% of the keys: measured by filling that many, with the trace's key and value shapes.
    long cacheLimit;
    {
        using var calibrate = new Executor(new EngineOptions(), TimeProvider.System);
        await Run(calibrate, keySpace / 10, i => [Verb.Set, Key(i * 7 % keySpace), new byte[100]]);
        cacheLimit = calibrate.Memory.UsedBytes;
    }
    Console.WriteLine($"maxmemory {Mb(cacheLimit):F1} MB (= {keySpace / 10:N0} keys of 100-byte values)");
    Console.WriteLine("policy | samples | keys held | hit ratio | exact LRU, same capacity | requests/s");
    foreach (var (policy, samples) in new[] { ("allkeys-lru", 5), ("allkeys-lru", 10), ("allkeys-lfu", 5), ("allkeys-random", 5) })
    {
        using var engine = new Executor(new EngineOptions { MaxMemoryBytes = cacheLimit, MaxMemoryPolicy = policy, MaxMemorySamples = samples }, TimeProvider.System);
        long hits = 0;
        var clock = Stopwatch.StartNew();
        const int batch = 1024;
        var pending = new Task<Reply>[batch];
        for (var start = 0; start < trace.Length; start += batch)
        {
            var n = Math.Min(batch, trace.Length - start);
            // Enqueued in trace order, so the engine sees exactly the trace.
            for (var j = 0; j < n; j++)
                pending[j] = engine.ExecuteAsync(Verb.Set, Key(trace[start + j]), new byte[100], nx, get);
            for (var j = 0; j < n; j++)
            {
                var reply = await pending[j];
                if (start + j >= warmUp && !reply.IsNull)
                    hits++;
            }
        }
        clock.Stop();
        var held = (int)engine.Memory.Keys;
        var exact = ExactLruHits(trace, held, warmUp);
        var measured = trace.Length - warmUp;
        Console.WriteLine($"{policy} | {samples} | {held:N0} | {(double)hits / measured:P2} | {(double)exact / measured:P2} | {trace.Length / clock.Elapsed.TotalSeconds:N0}");
    }
}

static async Task Run(Executor engine, int count, Func<int, byte[][]> command)
{
    const int window = 4096;
    var pending = new List<Task<Reply>>(window);
    for (var i = 0; i < count; i++)
    {
        pending.Add(engine.ExecuteAsync(command(i)));
        if (pending.Count == window)
        {
            foreach (var reply in await Task.WhenAll(pending))
            {
                if (reply.IsError)
                    throw new InvalidOperationException(reply.AsError().Message);
            }
            pending.Clear();
        }
    }
    await Task.WhenAll(pending);
}

// Ranks drawn from Zipf(s) by inverse CDF, mapped through a random permutation so hot keys are spread.
static int[] ZipfTrace(int n, double s, int length, int seed)
{
    var cdf = new double[n];
    double sum = 0;
    for (var k = 0; k < n; k++)
        cdf[k] = sum += 1.0 / Math.Pow(k + 1, s);
    var random = new Random(seed);
    var permutation = Enumerable.Range(0, n).ToArray();
    random.Shuffle(permutation);
    var trace = new int[length];
    for (var i = 0; i < length; i++)
    {
        var rank = Array.BinarySearch(cdf, random.NextDouble() * sum);
        trace[i] = permutation[rank < 0 ? Math.Min(~rank, n - 1) : rank];
    }
    return trace;
}

static long ExactLruHits(int[] trace, int capacity, int warmUp)
{
    var order = new LinkedList<int>();
    var nodes = new Dictionary<int, LinkedListNode<int>>(capacity + 1);
    long hits = 0;
    for (var i = 0; i < trace.Length; i++)
    {
        var key = trace[i];
        if (nodes.TryGetValue(key, out var node))
        {
            if (i >= warmUp)
                hits++;
            order.Remove(node);
            order.AddFirst(node);
            continue;
        }
        nodes[key] = order.AddFirst(key);
        if (nodes.Count > capacity)
        {
            nodes.Remove(order.Last!.Value);
            order.RemoveLast();
        }
    }
    return hits;
}

/// <summary>Command names, allocated once.</summary>
internal static class Verb
{
    public static readonly byte[] Set = "SET"u8.ToArray();
}
