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
    public async Task Without_persistence_a_snapshot_is_409()
    {
        using var memoryOnly = factory.WithWebHostBuilder(b => b.UseSetting("Persistence:AppendOnly", "false"));

        var response = await memoryOnly.CreateCheckedClient().SendAsync(
            Request(HttpMethod.Post, "/admin/aof/rewrite", null, ("Authorization", $"Bearer {SecuredApiFactory.AdminToken}")));

        var problem = await response.Problem(HttpStatusCode.Conflict);
        Assert.Contains("Persistence:AppendOnly", problem.Detail(), StringComparison.Ordinal);
    }
}
