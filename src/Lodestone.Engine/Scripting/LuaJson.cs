using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using KeraLua;

namespace Lodestone.Engine.Scripting;

/// <summary>
/// Redis's cjson library for scripts, over System.Text.Json's reader: <c>cjson.encode</c> and
/// <c>cjson.decode</c>, with <c>cjson.null</c> (a null light userdata) for JSON's null. Host functions:
/// they return an error text rather than raise (see <see cref="ScriptRuntime"/>).
/// </summary>
internal static class LuaJson
{
    private const int MaxDepth = 1000;

    /// <summary>cjson.encode(value): tables with only positive integer keys (not too sparse) are arrays, others objects.</summary>
    public static string? Encode(Lua lua)
    {
        if (lua.GetTop() != 1)
            return "ERR bad argument #1 to 'encode' (expected 1 argument)";
        var output = new ArrayBufferWriter<byte>(256);
        if (Write(lua, 1, output, 0) is { } failed)
            return failed;
        lua.PushBuffer(output.WrittenSpan.ToArray());
        return null;
    }

    private static string? Write(Lua lua, int index, ArrayBufferWriter<byte> output, int depth)
    {
        switch (lua.Type(index))
        {
            case LuaType.Nil:
            case LuaType.LightUserData when lua.ToUserData(index) == IntPtr.Zero:
                Append(output, "null");
                return null;
            case LuaType.Boolean:
                Append(output, lua.ToBoolean(index) ? "true" : "false");
                return null;
            case LuaType.Number:
                if (lua.IsInteger(index))
                {
                    Append(output, lua.ToInteger(index).ToString(CultureInfo.InvariantCulture));
                    return null;
                }
                var number = lua.ToNumber(index);
                if (double.IsNaN(number) || double.IsInfinity(number))
                    return "ERR Cannot serialise number: must not be NaN or Inf";
                Append(output, ScriptRuntime.FormatLuaNumber(number));
                return null;
            case LuaType.String:
                WriteString(lua.ToBuffer(index, false), output);
                return null;
            case LuaType.Table:
                return WriteTable(lua, lua.AbsIndex(index), output, depth + 1);
            default:
                return $"ERR Cannot serialise {lua.TypeName(index)}: type not supported";
        }
    }

    private static string? WriteTable(Lua lua, int table, ArrayBufferWriter<byte> output, int depth)
    {
        if (depth > MaxDepth || !lua.CheckStack(4))
            return $"ERR Cannot serialise, excessive nesting ({depth})";
        // cjson's rule: an array when every key is a positive integer and the table is not too sparse.
        long max = 0, count = 0;
        var array = true;
        lua.PushNil();
        while (lua.Next(table))
        {
            count++;
            if (array && lua.IsInteger(-2) && lua.ToInteger(-2) is var k and > 0)
                max = Math.Max(max, k);
            else
                array = false;
            lua.Pop(1);
        }
        if (array && count > 0 && (max <= count * 2 || max <= 10))
        {
            Append(output, "[");
            for (long i = 1; i <= max; i++)
            {
                if (i > 1)
                    Append(output, ",");
                lua.RawGetInteger(table, i);
                var failed = Write(lua, -1, output, depth);
                lua.Pop(1);
                if (failed is not null)
                    return failed;
            }
            Append(output, "]");
            return null;
        }
        if (array && count > 0)
            return "ERR Cannot serialise table: excessively sparse array";
        Append(output, "{");
        var first = true;
        lua.PushNil();
        while (lua.Next(table))
        {
            byte[] key;
            if (lua.Type(-2) == LuaType.String)
                key = lua.ToBuffer(-2, false);
            else if (lua.Type(-2) == LuaType.Number)
                key = Encoding.ASCII.GetBytes(lua.IsInteger(-2) ? lua.ToInteger(-2).ToString(CultureInfo.InvariantCulture) : ScriptRuntime.FormatLuaNumber(lua.ToNumber(-2)));
            else
            {
                lua.Pop(2);
                return "ERR Cannot serialise table: table key must be a number or string";
            }
            if (!first)
                Append(output, ",");
            first = false;
            WriteString(key, output);
            Append(output, ":");
            var failed = Write(lua, -1, output, depth);
            lua.Pop(1);
            if (failed is not null)
            {
                lua.Pop(1);
                return failed;
            }
        }
        Append(output, "}");
        return null;
    }

    private static void WriteString(byte[] text, ArrayBufferWriter<byte> output)
    {
        Append(output, "\"");
        foreach (var b in text)
        {
            var escaped = b switch
            {
                (byte)'"' => "\\\"", (byte)'\\' => "\\\\", (byte)'/' => "\\/", (byte)'\b' => "\\b", (byte)'\f' => "\\f",
                (byte)'\n' => "\\n", (byte)'\r' => "\\r", (byte)'\t' => "\\t",
                < 0x20 or 0x7f => $"\\u{b:x4}",
                _ => null,
            };
            if (escaped is null)
                output.Write([b]);
            else
                Append(output, escaped);
        }
        Append(output, "\"");
    }

    private static void Append(ArrayBufferWriter<byte> output, string ascii)
    {
        var span = output.GetSpan(ascii.Length);
        for (var i = 0; i < ascii.Length; i++)
            span[i] = (byte)ascii[i];
        output.Advance(ascii.Length);
    }

    /// <summary>cjson.decode(text): objects and arrays become tables, null becomes cjson.null.</summary>
    public static string? Decode(Lua lua)
    {
        if (lua.GetTop() != 1 || lua.Type(1) is not (LuaType.String or LuaType.Number))
            return "ERR bad argument #1 to 'decode' (string expected)";
        var reader = new Utf8JsonReader(lua.ToBuffer(1, false), new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read())
                return "ERR Expected value but found T_END at character 1";
            if (Read(lua, ref reader) is { } failed)
                return failed;
            if (reader.Read())
                return $"ERR Expected the end but found {reader.TokenType} at character {reader.TokenStartIndex + 1}";
            return null;
        }
        catch (JsonException exception)
        {
            return "ERR " + exception.Message;
        }
    }

    private static string? Read(Lua lua, ref Utf8JsonReader reader)
    {
        if (!lua.CheckStack(4))
            return "ERR Cannot decode, excessive nesting";
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                lua.PushLightUserData(IntPtr.Zero);
                return null;
            case JsonTokenType.True:
            case JsonTokenType.False:
                lua.PushBoolean(reader.TokenType == JsonTokenType.True);
                return null;
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var integer))
                    lua.PushInteger(integer);
                else
                    lua.PushNumber(reader.GetDouble());
                return null;
            case JsonTokenType.String:
                lua.PushBuffer(Encoding.UTF8.GetBytes(reader.GetString() ?? ""));
                return null;
            case JsonTokenType.StartArray:
            {
                lua.NewTable();
                var i = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (Read(lua, ref reader) is { } failed)
                        return failed;
                    lua.RawSetInteger(-2, ++i);
                }
                return null;
            }
            case JsonTokenType.StartObject:
            {
                lua.NewTable();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    lua.PushBuffer(Encoding.UTF8.GetBytes(reader.GetString() ?? ""));
                    reader.Read();
                    if (Read(lua, ref reader) is { } failed)
                        return failed;
                    lua.RawSet(-3);
                }
                return null;
            }
            default:
                return $"ERR Expected value but found {reader.TokenType} at character {reader.TokenStartIndex + 1}";
        }
    }
}
