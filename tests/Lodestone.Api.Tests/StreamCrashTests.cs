using System.Net;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// A stream's consumer groups survive a SIGKILL: with <c>appendfsync always</c>, every group, its
/// last delivered id, its pending entries with their consumers and delivery counts come back after a
/// restart from the log alone, and again from a snapshot plus the log.
/// </summary>
public sealed class StreamCrashTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Kill_9_and_restart_keep_groups_and_pending_lists(bool snapshotFirst)
    {
        var data = Directory.CreateTempSubdirectory("lodestone-stream-crash-").FullName;
        try
        {
            string expected;
            string groups;
            using (var service = await ServiceProcess.StartAsync(data, "--Persistence:AppendFsync", "Always"))
            {
                var client = service.Client;
                await (await client.PutAsync("/streams/jobs/groups/workers", Json("""{"mkStream":true}"""))).Body(HttpStatusCode.Created);
                for (var i = 1; i <= 4; i++)
                    await (await client.PostAsync("/streams/jobs/entries", Json($$$"""{"fields":{"job":"{{{i}}}"}}"""))).Body(HttpStatusCode.Created);
                var read = await (await client.PostAsync("/streams/jobs/groups/workers/read?consumer=a&count=3", null)).Body(HttpStatusCode.OK);
                await (await client.PostAsync("/streams/jobs/groups/workers/read?consumer=b&count=1", null)).Body(HttpStatusCode.OK);
                await (await client.PostAsync("/streams/jobs/groups/workers/ack", Json($$"""{"ids":["{{read.GetProperty("entries")[0].GetProperty("id").GetString()}}"]}"""))).Body(HttpStatusCode.OK);
                if (snapshotFirst)
                    await SnapshotAsync(client);
                // Delivered again (a history read counts a delivery) after the snapshot, so the log has to carry it.
                await (await client.PostAsync("/streams/jobs/groups/workers/read?consumer=a&from=0", null)).Body(HttpStatusCode.OK);
                expected = await Pending(client);
                groups = await (await client.GetAsync("/streams/jobs/groups")).Content.ReadAsStringAsync();
                service.Kill();
            }
            using var restarted = await ServiceProcess.StartAsync(data, "--Persistence:AppendFsync", "Always");
            Assert.Equal(expected, await Pending(restarted.Client));
            Assert.Equal(groups, await (await restarted.Client.GetAsync("/streams/jobs/groups")).Content.ReadAsStringAsync());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task SnapshotAsync(HttpClient client)
    {
        await (await client.PostAsync("/admin/snapshots", null)).Body(HttpStatusCode.Accepted);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        System.Text.Json.JsonElement state;
        do
        {
            await Task.Delay(20);
            state = await (await client.GetAsync("/admin/snapshots")).Body(HttpStatusCode.OK);
            Assert.True(DateTime.UtcNow < deadline, $"The snapshot did not finish: {state}");
        }
        while (state.GetProperty("inProgress").GetBoolean() || state.GetProperty("lastSaveOffset").ValueKind == System.Text.Json.JsonValueKind.Null);
    }

    /// <summary>The pending list without idle times (the clock moved on): ids, consumers, delivery counts.</summary>
    private static async Task<string> Pending(HttpClient client)
    {
        var pending = await (await client.GetAsync("/streams/jobs/groups/workers/pending")).Body(HttpStatusCode.OK);
        var entries = pending.GetProperty("entries").EnumerateArray()
            .Select(e => $"{e.GetProperty("id").GetString()} {e.GetProperty("consumer").GetString()} {e.GetProperty("deliveries").GetInt64()}");
        return $"{pending.GetProperty("count").GetInt64()}: {string.Join(", ", entries)}";
    }
}
