using System.Globalization;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Thousands of random set commands applied to the engine and to a model made of .NET HashSets,
/// asserting identical results. Seeded, so a failure repeats; the step and command are in the message.
/// </summary>
public sealed partial class SetCommandsTests
{
    private const int ModelKeys = 5;
    private const int ModelMembers = 24;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_commands_agree_with_a_model_of_hash_sets(int seed)
    {
        var random = new Random(seed);
        // A key holds a HashSet<string> (a set) or a string (a string value); no entry = no key.
        var model = new Dictionary<string, object>();
        string Key() => $"k{random.Next(ModelKeys)}";
        string Member() => $"m{random.Next(ModelMembers)}";
        string[] Members(int max) => [.. Enumerable.Range(0, random.Next(1, max + 1)).Select(_ => Member())];
        string[] Keys(int max) => [.. Enumerable.Range(0, random.Next(1, max + 1)).Select(_ => Key())];
        HashSet<string>? SetAt(string key) => model.GetValueOrDefault(key) as HashSet<string>;
        bool IsString(string key) => model.GetValueOrDefault(key) is string;
        HashSet<string> Or(HashSet<string>? set) => set ?? [];
        void Store(string key, HashSet<string> result)
        {
            if (result.Count == 0)
                model.Remove(key);
            else
                model[key] = result;
        }

        for (var step = 0; step < 4000; step++)
        {
            string[] command;
            var op = random.Next(17);
            switch (op)
            {
                case 0:
                case 1:
                {
                    var key = Key();
                    command = ["SADD", key, .. Members(5)];
                    var reply = await _engine.Run(command);
                    if (IsString(key))
                    {
                        ReplyAssert.Error(reply, WrongType);
                        break;
                    }
                    var set = SetAt(key) ?? [];
                    var added = command[2..].Count(set.Add);
                    model[key] = set;
                    Expect(reply, added, step, command);
                    break;
                }
                case 2:
                {
                    var key = Key();
                    command = ["SREM", key, .. Members(6)];
                    var reply = await _engine.Run(command);
                    if (IsString(key))
                    {
                        ReplyAssert.Error(reply, WrongType);
                        break;
                    }
                    var set = SetAt(key);
                    var removed = set is null ? 0 : command[2..].Count(set.Remove);
                    if (set is not null)
                        Store(key, set);
                    Expect(reply, removed, step, command);
                    break;
                }
                case 3:
                {
                    var key = Key();
                    command = ["SMEMBERS", key];
                    var reply = await _engine.Run(command);
                    if (IsString(key))
                        ReplyAssert.Error(reply, WrongType);
                    else
                        ExpectSet(reply, Or(SetAt(key)), step, command);
                    break;
                }
                case 4:
                {
                    var key = Key();
                    command = ["SMISMEMBER", key, .. Members(4)];
                    var reply = await _engine.Run(command);
                    if (IsString(key))
                    {
                        ReplyAssert.Error(reply, WrongType);
                        break;
                    }
                    var set = Or(SetAt(key));
                    Assert.True(command[2..].Select(m => set.Contains(m) ? "1" : "0").SequenceEqual(ReplyAssert.Texts(reply)), Describe(step, command, reply));
                    command = ["SISMEMBER", key, command[2]];
                    Expect(await _engine.Run(command), set.Contains(command[2]) ? 1 : 0, step, command);
                    break;
                }
                case 5:
                {
                    var key = Key();
                    command = ["SCARD", key];
                    var reply = await _engine.Run(command);
                    if (IsString(key))
                        ReplyAssert.Error(reply, WrongType);
                    else
                        Expect(reply, Or(SetAt(key)).Count, step, command);
                    break;
                }
                case 6:
                {
                    var key = Key();
                    var withCount = random.Next(2) == 0;
                    var count = random.Next(0, 6);
                    command = withCount ? ["SPOP", key, count.ToString(CultureInfo.InvariantCulture)] : ["SPOP", key];
                    var reply = await _engine.Run(command);
                    if (IsString(key))
                    {
                        ReplyAssert.Error(reply, WrongType);
                        break;
                    }
                    var set = SetAt(key);
                    if (!withCount)
                    {
                        if (set is null)
                        {
                            Assert.True(reply.IsNull, Describe(step, command, reply));
                            break;
                        }
                        var popped = ReplyAssert.Texts(Reply.Array([reply]))[0]!;
                        Assert.True(set.Remove(popped), Describe(step, command, reply));
                        Store(key, set);
                        break;
                    }
                    var all = ReplyAssert.Texts(reply);
                    Assert.True(reply.Kind == ReplyKind.Set && all.Length == Math.Min(count, set?.Count ?? 0), Describe(step, command, reply));
                    foreach (var member in all)
                        Assert.True(set!.Remove(member!), Describe(step, command, reply));
                    if (set is not null)
                        Store(key, set);
                    break;
                }
                case 7:
                {
                    var key = Key();
                    var count = random.Next(-6, 7);
                    command = ["SRANDMEMBER", key, count.ToString(CultureInfo.InvariantCulture)];
                    var reply = await _engine.Run(command);
                    if (IsString(key))
                    {
                        ReplyAssert.Error(reply, WrongType);
                        break;
                    }
                    var set = Or(SetAt(key));
                    var sample = ReplyAssert.Texts(reply);
                    var expectedLength = set.Count == 0 ? 0 : count >= 0 ? Math.Min(count, set.Count) : -count;
                    Assert.True(sample.Length == expectedLength && sample.All(m => set.Contains(m!)), Describe(step, command, reply));
                    if (count > 0)
                        Assert.True(sample.Distinct().Count() == sample.Length, Describe(step, command, reply));
                    break;
                }
                case 8:
                case 9:
                case 10:
                {
                    var name = op switch { 8 => "SINTER", 9 => "SUNION", _ => "SDIFF" };
                    var keys = Keys(3);
                    command = [name, .. keys];
                    var reply = await _engine.Run(command);
                    if (keys.Any(IsString))
                        ReplyAssert.Error(reply, WrongType);
                    else
                        ExpectSet(reply, Algebra(name, keys.Select(k => Or(SetAt(k))).ToList()), step, command);
                    break;
                }
                case 11:
                case 12:
                {
                    var name = random.Next(3) switch { 0 => "SINTERSTORE", 1 => "SUNIONSTORE", _ => "SDIFFSTORE" };
                    var destination = Key();
                    var keys = Keys(3);
                    command = [name, destination, .. keys];
                    var reply = await _engine.Run(command);
                    if (keys.Any(IsString))
                    {
                        ReplyAssert.Error(reply, WrongType);
                        break;
                    }
                    var result = Algebra(name[..^5], keys.Select(k => Or(SetAt(k))).ToList());
                    Store(destination, result);
                    Expect(reply, result.Count, step, command);
                    break;
                }
                case 13:
                {
                    var keys = Keys(3);
                    var limit = random.Next(0, 4);
                    command = ["SINTERCARD", keys.Length.ToString(CultureInfo.InvariantCulture), .. keys, "LIMIT", limit.ToString(CultureInfo.InvariantCulture)];
                    var reply = await _engine.Run(command);
                    if (keys.Any(IsString))
                    {
                        ReplyAssert.Error(reply, WrongType);
                        break;
                    }
                    var count = Algebra("SINTER", keys.Select(k => Or(SetAt(k))).ToList()).Count;
                    Expect(reply, limit == 0 ? count : Math.Min(count, limit), step, command);
                    break;
                }
                case 14:
                {
                    var (source, destination, member) = (Key(), Key(), Member());
                    command = ["SMOVE", source, destination, member];
                    var reply = await _engine.Run(command);
                    var from = SetAt(source);
                    if (!model.ContainsKey(source))
                    {
                        Expect(reply, 0, step, command);
                        break;
                    }
                    if (IsString(source) || IsString(destination))
                    {
                        ReplyAssert.Error(reply, WrongType);
                        break;
                    }
                    if (source == destination)
                    {
                        Expect(reply, from!.Contains(member) ? 1 : 0, step, command);
                        break;
                    }
                    var moved = from!.Remove(member);
                    if (moved)
                    {
                        Store(source, from);
                        var to = SetAt(destination) ?? [];
                        to.Add(member);
                        model[destination] = to;
                    }
                    Expect(reply, moved ? 1 : 0, step, command);
                    break;
                }
                case 15:
                {
                    var key = Key();
                    if (random.Next(4) == 0)
                    {
                        command = ["SET", key, "text"];
                        ReplyAssert.Ok(await _engine.Run(command));
                        model[key] = "text";
                    }
                    else
                    {
                        command = ["DEL", key];
                        Expect(await _engine.Run(command), model.Remove(key) ? 1 : 0, step, command);
                    }
                    break;
                }
                default:
                {
                    var key = Key();
                    command = ["SSCAN", key, "0", "COUNT", "3"];
                    if (IsString(key))
                    {
                        ReplyAssert.Error(await _engine.Run(command), WrongType);
                        break;
                    }
                    var scanned = await ScanAll(key, "COUNT", random.Next(1, 5).ToString(CultureInfo.InvariantCulture));
                    Assert.True(Or(SetAt(key)).Order(StringComparer.Ordinal).SequenceEqual(scanned.Order(StringComparer.Ordinal)), Describe(step, command, Reply.Null));
                    break;
                }
            }

            // Every step: the keyspace has exactly the model's keys, with their types; empty sets are gone.
            if (step % 10 == 0)
            {
                for (var k = 0; k < ModelKeys; k++)
                {
                    var key = $"k{k}";
                    var type = model.GetValueOrDefault(key) switch { HashSet<string> => "set", string => "string", _ => "none" };
                    Assert.True(type == (await _engine.Run("TYPE", key)).AsSimple(), $"Step {step} ({string.Join(' ', command)}): {key} should be {type}.");
                }
            }
        }
    }

    private static HashSet<string> Algebra(string name, List<HashSet<string>> sets)
    {
        var result = new HashSet<string>(sets[0]);
        foreach (var set in sets.Skip(1))
        {
            switch (name)
            {
                case "SINTER":
                    result.IntersectWith(set);
                    break;
                case "SUNION":
                    result.UnionWith(set);
                    break;
                default:
                    result.ExceptWith(set);
                    break;
            }
        }
        return result;
    }

    private static void Expect(Reply reply, long expected, int step, string[] command) =>
        Assert.True(reply.Kind == ReplyKind.Integer && reply.AsInteger() == expected, Describe(step, command, reply) + $" Expected {expected}.");

    private static void ExpectSet(Reply reply, HashSet<string> expected, int step, string[] command) =>
        Assert.True(reply.Kind == ReplyKind.Set && expected.Order(StringComparer.Ordinal).SequenceEqual(ReplyAssert.Texts(reply).Order(StringComparer.Ordinal)),
            Describe(step, command, reply) + $" Expected {{{string.Join(", ", expected.Order(StringComparer.Ordinal))}}}.");

    private static string Describe(int step, string[] command, Reply reply) => $"Step {step}: {string.Join(' ', command)} → {reply}.";
}
