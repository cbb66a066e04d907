using System.Buffers;
using System.Text.Json;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Protocol;
using Lodestone.Engine.Execution;
using Lodestone.Engine.PubSub;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// <c>/commands</c>: every command in the table over HTTP, in the Upstash REST protocol, so Upstash
/// clients (e.g. <c>@upstash/redis</c> configured with <c>http://host:port/commands</c>) work unchanged.
/// </summary>
/// <remarks>
/// Routes: <c>POST /commands</c> with <c>["SET","k","v"]</c>; <c>POST /commands/pipeline</c> with an
/// array of commands (run in order, not atomically); <c>POST /commands/multi-exec</c> (run back to back,
/// nothing in between — MULTI/EXEC); and the path form <c>GET|POST|PUT|HEAD /commands/set/k/v?EX=100</c>.
/// Every failure, auth and size limits included, is an Upstash <c>{"error": "…"}</c> body.
/// </remarks>
internal static class CommandsEndpoints
{
    public static RouteGroupBuilder MapCommands(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<IOptions<CommandSettings>>().Value;
        var group = app.MapGroup("/commands").WithTags("Commands")
            .WithMetadata(UpstashErrors.Instance, new BodySizeLimit.Metadata(limits.MaxRequestBodyBytes))
            .RequireApiKey(app);

        group.MapPost("", Single)
            .WithName("runCommand").WithSummary("Run one command: [\"SET\",\"key\",\"value\"]")
            .WithDescription("Runs one command given as a JSON array. Numbers are passed as the text they were written with, booleans as \"true\"/\"false\". " +
                "Replies are {\"result\": …} (200) or {\"error\": \"<Redis error text>\"} (400). Headers: Upstash-Encoding: base64 encodes every string of the result " +
                "except a top-level \"OK\"; Upstash-Response-Format: resp2 returns the raw RESP2 reply.")
            .Accepts<string[]>("application/json", "*/*").Produces<CommandResult>()
            .WithMetadata(new OpenApiExamples("""["SET","greeting","hello","EX",100]""", """{"result":"OK"}"""));
        group.MapPost("/pipeline", Pipeline)
            .WithName("runPipeline").WithSummary("Run commands in order: [[\"SET\",\"a\",\"1\"],[\"INCR\",\"a\"]]")
            .WithDescription("Runs each command in order (others may run in between). Always 200 with one {\"result\"} or {\"error\"} per command.")
            .WithMetadata(new OpenApiExamples("""[["SET","n","1"],["INCR","n"],["INCR","greeting"]]""",
                """[{"result":"OK"},{"result":2},{"error":"ERR value is not an integer or out of range"}]"""))
            .Accepts<string[][]>("application/json", "*/*").Produces<CommandResult[]>();
        group.MapPost("/multi-exec", MultiExec)
            .WithName("runTransaction").WithSummary("Run commands as a transaction (MULTI/EXEC)")
            .WithDescription("Runs the commands back to back with nothing in between. A command that fails while running does not undo the others; " +
                "a malformed command (unknown, wrong arity, not permitted) rejects the whole transaction with 400 EXECABORT before anything runs.")
            .WithMetadata(new OpenApiExamples("""[["SET","stock","10"],["DECR","stock"],["GET","stock"]]""", """[{"result":"OK"},{"result":9},{"result":"9"}]"""))
            .Accepts<string[][]>("application/json", "*/*").Produces<CommandResult[]>();
        // Upstash's subscribe: @upstash/redis POSTs to {base}/subscribe/{channel} (or psubscribe) and reads SSE.
        group.MapPost("/subscribe/{channel}", (HttpContext http, EngineClient engine, IHostApplicationLifetime lifetime) => UpstashSubscribeAsync(http, engine, lifetime, SubscriptionKind.Channel))
            .WithName("upstashSubscribe").WithSummary("SUBSCRIBE channel, as Upstash's clients do: Server-Sent Events")
            .WithDescription("Streams 'data: subscribe,<channel>,1', then 'data: message,<channel>,<message>' per message (the Upstash REST format). The body is ignored.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream");
        group.MapPost("/psubscribe/{pattern}", (HttpContext http, EngineClient engine, IHostApplicationLifetime lifetime) => UpstashSubscribeAsync(http, engine, lifetime, SubscriptionKind.Pattern))
            .WithName("upstashPSubscribe").WithSummary("PSUBSCRIBE pattern, as Upstash's clients do: Server-Sent Events")
            .WithDescription("Streams 'data: psubscribe,<pattern>,1', then 'data: pmessage,<pattern>,<channel>,<message>' per message (the Upstash REST format).")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream");
        // The path form, one route per method so that each has an operationId of its own.
        foreach (var (method, operationId) in PathFormMethods)
        {
            group.MapMethods("/{command}/{**arguments}", [method], PathForm)
                .WithName(operationId).WithSummary("Run one command from the URL: /commands/set/key/value?EX=100")
                .WithDescription("Path segments are the command and its arguments, percent-decoded; a POST or PUT body is appended as one raw argument; " +
                    "query parameters are appended as name, then value.")
                .Produces<CommandResult>();
        }
        // Any other method, on any command URL: an Upstash error, not an empty 405.
        group.Map("", MethodNotAllowed).WithOrder(1).ExcludeFromDescription();
        group.Map("/{**rest}", MethodNotAllowed).WithOrder(1).ExcludeFromDescription();
        return group;
    }

    /// <summary>The methods of the path form, and each one's operationId.</summary>
    private static readonly (string Method, string OperationId)[] PathFormMethods =
    [
        (HttpMethods.Get, "getPathCommand"),
        (HttpMethods.Post, "postPathCommand"),
        (HttpMethods.Put, "putPathCommand"),
        (HttpMethods.Head, "headPathCommand"),
    ];

    /// <summary>A successful reply (OpenAPI shape; the value is any RESP2-shaped JSON).</summary>
    public sealed record CommandResult(JsonElement Result);

    /// <summary>A failed command: Redis's error text with its code (ERR, WRONGTYPE, NOPERM…).</summary>
    public sealed record CommandError(string Error);

    private static async Task Single(HttpContext http, EngineClient engine, IOptions<CommandSettings> settings)
    {
        var body = await ReadBodyAsync(http);
        if (body is not null && await TryParseAsync(http, body, UpstashJson.ParseCommand, settings.Value.MaxArguments) is { } args)
            await RespondAsync(http, await engine.RunAsync(args));
    }

    private static async Task PathForm(HttpContext http, EngineClient engine, IOptions<CommandSettings> settings)
    {
        var args = new List<byte[]>();
        var path = RawTarget.Path(http);
        var start = path.IndexOf("commands/", StringComparison.OrdinalIgnoreCase);
        foreach (var segment in path[(start + "commands/".Length)..].Split('/'))
            args.Add(RawTarget.Decode(segment));
        if (http.Request.Method is "POST" or "PUT")
        {
            var raw = await ReadBodyAsync(http);
            if (raw is null)
                return;
            if (raw.Length > 0)
                args.Add(raw);
        }
        foreach (var (name, value) in RawTarget.Query(http))
        {
            if (name.AsSpan().SequenceEqual("_token"u8))
                continue;
            args.Add(name);
            if (value is not null)
                args.Add(value);
        }
        if (args.Count > settings.Value.MaxArguments)
        {
            await FailAsync(http, $"ERR a command may have at most {settings.Value.MaxArguments} arguments (Commands:MaxArguments)");
            return;
        }
        await RespondAsync(http, await engine.RunAsync([.. args]));
    }

    private static async Task Pipeline(HttpContext http, EngineClient engine, IOptions<CommandSettings> settings)
    {
        var commands = await ReadCommandListAsync(http, settings.Value.MaxArguments);
        if (commands is null)
            return;
        // In order, as one batch; other callers may interleave.
        var replies = await engine.RunBatchAsync(commands);
        await RespondAsync(http, replies, asTransaction: false);
    }

    private static async Task MultiExec(HttpContext http, EngineClient engine, IOptions<CommandSettings> settings)
    {
        var commands = await ReadCommandListAsync(http, settings.Value.MaxArguments);
        if (commands is null)
            return;
        // Queue-time checks first, as MULTI does: one malformed command discards the transaction.
        foreach (var command in commands)
        {
            if (engine.Check(command) is { } invalid)
            {
                await FailAsync(http, "EXECABORT Transaction discarded because of previous errors: " + invalid.Message);
                return;
            }
        }
        var results = await engine.ExecuteAtomicAsync(commands.Select(c => (c, (byte[]?)null, (KeyCondition?)null)));
        await RespondAsync(http, results.Select(r => r.Reply).ToArray(), asTransaction: true);
    }

    private static Task MethodNotAllowed(HttpContext http)
    {
        http.Response.Headers.Allow = "GET, POST, PUT, HEAD";
        return FailAsync(http, $"ERR method {http.Request.Method} is not allowed: POST a JSON command, or use GET, POST, PUT or HEAD with /commands/<command>/<args>",
            StatusCodes.Status405MethodNotAllowed);
    }

    private static async Task<byte[][][]?> ReadCommandListAsync(HttpContext http, int maxArguments)
    {
        var body = await ReadBodyAsync(http);
        return body is null ? null : await TryParseAsync(http, body, UpstashJson.ParseCommandList, maxArguments);
    }

    private delegate T? Parser<T>(ReadOnlySpan<byte> body, int limit, out string? error) where T : class;

    /// <summary>The body parsed in one pass, or null after answering 400 with what is wrong (invalid JSON first).</summary>
    private static async Task<T?> TryParseAsync<T>(HttpContext http, byte[] body, Parser<T> parse, int limit) where T : class
    {
        string? error;
        try
        {
            if (parse(body, limit, out error) is { } parsed)
                return parsed;
        }
        catch (JsonException invalid)
        {
            error = $"ERR the body is not valid JSON: {invalid.Message}";
        }
        await FailAsync(http, error!);
        return null;
    }

    /// <summary>The whole body, or null after answering 413 (a body without a declared length can pass the limit mid-read).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext http)
    {
        try
        {
            using var buffer = new MemoryStream(http.Request.ContentLength is { } length and < int.MaxValue ? (int)length : 0);
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            return buffer.ToArray();
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await FailAsync(http, "ERR the request body is larger than the limit (Commands:MaxRequestBodyBytes)", StatusCodes.Status413PayloadTooLarge);
            return null;
        }
    }

    /// <summary>A subscription in the Upstash REST format: comma-separated fields in each SSE <c>data:</c> line.</summary>
    private static async Task UpstashSubscribeAsync(HttpContext http, EngineClient engine, IHostApplicationLifetime lifetime, SubscriptionKind kind)
    {
        var name = Infrastructure.RouteKey.Segment(http, kind == SubscriptionKind.Pattern ? "pattern" : "channel");
        if (engine.RefuseChannel(name) is { } denied)
        {
            await FailAsync(http, denied.Message, StatusCodes.Status403Forbidden);
            return;
        }
        using var subscriber = engine.OpenSubscriber(out var refused);
        if (subscriber is null)
        {
            await FailAsync(http, refused!.Message, StatusCodes.Status503ServiceUnavailable);
            return;
        }
        subscriber.Subscribe(kind, [name]);
        static string Text(byte[]? bytes) => bytes is null ? "" : System.Text.Encoding.UTF8.GetString(bytes);
        await EventStream.RunAsync(http, subscriber, lifetime, message => EventStream.Data(message.Payload is null
            ? $"{message.Kind},{Text(message.Channel)},{message.Count}"
            : message.Pattern is { } pattern
                ? $"pmessage,{Text(pattern)},{Text(message.Channel)},{Text(message.Payload)}"
                : $"{message.Kind},{Text(message.Channel)},{Text(message.Payload)}"));
    }

    private static Task FailAsync(HttpContext http, string error, int status = StatusCodes.Status400BadRequest) =>
        UpstashErrors.WriteAsync(http, status, error);

    private static async Task RespondAsync(HttpContext http, Reply reply)
    {
        // An engine failure (a bug, already logged by the engine with the command's name) is the
        // server's fault, not the request's: 500, with the same {"error"} body as any failed command.
        http.Response.StatusCode = !reply.IsError ? StatusCodes.Status200OK
            : reply.AsError().Kind == ErrorKind.Internal ? StatusCodes.Status500InternalServerError
            : StatusCodes.Status400BadRequest;
        if (reply.IsError && reply.AsError().Kind is ErrorKind.Loading or ErrorKind.Unavailable or ErrorKind.PersistenceFailed or ErrorKind.DiskFull or ErrorKind.OutOfMemory)
            http.Response.Headers.RetryAfter = "1";
        if (WantsResp2(http.Request))
        {
            await WriteResp2Async(http, writer => Resp2.Write(writer, reply));
            return;
        }
        http.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(http.Response.Body, UpstashJson.WriterOptions);
        await UpstashJson.WriteEntryAsync(json, reply, WantsBase64(http.Request), http.RequestAborted);
    }

    private static async Task RespondAsync(HttpContext http, IReadOnlyList<Reply> replies, bool asTransaction)
    {
        // One failed command does not cost the others their replies: an engine failure (logged by the
        // engine) is that command's {"error"} entry.
        http.Response.StatusCode = StatusCodes.Status200OK;
        if (WantsResp2(http.Request))
        {
            // A pipeline's replies follow one another, as on a Redis connection; EXEC's are one array.
            await WriteResp2Async(http, writer =>
            {
                if (asTransaction)
                    Resp2.Write(writer, Reply.Array([.. replies]));
                else
                    foreach (var reply in replies)
                        Resp2.Write(writer, reply);
            });
            return;
        }
        http.Response.ContentType = "application/json";
        var base64 = WantsBase64(http.Request);
        // Read once: Kestrel takes a lock for it on every read, and a pipeline has a reply per command.
        var aborted = http.RequestAborted;
        await using var json = new Utf8JsonWriter(http.Response.Body, UpstashJson.WriterOptions);
        json.WriteStartArray();
        foreach (var reply in replies)
            await UpstashJson.WriteEntryAsync(json, reply, base64, aborted);
        json.WriteEndArray();
    }

    private static async Task WriteResp2Async(HttpContext http, Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        http.Response.ContentType = "application/octet-stream";
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
    }

    private static bool WantsBase64(HttpRequest request) =>
        string.Equals(request.Headers["Upstash-Encoding"], "base64", StringComparison.OrdinalIgnoreCase);

    private static bool WantsResp2(HttpRequest request) =>
        string.Equals(request.Headers["Upstash-Response-Format"], "resp2", StringComparison.OrdinalIgnoreCase);
}
