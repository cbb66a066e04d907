using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

using static Lodestone.Api.Tests.ReplicationNodes;

namespace Lodestone.Api.Tests;

/// <summary>
/// Acknowledgements between real processes on loopback: a primary and one replica. WAIT (single,
/// pipeline, MULTI/EXEC) and the <c>Lodestone-Wait</c> header hear of a write well within the
/// replica's once-a-second heartbeat ack (they ask for one: GETACK), while writes nobody waits for
/// cost no more than that heartbeat; with the replica gone they time out with 0; and
/// min-replicas-to-write refuses writes (NOREPLICAS) once it is gone. Every wait is bounded and
/// every process is stopped.
/// </summary>
public sealed class ReplicationAcksTests : IDisposable
{
    /// <summary>Below the replica's heartbeat (1 s): an answer this fast came from a prompt ack.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromMilliseconds(900);

    private readonly ReplicationNodes _nodes = new();

    public void Dispose() => _nodes.Dispose();

    /// <summary>A primary and a replica that has caught up with it, and that the primary counts as attached.</summary>
    private async Task<(ServiceProcess Primary, ServiceProcess Replica)> Pair()
    {
        var primary = await _nodes.Start("primary");
        var replica = await _nodes.Start("replica", UrlOf(primary));
        await CaughtUp(primary, replica);
        await Until(async () => Field(await Info(primary.Client), "connected_slaves") == "1", () => Info(primary.Client));
        return (primary, replica);
    }

    private static async Task<JsonElement> Post(HttpClient client, string path, string json)
    {
        using var response = await client.PostAsync(path, Http.Json(json));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static Task<string> Info(HttpClient client) => ReplicationNodes.Info(client, "replication");

    private static async Task<(T Value, TimeSpan Took)> Timed<T>(Func<Task<T>> run)
    {
        var clock = Stopwatch.StartNew();
        var value = await run();
        return (value, clock.Elapsed);
    }

    private static HttpRequestMessage PutString(string key, string value, string? wait)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/strings/" + key) { Content = Http.Json(JsonSerializer.Serialize(new { value })) };
        if (wait is not null)
            request.Headers.Add("Lodestone-Wait", wait);
        return request;
    }

    private static async Task<string?> ReadString(HttpClient client, string key)
    {
        using var response = await client.GetAsync("/strings/" + key);
        return response.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("value").GetString() : null;
    }

    [Fact]
    public async Task Wait_hears_of_a_write_well_within_the_heartbeat_in_every_form()
    {
        var (primary, replica) = await Pair();
        var client = primary.Client;

        // Single commands: ten writes, each WAIT answered by the replica's prompt ack.
        var total = TimeSpan.Zero;
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("OK", (await Command(client, "SET", $"w:{i}", "v")).GetProperty("result").GetString());
            var (reply, took) = await Timed(() => Command(client, "WAIT", "1", "2000"));
            Assert.Equal(1, reply.GetProperty("result").GetInt64());
            Assert.True(took < Prompt, $"WAIT 1 2000 took {took.TotalMilliseconds} ms: the replica did not ack promptly.");
            total += took;
        }
        // A heartbeat-only replica averages half a second per WAIT.
        Assert.True(total < TimeSpan.FromSeconds(3), $"Ten WAITs took {total.TotalMilliseconds} ms.");

        // A pipeline: WAIT covers the SET before it.
        var (pipeline, pipelineTook) = await Timed(() => Post(client, "/commands/pipeline", """[["SET","w:p","1"],["WAIT","1","2000"]]"""));
        Assert.Equal("OK", pipeline[0].GetProperty("result").GetString());
        Assert.Equal(1, pipeline[1].GetProperty("result").GetInt64());
        Assert.True(pipelineTook < Prompt, $"The pipeline took {pipelineTook.TotalMilliseconds} ms.");
        Assert.Equal("1", await ReadString(replica.Client, "w:p"));

        // MULTI/EXEC: WAIT does not block there; it counts the replicas that have what came before.
        var (multi, multiTook) = await Timed(() => Post(client, "/commands/multi-exec", """[["SET","w:m","1"],["WAIT","1","5000"]]"""));
        Assert.Equal("OK", multi[0].GetProperty("result").GetString());
        Assert.Equal(1, multi[1].GetProperty("result").GetInt64());
        Assert.True(multiTook < Prompt, $"MULTI/EXEC took {multiTook.TotalMilliseconds} ms: WAIT blocked inside it.");

        // The path form.
        using (var path = await client.PostAsync("/commands/wait/1/2000", null))
            Assert.Equal(1, JsonDocument.Parse(await path.Content.ReadAsStringAsync()).RootElement.GetProperty("result").GetInt64());

        // On the replica, Redis's refusal.
        Assert.StartsWith("ERR WAIT cannot be used with replica instances.", (await Command(replica.Client, "WAIT", "1", "0")).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The acknowledgements the primary has taken so far (its request metrics for the ack route).</summary>
    private static async Task<long> AcksTaken(HttpClient primary)
    {
        var text = await primary.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(line => line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
                && line.Contains("http_route=\"/replication/ack\"", StringComparison.Ordinal))
            .Sum(line => long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Writes_nobody_waits_for_cost_an_ack_a_second_and_a_wait_still_gets_one_at_once()
    {
        var (primary, replica) = await Pair();
        var client = primary.Client;
        var before = await AcksTaken(client);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 300; i++)
            Assert.Equal("OK", (await Command(client, "SET", $"quiet:{i}", "v")).GetProperty("result").GetString());
        await CaughtUp(primary, replica);
        var seconds = clock.Elapsed.TotalSeconds;
        var acks = await AcksTaken(client) - before;
        // Redis's replicas ack once a second and when asked (GETACK): not once per write or round trip.
        Assert.True(acks <= Math.Ceiling(seconds) + 2, $"{acks} acks for 300 writes in {seconds:F1} s.");

        Assert.Equal("OK", (await Command(client, "SET", "quiet:last", "v")).GetProperty("result").GetString());
        var (reply, took) = await Timed(() => Command(client, "WAIT", "1", "2000"));
        Assert.Equal(1, reply.GetProperty("result").GetInt64());
        Assert.True(took < Prompt, $"WAIT 1 2000 took {took.TotalMilliseconds} ms: the GETACK was not answered at once.");
    }

    [Fact]
    public async Task The_wait_header_holds_a_write_until_the_replica_has_it()
    {
        var (primary, replica) = await Pair();

        for (var i = 0; i < 5; i++)
        {
            using var request = PutString($"h:{i}", $"value-{i}", "replicas=1; timeout=2000");
            var (response, took) = await Timed(() => primary.Client.SendAsync(request));
            using (response)
            {
                Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                Assert.Equal("1", Assert.Single(response.Headers.GetValues("Lodestone-Replicas-Acked")));
                Assert.True(took < Prompt, $"The PUT took {took.TotalMilliseconds} ms.");
            }
            // Acknowledged means applied: the replica has it now, no polling.
            Assert.Equal($"value-{i}", await ReadString(replica.Client, $"h:{i}"));
        }

        // /commands too, and without the header nothing is added.
        using (var command = new HttpRequestMessage(HttpMethod.Post, "/commands") { Content = Http.Json("""["SET","h:c","1"]""") })
        {
            command.Headers.Add("Lodestone-Wait", "replicas=1;timeout=2000");
            using var response = await primary.Client.SendAsync(command);
            Assert.Equal("1", Assert.Single(response.Headers.GetValues("Lodestone-Replicas-Acked")));
        }
        using (var plain = await primary.Client.SendAsync(PutString("h:plain", "1", null)))
            Assert.False(plain.Headers.Contains("Lodestone-Replicas-Acked"));

        // A malformed header is a 400 that says what is wrong: a problem on resource routes, Upstash's error on /commands.
        using (var bad = await primary.Client.SendAsync(PutString("h:bad", "1", "replicas=one")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains("replicas must be a whole number", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using (var command = new HttpRequestMessage(HttpMethod.Post, "/commands") { Content = Http.Json("""["SET","h:bad","1"]""") })
        {
            command.Headers.Add("Lodestone-Wait", "timeout=100");
            using var response = await primary.Client.SendAsync(command);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("replicas is missing", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(JsonValueKind.Null, (await Command(primary.Client, "GET", "h:bad")).GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task Without_its_replica_a_primary_times_out_waits_with_0_and_refuses_writes_under_min_replicas()
    {
        var (primary, replica) = await Pair();
        var client = primary.Client;
        Assert.Equal("OK", (await Command(client, "CONFIG", "SET", "min-replicas-to-write", "1", "min-replicas-max-lag", "2")).GetProperty("result").GetString());
        Assert.Equal("OK", (await Command(client, "SET", "n:1", "v")).GetProperty("result").GetString());
        Assert.Equal("1", Field(await Info(client), "min_slaves_good_slaves"));

        replica.Kill();

        // Writes are refused once the replica is gone (or its last ack is older than 2 s).
        var deadline = DateTime.UtcNow + Bound;
        JsonElement refused;
        while (!(refused = await Command(client, "SET", "n:2", "v")).TryGetProperty("error", out _))
        {
            Assert.True(DateTime.UtcNow < deadline, "The primary kept taking writes without its replica.");
            await Task.Delay(100);
        }
        Assert.Equal("NOREPLICAS Not enough good replicas to write.", refused.GetProperty("error").GetString());
        using (var put = await client.SendAsync(PutString("n:3", "v", null)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
            Assert.Equal("NOREPLICAS", JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        }
        Assert.Equal("0", Field(await Info(client), "min_slaves_good_slaves"));

        Assert.Equal("OK", (await Command(client, "CONFIG", "SET", "min-replicas-to-write", "0")).GetProperty("result").GetString());
        Assert.Equal("OK", (await Command(client, "SET", "n:4", "v")).GetProperty("result").GetString());
        var (wait, took) = await Timed(() => Command(client, "WAIT", "1", "200"));
        Assert.Equal(0, wait.GetProperty("result").GetInt64());
        Assert.True(took >= TimeSpan.FromMilliseconds(180) && took < TimeSpan.FromSeconds(5), $"WAIT 1 200 took {took.TotalMilliseconds} ms.");

        using var request = PutString("n:5", "v", "replicas=1; timeout=200");
        var (response, headerTook) = await Timed(() => client.SendAsync(request));
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode);
            Assert.Equal("0", Assert.Single(response.Headers.GetValues("Lodestone-Replicas-Acked")));
            Assert.True(headerTook >= TimeSpan.FromMilliseconds(180), $"The PUT took {headerTook.TotalMilliseconds} ms.");
        }
    }
}
