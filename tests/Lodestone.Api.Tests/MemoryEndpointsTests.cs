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
        Executor.ChangeSettings(s => s with { MaxMemoryBytes = 1 });
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
            Executor.ChangeSettings(s => s with { MaxMemoryBytes = 0 });
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

        Assert.Equal(104_857_600, executor.Settings.MaxMemoryBytes);
        Assert.Equal(MaxMemoryPolicy.AllKeysLfu, executor.Settings.MaxMemoryPolicy);
        Assert.Equal(10, executor.Settings.MaxMemorySamples);
    }

    [Fact]
    public async Task Hot_keys_lists_the_most_accessed_keys_for_an_admin()
    {
        var hot = ApiFactory.Key("hot");
        (await _writer.PutString(hot, "v")).EnsureSuccessStatusCode();
        for (var i = 0; i < 300; i++)
            await _writer.GetValue(hot);
        var admin = factory.ClientWith(SecuredApiFactory.AdminToken);

        var body = await (await admin.GetAsync("/admin/hotkeys?count=3")).Body(HttpStatusCode.OK);

        Assert.Equal("noeviction", body.GetProperty("policy").GetString());
        var first = body.GetProperty("keys")[0];
        Assert.Equal(hot, first.GetProperty("key").GetString());
        Assert.Equal("string", first.GetProperty("type").GetString());
        Assert.True(first.GetProperty("estimatedAccesses").GetInt64() >= 300);
        Assert.True(body.GetProperty("keys").GetArrayLength() <= 3);
    }

    [Fact]
    public async Task Big_keys_reports_the_largest_keys_of_a_type_for_an_admin()
    {
        var big = ApiFactory.Key("big");
        var response = await _writer.PostAsync("/commands", Json($$"""["RPUSH","{{big}}","a","b","c","d","e","f","g","h","i","j","k","l"]"""));
        response.EnsureSuccessStatusCode();
        var admin = factory.ClientWith(SecuredApiFactory.AdminToken);

        var body = await (await admin.GetAsync("/admin/bigkeys?type=list&count=1")).Body(HttpStatusCode.OK);

        var lists = Assert.Single(body.GetProperty("types").EnumerateArray());
        Assert.Equal("list", lists.GetProperty("type").GetString());
        var largest = lists.GetProperty("largestByElements")[0];
        Assert.Equal(big, largest.GetProperty("key").GetString());
        Assert.Equal(12, largest.GetProperty("elements").GetInt64());
        Assert.True(largest.GetProperty("estimatedBytes").GetInt64() > 12 * 24);
        Assert.True(body.GetProperty("slices").GetInt32() >= 1);
    }

    [Theory]
    [InlineData("/admin/hotkeys")]
    [InlineData("/admin/bigkeys")]
    public async Task Memory_reports_need_the_admin_role(string path)
    {
        await factory.CreateClient().GetAsync(path).Problem(HttpStatusCode.Unauthorized, "WRONGPASS");
        var forbidden = await _writer.GetAsync(path).Problem(HttpStatusCode.Forbidden, "NOPERM");
        Assert.Contains("admin role", forbidden.Detail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/admin/hotkeys?count=0", "count must be an integer from 1 to 64.")]
    [InlineData("/admin/hotkeys?count=65", "count must be an integer from 1 to 64.")]
    [InlineData("/admin/hotkeys?count=ten", "count must be an integer from 1 to 64.")]
    [InlineData("/admin/bigkeys?count=101", "count must be an integer from 1 to 100.")]
    [InlineData("/admin/bigkeys?type=stream-ish", "type must be one of string, list, set, hash, zset, lock.")]
    public async Task Bad_report_parameters_are_400(string path, string detail)
    {
        var admin = factory.ClientWith(SecuredApiFactory.AdminToken);

        var problem = await admin.GetAsync(path).Problem(HttpStatusCode.BadRequest);

        Assert.Equal(detail, problem.Detail());
    }
}
