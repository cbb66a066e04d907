using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// Input that is valid JSON but not meaningful — a lone UTF-16 surrogate escape, a member given twice —
/// is a clear 400 on every way in, and nothing is stored.
/// </summary>
public sealed class StrictInputTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<bool> Exists(string key)
    {
        var response = await _client.PostAsync("/commands", Json($"""["EXISTS","{key}"]"""));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("result").GetInt64() == 1;
    }

    [Theory]
    [InlineData("/commands", """["SET","{0}\udfff","v"]""")]
    [InlineData("/commands", """["SET","{0}","v\ud800x"]""")]
    [InlineData("/commands/pipeline", """[["SET","{0}","ok"],["SET","{0}\udfff","v"]]""")]
    [InlineData("/commands/multi-exec", """[["SET","{0}","ok"],["SET","{0}\udfff","v"]]""")]
    public async Task A_lone_surrogate_in_a_command_is_a_400_upstash_error_and_nothing_runs(string path, string body)
    {
        var key = ApiFactory.Key();

        var response = await _client.PostAsync(path, Json(body.Replace("{0}", key, StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
        Assert.StartsWith("ERR ", error, StringComparison.Ordinal);
        Assert.Contains("lone UTF-16 surrogate", error, StringComparison.Ordinal);
        Assert.False(await Exists(key));
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_resource_body_is_a_400_problem_that_names_it()
    {
        var key = ApiFactory.Key();

        var problem = await _client.PutAsync(Strings(key), Json("""{"value":"x\udfff"}""")).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("lone UTF-16 surrogate", problem.Detail(), StringComparison.Ordinal);
        Assert.False(await Exists(key));
    }

    [Fact]
    public async Task A_member_given_twice_is_refused_not_last_one_wins()
    {
        var key = ApiFactory.Key();

        var problem = await _client.PutAsync(Strings(key), Json("""{"value":"x","value":"y"}""")).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("property 'value' appears more than once", problem.Detail(), StringComparison.Ordinal);
        Assert.False(await Exists(key));
    }

    [Fact]
    public async Task A_member_given_twice_inside_a_nested_object_is_refused_too()
    {
        var first = ApiFactory.Key();
        var second = ApiFactory.Key();

        var problem = await _client.PostAsync("/strings/mset", Json($$"""{"items":[{"key":"{{first}}","value":"1","key":"{{second}}"}]}"""))
            .Problem(HttpStatusCode.BadRequest);

        Assert.Contains("'$.items[0].key'", problem.Detail(), StringComparison.Ordinal);
        Assert.False(await Exists(first));
        Assert.False(await Exists(second));
    }
}
