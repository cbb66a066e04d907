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

    /// <summary>
    /// One command from a JSON array: strings as UTF-8, numbers as the text they were written with,
    /// booleans as "true"/"false". Null, objects and nested arrays are refused.
    /// </summary>
    /// <returns>The arguments, or null with <paramref name="error"/> saying what is wrong.</returns>
    public static byte[][]? ParseCommand(JsonElement command, int maxArguments, out string? error)
    {
        error = null;
        if (command.ValueKind != JsonValueKind.Array)
        {
            error = "ERR a command must be a JSON array such as [\"SET\",\"key\",\"value\"]";
            return null;
        }
        var count = command.GetArrayLength();
        if (count == 0)
        {
            error = "ERR a command must not be an empty array";
            return null;
        }
        if (count > maxArguments)
        {
            error = $"ERR a command may have at most {maxArguments} arguments (Commands:MaxArguments); this one has {count}";
            return null;
        }
        var args = new byte[count][];
        var i = 0;
        foreach (var element in command.EnumerateArray())
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    if (StringBytes(element) is not { } bytes)
                    {
                        error = $"ERR argument {i + 1} is not valid text: it holds a lone UTF-16 surrogate escape (such as \\udfff); " +
                            "send binary data with the path form (/commands/set/<percent-encoded key>) or a raw POST body";
                        return null;
                    }
                    args[i] = bytes;
                    break;
                case JsonValueKind.Number:
                    args[i] = JsonMarshal.GetRawUtf8Value(element).ToArray();
                    break;
                case JsonValueKind.True:
                    args[i] = "true"u8.ToArray();
                    break;
                case JsonValueKind.False:
                    args[i] = "false"u8.ToArray();
                    break;
                default:
                    error = $"ERR argument {i + 1} is {Describe(element.ValueKind)}; arguments must be strings, numbers or booleans";
                    return null;
            }
            i++;
        }
        return args;
    }

    /// <summary>
    /// A JSON string's UTF-8 bytes: copied straight from the document unless it has escapes to undo.
    /// Null when an escape is a lone surrogate (<c>"\udfff"</c>): valid JSON, but no text, so no bytes.
    /// </summary>
    private static byte[]? StringBytes(JsonElement element)
    {
        // The raw value includes its quotes; the document has already checked it is valid UTF-8, and
        // without a backslash there is nothing to unescape.
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (!raw.Contains((byte)'\\'))
            return raw[1..^1].ToArray();
        try
        {
            return Encoding.UTF8.GetBytes(element.GetString()!);
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
            json.WriteString("error", reply.AsError().Message);
        }
        else
        {
            json.WritePropertyName("result");
            WriteValue(json, reply, base64, topLevel: true);
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// Writes <c>{"result": …}</c> or <c>{"error": "…"}</c> as <see cref="WriteEntry"/> does, streaming
    /// each large string value in segments (see <see cref="JsonText"/>) so a value of any size is
    /// written whole without its JSON ever being held in memory at once.
    /// </summary>
    public static async ValueTask WriteEntryAsync(Utf8JsonWriter json, Reply reply, bool base64, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (!HasLargeValue(reply))
        {
            WriteEntry(json, reply, base64);
            return;
        }
        json.WriteStartObject();
        json.WritePropertyName("result");
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

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a nested array",
        _ => "not a value",
    };
}
