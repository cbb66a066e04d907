using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Lodestone.Api.Protocol;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>A service that takes values up to Redis's 512 MB.</summary>
public sealed class LargeValuesApiFactory : ApiFactory
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Engine:ProtoMaxBulkLen", "536870912")];
}

/// <summary>
/// Tests that measure what the process allocates: they run alone, after the others, so no other
/// test's allocations are counted in theirs.
/// </summary>
[CollectionDefinition(nameof(Alone), DisableParallelization = true)]
public sealed class Alone;

/// <summary>
/// Values up to <c>proto-max-bulk-len</c> are readable as JSON: streamed in segments, never a 500, never
/// a truncated body, with memory that does not grow with the value's JSON form (a value of NULs is six
/// times larger as JSON, where each is <c>\u0000</c>).
/// </summary>
[Collection(nameof(Alone))]
public sealed class LargeValuesTests(LargeValuesApiFactory factory) : IClassFixture<LargeValuesApiFactory>
{
    private const int Size = 100_000_000;

    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>A string of <see cref="Size"/> bytes: NULs, then "x" (SETRANGE pads with zero bytes).</summary>
    private async Task<string> LargeValue()
    {
        var key = ApiFactory.Key();
        var response = await _client.PostAsync("/commands", Json($"""["SETRANGE","{key}","{Size - 1}","x"]"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return key;
    }

    /// <summary>Reads a response body in pieces: its length, its first 256 and last 64 bytes, and what the process allocated meanwhile.</summary>
    private async Task<(long Length, string Head, string Tail, long Allocated)> Read(HttpRequestMessage request)
    {
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[81920];
        var head = new List<byte>();
        var tail = new byte[64];
        long length = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            if (head.Count < 256)
                head.AddRange(buffer.Take(Math.Min(read, 256 - head.Count)));
            // Keep the last 64 bytes seen.
            var keep = Math.Min(read, tail.Length);
            Array.Copy(tail, keep, tail, 0, tail.Length - keep);
            Array.Copy(buffer, read - keep, tail, tail.Length - keep, keep);
            length += read;
        }
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return (length, Encoding.UTF8.GetString([.. head]), Encoding.UTF8.GetString(tail), allocated);
    }

    [Fact]
    public async Task A_100_mb_value_of_nuls_is_read_whole_as_json_from_the_string_resource()
    {
        var key = await LargeValue();

        var (length, head, tail, allocated) = await Read(new HttpRequestMessage(HttpMethod.Get, Strings(key)));

        var prefix = "{\"key\":\"" + key + "\",\"value\":\"";
        Assert.StartsWith(prefix + "\\u0000", head, StringComparison.Ordinal);
        Assert.EndsWith("\\u0000x\",\"ttlMs\":null}", tail, StringComparison.Ordinal);
        Assert.Equal(prefix.Length + 6L * (Size - 1) + 1 + "\",\"ttlMs\":null}".Length, length);
        Assert.True(allocated < Size / 2, $"Reading a {Size}-byte value allocated {allocated} bytes.");
    }

    [Fact]
    public async Task A_value_past_the_json_writers_token_limit_is_read_as_base64_from_the_string_resource()
    {
        // 130 MB: over what System.Text.Json writes as one base64 token (125 MB), which was a 500.
        var key = ApiFactory.Key();
        await _client.PostAsync("/commands", Json($"""["SETRANGE","{key}","129999999","x"]"""));

        var (length, head, tail, _) = await Read(new HttpRequestMessage(HttpMethod.Get, Strings(key, "?encoding=base64")));

        Assert.StartsWith($$"""{"key":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes(key))}}","value":"AAAA""", head, StringComparison.Ordinal);
        Assert.EndsWith("AAeA==\",\"ttlMs\":null,\"encoding\":\"base64\"}", tail, StringComparison.Ordinal);
        Assert.Equal((130_000_000 + 2) / 3 * 4L, length - head.IndexOf("AAAA", StringComparison.Ordinal) - "\",\"ttlMs\":null,\"encoding\":\"base64\"}".Length);
    }

    [Fact]
    public async Task A_route_that_cannot_stream_a_value_too_large_for_json_answers_413_saying_how_to_read_it()
    {
        var key = ApiFactory.Key();
        await _client.PostAsync("/commands", Json($"""["SETRANGE","{key}","129999999","x"]"""));

        var response = await _client.GetAsync(Strings(key, "/range?start=0&end=-1&encoding=base64"));

        var problem = await response.Problem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("application/octet-stream", problem.Detail(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(Strings(key, "/range?start=0&end=9"))).StatusCode);
    }

    [Fact]
    public async Task A_100_mb_value_of_nuls_is_read_whole_through_the_command_endpoint()
    {
        var key = await LargeValue();

        var single = await Read(new HttpRequestMessage(HttpMethod.Post, "/commands") { Content = Json($"""["GET","{key}"]""") });
        var pipeline = await Read(new HttpRequestMessage(HttpMethod.Post, "/commands/pipeline") { Content = Json($"""[["GET","{key}"],["STRLEN","{key}"]]""") });

        Assert.StartsWith("{\"result\":\"\\u0000", single.Head, StringComparison.Ordinal);
        Assert.EndsWith("\\u0000x\"}", single.Tail, StringComparison.Ordinal);
        Assert.Equal("{\"result\":\"".Length + 6L * (Size - 1) + 1 + "\"}".Length, single.Length);
        Assert.True(single.Allocated < Size / 2, $"Reading a {Size}-byte value allocated {single.Allocated} bytes.");
        Assert.EndsWith($"\\u0000x\"}},{{\"result\":{Size}}}]", pipeline.Tail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_value_is_read_as_base64_through_the_command_endpoint()
    {
        var key = await LargeValue();
        var request = new HttpRequestMessage(HttpMethod.Post, "/commands") { Content = Json($"""["GET","{key}"]""") };
        request.Headers.Add("Upstash-Encoding", "base64");

        var (length, head, tail, _) = await Read(request);

        Assert.StartsWith("{\"result\":\"AAAA", head, StringComparison.Ordinal);
        Assert.EndsWith("AAeA==\"}", tail, StringComparison.Ordinal);
        Assert.Equal("{\"result\":\"".Length + (Size + 2) / 3 * 4L + "\"}".Length, length);
    }
}

/// <summary>Streaming a value in segments writes exactly the JSON string that writing it whole does.</summary>
public sealed class JsonTextTests
{
    private static async Task<string> Streamed(byte[] value, bool base64)
    {
        using var output = new MemoryStream();
        await using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            await JsonText.WriteAsync(json, value, base64, CancellationToken.None);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static string Whole(byte[] value, bool base64)
    {
        using var output = new MemoryStream();
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            if (base64)
                json.WriteBase64StringValue(value);
            else
                json.WriteStringValue(Encoding.UTF8.GetString(value));
        }
        return Encoding.UTF8.GetString(output.ToArray());
    }

    public static TheoryData<string> Values => new()
    {
        "empty",
        "ascii",
        "two-byte characters across segment boundaries",
        "four-byte characters across segment boundaries",
        "bytes that are not utf-8",
        "characters json escapes",
    };

    private static byte[] Make(string kind) => kind switch
    {
        "empty" => [],
        "ascii" => Encoding.UTF8.GetBytes(new string('a', JsonText.SegmentBytes * 2 + 17)),
        "two-byte characters across segment boundaries" => Encoding.UTF8.GetBytes("x" + string.Concat(Enumerable.Repeat("é", JsonText.SegmentBytes))),
        "four-byte characters across segment boundaries" => Encoding.UTF8.GetBytes("xy" + string.Concat(Enumerable.Repeat("😀", JsonText.SegmentBytes / 2))),
        "bytes that are not utf-8" => Enumerable.Range(0, JsonText.SegmentBytes * 3).Select(i => (byte)(i * 7 % 256)).ToArray(),
        "characters json escapes" => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("\"\\\n\0<", JsonText.SegmentBytes / 3))),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task Streamed_text_is_the_same_json_as_written_whole(string kind)
    {
        var value = Make(kind);

        Assert.Equal(Whole(value, base64: false), await Streamed(value, base64: false));
    }

    [Theory]
    [MemberData(nameof(Values))]
    public async Task Streamed_base64_is_the_same_json_as_written_whole(string kind)
    {
        var value = Make(kind);

        Assert.Equal(Whole(value, base64: true), await Streamed(value, base64: true));
    }
}
