using System.Net;
using System.Text.Json;

namespace Lodestone.Api.Tests;

/// <summary>The OpenAPI document gives each route a method-friendly operationId, names the Redis command it runs, and documents what the routes really accept and answer.</summary>
public sealed class OpenApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    public static TheoryData<string, string, string, string> Routes => new()
    {
        { "get", "/strings/{key}", "GET", "GET key" },
        { "put", "/strings/{key}", "SET", "SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]" },
        { "delete", "/strings/{key}", "GETDEL", "GETDEL key" },
        { "post", "/strings/{key}/incr", "INCRBY", "INCRBY key increment" },
        { "post", "/strings/{key}/decr", "DECRBY", "DECRBY key decrement" },
        { "post", "/strings/{key}/incrbyfloat", "INCRBYFLOAT", "INCRBYFLOAT key increment" },
        { "post", "/strings/{key}/append", "APPEND", "APPEND key value" },
        { "get", "/strings/{key}/range", "GETRANGE", "GETRANGE key start end" },
        { "put", "/strings/{key}/range", "SETRANGE", "SETRANGE key offset value" },
        { "post", "/strings/mget", "MGET", "MGET key [key ...]" },
        { "post", "/strings/mset", "MSET", "MSET key value [key value ...]" },
        { "get", "/keys", "SCAN", "SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]" },
        { "get", "/keys/{key}", "TYPE", "TYPE key" },
        { "delete", "/keys/{key}", "DEL", "DEL key [key ...]" },
        { "put", "/keys/{key}/expiry", "PEXPIRE", "PEXPIRE key milliseconds [NX | XX | GT | LT]" },
        { "delete", "/keys/{key}/expiry", "PERSIST", "PERSIST key" },
        { "post", "/keys/{key}/rename", "RENAME", "RENAME key newkey" },
        { "post", "/keys/{key}/copy", "COPY", "COPY source destination [DB destination-db] [REPLACE]" },
        { "get", "/sets/{key}", "SMEMBERS", "SMEMBERS key" },
        { "get", "/sets/{key}/members", "SSCAN", "SSCAN key cursor [MATCH pattern] [COUNT count]" },
        { "get", "/sets/{key}/members/{member}", "SISMEMBER", "SISMEMBER key member" },
        { "post", "/sets/{key}/contains", "SMISMEMBER", "SMISMEMBER key member [member ...]" },
        { "get", "/sets/{key}/cardinality", "SCARD", "SCARD key" },
        { "get", "/sets/{key}/random", "SRANDMEMBER", "SRANDMEMBER key [count]" },
        { "post", "/sets/{key}/members", "SADD", "SADD key member [member ...]" },
        { "delete", "/sets/{key}/members", "SREM", "SREM key member [member ...]" },
        { "put", "/sets/{key}/members/{member}", "SADD-MEMBER", "SADD key member [member ...]" },
        { "delete", "/sets/{key}/members/{member}", "SREM-MEMBER", "SREM key member [member ...]" },
        { "post", "/sets/{key}/pop", "SPOP", "SPOP key [count]" },
        { "post", "/sets/{key}/move", "SMOVE", "SMOVE source destination member" },
        { "post", "/sets/inter", "SINTER", "SINTER key [key ...]" },
        { "post", "/sets/union", "SUNION", "SUNION key [key ...]" },
        { "post", "/sets/diff", "SDIFF", "SDIFF key [key ...]" },
        { "post", "/sets/intercard", "SINTERCARD", "SINTERCARD numkeys key [key ...] [LIMIT limit]" },
        { "get", "/hashes/{key}", "HGETALL", "HGETALL key" },
        { "put", "/hashes/{key}", "HMSET", "HMSET key field value [field value ...]" },
        { "get", "/hashes/{key}/length", "HLEN", "HLEN key" },
        { "get", "/hashes/{key}/fields", "HSCAN", "HSCAN key cursor [MATCH pattern] [COUNT count]" },
        { "get", "/hashes/{key}/values", "HVALS", "HVALS key" },
        { "post", "/hashes/{key}/mget", "HMGET", "HMGET key field [field ...]" },
        { "get", "/hashes/{key}/random", "HRANDFIELD", "HRANDFIELD key [count [WITHVALUES]]" },
        { "get", "/hashes/{key}/fields/{field}", "HGET", "HGET key field" },
        { "head", "/hashes/{key}/fields/{field}", "HEXISTS", "HEXISTS key field" },
        { "put", "/hashes/{key}/fields/{field}", "HSET", "HSET key field value [field value ...]" },
        { "delete", "/hashes/{key}/fields/{field}", "HDEL", "HDEL key field [field ...]" },
        { "post", "/hashes/{key}/fields/{field}/incr", "HINCRBY", "HINCRBY key field increment" },
        { "post", "/hashes/{key}/fields/{field}/incrbyfloat", "HINCRBYFLOAT", "HINCRBYFLOAT key field increment" },
        { "get", "/lists/{key}", "LRANGE", "LRANGE key start stop" },
        { "get", "/lists/{key}/length", "LLEN", "LLEN key" },
        { "get", "/lists/{key}/items/{index}", "LINDEX", "LINDEX key index" },
        { "get", "/lists/{key}/position", "LPOS", "LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]" },
        { "post", "/lists/{key}/left", "LPUSH", "LPUSH key element [element ...]" },
        { "post", "/lists/{key}/right", "RPUSH", "RPUSH key element [element ...]" },
        { "post", "/lists/{key}/left/pop", "LPOP", "LPOP key [count]" },
        { "post", "/lists/{key}/right/pop", "RPOP", "RPOP key [count]" },
        { "put", "/lists/{key}/items/{index}", "LSET", "LSET key index element" },
        { "post", "/lists/{key}/insert", "LINSERT", "LINSERT key <BEFORE | AFTER> pivot element" },
        { "delete", "/lists/{key}/items", "LREM", "LREM key count element" },
        { "post", "/lists/{key}/trim", "LTRIM", "LTRIM key start stop" },
        { "post", "/lists/{key}/move", "LMOVE", "LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>" },
        { "post", "/lists/mpop", "LMPOP", "LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]" },
        { "get", "/zsets/{key}", "ZCARD", "ZCARD key" },
        { "post", "/zsets/{key}/members", "ZADD", "ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]" },
        { "get", "/zsets/{key}/members/{member}", "ZSCORE", "ZSCORE key member" },
        { "delete", "/zsets/{key}/members", "ZREM", "ZREM key member [member ...]" },
        { "delete", "/zsets/{key}/members/{member}", "ZREM-MEMBER", "ZREM key member [member ...]" },
        { "post", "/zsets/{key}/members/{member}/incr", "ZINCRBY", "ZINCRBY key increment member" },
        { "get", "/zsets/{key}/members/{member}/rank", "ZRANK", "ZRANK key member [WITHSCORE]" },
        { "get", "/zsets/{key}/count", "ZCOUNT", "ZCOUNT key min max" },
        { "get", "/zsets/{key}/members", "ZRANGE", "ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]" },
        { "post", "/zsets/{key}/popmin", "ZPOPMIN", "ZPOPMIN key [count]" },
        { "post", "/zsets/{key}/popmax", "ZPOPMAX", "ZPOPMAX key [count]" },
        { "post", "/zsets/union", "ZUNION", "ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]" },
        { "post", "/zsets/inter", "ZINTER", "ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]" },
        { "post", "/zsets/diff", "ZDIFF", "ZDIFF numkeys key [key ...] [WITHSCORES]" },
        { "put", "/hashes/{key}/fields/{field}/expiry", "HPEXPIRE", "HPEXPIRE key milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]" },
        { "delete", "/hashes/{key}/fields/{field}/expiry", "HPERSIST", "HPERSIST key FIELDS numfields field [field ...]" },
        { "post", "/channels/{channel}/messages", "PUBLISH", "PUBLISH channel message" },
        { "get", "/channels/{channel}/events", "SUBSCRIBE", "SUBSCRIBE channel [channel ...]" },
        { "get", "/channels", "PSUBSCRIBE", "PSUBSCRIBE pattern [pattern ...]" },
        { "get", "/keys/{key}/events", "SUBSCRIBE-KEY", "SUBSCRIBE channel [channel ...]" },
        { "post", "/geo/{key}/places", "GEOADD", "GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]" },
        { "get", "/geo/{key}/places/{member}", "GEOPOS", "GEOPOS key [member [member ...]]" },
        { "delete", "/geo/{key}/places/{member}", "ZREM-PLACE", "ZREM key member [member ...]" },
        { "get", "/geo/{key}/distance", "GEODIST", "GEODIST key member1 member2 [M | KM | FT | MI]" },
        { "get", "/geo/{key}/search", "GEOSEARCH", "GEOSEARCH key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]" },
        { "get", "/streams/{key}", "XINFO", "XINFO STREAM key [FULL [COUNT count]] | XINFO GROUPS key | XINFO CONSUMERS key group | XINFO HELP" },
        { "post", "/streams/{key}/entries", "XADD", "XADD key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]" },
        { "get", "/streams/{key}/entries", "XRANGE", "XRANGE key start end [COUNT count]" },
        { "get", "/streams/{key}/entries/{id}", "XRANGE-ONE", "XRANGE key start end [COUNT count]" },
        { "delete", "/streams/{key}/entries/{id}", "XDEL", "XDEL key id [id ...]" },
        { "post", "/streams/{key}/trim", "XTRIM", "XTRIM key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]" },
        { "get", "/streams/{key}/events", "XREAD", "XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]" },
        { "get", "/streams/{key}/groups", "XINFO-GROUPS", "XINFO STREAM key [FULL [COUNT count]] | XINFO GROUPS key | XINFO CONSUMERS key group | XINFO HELP" },
        { "put", "/streams/{key}/groups/{group}", "XGROUP", "XGROUP CREATE key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read] | XGROUP SETID key group <id | $> [ENTRIESREAD entries-read] | XGROUP DESTROY key group | XGROUP CREATECONSUMER key group consumer | XGROUP DELCONSUMER key group consumer | XGROUP HELP" },
        { "delete", "/streams/{key}/groups/{group}", "XGROUP-DESTROY", "XGROUP CREATE key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read] | XGROUP SETID key group <id | $> [ENTRIESREAD entries-read] | XGROUP DESTROY key group | XGROUP CREATECONSUMER key group consumer | XGROUP DELCONSUMER key group consumer | XGROUP HELP" },
        { "post", "/streams/{key}/groups/{group}/read", "XREADGROUP", "XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]" },
        { "post", "/streams/{key}/groups/{group}/ack", "XACK", "XACK key group id [id ...]" },
        { "get", "/streams/{key}/groups/{group}/pending", "XPENDING", "XPENDING key group [[IDLE min-idle-time] start end count [consumer]]" },
        { "post", "/streams/{key}/groups/{group}/claim", "XCLAIM", "XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]" },
        { "post", "/locks/{name}", "LOCK.ACQUIRE", "LOCK.ACQUIRE name ttl-ms [OWNER owner] [WAIT ms]" },
        { "patch", "/locks/{name}", "LOCK.EXTEND", "LOCK.EXTEND name owner ttl-ms" },
        { "delete", "/locks/{name}", "LOCK.RELEASE", "LOCK.RELEASE name owner" },
        { "get", "/locks/{name}", "LOCK.INFO", "LOCK.INFO name" },
        { "post", "/locks/{name}/fence", "LOCK.FENCE", "LOCK.FENCE name token" },
        { "post", "/ratelimits/{key}", "CL.THROTTLE", "CL.THROTTLE key max_burst count period [quantity]" },
    };

    /// <summary>Routes that are not one command's resource: the command endpoint, the pub/sub WebSocket, the topology and the admin routes.</summary>
    private static readonly (string Method, string Path)[] CommandEndpointOperations =
    [
        ("post", "/commands"),
        ("post", "/commands/pipeline"),
        ("post", "/commands/multi-exec"),
        ("post", "/commands/subscribe/{channel}"),
        ("post", "/commands/psubscribe/{pattern}"),
        ("get", "/commands/{command}/{arguments}"),
        ("post", "/commands/{command}/{arguments}"),
        ("put", "/commands/{command}/{arguments}"),
        ("head", "/commands/{command}/{arguments}"),
        ("get", "/ws"),
        ("get", "/topology"),
        ("get", "/admin/snapshots"),
        ("post", "/admin/snapshots"),
        ("post", "/admin/aof/rewrite"),
        ("get", "/admin/hotkeys"),
        ("get", "/admin/bigkeys"),
        ("get", "/admin/info"),
        ("get", "/admin/replication"),
        ("post", "/admin/failover"),
        ("put", "/admin/replication"),
        ("get", "/admin/slowlog"),
        ("get", "/admin/slowlog/length"),
        ("delete", "/admin/slowlog"),
        ("get", "/admin/config"),
        ("patch", "/admin/config"),
        ("get", "/admin/latency"),
        ("get", "/admin/latency/doctor"),
        ("get", "/admin/latency/{event}"),
        ("delete", "/admin/latency"),
        ("get", "/admin/monitor"),
    ];

    public static TheoryData<string, string> Operations
    {
        get
        {
            var operations = new TheoryData<string, string>();
            foreach (var row in Routes)
                operations.Add((string)row[0], (string)row[1]);
            foreach (var (method, path) in CommandEndpointOperations)
                operations.Add(method, path);
            return operations;
        }
    }

    [Fact]
    public async Task The_document_is_served_as_json()
    {
        var response = await _client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("Lodestone", document.RootElement.GetProperty("info").GetProperty("title").GetString());
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Each_route_names_its_redis_command_and_is_summarised_by_its_syntax(string method, string path, string command, string syntax)
    {
        var operation = await Operation(method, path);

        // A second route of one command (SADD-MEMBER: PUT /sets/{key}/members/{member}) runs that command.
        var redis = command.Split('-')[0];
        Assert.Equal(redis, operation.GetProperty("x-redis-command").GetString());
        Assert.Equal(syntax, operation.GetProperty("summary").GetString());
        Assert.Contains($"Redis command: {redis}.", operation.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_operation_id_is_a_unique_method_name()
    {
        var document = await Document();

        var ids = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => op.Value.GetProperty("operationId").GetString()!))
            .ToList();

        Assert.All(ids, id => Assert.Matches("^[a-z][A-Za-z0-9]*$", id));
        Assert.Empty(ids.GroupBy(id => id, StringComparer.OrdinalIgnoreCase).Where(group => group.Count() > 1).Select(group => group.Key));
    }

    [Theory]
    [InlineData("get", "/strings/{key}", "getString")]
    [InlineData("put", "/strings/{key}", "setString")]
    [InlineData("post", "/zsets/{key}/members", "addZSetMembers")]
    [InlineData("post", "/locks/{name}", "acquireLock")]
    public async Task Operation_ids_read_as_what_the_route_does(string method, string path, string operationId)
    {
        Assert.Equal(operationId, (await Operation(method, path)).GetProperty("operationId").GetString());
    }

    [Fact]
    public async Task The_document_lists_exactly_the_lodestone_routes_once_each()
    {
        var document = await Document();

        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (Method: op.Name, Path: path.Name)))
            .Order()
            .ToList();

        Assert.Equal(Operations.Select(row => ((string)row[0], (string)row[1])).Order(), operations);
    }

    [Fact]
    public async Task Head_on_get_routes_is_said_once_in_the_description_not_listed_as_operations_of_its_own()
    {
        var document = await Document();

        Assert.Contains("Every GET route also answers HEAD", document.GetProperty("info").GetProperty("description").GetString(), StringComparison.Ordinal);
        var heads = document.GetProperty("paths").EnumerateObject().Where(path => path.Value.TryGetProperty("head", out _)).Select(path => path.Name);
        Assert.Equal(["/commands/{command}/{arguments}", "/hashes/{key}/fields/{field}"], heads.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("/commands")]
    [InlineData("/commands/pipeline")]
    [InlineData("/commands/multi-exec")]
    public async Task The_command_endpoint_documents_its_json_bodies_with_examples_and_its_errors(string path)
    {
        var operation = await Operation("post", path);

        var request = operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
        Assert.Equal(JsonValueKind.Array, request.GetProperty("example").ValueKind);
        Assert.True(operation.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _));
        foreach (var status in new[] { "400", "401", "413" })
            Assert.True(operation.GetProperty("responses").TryGetProperty(status, out _), $"{path} does not document {status}.");
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Each_key_path_parameter_is_documented(string method, string path)
    {
        var operation = await Operation(method, path);
        var document = await Document();
        var parameters = operation.TryGetProperty("parameters", out var list) ? list.EnumerateArray().Select(p => Resolve(document, p)).ToList() : [];

        var key = parameters.Where(p => p.GetProperty("name").GetString() == "key" && p.GetProperty("in").GetString() == "path").ToList();

        if (!path.Contains("{key}", StringComparison.Ordinal))
        {
            Assert.Empty(key);
            return;
        }
        var only = Assert.Single(key);
        Assert.True(only.GetProperty("required").GetBoolean());
        Assert.Contains("percent-encoded", only.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("get", "/strings/{key}", "404")]
    [InlineData("get", "/strings/{key}", "412")]
    [InlineData("put", "/strings/{key}", "412")]
    [InlineData("put", "/strings/{key}", "413")]
    [InlineData("put", "/strings/{key}", "415")]
    [InlineData("post", "/strings/{key}/incr", "422")]
    [InlineData("post", "/keys/{key}/copy", "409")]
    [InlineData("post", "/keys/{key}/rename", "404")]
    public async Task Problem_responses_are_documented_as_problem_json(string method, string path, string status)
    {
        var operation = await Operation(method, path);

        var response = Resolve(await Document(), operation.GetProperty("responses").GetProperty(status));

        Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _));
    }

    [Fact]
    public async Task Put_string_documents_a_json_body_and_a_raw_bytes_body()
    {
        var content = (await Operation("put", "/strings/{key}")).GetProperty("requestBody").GetProperty("content");

        Assert.EndsWith("SetStringRequest", content.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString(), StringComparison.Ordinal);
        var raw = content.GetProperty("application/octet-stream").GetProperty("schema");
        Assert.Equal("string", raw.GetProperty("type").GetString());
        Assert.Equal("binary", raw.GetProperty("format").GetString());
    }

    [Fact]
    public async Task Get_string_documents_the_json_entry_and_the_raw_bytes()
    {
        var content = (await Operation("get", "/strings/{key}")).GetProperty("responses").GetProperty("200").GetProperty("content");

        Assert.EndsWith("StringEntry", content.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString(), StringComparison.Ordinal);
        var raw = content.GetProperty("application/octet-stream").GetProperty("schema");
        Assert.Equal("string", raw.GetProperty("type").GetString());
        Assert.Equal("binary", raw.GetProperty("format").GetString());
    }

    [Fact]
    public async Task Key_listing_query_parameters_are_documented_as_they_are_sent()
    {
        var parameters = (await Operation("get", "/keys")).GetProperty("parameters").EnumerateArray()
            .Where(p => p.TryGetProperty("in", out var location) && location.GetString() == "query")
            .Select(p => p.GetProperty("name").GetString())
            .Order(StringComparer.Ordinal);

        Assert.Equal(["limit", "match", "page", "type"], parameters);
    }

    [Fact]
    public async Task Swagger_ui_is_served_as_html()
    {
        var response = await _client.GetAsync("/swagger");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("swagger-ui", html, StringComparison.Ordinal);
        Assert.Contains("Lodestone API", html, StringComparison.Ordinal);
    }

    private async Task<JsonElement> Document()
    {
        var text = await _client.GetStringAsync("/openapi/v1.json");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The component a <c>$ref</c> names (shared responses, parameters, headers), or the node itself.</summary>
    internal static JsonElement Resolve(JsonElement document, JsonElement node)
    {
        while (node.ValueKind == JsonValueKind.Object && node.TryGetProperty("$ref", out var reference))
        {
            node = document;
            foreach (var part in reference.GetString()!.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
                node = node.GetProperty(part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }
        return node;
    }

    private async Task<JsonElement> Operation(string method, string path)
    {
        var paths = (await Document()).GetProperty("paths");
        Assert.True(paths.TryGetProperty(path, out var item), $"The document has no path {path}.");
        Assert.True(item.TryGetProperty(method, out var operation), $"The document has no {method} {path}.");
        return operation;
    }
}
