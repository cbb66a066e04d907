namespace Lodestone.Api.Tests;

/// <summary>
/// Swagger UI's Authorize button works with an API key: headless Chromium (Debian's <c>chromium</c>
/// package, driven by playwright-core pinned in tests/swagger-ui) runs "Try it out" on GET /keys
/// without a key (401), then through Authorize with one (200). Needs Node.js, npm and Chromium.
/// </summary>
public sealed class SwaggerUiTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Swagger_ui_authorizes_try_it_out_with_an_api_key()
    {
        Assert.True(File.Exists(Chromium), $"No {Chromium}: install Debian's chromium package (.ci/run does).");
        var directory = Path.Combine(Repository.Root, "tests", "swagger-ui");
        await GeneratedClientsTests.NpmCiAsync(directory, "playwright-core");
        using var client = factory.CreateClient();

        var (exitCode, output) = await Repository.RunAsync("node",
            ["authorize.mjs", client.BaseAddress!.ToString(), SecuredApiFactory.ReadToken, Chromium], directory, TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 0, $"The Swagger UI check failed:\n{output}");
        Assert.Contains("Swagger UI check passed: 401 without the key, 200 with it", output, StringComparison.Ordinal);
    }
}
