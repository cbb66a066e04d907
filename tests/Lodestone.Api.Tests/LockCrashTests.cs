using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lodestone.Api.Tests;

/// <summary>
/// Fencing tokens survive crashes: clients take locks while the service is killed with SIGKILL again
/// and again (under appendfsync everysec, where only lock grants are fsynced at once), and no token is
/// ever handed out twice, nor does a lock come back with a token older than one already granted.
/// </summary>
public sealed class LockCrashTests
{
    private const int Rounds = 20;
    private const int Clients = 4;
    private static readonly string[] Names = ["alpha", "beta"];

    [Fact]
    public async Task A_kill_never_makes_a_fencing_token_repeat()
    {
        var directory = Path.Combine(Path.GetTempPath(), "lodestone-lock-crash-" + Guid.NewGuid().ToString("N"));
        var random = new Random(20261127);
        var granted = Names.ToDictionary(name => name, _ => new List<long>());
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                // A short maximum lease keeps the pause after each unclean restart short.
                using var service = await ServiceProcess.StartAsync(directory,
                    "--Persistence:AppendFsync", "EverySec", "--Engine:LockMaxTtlMs", "300");
                foreach (var name in Names)
                {
                    var latest = await LatestToken(service.Client, name);
                    var highest = granted[name].DefaultIfEmpty(0).Max();
                    Assert.True(latest >= highest, $"Round {round}: lock {name} restarted at token {latest}, but {highest} was granted.");
                }

                using var stop = new CancellationTokenSource();
                var clients = Enumerable.Range(0, Clients).Select(id => Task.Run(() => Client(service.Client, id, granted, stop.Token))).ToArray();
                await Task.Delay(random.Next(400, 900));
                service.Kill();
                await stop.CancelAsync();
                await Task.WhenAll(clients);
            }

            foreach (var (name, tokens) in granted)
                Assert.Equal(tokens.Count, tokens.Distinct().Count());
            Assert.True(granted.Values.Sum(tokens => tokens.Count) > Rounds, "Hardly any lock was granted: the test did not test anything.");
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Takes and releases the locks in turn, recording every token it was granted, until killed.</summary>
    private static async Task Client(HttpClient http, int id, Dictionary<string, List<long>> granted, CancellationToken stop)
    {
        // Requests are not cancelled by the stop: one in flight ends when the kill cuts it off.
        var owner = $"client-{id}-{Guid.NewGuid():N}";
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var name = Names[i % Names.Length];
            try
            {
                using var response = await http.PostAsJsonAsync($"/locks/{name}", new { ttlMs = 200, waitMs = 300, owner }, CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var grant = await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None);
                    lock (granted)
                        granted[name].Add(grant.GetProperty("fencingToken").GetInt64());
                    using var released = await http.DeleteAsync($"/locks/{name}?owner={owner}", CancellationToken.None);
                }
                else if (response.StatusCode != HttpStatusCode.Conflict)
                {
                    return;
                }
            }
            catch (Exception killed) when (killed is HttpRequestException or TaskCanceledException or IOException)
            {
                return;
            }
        }
    }

    private static async Task<long> LatestToken(HttpClient http, string name)
    {
        using var response = await http.GetAsync($"/locks/{name}");
        if (response.StatusCode == HttpStatusCode.NotFound)
            return 0;
        var state = await response.Content.ReadFromJsonAsync<JsonElement>();
        return state.GetProperty("fencingToken").GetInt64();
    }
}
