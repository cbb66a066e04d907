using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// PING, ECHO, TIME and COMMAND, checked against Redis 7.0. Deliberate differences: COMMAND INFO has
/// empty tips, key specs and subcommands; COMMAND DOCS has a "syntax" field instead of "arguments".
/// </summary>
public sealed class ServerCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private static string Text(Reply reply) => reply.Kind == ReplyKind.Bulk ? Encoding.UTF8.GetString(reply.AsBulk().Span) : reply.AsSimple();

    private static string[] SortedTexts(Reply reply) => reply.AsItems().Select(Text).Order(StringComparer.Ordinal).ToArray();

    // PING, ECHO, TIME

    [Fact]
    public async Task Ping_answers_pong_or_echoes_its_message()
    {
        ReplyAssert.Simple(await _engine.Run("PING"), "PONG");
        ReplyAssert.Bulk(await _engine.Run("PING", "hi"), "hi");
        ReplyAssert.Bulk(await _engine.Run("ping", ""), "");
    }

    [Fact]
    public async Task Ping_with_two_messages_is_an_arity_error()
    {
        ReplyAssert.Error(await _engine.Run("PING", "a", "b"), "ERR wrong number of arguments for 'ping' command");
        ReplyAssert.Error(await _engine.Run("PING", "a", "b"), ErrorKind.WrongArity);
    }

    [Fact]
    public async Task Echo_returns_its_message_byte_for_byte()
    {
        byte[] binary = [0, 0xff, (byte)'\r', (byte)'\n'];

        ReplyAssert.Bulk(await _engine.Run("ECHO", "hi"), "hi");
        ReplyAssert.BulkBytes(await _engine.RunBytes("ECHO"u8.ToArray(), binary), binary);
        ReplyAssert.Error(await _engine.Run("ECHO"), "ERR wrong number of arguments for 'echo' command");
        ReplyAssert.Error(await _engine.Run("ECHO", "a", "b"), "ERR wrong number of arguments for 'echo' command");
    }

    [Fact]
    public async Task Time_reports_the_engine_clock_in_seconds_and_microseconds()
    {
        ReplyAssert.BulkArray(await _engine.Run("TIME"), "1700000000", "0");

        _engine.Advance(TimeSpan.FromTicks(1_234_567));

        ReplyAssert.BulkArray(await _engine.Run("TIME"), "1700000000", "123456");

        _engine.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1_234_567) - TimeSpan.FromTicks(10));

        ReplyAssert.BulkArray(await _engine.Run("TIME"), "1700000001", "999999");
    }

    [Fact]
    public async Task Time_takes_no_arguments()
    {
        ReplyAssert.Error(await _engine.Run("TIME", "x"), "ERR wrong number of arguments for 'time' command");
    }

    // COMMAND, COMMAND COUNT, COMMAND LIST

    [Fact]
    public async Task Command_describes_every_command_in_the_table()
    {
        var all = (await _engine.Run("COMMAND")).AsItems();

        Assert.Equal(_engine.Executor.Commands.Count, all.Count);
        var names = all.Select(info => Text(info.AsItems()[0])).ToArray();
        Assert.Equal(_engine.Executor.Commands.All.Select(spec => spec.Name.ToLowerInvariant()).Order(StringComparer.Ordinal), names);
        var get = (await _engine.Run("COMMAND", "INFO", "GET")).AsItems()[0];
        Assert.Equal(get.ToString(), all.Single(info => Text(info.AsItems()[0]) == "get").ToString());
    }

    [Fact]
    public async Task Command_count_is_the_size_of_the_table()
    {
        ReplyAssert.Integer(await _engine.Run("COMMAND", "COUNT"), _engine.Executor.Commands.Count);
        ReplyAssert.Error(await _engine.Run("COMMAND", "COUNT", "x"), "ERR wrong number of arguments for 'command|count' command");
    }

    [Fact]
    public async Task Command_list_names_every_command_in_lower_case()
    {
        var names = SortedTexts(await _engine.Run("COMMAND", "LIST"));

        Assert.Equal(_engine.Executor.Commands.All.Select(spec => spec.Name.ToLowerInvariant()).Order(StringComparer.Ordinal), names);
    }

    [Theory]
    [InlineData("get*", "get getbit getdel getex getrange getset")]
    [InlineData("GET*", "get getbit getdel getex getrange getset")]
    [InlineData("DB*", "dbsize")]
    [InlineData("[G]et", "get")]
    [InlineData("[\\G]et", "")]
    [InlineData("*expire*", "expire expireat expiretime hexpire hexpireat hexpiretime hpexpire hpexpireat hpexpiretime pexpire pexpireat pexpiretime")]
    [InlineData("nosuch*", "")]
    public async Task Command_list_filters_by_a_case_insensitive_pattern(string pattern, string expected)
    {
        var names = SortedTexts(await _engine.Run("COMMAND", "LIST", "FILTERBY", "PATTERN", pattern));

        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), names);
    }

    [Theory]
    [InlineData("keyspace", "bigkeys copy dbsize del exists expire expireat expiretime flushall flushdb hotkeys keys object persist pexpire pexpireat pexpiretime pttl randomkey rename renamenx scan touch ttl type unlink")]
    [InlineData("string", "append decr decrby delex delifeq get getdel getex getrange getset incr incrby incrbyfloat lcs mget mset msetnx psetex set setex setnx setrange strlen substr")]
    [InlineData("read", "bigkeys dbsize exists expiretime get getrange hotkeys keys lcs memory mget object pexpiretime pttl randomkey scan sort_ro strlen substr touch ttl type")]
    [InlineData("write", "append copy decr decrby del delex delifeq expire expireat flushall flushdb getdel getex getset incr incrby incrbyfloat mset msetnx persist pexpire pexpireat psetex rename renamenx set setex setnx setrange sort unlink")]
    [InlineData("server", "")]
    [InlineData("admin", "bgrewriteaof bgsave bigkeys config debug hotkeys lastsave latency monitor replicaof role slaveof slowlog")]
    [InlineData("nosuchcategory", "")]
    public async Task Command_list_filters_by_acl_category_as_redis_does(string category, string expected)
    {
        // The rows list the foundation's commands; data-type families add their own to @read and @write.
        var foundation = _engine.Executor.Commands.All
            .Where(spec => spec.Group is "generic" or "string" or "server" or "connection")
            .Select(spec => spec.Name.ToLowerInvariant())
            .ToHashSet();
        var names = SortedTexts(await _engine.Run("COMMAND", "LIST", "FILTERBY", "ACLCAT", category)).Where(foundation.Contains);

        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), names);
    }

    [Fact]
    public async Task Command_list_filtered_by_module_is_empty()
    {
        ReplyAssert.BulkArray(await _engine.Run("COMMAND", "LIST", "FILTERBY", "MODULE", "x"));
    }

    [Theory]
    [InlineData("COMMAND LIST foo")]
    [InlineData("COMMAND LIST FILTERBY PATTERN")]
    [InlineData("COMMAND LIST FILTERBY bogus x")]
    [InlineData("COMMAND LIST FILTERBY PATTERN a b")]
    public async Task Command_list_with_other_arguments_is_a_syntax_error(string command)
    {
        ReplyAssert.Error(await _engine.Run(command.Split(' ')), "ERR syntax error");
    }

    // COMMAND INFO, COMMAND DOCS

    [Fact]
    public async Task Command_info_get_has_redis_name_arity_flags_and_key_positions()
    {
        var reply = await _engine.Run("COMMAND", "INFO", "get");

        var info = Assert.Single(reply.AsItems()).AsItems();
        Assert.Equal(10, info.Count);
        ReplyAssert.Bulk(info[0], "get");
        ReplyAssert.Integer(info[1], 2);
        Assert.Equal(ReplyKind.Set, info[2].Kind);
        Assert.Equal(["fast", "readonly"], SortedTexts(info[2]));
        ReplyAssert.Integer(info[3], 1);
        ReplyAssert.Integer(info[4], 1);
        ReplyAssert.Integer(info[5], 1);
        Assert.Equal(["@fast", "@read", "@string"], SortedTexts(info[6]));
        for (var i = 7; i < 10; i++)
            ReplyAssert.BulkArray(info[i]);
    }

    [Theory]
    [InlineData("set", -3, "denyoom write", 1, 1, 1, "@slow @string @write")]
    [InlineData("mset", -3, "denyoom write", 1, -1, 2, "@slow @string @write")]
    [InlineData("del", -2, "write", 1, -1, 1, "@keyspace @slow @write")]
    [InlineData("copy", -3, "denyoom write", 1, 2, 1, "@keyspace @slow @write")]
    [InlineData("scan", -2, "readonly", 0, 0, 0, "@keyspace @read @slow")]
    [InlineData("dbsize", 1, "fast readonly", 0, 0, 0, "@fast @keyspace @read")]
    [InlineData("unlink", -2, "fast write", 1, -1, 1, "@fast @keyspace @write")]
    [InlineData("ping", -1, "fast", 0, 0, 0, "@connection @fast")]
    [InlineData("echo", 2, "fast loading stale", 0, 0, 0, "@connection @fast")]
    [InlineData("time", 1, "fast loading stale", 0, 0, 0, "@fast")]
    // Redis describes OBJECT's subcommands separately (object|freq: 3, readonly, key 2); our one row carries their flags and key.
    [InlineData("object", -2, "readonly", 2, 2, 1, "@keyspace @read @slow")]
    [InlineData("info", -1, "loading stale", 0, 0, 0, "@dangerous @slow")]
    [InlineData("slowlog", -2, "admin loading stale", 0, 0, 0, "@admin @dangerous @slow")]
    [InlineData("config", -2, "admin loading stale", 0, 0, 0, "@admin @dangerous @slow")]
    [InlineData("latency", -2, "admin loading stale", 0, 0, 0, "@admin @dangerous @slow")]
    [InlineData("monitor", 1, "admin loading stale", 0, 0, 0, "@admin @dangerous @slow")]
    public async Task Command_info_matches_redis_for_commands_of_each_kind(string name, long arity, string flags, long first, long last, long step, string categories)
    {
        var info = (await _engine.Run("COMMAND", "INFO", name)).AsItems()[0].AsItems();

        ReplyAssert.Bulk(info[0], name);
        ReplyAssert.Integer(info[1], arity);
        Assert.Equal(flags.Split(' '), SortedTexts(info[2]));
        ReplyAssert.Integer(info[3], first);
        ReplyAssert.Integer(info[4], last);
        ReplyAssert.Integer(info[5], step);
        Assert.Equal(categories.Split(' '), SortedTexts(info[6]));
    }

    [Fact]
    public async Task Command_info_answers_nil_for_an_unknown_command()
    {
        var items = (await _engine.Run("COMMAND", "INFO", "get", "nosuch")).AsItems();

        Assert.Equal(2, items.Count);
        ReplyAssert.Bulk(items[0].AsItems()[0], "get");
        ReplyAssert.Null(items[1]);
    }

    [Fact]
    public async Task Command_info_without_names_describes_every_command()
    {
        var items = (await _engine.Run("COMMAND", "INFO")).AsItems();

        Assert.Equal(_engine.Executor.Commands.Count, items.Count);
    }

    [Fact]
    public async Task Command_docs_gives_summary_since_group_complexity_and_syntax()
    {
        var reply = await _engine.Run("COMMAND", "DOCS", "GET");

        Assert.Equal(ReplyKind.Map, reply.Kind);
        var pairs = reply.AsItems();
        Assert.Equal(2, pairs.Count);
        ReplyAssert.Bulk(pairs[0], "get");
        Assert.Equal(ReplyKind.Map, pairs[1].Kind);
        Assert.Equal(
            ["summary", "Returns the string value of a key.", "since", "1.0.0", "group", "string", "complexity", "O(1)", "syntax", "GET key"],
            pairs[1].AsItems().Select(Text));
    }

    [Fact]
    public async Task Command_docs_leaves_out_unknown_commands()
    {
        var reply = await _engine.Run("COMMAND", "DOCS", "nosuch");

        Assert.Equal(ReplyKind.Map, reply.Kind);
        Assert.Empty(reply.AsItems());
        Assert.Equal(_engine.Executor.Commands.Count * 2, (await _engine.Run("COMMAND", "DOCS")).AsItems().Count);
    }

    // COMMAND GETKEYS, HELP, unknown subcommands

    [Theory]
    [InlineData("SET a b", "a")]
    [InlineData("get a", "a")]
    [InlineData("MSET a 1 b 2", "a b")]
    [InlineData("MSET a 1 b", "a b")]
    [InlineData("DEL a b c", "a b c")]
    [InlineData("RENAME a b", "a b")]
    [InlineData("COPY a b DB 0 REPLACE", "a b")]
    public async Task Command_getkeys_extracts_the_key_arguments(string command, string keys)
    {
        ReplyAssert.BulkArray(await _engine.Run(["COMMAND", "GETKEYS", .. command.Split(' ')]), keys.Split(' '));
    }

    [Theory]
    [InlineData("COMMAND GETKEYS", "ERR wrong number of arguments for 'command|getkeys' command")]
    [InlineData("COMMAND GETKEYS get", "ERR wrong number of arguments for 'command|getkeys' command")]
    [InlineData("COMMAND GETKEYS foo", "ERR wrong number of arguments for 'command|getkeys' command")]
    [InlineData("COMMAND GETKEYS foo a", "ERR Invalid command specified")]
    [InlineData("COMMAND GETKEYS get a b", "ERR Invalid number of arguments specified for command")]
    [InlineData("COMMAND GETKEYS set a", "ERR Invalid number of arguments specified for command")]
    [InlineData("COMMAND GETKEYS ping x", "ERR The command has no key arguments")]
    [InlineData("COMMAND GETKEYS scan 0", "ERR The command has no key arguments")]
    public async Task Command_getkeys_refuses_what_redis_refuses(string command, string error)
    {
        ReplyAssert.Error(await _engine.Run(command.Split(' ')), error);
    }

    [Fact]
    public async Task Command_help_lists_the_subcommands()
    {
        var lines = ReplyAssert.Texts(await _engine.Run("COMMAND", "HELP"));

        Assert.Equal("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", lines[0]);
        Assert.Equal("    Prints this help.", lines[^1]);
        ReplyAssert.Error(await _engine.Run("COMMAND", "HELP", "x"), "ERR wrong number of arguments for 'command|help' command");
    }

    [Fact]
    public async Task An_unknown_command_subcommand_is_refused()
    {
        ReplyAssert.Error(await _engine.Run("COMMAND", "foo"), "ERR unknown subcommand 'foo'. Try COMMAND HELP.");
        ReplyAssert.Error(await _engine.Run("COMMAND", "foo"), ErrorKind.UnknownCommand);
    }
}
