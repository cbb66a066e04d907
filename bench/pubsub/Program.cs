// PUBLISH to many SSE subscribers, against a running service (this starts nothing; bench/pubsub.sh
// starts one): N connections on GET /channels/{channel}/events, each read line by line; once every one
// has its 'event: subscribe', one publisher POSTs M messages to /channels/{channel}/messages at a
// steady pace, each carrying its send time (Stopwatch ticks, this process's clock, which also stamps
// each receipt). Measures deliveries per second (messages received over all subscribers / time from
// the first publish to the last receipt) and the delivery latency (receipt − send) at p50, p99, max.
// The whole run is bounded (--deadline, default 60 s); every connection is closed at the end.
// Run: dotnet run -c Release --project bench/pubsub [url] [--subscribers N] [--messages M] [--rate per-second, 0 = one POST after another] [--channel name] [--deadline seconds]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

var url = "http://127.0.0.1:8379";
var subscribers = 1000;
var messages = 300;
var rate = 8.0;
var channel = "bench";
var deadlineSeconds = 60;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--subscribers": subscribers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--messages": messages = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--rate": rate = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--channel": channel = args[++i]; break;
        case "--deadline": deadlineSeconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: url = args[i].TrimEnd('/'); break;
    }
}

using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(deadlineSeconds));
var stop = deadline.Token;
var path = "/channels/" + Uri.EscapeDataString(channel);
Console.WriteLine($"{url}{path}: {subscribers} SSE subscribers, {messages} messages at {(rate > 0 ? rate + "/s" : "the service's pace")}, at most {deadlineSeconds} s; " +
    $".NET {Environment.Version}, {Environment.ProcessorCount} cores");

// One connection per stream (HTTP/1.1), so no pool limit; the publisher has its own handler, never queued behind a stream.
using var streams = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
{
    BaseAddress = new Uri(url),
    Timeout = Timeout.InfiniteTimeSpan,
};
using var publisher = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };

var latencies = new long[subscribers][];
var received = new int[subscribers];
var lastReceipt = new long[subscribers];
var subscribed = 0;
var failures = 0;
var allSubscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
var opening = new SemaphoreSlim(64); // connect in waves, not 1,000 SYNs at once into the listen backlog

async Task SubscribeAsync(int index)
{
    latencies[index] = new long[messages];
    HttpResponseMessage? response = null;
    try
    {
        await opening.WaitAsync(stop);
        try
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path + "/events");
            request.Headers.Accept.ParseAdd("text/event-stream");
            response = await streams.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
        }
        finally
        {
            opening.Release();
        }
        if (response.StatusCode != HttpStatusCode.OK)
            throw new HttpRequestException($"GET {path}/events answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(stop)}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop), Encoding.UTF8);
        var lats = latencies[index];
        while (await reader.ReadLineAsync(stop) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var now = Stopwatch.GetTimestamp();
                // data: {"channel":"bench","message":"<ticks>"}
                var at = line.IndexOf("\"message\":\"", StringComparison.Ordinal);
                if (at < 0)
                    continue;
                var start = at + "\"message\":\"".Length;
                var sent = long.Parse(line.AsSpan(start, line.IndexOf('"', start) - start), CultureInfo.InvariantCulture);
                var n = received[index];
                if (n < lats.Length)
                    lats[n] = now - sent;
                received[index] = n + 1;
                Volatile.Write(ref lastReceipt[index], now);
            }
            else if (line == "event: subscribe")
            {
                if (Interlocked.Increment(ref subscribed) == subscribers)
                    allSubscribed.TrySetResult();
            }
            else if (line == "event: error")
            {
                Console.WriteLine($"subscriber {index}: the service disconnected it (event: error)");
            }
        }
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
    }
    catch (Exception error) when (error is HttpRequestException or IOException)
    {
        if (Interlocked.Increment(ref failures) <= 5)
            Console.WriteLine($"subscriber {index}: {error.Message}");
        if (Volatile.Read(ref failures) + Volatile.Read(ref subscribed) >= subscribers)
            allSubscribed.TrySetResult();
    }
    finally
    {
        response?.Dispose();
    }
}

var connecting = Stopwatch.StartNew();
var readers = Enumerable.Range(0, subscribers).Select(i => Task.Run(() => SubscribeAsync(i))).ToArray();
try
{
    await allSubscribed.Task.WaitAsync(stop);
}
catch (OperationCanceledException)
{
}
Console.WriteLine($"subscribed: {subscribed}/{subscribers} in {connecting.Elapsed.TotalSeconds:F1} s ({failures} failed)");

long published = 0, minReceivers = long.MaxValue, publishErrors = 0;
var publishStart = Stopwatch.GetTimestamp();
var expected = 0L;
if (subscribed == subscribers && !stop.IsCancellationRequested)
{
    var interval = rate > 0 ? Stopwatch.Frequency / rate : 0;
    for (var i = 0; i < messages && !stop.IsCancellationRequested; i++)
    {
        // A steady pace: message i leaves at start + i × interval, however long the previous POST took
        // (one POST at a time: when the service is slower than the pace, the pace is the service's).
        // --rate 0: no pacing, the next POST as soon as the last is answered — the service's ceiling.
        var due = publishStart + (long)(i * interval);
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        if (interval > 0 && wait > TimeSpan.Zero)
        {
            try { await Task.Delay(wait, stop); } catch (OperationCanceledException) { break; }
        }
        var body = "{\"message\":\"" + Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture) + "\"}";
        try
        {
            using var response = await publisher.PostAsync(path + "/messages", new StringContent(body, Encoding.UTF8, "application/json"), stop);
            var text = await response.Content.ReadAsStringAsync(stop);
            if (!response.IsSuccessStatusCode)
            {
                if (++publishErrors <= 5)
                    Console.WriteLine($"publish {i}: {(int)response.StatusCode} {text}");
                continue;
            }
            published++;
            var at = text.IndexOf("\"receivers\":", StringComparison.Ordinal) + "\"receivers\":".Length;
            var end = at;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
                end++;
            minReceivers = Math.Min(minReceivers, long.Parse(text.AsSpan(at, end - at), CultureInfo.InvariantCulture));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.WriteLine($"publish {i}: the run's deadline came first");
            break;
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            if (++publishErrors <= 5)
                Console.WriteLine($"publish {i}: {error.Message}");
        }
    }
    var publishSeconds = Stopwatch.GetElapsedTime(publishStart).TotalSeconds;
    Console.WriteLine($"published: {published}/{messages} in {publishSeconds:F1} s ({published / publishSeconds:F0}/s), {publishErrors} errors, fewest receivers {(published > 0 ? minReceivers : 0)}");

    // Drain: until every subscriber has every message, or 10 s without progress, or the deadline.
    expected = published * subscribers;
    long total = 0, previous = -1;
    var lastProgress = Stopwatch.GetTimestamp();
    while (!stop.IsCancellationRequested)
    {
        total = received.Sum(n => (long)n);
        if (total >= expected)
            break;
        if (total != previous)
            (previous, lastProgress) = (total, Stopwatch.GetTimestamp());
        else if (Stopwatch.GetElapsedTime(lastProgress) > TimeSpan.FromSeconds(10))
            break;
        try { await Task.Delay(50, stop); } catch (OperationCanceledException) { break; }
    }
}
else
{
    Console.WriteLine("not every subscriber got 'event: subscribe' in time: nothing published");
}

// Close every stream, and wait for the readers to end.
await deadline.CancelAsync();
await Task.WhenAll(readers);

var delivered = received.Sum(n => (long)n);
var last = lastReceipt.Max();
var seconds = last > publishStart ? Stopwatch.GetElapsedTime(publishStart, last).TotalSeconds : 0;
var all = new long[Math.Min(delivered, (long)subscribers * messages)];
var k = 0;
for (var s = 0; s < subscribers; s++)
{
    var n = Math.Min(received[s], messages);
    Array.Copy(latencies[s], 0, all, k, n);
    k += n;
}
Array.Sort(all);
double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
double Percentile(double p) => all.Length == 0 ? 0 : Ms(all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)]);
Console.WriteLine($"delivered: {delivered}/{expected} in {seconds:F2} s (first publish to last receipt) = {(seconds > 0 ? delivered / seconds : 0):F0} deliveries/s");
Console.WriteLine($"latency ms: p50 {Percentile(0.50):F1}, p99 {Percentile(0.99):F1}, max {(all.Length > 0 ? Ms(all[^1]) : 0):F1}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT subscribers={subscribed} published={published} delivered={delivered} expected={expected} seconds={seconds:F2} " +
    $"deliveries_per_s={(seconds > 0 ? delivered / seconds : 0):F0} p50_ms={Percentile(0.50):F1} p99_ms={Percentile(0.99):F1} max_ms={(all.Length > 0 ? Ms(all[^1]) : 0):F1}"));
return delivered == expected && expected > 0 ? 0 : 1;
