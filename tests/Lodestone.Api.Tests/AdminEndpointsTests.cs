using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>Snapshots through /admin: taking one, its state, and who may.</summary>
public sealed class AdminEndpointsTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    [Fact]
    public async Task An_admin_takes_a_snapshot_and_sees_it_in_the_state()
    {
        var admin = factory.ClientWith(SecuredApiFactory.AdminToken);
        await factory.ClientWith(SecuredApiFactory.WriteToken).PutString(ApiFactory.Key(), "v");

        var accepted = await admin.PostAsync("/admin/snapshots", null);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("/admin/snapshots", accepted.Headers.Location?.ToString());
        JsonElement state;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            state = await (await admin.GetAsync("/admin/snapshots")).Body(HttpStatusCode.OK);
            Assert.True(DateTime.UtcNow < deadline, $"The snapshot did not finish: {state}");
            await Task.Delay(20);
        }
        while (state.GetProperty("inProgress").GetBoolean() || state.GetProperty("lastSaveOffset").ValueKind == JsonValueKind.Null);

        Assert.True(state.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("lastError").ValueKind);
        Assert.True(state.GetProperty("lastSizeBytes").GetInt64() > 0);
        Assert.True(state.GetProperty("lastSaveOffset").GetInt64() >= 1);
        Assert.True(state.GetProperty("lastDurationMs").GetDouble() >= 0);
        Assert.NotEqual(JsonValueKind.Null, state.GetProperty("lastSaveTime").ValueKind);
        Assert.True(state.GetProperty("offset").GetInt64() >= state.GetProperty("lastSaveOffset").GetInt64());
        Assert.Single(Directory.GetFiles(factory.DataDirectory, "snapshot-*.snap", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Admin_routes_need_the_admin_role()
    {
        var anonymous = await factory.CreateClient().GetAsync("/admin/snapshots");
        var writer = await factory.ClientWith(SecuredApiFactory.WriteToken).PostAsync("/admin/snapshots", null);

        await anonymous.Problem(HttpStatusCode.Unauthorized, "WRONGPASS");
        var forbidden = await writer.Problem(HttpStatusCode.Forbidden, "NOPERM");
        Assert.Contains("admin role", forbidden.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replication_is_changed_only_to_a_primary_base_url_or_null()
    {
        var admin = factory.ClientWith(SecuredApiFactory.AdminToken);

        var refused = await admin.PutAsync("/admin/replication", Json("""{"primaryOf":"ftp://elsewhere:21"}"""));

        var problem = await refused.Problem(HttpStatusCode.BadRequest);
        Assert.Contains("http://host:port", problem.Detail(), StringComparison.Ordinal);
        var unchanged = await (await admin.PutAsync("/admin/replication", Json("""{"primaryOf":null}"""))).Body(HttpStatusCode.OK);
        Assert.Equal("master", unchanged.GetProperty("role").GetString());
    }

    [Fact]
    public void No_endpoint_takes_the_executor_or_a_persistence_type()
    {
        var reaching = typeof(Lodestone.Api.Endpoints.AdminEndpoints).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Lodestone.Api.Endpoints.AdminEndpoints).Namespace)
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic))
            .SelectMany(m => m.GetParameters().Select(p => (Method: $"{m.DeclaringType!.Name}.{m.Name}", p.ParameterType)))
            .Where(p => p.ParameterType == typeof(Lodestone.Engine.Execution.Executor)
                || p.ParameterType.Namespace?.StartsWith("Lodestone.Engine.Persistence", StringComparison.Ordinal) == true)
            .Select(p => $"{p.Method}({p.ParameterType.Name})");

        Assert.Empty(reaching);
    }

    [Fact]
    public async Task Without_persistence_a_snapshot_is_409()
    {
        using var memoryOnly = factory.WithWebHostBuilder(b => b.UseSetting("Persistence:AppendOnly", "false"));

        var response = await memoryOnly.CreateCheckedClient().SendAsync(
            Request(HttpMethod.Post, "/admin/aof/rewrite", null, ("Authorization", $"Bearer {SecuredApiFactory.AdminToken}")));

        var problem = await response.Problem(HttpStatusCode.Conflict);
        Assert.Contains("Persistence:AppendOnly", problem.Detail(), StringComparison.Ordinal);
    }
}

/// <summary>BGSAVE, BGREWRITEAOF and LASTSAVE on every way into /commands: the admin role runs them, others get NOPERM.</summary>
public sealed class AdminCommandsTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    private static async Task<JsonElement> Upstash(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static string NoPermission(string command) => $"NOPERM this user has no permissions to run the '{command}' command";

    /// <summary>Waits for a running snapshot to end, so the next BGSAVE of a test is not refused for it.</summary>
    private async Task SnapshotsSettle()
    {
        var admin = factory.ClientWith(SecuredApiFactory.AdminToken);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await (await admin.GetAsync("/admin/snapshots")).Body(HttpStatusCode.OK)).GetProperty("inProgress").GetBoolean())
        {
            Assert.True(DateTime.UtcNow < deadline, "The snapshot did not finish.");
            await Task.Delay(20);
        }
    }

    [Theory]
    [InlineData("BGSAVE")]
    [InlineData("BGREWRITEAOF")]
    [InlineData("LASTSAVE")]
    public async Task A_write_key_gets_noperm_from_every_entry_point(string command)
    {
        var writer = factory.ClientWith(SecuredApiFactory.WriteToken);
        var lower = command.ToLowerInvariant();

        var single = await writer.PostAsync("/commands", Json($"""["{command}"]"""));
        var pipeline = await writer.PostAsync("/commands/pipeline", Json($"""[["PING"],["{command}"]]"""));
        var transaction = await writer.PostAsync("/commands/multi-exec", Json($"""[["PING"],["{command}"]]"""));
        var path = await writer.PostAsync($"/commands/{command}", null);

        Assert.Equal(NoPermission(lower), (await Upstash(single, HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        var piped = await Upstash(pipeline, HttpStatusCode.OK);
        Assert.Equal("PONG", piped[0].GetProperty("result").GetString());
        Assert.Equal(NoPermission(lower), piped[1].GetProperty("error").GetString());
        Assert.Equal($"EXECABORT Transaction discarded because of previous errors: {NoPermission(lower)}",
            (await Upstash(transaction, HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Equal(NoPermission(lower), (await Upstash(path, HttpStatusCode.BadRequest)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task An_admin_key_runs_them_from_every_entry_point()
    {
        var admin = factory.ClientWith(SecuredApiFactory.AdminToken);
        await SnapshotsSettle();

        var single = await Upstash(await admin.PostAsync("/commands", Json("""["BGSAVE"]""")), HttpStatusCode.OK);
        await SnapshotsSettle();
        var piped = await Upstash(await admin.PostAsync("/commands/pipeline", Json("""[["BGREWRITEAOF"],["LASTSAVE"]]""")), HttpStatusCode.OK);
        await SnapshotsSettle();
        var transaction = await Upstash(await admin.PostAsync("/commands/multi-exec", Json("""[["BGSAVE"],["BGSAVE"]]""")), HttpStatusCode.OK);
        await SnapshotsSettle();
        var path = await Upstash(await admin.GetAsync("/commands/LASTSAVE"), HttpStatusCode.OK);

        Assert.Equal("Background saving started", single.GetProperty("result").GetString());
        Assert.Equal("Background append only file rewriting started", piped[0].GetProperty("result").GetString());
        Assert.True(piped[1].GetProperty("result").GetInt64() > 1_600_000_000);
        // Nothing in between: the second BGSAVE of the transaction finds the first one running.
        Assert.Equal("Background saving started", transaction[0].GetProperty("result").GetString());
        Assert.Equal("ERR Background save already in progress", transaction[1].GetProperty("error").GetString());
        // The service's clock (a fake one here): the last save is never before the one seen earlier.
        Assert.True(path.GetProperty("result").GetInt64() >= piped[1].GetProperty("result").GetInt64());
    }

    [Fact]
    public async Task Hotkeys_and_bigkeys_are_admin_commands_too()
    {
        var key = ApiFactory.Key();
        await factory.ClientWith(SecuredApiFactory.WriteToken).PutString(key, "v");

        var refused = await factory.ClientWith(SecuredApiFactory.WriteToken).PostAsync("/commands", Json("""["HOTKEYS"]"""));
        var slice = await Upstash(await factory.ClientWith(SecuredApiFactory.AdminToken).PostAsync("/commands", Json("""["BIGKEYS","0","TYPE","string","COUNT","1"]""")), HttpStatusCode.OK);

        Assert.Equal(NoPermission("hotkeys"), (await Upstash(refused, HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Equal(2, slice.GetProperty("result").GetArrayLength());
    }
}
