namespace Lodestone.Api.Tests;

/// <summary>
/// Typed clients generated from the service's live OpenAPI document build with no hand edits and run a
/// scenario against the service on Kestrel: a C# client from Kiota (pinned in .config/dotnet-tools.json,
/// built in a temporary folder outside the repository's build rules) and a TypeScript one from
/// openapi-typescript + openapi-fetch (pinned in tests/generated-clients/ts). The scenarios
/// (tests/generated-clients/) are the same seven steps in both languages; docs/api.md shows the same
/// commands. Needs Node.js and npm, and the NuGet feed for Kiota and its runtime packages.
/// </summary>
public sealed class GeneratedClientsTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>, IDisposable
{
    private static readonly string Scenarios = Path.Combine(Repository.Root, "tests", "generated-clients");

    private readonly string _work = Directory.CreateTempSubdirectory("lodestone-generated-clients-").FullName;
    private readonly HttpClient _client = factory.CreateClient();

    private string BaseUrl => _client.BaseAddress!.ToString().TrimEnd('/');

    [Fact]
    public async Task A_kiota_csharp_client_generated_from_the_live_document_builds_and_runs_the_scenario()
    {
        var document = await FetchDocumentAsync();
        var project = Path.Combine(_work, "csharp");
        CopyFiles(Path.Combine(Scenarios, "csharp"), project);

        await RunAsync("dotnet", ["tool", "restore"], Repository.Root, TimeSpan.FromMinutes(3));
        await RunAsync("dotnet", ["tool", "run", "kiota", "generate", "--language", "CSharp", "--openapi", document,
                "--output", Path.Combine(project, "Generated"), "--class-name", "LodestoneClient", "--namespace-name", "Lodestone.Generated",
                "--exclude-backward-compatible", "--clean-output", "--log-level", "Warning"],
            Repository.Root, TimeSpan.FromMinutes(2), KiotaOffline);
        await RunAsync("dotnet", ["build", "Scenario.csproj", "--disable-build-servers", "-nodeReuse:false", "-clp:ErrorsOnly"],
            project, TimeSpan.FromMinutes(5), compiler: "C# compiler");

        var output = await RunAsync("dotnet", [Path.Combine(project, "bin", "Debug", "net10.0", "Scenario.dll"), BaseUrl, SecuredApiFactory.WriteToken],
            project, TimeSpan.FromMinutes(1));

        Assert.Contains("C# scenario: 7/7 steps passed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_openapi_typescript_client_generated_from_the_live_document_compiles_and_runs_the_scenario()
    {
        var document = await FetchDocumentAsync();
        var package = Path.Combine(Scenarios, "ts");
        await NpmCiAsync(package, "openapi-fetch");
        var project = Path.Combine(_work, "ts");
        CopyFiles(package, project);
        Directory.CreateSymbolicLink(Path.Combine(project, "node_modules"), Path.Combine(package, "node_modules"));

        await RunAsync("node", ["node_modules/openapi-typescript/bin/cli.js", document, "--output", "lodestone.ts", "--default-non-nullable", "false"],
            project, TimeSpan.FromMinutes(1));
        await RunAsync("node", ["node_modules/typescript/bin/tsc", "--project", "."], project, TimeSpan.FromMinutes(2), compiler: "TypeScript compiler");

        var output = await RunAsync("node", ["dist/scenario.js", BaseUrl, SecuredApiFactory.WriteToken], project, TimeSpan.FromMinutes(1));

        Assert.Contains("TypeScript scenario: 7/7 steps passed", output, StringComparison.Ordinal);
    }

    /// <summary>Kiota checks for a newer release on every run unless told it is offline (CI has no route to it).</summary>
    private static readonly (string, string)[] KiotaOffline =
        [("KIOTA_OFFLINE_ENABLED", "true"), ("KIOTA_TUTORIAL_ENABLED", "false"), ("KIOTA_CLI_TELEMETRY_OPTOUT", "true")];

    /// <summary>The document as the service serves it now, saved where both generators read it.</summary>
    private async Task<string> FetchDocumentAsync()
    {
        var response = await _client.GetAsync("/openapi/v1.json");
        Assert.True(response.IsSuccessStatusCode, $"GET /openapi/v1.json answered {(int)response.StatusCode}");
        var path = Path.Combine(_work, "openapi.json");
        await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
        return path;
    }

    /// <summary>
    /// Runs one step and returns its output; a failure names the step and shows its output. A compile
    /// step's failure lists its distinct errors first: that list is what the document must fix.
    /// </summary>
    private static async Task<string> RunAsync(string program, string[] arguments, string directory, TimeSpan timeout,
        (string, string)[]? environment = null, string? compiler = null)
    {
        var (exitCode, output) = await Repository.RunAsync(program, arguments, directory, timeout, environment);
        if (exitCode == 0)
            return output;
        // "file(line,col): error CS0029: …" from dotnet build (which adds " [project]"), "…: error TS2300: …" from tsc.
        var errors = compiler is null ? [] : output.Split('\n')
            .Where(line => line.Contains(": error ", StringComparison.Ordinal))
            .Select(line => System.Text.RegularExpressions.Regex.Replace(line, @" \[[^\]]*\]$", "").Replace(directory + "/", "", StringComparison.Ordinal).Trim())
            .Distinct()
            .ToList();
        var summary = errors.Count == 0 ? "" : $"The {compiler} found {errors.Count} errors:\n{string.Join('\n', errors)}\n\n";
        Assert.Fail($"{program} {string.Join(' ', arguments)} exited {exitCode}.\n{summary}{output}");
        return output;
    }

    /// <summary>npm ci from the lock file, once per checkout (as UpstashClientTests does).</summary>
    internal static async Task NpmCiAsync(string package, string installedPackage)
    {
        if (File.Exists(Path.Combine(package, "node_modules", installedPackage, "package.json")))
            return;
        var (installed, log) = await Repository.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], package, TimeSpan.FromMinutes(5));
        Assert.True(installed == 0, $"npm ci in {package} failed:\n{log}");
    }

    /// <summary>The scenario's own files (not node_modules, not build output) into the work folder.</summary>
    private static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    public void Dispose()
    {
        _client.Dispose();
        // The node_modules link first, so the recursive delete cannot reach the checkout's packages through it.
        var link = new DirectoryInfo(Path.Combine(_work, "ts", "node_modules"));
        if (link.LinkTarget is not null)
            link.Delete();
        Directory.Delete(_work, recursive: true);
    }
}
