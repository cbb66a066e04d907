using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Security;

namespace Lodestone.Engine.Tests;

/// <summary>
/// EVAL, EVALSHA and SCRIPT: Redis's conversions between Lua and replies, its error texts (as
/// redis-server 7.0 prints them), the sandbox, permissions inside scripts, and the effects a script logs.
/// </summary>
public sealed class ScriptingCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private Task<Reply> Eval(string script, params string[] keysThenArgs) => _engine.Run(["EVAL", script, .. keysThenArgs]);

    private static string Sha(string script) => Encoding.ASCII.GetString(Scripting.ScriptRuntime.Sha1Hex(Encoding.UTF8.GetBytes(script)));

    [Fact]
    public async Task Eval_passes_keys_and_arguments_and_returns_what_redis_call_returned()
    {
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        ReplyAssert.Bulk(await Eval("return redis.call('GET', KEYS[1])", "1", "k"), "v");
        var reply = await Eval("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", "1", "k", "a");
        Assert.Equal("[\"k\", \"a\", (integer) 1, (integer) 1]", reply.ToString());
    }

    [Fact]
    public async Task Lua_values_become_replies_as_redis_converts_them()
    {
        Assert.Equal("[(integer) 1, (integer) 2, (integer) 3, \"a\"]", (await Eval("return {1,2,3.5,'a',nil,'b'}", "0")).ToString());
        ReplyAssert.Integer(await Eval("return 3.99", "0"), 3);
        ReplyAssert.Integer(await Eval("return -3.99", "0"), -3);
        ReplyAssert.Integer(await Eval("return true", "0"), 1);
        ReplyAssert.Null(await Eval("return false", "0"));
        ReplyAssert.Null(await Eval("return nil", "0"));
        ReplyAssert.Simple(await Eval("return {ok='x'}", "0"), "x");
        ReplyAssert.Simple(await Eval("return redis.status_reply('FINE')", "0"), "FINE");
        ReplyAssert.Error(await Eval("return {err='MY boom'}", "0"), "MY boom");
        ReplyAssert.Error(await Eval("return {ok='a', err='b'}", "0"), "b");
        ReplyAssert.Error(await Eval("return redis.error_reply('MY x')", "0"), "MY x");
        ReplyAssert.Error(await Eval("return redis.error_reply('x')", "0"), "ERR x");
        Assert.Equal("[(integer) 1, (nil), (integer) 3]", (await Eval("return {1,false,3}", "0")).ToString());
        Assert.Equal("[]", (await Eval("return {err=1}", "0")).ToString());
        Assert.Equal("[(integer) 1, [(integer) 2, [(integer) 3]], []]", (await Eval("return {1, {2, {3}}, {}}", "0")).ToString());
        ReplyAssert.BulkBytes(await Eval("return 'a\\0b'", "0"), [(byte)'a', 0, (byte)'b']);
    }

    [Fact]
    public async Task Replies_become_lua_values_as_redis_converts_them()
    {
        ReplyAssert.Bulk(await Eval("return type(redis.call('GET', 'missing'))", "0"), "boolean");
        ReplyAssert.Integer(await Eval("return redis.call('ZADD', 'z', 1.5, 'm')", "0"), 1);
        ReplyAssert.Bulk(await Eval("return redis.call('ZSCORE', 'z', 'm')", "0"), "1.5");
        ReplyAssert.Bulk(await Eval("return redis.call('PING')['ok']", "0"), "PONG");
        ReplyAssert.Bulk(await Eval("redis.setresp(3); return type(redis.call('ZSCORE', 'z', 'm'))", "0"), "table");
        ReplyAssert.Bulk(await Eval("redis.setresp(3); return type(redis.call('GET', 'missing'))", "0"), "nil");
        ReplyAssert.Bulk(await Eval("return redis.pcall('INCR', 'z')['err']", "0"), "WRONGTYPE Operation against a key holding the wrong kind of value");
    }

    [Fact]
    public async Task Errors_read_as_redis_7_prints_them()
    {
        ReplyAssert.Ok(await _engine.Run("SET", "s", "foo"));
        var incr = "return redis.call('incr','s')";
        ReplyAssert.Error(await Eval(incr, "0"), $"ERR value is not an integer or out of range script: {Sha(incr)}, on @user_script:1.");
        ReplyAssert.Error(await Eval("return redis.pcall('incr','s')", "0"), "ERR value is not an integer or out of range");
        var twoLines = "local a = 1\nredis.call('incr','s')";
        ReplyAssert.Error(await Eval(twoLines, "0"), $"ERR value is not an integer or out of range script: {Sha(twoLines)}, on @user_script:2.");
        var boom = "local a = 1\n\nerror('boom')";
        ReplyAssert.Error(await Eval(boom, "0"), $"ERR user_script:3: boom script: {Sha(boom)}, on @user_script:3.");
        var table = "error({err='MY boom'})";
        ReplyAssert.Error(await Eval(table, "0"), $"MY boom script: {Sha(table)}, on @user_script:1.");
        var arity = "return redis.call('incr','a','b')";
        ReplyAssert.Error(await Eval(arity, "0"), $"ERR Wrong number of args calling Redis command from script script: {Sha(arity)}, on @user_script:1.");
        var unknown = "return redis.call('nosuch')";
        ReplyAssert.Error(await Eval(unknown, "0"), $"ERR Unknown Redis command called from script script: {Sha(unknown)}, on @user_script:1.");
        var noArgs = "return redis.call()";
        ReplyAssert.Error(await Eval(noArgs, "0"), $"ERR Please specify at least one argument for this redis lib call script: {Sha(noArgs)}, on @user_script:1.");
        var badArg = "return redis.call('set', {}, 1)";
        ReplyAssert.Error(await Eval(badArg, "0"), $"ERR Lua redis lib command arguments must be strings or integers script: {Sha(badArg)}, on @user_script:1.");
        ReplyAssert.Bulk(await Eval("local ok, e = pcall(redis.call, 'incr', 's'); return e", "0"), "ERR value is not an integer or out of range");
        ReplyAssert.Error(await Eval("return 1 +", "0"), "ERR Error compiling script (new function): user_script:1: unexpected symbol near <eof>");
        ReplyAssert.Error(await Eval("return 1", "-1"), "ERR Number of keys can't be negative");
        ReplyAssert.Error(await Eval("return 1", "2", "a"), "ERR Number of keys can't be greater than number of args");
        ReplyAssert.Error(await Eval("return 1", "x"), "ERR value is not an integer or out of range");
        var resp = "return redis.setresp(4)";
        ReplyAssert.Error(await Eval(resp, "0"), $"ERR RESP version must be 2 or 3. script: {Sha(resp)}, on @user_script:1.");
    }

    [Fact]
    public async Task Evalsha_runs_a_cached_script_and_says_noscript_for_an_unknown_one()
    {
        ReplyAssert.Error(await _engine.Run("EVALSHA", "0123456789012345678901234567890123456789", "0"), "NOSCRIPT No matching script. Please use EVAL.");
        var sha = await _engine.Run("SCRIPT", "LOAD", "return ARGV[1]");
        ReplyAssert.Bulk(sha, Sha("return ARGV[1]"));
        ReplyAssert.Bulk(await _engine.Run("EVALSHA", Sha("return ARGV[1]"), "0", "hello"), "hello");
        ReplyAssert.Bulk(await _engine.Run("EVALSHA", Sha("return ARGV[1]").ToUpperInvariant(), "0", "hi"), "hi");
        Assert.Equal("[(integer) 1, (integer) 0]", (await _engine.Run("SCRIPT", "EXISTS", Sha("return ARGV[1]"), "0000")).ToString());
        ReplyAssert.Error(await _engine.Run("SCRIPT", "FLUSH", "bogus"), "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        ReplyAssert.Ok(await _engine.Run("SCRIPT", "FLUSH", "ASYNC"));
        Assert.Equal("[(integer) 0]", (await _engine.Run("SCRIPT", "EXISTS", Sha("return ARGV[1]"))).ToString());
        ReplyAssert.Error(await _engine.Run("EVALSHA", Sha("return ARGV[1]"), "0"), "NOSCRIPT No matching script. Please use EVAL.");
        ReplyAssert.Error(await _engine.Run("SCRIPT", "KILL"), "NOTBUSY No scripts in execution right now.");
        await _engine.Run("SCRIPT", "LOAD", "return 2");
        var info = Encoding.UTF8.GetString((await _engine.Run("INFO", "memory")).AsBulk().Span);
        Assert.Contains("number_of_cached_scripts:1\r\n", info, StringComparison.Ordinal);
        Assert.Matches("used_memory_lua:[1-9][0-9]*\r\n", info);
        ReplyAssert.Error(await _engine.Run("SCRIPT", "NOSUCH"), "ERR unknown subcommand 'NOSUCH'. Try SCRIPT HELP.");
    }

    [Fact]
    public async Task The_sandbox_has_redis_libraries_and_no_way_out()
    {
        foreach (var name in new[] { "os", "io", "require", "loadfile", "dofile", "debug", "print", "getfenv", "setfenv", "utf8", "package" })
        {
            var script = $"return type({name})";
            ReplyAssert.Error(await Eval(script, "0"),
                $"ERR user_script:1: Script attempted to access nonexistent global variable '{name}' script: {Sha(script)}, on @user_script:1.");
        }
        foreach (var (name, type) in new[] { ("unpack", "function"), ("table.getn", "function"), ("bit", "table"), ("struct", "table"), ("cjson", "table"), ("cmsgpack", "table"), ("loadstring", "function") })
            ReplyAssert.Bulk(await Eval($"return type({name})", "0"), type);
        ReplyAssert.Null(await Eval("return loadstring('return 1')", "0"));
        var global = "x = 1";
        ReplyAssert.Error(await Eval(global, "0"), $"ERR user_script:1: Attempt to modify a readonly table script: {Sha(global)}, on @user_script:1.");
        var library = "string.rep = nil";
        ReplyAssert.Error(await Eval(library, "0"), $"ERR user_script:1: Attempt to modify a readonly table script: {Sha(library)}, on @user_script:1.");
        ReplyAssert.Bulk(await Eval("return redis.sha1hex('')", "0"), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        ReplyAssert.Bulk(await Eval("return redis.REDIS_VERSION", "0"), "7.0.0");
        ReplyAssert.Integer(await Eval("return table.getn({1,2,3})", "0"), 3);
        ReplyAssert.Integer(await Eval("return bit.band(0xff, 0x0f)", "0"), 15);
        ReplyAssert.Bulk(await Eval("return bit.tohex(255)", "0"), "000000ff");
        ReplyAssert.Integer(await Eval("return bit.bnot(0)", "0"), -1);
    }

    [Fact]
    public async Task Cjson_encodes_and_decodes_as_redis_does()
    {
        ReplyAssert.Bulk(await Eval("return cjson.encode({1,2,3})", "0"), "[1,2,3]");
        ReplyAssert.Bulk(await Eval("return cjson.encode({a={1,2,3}})", "0"), "{\"a\":[1,2,3]}");
        ReplyAssert.Bulk(await Eval("return cjson.encode({})", "0"), "{}");
        ReplyAssert.Bulk(await Eval("return table.concat({cjson.encode(1.5), cjson.encode('x/y'), cjson.encode(true)}, ',')", "0"), "1.5,\"x\\/y\",true");
        ReplyAssert.Integer(await Eval("return cjson.decode('[1,2,{\"a\":null}]')[3].a == cjson.null and 1 or 0", "0"), 1);
        ReplyAssert.Bulk(await Eval("return cjson.decode('{\"k\":\"v\"}').k", "0"), "v");
        ReplyAssert.Integer(await Eval("return cjson.decode('{\"n\":42}').n", "0"), 42);
        Assert.True((await Eval("return cjson.decode('{')", "0")).IsError);
    }

    [Fact]
    public async Task Cmsgpack_packs_as_lua_cmsgpack_and_unpacks_what_it_packed()
    {
        // redis-server 7.0: cmsgpack.pack({1,2,3}) is 93 01 02 03.
        ReplyAssert.BulkBytes(await Eval("return cmsgpack.pack({1,2,3})", "0"), [0x93, 1, 2, 3]);
        ReplyAssert.BulkBytes(await Eval("return cmsgpack.pack({a=1})", "0"), [0x81, 0xa1, (byte)'a', 1]);
        ReplyAssert.BulkBytes(await Eval("return cmsgpack.pack(-1, 300, 'x', true)", "0"), [0xff, 0xcd, 0x01, 0x2c, 0xa1, (byte)'x', 0xc3]);
        Assert.Equal("[(integer) 1, \"two\", [(integer) 3, (integer) 4], (integer) -70000, \"1.5\"]",
            (await Eval("local a, b, c, d, e = cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}, -70000, 1.5)) return {a, b, c, d, tostring(e)}", "0")).ToString());
        Assert.True((await Eval("return cmsgpack.unpack('\\xdc\\xff')", "0")).IsError);
        ReplyAssert.Integer(await Eval("return struct.unpack('>I2', struct.pack('>I2', 258))", "0"), 258);
    }

    [Fact]
    public async Task A_script_may_not_run_scripting_blocking_or_subscribing_commands()
    {
        foreach (var call in new[] { "'eval','return 1','0'", "'subscribe','x'", "'blpop','l',0", "'script','flush'" })
        {
            var script = $"return redis.call({call})";
            ReplyAssert.Error(await Eval(script, "0"), $"ERR This Redis command is not allowed from script script: {Sha(script)}, on @user_script:1.");
        }
    }

    [Fact]
    public async Task A_script_reads_streams_with_XREAD_and_XREADGROUP_but_may_not_block()
    {
        ReplyAssert.Bulk(await _engine.Run("XADD", "s", "1-1", "a", "b"), "1-1");
        ReplyAssert.Ok(await _engine.Run("XGROUP", "CREATE", "s", "g", "0"));
        var read = await Eval("return redis.call('XREAD', 'STREAMS', KEYS[1], '0')", "1", "s");
        Assert.Equal("1-1", Encoding.UTF8.GetString(read.AsItems()[0].AsItems()[1].AsItems()[0].AsItems()[0].AsBulk().Span));
        var taken = await Eval("return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', KEYS[1], '>')", "1", "s");
        Assert.Equal("1-1", Encoding.UTF8.GetString(taken.AsItems()[0].AsItems()[1].AsItems()[0].AsItems()[0].AsBulk().Span));
        // Redis 7.0's texts, recorded from redis-server 7.0.15.
        var blocking = "return redis.call('XREAD', 'BLOCK', '100', 'STREAMS', KEYS[1], '5')";
        ReplyAssert.Error(await Eval(blocking, "1", "s"), $"ERR XREAD command is not allowed with BLOCK option from scripts script: {Sha(blocking)}, on @user_script:1.");
        var groupBlocking = "return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', KEYS[1], '>')";
        ReplyAssert.Error(await Eval(groupBlocking, "1", "s"), $"ERR XREADGROUP command is not allowed with BLOCK option from scripts script: {Sha(groupBlocking)}, on @user_script:1.");
    }

    [Fact]
    public async Task Read_only_scripts_refuse_writes_with_redis_text()
    {
        var write = "return redis.call('set','a','1')";
        ReplyAssert.Error(await _engine.Run("EVAL_RO", write, "0"), $"ERR Write commands are not allowed from read-only scripts. script: {Sha(write)}, on @user_script:1.");
        var declared = "#!lua flags=no-writes\nlocal r = redis.call('set','a','1')";
        ReplyAssert.Error(await Eval(declared, "0"), $"ERR Write commands are not allowed from read-only scripts. script: {Sha(declared)}, on @user_script:2.");
        ReplyAssert.Error(await Eval("#!python\nreturn 1", "0"), "ERR Unexpected engine in script shebang: #!python");
        ReplyAssert.Error(await Eval("#!lua flags=bogus\nreturn 1", "0"), "ERR Unexpected flag in script shebang: bogus");
        ReplyAssert.Error(await Eval("#!lua name=x\nreturn 1", "0"), "ERR Unknown lua shebang option: name=x");
        ReplyAssert.Null(await _engine.Run("EVAL_RO", "return redis.call('get','a')", "0"));
    }

    [Fact]
    public async Task Commands_a_script_calls_are_checked_against_the_callers_key_patterns_and_role()
    {
        var scoped = new AclUser("lim", AclRole.Write, [Encoding.UTF8.GetBytes("a*")]);
        var outside = "return redis.call('get','b')";
        var reply = await _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "EVAL", outside, "0" }.Select(Encoding.UTF8.GetBytes)]) { User = scoped });
        ReplyAssert.Error(reply.Reply, $"ERR The user executing the script can't access at least one of the keys mentioned in the command arguments script: {Sha(outside)}, on @user_script:1.");
        Assert.Equal(ErrorKind.NoPermission, reply.Reply.AsError().Kind);
        var reader = new AclUser("ro", AclRole.Read);
        var write = "return redis.call('set','a','1')";
        reply = await _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "EVAL", write, "0" }.Select(Encoding.UTF8.GetBytes)]) { User = reader });
        ReplyAssert.Error(reply.Reply, $"ERR The user executing the script can't run this command or subcommand script: {Sha(write)}, on @user_script:1.");
        // The declared keys are checked before the script runs, as any command's.
        reply = await _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "EVAL", "return 1", "1", "b" }.Select(Encoding.UTF8.GetBytes)]) { User = scoped });
        Assert.Equal(ErrorKind.NoPermission, reply.Reply.AsError().Kind);
        reply = await _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "SCRIPT", "LOAD", "return 1" }.Select(Encoding.UTF8.GetBytes)]) { User = reader });
        ReplyAssert.Error(reply.Reply, "NOPERM this user has no permissions to run the 'script|load' command");
        reply = await _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "SCRIPT", "FLUSH" }.Select(Encoding.UTF8.GetBytes)]) { User = scoped });
        ReplyAssert.Error(reply.Reply, "NOPERM this user has no permissions to run the 'script|flush' command");
    }

    [Fact]
    public async Task A_scripts_writes_are_logged_as_the_commands_it_ran_wrapped_in_multi_exec()
    {
        _engine.Log.Clear();
        ReplyAssert.Integer(await Eval("redis.call('SET', KEYS[1], 'x'); redis.call('EXPIRE', KEYS[1], 100); return redis.call('INCR', KEYS[2])", "2", "a", "n"), 1);
        Assert.Equal(["MULTI", "SET a x", $"PEXPIREAT a {TestEngine.StartMs + 100_000}", "INCR n", "EXEC"], _engine.Log.Effects);
        _engine.Log.Clear();
        ReplyAssert.Bulk(await Eval("redis.call('SET', 'one', 'x'); return redis.call('GET', 'one')", "0"), "x");
        Assert.Equal(["SET one x"], _engine.Log.Effects);
        _engine.Log.Clear();
        ReplyAssert.Bulk(await Eval("return redis.call('GET', 'one')", "0"), "x");
        Assert.Empty(_engine.Log.Effects);
    }
}

/// <summary>Replaying a log: a script's effects apply whole, or not at all when the log ends before its EXEC.</summary>
public sealed class ScriptReplayTests
{
    private static Effect Record(params string[] args) => new([.. args.Select(Encoding.UTF8.GetBytes)], 0);

    [Fact]
    public async Task A_scripts_effects_replay_whole_across_chunks_and_not_at_all_without_their_exec()
    {
        using var engine = new TestEngine();
        engine.Executor.BeginLoading();
        Assert.Null(await engine.Executor.ReplayAsync([Record("SET", "before", "1"), Record("MULTI"), Record("SET", "a", "1")]));
        Assert.Null(await engine.Executor.ReplayAsync([Record("SET", "b", "2"), Record("EXEC"), Record("MULTI"), Record("SET", "torn", "1")]));
        engine.Executor.FinishLoading(0);
        ReplyAssert.Bulk(await engine.Run("GET", "before"), "1");
        ReplyAssert.Bulk(await engine.Run("GET", "a"), "1");
        ReplyAssert.Bulk(await engine.Run("GET", "b"), "2");
        ReplyAssert.Null(await engine.Run("GET", "torn"));
    }
}

/// <summary>A script past busy-reply-threshold: others get BUSY, SCRIPT KILL stops it unless it wrote, and the engine serves again.</summary>
public sealed class ScriptBusyTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task A_runaway_script_makes_others_busy_until_script_kill_ends_it()
    {
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "busy-reply-threshold", "0"));
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        var runaway = _engine.Run("EVAL", "while true do end", "0");
        // The script holds the engine: GET waits until the script's hook answers it.
        ReplyAssert.Error(await _engine.Run("GET", "k"), "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
        ReplyAssert.Ok(await _engine.Run("SCRIPT", "KILL"));
        var sha = System.Text.Encoding.ASCII.GetString(Scripting.ScriptRuntime.Sha1Hex("while true do end"u8));
        ReplyAssert.Error(await runaway, $"ERR Script killed by user with SCRIPT KILL... script: {sha}, on @user_script:1.");
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "v");
        // The state is whole again: a script (with a pcall, which must not catch a kill) runs to its end.
        ReplyAssert.Integer(await _engine.Run("EVAL", "local n = 0 for i = 1, 300000 do n = n + 1 end return n", "0"), 300000);
    }

    [Fact]
    public async Task Stopping_the_engine_ends_even_an_unkillable_script_and_logs_none_of_its_writes()
    {
        var engine = new TestEngine();
        ReplyAssert.Ok(await engine.Run("CONFIG", "SET", "busy-reply-threshold", "0"));
        engine.Log.Clear();
        var stuck = engine.Run("EVAL", "redis.call('SET', 'x', '1') while true do end", "0");
        ReplyAssert.Error(await engine.Run("SCRIPT", "KILL"),
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
        await Task.Run(engine.Dispose);
        Assert.True((await stuck).IsError);
        Assert.Empty(engine.Log.Effects);
    }

    [Fact]
    public async Task A_script_that_wrote_is_unkillable_and_its_kill_cannot_be_caught_by_pcall()
    {
        ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "lua-time-limit", "0"));
        var writer = _engine.Run("EVAL", "redis.call('SET', 'w', '1') for i = 1, 100000000 do end return 'done'", "0");
        ReplyAssert.Error(await _engine.Run("SCRIPT", "KILL"),
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
        ReplyAssert.Bulk(await writer, "done");
        var catcher = _engine.Run("EVAL", "while true do pcall(function() while true do end end) end", "0");
        ReplyAssert.Ok(await _engine.Run("FUNCTION", "KILL"));
        Assert.StartsWith("ERR Script killed by user with SCRIPT KILL...", (await catcher).AsError().Message, StringComparison.Ordinal);
        ReplyAssert.Bulk(await _engine.Run("GET", "w"), "1");
    }
}
