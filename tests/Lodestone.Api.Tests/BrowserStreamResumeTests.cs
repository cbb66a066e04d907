using System.Diagnostics;
using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// A browser's <c>EventSource</c> on <c>GET /streams/{key}/events</c> survives the server going away:
/// headless Chromium (Debian's <c>chromium</c>, driven by playwright-core pinned in tests/eventsource)
/// follows a stream of the service running as its own process; the service is killed (SIGKILL: the
/// connection drops) and started again on the same port and data, entries are added, and the page —
/// reconnecting by itself with <c>Last-Event-ID</c> — receives every entry once, in order. Needs
/// Node.js, npm and Chromium.
/// </summary>
public sealed class BrowserStreamResumeTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task A_browser_event_source_resumes_a_stream_after_the_server_drops_it_and_misses_nothing()
    {
        Assert.True(File.Exists(Chromium), $"No {Chromium}: install Debian's chromium package (.ci/run does).");
        var directory = Path.Combine(Repository.Root, "tests", "eventsource");
        await GeneratedClientsTests.NpmCiAsync(directory, "playwright-core");
        var data = Directory.CreateTempSubdirectory("lodestone-stream-resume-").FullName;
        var port = ServiceProcess.FreePort();
        string[] arguments = ["--Urls", $"http://127.0.0.1:{port}", "--Persistence:DataDirectory", data, "--Persistence:AppendFsync", "Always"];
        var service = await ServiceProcess.StartListeningAsync(port, arguments);
        try
        {
            const string Key = "orders";
            var ids = new List<string>();
            for (var i = 1; i <= 3; i++)
                ids.Add(await AddAsync(service.Client, Key, i));

            var start = new ProcessStartInfo("node")
            {
                WorkingDirectory = directory,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])["follow.mjs", $"http://127.0.0.1:{port}", $"/streams/{Key}/events?from=0", "3", "3", Chromium])
                start.ArgumentList.Add(argument);
            using var node = Process.Start(start)!;
            var errors = node.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                var seen = await node.StandardOutput.ReadLineAsync(cancel.Token);
                if (seen?.StartsWith("SEEN ", StringComparison.Ordinal) != true)
                    Assert.Fail($"The page did not get the first entries: {seen}\n{await node.StandardOutput.ReadToEndAsync(cancel.Token)}{await errors}");

                // The server goes away without a word; it comes back on the same port with the same data.
                service.Kill();
                service.Dispose();
                service = await ServiceProcess.StartListeningAsync(port, arguments);
                for (var i = 4; i <= 6; i++)
                    ids.Add(await AddAsync(service.Client, Key, i));
                await node.StandardInput.WriteLineAsync("GO".AsMemory(), cancel.Token);
                await node.StandardInput.FlushAsync(cancel.Token);

                var rest = await node.StandardOutput.ReadToEndAsync(cancel.Token);
                await node.WaitForExitAsync(cancel.Token);
                var result = rest.Split('\n').SingleOrDefault(line => line.StartsWith("RESULT ", StringComparison.Ordinal));
                Assert.True(node.ExitCode == 0 && result is not null, $"The EventSource check failed:\n{rest}{await errors}");
                using var received = JsonDocument.Parse(result!["RESULT ".Length..]);
                var events = received.RootElement.GetProperty("events").EnumerateArray().ToList();
                Assert.Equal(ids, events.Select(e => e.GetProperty("id").GetString()));
                Assert.Equal(ids, events.Select(e => JsonDocument.Parse(e.GetProperty("data").GetString()!).RootElement.GetProperty("id").GetString()));
                Assert.Equal(Enumerable.Range(1, 6).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    events.Select(e => JsonDocument.Parse(e.GetProperty("data").GetString()!).RootElement.GetProperty("fields").GetProperty("n").GetString()));
                Assert.True(received.RootElement.GetProperty("errors").GetInt32() >= 1, "The page never saw the connection drop.");
            }
            finally
            {
                if (!node.HasExited)
                    node.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            service.Dispose();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<string> AddAsync(HttpClient client, string key, int n)
    {
        var added = await (await client.PostAsync($"/streams/{key}/entries", Json($$$"""{"fields":{"n":"{{{n}}}"}}"""))).Body(HttpStatusCode.Created);
        return added.GetProperty("id").GetString()!;
    }
}
