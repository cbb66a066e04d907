using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// A hash field's TTL on <c>/hashes/{key}/fields/{field}</c> (Redis 7.4's field expiration): set it with
/// the value or on its own, read it with the field, remove it, and watch the field go; the command
/// endpoint reaches the same commands.
/// </summary>
public sealed class HashFieldExpiryEndpointsTests(HashFieldExpiryEndpointsTests.OwnClock factory) : IClassFixture<HashFieldExpiryEndpointsTests.OwnClock>
{
    /// <summary>A service of its own: these tests move its clock.</summary>
    public sealed class OwnClock : ApiFactory;

    private readonly HttpClient _client = factory.CreateClient();

    private static string FieldUrl(string key, string field, string suffix = "") => $"/hashes/{Segment(key)}/fields/{Segment(field)}{suffix}";

    [Fact]
    public async Task A_field_written_with_a_ttl_reports_it_and_is_gone_once_it_passes()
    {
        var key = ApiFactory.Key("session");
        var created = await (await _client.PutAsync(FieldUrl(key, "token"), Json("""{"value":"abc","ttlMs":60000}"""))).Body(HttpStatusCode.Created);
        Assert.Equal(60000, created.GetProperty("ttlMs").GetInt64());
        await _client.PutAsync(FieldUrl(key, "user"), Json("""{"value":"ada"}"""));

        factory.Clock.Advance(TimeSpan.FromSeconds(10));
        var read = await (await _client.GetAsync(FieldUrl(key, "token"))).Body(HttpStatusCode.OK);
        Assert.Equal("abc", read.GetProperty("value").GetString());
        Assert.Equal(50000, read.GetProperty("ttlMs").GetInt64());
        Assert.False((await (await _client.GetAsync(FieldUrl(key, "user"))).Body(HttpStatusCode.OK)).TryGetProperty("ttlMs", out _));

        // keepTtl keeps it; a plain write removes it (HSET's rule).
        var kept = await (await _client.PutAsync(FieldUrl(key, "token"), Json("""{"value":"abd","keepTtl":true}"""))).Body(HttpStatusCode.OK);
        Assert.Equal("abd", kept.GetProperty("value").GetString());
        Assert.Equal(50000, (await (await _client.GetAsync(FieldUrl(key, "token"))).Body(HttpStatusCode.OK)).GetProperty("ttlMs").GetInt64());

        factory.Clock.Advance(TimeSpan.FromSeconds(51));
        await _client.GetAsync(FieldUrl(key, "token")).Problem(HttpStatusCode.NotFound);
        var hash = await (await _client.GetAsync($"/hashes/{Segment(key)}")).Body(HttpStatusCode.OK);
        Assert.Equal(["user"], hash.GetProperty("fields").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task The_expiry_sub_resource_sets_conditionally_and_removes_a_field_s_ttl()
    {
        var key = ApiFactory.Key("h");
        await _client.PutAsync(FieldUrl(key, "f"), Json("""{"value":"v"}"""));
        await _client.PutAsync(FieldUrl(key, "other"), Json("""{"value":"w"}"""));

        var set = await (await _client.PutAsync(FieldUrl(key, "f", "/expiry"), Json("""{"ttlMs":5000}"""))).Body(HttpStatusCode.OK);
        Assert.True(set.GetProperty("applied").GetBoolean());
        Assert.Equal(5000, set.GetProperty("ttlMs").GetInt64());
        var refused = await (await _client.PutAsync(FieldUrl(key, "f", "/expiry"), Json("""{"ttlMs":9000,"condition":"nx"}"""))).Body(HttpStatusCode.OK);
        Assert.False(refused.GetProperty("applied").GetBoolean());
        Assert.Equal(5000, refused.GetProperty("ttlMs").GetInt64());

        var persisted = await (await _client.DeleteAsync(FieldUrl(key, "f", "/expiry"))).Body(HttpStatusCode.OK);
        Assert.True(persisted.GetProperty("applied").GetBoolean());
        Assert.Equal(JsonValueKind.Null, persisted.GetProperty("ttlMs").ValueKind);
        Assert.False((await (await _client.DeleteAsync(FieldUrl(key, "f", "/expiry"))).Body(HttpStatusCode.OK)).GetProperty("applied").GetBoolean());

        // A time already past removes the field at once.
        var past = await (await _client.PutAsync(FieldUrl(key, "f", "/expiry"), Json($$"""{"atMs":{{factory.Clock.GetUtcNow().ToUnixTimeMilliseconds() - 1}}}"""))).Body(HttpStatusCode.OK);
        Assert.False(past.GetProperty("exists").GetBoolean());
        await _client.GetAsync(FieldUrl(key, "f")).Problem(HttpStatusCode.NotFound);

        await _client.PutAsync(FieldUrl(key, "nope", "/expiry"), Json("""{"ttlMs":10}""")).Problem(HttpStatusCode.NotFound);
        await _client.PutAsync(FieldUrl(ApiFactory.Key(), "f", "/expiry"), Json("""{"ttlMs":10}""")).Problem(HttpStatusCode.NotFound);
        await _client.DeleteAsync(FieldUrl(key, "nope", "/expiry")).Problem(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"value":"v","ttlMs":0}""", "ttlMs must be a positive number")]
    [InlineData("""{"value":"v","ttlMs":10,"keepTtl":true}""", "not both")]
    public async Task A_bad_ttl_is_a_problem_and_writes_nothing(string body, string says)
    {
        var key = ApiFactory.Key();
        var problem = await _client.PutAsync(FieldUrl(key, "f"), Json(body)).Problem(HttpStatusCode.BadRequest);
        Assert.Contains(says, problem.Detail(), StringComparison.Ordinal);
        await _client.GetAsync($"/hashes/{Segment(key)}").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Only_if_new_with_a_ttl_refuses_an_existing_field()
    {
        var key = ApiFactory.Key();
        await (await _client.PutAsync(FieldUrl(key, "f"), Json("""{"value":"v","ttlMs":1000,"onlyIfNew":true}"""))).Body(HttpStatusCode.Created);
        await _client.PutAsync(FieldUrl(key, "f"), Json("""{"value":"w","ttlMs":1000,"onlyIfNew":true}""")).Problem(HttpStatusCode.Conflict);
        Assert.Equal("v", (await (await _client.GetAsync(FieldUrl(key, "f"))).Body(HttpStatusCode.OK)).GetProperty("value").GetString());
    }

    [Fact]
    public async Task The_command_endpoint_runs_the_field_expiry_commands()
    {
        var key = ApiFactory.Key();

        async Task<string> Command(string json)
        {
            var response = await _client.PostAsync("/commands", Json(json));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("result").GetRawText();
        }

        Assert.Equal("1", await Command($"""["HSETEX","{key}","EX","100","FIELDS","2","a","1","b","2"]"""));
        Assert.Equal("[100,100,-2]", await Command($"""["HTTL","{key}","FIELDS","3","a","b","c"]"""));
        Assert.Equal("[1]", await Command($"""["HPERSIST","{key}","FIELDS","1","a"]"""));
        Assert.Equal("""["1"]""", await Command($"""["HGETDEL","{key}","FIELDS","1","a"]"""));
        Assert.Equal("""["2"]""", await Command($"""["HGETEX","{key}","PX","10","FIELDS","1","b"]"""));
        factory.Clock.Advance(TimeSpan.FromMilliseconds(11));
        Assert.Equal("0", await Command($"""["EXISTS","{key}"]"""));
    }
}
