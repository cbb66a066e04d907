using System.Globalization;
using System.Text;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Tests;

/// <summary>The top-K list behind HOTKEYS, driven directly: which keys it keeps as keys come and go.</summary>
public sealed class HotKeysTests
{
    private static Entry Key(string name, Random random) =>
        new(Encoding.UTF8.GetBytes(name), random.Next(), RedisType.String, StringValue.Wrap([1]));

    private static List<string> Top(HotKeys hot, int count) =>
        hot.Top(count, nowMs: 0).Select(k => Encoding.UTF8.GetString(k.Entry.Key)).ToList();

    [Fact]
    public void With_more_keys_than_it_holds_the_list_keeps_the_most_accessed_in_order()
    {
        var random = new Random(7);
        var keys = Enumerable.Range(0, 300).Select(i => Key("k" + i.ToString(CultureInfo.InvariantCulture), random)).ToArray();
        // Key i is accessed 10 * (300 - i) times, the accesses shuffled together.
        var accesses = keys.SelectMany((key, i) => Enumerable.Repeat(key, 10 * (300 - i))).OrderBy(_ => random.Next()).ToList();
        var hot = new HotKeys();

        foreach (var key in accesses)
            hot.Record(key);

        Assert.Equal(Enumerable.Range(0, HotKeys.Capacity).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture)), Top(hot, HotKeys.Capacity));
        Assert.Equal(3000, hot.Top(1, nowMs: 0)[0].Count);
    }

    [Fact]
    public void Among_more_equally_hot_keys_than_it_holds_a_hotter_newcomer_rises_to_the_top()
    {
        var random = new Random(11);
        var counters = Enumerable.Range(0, 100).Select(i => Key("p:" + i.ToString(CultureInfo.InvariantCulture), random)).ToArray();
        var hot = new HotKeys();
        for (var round = 0; round < 50; round++)
        {
            foreach (var counter in counters)
                hot.Record(counter);
        }
        var newcomer = Key("newcomer", random);

        for (var i = 0; i < 80; i++)
        {
            hot.Record(newcomer);
            hot.Record(counters[i % counters.Length]);
        }

        var top = hot.Top(HotKeys.Capacity, nowMs: 0);
        Assert.Equal(HotKeys.Capacity, top.Count);
        Assert.Equal("newcomer", Encoding.UTF8.GetString(top[0].Entry.Key));
        Assert.Equal(80, top[0].Count);
        // Every listed key knows its place, and only listed keys think they have one.
        Assert.All(top, k => Assert.True(k.Entry.HotSlot >= 0));
        Assert.Equal(HotKeys.Capacity, counters.Append(newcomer).Count(k => k.HotSlot >= 0));
    }

    [Fact]
    public void Halving_keeps_the_order_and_the_next_accesses_build_on_it()
    {
        var random = new Random(3);
        var keys = Enumerable.Range(0, 80).Select(i => Key("k" + i.ToString(CultureInfo.InvariantCulture), random)).ToArray();
        var hot = new HotKeys();
        for (var i = 0; i < keys.Length; i++)
        {
            for (var n = 0; n < 4 * (keys.Length - i); n++)
                hot.Record(keys[i]);
        }
        hot.Age(0);

        hot.Age(HotKeys.HalfLifeMs);
        // k79 (4 accesses, now 2) was never listed; 200 more lift it above every halved count.
        for (var n = 0; n < 200; n++)
            hot.Record(keys[79]);

        var top = Top(hot, HotKeys.Capacity);
        Assert.Equal("k79", top[0]);
        Assert.Equal(Enumerable.Range(0, HotKeys.Capacity - 1).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture)), top.Skip(1));
    }
}
