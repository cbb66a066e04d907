using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// JSON bodies over 1 KB are compressed (br, gzip) for clients that accept it; smaller bodies, raw
/// bytes and event streams never are; Http:ResponseCompression=false turns it off.
/// </summary>
public sealed class CompressionTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData("gzip, deflate, br")]
    public async Task A_large_json_body_is_compressed_with_an_encoding_the_client_accepts(string accepted)
    {
        var key = await LargeList();

        using var plain = await _client.GetAsync(Lists(key));
        using var compressed = await _client.SendAsync(Request(HttpMethod.Get, Lists(key), null, ("Accept-Encoding", accepted)));

        var encoding = Assert.Single(compressed.Content.Headers.ContentEncoding);
        Assert.Contains(encoding, accepted.Split(',', StringSplitOptions.TrimEntries));
        Assert.Contains("Accept-Encoding", compressed.Headers.Vary);
        Assert.Equal("application/json", compressed.Content.Headers.ContentType?.MediaType);
        var bytes = await compressed.Content.ReadAsByteArrayAsync();
        var expected = await plain.Content.ReadAsByteArrayAsync();
        Assert.True(bytes.Length < expected.Length / 4, $"{bytes.Length} compressed bytes for {expected.Length}");
        Assert.Equal(expected, Decompress(encoding, bytes));
    }

    [Theory]
    [InlineData(1024, false)]
    [InlineData(1025, true)]
    public async Task Bodies_of_at_most_1_KB_go_out_as_they_are_with_their_length_and_larger_ones_are_compressed(int bodyBytes, bool compressed)
    {
        var key = ApiFactory.Key();
        // GET /strings/{key} answers {"key":"<key>","value":"<value>","ttlMs":null}.
        var value = new string('v', bodyBytes - $$"""{"key":"{{key}}","value":"","ttlMs":null}""".Length);
        await _client.PutString(key, value);

        using var response = await _client.SendAsync(Request(HttpMethod.Get, Strings(key), null, ("Accept-Encoding", "gzip, br")));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        if (compressed)
        {
            Assert.Equal("br", Assert.Single(response.Content.Headers.ContentEncoding));
            bytes = Decompress("br", bytes);
        }
        else
        {
            Assert.Empty(response.Content.Headers.ContentEncoding);
            Assert.Equal(bodyBytes, response.Content.Headers.ContentLength);
        }
        Assert.Equal(bodyBytes, bytes.Length);
        Assert.Equal(value, JsonDocument.Parse(bytes).RootElement.GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_problem_over_1_KB_is_compressed_too()
    {
        var key = new string('k', 2000);

        using var response = await _client.SendAsync(Request(HttpMethod.Get, Strings(key), null, ("Accept-Encoding", "gzip")));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(Decompress("gzip", await response.Content.ReadAsByteArrayAsync())).RootElement;
        Assert.Contains(key, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_bytes_are_never_compressed()
    {
        var key = ApiFactory.Key();
        var value = Encoding.ASCII.GetBytes(new string('x', 5000));
        await _client.PutAsync(Strings(key), Bytes(value));

        using var response = await _client.SendAsync(Request(HttpMethod.Get, Strings(key), null,
            ("Accept", "application/octet-stream"), ("Accept-Encoding", "gzip, br")));

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(5000, response.Content.Headers.ContentLength);
        Assert.Equal(value, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_event_stream_is_never_compressed_nor_held_back()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        using var response = await _client.SendAsync(Request(HttpMethod.Get, "/admin/monitor", null, ("Accept-Encoding", "gzip, br")),
            HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(": monitoring", await stream.ReadLineAsync(cancel.Token));
    }

    [Fact]
    public async Task Without_accept_encoding_nothing_is_compressed()
    {
        var key = await LargeList();

        using var response = await _client.GetAsync(Lists(key));

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.DoesNotContain("Accept-Encoding", response.Headers.Vary);
    }

    [Fact]
    public async Task Head_of_a_compressed_get_carries_the_same_encoding_and_no_body()
    {
        var key = await LargeList();

        using var head = await _client.SendAsync(Request(HttpMethod.Head, Lists(key), null, ("Accept-Encoding", "gzip")));

        Assert.Equal("gzip", Assert.Single(head.Content.Headers.ContentEncoding));
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_large_reply_on_the_command_endpoint_is_compressed_and_keeps_its_sync_token()
    {
        var key = await LargeList();

        using var response = await _client.SendAsync(Request(HttpMethod.Post, "/commands", Json($"""["LRANGE","{key}","0","-1"]"""), ("Accept-Encoding", "gzip")));

        Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
        Assert.NotNull(response.Header("upstash-sync-token"));
        var reply = JsonDocument.Parse(Decompress("gzip", await response.Content.ReadAsByteArrayAsync())).RootElement;
        Assert.Equal(200, reply.GetProperty("result").GetArrayLength());
    }

    [Fact]
    public async Task Http_response_compression_false_turns_it_off()
    {
        using var off = factory.WithWebHostBuilder(builder => builder.UseSetting("Http:ResponseCompression", "false"));
        var client = off.CreateCheckedClient();
        var key = ApiFactory.Key();
        await client.PostAsync(Lists(key, "/right"), Json(JsonSerializer.Serialize(new { items = Items() })));

        using var response = await client.SendAsync(Request(HttpMethod.Get, Lists(key), null, ("Accept-Encoding", "gzip, br")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Empty(response.Headers.Vary);
    }

    private static string Lists(string key, string suffix = "") => $"/lists/{Segment(key)}{suffix}";

    private static string[] Items() => Enumerable.Range(0, 200).Select(i => $"item-{i:D5}-of-a-list-long-enough").ToArray();

    /// <summary>A list whose JSON is about 8 KB.</summary>
    private async Task<string> LargeList()
    {
        var key = ApiFactory.Key();
        var response = await _client.PostAsync(Lists(key, "/right"), Json(JsonSerializer.Serialize(new { items = Items() })));
        Assert.True(response.IsSuccessStatusCode, $"push answered {(int)response.StatusCode}");
        return key;
    }

    private static byte[] Decompress(string encoding, byte[] bytes)
    {
        using var input = new MemoryStream(bytes);
        using Stream decoder = encoding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }
}
