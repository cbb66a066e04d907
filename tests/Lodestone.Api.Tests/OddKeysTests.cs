using System.Net;
using System.Text;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// Keys are any bytes. In a URL they are one percent-encoded path segment, and whatever the bytes
/// (reserved characters, percent signs, non-ASCII, invalid UTF-8) the key must round-trip.
/// </summary>
public sealed class OddKeysTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    public static TheoryData<string> OddNames => new()
    {
        "a/b",
        "/leading/and/trailing/",
        "what?x=1&y=2",
        "100%",
        "%41",
        "#fragment",
        "with space",
        "{tag}",
        "a+b",
        "semi;colon,comma=equals",
        "quote\"back\\slash",
        "café",
        "日本",
        "😀",
        "%2F",
        // Long enough to be decoded in a rented buffer rather than on the stack.
        string.Concat(Enumerable.Repeat("ключ/%", 100)),
    };

    [Theory]
    [MemberData(nameof(OddNames))]
    public async Task A_key_round_trips_through_the_url_and_its_location(string name)
    {
        var key = ApiFactory.Key(name);

        var created = await _client.PutAsync(Strings(key), Json("""{"value":"odd"}"""));

        var body = await created.Body(HttpStatusCode.Created);
        Assert.Equal(key, body.GetProperty("key").GetString());
        var read = await (await _client.GetAsync(Strings(key))).Body(HttpStatusCode.OK);
        Assert.Equal(key, read.GetProperty("key").GetString());
        Assert.Equal("odd", read.GetProperty("value").GetString());
        var viaLocation = await (await _client.GetAsync(created.Headers.Location)).Body(HttpStatusCode.OK);
        Assert.Equal(key, viaLocation.GetProperty("key").GetString());
        var info = await (await _client.GetAsync(Keys(key))).Body(HttpStatusCode.OK);
        Assert.Equal(key, info.GetProperty("key").GetString());
    }

    [Theory]
    [MemberData(nameof(OddNames))]
    public async Task A_key_is_listed_as_it_was_written(string name)
    {
        var key = ApiFactory.Key(name);
        var prefix = key[..(key.IndexOf(':', StringComparison.Ordinal) + 1)];
        await _client.PutString(key, "odd");

        var listed = await ListPrefix(prefix);

        Assert.Equal(key, Assert.Single(listed).GetProperty("key").GetString());
    }

    [Fact]
    public async Task A_literal_percent_2F_is_a_different_key_from_a_slash()
    {
        var prefix = ApiFactory.Key("");
        await _client.PutString(prefix + "x/y", "slash");
        await _client.PutString(prefix + "x%2Fy", "literal");

        Assert.Equal("slash", await _client.GetValue(prefix + "x/y"));
        Assert.Equal("literal", await _client.GetValue(prefix + "x%2Fy"));
        var listed = (await ListPrefix(prefix)).Select(k => k.GetProperty("key").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal([prefix + "x%2Fy", prefix + "x/y"], listed);
    }

    [Fact]
    public async Task A_key_that_is_not_utf8_round_trips_as_percent_encoded_bytes()
    {
        var prefix = ApiFactory.Key("");
        byte[] key = [.. Encoding.UTF8.GetBytes(prefix), 0xFF, (byte)'/', 0xC3];
        var url = "/strings/" + Segment(prefix) + "%FF%2F%C3";

        var created = await _client.PutAsync(url, Json("""{"value":"bytes"}"""));

        var body = await created.Body(HttpStatusCode.Created);
        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal(key, Convert.FromBase64String(body.GetProperty("key").GetString()!));
        Assert.Equal("bytes", Encoding.UTF8.GetString(Convert.FromBase64String(body.GetProperty("value").GetString()!)));

        var read = await (await _client.GetAsync(url)).Body(HttpStatusCode.OK);
        Assert.Equal(key, Convert.FromBase64String(read.GetProperty("key").GetString()!));
        var viaLocation = await (await _client.GetAsync(created.Headers.Location)).Body(HttpStatusCode.OK);
        Assert.Equal(key, Convert.FromBase64String(viaLocation.GetProperty("key").GetString()!));

        var listed = Assert.Single(await ListPrefix(prefix));
        Assert.Equal("base64", listed.GetProperty("encoding").GetString());
        Assert.Equal(key, Convert.FromBase64String(listed.GetProperty("key").GetString()!));

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync(url)).StatusCode);
        Assert.Empty(await ListPrefix(prefix));
    }

    [Theory]
    [InlineData("/strings/")]
    [InlineData("/keys/")]
    [InlineData("/commands/get/")]
    public async Task A_nul_byte_in_a_path_is_refused_by_the_server_itself_with_a_bare_400(string route)
    {
        // Kestrel refuses a request target whose path decodes to a NUL while parsing the request line,
        // before the service sees the request: no problem body can be written (docs/api.md says so).
        var response = await _client.GetAsync(route + Segment(ApiFactory.Key("a\0b")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_key_with_a_nul_byte_works_through_json_escapes_base64_and_the_query_string()
    {
        var prefix = ApiFactory.Key("");
        var key = prefix + "a\0b";
        var base64Key = Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

        var set = await _client.PostAsync("/commands", Json(JsonSerializer.Serialize(new object[] { "SET", key, "nul" })));
        Assert.Equal("""{"result":"OK"}""", await set.Content.ReadAsStringAsync());
        Assert.Contains("\\u0000", JsonSerializer.Serialize(key), StringComparison.Ordinal);

        var read = await (await _client.PostAsync("/strings/mget", Json(JsonSerializer.Serialize(new { keys = new[] { base64Key }, encoding = "base64" })))).Body(HttpStatusCode.OK);
        var item = Assert.Single(read.GetProperty("items").EnumerateArray());
        Assert.Equal("nul", Encoding.UTF8.GetString(Convert.FromBase64String(item.GetProperty("value").GetString()!)));
        var listed = await ListPrefix(prefix + "a\0", "&encoding=base64");
        Assert.Equal(base64Key, Assert.Single(listed).GetProperty("key").GetString());
        var deleted = await _client.PostAsync("/commands", Json(JsonSerializer.Serialize(new object[] { "DEL", key })));
        Assert.Equal("""{"result":1}""", await deleted.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_copy_to_an_odd_key_has_a_usable_location()
    {
        var prefix = ApiFactory.Key("");
        var (source, destination) = (prefix + "source", prefix + "dest/with?odd#chars %");
        await _client.PutString(source, "v");

        var copied = await _client.PostAsync(Keys(source, "/copy"), Json(JsonSerializer.Serialize(new { destination })));

        Assert.Equal(HttpStatusCode.Created, copied.StatusCode);
        var described = await (await _client.GetAsync(copied.Headers.Location)).Body(HttpStatusCode.OK);
        Assert.Equal(destination, described.GetProperty("key").GetString());
        Assert.Equal("v", await _client.GetValue(destination));
    }

    [Fact]
    public async Task A_rename_to_an_odd_key_is_reachable_at_its_url()
    {
        var prefix = ApiFactory.Key("");
        var (source, target) = (prefix + "plain", prefix + "日本/%2F?");
        await _client.PutString(source, "v");

        var renamed = await (await _client.PostAsync(Keys(source, "/rename"), Json(JsonSerializer.Serialize(new { newKey = target })))).Body(HttpStatusCode.OK);

        Assert.Equal(target, renamed.GetProperty("key").GetString());
        Assert.Equal("v", await _client.GetValue(target));
    }

    /// <summary>Every key starting with <paramref name="prefix"/> (percent-encoded in the query: a NUL is %00), page by page.</summary>
    private Task<List<JsonElement>> ListPrefix(string prefix, string options = "") =>
        _client.PageThrough($"/keys?match={Uri.EscapeDataString(prefix)}*{options}", "keys");
}
