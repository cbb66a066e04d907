using System.Text;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Tests;

/// <summary>
/// One SCAN-family call spends a bounded number of matcher steps, however long the elements: it
/// returns early with a cursor to go on from, and the whole iteration still finds every match.
/// </summary>
public sealed class ScanBoundTests : IDisposable
{
    /// <summary>Every byte of the long keys starts a candidate "a?b" that fails on its third byte: a few steps per byte of each key.</summary>
    private const string Pattern = "*a?b*";

    private const int LongLength = 1 << 20;

    private readonly TestEngine _engine = new(new EngineOptions { ProtoMaxBulkLen = 8 << 20 });

    public void Dispose() => _engine.Dispose();

    private static byte[] LongKey(int i) => Encoding.ASCII.GetBytes(new string('a', LongLength - 3) + $"{i:D3}");

    [Fact]
    public void A_call_stops_once_its_matcher_budget_is_spent_finishing_the_element_under_way()
    {
        var elements = Enumerable.Range(0, 20).Select(LongKey).ToList();
        long oneElement = 0;
        GlobPattern.IsMatch(Encoding.ASCII.GetBytes(Pattern), elements[0], ignoreCase: false, ref oneElement);
        var options = new ScanOptions(ScanOptions.MaxCount, GlobPattern.Compile(Encoding.ASCII.GetBytes(Pattern)), null);

        // One element per bucket: the cursor is its index, 0 after the last.
        var matched = new List<byte[]>();
        var cursor = options.Walk(0UL, (c, into) => { into.Add(elements[(int)c]); return c + 1 == (ulong)elements.Count ? 0 : c + 1; },
            element => element, matched, out var steps);

        Assert.True(oneElement > ScanOptions.MaxMatchSteps / 20, $"One long key costs {oneElement} steps: too cheap to test the bound.");
        Assert.True(steps <= ScanOptions.MaxMatchSteps + oneElement, $"One call spent {steps} matcher steps.");
        Assert.NotEqual(0UL, cursor);
        Assert.True(cursor < (ulong)elements.Count);
        Assert.Empty(matched);
    }

    [Fact]
    public async Task Scan_over_long_keys_returns_early_and_the_whole_iteration_finds_every_match()
    {
        for (var i = 0; i < 20; i++)
            await _engine.RunBytes("SET"u8.ToArray(), LongKey(i), "v"u8.ToArray());
        var shortMatch = "xa-b";
        var longerMatch = new string('a', 20) + "b";
        await _engine.Run("MSET", shortMatch, "1", longerMatch, "1", "ab", "1");

        var calls = 0;
        var cursor = "0";
        var found = new List<string>();
        do
        {
            var reply = (await _engine.Run("SCAN", cursor, "MATCH", Pattern, "COUNT", "100000")).AsItems();
            cursor = Encoding.ASCII.GetString(reply[0].AsBulk().Span);
            found.AddRange(reply[1].AsItems().Select(k => Encoding.ASCII.GetString(k.AsBulk().Span)));
            calls++;
        }
        while (cursor != "0");

        // COUNT 100000 would take all 23 keys in one call; the matcher budget splits it.
        Assert.True(calls > 1, "One call matched every long key.");
        Assert.Equal(new[] { shortMatch, longerMatch }.Order(StringComparer.Ordinal), found.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("SSCAN")]
    [InlineData("HSCAN")]
    [InlineData("ZSCAN")]
    public async Task The_per_type_scans_are_bounded_the_same_way(string command)
    {
        for (var i = 0; i < 20; i++)
        {
            var args = command switch
            {
                "SSCAN" => new[] { "SADD"u8.ToArray(), "c"u8.ToArray(), LongKey(i) },
                "HSCAN" => ["HSET"u8.ToArray(), "c"u8.ToArray(), LongKey(i), "v"u8.ToArray()],
                _ => ["ZADD"u8.ToArray(), "c"u8.ToArray(), "1"u8.ToArray(), LongKey(i)],
            };
            await _engine.RunBytes(args);
        }

        var first = (await _engine.Run(command, "c", "0", "MATCH", Pattern, "COUNT", "100000")).AsItems();

        Assert.NotEqual("0", Encoding.ASCII.GetString(first[0].AsBulk().Span));
        Assert.Empty(first[1].AsItems());
    }
}
