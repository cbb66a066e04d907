namespace Lodestone.Api.Tests;

/// <summary>
/// The real <c>@upstash/ratelimit</c> (pinned in tests/upstash-ratelimit) against the service on
/// Kestrel: its fixed-window, sliding-window and token-bucket limiters — each a Lua script sent as
/// EVALSHA with an EVAL fallback — under 50 concurrent callers. Needs Node.js and npm.
/// </summary>
public sealed class UpstashRatelimitTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    [Fact]
    public async Task The_upstash_ratelimit_limiters_admit_exactly_their_limit_under_concurrency()
    {
        var directory = Path.Combine(Repository.Root, "tests", "upstash-ratelimit");
        if (!File.Exists(Path.Combine(directory, "node_modules", "@upstash", "ratelimit", "package.json")))
        {
            var (installed, installLog) = await Repository.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], directory, TimeSpan.FromMinutes(5));
            Assert.True(installed == 0, $"npm ci failed:\n{installLog}");
        }
        var url = new Uri(factory.CreateClient().BaseAddress!, "commands").ToString();

        var (exitCode, output) = await Repository.RunAsync("node", ["ratelimit.mjs", url, SecuredApiFactory.WriteToken], directory, TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"The @upstash/ratelimit checks failed:\n{output}");
        Assert.Contains("4/4 checks passed", output, StringComparison.Ordinal);
    }
}
