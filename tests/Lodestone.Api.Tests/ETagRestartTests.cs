using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// ETags survive restarts: the service as its own process, stopped cleanly, killed, and compacted,
/// restarted each time on the same data directory — an unmodified key keeps its ETag, If-Match with
/// it succeeds, and a write after a restart never gets an ETag seen before.
/// </summary>
public sealed class ETagRestartTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lodestone-etags-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private static async Task<string> GetETag(HttpClient client, string key)
    {
        using var response = await client.GetAsync(Strings(key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.ETag();
    }

    /// <summary>PUT with If-Match: the new ETag (asserting success).</summary>
    private static async Task<string> CompareAndSet(HttpClient client, string key, string etag, string value)
    {
        using var response = await client.SendAsync(Request(HttpMethod.Put, Strings(key), Json($$"""{"value":"{{value}}"}"""), ("If-Match", etag)));
        Assert.True(response.IsSuccessStatusCode, $"If-Match {etag} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.ETag();
    }

    [Fact]
    public async Task An_unmodified_key_keeps_its_ETag_across_a_stop_a_kill_and_a_compaction_and_If_Match_with_it_succeeds()
    {
        var seen = new HashSet<string>();
        string etag, untouched;
        using (var service = await ServiceProcess.StartAsync(_directory))
        {
            etag = (await service.Client.PutString("k", "1")).ETag();
            untouched = (await service.Client.PutString("other", "x")).ETag();
            seen.UnionWith([etag, untouched]);
            await service.StopAsync();
        }

        // A clean stop (SIGTERM).
        using (var service = await ServiceProcess.StartAsync(_directory))
        {
            Assert.Equal(etag, await GetETag(service.Client, "k"));
            using (var notModified = await service.Client.SendAsync(Request(HttpMethod.Get, Strings("k"), null, ("If-None-Match", etag))))
                Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            etag = await CompareAndSet(service.Client, "k", etag, "2");
            Assert.True(seen.Add(etag), $"The write after the restart got an ETag seen before: {etag}");
            service.Kill();
        }

        // A crash (SIGKILL): the write was in the OS's hands, so it and its ETag survive.
        using (var service = await ServiceProcess.StartAsync(_directory))
        {
            Assert.Equal(etag, await GetETag(service.Client, "k"));
            Assert.Equal(untouched, await GetETag(service.Client, "other"));
            etag = await CompareAndSet(service.Client, "k", etag, "3");
            Assert.True(seen.Add(etag), $"The write after the restart got an ETag seen before: {etag}");
            using (var snapshot = await service.Client.PostAsync("/admin/snapshots", null))
                Assert.Equal(HttpStatusCode.Accepted, snapshot.StatusCode);
            await WaitForSnapshot(service.Client);
            await service.StopAsync();
        }
        Assert.Single(Directory.GetFiles(_directory, "snapshot-*.snap"));

        // From the snapshot the compaction left (with the log after it).
        using (var service = await ServiceProcess.StartAsync(_directory))
        {
            Assert.Equal(etag, await GetETag(service.Client, "k"));
            Assert.Equal(untouched, await GetETag(service.Client, "other"));
            Assert.Equal("3", await service.Client.GetValue("k"));
            var next = await CompareAndSet(service.Client, "k", etag, "4");
            Assert.True(seen.Add(next), $"The write after the restart got an ETag seen before: {next}");
            // The old ETag is stale now: compare-and-set with it is refused.
            using var stale = await service.Client.SendAsync(Request(HttpMethod.Put, Strings("k"), Json("""{"value":"lost"}"""), ("If-Match", etag)));
            await stale.Problem(HttpStatusCode.PreconditionFailed, "PRECONDITION");
            service.Kill();
        }
    }

    private static async Task WaitForSnapshot(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var state = await (await client.GetAsync("/admin/snapshots")).Body(HttpStatusCode.OK);
            if (!state.GetProperty("inProgress").GetBoolean())
            {
                Assert.False(state.TryGetProperty("lastError", out var error) && error.ValueKind != JsonValueKind.Null, $"The snapshot failed: {state}");
                Assert.Equal(JsonValueKind.Number, state.GetProperty("lastSaveOffset").ValueKind);
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "The snapshot did not finish in 30 s.");
            await Task.Delay(50);
        }
    }
}
