using System.Net;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// <c>Commands:MaxReplyElements</c> (default 1,000,000): one request cannot make the service build a
/// reply that exhausts its memory — a single command, or a pipeline or transaction in all.
/// </summary>
public sealed class ReplyLimitsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<JsonElement> Post(string path, string json, HttpStatusCode status)
    {
        var response = await _client.PostAsync(path, Json(json));
        Assert.Equal(status, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Theory]
    [InlineData("""["SRANDMEMBER","{0}:s","-16777216"]""")]
    [InlineData("""["HRANDFIELD","{0}:h","-600000","WITHVALUES"]""")]
    [InlineData("""["ZRANDMEMBER","{0}:z","-600000","WITHSCORES"]""")]
    public async Task A_random_sample_over_the_limit_is_a_clear_error(string command)
    {
        var key = ApiFactory.Key();
        await Post("/commands/pipeline", $$"""[["SADD","{{key}}:s","a","b"],["HSET","{{key}}:h","f","v"],["ZADD","{{key}}:z","1","a"]]""", HttpStatusCode.OK);

        var error = (await Post("/commands", string.Format(command, key), HttpStatusCode.BadRequest)).GetProperty("error").GetString()!;

        Assert.StartsWith("ERR the reply would hold ", error, StringComparison.Ordinal);
        Assert.Contains("1000000", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pipeline_counts_all_its_replies_against_the_limit()
    {
        var key = ApiFactory.Key();
        await Post("/commands", $"""["SADD","{key}","a","b"]""", HttpStatusCode.OK);

        var entries = await Post("/commands/pipeline", $"""[["SRANDMEMBER","{key}","-600000"],["SRANDMEMBER","{key}","-600000"],["SCARD","{key}"]]""", HttpStatusCode.OK);

        Assert.Equal(600_000, entries[0].GetProperty("result").GetArrayLength());
        Assert.Contains("the 400000 this request may still receive", entries[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, entries[2].GetProperty("result").GetInt64());
    }

    [Fact]
    public async Task A_transaction_counts_all_its_replies_against_the_limit()
    {
        var key = ApiFactory.Key();
        await Post("/commands", $"""["SADD","{key}","a","b"]""", HttpStatusCode.OK);

        var entries = await Post("/commands/multi-exec", $"""[["SRANDMEMBER","{key}","-999999"],["SRANDMEMBER","{key}","-2"]]""", HttpStatusCode.OK);

        Assert.Equal(999_999, entries[0].GetProperty("result").GetArrayLength());
        Assert.StartsWith("ERR the reply would hold 2 elements", entries[1].GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
