namespace Lodestone.Api.Tests;

/// <summary>
/// A browser's <c>EventSource</c> works on <c>GET /channels/{channel}/events</c> as it is: headless
/// Chromium (Debian's <c>chromium</c> package, driven by playwright-core pinned in tests/eventsource)
/// subscribes from a page of the service's origin, and receives the three messages
/// <c>POST /channels/{channel}/messages</c> publishes, with their JSON, in order. EventSource cannot
/// send headers, so the page's read key travels as <c>?_token=</c>; the publisher sends a write key as
/// a bearer token. Needs Node.js, npm and Chromium.
/// </summary>
public sealed class BrowserEventSourceTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task A_browser_event_source_receives_published_messages_in_order()
    {
        Assert.True(File.Exists(Chromium), $"No {Chromium}: install Debian's chromium package (.ci/run does).");
        var directory = Path.Combine(Repository.Root, "tests", "eventsource");
        await GeneratedClientsTests.NpmCiAsync(directory, "playwright-core");
        using var client = factory.CreateClient();

        var (exitCode, output) = await Repository.RunAsync("node",
            ["listen.mjs", client.BaseAddress!.ToString(), SecuredApiFactory.ReadToken, SecuredApiFactory.WriteToken, Chromium],
            directory, TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"The EventSource check failed:\n{output}");
        Assert.Contains("EventSource check passed: subscribe, then 3 messages in order", output, StringComparison.Ordinal);
    }
}
