using System.Globalization;

namespace Lodestone.Engine.Tests;

/// <summary>
/// A randomised model test: random XADD/XDEL/XTRIM/XRANGE/XREVRANGE on the engine and on a sorted
/// list of (id, value), every reply compared. Streams grow to hundreds of entries of varied sizes,
/// so blocks fill by count and by bytes, and deletes and trims cross block boundaries. Approximate
/// trims may stop at a block boundary: the model checks that they removed a prefix no longer than
/// the exact trim would, then follows.
/// </summary>
public sealed partial class StreamCommandsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Random_commands_answer_as_a_sorted_list_model_of_a_stream_does(int seed)
    {
        var random = new Random(seed);
        var model = new List<(ulong Ms, ulong Seq, string Value)>();
        ulong lastMs = 0, lastSeq = 0;
        string Id(ulong ms, ulong seq) => $"{ms}-{seq}";
        string EntryText((ulong Ms, ulong Seq, string Value) e) => $"[\"{Id(e.Ms, e.Seq)}\", [\"f\", \"{e.Value}\"]]";
        string RandomId() => Id((ulong)random.Next(0, (int)lastMs + 3), (ulong)random.Next(0, 4));

        for (var step = 0; step < 2500; step++)
        {
            var choice = random.Next(20);
            if (choice < 9)
            {
                var burst = random.Next(4) == 0 ? random.Next(20, 120) : 1;
                for (var b = 0; b < burst; b++)
                {
                    var value = new string('v', random.Next(0, random.Next(2) == 0 ? 8 : 300));
                    (ulong Ms, ulong Seq) next = random.Next(3) == 0 ? (lastMs, lastSeq + 1) : (lastMs + (ulong)random.Next(1, 4), (ulong)random.Next(0, 3));
                    var text = random.Next(4) == 0 ? $"{next.Ms}-*" : Id(next.Ms, next.Seq);
                    if (text.EndsWith('*'))
                        next = next.Ms == lastMs ? (lastMs, lastSeq + 1) : (next.Ms, 0);
                    var reply = await _engine.Run("XADD", "s", text, "f", value);
                    ReplyAssert.Bulk(reply, Id(next.Ms, next.Seq));
                    model.Add((next.Ms, next.Seq, value));
                    (lastMs, lastSeq) = (next.Ms, next.Seq);
                }
            }
            else if (choice < 12)
            {
                var ids = Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(3) == 0 && model.Count > 0 ? model[random.Next(model.Count)] : default)
                    .Select(e => e.Value is null ? RandomId() : Id(e.Ms, e.Seq)).ToArray();
                var removed = 0;
                foreach (var id in ids)
                {
                    var at = model.FindIndex(e => Id(e.Ms, e.Seq) == id);
                    if (at >= 0)
                    {
                        model.RemoveAt(at);
                        removed++;
                    }
                }
                ReplyAssert.Integer(await _engine.Run(["XDEL", "s", .. ids]), removed);
            }
            else if (choice < 14)
            {
                var approximate = random.Next(2) == 0;
                var byMinId = random.Next(2) == 0;
                var maxLen = random.Next(0, model.Count + 5);
                var minMs = (ulong)random.Next(0, (int)lastMs + 2);
                var exact = byMinId ? model.Count(e => e.Ms < minMs) : Math.Max(0, model.Count - maxLen);
                string[] args = byMinId
                    ? ["XTRIM", "s", "MINID", approximate ? "~" : "=", minMs.ToString(CultureInfo.InvariantCulture)]
                    : ["XTRIM", "s", "MAXLEN", approximate ? "~" : "=", maxLen.ToString(CultureInfo.InvariantCulture)];
                var trimmed = (int)(await _engine.Run(args)).AsInteger();
                if (approximate)
                    Assert.True(trimmed <= exact, $"Seed {seed}, step {step}: {string.Join(' ', args)} trimmed {trimmed}, more than the exact {exact}.");
                else
                    Assert.Equal(exact, trimmed);
                model.RemoveRange(0, trimmed);
            }
            else
            {
                var reverse = random.Next(2) == 0;
                var lowMs = (ulong)random.Next(0, (int)lastMs + 2);
                var highMs = lowMs + (ulong)random.Next(0, 60);
                var lowExclusive = random.Next(3) == 0;
                var highExclusive = random.Next(3) == 0;
                var low = random.Next(4) == 0 ? "-" : (lowExclusive ? "(" : "") + Id(lowMs, (ulong)random.Next(0, 3));
                var high = random.Next(4) == 0 ? "+" : (highExclusive ? "(" : "") + Id(highMs, (ulong)random.Next(0, 3));
                var count = random.Next(3) == 0 ? random.Next(1, 30) : 0;
                bool Above((ulong Ms, ulong Seq, string) e, string bound) => bound == "-" || Compare(e, bound.TrimStart('(')) is var c && (bound[0] == '(' ? c > 0 : c >= 0);
                bool Below((ulong Ms, ulong Seq, string) e, string bound) => bound == "+" || Compare(e, bound.TrimStart('(')) is var c && (bound[0] == '(' ? c < 0 : c <= 0);
                IEnumerable<(ulong Ms, ulong Seq, string Value)> expected = model.Where(e => Above(e, low) && Below(e, high));
                if (reverse)
                    expected = expected.Reverse();
                if (count > 0)
                    expected = expected.Take(count);
                string[] args = reverse ? ["XREVRANGE", "s", high, low] : ["XRANGE", "s", low, high];
                if (count > 0)
                    args = [.. args, "COUNT", count.ToString(CultureInfo.InvariantCulture)];
                var actual = (await _engine.Run(args)).ToString();
                var wanted = "[" + string.Join(", ", expected.Select(EntryText)) + "]";
                Assert.True(wanted == actual, $"Seed {seed}, step {step}: {string.Join(' ', args)} answered {Shorten(actual)}, the model {Shorten(wanted)}.");
            }
            if (step % 250 == 0)
                ReplyAssert.Integer(await _engine.Run("XLEN", "s"), model.Count);
        }
    }

    private static int Compare((ulong Ms, ulong Seq, string) entry, string id)
    {
        var parts = id.Split('-');
        var (ms, seq) = (ulong.Parse(parts[0], CultureInfo.InvariantCulture), ulong.Parse(parts[1], CultureInfo.InvariantCulture));
        return entry.Ms != ms ? entry.Ms.CompareTo(ms) : entry.Seq.CompareTo(seq);
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..150] + "…" + text[^150..];
}
