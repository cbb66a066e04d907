using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Scripting;

/// <summary>A script's declared flags (Redis 7's shebang <c>flags=</c> and register_function's <c>flags</c>).</summary>
[Flags]
internal enum ScriptFlags
{
    /// <summary>No shebang: Redis's defaults for an EVAL script (it may write).</summary>
    None = 0,
    /// <summary>A shebang was given: the script declares its flags (those not given are off).</summary>
    Declared = 1 << 0,
    /// <summary><c>no-writes</c>: write commands are refused.</summary>
    NoWrites = 1 << 1,
    /// <summary><c>allow-oom</c>: may run when over the memory limit.</summary>
    AllowOom = 1 << 2,
    /// <summary><c>allow-stale</c>: may run on a stale replica.</summary>
    AllowStale = 1 << 3,
    /// <summary><c>no-cluster</c>: refused in cluster mode.</summary>
    NoCluster = 1 << 4,
    /// <summary><c>allow-cross-slot-keys</c>: may touch keys of several slots.</summary>
    AllowCrossSlotKeys = 1 << 5,
    /// <summary>
    /// <c>allow-key-locking</c>: Upstash's flag (its server locks only the declared keys); @upstash/ratelimit
    /// sends it. Here every script holds the whole engine, so it changes nothing.
    /// </summary>
    AllowKeyLocking = 1 << 6,
}

/// <summary>Reads the <c>#!lua</c> line an EVAL script or a function library may start with.</summary>
internal static class Shebang
{
    private static readonly (string Name, ScriptFlags Flag)[] Names =
    [
        ("no-writes", ScriptFlags.NoWrites), ("allow-oom", ScriptFlags.AllowOom), ("allow-stale", ScriptFlags.AllowStale),
        ("no-cluster", ScriptFlags.NoCluster), ("allow-cross-slot-keys", ScriptFlags.AllowCrossSlotKeys),
        ("allow-key-locking", ScriptFlags.AllowKeyLocking),
    ];

    /// <summary>A flag's bit from its name, or None for a name Redis does not know.</summary>
    public static ScriptFlags Flag(string name)
    {
        foreach (var (known, flag) in Names)
        {
            if (known == name)
                return flag;
        }
        return ScriptFlags.None;
    }

    /// <summary>The names of <paramref name="flags"/>, in Redis's order.</summary>
    public static IEnumerable<string> FlagNames(ScriptFlags flags) => Names.Where(n => (flags & n.Flag) != 0).Select(n => n.Name);

    /// <summary>
    /// Splits a shebang off <paramref name="body"/>: its flags, and the code to compile — the body with
    /// the shebang line blanked, so that line numbers stay the script's. For a function library
    /// (<paramref name="functionLibrary"/>) only the engine is read here (FUNCTION LOAD reads the name).
    /// </summary>
    public static EngineError? Parse(byte[] body, bool functionLibrary, out ScriptFlags flags, out ReadOnlyMemory<byte> code)
    {
        flags = ScriptFlags.None;
        code = body;
        if (body.Length < 2 || body[0] != '#' || body[1] != '!')
            return null;
        var end = Array.IndexOf(body, (byte)'\n');
        var line = Encoding.UTF8.GetString(body, 0, end < 0 ? body.Length : end).TrimEnd('\r');
        code = end < 0 ? ReadOnlyMemory<byte>.Empty : body.AsMemory(end);
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0] != "#!lua")
            return Errors.ScriptShebangEngine(parts.Length == 0 ? line : parts[0]);
        if (functionLibrary)
            return null;
        flags = ScriptFlags.Declared;
        foreach (var option in parts.Skip(1))
        {
            if (!option.StartsWith("flags=", StringComparison.Ordinal))
                return Errors.ScriptShebangOption(option);
            foreach (var name in option["flags=".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var flag = Flag(name);
                if (flag == ScriptFlags.None)
                    return Errors.ScriptShebangFlag(name);
                flags |= flag;
            }
        }
        return null;
    }
}
