using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

public sealed class StringsEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    // GET /strings/{key}

    [Fact]
    public async Task Get_returns_the_key_its_value_and_a_null_ttl()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "hello");

        var response = await _client.GetAsync(Strings(key));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal("hello", body.GetProperty("value").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("ttlMs").ValueKind);
        Assert.False(body.TryGetProperty("encoding", out _));
        Assert.Null(response.Header("Lodestone-Ttl-Ms"));
        Assert.NotNull(response.Header("ETag"));
    }

    [Fact]
    public async Task Get_of_a_missing_key_is_a_404_problem_naming_the_key()
    {
        var key = ApiFactory.Key();

        var problem = await (await _client.GetAsync(Strings(key))).Problem(HttpStatusCode.NotFound);

        Assert.Equal("urn:lodestone:problem:no-such-key", problem.GetProperty("type").GetString());
        Assert.Contains(key, problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_with_accept_octet_stream_returns_the_raw_bytes()
    {
        var key = ApiFactory.Key();
        byte[] value = [0xFF, 0x00, (byte)'A', 0x80];
        await _client.PutAsync(Strings(key), Bytes(value));

        var request = Request(HttpMethod.Get, Strings(key));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(value, await response.Content.ReadAsByteArrayAsync());
        Assert.NotNull(response.Header("ETag"));
    }

    [Fact]
    public async Task Get_with_encoding_base64_returns_key_and_value_in_base64()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "hello");

        var body = await (await _client.GetAsync(Strings(key) + "?encoding=base64")).Body(HttpStatusCode.OK);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(key)), body.GetProperty("key").GetString());
        Assert.Equal("aGVsbG8=", body.GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_value_that_is_not_utf8_comes_back_as_base64_with_its_key()
    {
        var key = ApiFactory.Key();
        await _client.PutAsync(Strings(key), Bytes([0xC3, 0x28, 0xFF]));

        var body = await (await _client.GetAsync(Strings(key))).Body(HttpStatusCode.OK);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(key)), body.GetProperty("key").GetString());
        Assert.Equal(new byte[] { 0xC3, 0x28, 0xFF }, Convert.FromBase64String(body.GetProperty("value").GetString()!));
    }

    // PUT /strings/{key}

    [Fact]
    public async Task Put_creates_a_key_with_201_and_a_usable_location()
    {
        var key = ApiFactory.Key();

        var response = await _client.PutAsync(Strings(key), Json("""{"value":"v1"}"""));

        var body = await response.Body(HttpStatusCode.Created);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal("v1", body.GetProperty("value").GetString());
        Assert.Equal(Strings(key), response.Headers.Location?.OriginalString);
        var fetched = await (await _client.GetAsync(response.Headers.Location)).Body(HttpStatusCode.OK);
        Assert.Equal("v1", fetched.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Put_on_an_existing_key_replaces_the_value_with_200_and_no_location()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v1");

        var response = await _client.PutAsync(Strings(key), Json("""{"value":"v2"}"""));

        var body = await response.Body(HttpStatusCode.OK);
        Assert.Equal("v2", body.GetProperty("value").GetString());
        Assert.Null(response.Headers.Location);
        Assert.Equal("v2", await _client.GetValue(key));
    }

    [Fact]
    public async Task Put_with_a_ttl_reports_it_in_the_body_and_header_and_the_key_is_gone_after_it()
    {
        var key = ApiFactory.Key();

        var response = await _client.PutAsync(Strings(key), Json("""{"value":"v","ttlMs":5000}"""));

        var body = await response.Body(HttpStatusCode.Created);
        Assert.Equal(5000, body.GetProperty("ttlMs").GetInt64());
        Assert.Equal("5000", response.Header("Lodestone-Ttl-Ms"));

        factory.Clock.Advance(TimeSpan.FromMilliseconds(4000));
        var read = await _client.GetAsync(Strings(key));
        Assert.Equal(1000, (await read.Body(HttpStatusCode.OK)).GetProperty("ttlMs").GetInt64());
        Assert.Equal("1000", read.Header("Lodestone-Ttl-Ms"));

        factory.Clock.Advance(TimeSpan.FromMilliseconds(1001));
        await (await _client.GetAsync(Strings(key))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_with_keepTtl_keeps_the_remaining_ttl_and_a_plain_put_clears_it()
    {
        var key = ApiFactory.Key();
        await _client.PutAsync(Strings(key), Json("""{"value":"v1","ttlMs":10000}"""));
        factory.Clock.Advance(TimeSpan.FromMilliseconds(3000));

        var kept = await (await _client.PutAsync(Strings(key), Json("""{"value":"v2","keepTtl":true}"""))).Body(HttpStatusCode.OK);
        Assert.Equal("v2", kept.GetProperty("value").GetString());
        Assert.Equal(7000, kept.GetProperty("ttlMs").GetInt64());

        var cleared = await (await _client.PutAsync(Strings(key), Json("""{"value":"v3"}"""))).Body(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("ttlMs").ValueKind);
    }

    [Fact]
    public async Task Put_with_both_ttl_and_keepTtl_is_a_validation_problem()
    {
        var key = ApiFactory.Key();

        var response = await _client.PutAsync(Strings(key), Json("""{"value":"v","ttlMs":10,"keepTtl":true}"""));

        var problem = await response.Problem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("keepTtl", out _));
        await (await _client.GetAsync(Strings(key))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_with_a_base64_value_stores_the_decoded_bytes_and_answers_in_base64()
    {
        var key = ApiFactory.Key();

        var body = await (await _client.PutAsync(Strings(key), Json("""{"value":"aGk=","encoding":"base64"}"""))).Body(HttpStatusCode.Created);

        Assert.Equal("base64", body.GetProperty("encoding").GetString());
        Assert.Equal("aGk=", body.GetProperty("value").GetString());
        Assert.Equal("hi", await _client.GetValue(key));
    }

    [Fact]
    public async Task Put_with_a_raw_body_stores_the_bytes_and_takes_the_ttl_from_the_query()
    {
        var key = ApiFactory.Key();
        byte[] value = [1, 2, 3, 0xFF];

        var response = await _client.PutAsync(Strings(key) + "?ttlMs=2000", Bytes(value));

        var body = await response.Body(HttpStatusCode.Created);
        Assert.Equal(2000, body.GetProperty("ttlMs").GetInt64());
        Assert.Equal("2000", response.Header("Lodestone-Ttl-Ms"));
        Assert.Equal(Strings(key), response.Headers.Location?.OriginalString);
        var request = Request(HttpMethod.Get, Strings(key), null, ("Accept", "application/octet-stream"));
        Assert.Equal(value, await (await _client.SendAsync(request)).Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Put_with_a_raw_body_and_keepTtl_in_the_query_keeps_the_ttl()
    {
        var key = ApiFactory.Key();
        await _client.PutAsync(Strings(key) + "?ttlMs=9000", Bytes([1]));

        var body = await (await _client.PutAsync(Strings(key) + "?keepTtl=true", Bytes([2]))).Body(HttpStatusCode.OK);

        Assert.Equal(9000, body.GetProperty("ttlMs").GetInt64());
    }

    [Fact]
    public async Task Put_with_a_raw_body_and_a_negative_ttl_is_a_validation_problem()
    {
        var key = ApiFactory.Key();

        var problem = await (await _client.PutAsync(Strings(key) + "?ttlMs=-5", Bytes([1]))).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("ttlMs", out _));
    }

    [Fact]
    public async Task Put_of_a_value_over_proto_max_bulk_len_is_413_and_stores_nothing()
    {
        var key = ApiFactory.Key();

        var problem = await (await _client.PutAsync(Strings(key), Bytes(new byte[65537]))).Problem(HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal("ERR argument exceeds maximum allowed size (proto-max-bulk-len)", problem.Detail());
        await (await _client.GetAsync(Strings(key))).Problem(HttpStatusCode.NotFound);
    }

    // DELETE /strings/{key}

    [Fact]
    public async Task Delete_answers_204_and_the_key_is_gone_then_a_second_delete_is_404()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "v");

        var deleted = await _client.DeleteAsync(Strings(key));

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await deleted.Content.ReadAsByteArrayAsync());
        await (await _client.GetAsync(Strings(key))).Problem(HttpStatusCode.NotFound);
        await (await _client.DeleteAsync(Strings(key))).Problem(HttpStatusCode.NotFound);
    }

    // POST /strings/{key}/incr, /decr

    [Fact]
    public async Task Incr_with_an_empty_body_adds_one_starting_from_zero()
    {
        var key = ApiFactory.Key();

        var first = await (await _client.PostAsync(Strings(key, "/incr"), null)).Body(HttpStatusCode.OK);
        var second = await (await _client.PostAsync(Strings(key, "/incr"), null)).Body(HttpStatusCode.OK);

        Assert.Equal(key, first.GetProperty("key").GetString());
        Assert.Equal(1, first.GetProperty("value").GetInt64());
        Assert.Equal(2, second.GetProperty("value").GetInt64());
        Assert.Equal("2", await _client.GetValue(key));
    }

    [Fact]
    public async Task Incr_and_decr_take_an_amount_in_by()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "10");

        var up = await (await _client.PostAsync(Strings(key, "/incr"), Json("""{"by":5}"""))).Body(HttpStatusCode.OK);
        var down = await (await _client.PostAsync(Strings(key, "/decr"), Json("""{"by":20}"""))).Body(HttpStatusCode.OK);
        var once = await (await _client.PostAsync(Strings(key, "/decr"), null)).Body(HttpStatusCode.OK);

        Assert.Equal(15, up.GetProperty("value").GetInt64());
        Assert.Equal(-5, down.GetProperty("value").GetInt64());
        Assert.Equal(-6, once.GetProperty("value").GetInt64());
        Assert.Equal("-6", await _client.GetValue(key));
    }

    [Fact]
    public async Task Incr_of_a_value_that_is_not_an_integer_is_a_422_problem_and_changes_nothing()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "abc");

        var problem = await (await _client.PostAsync(Strings(key, "/incr"), null)).Problem(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("urn:lodestone:problem:not-a-number", problem.GetProperty("type").GetString());
        Assert.Equal("ERR value is not an integer or out of range", problem.Detail());
        Assert.Equal("abc", await _client.GetValue(key));
    }

    [Fact]
    public async Task Incr_past_the_largest_integer_is_a_422_problem_and_changes_nothing()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "9223372036854775807");

        var problem = await (await _client.PostAsync(Strings(key, "/incr"), null)).Problem(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("ERR increment or decrement would overflow", problem.Detail());
        Assert.Equal("9223372036854775807", await _client.GetValue(key));
    }

    [Fact]
    public async Task Decr_by_the_smallest_integer_is_a_422_problem()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "0");

        var problem = await (await _client.PostAsync(Strings(key, "/decr"), Json("""{"by":-9223372036854775808}"""))).Problem(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("ERR decrement would overflow", problem.Detail());
        Assert.Equal("0", await _client.GetValue(key));
    }

    [Fact]
    public async Task Incr_by_a_number_beyond_64_bits_is_a_400_naming_the_field()
    {
        var key = ApiFactory.Key();

        var problem = await (await _client.PostAsync(Strings(key, "/incr"), Json("""{"by":9223372036854775808}"""))).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("by", problem.Detail(), StringComparison.Ordinal);
        await (await _client.GetAsync(Strings(key))).Problem(HttpStatusCode.NotFound);
    }

    // POST /strings/{key}/incrbyfloat

    [Fact]
    public async Task Incrbyfloat_adds_a_floating_point_amount()
    {
        var key = ApiFactory.Key();

        var first = await (await _client.PostAsync(Strings(key, "/incrbyfloat"), Json("""{"by":1.5}"""))).Body(HttpStatusCode.OK);
        var second = await (await _client.PostAsync(Strings(key, "/incrbyfloat"), Json("""{"by":0.25}"""))).Body(HttpStatusCode.OK);

        Assert.Equal(1.5, first.GetProperty("value").GetDouble());
        Assert.Equal(1.75, second.GetProperty("value").GetDouble());
        Assert.Equal("1.75", await _client.GetValue(key));
    }

    [Fact]
    public async Task Incrbyfloat_beyond_a_double_answers_inf_and_the_value_keeps_its_long_double_digits()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "1e400");

        var body = await (await _client.PostAsync(Strings(key, "/incrbyfloat"), Json("""{"by":1}"""))).Body(HttpStatusCode.OK);

        // JSON numbers are doubles to most readers: beyond one, the infinity is a string, as for scores.
        Assert.Equal("inf", body.GetProperty("value").GetString());
        var stored = await _client.GetValue(key);
        Assert.Equal(401, stored.Length);
        // Redis's digits of the long double nearest 1e400, plus 1.
        Assert.StartsWith("10000000000000000000281880683947586514586", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Incrbyfloat_of_a_value_that_is_not_a_number_is_a_422_problem()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "abc");

        var problem = await (await _client.PostAsync(Strings(key, "/incrbyfloat"), Json("""{"by":1}"""))).Problem(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("ERR value is not a valid float", problem.Detail());
        Assert.Equal("abc", await _client.GetValue(key));
    }

    [Fact]
    public async Task Incrbyfloat_without_a_body_is_a_400_that_asks_for_one()
    {
        var key = ApiFactory.Key();

        var problem = await (await _client.PostAsync(Strings(key, "/incrbyfloat"), null)).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("request body", problem.Detail(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Service", problem.Detail(), StringComparison.Ordinal);
    }

    // POST /strings/{key}/append

    [Fact]
    public async Task Append_creates_the_key_then_appends_and_answers_the_length()
    {
        var key = ApiFactory.Key();

        var created = await (await _client.PostAsync(Strings(key, "/append"), Json("""{"value":"Hello"}"""))).Body(HttpStatusCode.OK);
        var appended = await (await _client.PostAsync(Strings(key, "/append"), Json("""{"value":", World"}"""))).Body(HttpStatusCode.OK);
        var binary = await (await _client.PostAsync(Strings(key, "/append"), Json("""{"value":"IQ==","encoding":"base64"}"""))).Body(HttpStatusCode.OK);

        Assert.Equal(5, created.GetProperty("length").GetInt64());
        Assert.Equal(12, appended.GetProperty("length").GetInt64());
        Assert.Equal(13, binary.GetProperty("length").GetInt64());
        Assert.Equal("Hello, World!", await _client.GetValue(key));
    }

    [Fact]
    public async Task Append_past_proto_max_bulk_len_is_413_and_leaves_the_value()
    {
        var key = ApiFactory.Key();
        var half = new string('a', 40_000);
        await _client.PutString(key, half);

        var response = await _client.PostAsync(Strings(key, "/append"), Json(JsonSerializer.Serialize(new { value = half })));

        var problem = await response.Problem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("ERR string exceeds maximum allowed size (proto-max-bulk-len)", problem.Detail());
        Assert.Equal(half, await _client.GetValue(key));
    }

    // GET /strings/{key}/range

    [Theory]
    [InlineData(0, 4, "Hello")]
    [InlineData(-5, -1, "World")]
    [InlineData(0, -1, "Hello, World")]
    [InlineData(7, 100, "World")]
    [InlineData(5, 2, "")]
    [InlineData(-100, 1, "He")]
    public async Task Get_range_returns_the_inclusive_substring_with_negative_indexes_from_the_end(long start, long end, string expected)
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "Hello, World");

        var body = await (await _client.GetAsync(Strings(key, $"/range?start={start}&end={end}"))).Body(HttpStatusCode.OK);

        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal(start, body.GetProperty("start").GetInt64());
        Assert.Equal(end, body.GetProperty("end").GetInt64());
        Assert.Equal(expected, body.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Get_range_of_a_missing_key_is_404()
    {
        var key = ApiFactory.Key();

        await (await _client.GetAsync(Strings(key, "/range?start=0&end=1"))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Get_range_with_a_start_that_is_not_a_number_is_a_400_naming_it()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "Hello");

        var problem = await (await _client.GetAsync(Strings(key, "/range?start=abc&end=1"))).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("start", problem.Detail(), StringComparison.Ordinal);
        Assert.DoesNotContain("Int64", problem.Detail(), StringComparison.Ordinal);
        Assert.DoesNotContain("long", problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_range_without_an_end_is_a_400_naming_it()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "Hello");

        var problem = await (await _client.GetAsync(Strings(key, "/range?start=0"))).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("end", problem.Detail(), StringComparison.Ordinal);
    }

    // PUT /strings/{key}/range

    [Fact]
    public async Task Set_range_overwrites_from_the_offset()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "Hello World");

        var body = await (await _client.PutAsync(Strings(key, "/range"), Json("""{"offset":6,"value":"Redis"}"""))).Body(HttpStatusCode.OK);

        Assert.Equal(11, body.GetProperty("length").GetInt64());
        Assert.Equal("Hello Redis", await _client.GetValue(key));
    }

    [Fact]
    public async Task Set_range_past_the_end_pads_with_zero_bytes()
    {
        var key = ApiFactory.Key();

        var body = await (await _client.PutAsync(Strings(key, "/range"), Json("""{"offset":3,"value":"x"}"""))).Body(HttpStatusCode.OK);

        Assert.Equal(4, body.GetProperty("length").GetInt64());
        Assert.Equal("\0\0\0x", await _client.GetValue(key));
    }

    [Fact]
    public async Task Set_range_past_proto_max_bulk_len_is_413_and_leaves_the_value_and_its_etag()
    {
        var key = ApiFactory.Key();
        var etag = (await _client.PutString(key, "original")).ETag();

        var response = await _client.PutAsync(Strings(key, "/range"), Json("""{"offset":65536,"value":"x"}"""));

        var problem = await response.Problem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("ERR string exceeds maximum allowed size (proto-max-bulk-len)", problem.Detail());
        var read = await _client.GetAsync(Strings(key));
        Assert.Equal("original", (await read.Body(HttpStatusCode.OK)).GetProperty("value").GetString());
        Assert.Equal(etag, read.ETag());
    }

    [Fact]
    public async Task Set_range_at_an_offset_near_the_largest_integer_is_413_and_leaves_the_value()
    {
        var key = ApiFactory.Key();
        await _client.PutString(key, "original");

        var response = await _client.PutAsync(Strings(key, "/range"), Json("""{"offset":9223372036854775807,"value":"x"}"""));

        var problem = await response.Problem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("ERR string exceeds maximum allowed size (proto-max-bulk-len)", problem.Detail());
        Assert.Equal("original", await _client.GetValue(key));
    }

    [Fact]
    public async Task Set_range_up_to_exactly_proto_max_bulk_len_is_allowed()
    {
        var key = ApiFactory.Key();

        var body = await (await _client.PutAsync(Strings(key, "/range"), Json("""{"offset":65535,"value":"x"}"""))).Body(HttpStatusCode.OK);

        Assert.Equal(65536, body.GetProperty("length").GetInt64());
    }

    [Fact]
    public async Task Set_range_with_a_negative_offset_is_a_validation_problem()
    {
        var key = ApiFactory.Key();

        var problem = await (await _client.PutAsync(Strings(key, "/range"), Json("""{"offset":-1,"value":"x"}"""))).Problem(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("offset", out _));
    }

    // POST /strings/mget, /strings/mset

    [Fact]
    public async Task Mset_writes_every_item_and_mget_reads_them_in_order_with_null_for_missing_keys()
    {
        var (a, b, missing) = (ApiFactory.Key("a"), ApiFactory.Key("b"), ApiFactory.Key("missing"));

        var set = await (await _client.PostAsync("/strings/mset", Json($$"""{"items":[{"key":"{{a}}","value":"1"},{"key":"{{b}}","value":"2"}]}"""))).Body(HttpStatusCode.OK);
        var got = await (await _client.PostAsync("/strings/mget", Json($$"""{"keys":["{{b}}","{{missing}}","{{a}}"]}"""))).Body(HttpStatusCode.OK);

        Assert.True(set.GetProperty("written").GetBoolean());
        Assert.Equal(2, set.GetProperty("count").GetInt32());
        var items = got.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal([b, missing, a], items.Select(i => i.GetProperty("key").GetString()));
        Assert.Equal("2", items[0].GetProperty("value").GetString());
        Assert.Equal(JsonValueKind.Null, items[1].GetProperty("value").ValueKind);
        Assert.Equal("1", items[2].GetProperty("value").GetString());
    }

    [Fact]
    public async Task Mset_only_if_none_exist_writes_nothing_when_one_key_exists()
    {
        var (existing, fresh) = (ApiFactory.Key("existing"), ApiFactory.Key("fresh"));
        await _client.PutString(existing, "old");

        var body = await (await _client.PostAsync("/strings/mset",
            Json($$"""{"items":[{"key":"{{fresh}}","value":"new"},{"key":"{{existing}}","value":"new"}],"onlyIfNoneExist":true}"""))).Body(HttpStatusCode.OK);

        Assert.False(body.GetProperty("written").GetBoolean());
        Assert.Equal(0, body.GetProperty("count").GetInt32());
        Assert.Equal("old", await _client.GetValue(existing));
        await (await _client.GetAsync(Strings(fresh))).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Mset_only_if_none_exist_writes_everything_when_no_key_exists()
    {
        var (a, b) = (ApiFactory.Key("a"), ApiFactory.Key("b"));

        var body = await (await _client.PostAsync("/strings/mset",
            Json($$"""{"items":[{"key":"{{a}}","value":"1"},{"key":"{{b}}","value":"2"}],"onlyIfNoneExist":true}"""))).Body(HttpStatusCode.OK);

        Assert.True(body.GetProperty("written").GetBoolean());
        Assert.Equal(2, body.GetProperty("count").GetInt32());
        Assert.Equal("1", await _client.GetValue(a));
        Assert.Equal("2", await _client.GetValue(b));
    }

    [Fact]
    public async Task Mget_answers_a_binary_value_in_base64_for_that_item_only()
    {
        var (text, binary) = (ApiFactory.Key("text"), ApiFactory.Key("binary"));
        await _client.PutString(text, "plain");
        await _client.PutAsync(Strings(binary), Bytes([0xFF]));

        var body = await (await _client.PostAsync("/strings/mget", Json($$"""{"keys":["{{text}}","{{binary}}"]}"""))).Body(HttpStatusCode.OK);

        var items = body.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal("plain", items[0].GetProperty("value").GetString());
        Assert.False(items[0].TryGetProperty("encoding", out _));
        Assert.Equal("base64", items[1].GetProperty("encoding").GetString());
        Assert.Equal("/w==", items[1].GetProperty("value").GetString());
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(binary)), items[1].GetProperty("key").GetString());
    }

    [Fact]
    public async Task Mget_without_keys_and_mset_without_items_are_validation_problems()
    {
        var mget = await (await _client.PostAsync("/strings/mget", Json("""{"keys":[]}"""))).Problem(HttpStatusCode.BadRequest);
        var mset = await (await _client.PostAsync("/strings/mset", Json("""{"items":[]}"""))).Problem(HttpStatusCode.BadRequest);

        Assert.True(mget.GetProperty("errors").TryGetProperty("keys", out _));
        Assert.True(mset.GetProperty("errors").TryGetProperty("items", out _));
    }
}
