using KeraLua;

namespace Lodestone.Engine.Scripting;

/// <summary>Redis's cmsgpack library for scripts.</summary>
internal static class LuaMsgPack
{
    /// <summary>cmsgpack.pack(values...).</summary>
    public static string? Pack(Lua lua) => "ERR cmsgpack is not available yet";

    /// <summary>cmsgpack.unpack(bytes).</summary>
    public static string? Unpack(Lua lua) => "ERR cmsgpack is not available yet";
}
