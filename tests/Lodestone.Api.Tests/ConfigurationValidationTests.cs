namespace Lodestone.Api.Tests;

/// <summary>
/// A bad setting stops the service before it listens, with exit code 2 and one line naming the
/// setting — whichever part of the service reads it first (the server's limits are read while the
/// host is built, protected mode's keys while the pipeline is).
/// </summary>
public sealed class ConfigurationValidationTests
{
    [Theory]
    [InlineData("--Http:KeepAliveTimeoutSeconds", "0", "Http:KeepAliveTimeoutSeconds must be between 0 and 3600.")]
    [InlineData("--Http:RequestHeadersTimeoutSeconds", "0", "Http:RequestHeadersTimeoutSeconds must be between 0 and 3600.")]
    [InlineData("--Auth:ApiKeys:0:Name", "", "Auth:ApiKeys: every key needs a Name.")]
    [InlineData("--Engine:Hz", "0", "Engine:Hz must be between 1 and 500.")]
    [InlineData("--Http:ResponseCompression", "maybe", "Failed to convert configuration value 'maybe' at 'Http:ResponseCompression' to type 'System.Boolean'.")]
    [InlineData("--Auth:ProtectedMode", "maybe", "Failed to convert configuration value 'maybe' at 'Auth:ProtectedMode' to type 'System.Boolean'.")]
    [InlineData("--Http:ForwardedHeaders:KnownProxies:0", "10.0.0.0/8", "Http:ForwardedHeaders:KnownProxies: each entry must be an IP address (10.0.0.5); put ranges in KnownNetworks.")]
    [InlineData("--Replication:MinReplicasToWrite", "-1", "Replication:MinReplicasToWrite must be 0 (off) or more.")]
    [InlineData("--Replication:MinReplicasMaxLagSeconds", "-1", "Replication:MinReplicasMaxLagSeconds must be 0 or more seconds.")]
    [InlineData("--Http:ForwardedHeaders:KnownNetworks:0", "10.0.0.5", "Http:ForwardedHeaders:KnownNetworks: each entry must be a CIDR range (10.0.0.0/8).")]
    [InlineData("--Failover:Members:0:Id", "node-1", "Failover:Members: each member needs a Url that is its base http(s) URL (http://host:port).")]
    [InlineData("--RateLimiting:TrustedProxies:0", "proxy.example", "RateLimiting:TrustedProxies: each entry must be an IP address or a CIDR range (10.0.0.0/8).")]
    public async Task A_bad_setting_stops_the_service_with_exit_code_2_and_a_message_naming_it(string setting, string value, string message)
    {
        var port = ServiceProcess.FreePort();

        var (exitCode, output) = await Repository.RunAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "Lodestone.Api.dll"), "--Urls", $"http://127.0.0.1:{port}", "--Persistence:AppendOnly", "false", setting, value],
            AppContext.BaseDirectory, TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 2, $"Exit code {exitCode}:\n{output}");
        Assert.Contains($"Lodestone did not start: invalid configuration. {message}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
