extern alias JsonSchemaNet;

using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JsonSchemaNet::Json.Schema;

namespace Lodestone.Api.Tests;

/// <summary>
/// The service's OpenAPI document as a contract every response of the API tests must keep: the
/// operation is found from the request's method and path, and the response's status must be one it
/// declares, with a media type it declares, a body its schema accepts (JsonSchema.Net, draft 2020-12
/// as OpenAPI 3.1 says), every required header present, every declared header's value matching its
/// schema, and none of the service's own headers (ETag, Location, Retry-After, RateLimit…) sent
/// where the document does not declare them.
/// </summary>
/// <remarks>
/// The document does not depend on configuration (OpenApi.cs), so one copy, fetched from whichever
/// test host asks first, serves all of them.
/// </remarks>
internal sealed partial class OpenApiContract
{
    /// <summary>Routes left out of the document on purpose: health probes, metrics, the document and its UI.</summary>
    private static readonly string[] Undocumented = ["/alive", "/ready", "/health", "/metrics", "/openapi/", "/swagger"];

    /// <summary>The service's own response headers: sent only where the operation declares them.</summary>
    private static readonly string[] OwnHeaders =
        ["ETag", "Location", "Retry-After", "RateLimit", "RateLimit-Policy", "Lodestone-Ttl-Ms", "Upstash-Sync-Token", "WWW-Authenticate",
            "Lodestone-Replication-Offset", "Lodestone-Replication-Lag-Ms"];

    private static readonly Uri BaseUri = new("https://lodestone.test/openapi/v1.json");

    private static readonly SemaphoreSlim Loading = new(1, 1);
    private static OpenApiContract? _loaded;

    private readonly JsonNode _document;
    private readonly List<(Regex Pattern, int[] Rank, JsonObject Item, string Pointer)> _paths = [];
    private readonly BuildOptions _build;
    private readonly Dictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);

    private OpenApiContract(string json)
    {
        _document = JsonNode.Parse(json)!;
        var registry = new SchemaRegistry();
        registry.Register(BaseUri, new JsonElementBaseDocument(JsonDocument.Parse(json).RootElement.Clone(), BaseUri));
        _build = new BuildOptions { SchemaRegistry = registry };
        foreach (var (template, item) in _document["paths"]!.AsObject())
        {
            var segments = template.Trim('/').Split('/');
            var pattern = "^" + string.Concat(segments.Select(segment =>
                IsCatchAll(segment) ? "(/.*)?"
                : segment.StartsWith('{') ? "/[^/]+"
                : "/" + Regex.Escape(segment))) + "$";
            // Routing's precedence: a literal segment beats a parameter, which beats a catch-all.
            var rank = segments.Select(segment => IsCatchAll(segment) ? 0 : segment.StartsWith('{') ? 1 : 2).ToArray();
            _paths.Add((new Regex(pattern, RegexOptions.CultureInvariant), rank, item!.AsObject(), "/paths/" + Escape(template)));
        }
        _paths.Sort((a, b) => CompareRanks(b.Rank, a.Rank));
    }

    /// <summary>
    /// The command endpoint's path form, <c>/commands/{command}/{**arguments}</c>: OpenAPI has no
    /// catch-all parameter, so the document names it <c>{arguments}</c> and says so in its description.
    /// </summary>
    private static bool IsCatchAll(string segment) => segment is "{arguments}";

    /// <summary>The contract, fetched once through <paramref name="send"/> (the first test host's own connection).</summary>
    public static async Task<OpenApiContract> LoadAsync(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send, Uri server, CancellationToken cancellation)
    {
        if (_loaded is { } loaded)
            return loaded;
        await Loading.WaitAsync(cancellation);
        try
        {
            if (_loaded is null)
            {
                using var response = await send(new HttpRequestMessage(HttpMethod.Get, new Uri(server, "/openapi/v1.json")), cancellation);
                var json = await response.Content.ReadAsStringAsync(cancellation);
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"GET /openapi/v1.json answered {(int)response.StatusCode}: {json}");
                _loaded = new OpenApiContract(json);
            }
            return _loaded;
        }
        finally
        {
            Loading.Release();
        }
    }

    /// <summary>What the response breaks of the contract; empty when it keeps it.</summary>
    public List<string> Check(HttpRequestMessage request, HttpResponseMessage response, byte[]? body)
    {
        var problems = new List<string>();
        // Routing ignores a trailing slash (/keys/ is /keys).
        var path = request.RequestUri!.AbsolutePath is { Length: > 1 } raw ? raw.TrimEnd('/') : "/";
        var status = (int)response.StatusCode;
        // CORS preflights are answered by the CORS layer for every route (CorsTests); Kestrel refuses
        // a request it cannot parse (a NUL in the path, headers too large) with an empty 4xx before
        // any route sees it. Neither is an operation's response.
        if (request.Method == HttpMethod.Options || (status is 400 or 414 or 431 && body is [] && response.Content.Headers.ContentType is null))
            return problems;
        var route = _paths.FirstOrDefault(p => p.Pattern.IsMatch(path));
        if (route.Item is null)
        {
            // An unmatched route's 404, or a route the document leaves out on purpose.
            if (status != 404 && !Undocumented.Any(prefix => path.StartsWith(prefix, StringComparison.Ordinal)))
                problems.Add($"no operation in the document matches {path}");
            return problems;
        }
        var head = request.Method == HttpMethod.Head;
        var method = (head ? "get" : request.Method.Method).ToLowerInvariant();
        if (route.Item[method] is not JsonObject operation)
        {
            // No such method here (405, or 404 from the command endpoint's catch-all) — or a refusal that
            // comes before routing looks at the method: no key (401), protected mode (403), the rate limiter (429).
            if (status is not (405 or 404 or 401 or 403 or 429))
                problems.Add($"the document has no {request.Method} operation on {route.Pointer[7..]}, but it answered {status}");
            return problems;
        }
        var operationPointer = $"{route.Pointer}/{method}";
        var responses = operation["responses"]!.AsObject();
        var key = status.ToString(CultureInfo.InvariantCulture);
        var declared = responses[key] ?? responses[$"{status / 100}XX"] ?? responses["default"];
        if (declared is null)
        {
            problems.Add($"status {status} is not documented for {operation["operationId"]} (documented: {string.Join(", ", responses.Select(r => r.Key))})");
            return problems;
        }
        var responsePointer = $"{operationPointer}/responses/{Escape(responses.ContainsKey(key) ? key : declared == responses["default"] ? "default" : $"{status / 100}XX")}";
        (var definition, responsePointer) = Resolve(declared, responsePointer);

        CheckHeaders(definition, response, problems);
        if (head)
        {
            if (body is { Length: > 0 })
                problems.Add("a HEAD response has a body");
            return problems;
        }
        CheckBody(definition, responsePointer, response, body, problems);
        return problems;
    }

    private void CheckHeaders(JsonObject definition, HttpResponseMessage response, List<string> problems)
    {
        var declared = definition["headers"] as JsonObject ?? [];
        foreach (var (name, reference) in declared)
        {
            var (header, pointer) = Resolve(reference!, "");
            var value = HeaderValue(response, name);
            if (value is null)
            {
                if (header["required"]?.GetValue<bool>() == true)
                    problems.Add($"the required header {name} is missing");
                continue;
            }
            if (header["schema"] is null)
                continue;
            var type = Resolve(header["schema"]!, "").Node["type"]?.ToString();
            JsonNode? instance = type is "integer" or "number" && decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? JsonValue.Create(number)
                : JsonValue.Create(value);
            var errors = Validate($"{pointer}/schema", instance);
            if (errors is not null)
                problems.Add($"header {name}: {value}: {errors}");
        }
        foreach (var own in OwnHeaders)
        {
            if (HeaderValue(response, own) is { } value && !declared.Any(h => string.Equals(h.Key, own, StringComparison.OrdinalIgnoreCase)))
                problems.Add($"header {own}: {value} is sent but not declared for status {(int)response.StatusCode}");
        }
    }

    /// <param name="body">The body, or null when it was not read (an event stream, or too large to check): then only its media type is.</param>
    private void CheckBody(JsonObject definition, string pointer, HttpResponseMessage response, byte[]? body, List<string> problems)
    {
        var content = definition["content"] as JsonObject;
        if (body is [])
        {
            // A declared body may be absent only where the response is empty by nature.
            if (content is { Count: > 0 } && response.StatusCode is not (System.Net.HttpStatusCode.NoContent or System.Net.HttpStatusCode.NotModified))
                problems.Add($"no body, but the document declares {string.Join(", ", content.Select(c => c.Key))}");
            return;
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (content is null || mediaType is null || content[mediaType] is not JsonObject media)
        {
            problems.Add($"a {mediaType ?? "body without a Content-Type"} body, but the document declares {(content is null ? "no body" : string.Join(", ", content.Select(c => c.Key)))}");
            return;
        }
        // A compressed body is checked for its media type only (the compression tests decode it themselves).
        if (body is null || response.Content.Headers.ContentEncoding.Count > 0 || media["schema"] is null || !mediaType.EndsWith("json", StringComparison.Ordinal))
            return;
        JsonNode? instance;
        try
        {
            instance = JsonNode.Parse(body);
        }
        catch (JsonException invalid)
        {
            problems.Add($"the {mediaType} body is not JSON: {invalid.Message}");
            return;
        }
        var errors = Validate($"{pointer}/content/{Escape(mediaType)}/schema", instance);
        if (errors is not null)
            problems.Add($"the body does not match its schema: {errors}");
    }

    /// <summary>The errors of <paramref name="instance"/> against the schema at <paramref name="pointer"/>, or null when it is valid.</summary>
    private string? Validate(string pointer, JsonNode? instance)
    {
        using var parsed = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        EvaluationResults result;
        // The schema registry is a plain dictionary: building a schema registers it, evaluating one reads
        // it, and the tests run in parallel, so one at a time (it is quick next to the request itself).
        lock (_schemas)
        {
            if (!_schemas.TryGetValue(pointer, out var schema))
                _schemas[pointer] = schema = JsonSchema.FromText($$"""{"$ref":"{{BaseUri}}#{{UriPointer(pointer)}}"}""", _build);
            result = schema.Evaluate(parsed.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        }
        if (result.IsValid)
            return null;
        var errors = (result.Details ?? [])
            .Where(detail => detail.Errors is { Count: > 0 })
            .SelectMany(detail => detail.Errors!.Select(error => $"{detail.InstanceLocation}: {error.Value}"))
            .Distinct()
            .Take(8);
        return string.Join("; ", errors);
    }

    /// <summary>Follows a <c>$ref</c> to a component; returns the object and its pointer.</summary>
    private (JsonObject Node, string Pointer) Resolve(JsonNode node, string pointer)
    {
        while (node["$ref"]?.GetValue<string>() is { } reference)
        {
            pointer = reference.TrimStart('#');
            node = pointer.Split('/').Skip(1).Aggregate(_document, (at, part) => at[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]!);
        }
        return (node.AsObject(), pointer);
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;

    /// <summary>A JSON pointer as a URI fragment: each token percent-encoded ('+' in "problem+json" would read as a space).</summary>
    private static string UriPointer(string pointer) =>
        string.Join('/', pointer.Split('/').Select(Uri.EscapeDataString));

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static int CompareRanks(int[] a, int[] b)
    {
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
                return a[i].CompareTo(b[i]);
        }
        return a.Length.CompareTo(b.Length);
    }
}

/// <summary>
/// Checks each response the test client gets against <see cref="OpenApiContract"/> and throws
/// <see cref="ContractViolationException"/> when it breaks it, so a schema that drifts from what the service
/// does fails the test that saw it. A request marked with <see cref="Unchecked"/> is passed through
/// (a test that reads a response as a stream, or cancels one half-read).
/// </summary>
public sealed class ContractCheckingHandler : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<bool> Unchecked = new("lodestone.contract.unchecked");

    /// <summary>Bodies up to this size are read and checked; a larger one (the 100 MB value tests) is passed on unread, its status and headers checked.</summary>
    private const int MaxCheckedBody = 4 << 20;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Options.TryGetValue(Unchecked, out var skip) && skip)
            return response;
        var contract = await OpenApiContract.LoadAsync(base.SendAsync, request.RequestUri!, cancellationToken);
        // An event stream stays open: only what comes before its body is checked.
        var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? null : await ReadPrefixAsync(response, cancellationToken);
        var problems = contract.Check(request, response, body);
        if (problems.Count == 0)
            return response;
        var text = body is null ? "(not read)" : Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 2000));
        throw new ContractViolationException($"{request.Method} {request.RequestUri!.PathAndQuery} answered {(int)response.StatusCode} " +
            $"({response.Content.Headers.ContentType}) against the OpenAPI document:\n  - {string.Join("\n  - ", problems)}\nBody: {text}");
    }

    /// <summary>
    /// The whole body when it is at most <see cref="MaxCheckedBody"/> bytes, else null; either way the
    /// response's content is replaced by one that gives the caller every byte, still as a stream.
    /// </summary>
    private static async Task<byte[]?> ReadPrefixAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        var original = response.Content;
        var stream = await original.ReadAsStreamAsync(cancellation);
        var prefix = new MemoryStream();
        var chunk = new byte[16 << 10];
        int read;
        while (prefix.Length <= MaxCheckedBody && (read = await stream.ReadAsync(chunk, cancellation)) > 0)
            prefix.Write(chunk, 0, read);
        var complete = prefix.Length <= MaxCheckedBody;
        HttpContent replacement = complete
            ? new ByteArrayContent(prefix.ToArray())
            : new StreamContent(new PrefixedStream(prefix.ToArray(), stream));
        foreach (var header in original.Headers)
            replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
        response.Content = replacement;
        return complete ? prefix.ToArray() : null;
    }

    /// <summary>The bytes already read, then the rest of the stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position == prefix.Length)
                return rest.Read(buffer);
            var n = Math.Min(buffer.Length, prefix.Length - _position);
            prefix.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == prefix.Length)
                return await rest.ReadAsync(buffer, cancellationToken);
            return Read(buffer.Span);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                rest.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>A response that the OpenAPI document does not describe.</summary>
public sealed class ContractViolationException(string message) : Exception(message);

/// <summary>Test clients that check every response against the OpenAPI document.</summary>
public static class ContractClients
{
    /// <summary>A client of <paramref name="factory"/>'s host whose every response is checked (see <see cref="ContractCheckingHandler"/>).</summary>
    /// <remarks>No redirects followed, no cookies kept: the API uses neither. The client's base address is the server's.</remarks>
    public static HttpClient CreateCheckedClient<T>(this Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<T> factory) where T : class =>
        factory.CreateDefaultClient(new ContractCheckingHandler());
}
