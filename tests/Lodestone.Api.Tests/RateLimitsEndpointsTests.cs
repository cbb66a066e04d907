using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>POST /ratelimits/{key}: the GCRA limiter over HTTP, its status codes, bodies and headers.</summary>
public sealed class RateLimitsEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string RateLimits(string key) => $"/ratelimits/{Segment(key)}";

    private Task<HttpResponseMessage> Throttle(string key, string body) => _client.PostAsync(RateLimits(key), Json(body));

    private static void AssertDecision(JsonElement body, bool limited, long limit, long remaining, long retryAfterMs, long resetAfterMs)
    {
        Assert.Equal(limited, body.GetProperty("limited").GetBoolean());
        Assert.Equal(limit, body.GetProperty("limit").GetInt64());
        Assert.Equal(remaining, body.GetProperty("remaining").GetInt64());
        Assert.Equal(retryAfterMs, body.GetProperty("retryAfterMs").GetInt64());
        Assert.Equal(resetAfterMs, body.GetProperty("resetAfterMs").GetInt64());
        Assert.Equal(5, body.EnumerateObject().Count());
    }

    // 200 and 429

    [Fact]
    public async Task An_admitted_request_is_200_with_the_decision_and_the_ratelimit_headers()
    {
        var key = ApiFactory.Key("user:42");

        var response = await Throttle(key, """{"maxBurst":14,"count":30,"periodMs":60000}""");

        AssertDecision(await response.Body(HttpStatusCode.OK), limited: false, limit: 15, remaining: 14, retryAfterMs: -1, resetAfterMs: 2000);
        Assert.Equal("\"default\";q=15;w=30", response.Header("RateLimit-Policy"));
        Assert.Equal("\"default\";r=14;t=2", response.Header("RateLimit"));
        Assert.Null(response.Header("Retry-After"));
    }

    [Fact]
    public async Task Past_the_burst_a_request_is_429_with_the_decision_and_retry_after_until_time_frees_a_token()
    {
        var key = ApiFactory.Key();
        const string Body = """{"maxBurst":2,"count":1,"periodMs":10000}""";
        for (var remaining = 2; remaining >= 0; remaining--)
            AssertDecision(await (await Throttle(key, Body)).Body(HttpStatusCode.OK), false, 3, remaining, -1, (3 - remaining) * 10_000);

        var limited = await Throttle(key, Body);

        AssertDecision(await limited.Body((HttpStatusCode)429), limited: true, limit: 3, remaining: 0, retryAfterMs: 10_000, resetAfterMs: 30_000);
        Assert.Equal("10", limited.Header("Retry-After"));
        Assert.Equal("\"default\";q=3;w=30", limited.Header("RateLimit-Policy"));
        Assert.Equal("\"default\";r=0;t=10", limited.Header("RateLimit"));

        factory.Clock.Advance(TimeSpan.FromSeconds(10));
        var again = await Throttle(key, Body);
        AssertDecision(await again.Body(HttpStatusCode.OK), false, 3, 0, -1, 30_000);
        Assert.Equal("\"default\";r=0;t=30", again.Header("RateLimit"));
    }

    [Fact]
    public async Task Retry_after_and_the_windows_are_whole_seconds_rounded_up()
    {
        var key = ApiFactory.Key();
        const string Body = """{"maxBurst":0,"count":2,"periodMs":3000}""";
        var admitted = await Throttle(key, Body);
        AssertDecision(await admitted.Body(HttpStatusCode.OK), false, 1, 0, -1, 1500);
        Assert.Equal("\"default\";q=1;w=2", admitted.Header("RateLimit-Policy"));
        Assert.Equal("\"default\";r=0;t=2", admitted.Header("RateLimit"));

        var limited = await Throttle(key, Body);

        AssertDecision(await limited.Body((HttpStatusCode)429), true, 1, 0, 1500, 1500);
        Assert.Equal("2", limited.Header("Retry-After"));
        Assert.Equal("\"default\";r=0;t=2", limited.Header("RateLimit"));
    }

    [Fact]
    public async Task A_quantity_takes_several_tokens_and_zero_only_reads_the_limiter()
    {
        var key = ApiFactory.Key();

        AssertDecision(await (await Throttle(key, """{"maxBurst":9,"count":10,"periodMs":10000,"quantity":4}""")).Body(HttpStatusCode.OK),
            false, 10, 6, -1, 4000);
        AssertDecision(await (await Throttle(key, """{"maxBurst":9,"count":10,"periodMs":10000,"quantity":0}""")).Body(HttpStatusCode.OK),
            false, 10, 6, -1, 4000);
        var tooMany = await Throttle(key, """{"maxBurst":9,"count":10,"periodMs":10000,"quantity":7}""");

        // Six are left but seven were asked for: refused until one more token is due, in a second.
        AssertDecision(await tooMany.Body((HttpStatusCode)429), true, 10, 6, 1000, 4000);
        Assert.Equal("1", tooMany.Header("Retry-After"));
        Assert.Equal("\"default\";r=6;t=1", tooMany.Header("RateLimit"));
    }

    [Fact]
    public async Task The_state_is_a_string_key_that_expires_once_the_limiter_is_full_again()
    {
        var key = ApiFactory.Key();
        await Throttle(key, """{"maxBurst":4,"count":1,"periodMs":1000,"quantity":3}""");

        var info = await (await _client.GetAsync(Keys(key))).Body(HttpStatusCode.OK);

        Assert.Equal("string", info.GetProperty("type").GetString());
        Assert.Equal(3000, info.GetProperty("ttlMs").GetInt64());
    }

    [Fact]
    public async Task Exactly_the_limit_is_admitted_under_concurrency()
    {
        var key = ApiFactory.Key();
        const string Body = """{"maxBurst":49,"count":50,"periodMs":3600000}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Throttle(key, Body)));

        var admitted = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Equal(50, admitted.Count);
        Assert.Equal(150, responses.Count(r => r.StatusCode == (HttpStatusCode)429));
        // Each admission saw the one before it: every remaining count from 49 down to 0, once.
        var remaining = await Task.WhenAll(admitted.Select(async r => (await r.Body(HttpStatusCode.OK)).GetProperty("remaining").GetInt64()));
        Assert.Equal(Enumerable.Range(0, 50).Select(n => (long)n), remaining.Order());
    }

    // Errors

    [Fact]
    public async Task A_key_of_another_type_is_409_wrongtype()
    {
        var key = ApiFactory.Key();
        await _client.PostAsync("/commands", Json(JsonSerializer.Serialize(new[] { "RPUSH", key, "a" })));

        await Throttle(key, """{"maxBurst":1,"count":1,"periodMs":1000}""").Problem(HttpStatusCode.Conflict, "WRONGTYPE");
    }

    [Fact]
    public async Task A_string_that_is_not_a_limiter_state_is_422_and_stays_as_it_is()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "hello");

        await Throttle(key, """{"maxBurst":1,"count":1,"periodMs":1000}""").Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("hello", await _client.GetValue(key));
    }

    [Theory]
    [InlineData("""{"maxBurst":-1,"count":1,"periodMs":1000}""", "maxBurst")]
    [InlineData("""{"maxBurst":0,"count":0,"periodMs":1000}""", "count")]
    [InlineData("""{"maxBurst":0,"count":-5,"periodMs":1000}""", "count")]
    [InlineData("""{"maxBurst":0,"count":1,"periodMs":0}""", "periodMs")]
    [InlineData("""{"maxBurst":0,"count":1,"periodMs":1000,"quantity":-1}""", "quantity")]
    [InlineData("""{"maxBurst":4,"count":1,"periodMs":1000,"quantity":6}""", "quantity")]
    [InlineData("""{"maxBurst":9223372036854775807,"count":1,"periodMs":1000,"quantity":-9223372036854775808}""", "quantity")]
    public async Task Out_of_range_fields_are_400_naming_the_field(string body, string field)
    {
        var key = ApiFactory.Key();

        var problem = await Throttle(key, body).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync(Keys(key))).StatusCode);
    }

    [Theory]
    [InlineData("""{"count":1,"periodMs":1000}""", "maxBurst")]
    [InlineData("""{"maxBurst":1,"count":1}""", "periodMs")]
    [InlineData("""{"maxBurst":1,"count":1,"periodMs":1000,"burst":2}""", "burst")]
    [InlineData("""{"maxBurst":1.5,"count":1,"periodMs":1000}""", "maxBurst")]
    [InlineData("""{"maxBurst":"1","count":1,"periodMs":1000}""", "maxBurst")]
    [InlineData("""{"maxBurst":1,"count":99999999999999999999,"periodMs":1000}""", "count")]
    [InlineData("""{"maxBurst":1,"count":1,"periodMs":null}""", "periodMs")]
    [InlineData("""{"maxBurst":1,"count":1,"periodMs":1000,"quantity":true}""", "quantity")]
    [InlineData("""[1,1,1000]""", "$")]
    public async Task Json_that_is_not_a_limiter_request_is_400_naming_the_member(string body, string member)
    {
        var problem = await Throttle(ApiFactory.Key(), body).Problem(HttpStatusCode.BadRequest);

        Assert.Contains(member, problem.Detail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"maxBurst":0,"count":2000000,"periodMs":1}""", "ERR rate out of range: period / count is less than 1 nanosecond")]
    [InlineData("""{"maxBurst":9223372036854775806,"count":1,"periodMs":1}""", "ERR burst out of range: (max_burst + 1) * period / count is more than 100 years")]
    [InlineData("""{"maxBurst":0,"count":1,"periodMs":9223372036854775807}""", "ERR burst out of range: (max_burst + 1) * period / count is more than 100 years")]
    public async Task Limits_the_engine_cannot_represent_are_400_with_its_message(string body, string message)
    {
        var problem = await Throttle(ApiFactory.Key(), body).Problem(HttpStatusCode.BadRequest);

        Assert.Equal(message, problem.Detail());
    }

    [Fact]
    public async Task A_request_without_a_body_is_a_4xx_problem()
    {
        var response = await _client.PostAsync(RateLimits(ApiFactory.Key()), null);

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
