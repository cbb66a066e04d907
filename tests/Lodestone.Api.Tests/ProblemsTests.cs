using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Lodestone.Engine.Effects;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// Bad requests get a clear 4xx problem that names what is wrong, with the shape every problem has
/// (see <see cref="Http.Problem(HttpResponseMessage, HttpStatusCode, string)"/>), and never a stack trace.
/// </summary>
public sealed class ProblemsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const int MaxRequestBodyBytes = 1024 * 1024;

    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Malformed_json_is_400()
    {
        var problem = await Put("""{"value":""").Problem(HttpStatusCode.BadRequest);

        Assert.Equal("urn:lodestone:problem:bad-request", problem.GetProperty("type").GetString());
        Assert.Contains("not valid JSON", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_json_member_is_400_naming_it()
    {
        var problem = await Put("""{"value":"v","colour":"blue"}""").Problem(HttpStatusCode.BadRequest);

        Assert.Contains("unknown property 'colour'", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_value_is_400_naming_it()
    {
        var problem = await Put("""{"ttlMs":1000}""").Problem(HttpStatusCode.BadRequest);

        Assert.Contains("missing: 'value'", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_null_value_is_400_naming_the_field_not_the_dotnet_parameter()
    {
        var problem = await Put("""{"value":null}""").Problem(HttpStatusCode.BadRequest);

        Assert.EndsWith("'value' must not be null.", problem.Detail(), StringComparison.Ordinal);
        Assert.DoesNotContain("constructor", problem.Detail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"value":42}""", "$.value")]
    [InlineData("""{"value":"v","ttlMs":"soon"}""", "$.ttlMs")]
    [InlineData("""{"value":"v","keepTtl":"yes"}""", "$.keepTtl")]
    [InlineData("""["v"]""", "$")]
    public async Task A_json_value_of_the_wrong_type_is_400_naming_where(string body, string path)
    {
        var problem = await Put(body).Problem(HttpStatusCode.BadRequest);

        Assert.Contains($"at '{path}'", problem.Detail(), StringComparison.Ordinal);
        Assert.Contains("wrong type", problem.Detail(), StringComparison.Ordinal);
        Assert.DoesNotContain("Lodestone.", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_negative_ttl_is_a_validation_problem_listing_the_field()
    {
        var key = ApiFactory.Key();

        var problem = await (await _client.PutAsync(Strings(key), Json("""{"value":"v","ttlMs":-1}"""))).Problem(HttpStatusCode.BadRequest);

        Assert.Equal("urn:lodestone:problem:bad-request", problem.GetProperty("type").GetString());
        Assert.Equal("ttlMs must be a positive number of milliseconds.", problem.GetProperty("errors").GetProperty("ttlMs")[0].GetString());
        await (await _client.GetAsync(Strings(key))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_base64_is_a_validation_problem_listing_the_field()
    {
        var problem = await Put("""{"value":"not base64!","encoding":"base64"}""").Problem(HttpStatusCode.BadRequest);

        Assert.Equal("value is not valid base64.", problem.GetProperty("errors").GetProperty("value")[0].GetString());
    }

    [Fact]
    public async Task An_unknown_encoding_is_a_validation_problem()
    {
        var problem = await Put("""{"value":"v","encoding":"latin1"}""").Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("encoding", out _));
    }

    [Fact]
    public async Task A_null_item_in_mset_is_a_validation_problem_not_a_500()
    {
        var problem = await (await _client.PostAsync("/strings/mset", Json("""{"items":[null]}"""))).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("items[0]", out _));
    }

    [Fact]
    public async Task A_validation_error_inside_a_list_is_listed_under_the_json_path()
    {
        var problem = await (await _client.PostAsync("/strings/mset", Json("""{"items":[{"key":"a","value":"1"},{"key":"","value":"2"}]}"""))).Problem(HttpStatusCode.BadRequest);

        var errors = problem.GetProperty("errors");
        Assert.Equal(["items[1].key"], errors.EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task A_body_over_the_limit_with_a_declared_length_is_413()
    {
        var key = ApiFactory.Key();

        var response = await _client.PutAsync(Strings(key), Bytes(new byte[MaxRequestBodyBytes + 1]));

        var problem = await response.Problem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("Http:MaxRequestBodyBytes", problem.Detail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/octet-stream")]
    [InlineData("application/json")]
    public async Task A_streamed_body_over_the_limit_is_413_with_a_detail(string contentType)
    {
        var key = ApiFactory.Key();
        var body = Encoding.UTF8.GetBytes("{\"value\":\"" + new string('a', MaxRequestBodyBytes) + "\"}");
        var content = new StreamContent(new MemoryStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        var request = Request(HttpMethod.Put, Strings(key), content);
        request.Headers.TransferEncodingChunked = true;

        var response = await _client.SendAsync(request);

        var problem = await response.Problem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("Http:MaxRequestBodyBytes", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Form_data_is_415_naming_the_accepted_types()
    {
        var response = await _client.PutAsync(Strings(ApiFactory.Key()), new FormUrlEncodedContent([new("value", "v")]));

        var problem = await response.Problem(HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("urn:lodestone:problem:unsupported-media-type", problem.GetProperty("type").GetString());
        Assert.Contains("application/x-www-form-urlencoded", problem.Detail(), StringComparison.Ordinal);
        Assert.Contains("application/json", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_put_with_a_body_but_no_content_type_is_415()
    {
        var content = new ByteArrayContent("v"u8.ToArray());

        var response = await _client.PutAsync(Strings(ApiFactory.Key()), content);

        var problem = await response.Problem(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("no Content-Type", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_put_without_a_body_or_content_type_is_400_asking_for_a_body()
    {
        var response = await _client.SendAsync(Request(HttpMethod.Put, Strings(ApiFactory.Key())));

        var problem = await response.Problem(HttpStatusCode.BadRequest);
        Assert.Contains("request body is required", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_route_is_404()
    {
        var problem = await (await _client.GetAsync("/no/such/route")).Problem(HttpStatusCode.NotFound);

        Assert.Equal("urn:lodestone:problem:not-found", problem.GetProperty("type").GetString());
        Assert.Contains("/no/such/route", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_method_is_405_with_the_allowed_ones()
    {
        var response = await _client.PatchAsync(Strings(ApiFactory.Key()), Json("""{"value":"v"}"""));

        var problem = await response.Problem(HttpStatusCode.MethodNotAllowed);
        Assert.Equal("urn:lodestone:problem:method-not-allowed", problem.GetProperty("type").GetString());
        Assert.Equal(["DELETE", "GET", "HEAD", "PUT"], response.Content.Headers.Allow.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task No_bad_request_is_answered_with_a_5xx_or_a_stack_trace()
    {
        var key = Strings(ApiFactory.Key());
        var requests = new[]
        {
            Request(HttpMethod.Put, key),
            Request(HttpMethod.Put, key, new ByteArrayContent([1, 2, 3])),
            Request(HttpMethod.Put, key, Json("{")),
            Request(HttpMethod.Put, key, Json("""{"value":"v","ttlMs":1e400}""")),
            Request(HttpMethod.Put, key, Json(new string('[', 100) + new string(']', 100))),
            Request(HttpMethod.Put, key, Json("""{"value":"v","encoding":"base64"}""")),
            Request(HttpMethod.Put, key, Json("""{"value":"v"}"""), ("If-Match", "garbage")),
            Request(HttpMethod.Put, key + "?ttlMs=soon", Bytes([1])),
            Request(HttpMethod.Post, key + "/incr", Json("""{"by":1.5}""")),
            Request(HttpMethod.Post, key + "/incrbyfloat", Json("""{"by":"NaN"}""")),
            Request(HttpMethod.Get, key + "/range?start=1&end=99999999999999999999"),
            Request(HttpMethod.Post, "/strings/mget", Json("""{"keys":null}""")),
            Request(HttpMethod.Post, "/strings/mget", Json("""{"keys":[null]}""")),
            Request(HttpMethod.Post, "/strings/mset", Json("""{"items":[{"key":null,"value":"v"}]}""")),
            Request(HttpMethod.Post, "/strings/mset", Json("""{"items":[{"key":"a","value":"!"}],"encoding":"base64"}""")),
            Request(HttpMethod.Get, "/keys?page=-1"),
            Request(HttpMethod.Get, "/keys?limit=99999999999"),
            Request(HttpMethod.Put, Keys(ApiFactory.Key(), "/expiry"), Json("""{"ttlMs":9223372036854775807}""")),
            Request(HttpMethod.Put, Keys(ApiFactory.Key(), "/expiry"), Json("""{"atMs":-1}""")),
            Request(HttpMethod.Post, Keys(ApiFactory.Key(), "/rename"), Json("""{"newKey":"x","encoding":"base64"}""")),
            Request(HttpMethod.Post, Keys(ApiFactory.Key(), "/copy"), Json("""{}""")),
        };

        foreach (var request in requests)
        {
            var description = $"{request.Method} {request.RequestUri}";
            var response = await _client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();

            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{description} answered {(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_engine_failure_is_a_500_problem_that_says_it_was_logged_and_shows_nothing_of_the_exception()
    {
        using var failing = factory.WithWebHostBuilder(builder =>
            builder.ConfigureServices(services => services.AddSingleton<IEffectSink, BrokenSink>()));
        var client = failing.CreateCheckedClient();

        var response = await client.PutAsync(Strings(ApiFactory.Key()), Json("""{"value":"v"}"""));

        var problem = await response.Problem(HttpStatusCode.InternalServerError);
        Assert.Equal("urn:lodestone:problem:internal", problem.GetProperty("type").GetString());
        Assert.Equal("An unexpected error occurred. It has been logged.", problem.Detail());
        Assert.DoesNotContain(BrokenSink.Message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_disk_is_a_507_misconf_problem_with_retry_after()
    {
        using var failing = factory.WithWebHostBuilder(builder =>
            builder.ConfigureServices(services => services.AddSingleton<IEffectSink, FullDisk>()));
        var client = failing.CreateCheckedClient();

        var response = await client.PutAsync(Strings(ApiFactory.Key()), Json("""{"value":"v"}"""));

        var problem = await response.Problem(HttpStatusCode.InsufficientStorage, "MISCONF");
        Assert.Equal("MISCONF Errors writing to the AOF file: No space left on device", problem.Detail());
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
    }

    private Task<HttpResponseMessage> Put(string json) => _client.PutAsync(Strings(ApiFactory.Key()), Json(json));

    /// <summary>An append-only file on a full disk: every write's effects fail to commit.</summary>
    private sealed class FullDisk : IEffectSink
    {
        public void Commit(EffectBatch batch, bool sync) => throw new IOException("No space left on device");
    }

    /// <summary>A sink with a bug: what a failure that is not the disk's looks like.</summary>
    private sealed class BrokenSink : IEffectSink
    {
        public const string Message = "the sink's own bug";

        public void Commit(EffectBatch batch, bool sync) => throw new InvalidOperationException(Message);
    }
}
