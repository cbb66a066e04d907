using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Lodestone.Api.Tests;

/// <summary>What the API tests say over and over: key URLs, JSON bodies, reading bodies, and what every problem response must look like.</summary>
internal static class Http
{
    /// <summary>The key as one path segment, every reserved character percent-encoded.</summary>
    public static string Segment(string key) => Uri.EscapeDataString(key);

    /// <summary>A URL that matches <paramref name="pattern"/>: a fresh key (prefixed <paramref name="keyPrefix"/>) for {key} and {name}, 0 for {index}, ping for {command}, x for the rest.</summary>
    public static string UrlOf(Microsoft.AspNetCore.Routing.Patterns.RoutePattern pattern, string keyPrefix)
    {
        var url = pattern.RawText!;
        foreach (var parameter in pattern.Parameters)
        {
            var value = parameter.Name switch
            {
                "key" or "name" => Segment(ApiFactory.Key(keyPrefix)),
                "index" => "0",
                "command" => "ping",
                _ => "x",
            };
            var raw = url[url.IndexOf('{', StringComparison.Ordinal)..(url.IndexOf('}', StringComparison.Ordinal) + 1)];
            url = url.Replace(raw, value, StringComparison.Ordinal);
        }
        return "/" + url.TrimStart('/');
    }

    public static string Strings(string key, string suffix = "") => $"/strings/{Segment(key)}{suffix}";

    public static string Keys(string key, string suffix = "") => $"/keys/{Segment(key)}{suffix}";

    /// <summary>A JSON body written out as the client sends it, so tests show the wire format.</summary>
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static ByteArrayContent Bytes(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    /// <summary>Stores a string value the plain way and returns the response (201 or 200).</summary>
    public static async Task<HttpResponseMessage> PutString(this HttpClient client, string key, string value)
    {
        var response = await client.PutAsync(Strings(key), Json(JsonSerializer.Serialize(new { value })));
        Assert.True(response.IsSuccessStatusCode, $"PUT {key} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    /// <summary>GET /strings/{key} and the stored value as text; asserts 200.</summary>
    public static async Task<string> GetValue(this HttpClient client, string key)
    {
        var body = await (await client.GetAsync(Strings(key))).Body(HttpStatusCode.OK);
        return body.GetProperty("value").GetString()!;
    }

    /// <summary>Asserts the status and a JSON body, and returns the body.</summary>
    public static async Task<JsonElement> Body(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// Asserts an RFC 9457 problem as the API promises it: application/problem+json, a
    /// urn:lodestone:problem: type, a title, the status, a detail, the Redis error code and no stack trace.
    /// </summary>
    public static async Task<JsonElement> Problem(this HttpResponseMessage response, HttpStatusCode status, string code = "ERR")
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.StartsWith("urn:lodestone:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }

    /// <summary>The same, for a request still in flight: <c>await Put(...).Problem(...)</c>.</summary>
    public static async Task<JsonElement> Problem(this Task<HttpResponseMessage> response, HttpStatusCode status, string code = "ERR") =>
        await (await response).Problem(status, code);

    /// <summary>The detail of a problem, for assertions on its wording.</summary>
    public static string Detail(this JsonElement problem) => problem.GetProperty("detail").GetString()!;

    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : null;

    /// <summary>The response's ETag exactly as sent (quotes included).</summary>
    public static string ETag(this HttpResponseMessage response) =>
        response.Header("ETag") ?? throw new Xunit.Sdk.XunitException($"{(int)response.StatusCode} response has no ETag.");

    public static HttpRequestMessage Request(HttpMethod method, string url, HttpContent? content = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        foreach (var (name, value) in headers)
            request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    /// <summary>
    /// Every element of a paged read (<paramref name="url"/> with or without a query), following each
    /// page's <c>next</c> token to the end; the elements are the page's <paramref name="member"/> array,
    /// or the properties of its object (a hash's fields, as name-value pairs).
    /// </summary>
    public static async Task<List<JsonElement>> PageThrough(this HttpClient client, string url, string member, int limit = 1000)
    {
        var all = new List<JsonElement>();
        string? next = null;
        var separator = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages < 10_000, "The listing never ended.");
            var page = await (await client.GetAsync($"{url}{separator}limit={limit}" + (next is null ? "" : $"&page={Uri.EscapeDataString(next)}"))).Body(HttpStatusCode.OK);
            var elements = page.GetProperty(member);
            Assert.True(elements.ValueKind is JsonValueKind.Array ? elements.GetArrayLength() <= limit : elements.EnumerateObject().Count() <= limit,
                $"A page held more than its limit of {limit}.");
            if (elements.ValueKind == JsonValueKind.Array)
                all.AddRange(elements.EnumerateArray());
            else
                all.AddRange(elements.EnumerateObject().Select(p => JsonDocument.Parse($"[{JsonSerializer.Serialize(p.Name)},{p.Value.GetRawText()}]").RootElement));
            if (page.GetProperty("next").ValueKind == JsonValueKind.Null)
                return all;
            next = page.GetProperty("next").GetString();
        }
    }
}
