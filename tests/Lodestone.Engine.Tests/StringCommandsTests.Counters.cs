using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Tests;

// INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT.
public sealed partial class StringCommandsTests
{
    [Fact]
    public async Task Incr_on_a_missing_key_starts_from_zero()
    {
        ReplyAssert.Integer(await Run("INCR", "n"), 1);
        ReplyAssert.Integer(await Run("INCR", "n"), 2);
        ReplyAssert.Bulk(await Run("GET", "n"), "2");
    }

    [Fact]
    public async Task Decr_incrby_and_decrby_on_missing_keys_start_from_zero()
    {
        ReplyAssert.Integer(await Run("DECR", "a"), -1);
        ReplyAssert.Integer(await Run("INCRBY", "b", "-5"), -5);
        ReplyAssert.Integer(await Run("DECRBY", "c", "5"), -5);
        ReplyAssert.Integer(await Run("INCRBY", "d", "-9223372036854775808"), long.MinValue);
    }

    [Fact]
    public async Task Incrby_and_decrby_add_and_subtract_and_are_logged_as_given()
    {
        ReplyAssert.Ok(await Run("SET", "n", "10"));
        ReplyAssert.Integer(await Run("INCRBY", "n", "32"), 42);
        ReplyAssert.Integer(await Run("DECRBY", "n", "50"), -8);
        ReplyAssert.Integer(await Run("DECR", "n"), -9);
        ReplyAssert.Bulk(await Run("GET", "n"), "-9");
        Assert.Equal(["SET n 10", "INCRBY n 32", "DECRBY n 50", "DECR n"], _engine.Log.Effects);
    }

    [Fact]
    public async Task Incr_keeps_the_ttl()
    {
        ReplyAssert.Ok(await Run("SET", "n", "10", "EX", "100"));
        ReplyAssert.Integer(await Run("INCR", "n"), 11);
        ReplyAssert.Integer(await Run("DECRBY", "n", "3"), 8);
        Assert.Equal(Now + 100_000, await PExpireTime("n"));
    }

    [Theory]
    [InlineData("9223372036854775807", "INCR")]
    [InlineData("9223372036854775807", "INCRBY 1")]
    [InlineData("1", "INCRBY 9223372036854775807")]
    [InlineData("-9223372036854775808", "DECR")]
    [InlineData("-9223372036854775808", "INCRBY -1")]
    [InlineData("-9223372036854775807", "DECRBY 2")]
    [InlineData("-1", "INCRBY -9223372036854775808")]
    public async Task Incr_and_decr_past_either_end_overflow_and_leave_the_value(string start, string operation)
    {
        ReplyAssert.Ok(await Run("SET", "n", start));
        var parts = operation.Split(' ');
        ReplyAssert.Error(await Run([parts[0], "n", .. parts[1..]]), "ERR increment or decrement would overflow");
        ReplyAssert.Bulk(await Run("GET", "n"), start);
    }

    [Fact]
    public async Task Incr_and_decr_reach_both_ends_exactly()
    {
        ReplyAssert.Ok(await Run("SET", "n", "9223372036854775806"));
        ReplyAssert.Integer(await Run("INCR", "n"), long.MaxValue);
        ReplyAssert.Ok(await Run("SET", "n", "-9223372036854775807"));
        ReplyAssert.Integer(await Run("DECR", "n"), long.MinValue);
        ReplyAssert.Integer(await Run("INCRBY", "n", "9223372036854775807"), -1);
    }

    [Fact]
    public async Task Decrby_the_smallest_integer_is_refused_because_it_cannot_be_negated()
    {
        ReplyAssert.Ok(await Run("SET", "n", "5"));
        ReplyAssert.Error(await Run("DECRBY", "n", "-9223372036854775808"), "ERR decrement would overflow");
        ReplyAssert.Bulk(await Run("GET", "n"), "5");
        ReplyAssert.Integer(await Run("DECRBY", "n", "9223372036854775807"), -9223372036854775802);
        ReplyAssert.Integer(await Run("DECRBY", "n", "-9223372036854775807"), 5);
    }

    [Theory]
    [InlineData("007")]
    [InlineData(" 7")]
    [InlineData("7 ")]
    [InlineData("+7")]
    [InlineData("-0")]
    [InlineData("-")]
    [InlineData("")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("abc")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("18446744073709551616")]
    [InlineData("123456789012345678901")]
    public async Task Incr_refuses_a_stored_value_that_is_not_a_canonical_integer(string stored)
    {
        ReplyAssert.Ok(await Run("SET", "n", stored));
        _engine.Log.Clear();

        ReplyAssert.Error(await Run("INCR", "n"), NotInteger);
        ReplyAssert.Error(await Run("DECRBY", "n", "1"), NotInteger);
        ReplyAssert.Bulk(await Run("GET", "n"), stored);
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData("+5")]
    [InlineData("05")]
    [InlineData("-0")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("")]
    [InlineData("1.5")]
    [InlineData("abc")]
    [InlineData("9223372036854775808")]
    public async Task Incrby_and_decrby_refuse_an_increment_that_is_not_a_canonical_integer(string increment)
    {
        ReplyAssert.Ok(await Run("SET", "n", "10"));
        ReplyAssert.Error(await Run("INCRBY", "n", increment), NotInteger);
        ReplyAssert.Error(await Run("DECRBY", "n", increment), NotInteger);
        ReplyAssert.Error(await Run("INCRBY", "missing", increment), NotInteger);
        ReplyAssert.Bulk(await Run("GET", "n"), "10");
        ReplyAssert.Integer(await Run("EXISTS", "missing"), 0);
    }

    [Fact]
    public async Task Incr_accepts_zero_and_the_smallest_integer_as_stored_values()
    {
        ReplyAssert.Ok(await Run("SET", "n", "0"));
        ReplyAssert.Integer(await Run("INCR", "n"), 1);
        ReplyAssert.Ok(await Run("SET", "n", "-9223372036854775808"));
        ReplyAssert.Integer(await Run("INCR", "n"), -9223372036854775807);
    }

    [Theory]
    [InlineData(null, "0.1", "0.1")]
    [InlineData("0.1", "0.2", "0.3")]
    [InlineData("10.5", "0.1", "10.6")]
    [InlineData("5.0e3", "0", "5000")]
    [InlineData("1.5", "-1.5", "0")]
    [InlineData("-1.5", "1.5", "0")]
    [InlineData("3", "-3", "0")]
    [InlineData(null, "-0", "0")]
    [InlineData(null, "1e-20", "0")]
    [InlineData("0", "-0.0000001", "-0.0000001")]
    [InlineData(null, "-1.5", "-1.5")]
    [InlineData(null, "1.23456789012345678", "1.23456789012345678")]
    [InlineData(null, "1e17", "100000000000000000")]
    [InlineData(null, "100000000000000000000", "100000000000000000000")]
    [InlineData("100", "1e+2", "200")]
    [InlineData("100", "1E2", "200")]
    [InlineData("1", ".5", "1.5")]
    [InlineData("1", "5.", "6")]
    [InlineData("1", "-.5", "0.5")]
    [InlineData("1", "+1.5", "2.5")]
    [InlineData("0001.5", "1", "2.5")]
    [InlineData("3", "0x10", "19")]
    [InlineData("3", "0X1.8P1", "6")]
    [InlineData("3", "-0x.8", "2.5")]
    [InlineData("3", "0x1p-2", "3.25")]
    [InlineData("0x10", "1", "17")]
    [InlineData(null, "0xFFFFFFFFFFFFFFFFFFFF", "1208925819614629174706176")]
    [InlineData(null, "0x1.fffffffffffffp1023", "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368")]
    public async Task Incrbyfloat_adds_and_prints_the_result_as_redis_does(string? start, string increment, string expected)
    {
        if (start is not null)
            ReplyAssert.Ok(await Run("SET", "f", start));

        ReplyAssert.Bulk(await Run("INCRBYFLOAT", "f", increment), expected);
        ReplyAssert.Bulk(await Run("GET", "f"), expected);
    }

    [Fact]
    public async Task Incrbyfloat_keeps_the_ttl_and_is_logged_as_set_keepttl()
    {
        ReplyAssert.Ok(await Run("SET", "f", "3", "EX", "100"));
        _engine.Log.Clear();

        ReplyAssert.Bulk(await Run("INCRBYFLOAT", "f", "1.5"), "4.5");
        ReplyAssert.Bulk(await Run("INCRBYFLOAT", "new", "2.0e0"), "2");
        Assert.Equal(Now + 100_000, await PExpireTime("f"));
        Assert.Equal(["SET f 4.5 KEEPTTL", "SET new 2 KEEPTTL"], _engine.Log.Effects);
    }

    [Theory]
    [InlineData("inf")]
    [InlineData("-inf")]
    [InlineData("+inf")]
    [InlineData("INFINITY")]
    [InlineData("-Infinity")]
    public async Task Incrbyfloat_by_infinity_is_refused_before_anything_changes(string increment)
    {
        ReplyAssert.Ok(await Run("SET", "f", "5000"));
        _engine.Log.Clear();

        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", increment), "ERR increment would produce NaN or Infinity");
        ReplyAssert.Error(await Run("INCRBYFLOAT", "missing", increment), "ERR increment would produce NaN or Infinity");
        ReplyAssert.Bulk(await Run("GET", "f"), "5000");
        ReplyAssert.Integer(await Run("EXISTS", "missing"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Fact]
    public async Task Incrbyfloat_on_a_stored_infinity_is_refused()
    {
        ReplyAssert.Ok(await Run("SET", "f", "inf"));
        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", "1"), "ERR increment would produce NaN or Infinity");
        ReplyAssert.Bulk(await Run("GET", "f"), "inf");
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("NaN")]
    [InlineData("-nan")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1e")]
    [InlineData("e5")]
    [InlineData(".")]
    [InlineData("-")]
    [InlineData("1_0")]
    [InlineData("1,5")]
    [InlineData("infinit")]
    [InlineData("0x")]
    [InlineData("0x1p")]
    [InlineData("0x1g")]
    [InlineData("0x.p1")]
    [InlineData("x10")]
    public async Task Incrbyfloat_refuses_an_increment_that_is_not_a_float(string increment)
    {
        ReplyAssert.Ok(await Run("SET", "f", "1.5"));
        _engine.Log.Clear();

        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", increment), NotFloat);
        ReplyAssert.Error(await Run("INCRBYFLOAT", "missing", increment), NotFloat);
        ReplyAssert.Bulk(await Run("GET", "f"), "1.5");
        ReplyAssert.Integer(await Run("EXISTS", "missing"), 0);
        Assert.Empty(_engine.Log.Effects);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("nan")]
    [InlineData(" 1")]
    [InlineData("")]
    public async Task Incrbyfloat_refuses_a_stored_value_that_is_not_a_float(string stored)
    {
        ReplyAssert.Ok(await Run("SET", "f", stored));
        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", "1"), NotFloat);
        ReplyAssert.Bulk(await Run("GET", "f"), stored);
    }

    [Fact]
    public async Task Incrbyfloat_refuses_text_with_a_nul_byte_in_it()
    {
        ReplyAssert.Error(await _engine.RunBytes(Bytes("INCRBYFLOAT"), Bytes("f"), [(byte)'1', 0]), NotFloat);
        ReplyAssert.Ok(await _engine.RunBytes(Bytes("SET"), Bytes("g"), [(byte)'5', 0]));
        ReplyAssert.Error(await Run("INCRBYFLOAT", "g", "1"), NotFloat);
    }

    [Fact]
    public async Task Incrbyfloat_accepts_at_most_5119_characters_of_number()
    {
        ReplyAssert.Bulk(await Run("INCRBYFLOAT", "f", new string('0', 5118) + "1"), "1");
        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", new string('0', 5119) + "1"), NotFloat);
        ReplyAssert.Bulk(await Run("GET", "f"), "1");
    }

    [Fact]
    public async Task Incrbyfloat_works_in_long_double_up_to_its_range_as_redis_does()
    {
        // Beyond double's range, as Redis's 80-bit long double (up to ~1.19e4932).
        ReplyAssert.Ok(await Run("SET", "f", "1e308"));
        Assert.StartsWith("19999999999999999999", Encoding.ASCII.GetString((await Run("INCRBYFLOAT", "f", "1e308")).AsBulk().Span), StringComparison.Ordinal);
        ReplyAssert.Ok(await Run("SET", "f", "1e4932"));
        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", "1.18e4932"), "ERR increment would produce NaN or Infinity");
        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", "1e4933"), NotFloat);
        ReplyAssert.Error(await Run("INCRBYFLOAT", "f", "1e-5000"), NotFloat);
        ReplyAssert.Bulk(await Run("INCRBYFLOAT", "g", "1.5e3"), "1500");
        ReplyAssert.Bulk(await Run("INCRBYFLOAT", "g", "0.1"), "1500.09999999999999998");
    }
}
