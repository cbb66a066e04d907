using System.Globalization;
using System.Text;

namespace Lodestone.Engine.Tests;

// A randomised model test: the same seeded operations on the engine and on dictionaries.
public sealed partial class HashCommandsTests
{
    private static readonly string[] StoredValues = ["1", "-3", "2.5", "x", "", "40"];
    private static readonly string[] FloatIncrements = ["0.5", "-2.25", "3", "-1"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Thousands_of_random_operations_agree_with_a_dictionary_model(int seed)
    {
        var random = new Random(seed);
        var model = new Dictionary<string, Dictionary<string, string>>();
        string Field() => $"f{random.Next(12)}";

        for (var step = 0; step < 4000; step++)
        {
            var key = $"h{random.Next(3)}";
            var hash = model.GetValueOrDefault(key);
            var operation = random.Next(14);
            var what = $"step {step} (seed {seed}), operation {operation} on {key}";
            switch (operation)
            {
                case 0:
                {
                    var args = new List<string> { "HSET", key };
                    var added = 0;
                    hash ??= model[key] = [];
                    for (var n = random.Next(1, 4); n > 0; n--)
                    {
                        var (field, value) = (Field(), StoredValues[random.Next(StoredValues.Length)]);
                        args.AddRange([field, value]);
                        if (hash.TryAdd(field, value))
                            added++;
                        hash[field] = value;
                    }
                    ReplyAssert.Integer(await Run([.. args]), added);
                    break;
                }
                case 1:
                {
                    var (field, value) = (Field(), StoredValues[random.Next(StoredValues.Length)]);
                    var isNew = hash is null || !hash.ContainsKey(field);
                    if (isNew)
                        (hash ??= model[key] = [])[field] = value;
                    ReplyAssert.Integer(await Run("HSETNX", key, field, value), isNew ? 1 : 0);
                    break;
                }
                case 2:
                {
                    var fields = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Field()).ToArray();
                    var removed = fields.Count(f => hash is not null && hash.Remove(f));
                    if (hash is { Count: 0 })
                        model.Remove(key);
                    ReplyAssert.Integer(await Run(["HDEL", key, .. fields]), removed);
                    break;
                }
                case 3:
                {
                    var field = Field();
                    var reply = await Run("HGET", key, field);
                    if (hash is not null && hash.TryGetValue(field, out var value))
                        ReplyAssert.Bulk(reply, value);
                    else
                        ReplyAssert.Null(reply);
                    break;
                }
                case 4:
                {
                    var fields = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Field()).ToArray();
                    ReplyAssert.BulkArray(await Run(["HMGET", key, .. fields]), fields.Select(f => hash?.GetValueOrDefault(f)).ToArray());
                    break;
                }
                case 5:
                {
                    var field = Field();
                    ReplyAssert.Integer(await Run("HEXISTS", key, field), hash?.ContainsKey(field) == true ? 1 : 0);
                    ReplyAssert.Integer(await Run("HSTRLEN", key, field), hash?.GetValueOrDefault(field)?.Length ?? 0);
                    break;
                }
                case 6:
                    ReplyAssert.Integer(await Run("HLEN", key), hash?.Count ?? 0);
                    ReplyAssert.Integer(await Run("EXISTS", key), hash is null ? 0 : 1);
                    break;
                case 7:
                {
                    var all = Pairs(await Run("HGETALL", key));
                    var keys = Sorted(await Run("HKEYS", key));
                    var values = Sorted(await Run("HVALS", key));
                    hash ??= [];
                    Assert.Equal(hash.Select(p => $"{p.Key}={p.Value}").Order(StringComparer.Ordinal), all);
                    Assert.Equal(hash.Keys.Order(StringComparer.Ordinal), keys);
                    Assert.Equal(hash.Values.Order(StringComparer.Ordinal), values);
                    break;
                }
                case 8:
                {
                    var field = Field();
                    var by = random.Next(-5, 6);
                    var current = hash?.GetValueOrDefault(field) ?? "0";
                    var reply = await Run("HINCRBY", key, field, by.ToString(CultureInfo.InvariantCulture));
                    if (current.Length > 0 && long.TryParse(current, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && !current.StartsWith('+'))
                    {
                        ReplyAssert.Integer(reply, number + by);
                        (hash ??= model[key] = [])[field] = (number + by).ToString(CultureInfo.InvariantCulture);
                    }
                    else
                    {
                        ReplyAssert.Error(reply, "ERR hash value is not an integer");
                    }
                    break;
                }
                case 9:
                {
                    var field = Field();
                    var by = FloatIncrements[random.Next(FloatIncrements.Length)];
                    var current = hash?.GetValueOrDefault(field) ?? "0";
                    var reply = await Run("HINCRBYFLOAT", key, field, by);
                    if (decimal.TryParse(current, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                    {
                        var sum = (number + decimal.Parse(by, CultureInfo.InvariantCulture)).ToString("0.#################", CultureInfo.InvariantCulture);
                        ReplyAssert.Bulk(reply, sum);
                        (hash ??= model[key] = [])[field] = sum;
                    }
                    else
                    {
                        ReplyAssert.Error(reply, "ERR hash value is not a float");
                    }
                    break;
                }
                case 10:
                {
                    var count = random.Next(-6, 7);
                    var withValues = random.Next(2) == 0;
                    var reply = withValues
                        ? await Run("HRANDFIELD", key, count.ToString(CultureInfo.InvariantCulture), "WITHVALUES")
                        : await Run("HRANDFIELD", key, count.ToString(CultureInfo.InvariantCulture));
                    var items = ReplyAssert.Texts(reply);
                    var fields = withValues ? items.Where((_, i) => i % 2 == 0).ToArray() : items;
                    var size = hash?.Count ?? 0;
                    Assert.Equal(size == 0 ? 0 : count >= 0 ? Math.Min(count, size) : -count, fields.Length);
                    if (count > 0)
                        Assert.Equal(fields.Length, fields.Distinct().Count());
                    for (var i = 0; i < fields.Length; i++)
                    {
                        Assert.True(hash!.ContainsKey(fields[i]!), what);
                        if (withValues)
                            Assert.Equal(hash[fields[i]!], items[2 * i + 1]);
                    }
                    break;
                }
                case 11:
                {
                    var seen = new Dictionary<string, string>();
                    var cursor = "0";
                    do
                    {
                        var reply = await Run("HSCAN", key, cursor, "COUNT", random.Next(1, 8).ToString(CultureInfo.InvariantCulture));
                        cursor = ReplyAssert.Texts(reply)[0]!;
                        var page = ReplyAssert.Texts(reply.AsItems()[1]);
                        for (var i = 0; i < page.Length; i += 2)
                            seen[page[i]!] = page[i + 1]!;
                    }
                    while (cursor != "0");
                    Assert.Equal((hash ?? []).OrderBy(p => p.Key, StringComparer.Ordinal), seen.OrderBy(p => p.Key, StringComparer.Ordinal));
                    break;
                }
                case 12:
                    ReplyAssert.Integer(await Run("DEL", key), model.Remove(key) ? 1 : 0);
                    break;
                default:
                {
                    var reply = await Run("HRANDFIELD", key);
                    if (hash is null)
                        ReplyAssert.Null(reply);
                    else
                        Assert.True(hash.ContainsKey(Encoding.UTF8.GetString(reply.AsBulk().Span)), what);
                    break;
                }
            }
        }
    }
}
