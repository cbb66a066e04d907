using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Lodestone.Engine.Execution;

namespace Lodestone.Api.Protocol;

/// <summary>
/// The Upstash REST protocol's JSON: command arrays in, <c>{"result": …}</c> / <c>{"error": …}</c> out.
/// </summary>
/// <remarks>
/// Results are RESP2-shaped: strings as strings, integers as numbers, nil as null, arrays as arrays
/// (maps flattened), doubles as strings. With <c>Upstash-Encoding: base64</c> every string in a result
/// is base64 — except a top-level "OK", which the client leaves alone — while strings inside arrays
/// are always encoded, "OK" included, because the client always decodes them. Errors are never encoded.
/// </remarks>
internal static class UpstashJson
{
    /// <summary>
    /// Replies are JSON for programs, never embedded in HTML, so characters such as ' and &lt; are
    /// written as they are rather than as \u escapes (Redis error texts quote names with ').
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Encoded once: a property name given as a string is transcoded to UTF-8 on every write.
    private static readonly JsonEncodedText ResultName = JsonEncodedText.Encode("result");
    private static readonly JsonEncodedText ErrorName = JsonEncodedText.Encode("error");

    /// <summary>How command bodies are read: as strict as any other body (no comments, no trailing commas).</summary>
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = Infrastructure.StrictJson.MaxDepth };

    /// <summary>
    /// One command, a whole body: a JSON array whose arguments are strings (as UTF-8), numbers (as the
    /// text they were written with) or booleans ("true"/"false"). Null, objects and nested arrays are
    /// refused.
    /// </summary>
    /// <returns>The arguments, or null with <paramref name="error"/> saying what is wrong.</returns>
    /// <exception cref="JsonException">The body is not valid JSON (this comes first, wherever it is).</exception>
    public static byte[][]? ParseCommand(ReadOnlySpan<byte> body, int maxArguments, out string? error)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
        reader.Read();
        var args = ReadCommand(ref reader, maxArguments, [], out error);
        ReadToEnd(ref reader);
        return args;
    }

    /// <summary>A pipeline or transaction body: a non-empty JSON array of at most <paramref name="maxCommands"/> commands.</summary>
    /// <returns>The commands, or null with <paramref name="error"/> saying what is wrong.</returns>
    /// <exception cref="JsonException">The body is not valid JSON (this comes first, wherever it is).</exception>
    public static byte[][][]? ParseCommandList(ReadOnlySpan<byte> body, int maxCommands, out string? error)
    {
        const string NotAList = "ERR the body must be a non-empty JSON array of commands, such as [[\"SET\",\"a\",\"1\"],[\"GET\",\"a\"]]";
        var reader = new Utf8JsonReader(body, ReaderOptions);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            ReadToEnd(ref reader);
            error = NotAList;
            return null;
        }
        var commands = new List<byte[][]>();
        var scratch = new List<byte[]>();
        string? commandError = null;
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            // Past the limit or a bad command, the rest is only read through (its count, its syntax).
            if (++count > maxCommands || commandError is not null)
            {
                reader.Skip();
                continue;
            }
            if (ReadCommand(ref reader, maxCommands, scratch, out var invalid) is { } args)
                commands.Add(args);
            else
                commandError = $"ERR command {count}: {invalid![4..]}";
        }
        ReadToEnd(ref reader);
        error = count == 0 ? NotAList
            : count > maxCommands ? $"ERR at most {maxCommands} commands may be sent at once (Commands:MaxArguments)"
            : commandError;
        return error is null ? [.. commands] : null;
    }

    /// <summary>
    /// The command whose first token the reader is on, read through to its end whatever is wrong with
    /// it. The array's shape is judged before its arguments, as a whole: empty, then too long, then the
    /// first argument that is not a string, number or boolean.
    /// </summary>
    private static byte[][]? ReadCommand(ref Utf8JsonReader reader, int maxArguments, List<byte[]> scratch, out string? error)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            error = "ERR a command must be a JSON array such as [\"SET\",\"key\",\"value\"]";
            return null;
        }
        scratch.Clear();
        string? argumentError = null;
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (++count > maxArguments || argumentError is not null)
            {
                reader.Skip();
                continue;
            }
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    if (StringBytes(ref reader) is { } bytes)
                        scratch.Add(bytes);
                    else
                        argumentError = $"ERR argument {count} is not valid text: it holds a lone UTF-16 surrogate escape (such as \\udfff); " +
                            "send binary data with the path form (/commands/set/<percent-encoded key>) or a raw POST body";
                    break;
                case JsonTokenType.Number:
                    scratch.Add(reader.ValueSpan.ToArray());
                    break;
                case JsonTokenType.True:
                    scratch.Add("true"u8.ToArray());
                    break;
                case JsonTokenType.False:
                    scratch.Add("false"u8.ToArray());
                    break;
                default:
                    argumentError = $"ERR argument {count} is {Describe(reader.TokenType)}; arguments must be strings, numbers or booleans";
                    reader.Skip();
                    break;
            }
        }
        error = count == 0 ? "ERR a command must not be an empty array"
            : count > maxArguments ? $"ERR a command may have at most {maxArguments} arguments (Commands:MaxArguments); this one has {count}"
            : argumentError;
        return error is null ? [.. scratch] : null;
    }

    /// <summary>
    /// Reads what is left of the body: a syntax error anywhere (trailing text included) throws, so it is
    /// reported before anything wrong with the commands, as when the whole body was parsed first.
    /// </summary>
    private static void ReadToEnd(ref Utf8JsonReader reader)
    {
        while (reader.Read())
        {
        }
    }

    /// <summary>
    /// A JSON string's UTF-8 bytes: copied straight from the body unless it has escapes to undo (the
    /// reader has checked the bytes are UTF-8). Null when an escape is a lone surrogate
    /// (<c>"\udfff"</c>): valid JSON, but no text, so no bytes.
    /// </summary>
    private static byte[]? StringBytes(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
            return reader.ValueSpan.ToArray();
        try
        {
            return Encoding.UTF8.GetBytes(reader.GetString()!);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Writes <c>{"result": …}</c> or, for an error reply, <c>{"error": "…"}</c>.</summary>
    public static void WriteEntry(Utf8JsonWriter json, Reply reply, bool base64)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        if (reply.IsError)
        {
            json.WriteString(ErrorName, reply.AsError().Message);
        }
        else
        {
            json.WritePropertyName(ResultName);
            WriteValue(json, reply, base64, topLevel: true);
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// Writes <c>{"result": …}</c> or <c>{"error": "…"}</c> as <see cref="WriteEntry"/> does, streaming
    /// each large string value in segments (see <see cref="JsonText"/>) so a value of any size is
    /// written whole without its JSON ever being held in memory at once.
    /// </summary>
    public static ValueTask WriteEntryAsync(Utf8JsonWriter json, Reply reply, bool base64, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (HasLargeValue(reply))
            return WriteLargeEntryAsync(json, reply, base64, cancellation);
        // Most replies: written at once, without an async method's frame (a pipeline writes one per command).
        WriteEntry(json, reply, base64);
        return ValueTask.CompletedTask;
    }

    private static async ValueTask WriteLargeEntryAsync(Utf8JsonWriter json, Reply reply, bool base64, CancellationToken cancellation)
    {
        json.WriteStartObject();
        json.WritePropertyName(ResultName);
        await WriteValueAsync(json, reply, base64, topLevel: true, cancellation);
        json.WriteEndObject();
    }

    /// <summary>Whether the reply holds a string value large enough to be streamed.</summary>
    private static bool HasLargeValue(Reply reply)
    {
        if (reply.Kind == ReplyKind.Bulk)
            return JsonText.IsLarge(reply.AsBulk().Length);
        if (reply.Kind is not (ReplyKind.Array or ReplyKind.Set or ReplyKind.Map))
            return false;
        var items = reply.AsItems();
        for (var i = 0; i < items.Count; i++)
        {
            if (HasLargeValue(items[i]))
                return true;
        }
        return false;
    }

    private static async ValueTask WriteValueAsync(Utf8JsonWriter json, Reply reply, bool base64, bool topLevel, CancellationToken cancellation)
    {
        if (!HasLargeValue(reply))
        {
            WriteValue(json, reply, base64, topLevel);
            return;
        }
        if (reply.Kind == ReplyKind.Bulk)
        {
            await JsonText.WriteAsync(json, reply.AsBulk(), base64, cancellation);
            return;
        }
        json.WriteStartArray();
        foreach (var item in reply.AsItems())
            await WriteValueAsync(json, item, base64, topLevel: false, cancellation);
        json.WriteEndArray();
    }

    private static void WriteValue(Utf8JsonWriter json, Reply reply, bool base64, bool topLevel)
    {
        switch (reply.Kind)
        {
            case ReplyKind.Null:
                json.WriteNullValue();
                break;
            case ReplyKind.Integer:
            case ReplyKind.Boolean:
                json.WriteNumberValue(reply.AsInteger());
                break;
            case ReplyKind.SimpleString:
                var text = reply.AsSimple();
                if (base64 && !(topLevel && text == "OK"))
                    json.WriteBase64StringValue(Encoding.UTF8.GetBytes(text));
                else
                    json.WriteStringValue(text);
                break;
            case ReplyKind.Double:
                WriteText(json, Encoding.ASCII.GetBytes(ReplyText.Double(reply.AsDouble())), base64);
                break;
            case ReplyKind.Bulk:
                WriteText(json, reply.AsBulk().Span, base64);
                break;
            case ReplyKind.Error:
                // An error inside an array (a failed command within EXEC's reply) keeps its text.
                json.WriteStringValue(reply.AsError().Message);
                break;
            default:
                json.WriteStartArray();
                foreach (var item in reply.AsItems())
                    WriteValue(json, item, base64, topLevel: false);
                json.WriteEndArray();
                break;
        }
    }

    private static void WriteText(Utf8JsonWriter json, ReadOnlySpan<byte> bytes, bool base64)
    {
        if (base64)
            json.WriteBase64StringValue(bytes);
        else
            json.WriteStringValue(Encoding.UTF8.GetString(bytes)); // bytes that are not UTF-8 become U+FFFD: ask for base64
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "a nested array",
        _ => "not a value",
    };
}
