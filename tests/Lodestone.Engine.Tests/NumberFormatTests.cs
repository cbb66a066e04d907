using Lodestone.Engine.Text;

namespace Lodestone.Engine.Tests;

/// <summary>How doubles (scores) print: Redis 7.2+'s d2string — integers as integers, the rest in fpconv_dtoa's format over the shortest round-trip digits.</summary>
public sealed class NumberFormatTests
{
    [Theory]
    // Integral values within ±2^62 print as integers (Redis's double2ll), however many zeros.
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-3.0, "-3")]
    [InlineData(100.0, "100")]
    [InlineData(1e8, "100000000")]
    [InlineData(1e16, "10000000000000000")]
    [InlineData(123456789012345678.0, "123456789012345680")]
    [InlineData(9007199254740993.0, "9007199254740992")]
    [InlineData(4611686018427387904.0, "4611686018427387904")]
    [InlineData(-4e18, "-4000000000000000000")]
    // Beyond 2^62, fpconv: plain while the digits need at most 7 zeros added, then scientific with a
    // signed exponent and no leading zeros in it.
    [InlineData(5e18, "5e+18")]
    [InlineData(1.2345678901234567e19, "12345678901234567000")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1.5e300, "1.5e+300")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    // Fractions: plain with up to 6 zeros after the point (or an exponent below 4), else scientific.
    [InlineData(0.1, "0.1")]
    [InlineData(-0.5, "-0.5")]
    [InlineData(123.45, "123.45")]
    [InlineData(1.5e-5, "0.000015")]
    [InlineData(1e-6, "0.000001")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(2.5e-7, "2.5e-7")]
    [InlineData(1.2345e-10, "1.2345e-10")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(3.14159, "3.14159")]
    // The special values, and the sign of zero.
    [InlineData(-0.0, "-0")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    public void Doubles_print_as_Redis_7_2_prints_them(double value, string expected) =>
        Assert.Equal(expected, RedisNumbers.FormatDouble(value));

    [Fact]
    public void Every_printed_double_reads_back_as_itself()
    {
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var value = BitConverter.Int64BitsToDouble(random.NextInt64());
            if (!double.IsFinite(value))
                continue;
            var text = RedisNumbers.FormatDouble(value);
            Assert.True(RedisNumbers.TryParseDouble(System.Text.Encoding.ASCII.GetBytes(text), out var back), text);
            Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(back));
        }
    }
}
