using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// The caps on what one request may ask of the server: each bad input is a 4xx that names the limit,
/// and nothing stored changes. Header limits are Kestrel's own (set from Http:*): it answers them
/// itself, before any middleware, with a bare status.
/// </summary>
public sealed class HardeningTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string SeventeenStars = "*a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q";

    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task More_headers_than_the_default_cap_are_431_and_nothing_is_stored()
    {
        var key = ApiFactory.Key();
        var request = new HttpRequestMessage(HttpMethod.Put, Strings(key)) { Content = Json("""{"value":"v"}""") };
        for (var i = 0; i < 110; i++)
            request.Headers.Add($"X-Filler-{i}", "x");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        await _client.GetAsync(Strings(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Headers_over_the_total_size_are_431_and_nothing_is_stored()
    {
        var key = ApiFactory.Key();
        var request = new HttpRequestMessage(HttpMethod.Put, Strings(key)) { Content = Json("""{"value":"v"}""") };
        request.Headers.Add("X-Filler", new string('x', 40 * 1024));

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        await _client.GetAsync(Strings(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_request_line_cap_is_ours_not_kestrels_default()
    {
        // 12 KB passes Http:MaxRequestLineSize (16 KB) though Kestrel's own default is 8 KB; 20 KB does not.
        await _client.GetAsync(Strings(new string('k', 12 * 1024))).Problem(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, (await _client.GetAsync(Strings(new string('k', 20 * 1024)))).StatusCode);
    }

    [Fact]
    public async Task Json_nested_deeper_than_the_cap_is_a_400_problem_and_nothing_is_stored()
    {
        var key = ApiFactory.Key();
        var deep = new string('[', 40) + new string(']', 40);

        var response = await _client.PutAsync(Strings(key), Json($$"""{"value":"v","extra":{{deep}}}"""));

        await response.Problem(HttpStatusCode.BadRequest);
        await _client.GetAsync(Strings(key)).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public void Strict_json_refuses_nesting_past_16_even_where_the_schema_takes_any_json()
    {
        var options = new JsonSerializerOptions();
        Lodestone.Api.Infrastructure.StrictJson.Apply(options);

        JsonSerializer.Deserialize<JsonElement>(new string('[', 16) + new string(']', 16), options);
        var tooDeep = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<JsonElement>(new string('[', 17) + new string(']', 17), options));
        Assert.Contains("depth of 16", tooDeep.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deeply_nested_command_body_is_a_400_upstash_error()
    {
        var response = await _client.PostAsync("/commands/pipeline", Json(new string('[', 40) + new string(']', 40)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("ERR", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_listing_refuses_a_pattern_with_too_many_stars()
    {
        var problem = await _client.GetAsync($"/keys?match={Uri.EscapeDataString(SeventeenStars)}").Problem(HttpStatusCode.BadRequest);

        Assert.Equal("ERR pattern refused: it has 17 '*' wildcards; the limit is 16", problem.Detail());
    }

    [Fact]
    public async Task Key_listing_refuses_a_pattern_over_the_length_cap()
    {
        var problem = await _client.GetAsync($"/keys?match={new string('k', 1025)}").Problem(HttpStatusCode.BadRequest);

        Assert.Equal("ERR pattern refused: it is 1025 bytes long; the limit is 1024", problem.Detail());
    }

    [Fact]
    public async Task Hash_and_set_scans_refuse_a_pattern_with_too_many_stars_and_keep_their_data()
    {
        var hash = ApiFactory.Key("h");
        var set = ApiFactory.Key("s");
        await _client.PostAsync("/commands", Json($"""["HSET","{hash}","f","v"]"""));
        await _client.PostAsync("/commands", Json($"""["SADD","{set}","m"]"""));

        await _client.GetAsync($"/hashes/{Segment(hash)}/fields?match={Uri.EscapeDataString(SeventeenStars)}").Problem(HttpStatusCode.BadRequest);
        await _client.GetAsync($"/sets/{Segment(set)}/members?match={Uri.EscapeDataString(SeventeenStars)}").Problem(HttpStatusCode.BadRequest);

        var stored = await _client.PostAsync("/commands/pipeline", Json($"""[["HGET","{hash}","f"],["SISMEMBER","{set}","m"]]"""));
        Assert.Equal("""[{"result":"v"},{"result":1}]""", await stored.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("""["SCAN","0","COUNT","100001"]""", "ERR COUNT is out of range")]
    [InlineData("""["KEYS","*a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q"]""", "ERR pattern refused")]
    public async Task The_command_endpoint_refuses_oversized_scans_and_patterns(string command, string error)
    {
        var response = await _client.PostAsync("/commands", Json(command));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(error, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
