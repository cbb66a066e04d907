using System.Globalization;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Thousands of random sorted-set commands run both on the engine and on a plain reference model
/// (a dictionary per key, sorted with LINQ for every read), with identical replies required. Seeded,
/// so a failure repeats; the message names the step and the command.
/// </summary>
public sealed partial class SortedSetCommandsTests
{
    private static readonly string[] Keys = ["k1", "k2", "k3"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Random_commands_agree_with_a_reference_model(int seed)
    {
        var random = new Random(seed);
        var model = new Model();
        for (var step = 0; step < 4000; step++)
        {
            var (command, expected) = NextCommand(random, model);
            var actual = Show(await Run(command));
            Assert.True(expected == actual, $"seed {seed}, step {step}: {string.Join(' ', command)}\n  expected {expected}\n  actual   {actual}");
        }
        foreach (var key in Keys.Append("lex"))
            await Shows(Model.Show(model.Sorted(key), withScores: true), "ZRANGE", key, "0", "-1", "WITHSCORES");
    }

    [Fact]
    public async Task A_large_set_keeps_ranks_ranges_and_counts_exact_through_updates_and_removals()
    {
        // Thousands of members make a skip list many levels high, which the small model sets do not.
        var random = new Random(7);
        var scores = new Dictionary<string, double>();
        for (var i = 0; i < 3000; i++)
        {
            var member = $"m{random.Next(2500):D4}";
            var score = random.Next(-500, 500);
            await Run("ZADD", "big", F(score), member);
            scores[member] = score;
            if (i % 7 == 0)
            {
                var gone = $"m{random.Next(2500):D4}";
                await Run("ZREM", "big", gone);
                scores.Remove(gone);
            }
        }
        var sorted = scores.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();

        ReplyAssert.Integer(await Run("ZCARD", "big"), sorted.Count);
        for (var i = 0; i < 200; i++)
        {
            var rank = random.Next(sorted.Count);
            ReplyAssert.Integer(await Run("ZRANK", "big", sorted[rank].Key), rank);
            ReplyAssert.Integer(await Run("ZREVRANK", "big", sorted[rank].Key), sorted.Count - 1 - rank);
            var window = sorted.Skip(rank).Take(3).Select(p => p.Key);
            await Shows("[" + string.Join(", ", window) + "]", "ZRANGE", "big", I(rank), I(rank + 2));
            double low = random.Next(-500, 500), high = low + random.Next(0, 50);
            ReplyAssert.Integer(await Run("ZCOUNT", "big", F(low), "(" + F(high)), sorted.Count(p => p.Value >= low && p.Value < high));
        }
    }

    private static (string[] Command, string Expected) NextCommand(Random random, Model model)
    {
        var key = Keys[random.Next(Keys.Length)];
        var count = model.Sorted(key).Count;
        switch (random.Next(20))
        {
            case 0:
            case 1:
            case 2:
            {
                var options = RandomAddOptions(random);
                var pairs = options.Contains("INCR") ? 1 : random.Next(1, 5);
                var arguments = new List<string>(options);
                for (var i = 0; i < pairs; i++)
                    arguments.AddRange([F(RandomScore(random)), RandomMember(random)]);
                return (["ZADD", key, .. arguments], model.Add(key, options, arguments.Skip(options.Count).ToList()));
            }
            case 3:
            {
                var increment = RandomScore(random);
                var member = RandomMember(random);
                return (["ZINCRBY", key, F(increment), member], model.Add(key, ["INCR"], [F(increment), member]));
            }
            case 4:
            {
                var members = Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomMember(random)).ToArray();
                return (["ZREM", key, .. members], model.Remove(key, members).ToString(CultureInfo.InvariantCulture));
            }
            case 5:
            {
                var members = Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomMember(random)).ToArray();
                return (["ZMSCORE", key, .. members], "[" + string.Join(", ", members.Select(m => model.ScoreOf(key, m))) + "]");
            }
            case 6:
            {
                var member = RandomMember(random);
                var reverse = random.Next(2) == 0;
                var withScore = random.Next(2) == 0;
                string[] command = [reverse ? "ZREVRANK" : "ZRANK", key, member, .. withScore ? new[] { "WITHSCORE" } : []];
                return (command, model.Rank(key, member, reverse, withScore));
            }
            case 7:
                return (["ZCARD", key], count.ToString(CultureInfo.InvariantCulture));
            case 8:
            case 9:
            {
                long start = random.Next(-count - 3, count + 3), stop = random.Next(-count - 3, count + 3);
                var reverse = random.Next(2) == 0;
                var withScores = random.Next(2) == 0;
                string[] command = ["ZRANGE", key, I(start), I(stop), .. reverse ? new[] { "REV" } : [], .. withScores ? new[] { "WITHSCORES" } : []];
                return (command, Model.Show(model.ByRank(key, start, stop, reverse), withScores));
            }
            case 10:
            case 11:
            {
                var (min, max, low, high) = RandomScoreRange(random);
                var reverse = random.Next(2) == 0;
                long offset = random.Next(-1, 5), limit = random.Next(-2, 6);
                var useLimit = random.Next(2) == 0;
                string[] command =
                [
                    "ZRANGE", key, reverse ? max : min, reverse ? min : max, "BYSCORE", .. reverse ? new[] { "REV" } : [],
                    .. useLimit ? new[] { "LIMIT", I(offset), I(limit) } : [], "WITHSCORES",
                ];
                var selected = model.ByScore(key, low, high, reverse);
                return (command, Model.Show(useLimit ? Model.Limit(selected, offset, limit) : selected, withScores: true));
            }
            case 12:
            {
                var (min, max, low, high) = RandomScoreRange(random);
                return (["ZCOUNT", key, min, max], model.ByScore(key, low, high, reverse: false).Count.ToString(CultureInfo.InvariantCulture));
            }
            case 13:
            {
                var highest = random.Next(2) == 0;
                var popCount = random.Next(0, 4);
                return ([highest ? "ZPOPMAX" : "ZPOPMIN", key, I(popCount)], Model.Show(model.Pop(key, highest, popCount), withScores: true));
            }
            case 14:
            {
                long start = random.Next(-count - 2, count + 2), stop = random.Next(-count - 2, count + 2);
                return (["ZREMRANGEBYRANK", key, I(start), I(stop)], model.RemoveAll(key, model.ByRank(key, start, stop, reverse: false)));
            }
            case 15:
            {
                var (min, max, low, high) = RandomScoreRange(random);
                return (["ZREMRANGEBYSCORE", key, min, max], model.RemoveAll(key, model.ByScore(key, low, high, reverse: false)));
            }
            case 16:
            {
                var op = new[] { "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE" }[random.Next(3)];
                var inputs = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Keys[random.Next(Keys.Length)]).ToArray();
                var weights = op == "ZDIFFSTORE" || random.Next(2) == 0 ? null : inputs.Select(_ => (double)random.Next(-2, 3)).ToArray();
                var aggregate = op == "ZDIFFSTORE" ? "SUM" : new[] { "SUM", "MIN", "MAX" }[random.Next(3)];
                string[] command =
                [
                    op, key, I(inputs.Length), .. inputs, .. weights is null ? [] : new[] { "WEIGHTS" }.Concat(weights.Select(F)),
                    .. op == "ZDIFFSTORE" ? [] : new[] { "AGGREGATE", aggregate },
                ];
                return (command, model.Store(key, op, inputs, weights, aggregate));
            }
            default:
                return LexCommand(random, model);
        }
    }

    /// <summary>Lex commands, on a key whose scores are all 0 (the only case Redis defines).</summary>
    private static (string[] Command, string Expected) LexCommand(Random random, Model model)
    {
        var (min, max, low, high) = RandomLexRange(random);
        switch (random.Next(4))
        {
            case 0:
            {
                var members = Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomMember(random)).ToArray();
                var arguments = members.SelectMany(m => new[] { "0", m }).ToList();
                return (["ZADD", "lex", .. arguments], model.Add("lex", [], arguments));
            }
            case 1:
            {
                var reverse = random.Next(2) == 0;
                long offset = random.Next(-1, 4), limit = random.Next(-2, 5);
                var selected = model.ByLex(low, high, reverse);
                return ([reverse ? "ZREVRANGEBYLEX" : "ZRANGEBYLEX", "lex", reverse ? max : min, reverse ? min : max, "LIMIT", I(offset), I(limit)],
                    Model.Show(Model.Limit(selected, offset, limit), withScores: false));
            }
            case 2:
                return (["ZLEXCOUNT", "lex", min, max], model.ByLex(low, high, reverse: false).Count.ToString(CultureInfo.InvariantCulture));
            default:
                return (["ZREMRANGEBYLEX", "lex", min, max], model.RemoveAll("lex", model.ByLex(low, high, reverse: false)));
        }
    }

    private static List<string> RandomAddOptions(Random random)
    {
        var options = new List<string>();
        var condition = random.Next(6);
        if (condition == 1)
            options.Add("NX");
        if (condition >= 2 && condition <= 3)
            options.Add("XX");
        if (condition != 1 && random.Next(3) == 0)
            options.Add(random.Next(2) == 0 ? "GT" : "LT");
        if (random.Next(3) == 0)
            options.Add("CH");
        if (random.Next(5) == 0)
            options.Add("INCR");
        return options;
    }

    /// <summary>Halves in [-10, 10]: exact in binary, so sums do not depend on their order.</summary>
    private static double RandomScore(Random random) => random.Next(-20, 21) / 2.0;

    private static string RandomMember(Random random) => "m" + random.Next(25).ToString("D2", CultureInfo.InvariantCulture);

    private static (string Min, string Max, (double Value, bool Exclusive) Low, (double Value, bool Exclusive) High) RandomScoreRange(Random random)
    {
        (string Text, double Value, bool Exclusive) Bound()
        {
            var exclusive = random.Next(3) == 0;
            var pick = random.Next(12);
            var value = pick == 0 ? double.NegativeInfinity : pick == 1 ? double.PositiveInfinity : RandomScore(random);
            var text = pick == 0 ? "-inf" : pick == 1 ? "+inf" : F(value);
            return ((exclusive ? "(" : "") + text, value, exclusive);
        }
        var low = Bound();
        var high = Bound();
        return (low.Text, high.Text, (low.Value, low.Exclusive), (high.Value, high.Exclusive));
    }

    private static (string Min, string Max, Model.LexEnd Low, Model.LexEnd High) RandomLexRange(Random random)
    {
        (string Text, Model.LexEnd End) Bound()
        {
            var pick = random.Next(10);
            if (pick == 0)
                return ("-", new Model.LexEnd(null, -1, false));
            if (pick == 1)
                return ("+", new Model.LexEnd(null, 1, false));
            var member = random.Next(3) == 0 ? RandomMember(random) + "x" : RandomMember(random);
            var exclusive = random.Next(2) == 0;
            return ((exclusive ? "(" : "[") + member, new Model.LexEnd(member, 0, exclusive));
        }
        var low = Bound();
        var high = Bound();
        return (low.Text, high.Text, low.End, high.End);
    }

    private static string F(double value) => Score(value);

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The reference: each key a dictionary of member → score; every read sorts it (score, then ordinal member).</summary>
    private sealed class Model
    {
        private readonly Dictionary<string, Dictionary<string, double>> _keys = [];

        public readonly record struct LexEnd(string? Member, int Infinity, bool Exclusive);

        public List<KeyValuePair<string, double>> Sorted(string key) =>
            _keys.TryGetValue(key, out var set)
                ? set.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToList()
                : [];

        public static string Show(IEnumerable<KeyValuePair<string, double>> elements, bool withScores) =>
            "[" + string.Join(", ", elements.SelectMany(p => withScores ? new[] { p.Key, Score(p.Value) } : [p.Key])) + "]";

        public string ScoreOf(string key, string member) =>
            _keys.TryGetValue(key, out var set) && set.TryGetValue(member, out var score) ? Score(score) : "nil";

        /// <summary>Redis's zaddGenericCommand, restated plainly.</summary>
        public string Add(string key, List<string> options, List<string> pairs)
        {
            bool nx = options.Contains("NX"), xx = options.Contains("XX"), gt = options.Contains("GT"), lt = options.Contains("LT");
            bool incr = options.Contains("INCR"), ch = options.Contains("CH");
            if (!_keys.TryGetValue(key, out var set))
            {
                if (xx)
                    return incr ? "nil" : "0";
                set = [];
            }
            int added = 0, updated = 0, processed = 0;
            var result = 0.0;
            for (var i = 0; i < pairs.Count; i += 2)
            {
                var score = double.Parse(pairs[i], CultureInfo.InvariantCulture);
                var member = pairs[i + 1];
                if (set.TryGetValue(member, out var current))
                {
                    if (nx)
                        continue;
                    if (incr)
                        score += current;
                    if ((lt && score >= current) || (gt && score <= current))
                        continue;
                    processed++;
                    result = score;
                    if (score != current)
                    {
                        set[member] = score;
                        updated++;
                    }
                }
                else if (!xx)
                {
                    set[member] = score;
                    added++;
                    processed++;
                    result = score;
                }
            }
            if (set.Count > 0)
                _keys[key] = set;
            if (incr)
                return processed > 0 ? SortedSetCommandsTests.Score(result + 0.0) : "nil";
            return (ch ? added + updated : added).ToString(CultureInfo.InvariantCulture);
        }

        public int Remove(string key, IEnumerable<string> members)
        {
            if (!_keys.TryGetValue(key, out var set))
                return 0;
            var removed = members.Count(set.Remove);
            if (set.Count == 0)
                _keys.Remove(key);
            return removed;
        }

        public string RemoveAll(string key, List<KeyValuePair<string, double>> elements) =>
            Remove(key, elements.Select(p => p.Key)).ToString(CultureInfo.InvariantCulture);

        public string Rank(string key, string member, bool reverse, bool withScore)
        {
            var sorted = Sorted(key);
            if (reverse)
                sorted.Reverse();
            var rank = sorted.FindIndex(p => p.Key == member);
            if (rank < 0)
                return "nil";
            return withScore ? $"[{rank}, {Score(sorted[rank].Value)}]" : rank.ToString(CultureInfo.InvariantCulture);
        }

        public List<KeyValuePair<string, double>> ByRank(string key, long start, long stop, bool reverse)
        {
            var sorted = Sorted(key);
            if (reverse)
                sorted.Reverse();
            var length = sorted.Count;
            if (start < 0)
                start += length;
            if (stop < 0)
                stop += length;
            start = Math.Max(start, 0);
            stop = Math.Min(stop, length - 1);
            return start > stop ? [] : sorted.GetRange((int)start, (int)(stop - start + 1));
        }

        public List<KeyValuePair<string, double>> ByScore(string key, (double Value, bool Exclusive) low, (double Value, bool Exclusive) high, bool reverse)
        {
            var selected = Sorted(key).Where(p =>
                (low.Exclusive ? p.Value > low.Value : p.Value >= low.Value) &&
                (high.Exclusive ? p.Value < high.Value : p.Value <= high.Value)).ToList();
            if (reverse)
                selected.Reverse();
            return selected;
        }

        public List<KeyValuePair<string, double>> ByLex(LexEnd low, LexEnd high, bool reverse)
        {
            var selected = Sorted("lex").Where(p => Above(p.Key, low) && Below(p.Key, high)).ToList();
            if (reverse)
                selected.Reverse();
            return selected;
        }

        private static bool Above(string member, LexEnd end) => end.Infinity switch
        {
            -1 => true,
            1 => false,
            _ => end.Exclusive ? string.CompareOrdinal(member, end.Member) > 0 : string.CompareOrdinal(member, end.Member) >= 0,
        };

        private static bool Below(string member, LexEnd end) => end.Infinity switch
        {
            -1 => false,
            1 => true,
            _ => end.Exclusive ? string.CompareOrdinal(member, end.Member) < 0 : string.CompareOrdinal(member, end.Member) <= 0,
        };

        /// <summary>LIMIT: a negative offset selects nothing, a negative count means all.</summary>
        public static List<KeyValuePair<string, double>> Limit(List<KeyValuePair<string, double>> selected, long offset, long count)
        {
            if (offset < 0)
                return [];
            var rest = selected.Skip((int)offset);
            return (count < 0 ? rest : rest.Take((int)count)).ToList();
        }

        public List<KeyValuePair<string, double>> Pop(string key, bool highest, int count)
        {
            var sorted = Sorted(key);
            if (highest)
                sorted.Reverse();
            var popped = sorted.Take(count).ToList();
            Remove(key, popped.Select(p => p.Key));
            return popped;
        }

        public string Store(string destination, string op, string[] inputs, double[]? weights, string aggregate)
        {
            var sets = inputs.Select(k => _keys.TryGetValue(k, out var s) ? new Dictionary<string, double>(s) : []).ToArray();
            var result = new Dictionary<string, double>();
            double Weighted(int i, double score) => weights is null ? score : score * weights[i] + 0.0;
            double Combine(double a, double b) => aggregate switch { "MIN" => Math.Min(a, b), "MAX" => Math.Max(a, b), _ => a + b };
            if (op == "ZDIFFSTORE")
            {
                foreach (var (member, score) in sets[0])
                {
                    if (!sets.Skip(1).Any(s => s.ContainsKey(member)))
                        result[member] = score;
                }
            }
            else
            {
                var members = op == "ZUNIONSTORE"
                    ? sets.SelectMany(s => s.Keys).Distinct()
                    : sets[0].Keys.Where(m => sets.All(s => s.ContainsKey(m)));
                foreach (var member in members)
                {
                    var scores = sets.Select((s, i) => s.TryGetValue(member, out var v) ? (double?)Weighted(i, v) : null).OfType<double>();
                    result[member] = scores.Aggregate(Combine) + 0.0;
                }
            }
            _keys.Remove(destination);
            if (result.Count > 0)
                _keys[destination] = result;
            return result.Count.ToString(CultureInfo.InvariantCulture);
        }
    }
}
