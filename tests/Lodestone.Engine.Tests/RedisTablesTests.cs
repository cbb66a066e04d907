using System.Text;
using System.Text.Json.Nodes;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Lodestone against tables of a real Redis's replies (RedisTables/*.jsonl, made by
/// RedisTables/make-tables.py from a redis-server 7.0): every reply byte-identical.
/// </summary>
public sealed class RedisTablesTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    /// <summary>The cases of one table (its first line says which Redis made it and how many there are).</summary>
    private static List<JsonObject> Table(string name)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "RedisTables", name + ".jsonl"));
        var header = JsonNode.Parse(lines[0])!.AsObject();
        var cases = lines.Skip(1).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        Assert.Equal((int)header["cases"]!, cases.Count);
        return cases;
    }

    /// <summary>A reply as the table writes Redis's RESP2 reply: text, integer, null, list, or {"error": text}.</summary>
    private static JsonNode? AsTable(Reply reply) => reply.Kind switch
    {
        ReplyKind.Error => new JsonObject { ["error"] = reply.AsError().Message },
        // Byte for character, as make-tables.py reads Redis's replies (binary bitmaps included).
        ReplyKind.Bulk => JsonValue.Create(Encoding.Latin1.GetString(reply.AsBulk().Span)),
        ReplyKind.SimpleString => JsonValue.Create(reply.AsSimple()),
        ReplyKind.Integer => JsonValue.Create(reply.AsInteger()),
        // As the command endpoint prints a double (Redis 7.2's format; the tables hold only whole scores, which 7.0 prints the same).
        ReplyKind.Double => JsonValue.Create(RedisNumbers.FormatDouble(reply.AsDouble())),
        ReplyKind.Null => null,
        // A map as RESP2 sends it: its keys and values in one flat array.
        ReplyKind.Array or ReplyKind.Set or ReplyKind.Map => new JsonArray([.. reply.AsItems().Select(AsTable)]),
        _ => throw new InvalidOperationException($"No table form for {reply.Kind}."),
    };

    private static string Text(JsonNode? node) => node?.ToJsonString() ?? "null";

    [Fact]
    public async Task INCRBYFLOAT_and_HINCRBYFLOAT_answer_as_Redis_does_in_80_bit_long_double()
    {
        var cases = Table("incrbyfloat");
        Assert.True(cases.Count >= 500);
        var differences = new List<string>();
        foreach (var row in cases)
        {
            var (command, start, increment) = ((string)row["command"]!, (string?)row["start"], (string)row["increment"]!);
            await _engine.Run("DEL", "f", "h");
            if (start is not null)
            {
                await _engine.Run("SET", "f", start);
                await _engine.Run("HSET", "h", "x", start);
            }
            var reply = command == "INCRBYFLOAT" ? await _engine.Run("INCRBYFLOAT", "f", increment) : await _engine.Run("HINCRBYFLOAT", "h", "x", increment);
            if (Text(AsTable(reply)) != Text(row["reply"]))
                differences.Add($"{command} {start ?? "(none)"} + {increment}: Redis {Shorten(Text(row["reply"]))}, Lodestone {Shorten(Text(AsTable(reply)))}");
        }
        Assert.True(differences.Count == 0, $"{differences.Count} of {cases.Count} differ:\n" + string.Join('\n', differences.Take(20)));
    }

    [Fact]
    public async Task Lex_ranges_on_sets_with_mixed_scores_follow_Redis_s_walk_in_score_order()
    {
        var cases = Table("lex-ranges");
        var differences = new List<string>();
        foreach (var row in cases)
        {
            var elements = row["elements"]!.AsArray();
            var command = row["command"]!.AsArray().Select(arg => (string)arg!).ToArray();
            await _engine.Run("DEL", "z", "d");
            await _engine.Run(["ZADD", "z", .. elements.SelectMany(pair => new[] { pair![0]!.ToJsonString(), (string)pair[1]! })]);
            var reply = Text(AsTable(await _engine.Run(command)));
            var after = row["after"] is null ? null : Text(AsTable(await _engine.Run("ZRANGE", "z", "0", "-1")));
            var stored = row["stored"] is null ? null : Text(AsTable(await _engine.Run("ZRANGE", "d", "0", "-1")));
            if (reply != Text(row["reply"]) || after != (row["after"] is null ? null : Text(row["after"])) || stored != (row["stored"] is null ? null : Text(row["stored"])))
                differences.Add($"{string.Join(' ', command)} on {elements.Count} elements: Redis {Text(row["reply"])}, Lodestone {reply}");
        }
        Assert.True(differences.Count == 0, $"{differences.Count} of {cases.Count} differ:\n" + string.Join('\n', differences.Take(20)));
    }

    [Fact]
    public async Task A_negative_zero_score_shows_in_set_algebra_replies_and_is_0_once_stored() =>
        AssertSame(await Sequences("negative-zero", ["DEL", "z", "y", "d"]));

    [Fact]
    public async Task Bitmap_commands_answer_as_Redis_does_command_by_command() =>
        AssertSame(await Sequences("bitmaps", ["DEL", "b1", "b2", "b3", "missing", "dest", "l"], ["RPUSH", "l", "x"]));

    [Fact]
    public async Task LCS_answers_as_Redis_does_its_subsequence_length_and_matches() =>
        AssertSame(await Sequences("lcs", ["DEL", "a", "b", "l"], ["RPUSH", "l", "x"]));

    [Fact]
    public async Task SORT_answers_as_Redis_does_over_lists_sets_and_sorted_sets_with_BY_GET_LIMIT_and_STORE() =>
        AssertSame(await Sequences("sort", ["FLUSHALL"], ["RPUSH", "l", "x"]));

    [Fact]
    public async Task Geo_commands_answer_as_Redis_does_to_the_printed_digit_and_in_its_order() =>
        AssertSame(await Sequences("geo", ["FLUSHALL"], ["SET", "s", "x"]));

    [Fact]
    public async Task HyperLogLogs_answer_as_Redis_does_and_hold_Redis_s_bytes_from_sparse_through_dense()
    {
        var cases = Table("hyperloglog");
        Assert.True(cases.Count >= 1000);
        var reset = new[] { new[] { "DEL", "h", "k1", "k2", "k3", "k4", "d", "c", "l" }, ["CONFIG", "SET", "hll-sparse-max-bytes", "3000"], ["RPUSH", "l", "x"] };
        var differences = new List<string>();
        foreach (var row in cases)
        {
            foreach (var command in reset)
                await _engine.Run(command);
            var commands = row["commands"]!.AsArray().Select(command => command!.AsArray()).ToArray();
            var expected = row["replies"]!.AsArray();
            for (var i = 0; i < commands.Length; i++)
            {
                var args = HllArguments(commands[i]);
                var reply = Text((string)commands[i][0]! == "DIGEST" ? DigestOfValue(await _engine.Run("GET", (string)commands[i][1]!)) : AsTable(await _engine.RunBytes(args)));
                if (reply == Text(expected[i]))
                    continue;
                differences.Add($"{Shorten(commands[i].ToJsonString())}: Redis {Shorten(Text(expected[i]))}, Lodestone {Shorten(reply)}");
                break;
            }
        }
        AssertSame(differences);
    }

    [Fact]
    public async Task Stream_commands_answer_as_Redis_does_with_its_errors_groups_and_trims()
    {
        var cases = Table("streams");
        Assert.True(cases.Count >= 100);
        var differences = new List<string>();
        foreach (var row in cases)
        {
            await _engine.Run("FLUSHALL");
            var commands = row["commands"]!.AsArray().Select(command => command!.AsArray().Select(arg => (string)arg!).ToArray()).ToArray();
            var expected = row["replies"]!.AsArray();
            for (var i = 0; i < commands.Length; i++)
            {
                var reply = Text(StreamMask(commands[i], AsTable(await _engine.Run(commands[i]))));
                if (reply == Text(expected[i]))
                    continue;
                differences.Add($"{Shorten(string.Join(' ', commands[i]))}: Redis {Shorten(Text(expected[i]))}, Lodestone {Shorten(reply)}");
                break;
            }
        }
        AssertSame(differences);
    }

    /// <summary>make-tables.py's stream_mask: blanks idle, seen and delivery times and the radix tree's node count.</summary>
    private static JsonNode? StreamMask(string[] command, JsonNode? reply)
    {
        var name = command[0].ToUpperInvariant();
        if (name == "XPENDING" && command.Length >= 6 && reply is JsonArray rows)
        {
            foreach (var row in rows)
            {
                if (row is JsonArray { Count: 4 } fields)
                    fields[2] = null;
            }
            return reply;
        }
        if (name == "XINFO" && reply is JsonArray list)
            MaskInfo(list);
        return reply;
    }

    private static void MaskInfo(JsonArray node)
    {
        for (var i = 0; i < node.Count; i++)
        {
            if (node[i] is JsonArray inner)
            {
                MaskInfo(inner);
                continue;
            }
            var text = node[i] is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;
            if (i + 1 >= node.Count)
                continue;
            if (text is "radix-tree-nodes" or "seen-time" or "idle")
            {
                node[i + 1] = null;
                i++;
            }
            else if (text == "pending" && node[i + 1] is JsonArray pending)
            {
                foreach (var row in pending)
                {
                    if (row is JsonArray { Count: 4 } four)
                        four[2] = null;
                    else if (row is JsonArray { Count: 3 } three)
                        three[1] = null;
                }
                i++;
            }
        }
    }

    /// <summary>make-tables.py's hll_expand: {"n": [prefix, start, count]} is prefix+start … prefix+(start+count-1), {"b": text} raw bytes (byte for character).</summary>
    private static byte[][] HllArguments(JsonArray command)
    {
        var args = new List<byte[]>();
        foreach (var arg in command)
        {
            if (arg is JsonObject { } range && range["n"] is JsonArray n)
            {
                var (prefix, start, count) = ((string)n[0]!, (int)n[1]!, (int)n[2]!);
                for (var i = start; i < start + count; i++)
                    args.Add(Encoding.UTF8.GetBytes(prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            else if (arg is JsonObject raw)
            {
                args.Add(Encoding.Latin1.GetBytes((string)raw["b"]!));
            }
            else
            {
                args.Add(Encoding.UTF8.GetBytes((string)arg!));
            }
        }
        return [.. args];
    }

    /// <summary>make-tables.py's ["DIGEST", key]: the SHA-256 of GET's bytes in hex, or null for a missing key.</summary>
    private static JsonValue? DigestOfValue(Reply reply) =>
        reply.Kind == ReplyKind.Null ? null : JsonValue.Create(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(reply.AsBulk().Span)));

    /// <summary>
    /// Runs each case's commands in order, on keys <paramref name="reset"/> puts back as make-tables.py
    /// had them, and lists every reply that differs from Redis's (a sequence stops at its first).
    /// </summary>
    private async Task<List<string>> Sequences(string table, params string[][] reset)
    {
        var differences = new List<string>();
        foreach (var row in Table(table))
        {
            foreach (var command in reset)
                await _engine.Run(command);
            var commands = row["commands"]!.AsArray().Select(command => command!.AsArray().Select(arg => (string)arg!).ToArray()).ToArray();
            var expected = row["replies"]!.AsArray();
            for (var i = 0; i < commands.Length; i++)
            {
                var reply = Text(AsTable(await _engine.Run(commands[i])));
                if (reply == Text(expected[i]))
                    continue;
                differences.Add($"{string.Join(' ', commands[i])}: Redis {Shorten(Text(expected[i]))}, Lodestone {Shorten(reply)}");
                break;
            }
        }
        return differences;
    }

    private static void AssertSame(List<string> differences) =>
        Assert.True(differences.Count == 0, $"{differences.Count} differ:\n" + string.Join('\n', differences.Take(20)));

    private static string Shorten(string text) => text.Length <= 80 ? text : $"{text[..40]}…({text.Length} chars)…{text[^20..]}";
}
