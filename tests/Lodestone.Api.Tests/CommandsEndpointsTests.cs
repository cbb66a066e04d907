using System.Net;
using System.Text;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>The command endpoint speaks the Upstash REST protocol: every command, Upstash's shapes, Redis's errors.</summary>
public sealed class CommandsEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private Task<HttpResponseMessage> Post(string json, string path = "/commands", params (string Name, string Value)[] headers) =>
        _client.SendAsync(Request(HttpMethod.Post, path, Json(json), headers));

    private static async Task<JsonElement> Reply(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<JsonElement> Result(HttpResponseMessage response) =>
        (await Reply(response, HttpStatusCode.OK)).GetProperty("result");

    private static async Task<string> Error(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.BadRequest) =>
        (await Reply(response, status)).GetProperty("error").GetString()!;

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task A_json_array_runs_one_command_and_answers_with_its_result()
    {
        var key = ApiFactory.Key();

        Assert.Equal("OK", (await Result(await Post($"""["SET","{key}","v","EX",100]"""))).GetString());
        Assert.Equal("v", (await Result(await Post($"""["GET","{key}"]"""))).GetString());
        Assert.Equal(100, (await Result(await Post($"""["TTL","{key}"]"""))).GetInt64());
        Assert.Equal(JsonValueKind.Null, (await Result(await Post($"""["GET","{key}:missing"]"""))).ValueKind);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("café 日本 😀", "café 日本 😀")]
    [InlineData("""quote \"x\" and back\\slash""", "quote \"x\" and back\\slash")]
    [InlineData("""\u00e9\n\t\/""", "é\n\t/")]
    [InlineData("", "")]
    public async Task String_arguments_are_their_unescaped_utf8_bytes(string json, string expected)
    {
        var key = ApiFactory.Key();

        await Post($$"""["SET","{{key}}","{{json}}"]""");

        Assert.Equal(expected, (await Result(await Post($"""["GET","{key}"]"""))).GetString());
        Assert.Equal(Encoding.UTF8.GetByteCount(expected), (await Result(await Post($"""["STRLEN","{key}"]"""))).GetInt64());
    }

    [Fact]
    public async Task Numbers_answer_as_Redis_prints_them_long_double_increments_scores_and_a_negative_zero()
    {
        var (counter, scores, weights) = (ApiFactory.Key("f"), ApiFactory.Key("z"), ApiFactory.Key("w"));

        // INCRBYFLOAT in 80-bit long double, printed "%.17Lf" as Redis does (and through a pipeline and a transaction too).
        Assert.Equal("1500", (await Result(await Post($"""["INCRBYFLOAT","{counter}","1.5e3"]"""))).GetString());
        Assert.Equal("1500.09999999999999998", (await Result(await Post($"""["INCRBYFLOAT","{counter}","0.1"]"""))).GetString());
        var pipeline = await Reply(await Post($"""[["SET","{counter}","0x1f"],["INCRBYFLOAT","{counter}","0.1"]]""", "/commands/pipeline"), HttpStatusCode.OK);
        Assert.Equal("31.1", pipeline[1].GetProperty("result").GetString());
        var transaction = await Reply(await Post($"""[["SET","{counter}","1e308"],["INCRBYFLOAT","{counter}","1e308"]]""", "/commands/multi-exec"), HttpStatusCode.OK);
        Assert.StartsWith("1999999999999999999933717593116912913211201996948311344155", transaction[1].GetProperty("result").GetString(), StringComparison.Ordinal);

        // Scores print as Redis 7.2's d2string: integers as integers, the rest as fpconv_dtoa.
        await Post($"""["ZADD","{scores}","1e16","a","1e-7","b","0.1","c","1e21","d"]""");
        Assert.Equal(["b", "1e-7", "c", "0.1", "a", "10000000000000000", "d", "1e+21"],
            (await Result(await Post($"""["ZRANGE","{scores}","0","-1","WITHSCORES"]"""))).EnumerateArray().Select(item => item.GetString()));

        // A weight of -1 on a score of 0 is -0, as ZUNION replies it; stored, it is 0.
        await Post($"""["ZADD","{weights}","0","a"]""");
        Assert.Equal(["a", "-0"], (await Result(await Post($"""["ZUNION","1","{weights}","WEIGHTS","-1","WITHSCORES"]"""))).EnumerateArray().Select(item => item.GetString()));
        await Post($"""["ZUNIONSTORE","{weights}:stored","1","{weights}","WEIGHTS","-1"]""");
        Assert.Equal("0", (await Result(await Post($"""["ZSCORE","{weights}:stored","a"]"""))).GetString());
    }

    [Fact]
    public async Task Numbers_are_passed_as_the_text_they_were_written_with_and_booleans_as_words()
    {
        var key = ApiFactory.Key();

        Assert.Equal(5, (await Result(await Post($"""["INCRBY","{key}",5]"""))).GetInt64());
        Assert.Equal("ERR value is not an integer or out of range", await Error(await Post($"""["INCRBY","{key}",5.0]""")));
        await Post($"""["SET","{key}:f",1.50]""");
        Assert.Equal("1.50", (await Result(await Post($"""["GET","{key}:f"]"""))).GetString());
        await Post($"""["SET","{key}:b",true]""");
        Assert.Equal("true", (await Result(await Post($"""["GET","{key}:b"]"""))).GetString());
    }

    [Theory]
    [InlineData("""["SET","k",null]""", "ERR argument 3 is null; arguments must be strings, numbers or booleans")]
    [InlineData("""["SET","k",["v"]]""", "ERR argument 3 is a nested array; arguments must be strings, numbers or booleans")]
    [InlineData("""["SET","k",{"v":1}]""", "ERR argument 3 is an object; arguments must be strings, numbers or booleans")]
    [InlineData("""[]""", "ERR a command must not be an empty array")]
    [InlineData("""{"command":"GET"}""", "ERR a command must be a JSON array such as [\"SET\",\"key\",\"value\"]")]
    [InlineData("""["NOPE","a","b"]""", "ERR unknown command 'NOPE', with args beginning with: 'a' 'b' ")]
    [InlineData("""["GET"]""", "ERR wrong number of arguments for 'get' command")]
    public async Task Bad_commands_are_400_with_the_redis_error_and_change_nothing(string body, string error)
    {
        var before = (await Result(await Post("""["DBSIZE"]"""))).GetInt64();

        Assert.Equal(error, await Error(await Post(body)));
        Assert.Equal(before, (await Result(await Post("""["DBSIZE"]"""))).GetInt64());
    }

    [Fact]
    public async Task Malformed_json_is_400_with_a_json_error()
    {
        Assert.StartsWith("ERR the body is not valid JSON", await Error(await Post("""["GET",""")), StringComparison.Ordinal);
    }

    // The body is read in one pass, but judged as if parsed whole first: a syntax error anywhere wins
    // over what is wrong with the commands before it, and a list's shape over its entries.
    [Theory]
    [InlineData("/commands", """[null,"a"] x""", "ERR the body is not valid JSON")]
    [InlineData("/commands", """{"command":"GET"}}""", "ERR the body is not valid JSON")]
    [InlineData("/commands", """["GET","a"] ["GET","b"]""", "ERR the body is not valid JSON")]
    [InlineData("/commands", "", "ERR the body is not valid JSON")]
    [InlineData("/commands", """["SET",[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]""", "ERR the body is not valid JSON")]
    [InlineData("/commands/pipeline", """[["GET","a"],[null],["GET",}]""", "ERR the body is not valid JSON")]
    [InlineData("/commands/pipeline", """[["GET","a"],[null],["GET"]]""", "ERR command 2: argument 1 is null; arguments must be strings, numbers or booleans")]
    [InlineData("/commands/pipeline", """[["GET","a"],[],{"x":[1]}]""", "ERR command 2: a command must not be an empty array")]
    [InlineData("/commands/pipeline", """[["GET","a"],"GET"]""", "ERR command 2: a command must be a JSON array such as [\"SET\",\"key\",\"value\"]")]
    [InlineData("/commands/pipeline", """[]""", "ERR the body must be a non-empty JSON array of commands")]
    [InlineData("/commands/pipeline", """{"commands":[["GET","a"]]}""", "ERR the body must be a non-empty JSON array of commands")]
    [InlineData("/commands/multi-exec", """[["SET","a",{"v":1}],["GET","a"]]""", "ERR command 1: argument 3 is an object; arguments must be strings, numbers or booleans")]
    public async Task A_body_is_judged_syntax_first_then_shape_then_arguments(string path, string body, string error)
    {
        Assert.StartsWith(error, await Error(await Post(body, path)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_argument_limit_is_judged_before_the_arguments_and_the_command_limit_before_the_commands()
    {
        using var limited = factory.WithWebHostBuilder(b => b.UseSetting("Commands:MaxArguments", "3"));
        var client = limited.CreateCheckedClient();

        Assert.Equal("ERR a command may have at most 3 arguments (Commands:MaxArguments); this one has 4",
            await Error(await client.PostAsync("/commands", Json("""["MSET",null,"1",{"b":2}]"""))));
        Assert.Equal("ERR at most 3 commands may be sent at once (Commands:MaxArguments)",
            await Error(await client.PostAsync("/commands/pipeline", Json("""[["GET","a"],[null],["GET","b"],["GET","c"]]"""))));
        Assert.Equal("ERR command 1: a command may have at most 3 arguments (Commands:MaxArguments); this one has 5",
            await Error(await client.PostAsync("/commands/pipeline", Json("""[["MSET","a","1","b","2"]]"""))));
    }

    [Fact]
    public async Task Escaped_strings_arrive_unescaped_and_raw_ones_byte_for_byte()
    {
        var key = ApiFactory.Key();

        await Post($$"""[["SET","{{key}}:e","a\"b\\c\u00e9\n"],["SET","{{key}}:r","plain é ✓"]]""", "/commands/pipeline");

        Assert.Equal("a\"b\\cé\n", (await Result(await Post($"""["GET","{key}:e"]"""))).GetString());
        Assert.Equal("plain é ✓", (await Result(await Post($"""["GET","{key}:r"]"""))).GetString());
    }

    [Fact]
    public async Task A_command_longer_than_the_argument_limit_is_refused()
    {
        using var limited = factory.WithWebHostBuilder(b => b.UseSetting("Commands:MaxArguments", "3"));
        var client = limited.CreateCheckedClient();

        var response = await client.PostAsync("/commands", Json("""["MSET","a","1","b","2"]"""));

        Assert.Equal("ERR a command may have at most 3 arguments (Commands:MaxArguments); this one has 5", await Error(response));
        Assert.Equal(JsonValueKind.Null, (await Result(await client.PostAsync("/commands", Json("""["GET","a"]""")))).ValueKind);
    }

    [Fact]
    public async Task A_runtime_error_is_400_with_the_redis_text_and_its_code()
    {
        var key = ApiFactory.Key();
        await Post($"""["SET","{key}","abc"]""");

        Assert.Equal("ERR value is not an integer or out of range", await Error(await Post($"""["INCR","{key}"]""")));
    }

    [Fact]
    public async Task With_base64_encoding_every_string_is_encoded_except_a_top_level_ok()
    {
        var key = ApiFactory.Key();
        var base64 = ("Upstash-Encoding", "base64");

        Assert.Equal("OK", (await Result(await Post($"""["SET","{key}","héllo"]""", "/commands", base64))).GetString());
        Assert.Equal(B64("héllo"), (await Result(await Post($"""["GET","{key}"]""", "/commands", base64))).GetString());
        Assert.Equal(B64("PONG"), (await Result(await Post("""["PING"]""", "/commands", base64))).GetString());
        Assert.Equal(6, (await Result(await Post($"""["STRLEN","{key}"]""", "/commands", base64))).GetInt64());
        var array = await Result(await Post($"""["MGET","{key}","{key}:missing"]""", "/commands", base64));
        Assert.Equal(B64("héllo"), array[0].GetString());
        Assert.Equal(JsonValueKind.Null, array[1].ValueKind);
    }

    [Fact]
    public async Task With_base64_encoding_strings_inside_arrays_are_encoded_at_every_depth_simple_strings_included()
    {
        var base64 = ("Upstash-Encoding", "base64");

        var docs = await Result(await Post("""["COMMAND","DOCS","get"]""", "/commands", base64));
        var info = await Result(await Post("""["COMMAND","INFO","get"]""", "/commands", base64));

        Assert.Equal(B64("get"), docs[0].GetString());
        Assert.Equal(B64("summary"), docs[1][0].GetString());
        Assert.Equal(B64("get"), info[0][0].GetString());
        Assert.Equal(2, info[0][1].GetInt64());
        Assert.Equal(B64("readonly"), info[0][2][0].GetString());
    }

    [Fact]
    public async Task With_base64_encoding_each_pipeline_entry_is_its_own_top_level()
    {
        var key = ApiFactory.Key();

        var entries = await Reply(await Post($"""[["SET","{key}","v"],["GET","{key}"]]""", "/commands/pipeline", ("Upstash-Encoding", "base64")), HttpStatusCode.OK);

        Assert.Equal("OK", entries[0].GetProperty("result").GetString());
        Assert.Equal(B64("v"), entries[1].GetProperty("result").GetString());
    }

    [Fact]
    public async Task Errors_are_never_base64_encoded()
    {
        Assert.Equal("ERR wrong number of arguments for 'get' command",
            await Error(await Post("""["GET"]""", "/commands", ("Upstash-Encoding", "base64"))));
    }

    [Fact]
    public async Task A_pipeline_runs_every_command_in_order_and_reports_each_result_or_error_with_200()
    {
        var key = ApiFactory.Key();

        var response = await Post($"""[["SET","{key}","1"],["INCR","{key}"],["INCR","{key}:word"],["SET","{key}:word","x"],["INCR","{key}:word"],["GET","{key}"]]""", "/commands/pipeline");

        var entries = await Reply(response, HttpStatusCode.OK);
        Assert.Equal("OK", entries[0].GetProperty("result").GetString());
        Assert.Equal(2, entries[1].GetProperty("result").GetInt64());
        Assert.Equal(1, entries[2].GetProperty("result").GetInt64());
        Assert.Equal("OK", entries[3].GetProperty("result").GetString());
        Assert.Equal("ERR value is not an integer or out of range", entries[4].GetProperty("error").GetString());
        Assert.False(entries[4].TryGetProperty("result", out _));
        Assert.Equal("2", entries[5].GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_pipeline_with_a_malformed_entry_is_refused_whole_before_anything_runs()
    {
        var key = ApiFactory.Key();

        var error = await Error(await Post($"""[["SET","{key}","1"],"GET"]""", "/commands/pipeline"));

        Assert.StartsWith("ERR command 2:", error, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await Result(await Post($"""["GET","{key}"]"""))).ValueKind);
    }

    [Fact]
    public async Task An_unknown_command_inside_a_pipeline_is_that_entrys_error()
    {
        var entries = await Reply(await Post("""[["PING"],["NOPE"]]""", "/commands/pipeline"), HttpStatusCode.OK);

        Assert.Equal("PONG", entries[0].GetProperty("result").GetString());
        Assert.StartsWith("ERR unknown command 'NOPE'", entries[1].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Multi_exec_runs_every_command_and_a_runtime_error_does_not_undo_the_others()
    {
        var key = ApiFactory.Key();
        await Post($"""["SET","{key}:word","abc"]""");

        var entries = await Reply(await Post($"""[["SET","{key}","1"],["INCR","{key}:word"],["INCR","{key}"]]""", "/commands/multi-exec"), HttpStatusCode.OK);

        Assert.Equal("OK", entries[0].GetProperty("result").GetString());
        Assert.Equal("ERR value is not an integer or out of range", entries[1].GetProperty("error").GetString());
        Assert.Equal(2, entries[2].GetProperty("result").GetInt64());
        Assert.Equal("2", (await Result(await Post($"""["GET","{key}"]"""))).GetString());
    }

    [Theory]
    [InlineData("""["NOPE"]""", "EXECABORT Transaction discarded because of previous errors: ERR unknown command 'NOPE'")]
    [InlineData("""["GET"]""", "EXECABORT Transaction discarded because of previous errors: ERR wrong number of arguments for 'get' command")]
    public async Task Multi_exec_with_a_malformed_command_is_400_and_runs_nothing(string bad, string error)
    {
        var key = ApiFactory.Key();

        var message = await Error(await Post($"""[["SET","{key}","1"],{bad}]""", "/commands/multi-exec"));

        Assert.StartsWith(error, message, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await Result(await Post($"""["GET","{key}"]"""))).ValueKind);
    }

    [Fact]
    public async Task Multi_exec_is_atomic_reads_of_two_keys_written_together_never_see_a_torn_state()
    {
        var a = ApiFactory.Key("a");
        var b = ApiFactory.Key("b");
        var noise = ApiFactory.Key("noise");
        const int Writes = 200;

        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < Writes / 4; i++)
                (await Post($"""[["INCR","{a}"],["INCR","{b}"]]""", "/commands/multi-exec")).EnsureSuccessStatusCode();
        }));
        var pipelines = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
                (await Post($"""[["INCR","{noise}"],["INCR","{noise}"]]""", "/commands/pipeline")).EnsureSuccessStatusCode();
        }));
        var torn = 0;
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                var entries = await Reply(await Post($"""[["GET","{a}"],["GET","{b}"]]""", "/commands/multi-exec"), HttpStatusCode.OK);
                if (entries[0].GetProperty("result").ToString() != entries[1].GetProperty("result").ToString())
                    Interlocked.Increment(ref torn);
            }
        }));
        await Task.WhenAll(writers.Concat(pipelines).Concat(readers));

        Assert.Equal(0, torn);
        Assert.Equal(Writes.ToString(System.Globalization.CultureInfo.InvariantCulture), (await Result(await Post($"""["GET","{a}"]"""))).GetString());
        Assert.Equal(Writes.ToString(System.Globalization.CultureInfo.InvariantCulture), (await Result(await Post($"""["GET","{b}"]"""))).GetString());
    }

    [Fact]
    public async Task The_path_form_takes_segments_then_the_body_then_query_pairs()
    {
        var key = ApiFactory.Key("a/b c");

        var set = await _client.PostAsync($"/commands/set/{Segment(key)}?EX=100", new StringContent("bar"));

        Assert.Equal("OK", (await Result(set)).GetString());
        Assert.Equal("bar", (await Result(await _client.GetAsync($"/commands/get/{Segment(key)}"))).GetString());
        Assert.Equal(100, (await Result(await _client.GetAsync($"/commands/ttl/{Segment(key)}"))).GetInt64());
        Assert.Equal("bar", (await Result(await Post($"""["GET","{key}"]"""))).GetString());
    }

    [Fact]
    public async Task The_path_form_with_put_and_a_bare_query_flag()
    {
        var key = ApiFactory.Key();
        await Post($"""["SET","{key}","old"]""");

        var put = await _client.PutAsync($"/commands/set/{Segment(key)}?NX", new StringContent("new"));

        Assert.Equal(JsonValueKind.Null, (await Result(put)).ValueKind);
        Assert.Equal("old", (await Result(await _client.GetAsync($"/commands/get/{Segment(key)}"))).GetString());
    }

    [Fact]
    public async Task The_path_form_answers_head_without_a_body()
    {
        var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/commands/ping"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("DELETE", "/commands/del/k")]
    [InlineData("PATCH", "/commands")]
    [InlineData("GET", "/commands")]
    public async Task Other_methods_are_405_with_a_json_error(string method, string path)
    {
        var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.StartsWith($"ERR method {method} is not allowed", await Error(response, HttpStatusCode.MethodNotAllowed), StringComparison.Ordinal);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_with_a_json_error_and_nothing_changes()
    {
        using var limited = factory.WithWebHostBuilder(b => b.UseSetting("Commands:MaxRequestBodyBytes", "64"));
        var client = limited.CreateCheckedClient();
        var key = ApiFactory.Key();

        var response = await client.PostAsync("/commands", Json($"""["SET","{key}","{new string('x', 100)}"]"""));

        Assert.StartsWith("ERR The request body is", await Error(response, HttpStatusCode.RequestEntityTooLarge), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await Result(await client.PostAsync("/commands", Json($"""["GET","{key}"]""")))).ValueKind);
    }

    [Fact]
    public async Task Resp2_format_returns_the_raw_redis_reply()
    {
        var key = ApiFactory.Key();
        await Post($"""["SET","{key}","v"]""");

        var response = await Post($"""["MGET","{key}","{key}:missing"]""", "/commands", ("Upstash-Response-Format", "resp2"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("*2\r\n$1\r\nv\r\n$-1\r\n", await response.Content.ReadAsStringAsync());
        var error = await Post("""["GET"]""", "/commands", ("Upstash-Response-Format", "resp2"));
        Assert.Equal("-ERR wrong number of arguments for 'get' command\r\n", await error.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Every_response_carries_a_sync_token_that_grows_with_writes_and_accepts_one_sent_back()
    {
        var key = ApiFactory.Key();

        var first = await Post("""["PING"]""");
        var token = long.Parse(first.Header("upstash-sync-token")!, System.Globalization.CultureInfo.InvariantCulture);
        var write = await Post($"""["SET","{key}","v"]""", "/commands", ("upstash-sync-token", token.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var error = await Post("""["GET"]""");

        Assert.True(long.Parse(write.Header("upstash-sync-token")!, System.Globalization.CultureInfo.InvariantCulture) > token);
        Assert.NotNull(error.Header("upstash-sync-token"));
    }

    [Fact]
    public async Task With_no_api_keys_configured_the_endpoint_is_open_and_ignores_a_token()
    {
        var response = await Post("""["PING"]""", "/commands", ("Authorization", "Bearer anything"));

        Assert.Equal("PONG", (await Result(response)).GetString());
    }
}
