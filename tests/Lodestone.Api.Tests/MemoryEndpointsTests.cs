using System.Net;
using Lodestone.Engine;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.DependencyInjection;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// The memory limit over HTTP: a write refused for memory is a 507 problem with Redis's OOM code
/// while reads go on. The tests of this class run one after another on their own service, so the
/// limit one sets is put back before the next.
/// </summary>
public sealed class MemoryEndpointsTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    private readonly HttpClient _writer = factory.ClientWith(SecuredApiFactory.WriteToken);

    private Executor Executor => factory.Services.GetRequiredService<Executor>();

    [Fact]
    public async Task A_write_over_the_memory_limit_is_507_and_reads_still_work()
    {
        var key = ApiFactory.Key();
        (await _writer.PutString(key, "kept")).EnsureSuccessStatusCode();
        Executor.MaxMemoryBytes = 1;
        try
        {
            var problem = await _writer.PutAsync(Strings(ApiFactory.Key()), Json("{\"value\":\"refused\"}"))
                .Problem(HttpStatusCode.InsufficientStorage, "OOM");
            Assert.Equal("urn:lodestone:problem:out-of-memory", problem.GetProperty("type").GetString());
            Assert.Equal("OOM command not allowed when used memory > 'maxmemory'.", problem.Detail());

            var command = await _writer.PostAsync("/commands", Json($"""["LPUSH","{ApiFactory.Key()}","x"]"""));
            Assert.Contains("OOM command not allowed", await command.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            Assert.Equal("kept", await _writer.GetValue(key));
            (await _writer.DeleteAsync(Strings(key))).EnsureSuccessStatusCode();
        }
        finally
        {
            Executor.MaxMemoryBytes = 0;
        }
    }

    [Fact]
    public void The_engine_takes_its_memory_settings_from_configuration()
    {
        using var configured = factory.WithWebHostBuilder(b => b
            .UseSetting("Engine:MaxMemoryBytes", "104857600")
            .UseSetting("Engine:MaxMemoryPolicy", "allkeys-lfu")
            .UseSetting("Engine:MaxMemorySamples", "10"));

        var executor = configured.Services.GetRequiredService<Executor>();

        Assert.Equal(104_857_600, executor.MaxMemoryBytes);
        Assert.Equal(MaxMemoryPolicy.AllKeysLfu, executor.MaxMemoryPolicy);
        Assert.Equal(10, executor.MaxMemorySamples);
    }
}
