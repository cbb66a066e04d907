using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Security;

namespace Lodestone.Engine.Tests;

/// <summary>FUNCTION and FCALL: libraries, registration, flags, listing, dump/restore and logging, with redis-server 7.0's replies.</summary>
public sealed class FunctionCommandsTests : IDisposable
{
    private const string Library = "#!lua name=lib1\n"
        + "redis.register_function('f1', function(keys, args) return redis.call('incr', keys[1]) end)\n"
        + "redis.register_function{function_name='ro', callback=function(keys, args) return args[1] end, flags={'no-writes'}}";

    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task A_loaded_library_registers_functions_that_fcall_runs()
    {
        ReplyAssert.Bulk(await _engine.Run("FUNCTION", "LOAD", Library), "lib1");
        ReplyAssert.Integer(await _engine.Run("FCALL", "f1", "1", "cnt"), 1);
        ReplyAssert.Integer(await _engine.Run("FCALL", "f1", "1", "cnt"), 2);
        ReplyAssert.Bulk(await _engine.Run("FCALL_RO", "ro", "0", "hello"), "hello");
        ReplyAssert.Error(await _engine.Run("FCALL_RO", "f1", "1", "cnt"), "ERR Can not execute a script with write flag using *_ro command.");
        ReplyAssert.Error(await _engine.Run("FCALL", "nosuch", "0"), "ERR Function not found");
        ReplyAssert.Error(await _engine.Run("FCALL", "f1", "-1"), "ERR Number of keys can't be negative");
        ReplyAssert.Ok(await _engine.Run("SET", "s", "x"));
        ReplyAssert.Error(await _engine.Run("FCALL", "f1", "1", "s"), "ERR value is not an integer or out of range script: f1, on @user_function:1.");
    }

    [Fact]
    public async Task Loading_refuses_what_redis_refuses()
    {
        ReplyAssert.Bulk(await _engine.Run("FUNCTION", "LOAD", Library), "lib1");
        ReplyAssert.Error(await _engine.Run("FUNCTION", "LOAD", "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)"), "ERR Library 'lib1' already exists");
        ReplyAssert.Error(await _engine.Run("FUNCTION", "LOAD", "#!lua name=lib5\nredis.register_function('f1', function() return 1 end)"), "ERR Function f1 already exists");
        ReplyAssert.Error(await _engine.Run("FUNCTION", "LOAD", "#!lua name=lib4\nlocal x = 1"), "ERR No functions registered");
        ReplyAssert.Error(await _engine.Run("FUNCTION", "LOAD", "return 1"), "ERR Missing library metadata");
        ReplyAssert.Error(await _engine.Run("FUNCTION", "LOAD", "#!lua\nreturn 1"), "ERR Library name was not given");
        Assert.StartsWith("ERR Error registering functions: ", (await _engine.Run("FUNCTION", "LOAD", "#!lua name=lib3\nredis.call('set','x','1')")).AsError().Message, StringComparison.Ordinal);
        ReplyAssert.Bulk(await _engine.Run("FUNCTION", "LOAD", "REPLACE", "#!lua name=lib1\nredis.register_function('g', function() return 7 end)"), "lib1");
        ReplyAssert.Integer(await _engine.Run("FCALL", "g", "0"), 7);
        ReplyAssert.Error(await _engine.Run("FCALL", "f1", "0"), "ERR Function not found");
        ReplyAssert.Error(await _engine.Run("EVAL", "return redis.register_function('x', function() end)", "0"),
            $"ERR redis.register_function can only be called on FUNCTION LOAD command script: {Encoding.ASCII.GetString(Scripting.ScriptRuntime.Sha1Hex("return redis.register_function('x', function() end)"u8))}, on @user_script:1.");
    }

    [Fact]
    public async Task List_stats_delete_flush_dump_and_restore()
    {
        ReplyAssert.Bulk(await _engine.Run("FUNCTION", "LOAD", Library), "lib1");
        var list = (await _engine.Run("FUNCTION", "LIST")).ToString();
        Assert.Equal("[[\"library_name\", \"lib1\", \"engine\", \"LUA\", \"functions\", [[\"name\", \"f1\", \"description\", (nil), \"flags\", []], [\"name\", \"ro\", \"description\", (nil), \"flags\", [no-writes]]]]]", list);
        Assert.Contains("library_code", (await _engine.Run("FUNCTION", "LIST", "LIBRARYNAME", "lib*", "WITHCODE")).ToString(), StringComparison.Ordinal);
        Assert.Equal("[]", (await _engine.Run("FUNCTION", "LIST", "LIBRARYNAME", "other*")).ToString());
        Assert.Equal("[\"running_script\", (nil), \"engines\", [\"LUA\", [\"libraries_count\", (integer) 1, \"functions_count\", (integer) 2]]]", (await _engine.Run("FUNCTION", "STATS")).ToString());
        var dump = (await _engine.Run("FUNCTION", "DUMP")).AsBulk().ToArray();
        ReplyAssert.Error(await _engine.Run("FUNCTION", "DELETE", "nosuch"), "ERR Library not found");
        ReplyAssert.Ok(await _engine.Run("FUNCTION", "DELETE", "lib1"));
        ReplyAssert.Error(await _engine.Run("FCALL", "f1", "1", "k"), "ERR Function not found");
        ReplyAssert.Ok(await _engine.RunBytes("FUNCTION"u8.ToArray(), "RESTORE"u8.ToArray(), dump));
        ReplyAssert.Bulk(await _engine.Run("FCALL", "ro", "0", "back"), "back");
        // APPEND onto a library of the same name fails and changes nothing.
        Assert.StartsWith("ERR Library 'lib1' already exists", (await _engine.RunBytes("FUNCTION"u8.ToArray(), "RESTORE"u8.ToArray(), dump)).AsError().Message, StringComparison.Ordinal);
        ReplyAssert.Bulk(await _engine.Run("FCALL", "ro", "0", "still"), "still");
        ReplyAssert.Ok(await _engine.RunBytes("FUNCTION"u8.ToArray(), "RESTORE"u8.ToArray(), dump, "FLUSH"u8.ToArray()));
        ReplyAssert.Ok(await _engine.Run("FUNCTION", "FLUSH", "SYNC"));
        Assert.Equal("[]", (await _engine.Run("FUNCTION", "LIST")).ToString());
        ReplyAssert.Error(await _engine.Run("FUNCTION", "KILL"), "NOTBUSY No scripts in execution right now.");
    }

    [Fact]
    public async Task Function_management_is_logged_and_replays()
    {
        _engine.Log.Clear();
        await _engine.Run("FUNCTION", "LOAD", Library);
        await _engine.Run("FCALL", "f1", "1", "cnt");
        await _engine.Run("FUNCTION", "DELETE", "lib1");
        Assert.Equal([$"FUNCTION LOAD {Library}", "incr cnt", "FUNCTION DELETE lib1"], _engine.Log.Effects);

        using var replica = new TestEngine();
        replica.Executor.BeginLoading();
        Assert.Null(await replica.Executor.ReplayAsync(_engine.Log.Records.Take(2).ToList()));
        replica.Executor.FinishLoading(_engine.Executor.CommittedOffset);
        ReplyAssert.Integer(await replica.Run("FCALL", "f1", "1", "cnt"), 2);
    }

    [Fact]
    public async Task Loading_needs_the_write_role_and_flushing_the_admin_role()
    {
        var reader = new AclUser("ro", AclRole.Read);
        var writer = new AclUser("rw", AclRole.Write);
        var load = await _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "FUNCTION", "LOAD", Library }.Select(Encoding.UTF8.GetBytes)]) { User = reader });
        ReplyAssert.Error(load.Reply, "NOPERM this user has no permissions to run the 'function|load' command");
        load = await _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "FUNCTION", "LOAD", Library }.Select(Encoding.UTF8.GetBytes)]) { User = writer });
        ReplyAssert.Bulk(load.Reply, "lib1");
        var flush = await _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "FUNCTION", "FLUSH" }.Select(Encoding.UTF8.GetBytes)]) { User = writer });
        ReplyAssert.Error(flush.Reply, "NOPERM this user has no permissions to run the 'function|flush' command");
        var call = await _engine.Executor.ExecuteAsync(new CommandRequest([.. new[] { "FCALL", "f1", "1", "k" }.Select(Encoding.UTF8.GetBytes)]) { User = reader });
        ReplyAssert.Error(call.Reply, "ERR The user executing the script can't run this command or subcommand script: f1, on @user_function:1.");
    }
}
