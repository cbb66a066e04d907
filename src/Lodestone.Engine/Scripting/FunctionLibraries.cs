using KeraLua;

namespace Lodestone.Engine.Scripting;

/// <summary>Function libraries (FUNCTION LOAD, FCALL): what redis.register_function records while a library loads.</summary>
internal static class FunctionLibraries
{
    /// <summary>redis.register_function, called while a library's code runs; returns an error text or null.</summary>
    public static string? Register(ScriptRuntime runtime, Lua lua)
    {
        if (runtime.Registering is null)
            return "ERR redis.register_function can only be called on FUNCTION LOAD command";
        return "ERR functions are not available yet";
    }
}
