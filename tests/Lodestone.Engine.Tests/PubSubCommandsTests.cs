using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.PubSub;
using Lodestone.Engine.Security;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Publish/subscribe and keyspace notifications: receiver counts, patterns, PUBSUB's replies and the
/// event names as redis-server 7.0 sends them, the output limits, and scoped keys.
/// </summary>
public sealed class PubSubCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new(new EngineOptions { PubSubHardLimitBytes = 4096, PubSubSoftLimitBytes = 1024, PubSubSoftLimitSeconds = 10, PubSubMaxSubscriptionsPerClient = 3 });

    public void Dispose() => _engine.Dispose();

    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    private static string S(byte[]? bytes) => bytes is null ? "" : Encoding.UTF8.GetString(bytes);

    private PubSubSubscriber Open() => _engine.Executor.PubSub.Open()!;

    /// <summary>What the subscriber has received so far, as Redis's reply arrays would read (kind, [pattern,] channel, message or count).</summary>
    private static List<string> Drain(PubSubSubscriber subscriber)
    {
        var seen = new List<string>();
        while (subscriber.Messages.TryRead(out var message))
        {
            subscriber.Delivered(message);
            seen.Add(message.Payload is null ? $"{message.Kind} {S(message.Channel)} {message.Count}"
                : message.Pattern is null ? $"{message.Kind} {S(message.Channel)} {S(message.Payload)}"
                : $"{message.Kind} {S(message.Pattern)} {S(message.Channel)} {S(message.Payload)}");
        }
        return seen;
    }

    [Fact]
    public async Task Publish_counts_channel_subscribers_and_each_matching_pattern_as_Redis_does()
    {
        using var a = Open();
        using var b = Open();
        a.Subscribe(SubscriptionKind.Channel, [B("news.art"), B("news.art")]);
        a.Subscribe(SubscriptionKind.Pattern, [B("news.*"), B("n*")]);
        b.Subscribe(SubscriptionKind.Channel, [B("news.art")]);

        ReplyAssert.Integer(await _engine.Run("PUBLISH", "news.art", "hi"), 4);
        ReplyAssert.Integer(await _engine.Run("PUBLISH", "news.tech", "yo"), 2);
        ReplyAssert.Integer(await _engine.Run("PUBLISH", "other", "x"), 0);

        Assert.Equal(["subscribe news.art 1", "subscribe news.art 1", "psubscribe news.* 2", "psubscribe n* 3",
            "message news.art hi", "pmessage news.* news.art hi", "pmessage n* news.art hi", "pmessage news.* news.tech yo", "pmessage n* news.tech yo"], Drain(a));
        Assert.Equal(["subscribe news.art 1", "message news.art hi"], Drain(b));

    }

    [Fact]
    public async Task Pubsub_introspection_answers_as_Redis_does()
    {
        using var a = Open();
        a.Subscribe(SubscriptionKind.Channel, [B("c1"), B("c2")]);
        a.Subscribe(SubscriptionKind.Pattern, [B("p*")]);
        using var b = Open();
        b.Subscribe(SubscriptionKind.Shard, [B("s1")]);

        Assert.Equal(["c1", "c2"], (await _engine.Run("PUBSUB", "CHANNELS")).AsItems().Select(r => S(r.AsBulk().ToArray())).Order());
        Assert.Equal(["c2"], (await _engine.Run("PUBSUB", "CHANNELS", "*2")).AsItems().Select(r => S(r.AsBulk().ToArray())));
        var numsub = (await _engine.Run("PUBSUB", "NUMSUB", "c1", "none")).AsItems();
        Assert.Equal(("c1", 1L, "none", 0L), (S(numsub[0].AsBulk().ToArray()), numsub[1].AsInteger(), S(numsub[2].AsBulk().ToArray()), numsub[3].AsInteger()));
        ReplyAssert.Integer(await _engine.Run("PUBSUB", "NUMPAT"), 1);
        Assert.Equal(["s1"], (await _engine.Run("PUBSUB", "SHARDCHANNELS")).AsItems().Select(r => S(r.AsBulk().ToArray())));
        ReplyAssert.Integer(await _engine.Run("SPUBLISH", "s1", "m"), 1);
        ReplyAssert.Integer(await _engine.Run("PUBLISH", "s1", "m"), 0);
        Assert.Equal(["ssubscribe s1 1", "smessage s1 m"], Drain(b));
        ReplyAssert.Error(await _engine.Run("PUBSUB", "NOPE"), "ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.");
        ReplyAssert.Error(await _engine.Run("PUBSUB", "NUMPAT", "x"), "ERR wrong number of arguments for 'pubsub|numpat' command");
        ReplyAssert.Error(await _engine.Run("PUBSUB", "channels", "a", "b"), "ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP.");

        a.Unsubscribe(SubscriptionKind.Channel, []);
        ReplyAssert.BulkArray(await _engine.Run("PUBSUB", "CHANNELS"));
        a.Dispose();
        ReplyAssert.Integer(await _engine.Run("PUBSUB", "NUMPAT"), 0);
        ReplyAssert.Error(await _engine.Run("SUBSCRIBE", "c"), ErrorKind.BadRequest);
    }

    [Fact]
    public void A_subscriber_may_hold_only_so_many_subscriptions()
    {
        using var a = Open();
        Assert.True(a.Subscribe(SubscriptionKind.Channel, [B("1"), B("2")]));
        Assert.False(a.Subscribe(SubscriptionKind.Pattern, [B("x*"), B("y*")]));
        Assert.Equal(2, a.SubscriptionCount);
        Assert.True(a.Subscribe(SubscriptionKind.Pattern, [B("x*")]));
    }

    [Fact]
    public async Task A_reader_that_falls_behind_the_hard_limit_is_disconnected_and_memory_stays_bounded()
    {
        using var slow = Open();
        using var fast = Open();
        slow.Subscribe(SubscriptionKind.Channel, [B("c")]);
        fast.Subscribe(SubscriptionKind.Channel, [B("c")]);
        var payload = new string('x', 500);
        for (var i = 0; i < 20; i++)
        {
            await _engine.Run("PUBLISH", "c", payload);
            Drain(fast);
        }
        Assert.NotNull(slow.DisconnectReason);
        Assert.Contains("hard limit of 4096", slow.DisconnectReason, StringComparison.Ordinal);
        // What it had queued is all it holds: the outbox completed, nothing more was added.
        var queued = Drain(slow).Count;
        Assert.InRange(queued, 1, 8);
        Assert.True(slow.Messages.Completion.IsCompleted);
        Assert.Null(fast.DisconnectReason);
        ReplyAssert.Integer(await _engine.Run("PUBLISH", "c", "after"), 1);
    }

    [Fact]
    public async Task A_reader_over_the_soft_limit_for_longer_than_its_time_is_disconnected()
    {
        using var slow = Open();
        slow.Subscribe(SubscriptionKind.Channel, [B("c")]);
        await _engine.Run("PUBLISH", "c", new string('x', 1200));
        _engine.Advance(TimeSpan.FromSeconds(5));
        await _engine.Run("PUBLISH", "c", "y");
        Assert.Null(slow.DisconnectReason);
        _engine.Advance(TimeSpan.FromSeconds(6));
        await _engine.Run("PUBLISH", "c", "z");
        Assert.Contains("soft limit", slow.DisconnectReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scoped_api_key_may_publish_only_to_channels_its_patterns_match()
    {
        var scoped = new AclUser("scoped", AclRole.Read, [B("user:*")]);
        Task<CommandResult> RunAs(params string[] args) => _engine.Executor.ExecuteAsync(new CommandRequest([.. args.Select(B)]) { User = scoped });
        ReplyAssert.Integer((await RunAs("PUBLISH", "user:1", "m")).Reply, 0);
        ReplyAssert.Error((await RunAs("PUBLISH", "system", "m")).Reply, "NOPERM this user has no permissions to access one of the channels used as arguments");
    }

    [Fact]
    public async Task Notify_keyspace_events_takes_Redis_s_flags_and_prints_them_as_Redis_does()
    {
        Assert.Equal("", ConfigValue(await _engine.Run("CONFIG", "GET", "notify-keyspace-events")));
        foreach (var (set, shown) in new[] { ("KEA", "AKE"), ("Kgx", "gxK"), ("Em", "Em"), ("g", "g"), ("", "") })
        {
            ReplyAssert.Ok(await _engine.Run("CONFIG", "SET", "notify-keyspace-events", set));
            Assert.Equal(shown, ConfigValue(await _engine.Run("CONFIG", "GET", "notify-keyspace-events")));
        }
        ReplyAssert.Error(await _engine.Run("CONFIG", "SET", "notify-keyspace-events", "Q"),
            "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    }

    private static string ConfigValue(Reply reply) => S(reply.AsItems()[1].AsBulk().ToArray());

    [Fact]
    public async Task Keyspace_events_are_the_ones_redis_server_sends()
    {
        await _engine.Run("CONFIG", "SET", "notify-keyspace-events", "KEA");
        using var events = Open();
        events.Subscribe(SubscriptionKind.Pattern, [B("__keyevent*")]);
        Drain(events);

        // The sequence recorded from redis-server 7.0 (psubscribe '__keyevent*'), and what it sent.
        string[][] commands =
        [
            ["SET", "a", "1"], ["SETEX", "b", "100", "v"], ["INCR", "a"], ["DECR", "a"], ["INCRBYFLOAT", "a", "1.5"], ["APPEND", "a", "x"], ["DEL", "a"],
            ["EXPIRE", "b", "50"], ["PERSIST", "b"], ["LPUSH", "l", "x"], ["RPOP", "l"], ["HSET", "h", "f", "v"], ["HDEL", "h", "f"],
            ["SADD", "s", "m"], ["SREM", "s", "m"], ["ZADD", "z", "1", "m"], ["ZINCRBY", "z", "1", "m"], ["RENAME", "b", "b2"], ["GETDEL", "b2"],
            ["MSET", "m1", "1", "m2", "2"], ["GEOADD", "g", "1", "2", "p"], ["PFADD", "hl", "a"], ["SETBIT", "bb", "1", "1"], ["COPY", "m1", "m3"],
            ["HINCRBY", "h", "f", "1"], ["SET", "m1", "2", "EX", "100"], ["RPUSH", "l2", "a"], ["LMOVE", "l2", "l3", "LEFT", "RIGHT"],
        ];
        foreach (var command in commands)
            await _engine.Run(command);
        Assert.Equal([
            "set a", "set b", "expire b", "incrby a", "decrby a", "incrbyfloat a", "append a", "del a", "expire b", "persist b", "lpush l", "rpop l", "del l",
            "hset h", "hdel h", "del h", "sadd s", "srem s", "del s", "zadd z", "zincr z", "rename_from b", "rename_to b2", "del b2", "set m1", "set m2",
            "zadd g", "pfadd hl", "setbit bb", "copy_to m3", "hincrby h", "set m1", "expire m1", "rpush l2", "rpush l3", "lpop l2", "del l2",
        ], Drain(events).Select(line => line.Split(' ') is var parts ? $"{parts[2]["__keyevent@0__:".Length..]} {parts[3]}" : ""));

        // Expired and evicted come from the keyspace itself; keyspace channels carry the event as the message.
        using var keyspace = Open();
        keyspace.Subscribe(SubscriptionKind.Channel, [B("__keyspace@0__:e")]);
        await _engine.Run("SET", "e", "v", "PX", "10");
        _engine.Advance(TimeSpan.FromMilliseconds(11));
        await _engine.Run("GET", "e");
        Assert.Equal(["subscribe __keyspace@0__:e 1", "message __keyspace@0__:e set", "message __keyspace@0__:e expire", "message __keyspace@0__:e expired"], Drain(keyspace));
    }

    [Fact]
    public async Task New_keys_and_key_misses_are_notified_when_their_classes_are_on()
    {
        await _engine.Run("CONFIG", "SET", "notify-keyspace-events", "Enm");
        using var events = Open();
        events.Subscribe(SubscriptionKind.Pattern, [B("__keyevent@0__:*")]);
        Drain(events);
        await _engine.Run("SET", "fresh", "v");
        await _engine.Run("SET", "fresh", "w");
        await _engine.Run("GET", "absent");
        Assert.Equal(["pmessage __keyevent@0__:* __keyevent@0__:new fresh", "pmessage __keyevent@0__:* __keyevent@0__:keymiss absent"], Drain(events));
    }

    [Fact]
    public async Task Evicted_keys_are_notified()
    {
        using var engine = new TestEngine(new EngineOptions { MaxMemoryBytes = 2 * 1024 * 1024, MaxMemoryPolicy = "allkeys-random" });
        await engine.Run("CONFIG", "SET", "notify-keyspace-events", "Ee");
        using var events = engine.Executor.PubSub.Open()!;
        events.Subscribe(SubscriptionKind.Channel, [B("__keyevent@0__:evicted")]);
        for (var i = 0; i < 200; i++)
            await engine.Run("SET", $"k{i}", new string('v', 20_000));
        Assert.Contains(Drain(events), line => line.StartsWith("message __keyevent@0__:evicted k", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_key_watcher_gets_the_key_s_events_whatever_the_setting_says()
    {
        using var watcher = Open();
        _engine.Executor.Notifications.Watch(watcher, B("cache:1"));
        await _engine.Run("SET", "cache:1", "v");
        await _engine.Run("SET", "other", "v");
        await _engine.Run("HSET", "cache:1x", "f", "v");
        await _engine.Run("DEL", "cache:1");
        Assert.Equal(["message __keyspace@0__:cache:1 set", "message __keyspace@0__:cache:1 del"], Drain(watcher));
        _engine.Executor.Notifications.Unwatch(watcher, B("cache:1"));
        await _engine.Run("SET", "cache:1", "v");
        Assert.Empty(Drain(watcher));
    }
}
