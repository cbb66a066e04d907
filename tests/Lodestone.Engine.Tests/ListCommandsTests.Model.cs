using System.Globalization;

namespace Lodestone.Engine.Tests;

/// <summary>
/// A randomised model test: thousands of random list commands applied both to the engine and to a
/// plain <see cref="List{T}"/> per key written from Redis's documentation, with every reply and, now
/// and then, every list compared. Seeded, so a failure repeats.
/// </summary>
public sealed partial class ListCommandsTests
{
    private static readonly string[] ModelKeys = ["a", "b", "c"];
    private static readonly string[] ModelElements = ["x", "y", "z", "w"];

    /// <param name="large">Push up to 40 elements at a time and use indexes up to ±60, so lists grow
    /// past the buffer's first capacity, wrap around it and shrink back.</param>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    public async Task Random_commands_answer_as_a_simple_model_of_lists_does(int seed, bool large)
    {
        var random = new Random(seed);
        var model = new ListModel();

        for (var step = 0; step < 3000; step++)
        {
            var args = RandomCommand(random, large);
            var expected = model.Apply(args);

            var actual = (await _engine.Run(args)).ToString();

            Assert.True(expected == actual, $"Seed {seed}, step {step}: {string.Join(' ', args)} answered {actual}, the model {expected}.");
            if (step % 100 == 0 || step == 2999)
                await AssertSameLists(model, $"seed {seed}, step {step}");
        }
    }

    private async Task AssertSameLists(ListModel model, string when)
    {
        foreach (var key in ModelKeys)
        {
            Assert.True(model.Exists(key) == ((await _engine.Run("EXISTS", key)).AsInteger() == 1), $"{when}: does {key} exist?");
            Assert.True(model.Items(key).SequenceEqual(await Range(key)), $"{when}: the lists at {key} differ.");
        }
    }

    private static string[] RandomCommand(Random random, bool large)
    {
        var (maxPush, maxIndex) = large ? (40, 60) : (3, 7);
        string Key() => ModelKeys[random.Next(ModelKeys.Length)];
        string Element() => ModelElements[random.Next(ModelElements.Length)];
        string Index() => random.Next(20) == 0 ? (random.Next(2) == 0 ? "9223372036854775807" : "-9223372036854775808") : random.Next(-maxIndex, maxIndex + 1).ToString(CultureInfo.InvariantCulture);
        string End() => random.Next(2) == 0 ? "LEFT" : "RIGHT";
        string[] Elements() => [.. Enumerable.Range(0, random.Next(1, maxPush + 1)).Select(_ => Element())];

        return random.Next(18) switch
        {
            0 => ["LPUSH", Key(), .. Elements()],
            1 => ["RPUSH", Key(), .. Elements()],
            2 => [random.Next(2) == 0 ? "LPUSHX" : "RPUSHX", Key(), .. Elements()],
            3 => random.Next(2) == 0 ? ["LPOP", Key()] : ["LPOP", Key(), random.Next(0, maxPush + 2).ToString(CultureInfo.InvariantCulture)],
            4 => random.Next(2) == 0 ? ["RPOP", Key()] : ["RPOP", Key(), random.Next(0, maxPush + 2).ToString(CultureInfo.InvariantCulture)],
            5 => ["LLEN", Key()],
            6 => ["LRANGE", Key(), Index(), Index()],
            7 => ["LINDEX", Key(), Index()],
            8 => ["LSET", Key(), Index(), Element()],
            9 => ["LINSERT", Key(), random.Next(2) == 0 ? "BEFORE" : "AFTER", Element(), Element()],
            10 => ["LREM", Key(), random.Next(-3, 4).ToString(CultureInfo.InvariantCulture), Element()],
            11 => ["LTRIM", Key(), Index(), Index()],
            12 => ["LPOS", Key(), Element(), .. RandomLposOptions(random)],
            13 => ["RPOPLPUSH", Key(), Key()],
            14 => ["LMOVE", Key(), Key(), End(), End()],
            15 => RandomLmpop(random, Key, End),
            16 => ["RPUSH", Key(), .. Elements(), .. Elements()],
            _ => ["LRANGE", Key(), "0", "-1"],
        };
    }

    private static string[] RandomLposOptions(Random random)
    {
        var options = new List<string>();
        if (random.Next(2) == 0)
            options.AddRange(["RANK", new[] { "1", "2", "3", "-1", "-2" }[random.Next(5)]]);
        if (random.Next(2) == 0)
            options.AddRange(["COUNT", random.Next(0, 3).ToString(CultureInfo.InvariantCulture)]);
        if (random.Next(3) == 0)
            options.AddRange(["MAXLEN", new[] { "0", "2", "5" }[random.Next(3)]]);
        return [.. options];
    }

    private static string[] RandomLmpop(Random random, Func<string> key, Func<string> end)
    {
        var keys = Enumerable.Range(0, random.Next(1, 4)).Select(_ => key()).ToArray();
        string[] args = ["LMPOP", keys.Length.ToString(CultureInfo.InvariantCulture), .. keys, end()];
        return random.Next(2) == 0 ? args : [.. args, "COUNT", random.Next(1, 5).ToString(CultureInfo.InvariantCulture)];
    }

    /// <summary>Lists as Redis documents them, answering in the engine's reply rendering (<see cref="Execution.Reply.ToString"/>).</summary>
    private sealed class ListModel
    {
        private const string Nil = "(nil)";
        private readonly Dictionary<string, List<string>> _lists = [];

        public bool Exists(string key) => _lists.ContainsKey(key);

        public List<string> Items(string key) => _lists.GetValueOrDefault(key) ?? [];

        public string Apply(string[] args)
        {
            var reply = Run(args);
            foreach (var empty in _lists.Where(pair => pair.Value.Count == 0).Select(pair => pair.Key).ToList())
                _lists.Remove(empty);
            return reply;
        }

        private string Run(string[] a)
        {
            var list = _lists.GetValueOrDefault(a[1]);
            switch (a[0])
            {
                case "LPUSH" or "RPUSH" or "LPUSHX" or "RPUSHX":
                    if (list is null && a[0].EndsWith('X'))
                        return Integer(0);
                    list ??= _lists[a[1]] = [];
                    foreach (var element in a[2..])
                    {
                        if (a[0].StartsWith('L'))
                            list.Insert(0, element);
                        else
                            list.Add(element);
                    }
                    return Integer(list.Count);
                case "LPOP" or "RPOP":
                    if (list is null)
                        return Nil;
                    if (a.Length == 2)
                        return Bulk(Pop(list, a[0] == "LPOP"));
                    var count = Math.Min(int.Parse(a[2], CultureInfo.InvariantCulture), list.Count);
                    return Array(Enumerable.Range(0, count).Select(_ => Bulk(Pop(list, a[0] == "LPOP"))));
                case "LLEN":
                    return Integer(list?.Count ?? 0);
                case "LRANGE":
                    return Array(Slice(list ?? [], long.Parse(a[2], CultureInfo.InvariantCulture), long.Parse(a[3], CultureInfo.InvariantCulture)).Select(Bulk));
                case "LINDEX":
                    return list is not null && At(list, a[2]) is { } index ? Bulk(list[index]) : Nil;
                case "LSET":
                    if (list is null)
                        return "(error) ERR no such key";
                    if (At(list, a[2]) is not { } at)
                        return "(error) ERR index out of range";
                    list[at] = a[3];
                    return "OK";
                case "LINSERT":
                    if (list is null)
                        return Integer(0);
                    var pivot = list.IndexOf(a[3]);
                    if (pivot < 0)
                        return Integer(-1);
                    list.Insert(a[2] == "AFTER" ? pivot + 1 : pivot, a[4]);
                    return Integer(list.Count);
                case "LREM":
                    return Integer(list is null ? 0 : Remove(list, int.Parse(a[2], CultureInfo.InvariantCulture), a[3]));
                case "LTRIM":
                    if (list is not null)
                        _lists[a[1]] = Slice(list, long.Parse(a[2], CultureInfo.InvariantCulture), long.Parse(a[3], CultureInfo.InvariantCulture));
                    return "OK";
                case "LPOS":
                    return Position(list, a);
                case "RPOPLPUSH":
                    return Move(a[1], a[2], fromHead: false, toHead: true);
                case "LMOVE":
                    return Move(a[1], a[2], a[3] == "LEFT", a[4] == "LEFT");
                case "LMPOP":
                    return MultiPop(a);
                default:
                    throw new InvalidOperationException($"The model does not know {a[0]}.");
            }
        }

        private static string Pop(List<string> list, bool head)
        {
            var index = head ? 0 : list.Count - 1;
            var item = list[index];
            list.RemoveAt(index);
            return item;
        }

        /// <summary>LRANGE's rules, as its documentation states them.</summary>
        private static List<string> Slice(List<string> list, long start, long stop)
        {
            if (start < 0)
                start = Math.Max(0, list.Count + start);
            if (stop < 0)
                stop = list.Count + stop;
            stop = Math.Min(stop, list.Count - 1);
            return start > stop ? [] : list.GetRange((int)start, (int)(stop - start + 1));
        }

        private static int? At(List<string> list, string text)
        {
            var index = long.Parse(text, CultureInfo.InvariantCulture);
            if (index < 0)
                index += list.Count;
            return index >= 0 && index < list.Count ? (int)index : null;
        }

        private static int Remove(List<string> list, int count, string element)
        {
            var removed = 0;
            var limit = count == 0 ? int.MaxValue : Math.Abs(count);
            if (count >= 0)
            {
                for (var i = 0; i < list.Count && removed < limit;)
                {
                    if (list[i] == element) { list.RemoveAt(i); removed++; }
                    else i++;
                }
            }
            else
            {
                for (var i = list.Count - 1; i >= 0 && removed < limit; i--)
                {
                    if (list[i] == element) { list.RemoveAt(i); removed++; }
                }
            }
            return removed;
        }

        private static string Position(List<string>? list, string[] a)
        {
            long rank = 1, maxLen = 0;
            long? count = null;
            for (var i = 3; i < a.Length; i += 2)
            {
                var value = long.Parse(a[i + 1], CultureInfo.InvariantCulture);
                if (a[i] == "RANK") rank = value;
                else if (a[i] == "COUNT") count = value;
                else maxLen = value;
            }
            var items = list ?? [];
            var order = Enumerable.Range(0, items.Count);
            if (rank < 0)
                order = order.Reverse();
            if (maxLen > 0)
                order = order.Take((int)maxLen);
            var matches = order.Where(i => items[i] == a[2]).Skip((int)Math.Abs(rank) - 1);
            if (count is null)
                return matches.Select(i => Integer(i)).FirstOrDefault(Nil);
            return Array((count == 0 ? matches : matches.Take((int)count)).Select(i => Integer(i)));
        }

        private string Move(string source, string destination, bool fromHead, bool toHead)
        {
            if (!_lists.TryGetValue(source, out var from))
                return Nil;
            var item = Pop(from, fromHead);
            var to = _lists.GetValueOrDefault(destination) ?? (_lists[destination] = []);
            if (toHead)
                to.Insert(0, item);
            else
                to.Add(item);
            return Bulk(item);
        }

        private string MultiPop(string[] a)
        {
            var numKeys = int.Parse(a[1], CultureInfo.InvariantCulture);
            var head = a[2 + numKeys] == "LEFT";
            var count = a.Length > 3 + numKeys ? int.Parse(a[^1], CultureInfo.InvariantCulture) : 1;
            foreach (var key in a[2..(2 + numKeys)])
            {
                if (!_lists.TryGetValue(key, out var list))
                    continue;
                var popped = Enumerable.Range(0, Math.Min(count, list.Count)).Select(_ => Bulk(Pop(list, head))).ToList();
                return Array([Bulk(key), Array(popped)]);
            }
            return Nil;
        }

        private static string Integer(long value) => "(integer) " + value.ToString(CultureInfo.InvariantCulture);

        private static string Bulk(string value) => "\"" + value + "\"";

        private static string Array(IEnumerable<string> items) => "[" + string.Join(", ", items) + "]";
    }
}
