namespace Lodestone.Api.Tests;

/// <summary>
/// The real <c>@upstash/redis</c> client (pinned in tests/upstash-client) against the service on Kestrel:
/// compatibility is checked on every run of the test suite, not assumed. Needs Node.js and npm.
/// </summary>
public sealed class UpstashClientTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    [Fact]
    public async Task The_upstash_redis_client_runs_strings_keys_bitmaps_hyperloglogs_geo_field_ttls_pubsub_streams_pipelines_transactions_and_scripts()
    {
        var directory = Path.Combine(Repository.Root, "tests", "upstash-client");
        if (!File.Exists(Path.Combine(directory, "node_modules", "@upstash", "redis", "package.json")))
        {
            var (installed, installLog) = await Repository.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], directory, TimeSpan.FromMinutes(5));
            Assert.True(installed == 0, $"npm ci failed:\n{installLog}");
        }
        var url = new Uri(factory.CreateClient().BaseAddress!, "commands").ToString();

        var (exitCode, output) = await Repository.RunAsync("node",
            ["compat.mjs", url, SecuredApiFactory.WriteToken, SecuredApiFactory.ReadToken], directory, TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"The @upstash/redis checks failed:\n{output}");
        Assert.Contains("24/24 checks passed", output, StringComparison.Ordinal);
    }
}
