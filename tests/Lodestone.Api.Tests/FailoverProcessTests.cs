using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Lodestone.Api.Tests;

/// <summary>
/// Failover between real processes (issue 21): three nodes in one group, started with
/// <c>scripts/local-cluster.sh</c>; the primary killed with SIGKILL under a write load, or cut off
/// from the other two (they are paused with SIGSTOP: the primary's messages to them go unanswered).
/// Every wait is bounded; every process is stopped.
/// </summary>
/// <remarks>
/// They run in the <see cref="Alone"/> collection, after the other tests: three busy processes at a
/// time would stretch the timings other process tests check (a replica's read-your-writes wait).
/// </remarks>
[Collection(nameof(Alone))]
public sealed class FailoverProcessTests(ITestOutputHelper output)
{
    private const int DownAfterMs = 2000;

    /// <summary>Fast enough for a test, in the proportions the defaults keep (DownAfterMs at least four election timeouts).</summary>
    private static readonly string[] Settings = ["--Failover:DownAfterMs", DownAfterMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--Failover:ElectionTimeoutMs", "250"];

    private static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(DownAfterMs) + TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Killing_the_primary_promotes_a_replica_and_no_write_acknowledged_with_WAIT_1_is_lost()
    {
        await using var group = await FailoverGroup.StartAsync(3, Settings);
        var first = await PrimaryOf(group, 1);
        var firstEpoch = (await group.Topology(first))!.Value.GetProperty("epoch").GetInt64();

        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() => Write(group, first, acknowledged, wait: true, stop.Token));
        await Until(() => Task.FromResult(acknowledged.Count >= 50), () => "no writes were acknowledged before the kill\n" + group.Logs());

        // A lock granted by the old primary just before it dies (its grant may not reach a replica).
        var oldToken = await LockToken(group.Client(first), "failover:lock");

        group.Kill(first);
        var killedAt = Stopwatch.StartNew();
        var before = acknowledged.Count;
        var survivor = first == 1 ? 2 : 1;
        var promoted = 0;
        await Until(async () => (promoted = await PrimaryOf(group, survivor, allowNone: true)) is > 0 && promoted != first,
            async () => $"no new primary: {await group.Topology(survivor)}\n{group.Logs()}");
        // The new primary takes writes (acknowledged by its replica, WAIT 1) within the bound.
        await Until(() => Task.FromResult(acknowledged.Count > before + 20), () => "the new primary acknowledged no writes\n" + group.Logs());
        var failover = killedAt.Elapsed;
        await stop.CancelAsync();
        var tally = await writer;
        output.WriteLine($"failover: a new primary (node-{promoted}) acknowledged writes {failover.TotalMilliseconds:F0} ms after the kill (DownAfterMs {DownAfterMs}); {tally}");
        var topology = (await group.Topology(promoted))!.Value;
        Assert.True(topology.GetProperty("epoch").GetInt64() > firstEpoch);

        // The new primary's grants of that lock are above every token the old one granted (its epoch is higher).
        await Task.Delay(300); // the old grant's lease (200 ms) ends, if the grant replicated
        Assert.True(await LockToken(group.Client(promoted), "failover:lock") > oldToken);

        // Every write acknowledged with WAIT 1, before and after the kill, is on the new primary.
        var missing = await Missing(group.Client(promoted), acknowledged);
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged writes are missing, e.g. {string.Join(", ", missing.Take(5))}");

        // The old primary comes back as a replica of the new one, with everything.
        await group.StartNodesAsync();
        await Until(async () => await RoleOf(group, first) == "slave" && await Get(group.Client(first), "failover:last") == "done",
            async () => $"node-{first} did not follow node-{promoted}: {await group.Topology(first)}\n{group.Logs()}",
            write: () => Set(group.Client(promoted), "failover:last", "done"));
        Assert.Empty(await Missing(group.Client(first), acknowledged));
        using (var refused = await Put(group.Client(first), "failover:old-primary", "x"))
            Assert.Equal(HttpStatusCode.TemporaryRedirect, refused.StatusCode);

        // All of them restarted at once: the configuration (epoch, primary) survives.
        var epoch = topology.GetProperty("epoch").GetInt64();
        await group.StopNodesAsync();
        await group.StartNodesAsync();
        var again = (await group.Topology(first))!.Value;
        Assert.Equal(epoch, again.GetProperty("epoch").GetInt64());
        Assert.Equal(group.UrlOf(promoted), again.GetProperty("primary").GetString());
        await Until(async () => (await Set(group.Client(promoted), "failover:after-restart", "1")) == HttpStatusCode.OK,
            () => Task.FromResult("the primary took no write after the restart\n" + group.Logs()));
    }

    [Fact]
    public async Task A_primary_cut_off_from_the_majority_stops_acknowledging_writes_within_its_lease_and_resumes_after()
    {
        await using var group = await FailoverGroup.StartAsync(3, Settings);
        var primary = await PrimaryOf(group, 1);
        var epoch = (await group.Topology(primary))!.Value.GetProperty("epoch").GetInt64();
        await Until(async () => await Set(group.Client(primary), "cut:before", "1") == HttpStatusCode.OK, () => Task.FromResult(group.Logs()));
        var others = Enumerable.Range(1, 3).Where(n => n != primary).ToArray();
        var held = await FailoverState(group, primary);
        Assert.True(held.GetProperty("lease").GetBoolean());
        Assert.Equal($"node-{primary}", held.GetProperty("primary").GetString());
        Assert.Equal(epoch, held.GetProperty("epoch").GetInt64());
        Assert.Contains("\nlodestone_failover_lease 1\n", await group.Client(primary).GetStringAsync("/metrics"), StringComparison.Ordinal);

        foreach (var node in others)
            group.Pause(node);
        var cut = Stopwatch.StartNew();
        HttpStatusCode status;
        string body;
        while (true)
        {
            using var response = await Put(group.Client(primary), "cut:during", "1");
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync();
            if (status != HttpStatusCode.OK && status != HttpStatusCode.Created)
                break;
            // Its lease is half of DownAfterMs; with the Raft leader's own timeouts on top, well under DownAfterMs.
            Assert.True(cut.ElapsedMilliseconds < DownAfterMs, $"the cut-off primary still acknowledged writes after {cut.ElapsedMilliseconds} ms");
            await Task.Delay(20);
        }
        output.WriteLine($"the cut-off primary refused writes {cut.ElapsedMilliseconds} ms after the others stopped answering: {body}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("\"code\":\"TRYAGAIN\"", body, StringComparison.Ordinal);
        // And on /commands, Redis's error text.
        var command = await group.Client(primary).PostAsync("/commands", Http.Json("""["SET","cut:command","1"]"""));
        Assert.StartsWith("TRYAGAIN ", JsonDocument.Parse(await command.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        // Reads go on.
        Assert.Equal("1", await Get(group.Client(primary), "cut:before"));
        var lost = await FailoverState(group, primary);
        Assert.False(lost.GetProperty("lease").GetBoolean());
        Assert.True(lost.GetProperty("leaseLosses").GetInt64() >= 1);

        foreach (var node in others)
            group.Resume(node);
        // Healed before DownAfterMs had passed on the others' side: the same primary, the same epoch, writes again.
        await Until(async () => await Set(group.Client(primary), "cut:after", "1") == HttpStatusCode.OK,
            async () => $"the primary took no write after the heal: {await group.Topology(primary)}\n{group.Logs()}");
        var primaries = new HashSet<string?>();
        foreach (var node in Enumerable.Range(1, 3))
            primaries.Add((await group.Topology(node))?.GetProperty("primary").GetString());
        Assert.Equal([group.UrlOf(primary)], primaries);
        Assert.True((await group.Topology(primary))!.Value.GetProperty("epoch").GetInt64() >= epoch);
    }

    [Fact]
    public async Task A_primary_frozen_past_DownAfterMs_is_replaced_and_when_it_wakes_acknowledges_nothing_the_new_primary_lacks()
    {
        await using var group = await FailoverGroup.StartAsync(3, Settings);
        var old = await PrimaryOf(group, 1);
        var survivor = old == 1 ? 2 : 1;
        // Two writers: one follows /topology (as a client should), one keeps writing to the old primary
        // (a client with a stale view). Before the freeze a write counts as acknowledged once WAIT 1 says
        // a replica has it (without WAIT, what the primary had not yet sent is lost with it, by design);
        // after the old primary wakes, any write it answers OK counts: it must answer none.
        var followed = new ConcurrentBag<string>();
        var stale = new ConcurrentBag<string>();
        using var woken = new ManualResetEventSlim();
        using var stop = new CancellationTokenSource();
        var following = Task.Run(() => Write(group, old, followed, wait: true, stop.Token));
        var staleWriter = Task.Run(() => WriteTo(group, old, stale, woken, stop.Token));
        await Until(() => Task.FromResult(followed.Count >= 20 && stale.Count >= 20), () => "no writes were acknowledged\n" + group.Logs());

        // A stop-the-world pause (a long GC, a frozen VM) longer than DownAfterMs: the others replace it.
        group.Pause(old);
        var promoted = 0;
        await Until(async () => (promoted = await PrimaryOf(group, survivor, allowNone: true)) is > 0 && promoted != old,
            async () => $"no new primary while node-{old} was frozen: {await group.Topology(survivor)}\n{group.Logs()}");
        var before = followed.Count;
        await Until(() => Task.FromResult(followed.Count > before + 10), () => "the new primary acknowledged nothing\n" + group.Logs());
        woken.Set();
        group.Resume(old);
        // It wakes believing it is primary, with a stale client still writing to it; it must refuse, then follow.
        await Until(async () => await RoleOf(group, old) == "slave", async () => $"node-{old} did not follow node-{promoted}: {await group.Topology(old)}\n{group.Logs()}");
        await Task.Delay(500);
        await stop.CancelAsync();
        output.WriteLine($"{await following}; {await staleWriter}");

        // The history: every acknowledged write, whichever node acknowledged it, is on the new primary.
        var missing = await Missing(group.Client(promoted), [.. followed, .. stale]);
        Assert.True(missing.Count == 0, $"{missing.Count} of {followed.Count + stale.Count} acknowledged writes are lost, e.g. {string.Join(", ", missing.Take(5))}");
        var primaries = new HashSet<string?>();
        foreach (var node in Enumerable.Range(1, 3))
            primaries.Add((await group.Topology(node))?.GetProperty("primary").GetString());
        Assert.Equal([group.UrlOf(promoted)], primaries);
    }

    /// <summary>
    /// SET of new keys (then WAIT 1) to <paramref name="node"/> only, until stopped. A write is recorded
    /// as acknowledged when a replica has it, or, once <paramref name="woken"/> is set, whenever SET answers OK.
    /// </summary>
    private static async Task<string> WriteTo(FailoverGroup group, int node, ConcurrentBag<string> acknowledged, ManualResetEventSlim woken, CancellationToken stop)
    {
        var refused = 0;
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var key = $"stale:{i}";
            var counted = woken.IsSet;
            try
            {
                using var response = await group.Client(node).PostAsync("/commands/pipeline", Http.Json($$"""[["SET","{{key}}","1"],["WAIT","1","200"]]"""), stop);
                var replies = JsonDocument.Parse(await response.Content.ReadAsStringAsync(stop)).RootElement;
                if (response.IsSuccessStatusCode && replies[0].TryGetProperty("result", out var ok) && ok.GetString() == "OK"
                    && (counted || (replies[1].TryGetProperty("result", out var replicas) && replicas.GetInt64() >= 1)))
                {
                    acknowledged.Add(key);
                    continue;
                }
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
            {
            }
            refused++;
            await Task.Delay(5, CancellationToken.None);
        }
        return $"stale: {acknowledged.Count} acknowledged, {refused} refused or not replicated";
    }

    [Fact]
    public async Task The_group_client_knowing_one_member_writes_through_a_kill_of_the_primary_without_an_error()
    {
        await using var group = await FailoverGroup.StartAsync(3, Settings);
        var first = await PrimaryOf(group, 1);
        var known = first == 1 ? 2 : 1;
        using var client = new Lodestone.Client.GroupClient([new Uri(group.UrlOf(known))]);
        var written = new List<string>();
        async Task WriteAsync(int i)
        {
            var key = $"client:{i}";
            using var response = await client.Http.PutAsync("/strings/" + key, Http.Json("""{"value":"v"}"""));
            Assert.True(response.IsSuccessStatusCode, $"{key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            written.Add(key);
        }
        for (var i = 0; i < 20; i++)
            await WriteAsync(i);
        Assert.Equal(group.UrlOf(first), client.Primary!.GetLeftPart(UriPartial.Authority));
        // Writes without WAIT may be lost with their primary; these first ones are on both replicas before the kill.
        using (var waited = await client.Http.PostAsync("/commands", Http.Json("""["WAIT","2","5000"]""")))
            Assert.Contains("\"result\":2", await waited.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        group.Kill(first);
        var killed = Stopwatch.StartNew();
        for (var i = 20; i < 60; i++)
            await WriteAsync(i);
        output.WriteLine($"the group client's writes went on {killed.ElapsedMilliseconds} ms after the kill; topology read {client.TopologyReads} times");
        var promoted = group.NodeOf(client.Primary!.GetLeftPart(UriPartial.Authority));
        Assert.NotEqual(first, promoted);
        Assert.Empty(await Missing(group.Client(promoted), written));
    }

    [Fact]
    public async Task A_rolling_restart_never_lowers_the_epoch_loses_no_WAIT_1_write_and_keeps_fencing_tokens_rising()
    {
        await using var group = await FailoverGroup.StartAsync(3, Settings);
        var primary = await PrimaryOf(group, 1);
        var epoch = (await group.Topology(primary))!.Value.GetProperty("epoch").GetInt64();
        var token = await LockToken(group.Client(primary), "roll:lock");
        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() => Write(group, primary, acknowledged, wait: true, stop.Token));

        for (var node = 1; node <= 3; node++)
        {
            await group.StopAsync(node);
            await group.StartNodesAsync();
            var restarted = node;
            long applied = -1;
            await Until(async () => await PrimaryFrom(group, restarted) is not null
                    && (applied = (await group.Topology(restarted))!.Value.GetProperty("epoch").GetInt64()) >= epoch,
                async () => $"node-{restarted} did not rejoin at epoch {epoch} or later: {await group.Topology(restarted)}\n{group.Logs()}");
            epoch = applied;
            primary = await PrimaryOf(group, restarted);
            // Every grant is above the last, across restarts and the failovers they cause (the 200 ms lease ends first).
            await Task.Delay(300);
            long next = 0;
            var current = primary;
            await Until(async () => (next = await TryLockToken(group.Client(current), "roll:lock")) > 0,
                () => Task.FromResult($"node-{current} granted no lock\n{group.Logs()}"));
            Assert.True(next > token, $"after restarting node-{node} a grant had token {next}, not above {token}");
            token = next;
        }
        await Until(() => Task.FromResult(acknowledged.Count >= 50), () => "too few writes were acknowledged\n" + group.Logs());
        await stop.CancelAsync();
        output.WriteLine($"rolling restart: epoch {epoch}; {await writer}");
        var missing = await Missing(group.Client(await PrimaryOf(group, 1)), acknowledged);
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged writes are missing, e.g. {string.Join(", ", missing.Take(5))}");
    }

    [Fact]
    public async Task A_manual_failover_under_load_loses_no_acknowledged_write_and_answers_when_the_new_primary_takes_writes()
    {
        await using var group = await FailoverGroup.StartAsync(3, Settings);
        var first = await PrimaryOf(group, 1);
        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        // Without WAIT: the failover itself waits until the new primary has every write the old one acknowledged.
        var writer = Task.Run(() => Write(group, first, acknowledged, wait: false, stop.Token));
        await Until(() => Task.FromResult(acknowledged.Count >= 200), () => "no writes were acknowledged before the failover\n" + group.Logs());

        // Asked of a replica: the request goes to the leader, which runs it.
        var asked = first == 1 ? 2 : 1;
        using var response = await group.Client(asked).PostAsync("/admin/failover", Http.Json("""{"timeoutMs":5000}"""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}\n{group.Logs()}");
        var result = JsonDocument.Parse(body).RootElement;
        // Members are node-1 … node-3 (local-cluster.sh).
        var promoted = int.Parse(result.GetProperty("primary").GetString()!["node-".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(first, promoted);
        Assert.Equal($"node-{first}", result.GetProperty("previous").GetString());
        output.WriteLine($"manual failover: node-{first} → node-{promoted}, writes paused {result.GetProperty("writesPausedMs").GetInt64()} ms: {body}");

        // The new primary takes writes as soon as the answer came back.
        Assert.Equal(HttpStatusCode.OK, await Set(group.Client(promoted), "manual:after", "1"));
        var before = acknowledged.Count;
        await Until(() => Task.FromResult(acknowledged.Count > before + 50), () => "the writer acknowledged no writes after the failover\n" + group.Logs());
        await stop.CancelAsync();
        output.WriteLine(await writer);
        var missing = await Missing(group.Client(promoted), acknowledged);
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged writes are missing, e.g. {string.Join(", ", missing.Take(5))}");
        // The old primary is a replica now.
        await Until(async () => await RoleOf(group, first) == "slave", async () => $"node-{first}: {await group.Topology(first)}");

        // To a named member, and refusals: not a member; outside a group.
        var third = Enumerable.Range(1, 3).Single(n => n != first && n != promoted);
        using (var named = await group.Client(first).PostAsync("/admin/failover", Http.Json($$"""{"to":"node-{{third}}"}""")))
            Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        // Committed, so every member applies it (node-1 a moment after the leader answered).
        await Until(async () => (await group.Topology(first))?.GetProperty("primary").GetString() == group.UrlOf(third),
            async () => $"node-1 does not name node-{third}: {await group.Topology(first)}");
        using (var unknown = await group.Client(first).PostAsync("/admin/failover", Http.Json("""{"to":"node-9"}""")))
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    /// <summary>Writes INCR of a new counter (then WAIT 1 when <paramref name="wait"/>) to whichever node /topology names primary; a write counts as acknowledged when INCR answered 1 (and WAIT says a replica has it).</summary>
    private static async Task<string> Write(FailoverGroup group, int primary, ConcurrentBag<string> acknowledged, bool wait, CancellationToken stop)
    {
        var refused = 0;
        var failed = 0;
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var key = $"failover:counter:{i}";
            try
            {
                using var response = await group.Client(primary).PostAsync("/commands/pipeline",
                    Http.Json(wait ? $$"""[["INCR","{{key}}"],["WAIT","1","500"]]""" : $$"""[["INCR","{{key}}"]]"""), stop);
                var replies = JsonDocument.Parse(await response.Content.ReadAsStringAsync(stop)).RootElement;
                if (response.IsSuccessStatusCode && replies[0].TryGetProperty("result", out var value) && value.GetInt64() == 1
                    && (!wait || (replies[1].TryGetProperty("result", out var replicas) && replicas.GetInt64() >= 1)))
                {
                    acknowledged.Add(key);
                    continue;
                }
                refused++;
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or KeyNotFoundException)
            {
                if (stop.IsCancellationRequested)
                    break;
                failed++;
            }
            // Not acknowledged: ask any node where the primary is now, and go on there.
            for (var node = 1; node <= group.Count; node++)
            {
                if (await PrimaryFrom(group, node) is { } found && found != primary)
                {
                    primary = found;
                    break;
                }
            }
            await Task.Delay(50, CancellationToken.None);
        }
        return $"{acknowledged.Count} writes acknowledged{(wait ? " with WAIT 1" : "")}, {refused} refused or not replicated, {failed} failed on the connection";
    }

    private static async Task<int?> PrimaryFrom(FailoverGroup group, int node) =>
        await group.Topology(node) is { } topology && topology.GetProperty("primary").GetString() is { } url ? group.NodeOf(url) : null;

    private static async Task<int> PrimaryOf(FailoverGroup group, int node, bool allowNone = false)
    {
        var primary = await PrimaryFrom(group, node);
        if (primary is null && !allowNone)
            Assert.Fail($"node-{node} names no primary\n{group.Logs()}");
        return primary ?? 0;
    }

    /// <summary>Acquires a lock for 200 ms: its fencing token, or 0 when the node did not grant it (not the primary, no lease yet, down).</summary>
    private static async Task<long> TryLockToken(HttpClient node, string name)
    {
        try
        {
            using var response = await node.PostAsync("/locks/" + Uri.EscapeDataString(name), Http.Json("""{"ttlMs":200}"""));
            return response.StatusCode == HttpStatusCode.Created
                ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("fencingToken").GetInt64()
                : 0;
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }

    /// <summary>Acquires a lock for 200 ms; its fencing token.</summary>
    private static async Task<long> LockToken(HttpClient node, string name)
    {
        using var response = await node.PostAsync("/locks/" + Uri.EscapeDataString(name), Http.Json("""{"ttlMs":200}"""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("fencingToken").GetInt64();
    }

    /// <summary>GET /admin/replication's failover object.</summary>
    private static async Task<JsonElement> FailoverState(FailoverGroup group, int node) =>
        JsonDocument.Parse(await group.Client(node).GetStringAsync("/admin/replication")).RootElement.GetProperty("failover").Clone();

    private static async Task<string?> RoleOf(FailoverGroup group, int node)
    {
        try
        {
            using var response = await group.Client(node).GetAsync("/admin/replication");
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("role").GetString() : null;
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<List<string>> Missing(HttpClient node, IEnumerable<string> keys)
    {
        var missing = new List<string>();
        foreach (var chunk in keys.Chunk(200))
        {
            using var response = await node.PostAsync("/commands", Http.Json(JsonSerializer.Serialize((string[])["MGET", .. chunk])));
            var values = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("result");
            missing.AddRange(chunk.Where((_, i) => values[i].ValueKind == JsonValueKind.Null));
        }
        return missing;
    }

    private static Task<HttpResponseMessage> Put(HttpClient node, string key, string value) =>
        node.PutAsync("/strings/" + Uri.EscapeDataString(key), Http.Json(JsonSerializer.Serialize(new { value })));

    private static async Task<HttpStatusCode> Set(HttpClient node, string key, string value)
    {
        try
        {
            using var response = await Put(node, key, value);
            return response.StatusCode == HttpStatusCode.Created ? HttpStatusCode.OK : response.StatusCode;
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
        {
            return HttpStatusCode.ServiceUnavailable;
        }
    }

    private static async Task<string?> Get(HttpClient node, string key)
    {
        try
        {
            using var response = await node.GetAsync("/strings/" + Uri.EscapeDataString(key));
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("value").GetString() : null;
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Waits, bounded, until <paramref name="condition"/> holds; <paramref name="write"/> runs before each try.</summary>
    private static async Task Until(Func<Task<bool>> condition, Func<Task<string>> explain, Func<Task>? write = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (write is not null)
                await write();
            if (await condition())
                return;
            Assert.True(deadline.Elapsed < Bound, await explain());
            await Task.Delay(100);
        }
    }

    private static Task Until(Func<Task<bool>> condition, Func<string> explain) => Until(condition, () => Task.FromResult(explain()));
}
