using System.Text;
using System.Text.RegularExpressions;
using KeraLua;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Scripting;

/// <summary>A registered function: its name, its compiled callback, its flags.</summary>
internal sealed record LuaFunctionEntry(string Name, int Ref, ScriptFlags Flags, string? Description);

/// <summary>A function library (FUNCTION LOAD): its name, its source, and the functions it registered.</summary>
internal sealed record FunctionLibrary(string Name, byte[] Code, IReadOnlyList<LuaFunctionEntry> Functions);

/// <summary>
/// Function libraries (Redis 7's FUNCTION LOAD and FCALL): loading a library runs its code once, and
/// what it passes to <c>redis.register_function</c> becomes callable by name. Engine thread only.
/// Unlike EVAL scripts, libraries are data: persisted in snapshots and logged as FUNCTION LOAD.
/// </summary>
internal sealed partial class FunctionLibraries(ScriptRuntime runtime)
{
    private readonly SortedDictionary<string, FunctionLibrary> _libraries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (FunctionLibrary Library, LuaFunctionEntry Function)> _functions = new(StringComparer.Ordinal);

    /// <summary>Every library, by name.</summary>
    public IEnumerable<FunctionLibrary> Libraries => _libraries.Values;

    /// <summary>How many functions are registered.</summary>
    public int FunctionCount => _functions.Count;

    /// <summary>The function named <paramref name="name"/>, or null.</summary>
    public (FunctionLibrary Library, LuaFunctionEntry Function)? Find(string name) =>
        _functions.TryGetValue(name, out var found) ? found : null;

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex ValidName();

    /// <summary>FUNCTION LOAD: compiles and runs the library's code, then registers its functions (replacing a library of its name with <paramref name="replace"/>).</summary>
    public EngineError? Load(byte[] code, bool replace, out string name)
    {
        name = "";
        if (ParseHeader(code, out name, out var body) is { } invalid)
            return invalid;
        if (_libraries.TryGetValue(name, out var existing) && !replace)
            return new EngineError(ErrorKind.BadRequest, $"ERR Library '{name}' already exists");
        if (runtime.Compile(body.Span, "@user_function", out var reference) is { } failed)
            return failed;
        var registered = new List<(string Name, int Ref, bool NoWrites, string[] Flags)>();
        runtime.Registering = registered;
        var run = runtime.RunLibraryCode(reference);
        runtime.Registering = null;
        runtime.Release(reference);
        if (run is { } error)
        {
            ReleaseAll(registered);
            return error;
        }
        if (registered.Count == 0)
            return new EngineError(ErrorKind.BadRequest, "ERR No functions registered");
        foreach (var function in registered)
        {
            if (_functions.TryGetValue(function.Name, out var owner) && owner.Library.Name != name)
            {
                ReleaseAll(registered);
                return new EngineError(ErrorKind.BadRequest, $"ERR Function {function.Name} already exists");
            }
        }
        if (existing is not null)
            Remove(existing);
        var library = new FunctionLibrary(name, code, [.. registered.Select(f => new LuaFunctionEntry(f.Name, f.Ref, Flags(f.Flags), null))]);
        _libraries[name] = library;
        foreach (var function in library.Functions)
            _functions[function.Name] = (library, function);
        return null;
    }

    private static ScriptFlags Flags(string[] names)
    {
        var flags = ScriptFlags.Declared;
        foreach (var name in names)
            flags |= Shebang.Flag(name);
        return flags;
    }

    private void ReleaseAll(List<(string Name, int Ref, bool NoWrites, string[] Flags)> registered)
    {
        foreach (var function in registered)
            runtime.Release(function.Ref);
    }

    /// <summary>FUNCTION DELETE: false when there is no such library.</summary>
    public bool Delete(string name)
    {
        if (!_libraries.TryGetValue(name, out var library))
            return false;
        Remove(library);
        return true;
    }

    /// <summary>FUNCTION FLUSH: every library goes.</summary>
    public void Flush()
    {
        foreach (var library in _libraries.Values.ToList())
            Remove(library);
    }

    private void Remove(FunctionLibrary library)
    {
        _libraries.Remove(library.Name);
        foreach (var function in library.Functions)
        {
            _functions.Remove(function.Name);
            runtime.Release(function.Ref);
        }
    }

    /// <summary>Reads the <c>#!lua name=&lt;library&gt;</c> line every library starts with; the code keeps its line numbers.</summary>
    private static EngineError? ParseHeader(byte[] code, out string name, out ReadOnlyMemory<byte> body)
    {
        name = "";
        body = code;
        if (code.Length < 2 || code[0] != '#' || code[1] != '!')
            return new EngineError(ErrorKind.BadRequest, "ERR Missing library metadata");
        var end = Array.IndexOf(code, (byte)'\n');
        var line = Encoding.UTF8.GetString(code, 0, end < 0 ? code.Length : end).TrimEnd('\r');
        body = end < 0 ? ReadOnlyMemory<byte>.Empty : code.AsMemory(end);
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0] != "#!lua")
            return new EngineError(ErrorKind.BadRequest, $"ERR Engine '{(parts.Length == 0 ? "" : parts[0][2..])}' not found");
        foreach (var option in parts.Skip(1))
        {
            if (!option.StartsWith("name=", StringComparison.Ordinal))
                return new EngineError(ErrorKind.BadRequest, $"ERR Invalid metadata value given: {option}");
            name = option["name=".Length..];
        }
        if (name.Length == 0)
            return new EngineError(ErrorKind.BadRequest, "ERR Library name was not given");
        if (!ValidName().IsMatch(name))
            return new EngineError(ErrorKind.BadRequest, "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
        return null;
    }

    /// <summary>redis.register_function(name, callback) or redis.register_function{function_name=…, callback=…, flags={…}}, while a library loads.</summary>
    public static string? Register(ScriptRuntime runtime, Lua lua)
    {
        if (runtime.Registering is not { } registered)
            return "ERR redis.register_function can only be called on FUNCTION LOAD command";
        string? name;
        var flags = new List<string>();
        int callback;
        if (lua.GetTop() == 1 && lua.Type(1) == LuaType.Table)
        {
            lua.PushString("function_name");
            lua.RawGet(1);
            name = lua.Type(-1) == LuaType.String ? lua.ToString(-1, false) : null;
            lua.PushString("callback");
            lua.RawGet(1);
            callback = lua.GetTop();
            lua.PushString("flags");
            lua.RawGet(1);
            if (lua.Type(-1) == LuaType.Table)
            {
                for (var i = 1; ; i++)
                {
                    lua.RawGetInteger(-1, i);
                    if (lua.Type(-1) != LuaType.String)
                    {
                        lua.Pop(1);
                        break;
                    }
                    var flag = lua.ToString(-1, false);
                    lua.Pop(1);
                    if (Shebang.Flag(flag) == ScriptFlags.None)
                        return "ERR Unknown flag given";
                    flags.Add(flag);
                }
            }
            else if (lua.Type(-1) != LuaType.Nil)
                return "ERR flags argument to redis.register_function must be a table representing function flags";
        }
        else if (lua.GetTop() == 2)
        {
            name = lua.Type(1) == LuaType.String ? lua.ToString(1, false) : null;
            callback = 2;
        }
        else
            return "ERR wrong number of arguments to redis.register_function";
        if (name is null)
            return "ERR function_name argument given to redis.register_function must be a string";
        if (lua.Type(callback) != LuaType.Function)
            return "ERR callback argument given to redis.register_function must be a function";
        if (!ValidName().IsMatch(name))
            return "ERR Function names can only contain letters, numbers, or underscores(_) and must be at least one character long";
        if (registered.Any(f => f.Name == name))
            return "ERR Function already exists in the library";
        lua.PushCopy(callback);
        var reference = lua.Ref(LuaRegistry.Index);
        registered.Add((name, reference, flags.Contains("no-writes"), [.. flags]));
        // Nothing to return: what was read from the table is left on no one's stack.
        lua.SetTop(0);
        return null;
    }
}
