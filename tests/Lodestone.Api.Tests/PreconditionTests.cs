using System.Globalization;
using System.Net;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>ETag = key version; If-Match / If-None-Match are the HTTP forms of XX, NX and compare-and-set (ARCHITECTURE.md §5).</summary>
public sealed class PreconditionTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task The_etag_of_every_read_and_write_is_the_key_version_quoted()
    {
        var key = ApiFactory.Key();

        var written = await _client.PutString(key, "v");
        var read = await _client.GetAsync(Strings(key));
        var info = await _client.GetAsync(Keys(key));

        var version = (await info.Body(HttpStatusCode.OK)).GetProperty("version").GetInt64();
        var expected = "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";
        Assert.Equal(expected, written.ETag());
        Assert.Equal(expected, read.ETag());
        Assert.Equal(expected, info.ETag());
    }

    [Fact]
    public async Task Every_write_changes_the_etag_and_a_read_sees_the_new_one()
    {
        var key = ApiFactory.Key();
        var writes = new Func<Task<HttpResponseMessage>>[]
        {
            () => _client.PutAsync(Strings(key), Json("""{"value":"1"}""")),
            () => _client.PutAsync(Strings(key), Json("""{"value":"1"}""")),
            () => _client.PostAsync(Strings(key, "/incr"), null),
            () => _client.PostAsync(Strings(key, "/decr"), Json("""{"by":2}""")),
            () => _client.PostAsync(Strings(key, "/incrbyfloat"), Json("""{"by":0.5}""")),
            () => _client.PostAsync(Strings(key, "/append"), Json("""{"value":"0"}""")),
            () => _client.PutAsync(Strings(key, "/range"), Json("""{"offset":0,"value":"9"}""")),
            () => _client.PutAsync(Keys(key, "/expiry"), Json("""{"ttlMs":100000}""")),
            () => _client.DeleteAsync(Keys(key, "/expiry")),
        };

        var seen = new List<string>();
        foreach (var write in writes)
        {
            var response = await write();
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            var etag = response.ETag();
            Assert.DoesNotContain(etag, seen);
            seen.Add(etag);
            Assert.Equal(etag, (await _client.GetAsync(Strings(key))).ETag());
        }
    }

    [Fact]
    public async Task If_none_match_with_the_current_etag_on_get_is_304_without_a_body()
    {
        var key = ApiFactory.Key();
        var etag = (await _client.PutString(key, "v")).ETag();

        foreach (var url in new[] { Strings(key), Keys(key) })
        {
            var response = await _client.SendAsync(Request(HttpMethod.Get, url, null, ("If-None-Match", etag)));

            Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(etag, response.ETag());
        }
    }

    [Fact]
    public async Task If_none_match_on_get_compares_weakly_so_a_weak_etag_also_gives_304()
    {
        var key = ApiFactory.Key();
        var etag = (await _client.PutString(key, "v")).ETag();

        var response = await _client.SendAsync(Request(HttpMethod.Get, Strings(key), null, ("If-None-Match", "W/" + etag)));

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Fact]
    public async Task If_none_match_with_an_old_etag_on_get_returns_the_new_value()
    {
        var key = ApiFactory.Key();
        var old = (await _client.PutString(key, "v1")).ETag();
        var current = (await _client.PutString(key, "v2")).ETag();

        var response = await _client.SendAsync(Request(HttpMethod.Get, Strings(key), null, ("If-None-Match", old)));

        Assert.Equal("v2", (await response.Body(HttpStatusCode.OK)).GetProperty("value").GetString());
        Assert.Equal(current, response.ETag());
    }

    [Fact]
    public async Task If_none_match_star_on_put_creates_only_a_missing_key()
    {
        var key = ApiFactory.Key();

        var created = await _client.SendAsync(Request(HttpMethod.Put, Strings(key), Json("""{"value":"first"}"""), ("If-None-Match", "*")));
        var refused = await _client.SendAsync(Request(HttpMethod.Put, Strings(key), Json("""{"value":"second"}"""), ("If-None-Match", "*")));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var problem = await refused.Problem(HttpStatusCode.PreconditionFailed, code: "PRECONDITION");
        Assert.Equal("urn:lodestone:problem:precondition-failed", problem.GetProperty("type").GetString());
        Assert.Equal("first", await _client.GetValue(key));
    }

    [Fact]
    public async Task If_match_star_on_put_updates_only_an_existing_key()
    {
        var key = ApiFactory.Key();

        var refused = await _client.SendAsync(Request(HttpMethod.Put, Strings(key), Json("""{"value":"v"}"""), ("If-Match", "*")));

        await refused.Problem(HttpStatusCode.PreconditionFailed, code: "PRECONDITION");
        await (await _client.GetAsync(Strings(key))).Problem(HttpStatusCode.NotFound);

        await _client.PutString(key, "v1");
        var updated = await _client.SendAsync(Request(HttpMethod.Put, Strings(key), Json("""{"value":"v2"}"""), ("If-Match", "*")));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("v2", await _client.GetValue(key));
    }

    [Fact]
    public async Task If_match_with_the_current_etag_is_a_compare_and_set_that_succeeds()
    {
        var key = ApiFactory.Key();
        var etag = (await _client.PutString(key, "v1")).ETag();

        var response = await _client.SendAsync(Request(HttpMethod.Put, Strings(key), Json("""{"value":"v2"}"""), ("If-Match", etag)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(etag, response.ETag());
        Assert.Equal("v2", await _client.GetValue(key));
    }

    [Fact]
    public async Task If_match_with_a_stale_etag_is_412_and_the_value_is_unchanged()
    {
        var key = ApiFactory.Key();
        var stale = (await _client.PutString(key, "v1")).ETag();
        var current = (await _client.PutString(key, "v2")).ETag();

        var response = await _client.SendAsync(Request(HttpMethod.Put, Strings(key), Json("""{"value":"lost update"}"""), ("If-Match", stale)));

        await response.Problem(HttpStatusCode.PreconditionFailed, code: "PRECONDITION");
        var read = await _client.GetAsync(Strings(key));
        Assert.Equal("v2", (await read.Body(HttpStatusCode.OK)).GetProperty("value").GetString());
        Assert.Equal(current, read.ETag());
    }

    [Fact]
    public async Task A_weak_etag_in_if_match_never_matches()
    {
        var key = ApiFactory.Key();
        var etag = (await _client.PutString(key, "v1")).ETag();

        var response = await _client.SendAsync(Request(HttpMethod.Put, Strings(key), Json("""{"value":"v2"}"""), ("If-Match", "W/" + etag)));

        await response.Problem(HttpStatusCode.PreconditionFailed, code: "PRECONDITION");
        Assert.Equal("v1", await _client.GetValue(key));
    }

    [Fact]
    public async Task If_match_and_if_none_match_together_are_a_400_and_nothing_is_written()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v1");

        var response = await _client.SendAsync(Request(HttpMethod.Put, Strings(key), Json("""{"value":"v2"}"""), ("If-Match", "*"), ("If-None-Match", "*")));

        var problem = await response.Problem(HttpStatusCode.BadRequest);
        Assert.Contains("If-Match", problem.Detail(), StringComparison.Ordinal);
        Assert.Equal("v1", await _client.GetValue(key));
    }

    [Fact]
    public async Task If_match_with_several_etags_is_a_400()
    {
        var key = ApiFactory.Key();
        var etag = (await _client.PutString(key, "v1")).ETag();

        var response = await _client.SendAsync(Request(HttpMethod.Put, Strings(key), Json("""{"value":"v2"}"""), ("If-Match", etag + ", \"1\"")));

        await response.Problem(HttpStatusCode.BadRequest);
        Assert.Equal("v1", await _client.GetValue(key));
    }

    [Fact]
    public async Task Delete_with_a_stale_if_match_is_412_and_the_key_survives()
    {
        var key = ApiFactory.Key();
        var stale = (await _client.PutString(key, "v1")).ETag();
        var current = (await _client.PutString(key, "v2")).ETag();

        var refused = await _client.SendAsync(Request(HttpMethod.Delete, Strings(key), null, ("If-Match", stale)));

        await refused.Problem(HttpStatusCode.PreconditionFailed, code: "PRECONDITION");
        Assert.Equal("v2", await _client.GetValue(key));

        var deleted = await _client.SendAsync(Request(HttpMethod.Delete, Strings(key), null, ("If-Match", current)));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await _client.GetAsync(Strings(key))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_of_any_key_with_a_stale_if_match_is_412_and_the_key_survives()
    {
        var key = ApiFactory.Key();
        var stale = (await _client.PutString(key, "v1")).ETag();
        await _client.PutString(key, "v2");

        var refused = await _client.SendAsync(Request(HttpMethod.Delete, Keys(key), null, ("If-Match", stale)));

        await refused.Problem(HttpStatusCode.PreconditionFailed, code: "PRECONDITION");
        Assert.Equal("v2", await _client.GetValue(key));
    }

    [Fact]
    public async Task A_counter_update_with_a_stale_if_match_is_412_and_the_counter_is_unchanged()
    {
        var key = ApiFactory.Key();
        var stale = (await _client.PutString(key, "10")).ETag();
        var current = (await _client.PostAsync(Strings(key, "/incr"), null)).ETag();

        var refused = await _client.SendAsync(Request(HttpMethod.Post, Strings(key, "/incr"), null, ("If-Match", stale)));
        var applied = await _client.SendAsync(Request(HttpMethod.Post, Strings(key, "/incr"), null, ("If-Match", current)));

        await refused.Problem(HttpStatusCode.PreconditionFailed, code: "PRECONDITION");
        Assert.Equal(12, (await applied.Body(HttpStatusCode.OK)).GetProperty("value").GetInt64());
    }

    [Fact]
    public async Task If_match_on_get_with_a_stale_etag_is_412()
    {
        var key = ApiFactory.Key();
        var stale = (await _client.PutString(key, "v1")).ETag();
        await _client.PutString(key, "v2");

        var response = await _client.SendAsync(Request(HttpMethod.Get, Strings(key), null, ("If-Match", stale)));

        await response.Problem(HttpStatusCode.PreconditionFailed, code: "PRECONDITION");
    }
}
