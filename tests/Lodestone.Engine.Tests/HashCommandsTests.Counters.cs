namespace Lodestone.Engine.Tests;

// HINCRBY, HINCRBYFLOAT.
public sealed partial class HashCommandsTests
{
    private const string NotFloat = "ERR value is not a valid float";

    [Fact]
    public async Task Hincrby_starts_a_missing_field_or_key_from_zero_and_is_logged_as_given()
    {
        ReplyAssert.Integer(await RunLine("HINCRBY cart sku1 2"), 2);
        ReplyAssert.Integer(await RunLine("HINCRBY cart sku1 3"), 5);
        ReplyAssert.Integer(await RunLine("HINCRBY cart sku2 -1"), -1);
        ReplyAssert.Integer(await RunLine("HINCRBY cart sku1 0"), 5);

        ReplyAssert.Bulk(await RunLine("HGET cart sku1"), "5");
        ReplyAssert.Integer(await RunLine("HSTRLEN cart sku2"), 2);
        Assert.Equal(["HINCRBY cart sku1 2", "HINCRBY cart sku1 3", "HINCRBY cart sku2 -1", "HINCRBY cart sku1 0"], _engine.Log.Effects);
    }

    [Theory]
    [InlineData("9223372036854775807", "1")]
    [InlineData("1", "9223372036854775807")]
    [InlineData("-5", "-9223372036854775804")]
    [InlineData("-9223372036854775808", "-1")]
    public async Task Hincrby_past_the_64_bit_range_is_refused_and_keeps_the_value(string start, string increment)
    {
        await Run("HSET", "h", "n", start);

        ReplyAssert.Error(await Run("HINCRBY", "h", "n", increment), "ERR increment or decrement would overflow");

        ReplyAssert.Bulk(await Run("HGET", "h", "n"), start);
    }

    [Theory]
    [InlineData("-5", "-9223372036854775803", "-9223372036854775808")]
    [InlineData("9223372036854775806", "1", "9223372036854775807")]
    [InlineData("-1", "9223372036854775807", "9223372036854775806")]
    public async Task Hincrby_reaches_the_ends_of_the_64_bit_range(string start, string increment, string result)
    {
        await Run("HSET", "h", "n", start);

        ReplyAssert.Integer(await Run("HINCRBY", "h", "n", increment), long.Parse(result, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData(" 1")]
    [InlineData("01")]
    [InlineData("")]
    public async Task Hincrby_on_a_value_that_is_not_an_integer_is_refused(string stored)
    {
        await Run("HSET", "h", "n", stored);

        ReplyAssert.Error(await Run("HINCRBY", "h", "n", "1"), "ERR hash value is not an integer");

        ReplyAssert.Bulk(await Run("HGET", "h", "n"), stored);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("1.0")]
    [InlineData("9223372036854775808")]
    [InlineData("")]
    public async Task Hincrby_by_something_that_is_not_an_integer_is_refused_and_creates_nothing(string increment)
    {
        ReplyAssert.Error(await Run("HINCRBY", "h", "n", increment), NotInteger);

        ReplyAssert.Integer(await RunLine("EXISTS h"), 0);
    }

    [Theory]
    [InlineData("10", "2.5", "12.5")]
    [InlineData("12.5", "-0.5", "12")]
    [InlineData("0.1", "0.2", "0.3")]
    [InlineData("1", "1e2", "101")]
    [InlineData("5", "0x10", "21")]
    [InlineData("1.0", "-1.0", "0")]
    [InlineData("-9223372036854775793", "2.5", "-9223372036854775790.5")]
    [InlineData("3", "0", "3")]
    [InlineData("5.0e3", "0", "5000")]
    public async Task Hincrbyfloat_adds_and_stores_the_sum_as_redis_prints_it(string start, string increment, string result)
    {
        await Run("HSET", "h", "f", start);

        ReplyAssert.Bulk(await Run("HINCRBYFLOAT", "h", "f", increment), result);

        ReplyAssert.Bulk(await Run("HGET", "h", "f"), result);
    }

    [Theory]
    [InlineData("3.0", "3")]
    [InlineData("-0", "0")]
    [InlineData("1e-5", "0.00001")]
    [InlineData("1.23456789012345678", "1.23456789012345678")]
    public async Task Hincrbyfloat_on_a_missing_field_starts_from_zero(string increment, string result)
    {
        ReplyAssert.Bulk(await Run("HINCRBYFLOAT", "h", "f", increment), result);

        ReplyAssert.Bulk(await Run("HGET", "h", "f"), result);
    }

    [Fact]
    public async Task Hincrbyfloat_is_logged_as_hsetex_keepttl_of_its_result()
    {
        await RunLine("HINCRBYFLOAT h f 0.1");
        await RunLine("HINCRBYFLOAT h f 0.2");

        // Redis 8's rewrite: the result, and the field keeps its TTL when replayed.
        Assert.Equal(["HSETEX h KEEPTTL FIELDS 1 f 0.1", "HSETEX h KEEPTTL FIELDS 1 f 0.3"], _engine.Log.Effects);
    }

    [Theory]
    [InlineData("x", NotFloat)]
    [InlineData("nan", NotFloat)]
    [InlineData("", NotFloat)]
    [InlineData(" 1", NotFloat)]
    [InlineData("inf", "ERR value is NaN or Infinity")]
    [InlineData("-inf", "ERR value is NaN or Infinity")]
    public async Task Hincrbyfloat_by_something_that_is_not_a_finite_float_is_refused_and_creates_nothing(string increment, string error)
    {
        ReplyAssert.Error(await Run("HINCRBYFLOAT", "h", "f", increment), error);

        ReplyAssert.Integer(await RunLine("EXISTS h"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("")]
    public async Task Hincrbyfloat_on_a_value_that_is_not_a_float_is_refused(string stored)
    {
        await Run("HSET", "h", "f", stored);

        ReplyAssert.Error(await Run("HINCRBYFLOAT", "h", "f", "1"), "ERR hash value is not a float");

        ReplyAssert.Bulk(await Run("HGET", "h", "f"), stored);
    }

    [Fact]
    public async Task Hincrbyfloat_that_would_reach_infinity_is_refused_and_keeps_the_value()
    {
        await RunLine("HSET h f inf");

        ReplyAssert.Error(await RunLine("HINCRBYFLOAT h f 1"), "ERR increment would produce NaN or Infinity");

        ReplyAssert.Bulk(await RunLine("HGET h f"), "inf");
    }

    [Fact]
    public async Task Hincrby_and_hincrbyfloat_work_on_each_others_results()
    {
        await RunLine("HSET h n 10");

        ReplyAssert.Bulk(await RunLine("HINCRBYFLOAT h n 2.5"), "12.5");
        ReplyAssert.Error(await RunLine("HINCRBY h n 1"), "ERR hash value is not an integer");
        ReplyAssert.Bulk(await RunLine("HINCRBYFLOAT h n -0.5"), "12");
        ReplyAssert.Integer(await RunLine("HINCRBY h n 1"), 13);
    }
}
