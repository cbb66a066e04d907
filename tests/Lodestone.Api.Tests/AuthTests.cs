using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>API keys: a bearer token is required once keys are configured; the key's role and key patterns are enforced by the engine.</summary>
public sealed class AuthTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    private static async Task<string> UpstashError(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
    }

    [Theory]
    [InlineData(null, "WRONGPASS missing auth token: send Authorization: Bearer <token>")]
    [InlineData("", "WRONGPASS missing auth token: send Authorization: Bearer <token>")]
    [InlineData("wrong-token", "WRONGPASS invalid auth token")]
    [InlineData(SecuredApiFactory.ReadToken + "x", "WRONGPASS invalid auth token")]
    public async Task The_command_endpoint_without_a_valid_token_is_401_with_wrongpass_saying_whether_it_was_missing_or_wrong(string? token, string error)
    {
        var client = token is null ? factory.CreateClient() : factory.ClientWith(token);

        var response = await client.PostAsync("/commands", Json("""["PING"]"""));

        Assert.Equal(error, await UpstashError(response, HttpStatusCode.Unauthorized));
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_wrong_token_in_the_query_string_is_called_invalid_on_the_command_endpoint()
    {
        var response = await factory.CreateClient().PostAsync("/commands?_token=wrong-token", Json("""["PING"]"""));

        Assert.Equal("WRONGPASS invalid auth token", await UpstashError(response, HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task The_token_may_come_in_the_query_string()
    {
        var response = await factory.CreateClient().PostAsync($"/commands?_token={SecuredApiFactory.WriteToken}", Json("""["PING"]"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_read_token_may_read_but_a_write_is_noperm_and_changes_nothing()
    {
        var key = ApiFactory.Key();
        var writer = factory.ClientWith(SecuredApiFactory.WriteToken);
        var reader = factory.ClientWith(SecuredApiFactory.ReadToken);
        await writer.PostAsync("/commands", Json($"""["SET","{key}","v"]"""));

        var denied = await reader.PostAsync("/commands", Json($"""["SET","{key}","x"]"""));
        var read = await reader.PostAsync("/commands", Json($"""["GET","{key}"]"""));

        Assert.Equal("NOPERM this user has no permissions to run the 'set' command", await UpstashError(denied, HttpStatusCode.BadRequest));
        Assert.Equal("v", JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_read_token_in_a_transaction_aborts_it_before_anything_runs()
    {
        var key = ApiFactory.Key();
        var reader = factory.ClientWith(SecuredApiFactory.ReadToken);

        var response = await reader.PostAsync("/commands/multi-exec", Json($"""[["GET","{key}"],["SET","{key}","x"]]"""));

        Assert.StartsWith("EXECABORT", await UpstashError(response, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resources_without_a_token_are_401_problems_that_say_to_send_one()
    {
        var response = await factory.CreateClient().GetAsync(Strings(ApiFactory.Key()));

        var problem = await response.Problem(HttpStatusCode.Unauthorized, "WRONGPASS");
        Assert.Equal("Send an API key: Authorization: Bearer <key>.", problem.Detail());
    }

    [Theory]
    [InlineData("wrong-token")]
    [InlineData(SecuredApiFactory.AdminToken + "0")]
    [InlineData("admin-token")]
    public async Task Resources_with_a_wrong_token_are_401_problems_that_say_the_key_is_not_valid_and_nothing_more(string token)
    {
        var response = await factory.ClientWith(token).GetAsync(Strings(ApiFactory.Key()));

        var problem = await response.Problem(HttpStatusCode.Unauthorized, "WRONGPASS");
        Assert.Equal("The API key is not valid.", problem.Detail());
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_wrong_token_in_the_query_string_is_called_not_valid_on_resources_too()
    {
        var response = await factory.CreateClient().GetAsync(Strings(ApiFactory.Key()) + "?_token=wrong-token");

        Assert.Equal("The API key is not valid.", (await response.Problem(HttpStatusCode.Unauthorized, "WRONGPASS")).Detail());
    }

    [Fact]
    public async Task Head_is_a_read_a_read_token_may_send_and_no_token_may_not()
    {
        var key = ApiFactory.Key();
        await factory.ClientWith(SecuredApiFactory.WriteToken).PutString(key, "v");

        using var read = await factory.ClientWith(SecuredApiFactory.ReadToken).SendAsync(new HttpRequestMessage(HttpMethod.Head, Strings(key)));
        using var anonymous = await factory.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Head, Strings(key)));

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_read_token_on_a_resource_write_is_403_noperm_and_the_value_stays()
    {
        var key = ApiFactory.Key();
        var writer = factory.ClientWith(SecuredApiFactory.WriteToken);
        await writer.PutString(key, "v");

        var response = await factory.ClientWith(SecuredApiFactory.ReadToken).PutAsync(Strings(key), Json("""{"value":"x"}"""));

        var problem = await response.Problem(HttpStatusCode.Forbidden, "NOPERM");
        Assert.Equal("NOPERM this user has no permissions to run the 'set' command", problem.Detail());
        Assert.Equal("v", await writer.GetValue(key));
    }

    [Fact]
    public async Task A_scoped_token_reaches_only_its_keys_on_every_way_in()
    {
        var scoped = factory.ClientWith(SecuredApiFactory.ScopedToken);
        var own = "app1:" + ApiFactory.Key();
        var other = "app2:" + ApiFactory.Key();

        Assert.Equal(HttpStatusCode.Created, (await scoped.PutAsync(Strings(own), Json("""{"value":"v"}"""))).StatusCode);
        await (await scoped.PutAsync(Strings(other), Json("""{"value":"v"}"""))).Problem(HttpStatusCode.Forbidden, "NOPERM");
        var mixed = await scoped.PostAsync("/commands", Json($"""["MSET","{own}","1","{other}","2"]"""));
        Assert.Equal("NOPERM this user has no permissions to access one of the keys used as arguments", await UpstashError(mixed, HttpStatusCode.BadRequest));
        var flush = await scoped.PostAsync("/commands", Json("""["FLUSHALL"]"""));
        Assert.StartsWith("NOPERM", await UpstashError(flush, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        await factory.ClientWith(SecuredApiFactory.AdminToken).GetAsync(Strings(other)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_scoped_token_lists_only_its_own_keys_through_get_keys_and_scan()
    {
        var admin = factory.ClientWith(SecuredApiFactory.AdminToken);
        var scoped = factory.ClientWith(SecuredApiFactory.ScopedToken);
        var tag = Guid.NewGuid().ToString("N");
        for (var i = 0; i < 5; i++)
        {
            await admin.PutString($"app1:{tag}:{i}", "v");
            await admin.PutString($"app2:{tag}:{i}", "v");
        }

        var listed = (await scoped.PageThrough($"/keys?match=*{tag}*", "keys")).Select(k => k.GetProperty("key").GetString()!).ToList();
        var scan = await scoped.PostAsync("/commands", Json($"""["SCAN","0","MATCH","*{tag}*","COUNT","100000"]"""));

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"app1:{tag}:{i}").Order(), listed.Order());
        var scanned = JsonDocument.Parse(await scan.Content.ReadAsStringAsync()).RootElement.GetProperty("result")[1];
        Assert.Equal(5, scanned.GetArrayLength());
        Assert.All(scanned.EnumerateArray(), k => Assert.StartsWith("app1:", k.GetString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""["KEYS","*"]""")]
    [InlineData("""["DBSIZE"]""")]
    [InlineData("""["RANDOMKEY"]""")]
    [InlineData("""["FLUSHDB"]""")]
    public async Task A_scoped_token_may_not_run_keyspace_wide_commands(string command)
    {
        var response = await factory.ClientWith(SecuredApiFactory.ScopedToken).PostAsync("/commands", Json(command));

        Assert.StartsWith("NOPERM", await UpstashError(response, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_the_api_document_stay_open()
    {
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
    }
}
