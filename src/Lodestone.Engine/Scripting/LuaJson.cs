using KeraLua;

namespace Lodestone.Engine.Scripting;

/// <summary>Redis's cjson library for scripts.</summary>
internal static class LuaJson
{
    /// <summary>cjson.encode(value).</summary>
    public static string? Encode(Lua lua) => "ERR cjson is not available yet";

    /// <summary>cjson.decode(text).</summary>
    public static string? Decode(Lua lua) => "ERR cjson is not available yet";
}
