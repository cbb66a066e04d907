using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using KeraLua;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.Logging;

namespace Lodestone.Engine.Scripting;

/// <summary>
/// The engine's one Lua state, and what runs scripts in it: the sandbox (Prelude.lua), the script
/// cache, Redis's conversions between Lua values and replies, and the host functions behind
/// <c>redis.call</c> and the other libraries.
/// </summary>
/// <remarks>
/// Design note. Everything here runs on the engine thread, and a script runs to its end before the
/// next command (atomicity is the thread's). The state is made once, on the first script, and reused:
/// a call pushes KEYS and ARGV into the one globals table and calls the cached function — no
/// environment is built per call.
///
/// Errors and managed frames: a Lua error is a longjmp, which must never unwind a managed frame.
/// So no host function raises: each returns nil and a message, and its Lua wrapper in the prelude
/// raises. Host functions use only raw table access (no metamethods that could raise), and the
/// memory cap is off while a host function runs (<see cref="_inHost"/>), so an allocation in one
/// never fails. The instruction hook is Lua code too (debug.sethook), so a kill is a Lua error.
///
/// Memory: the state's allocator counts its bytes; while a script runs, an allocation that would
/// take them past <see cref="MemoryLimitBytes"/> fails, which Lua reports as a script error
/// ("not enough memory") after an emergency collection.
/// </remarks>
internal sealed class ScriptRuntime : IDisposable
{
    /// <summary>The most memory the Lua state may hold while a script runs.</summary>
    public const long MemoryLimitBytes = 256L * 1024 * 1024;

    /// <summary>The Redis version scripts see in <c>redis.REDIS_VERSION</c>.</summary>
    public const string RedisVersion = Diagnostics.InfoReport.RedisCompatibleVersion;

    private const int MaxNesting = 1000;

    private readonly IScriptHost _host;
    private readonly ILogger _logger;
    private readonly Dictionary<byte[], LuaScript> _scripts = new(Keyspace.ByteArrayComparer.Instance);

    // Delegates the native side holds: kept here so that the collector never frees them.
    private readonly LuaAlloc _allocate;
    private readonly LuaFunction _call;
    private readonly LuaFunction _busy;
    private readonly LuaFunction _sha1Hex;
    private readonly LuaFunction _log;
    private readonly LuaFunction _setResp;
    private readonly LuaFunction _setRepl;
    private readonly LuaFunction _jsonEncode;
    private readonly LuaFunction _jsonDecode;
    private readonly LuaFunction _msgPackPack;
    private readonly LuaFunction _msgPackUnpack;
    private readonly LuaFunction _registerFunction;

    private Lua? _lua;
    private int _globalsRef;
    private int _onErrorRef;
    private int _resetRef;
    private long _usedBytes;
    private bool _limitMemory;
    private bool _inHost;

    // The running script (engine thread only).
    private ScriptCall _running;

    /// <param name="host">Runs the commands scripts call, and answers others while a script is busy.</param>
    /// <param name="logger">Where <c>redis.log</c> writes.</param>
    public ScriptRuntime(IScriptHost host, ILogger logger)
    {
        _host = host;
        _logger = logger;
        _allocate = Allocate;
        _call = Call;
        _busy = Busy;
        _sha1Hex = Sha1Hex;
        _log = Log;
        _setResp = SetResp;
        _setRepl = SetRepl;
        _jsonEncode = state => Host(state, LuaJson.Encode);
        _jsonDecode = state => Host(state, LuaJson.Decode);
        _msgPackPack = state => Host(state, LuaMsgPack.Pack);
        _msgPackUnpack = state => Host(state, LuaMsgPack.Unpack);
        _registerFunction = RegisterFunction;
        Functions = new FunctionLibraries(this);
    }

    /// <summary>The function libraries (FUNCTION LOAD, FCALL).</summary>
    public FunctionLibraries Functions { get; }

    /// <summary>How many EVAL scripts the cache holds.</summary>
    public int ScriptCount => _scripts.Count;

    /// <summary>Bytes the Lua state holds (INFO's used_memory_lua).</summary>
    public long UsedBytes => _usedBytes;

    /// <summary>Whether the last script run was ended because the engine is stopping (its effects must not be logged).</summary>
    public bool LastRunAbandoned { get; private set; }

    /// <summary>Whether a script is running now (SCRIPT KILL has something to stop).</summary>
    public bool IsRunning => _running.Active;

    /// <summary>Set while a function library's code is loading: where redis.register_function puts what it registers.</summary>
    internal List<(string Name, int Ref, bool NoWrites, string[] Flags)>? Registering { get; set; }

    private Lua State => _lua ?? Start();

    /// <summary>The lowercase hex SHA-1 of <paramref name="body"/>, as EVALSHA names a script.</summary>
    // SHA-1 names scripts, as Redis's EVALSHA does; it protects nothing.
#pragma warning disable CA5350
    public static byte[] Sha1Hex(ReadOnlySpan<byte> body) => Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA1.HashData(body)));
#pragma warning restore CA5350

    /// <summary>The cached script named <paramref name="sha"/> (any case), or null.</summary>
    public LuaScript? Find(byte[] sha)
    {
        if (sha.Length != 40)
            return null;
        if (_scripts.TryGetValue(sha, out var script))
            return script;
        var lower = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(sha).ToLowerInvariant());
        return _scripts.GetValueOrDefault(lower);
    }

    /// <summary>Whether a script named <paramref name="sha"/> is cached.</summary>
    public bool Exists(byte[] sha) => Find(sha) is not null;

    /// <summary>Compiles <paramref name="body"/> into the cache (or finds it there): SCRIPT LOAD and EVAL.</summary>
    public EngineError? Load(byte[] body, out LuaScript script)
    {
        var sha = Sha1Hex(body);
        if (_scripts.TryGetValue(sha, out script!))
            return null;
        if (Shebang.Parse(body, functionLibrary: false, out var flags, out var code) is { } invalid)
            return invalid;
        if (Compile(code.Span, "@user_script", out var reference) is { } failed)
            return failed;
        script = new LuaScript(sha, body, reference, flags);
        _scripts.Add(sha, script);
        return null;
    }

    /// <summary>Forgets every EVAL script (SCRIPT FLUSH).</summary>
    public void Flush()
    {
        if (_lua is null)
            return;
        foreach (var script in _scripts.Values)
            _lua.Unref(LuaRegistry.Index, script.Ref);
        _scripts.Clear();
        _lua.GarbageCollector(LuaGC.Collect, 0);
    }

    /// <summary>
    /// Compiles Lua source (no bytecode) as a function whose globals are the sandbox's, and keeps it
    /// in the registry; returns its reference, or Redis's compile error.
    /// </summary>
    internal EngineError? Compile(ReadOnlySpan<byte> code, string chunkName, out int reference)
    {
        var lua = State;
        reference = 0;
        var top = lua.GetTop();
        _inHost = true;
        var status = lua.LoadBuffer(code.ToArray(), chunkName, "t");
        if (status != LuaStatus.OK)
        {
            var message = lua.ToString(-1, false);
            lua.SetTop(top);
            _inHost = false;
            return Errors.ScriptCompile(message);
        }
        lua.RawGetInteger(LuaRegistry.Index, _globalsRef);
        lua.SetUpValue(-2, 1);
        reference = lua.Ref(LuaRegistry.Index);
        lua.SetTop(top);
        _inHost = false;
        return null;
    }

    /// <summary>Drops a compiled function (a deleted function library's).</summary>
    internal void Release(int reference) => _lua?.Unref(LuaRegistry.Index, reference);

    /// <summary>
    /// Runs the function at <paramref name="reference"/> with KEYS and ARGV from <paramref name="args"/>
    /// (<paramref name="keyCount"/> keys from <paramref name="firstKey"/>, the rest arguments); its
    /// return value becomes the reply. A function library's function gets them as its two arguments.
    /// </summary>
    public Reply Run(in ScriptCall call, int reference, byte[][] args, int firstKey, int keyCount, bool asFunction)
    {
        var lua = State;
        var top = lua.GetTop();
        _running = call with { Active = true, Started = Stopwatch.GetTimestamp(), Resp = 2 };
        lua.RawGetInteger(LuaRegistry.Index, _onErrorRef);
        lua.RawGetInteger(LuaRegistry.Index, reference);
        if (asFunction)
        {
            PushArray(lua, args, firstKey, keyCount);
            PushArray(lua, args, firstKey + keyCount, args.Length - firstKey - keyCount);
        }
        else
        {
            lua.RawGetInteger(LuaRegistry.Index, _globalsRef);
            lua.PushString("KEYS");
            PushArray(lua, args, firstKey, keyCount);
            lua.RawSet(-3);
            lua.PushString("ARGV");
            PushArray(lua, args, firstKey + keyCount, args.Length - firstKey - keyCount);
            lua.RawSet(-3);
            lua.Pop(1);
        }
        _limitMemory = true;
        var status = lua.PCall(asFunction ? 2 : 0, 1, top + 1);
        _limitMemory = false;
        Reply reply;
        _inHost = true;
        if (status == LuaStatus.OK)
            reply = ToReply(lua, -1, 0);
        else
            reply = ScriptError(lua, status);
        if (_running.KillRequested)
        {
            lua.RawGetInteger(LuaRegistry.Index, _resetRef);
            lua.PCall(0, 0, 0);
        }
        lua.SetTop(top);
        _inHost = false;
        LastRunAbandoned = _running.Abandoned;
        _running = default;
        return reply;
    }

    /// <summary>
    /// Runs a function library's code once (FUNCTION LOAD), with the busy hook and the memory cap as
    /// for a script; commands may not be called while it loads. Returns Redis's error, or null.
    /// </summary>
    internal EngineError? RunLibraryCode(int reference)
    {
        var lua = State;
        var top = lua.GetTop();
        _running = new ScriptCall { Active = true, Loading = true, Started = Stopwatch.GetTimestamp(), Resp = 2, Name = "library" };
        lua.RawGetInteger(LuaRegistry.Index, _onErrorRef);
        lua.RawGetInteger(LuaRegistry.Index, reference);
        _limitMemory = true;
        var status = lua.PCall(0, 0, top + 1);
        _limitMemory = false;
        _inHost = true;
        EngineError? error = null;
        if (status != LuaStatus.OK)
        {
            var message = status == LuaStatus.ErrMem ? "ERR user_function: not enough memory"
                : lua.Type(-1) == LuaType.Table ? RawField(lua, -1, "err") ?? "ERR unknown error"
                : "ERR " + lua.ToString(-1, false);
            error = new EngineError(ErrorKind.BadRequest, "ERR Error registering functions: " + message);
        }
        if (_running.KillRequested)
        {
            lua.RawGetInteger(LuaRegistry.Index, _resetRef);
            lua.PCall(0, 0, 0);
        }
        lua.SetTop(top);
        _inHost = false;
        _running = default;
        return error;
    }

    /// <summary>
    /// SCRIPT KILL or FUNCTION KILL while a script is busy: OK when it stops (it raises at its next
    /// instruction), UNKILLABLE when it already wrote.
    /// </summary>
    public Reply Kill()
    {
        if (!_running.Active)
            return Errors.NotBusy;
        if (_running.Wrote)
            return Errors.Unkillable;
        _running.KillRequested = true;
        return Reply.Ok;
    }

    private Reply ScriptError(Lua lua, LuaStatus status)
    {
        string message;
        long line = 0;
        if (status == LuaStatus.ErrMem)
            message = "ERR user_script: not enough memory";
        else if (lua.Type(-1) == LuaType.Table)
        {
            message = RawField(lua, -1, "err") ?? "ERR unknown error";
            lua.PushString("line");
            lua.RawGet(-2);
            line = lua.IsInteger(-1) ? lua.ToInteger(-1) : 0;
            lua.Pop(1);
        }
        else
            message = "ERR " + (lua.ToString(-1, false) ?? "unknown error");
        var kind = _running.LastCallError is { } inner && inner.Message == message ? inner.Kind : ErrorKind.BadRequest;
        var where = _running.FunctionName is { } name ? $"script: {name}, on @user_function:{line}." : $"script: {_running.Name}, on @user_script:{line}.";
        return new EngineError(kind, $"{message} {where}");
    }

    private static string? RawField(Lua lua, int index, string field)
    {
        var table = lua.AbsIndex(index);
        lua.PushString(field);
        lua.RawGet(table);
        var value = lua.Type(-1) == LuaType.String ? lua.ToString(-1, false) : null;
        lua.Pop(1);
        return value;
    }

    private static void PushArray(Lua lua, byte[][] args, int first, int count)
    {
        lua.CreateTable(count, 0);
        for (var i = 0; i < count; i++)
        {
            lua.PushBuffer(args[first + i]);
            lua.RawSetInteger(-2, i + 1);
        }
    }

    private Lua Start()
    {
        var lua = new Lua(_allocate, IntPtr.Zero);
        _lua = lua;
        _inHost = true;
        lua.OpenBasicLibrary();
        lua.OpenTableLibrary();
        lua.OpenStringLibrary();
        lua.OpenMathLibrary();
        lua.OpenCoroutineLibrary();
        lua.OpenDebugLibrary();
        lua.SetTop(0);
        if (lua.LoadBuffer(Prelude, "@prelude", "t") != LuaStatus.OK)
            throw new InvalidOperationException("The script sandbox does not compile: " + lua.ToString(-1, false));
        lua.NewTable();
        Register(lua, "call", _call);
        Register(lua, "busy", _busy);
        Register(lua, "sha1hex", _sha1Hex);
        Register(lua, "log", _log);
        Register(lua, "setresp", _setResp);
        Register(lua, "set_repl", _setRepl);
        Register(lua, "json_encode", _jsonEncode);
        Register(lua, "json_decode", _jsonDecode);
        Register(lua, "msgpack_pack", _msgPackPack);
        Register(lua, "msgpack_unpack", _msgPackUnpack);
        Register(lua, "register_function", _registerFunction);
        lua.PushString(RedisVersion);
        lua.SetField(-2, "version");
        lua.PushInteger(RedisVersionNumber);
        lua.SetField(-2, "version_num");
        lua.PushLightUserData(IntPtr.Zero);
        lua.SetField(-2, "null");
        if (lua.PCall(1, 3, 0) != LuaStatus.OK)
            throw new InvalidOperationException("The script sandbox does not start: " + lua.ToString(-1, false));
        _resetRef = lua.Ref(LuaRegistry.Index);
        _onErrorRef = lua.Ref(LuaRegistry.Index);
        _globalsRef = lua.Ref(LuaRegistry.Index);
        _inHost = false;
        return lua;
    }

    private static long RedisVersionNumber
    {
        get
        {
            var parts = RedisVersion.Split('.');
            return (long.Parse(parts[0], CultureInfo.InvariantCulture) << 16) | (long.Parse(parts[1], CultureInfo.InvariantCulture) << 8) | long.Parse(parts[2], CultureInfo.InvariantCulture);
        }
    }

    private static void Register(Lua lua, string name, LuaFunction function)
    {
        lua.PushCFunction(function);
        lua.SetField(-2, name);
    }

    private static readonly byte[] Prelude = LoadPrelude();

    private static byte[] LoadPrelude()
    {
        using var stream = typeof(ScriptRuntime).Assembly.GetManifestResourceStream("Lodestone.Engine.Scripting.Prelude.lua")
            ?? throw new InvalidOperationException("The script sandbox (Prelude.lua) is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The Lua state's allocator: counts bytes, and refuses growth past the cap while a script runs.</summary>
    private IntPtr Allocate(IntPtr ud, IntPtr ptr, UIntPtr oldSize, UIntPtr newSize)
    {
        // Never throw to native code: a failed allocation is a null pointer, which Lua handles.
        try
        {
            var before = ptr == IntPtr.Zero ? 0 : (long)(ulong)oldSize;
            var after = (long)(ulong)newSize;
            if (after == 0)
            {
                if (ptr != IntPtr.Zero)
                {
                    Marshal.FreeHGlobal(ptr);
                    _usedBytes -= before;
                }
                return IntPtr.Zero;
            }
            if (after > before && _limitMemory && !_inHost && _usedBytes + after - before > MemoryLimitBytes)
                return IntPtr.Zero;
            var result = ptr == IntPtr.Zero ? Marshal.AllocHGlobal((nint)after) : Marshal.ReAllocHGlobal(ptr, (nint)after);
            _usedBytes += after - before;
            return result;
        }
        catch (OutOfMemoryException)
        {
            return IntPtr.Zero;
        }
    }

    private Lua From(IntPtr state) => _lua is { } main && main.Handle == state ? main : Lua.FromIntPtr(state);

    /// <summary>Runs a host function with the memory cap off; a managed exception becomes an error value, never a throw into Lua.</summary>
    private int Host(IntPtr state, Func<Lua, string?> body)
    {
        var wasInHost = _inHost;
        _inHost = true;
        var lua = From(state);
        try
        {
            var top = lua.GetTop();
            var failure = body(lua);
            if (failure is null)
                return Math.Max(0, lua.GetTop() - top);
            lua.SetTop(top);
            lua.PushNil();
            lua.PushString(failure);
            return 2;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _logger.LogError(exception, "A script's host function failed");
            lua.PushNil();
            lua.PushString("ERR " + exception.Message);
            return 2;
        }
        finally
        {
            _inHost = wasInHost;
        }
    }

    /// <summary>redis.call and redis.pcall: arguments to a command, the command through the host, its reply to Lua.</summary>
    private int Call(IntPtr state) => Host(state, lua =>
    {
        var count = lua.GetTop();
        if (_running.Loading)
            return "ERR redis.call and redis.pcall may not be called while a function library loads";
        if (count == 0)
            return "ERR Please specify at least one argument for this redis lib call";
        var args = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var index = i + 1;
            switch (lua.Type(index))
            {
                case LuaType.String:
                    args[i] = lua.ToBuffer(index, false);
                    break;
                case LuaType.Number:
                    args[i] = Encoding.ASCII.GetBytes(lua.IsInteger(index)
                        ? lua.ToInteger(index).ToString(CultureInfo.InvariantCulture)
                        : FormatLuaNumber(lua.ToNumber(index)));
                    break;
                default:
                    return "ERR Lua redis lib command arguments must be strings or integers";
            }
        }
        var reply = _host.Call(args, _running, out var wrote);
        _running.Wrote |= wrote;
        if (reply.IsError)
        {
            _running.LastCallError = reply.AsError();
            return reply.AsError().Message;
        }
        PushReply(lua, reply, 0);
        return null;
    });

    /// <summary>Lua 5.1's number to string (<c>%.14g</c>), which Redis's scripts pass as arguments.</summary>
    internal static string FormatLuaNumber(double value)
    {
        if (double.IsNaN(value))
            return double.IsNegative(value) ? "-nan" : "nan";
        if (double.IsInfinity(value))
            return value > 0 ? "inf" : "-inf";
        var text = value.ToString("G14", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
            return text;
        // C's %g: "1e+20", an exponent of at least two digits.
        var exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return text[..e] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>The instruction hook's question: has the script run past busy-reply-threshold (then answer others), and should it stop?</summary>
    private int Busy(IntPtr state) => Host(state, lua =>
    {
        if (Stopwatch.GetElapsedTime(_running.Started).TotalMilliseconds >= _host.BusyThresholdMs)
            _host.AnswerWhileBusy(this);
        // The engine is stopping (Redis's SHUTDOWN NOSAVE while busy): the script ends now, even one that
        // wrote, and its effects are dropped — the log never holds part of a script.
        if (_host.Stopping)
        {
            _running.KillRequested = true;
            _running.Abandoned = true;
        }
        lua.PushBoolean(_running.KillRequested);
        return null;
    });

    private int Sha1Hex(IntPtr state) => Host(state, lua =>
    {
        if (lua.GetTop() != 1)
            return "ERR wrong number of arguments";
        var text = lua.Type(1) is LuaType.String or LuaType.Number ? lua.ToBuffer(1, false) : [];
        lua.PushBuffer(Sha1Hex(text));
        return null;
    });

    private int Log(IntPtr state) => Host(state, lua =>
    {
        var count = lua.GetTop();
        if (count < 2)
            return "ERR redis.log() requires two arguments or more.";
        if (!lua.IsNumber(1))
            return "ERR First argument must be a number (log level).";
        var level = lua.ToInteger(1);
        if (level is < 0 or > 3)
            return "ERR Invalid debug level.";
        var text = new StringBuilder();
        for (var i = 2; i <= count; i++)
        {
            if (i > 2)
                text.Append(' ');
            text.Append(lua.Type(i) is LuaType.String or LuaType.Number ? lua.ToString(i, false) : "");
        }
        var logLevel = level switch { 0 => LogLevel.Debug, 1 => LogLevel.Debug, 2 => LogLevel.Information, _ => LogLevel.Warning };
        _logger.Log(logLevel, "Script: {Message}", text.ToString());
        return null;
    });

    private int SetResp(IntPtr state) => Host(state, lua =>
    {
        if (lua.GetTop() != 1)
            return "ERR redis.setresp() requires one argument.";
        var resp = lua.IsNumber(1) ? lua.ToInteger(1) : 0;
        if (resp is not (2 or 3))
            return "ERR RESP version must be 2 or 3.";
        _running.Resp = (int)resp;
        return null;
    });

    private int SetRepl(IntPtr state) => Host(state, lua =>
    {
        if (lua.GetTop() != 1)
            return "ERR redis.set_repl() requires one argument.";
        var flags = lua.IsNumber(1) ? lua.ToInteger(1) : -1;
        if (flags is < 0 or > 3)
            return "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.";
        // Effects are always logged: a partial replication (REPL_NONE, REPL_AOF) would make a replica
        // or a replay differ from this engine. Accepted and ignored (see docs/api.md).
        return null;
    });

    private int RegisterFunction(IntPtr state) => Host(state, lua => FunctionLibraries.Register(this, lua));

    /// <summary>Pushes a command's reply as Redis converts it for Lua (RESP2, or RESP3 after redis.setresp(3)).</summary>
    internal void PushReply(Lua lua, Reply reply, int depth)
    {
        if (depth > MaxNesting || !lua.CheckStack(4))
        {
            lua.PushBoolean(false);
            return;
        }
        var resp3 = _running.Resp == 3;
        switch (reply.Kind)
        {
            case ReplyKind.Null:
                if (resp3)
                    lua.PushNil();
                else
                    lua.PushBoolean(false);
                break;
            case ReplyKind.SimpleString:
                PushSingleField(lua, "ok", reply.AsSimple());
                break;
            case ReplyKind.Error:
                PushSingleField(lua, "err", reply.AsError().Message);
                break;
            case ReplyKind.Integer:
                lua.PushInteger(reply.AsInteger());
                break;
            case ReplyKind.Boolean:
                if (resp3)
                    lua.PushBoolean(reply.AsBoolean());
                else
                    lua.PushInteger(reply.AsBoolean() ? 1 : 0);
                break;
            case ReplyKind.Double:
                if (resp3)
                {
                    lua.CreateTable(0, 1);
                    lua.PushString("double");
                    lua.PushNumber(reply.AsDouble());
                    lua.RawSet(-3);
                }
                else
                    lua.PushString(Text.RedisNumbers.FormatDouble(reply.AsDouble()));
                break;
            case ReplyKind.Bulk:
                PushBytes(lua, reply.AsBulk());
                break;
            case ReplyKind.Map when resp3:
            {
                var items = reply.AsItems();
                lua.CreateTable(0, 1);
                lua.PushString("map");
                lua.CreateTable(0, items.Count / 2);
                for (var i = 0; i + 1 < items.Count; i += 2)
                {
                    PushReply(lua, items[i], depth + 1);
                    PushReply(lua, items[i + 1], depth + 1);
                    lua.RawSet(-3);
                }
                lua.RawSet(-3);
                break;
            }
            case ReplyKind.Set when resp3:
            {
                var items = reply.AsItems();
                lua.CreateTable(0, 1);
                lua.PushString("set");
                lua.CreateTable(0, items.Count);
                foreach (var item in items)
                {
                    PushReply(lua, item, depth + 1);
                    lua.PushBoolean(true);
                    lua.RawSet(-3);
                }
                lua.RawSet(-3);
                break;
            }
            default:
            {
                var items = reply.AsItems();
                lua.CreateTable(items.Count, 0);
                for (var i = 0; i < items.Count; i++)
                {
                    PushReply(lua, items[i], depth + 1);
                    lua.RawSetInteger(-2, i + 1);
                }
                break;
            }
        }
    }

    private static void PushSingleField(Lua lua, string field, string value)
    {
        lua.CreateTable(0, 1);
        lua.PushString(field);
        lua.PushString(value);
        lua.RawSet(-3);
    }

    private static void PushBytes(Lua lua, ReadOnlyMemory<byte> bytes)
    {
        if (MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length)
            lua.PushBuffer(segment.Array);
        else
            lua.PushBuffer(bytes.ToArray());
    }

    /// <summary>A script's return value as Redis converts it into a reply.</summary>
    internal Reply ToReply(Lua lua, int index, int depth)
    {
        if (depth > MaxNesting || !lua.CheckStack(4))
            return Errors.ScriptNestingTooDeep;
        switch (lua.Type(index))
        {
            case LuaType.String:
                return Reply.Bulk(lua.ToBuffer(index, false));
            case LuaType.Number:
                return Reply.Integer(lua.IsInteger(index) ? lua.ToInteger(index) : TruncateToInteger(lua.ToNumber(index)));
            case LuaType.Boolean:
                return lua.ToBoolean(index) ? Reply.One : Reply.Null;
            case LuaType.Table:
                break;
            default:
                return Reply.Null;
        }
        var table = lua.AbsIndex(index);
        if (RawField(lua, table, "err") is { } error)
        {
            var kind = _running.LastCallError is { } inner && inner.Message == error ? inner.Kind : ErrorKind.BadRequest;
            return new EngineError(kind, error);
        }
        if (RawField(lua, table, "ok") is { } status)
            return Reply.Simple(status);
        lua.PushString("double");
        lua.RawGet(table);
        if (lua.Type(-1) == LuaType.Number)
        {
            var value = lua.ToNumber(-1);
            lua.Pop(1);
            return Reply.Double(value);
        }
        lua.Pop(1);
        var items = new List<Reply>();
        for (var i = 1; ; i++)
        {
            lua.RawGetInteger(table, i);
            if (lua.Type(-1) == LuaType.Nil)
            {
                lua.Pop(1);
                break;
            }
            items.Add(ToReply(lua, -1, depth + 1));
            lua.Pop(1);
        }
        return Reply.Array([.. items]);
    }

    /// <summary>A Lua float as Redis's RESP2 integer: truncated, as C's cast of a double to long long (x86 gives the minimum when out of range).</summary>
    internal static long TruncateToInteger(double value) =>
        double.IsNaN(value) || value >= 9223372036854775808.0 || value < -9223372036854775808.0 ? long.MinValue : (long)value;

    /// <summary>Closes the Lua state (the engine has stopped).</summary>
    public void Dispose()
    {
        _lua?.Dispose();
        _lua = null;
    }
}

/// <summary>A cached EVAL script: its SHA-1, its source, its compiled function, and its shebang flags.</summary>
internal sealed record LuaScript(byte[] Sha, byte[] Body, int Ref, ScriptFlags Flags)
{
    /// <summary>The SHA-1 as text, for error messages.</summary>
    public string Name { get; } = Encoding.ASCII.GetString(Sha);
}

/// <summary>What a running script may do and what it did: the engine thread's one running script.</summary>
internal struct ScriptCall
{
    /// <summary>Whether a script is running.</summary>
    public bool Active;

    /// <summary>A function library's code is loading: no commands may be called.</summary>
    public bool Loading;

    /// <summary>The script's SHA-1, for its errors.</summary>
    public string? Name;

    /// <summary>The function's name (FCALL), for its errors; null for EVAL.</summary>
    public string? FunctionName;

    /// <summary>Who runs it: the commands it calls are checked against this user.</summary>
    public Security.AclUser? User;

    /// <summary>Write commands are refused (EVAL_RO, FCALL_RO, no-writes).</summary>
    public bool ReadOnly;

    /// <summary>The script's <c>allow-stale</c> flag: it may call data commands on a stale replica.</summary>
    public bool AllowStale;

    /// <summary>When it started (a <see cref="Stopwatch"/> timestamp).</summary>
    public long Started;

    /// <summary>Whether it has run a write command (then it may not be killed).</summary>
    public bool Wrote;

    /// <summary>Whether SCRIPT KILL or FUNCTION KILL asked it to stop.</summary>
    public bool KillRequested;

    /// <summary>Whether it was ended because the engine is stopping.</summary>
    public bool Abandoned;

    /// <summary>The protocol redis.call's replies are converted from (redis.setresp).</summary>
    public int Resp;

    /// <summary>The last error a called command replied, so that the script's error keeps its kind.</summary>
    public EngineError? LastCallError;
}

/// <summary>What a script needs of the engine: running the commands it calls, and answering others while it is busy.</summary>
internal interface IScriptHost
{
    /// <summary>Runs a command a script called (the script-specific checks, then the command).</summary>
    Reply Call(byte[][] args, in ScriptCall script, out bool wrote);

    /// <summary>busy-reply-threshold in milliseconds.</summary>
    long BusyThresholdMs { get; }

    /// <summary>Whether the engine is stopping: a running script is ended.</summary>
    bool Stopping { get; }

    /// <summary>Answers queued callers while a script is past the threshold: BUSY, except SCRIPT KILL / FUNCTION KILL.</summary>
    void AnswerWhileBusy(ScriptRuntime runtime);
}
