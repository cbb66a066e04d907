using System.Net;
using System.Net.Http.Json;
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
                using var service = await ServiceProcess.StartAsync(directory, "--Persistence:AppendFsync", "Always");
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

            using var last = await ServiceProcess.StartAsync(directory, "--Persistence:AppendFsync", "Always");
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

    [Fact]
    public async Task Under_appendfsync_always_a_kill_mid_script_leaves_all_or_none_of_its_writes()
    {
        const int Counters = 20;
        var directory = Path.Combine(Path.GetTempPath(), "lodestone-crash-script-" + Guid.NewGuid().ToString("N"));
        var random = new Random(20261207);
        // Each run increments the 20 counters of its writer, then spins: a kill lands in the middle of many runs.
        const string Script = "for i = 1, 20 do redis.call('INCR', KEYS[1] .. ':' .. i) end for i = 1, 200000 do end return 1";
        var ran = 0;
        try
        {
            for (var round = 0; round < 5; round++)
            {
                using var service = await ServiceProcess.StartAsync(directory, "--Persistence:AppendFsync", "Always");
                var client = service.Client;
                for (var w = 0; w < 4; w++)
                {
                    var keys = Enumerable.Range(1, Counters).Select(i => $"script:{w}:{i}").Prepend("MGET").ToArray();
                    var reply = await (await client.PostAsJsonAsync("/commands", keys)).Content.ReadFromJsonAsync<JsonElement>();
                    var values = reply.GetProperty("result").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? "0" : v.GetString()).Distinct().ToList();
                    Assert.True(values.Count == 1, $"Round {round}: writer {w}'s counters differ after a restart ({string.Join(", ", values)}): a script's writes were cut in half.");
                }

                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        try
                        {
                            using var response = await client.PostAsJsonAsync("/commands", new[] { "EVAL", Script, "1", $"script:{w}" });
                            if (response.StatusCode != HttpStatusCode.OK)
                                return;
                            Interlocked.Increment(ref ran);
                        }
                        catch (Exception killed) when (killed is HttpRequestException or TaskCanceledException or IOException)
                        {
                            return;
                        }
                    }
                })).ToArray();

                await Task.Delay(random.Next(100, 400));
                service.Kill();
                await stop.CancelAsync();
                await Task.WhenAll(writers);
            }
            Assert.True(ran > 0, "No script ever ran: the test did not test anything.");
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
}
