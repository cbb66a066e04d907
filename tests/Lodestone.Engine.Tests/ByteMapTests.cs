using System.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Tests;

/// <summary>The member table of sets and hashes, checked against a .NET dictionary as the model.</summary>
public sealed class ByteMapTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Random_operations_agree_with_a_dictionary()
    {
        var random = new Random(7);
        var map = new ByteMap<int>();
        var model = new Dictionary<string, int>();
        for (var step = 0; step < 20_000; step++)
        {
            var key = $"m{random.Next(500)}";
            switch (random.Next(3))
            {
                case 0:
                    Assert.Equal(!model.ContainsKey(key), map.Set(B(key), step));
                    model[key] = step;
                    break;
                case 1:
                    Assert.Equal(model.Remove(key, out var expected), map.Remove(B(key), out var removed));
                    if (removed != default)
                        Assert.Equal(expected, removed);
                    break;
                default:
                    Assert.Equal(model.TryGetValue(key, out var value), map.TryGetValue(B(key), out var found));
                    Assert.Equal(value, found);
                    break;
            }
            Assert.Equal(model.Count, map.Count);
        }
        Assert.Equal(model.OrderBy(p => p.Key), map.Entries().Select(e => KeyValuePair.Create(Encoding.UTF8.GetString(e.Key), e.Value)).OrderBy(p => p.Key));
    }

    [Fact]
    public void A_scan_returns_every_entry_present_throughout_even_as_the_table_grows_and_shrinks()
    {
        var map = new ByteMap<bool>();
        for (var i = 0; i < 300; i++)
            map.Set(B($"stay{i}"), true);
        var seen = new HashSet<string>();
        var batch = new List<KeyValuePair<byte[], bool>>();
        ulong cursor = 0;
        var round = 0;
        do
        {
            batch.Clear();
            cursor = map.Scan(cursor, batch);
            seen.UnionWith(batch.Select(e => Encoding.UTF8.GetString(e.Key)));
            // Churn between calls: grow past several doublings, then shrink back.
            for (var i = 0; i < 40; i++)
            {
                if (round < 10)
                    map.Set(B($"churn{round}:{i}"), true);
                else
                    map.Remove(B($"churn{round - 10}:{i}"));
            }
            round++;
        }
        while (cursor != 0);

        Assert.All(Enumerable.Range(0, 300), i => Assert.Contains($"stay{i}", seen));
    }

    [Fact]
    public void Random_sampling_reaches_every_entry()
    {
        var map = new ByteMap<bool>();
        for (var i = 0; i < 20; i++)
            map.Set(B($"m{i}"), true);
        var random = new Random(1);

        var sampled = Enumerable.Range(0, 2000).Select(_ => Encoding.UTF8.GetString(map.Random(random).Key)).ToHashSet();

        Assert.Equal(20, sampled.Count);
    }
}
