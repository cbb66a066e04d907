using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Bitmaps beyond what the Redis 7.0 tables cover (RedisTablesTests): Redis 8.2's BITOP operations,
/// against a model that works bit by bit.
/// </summary>
public sealed class BitmapCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private async Task<Reply> Run(params byte[][] args) => await _engine.Executor.ExecuteAsync(args);

    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>The model: one bit at a time, over how many sources have it and whether the first does.</summary>
    private static bool Expected(string op, bool first, int setInOthers, int others) => op switch
    {
        "DIFF" => first && setInOthers == 0,
        "DIFF1" => !first && setInOthers > 0,
        "ANDOR" => first && setInOthers > 0,
        "ONE" => (first ? 1 : 0) + setInOthers == 1,
        "AND" => first && setInOthers == others,
        "OR" => first || setInOthers > 0,
        _ => ((first ? 1 : 0) + setInOthers) % 2 == 1,
    };

    [Theory]
    [InlineData("DIFF")]
    [InlineData("DIFF1")]
    [InlineData("ANDOR")]
    [InlineData("ONE")]
    [InlineData("AND")]
    [InlineData("OR")]
    [InlineData("XOR")]
    public async Task Bitop_combines_every_bit_as_its_operation_says_over_sources_of_different_lengths(string op)
    {
        var random = new Random(op.GetHashCode(StringComparison.Ordinal));
        for (var round = 0; round < 30; round++)
        {
            var count = random.Next(2, 5);
            var sources = Enumerable.Range(0, count).Select(_ => { var b = new byte[random.Next(0, 6)]; random.NextBytes(b); return b; }).ToArray();
            var keys = Enumerable.Range(0, count).Select(i => B($"src:{i}")).ToArray();
            for (var i = 0; i < count; i++)
            {
                await Run(B("DEL"), keys[i]);
                if (sources[i].Length > 0)
                    await Run(B("SET"), keys[i], sources[i]);
            }
            var longest = sources.Max(s => s.Length);

            var reply = await Run([B("BITOP"), B(op.ToLowerInvariant()), B("dest"), .. keys]);

            Assert.Equal(longest, reply.AsInteger());
            var result = await Run(B("GET"), B("dest"));
            if (longest == 0)
            {
                Assert.True(result.IsNull);
                continue;
            }
            var bytes = result.AsBulk().ToArray();
            for (var bit = 0; bit < longest * 8; bit++)
            {
                bool Has(byte[] s) => bit / 8 < s.Length && (s[bit / 8] & (0x80 >> (bit % 8))) != 0;
                var expected = Expected(op, Has(sources[0]), sources.Skip(1).Count(Has), count - 1);
                Assert.True(expected == ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0), $"{op} bit {bit} of round {round}");
            }
        }
    }

    [Theory]
    [InlineData("DIFF")]
    [InlineData("diff1")]
    [InlineData("AndOr")]
    public async Task Diff_diff1_and_andor_need_two_sources(string op)
    {
        ReplyAssert.Error(await Run(B("BITOP"), B(op), B("dest"), B("a")), $"ERR BITOP {op.ToUpperInvariant()} must be called with at least two source keys.");
        ReplyAssert.Error(await Run(B("BITOP"), B("NOT"), B("dest"), B("a"), B("b")), "ERR BITOP NOT must be called with a single source key.");
        ReplyAssert.Error(await Run(B("BITOP"), B("NAND"), B("dest"), B("a")), "ERR syntax error");
    }

    [Fact]
    public async Task One_of_a_single_source_copies_it()
    {
        await Run(B("SET"), B("a"), [0xF0, 0x0F]);

        Assert.Equal(2, (await Run(B("BITOP"), B("ONE"), B("dest"), B("a"))).AsInteger());
        Assert.Equal(new byte[] { 0xF0, 0x0F }, (await Run(B("GET"), B("dest"))).AsBulk().ToArray());
    }
}
