using System.Text;
using Lodestone.Engine.Commands;

namespace Lodestone.Engine.PubSub;

/// <summary>Redis's notify-keyspace-events classes and channels (notify.c).</summary>
[Flags]
public enum NotifyFlags
{
    /// <summary>Nothing is notified.</summary>
    None = 0,

    /// <summary>g: generic commands (DEL, EXPIRE, RENAME, …).</summary>
    Generic = 1,

    /// <summary>$: string commands.</summary>
    String = 2,

    /// <summary>l: list commands.</summary>
    List = 4,

    /// <summary>s: set commands.</summary>
    Set = 8,

    /// <summary>h: hash commands.</summary>
    Hash = 16,

    /// <summary>z: sorted-set commands.</summary>
    ZSet = 32,

    /// <summary>x: expired events.</summary>
    Expired = 64,

    /// <summary>e: evicted events.</summary>
    Evicted = 128,

    /// <summary>t: stream commands.</summary>
    Stream = 256,

    /// <summary>m: key misses (not in A).</summary>
    KeyMiss = 512,

    /// <summary>d: module key types.</summary>
    Module = 1024,

    /// <summary>n: new keys (not in A).</summary>
    NewKey = 2048,

    /// <summary>K: keyspace channels, <c>__keyspace@0__:&lt;key&gt;</c>.</summary>
    Keyspace = 4096,

    /// <summary>E: keyevent channels, <c>__keyevent@0__:&lt;event&gt;</c>.</summary>
    Keyevent = 8192,

    /// <summary>A: the alias for g$lshzxetd.</summary>
    All = Generic | String | List | Set | Hash | ZSet | Expired | Evicted | Stream | Module,
}

/// <summary>
/// Keyspace notifications: what happened to which key, as Redis names it, published on Redis's
/// channels when <c>notify-keyspace-events</c> asks for it — and always to the HTTP key watchers
/// (<c>GET /keys/{key}/events</c>), which are the service's cache-invalidation feed.
/// </summary>
/// <remarks>
/// Design note. Rather than a call in every handler, the dispatcher compares the versions of a write
/// command's keys before and after it (only while someone listens) and reports each key that changed
/// with the command's event: Redis's name for it where it differs from the command's (INCR and DECR are
/// "incrby", GEOADD is "zadd", ZINCRBY "zincr", RENAME "rename_from"/"rename_to", …), plus "expire"
/// when SET-like commands gave a TTL and "del" when the command emptied a collection away. Expired
/// and evicted keys come from the keyspace itself.
/// </remarks>
public sealed class KeyspaceNotifications
{
    private const string Order = "g$lshzxetd";
    private readonly PubSubHub _hub;
    private readonly object _gate = new();
    private readonly Dictionary<byte[], List<PubSubSubscriber>> _watchers = new(Keyspace.ByteArrayComparer.Instance);
    private int _watcherCount;

    internal KeyspaceNotifications(PubSubHub hub) => _hub = hub;

    /// <summary>The classes CONFIG SET notify-keyspace-events enabled.</summary>
    public NotifyFlags Flags { get; internal set; }

    /// <summary>Whether anything would be published: notifications enabled, or a key watcher open.</summary>
    public bool Active => (Flags & (NotifyFlags.Keyspace | NotifyFlags.Keyevent)) != 0 || Volatile.Read(ref _watcherCount) > 0;

    /// <summary>Parses Redis's flag letters; null for an unknown letter.</summary>
    public static NotifyFlags? Parse(string text)
    {
        var flags = NotifyFlags.None;
        foreach (var letter in text)
        {
            flags |= letter switch
            {
                'A' => NotifyFlags.All,
                'g' => NotifyFlags.Generic,
                '$' => NotifyFlags.String,
                'l' => NotifyFlags.List,
                's' => NotifyFlags.Set,
                'h' => NotifyFlags.Hash,
                'z' => NotifyFlags.ZSet,
                'x' => NotifyFlags.Expired,
                'e' => NotifyFlags.Evicted,
                't' => NotifyFlags.Stream,
                'm' => NotifyFlags.KeyMiss,
                'd' => NotifyFlags.Module,
                'n' => NotifyFlags.NewKey,
                'K' => NotifyFlags.Keyspace,
                'E' => NotifyFlags.Keyevent,
                _ => (NotifyFlags)(-1),
            };
            if ((int)flags < 0)
                return null;
        }
        return flags;
    }

    /// <summary>The flags as CONFIG GET shows them (Redis's keyspaceEventsFlagsToString).</summary>
    public static string Format(NotifyFlags flags)
    {
        var text = new StringBuilder();
        if ((flags & NotifyFlags.All) == NotifyFlags.All)
        {
            text.Append('A');
        }
        else
        {
            foreach (var letter in Order)
            {
                if ((flags & Parse(letter.ToString())!.Value) != 0)
                    text.Append(letter);
            }
        }
        if ((flags & NotifyFlags.Keyspace) != 0)
            text.Append('K');
        if ((flags & NotifyFlags.Keyevent) != 0)
            text.Append('E');
        if ((flags & NotifyFlags.KeyMiss) != 0)
            text.Append('m');
        if ((flags & NotifyFlags.NewKey) != 0)
            text.Append('n');
        return text.ToString();
    }

    /// <summary>
    /// Watches one key (whatever notify-keyspace-events says): <paramref name="subscriber"/> receives
    /// each of its events as a message on <c>__keyspace@0__:&lt;key&gt;</c>. Dispose the subscriber to stop.
    /// </summary>
    public void Watch(PubSubSubscriber subscriber, byte[] key)
    {
        lock (_gate)
        {
            if (!_watchers.TryGetValue(key, out var list))
                _watchers[key] = list = [];
            list.Add(subscriber);
            _watcherCount++;
        }
    }

    /// <summary>Stops a watch begun by <see cref="Watch"/>.</summary>
    public void Unwatch(PubSubSubscriber subscriber, byte[] key)
    {
        lock (_gate)
        {
            if (_watchers.TryGetValue(key, out var list) && list.Remove(subscriber))
            {
                _watcherCount--;
                if (list.Count == 0)
                    _watchers.Remove(key);
            }
        }
    }

    /// <summary>Redis's notifyKeyspaceEvent: <paramref name="eventName"/> happened to <paramref name="key"/> (engine thread).</summary>
    public void Notify(NotifyFlags type, string eventName, byte[] key)
    {
        var name = Encoding.ASCII.GetBytes(eventName);
        PubSubSubscriber[]? watching = null;
        // Watchers get what changes the key (the classes of A), not "new" or "keymiss".
        if (Volatile.Read(ref _watcherCount) > 0 && (type & NotifyFlags.All) != 0)
        {
            lock (_gate)
            {
                if (_watchers.TryGetValue(key, out var list))
                    watching = [.. list];
            }
        }
        if (watching is not null)
        {
            var message = new PubSubMessage("message", null, KeyspaceChannel(key), name);
            var now = _hub.Now;
            foreach (var watcher in watching)
                watcher.Offer(message, now);
        }
        if ((Flags & type) == 0)
            return;
        if ((Flags & NotifyFlags.Keyspace) != 0)
            _hub.Publish(KeyspaceChannel(key), name);
        if ((Flags & NotifyFlags.Keyevent) != 0)
            _hub.Publish([.. "__keyevent@0__:"u8, .. name], key);
    }

    /// <summary><c>__keyspace@0__:&lt;key&gt;</c>.</summary>
    public static byte[] KeyspaceChannel(byte[] key) => [.. "__keyspace@0__:"u8, .. key];

    /// <summary>
    /// A write command changed the key at argument <paramref name="index"/>: its events as
    /// Redis names them, then "del" if the key existed before and is gone now.
    /// </summary>
    internal void CommandChanged(CommandSpec spec, byte[][] args, int index, bool existed, bool exists)
    {
        var name = spec.Name;
        var type = TypeOf(spec.Group);
        switch (name)
        {
            case "DEL" or "UNLINK" or "GETDEL":
                Notify(NotifyFlags.Generic, "del", args[index]);
                return;
            case "RENAME" or "RENAMENX":
                Notify(NotifyFlags.Generic, index == 1 ? "rename_from" : "rename_to", args[index]);
                return;
            case "COPY":
                if (index == 2)
                    Notify(NotifyFlags.Generic, "copy_to", args[index]);
                return;
            case "EXPIRE" or "PEXPIRE" or "EXPIREAT" or "PEXPIREAT":
                Notify(NotifyFlags.Generic, exists ? "expire" : "del", args[index]);
                return;
            case "PERSIST":
                Notify(NotifyFlags.Generic, "persist", args[index]);
                return;
            case "GETEX":
                Notify(NotifyFlags.Generic, HasOption(args, "PERSIST") ? "persist" : "expire", args[index]);
                return;
            case "SET" or "SETNX" or "MSET" or "MSETNX" or "GETSET" or "PSETEX" or "SETEX":
                Notify(NotifyFlags.String, "set", args[index]);
                if (name is "SETEX" or "PSETEX" || HasOption(args, "EX", "PX", "EXAT", "PXAT"))
                    Notify(NotifyFlags.Generic, "expire", args[index]);
                return;
            case "LMOVE" or "BLMOVE" or "RPOPLPUSH" or "BRPOPLPUSH":
            {
                // RPOPLPUSH pops from the right and pushes on the left; LMOVE says where.
                var fromLeft = name is "LMOVE" or "BLMOVE" && Ascii(args[3], "LEFT");
                var toLeft = name is not ("LMOVE" or "BLMOVE") || Ascii(args[4], "LEFT");
                Notify(NotifyFlags.List, index == 1 ? (fromLeft ? "lpop" : "rpop") : (toLeft ? "lpush" : "rpush"), args[index]);
                break;
            }
            case "SMOVE":
                Notify(NotifyFlags.Set, index == 1 ? "srem" : "sadd", args[index]);
                break;
            default:
                Notify(type, EventName(name), args[index]);
                break;
        }
        if (existed && !exists)
            Notify(NotifyFlags.Generic, "del", args[index]);
    }

    /// <summary>A command's keys in the order Redis notifies them: a list move's push before its pop (lmoveHandlePush comes first), else as declared.</summary>
    internal static IEnumerable<T> InRedisOrder<T>(CommandSpec spec, List<T> keys) =>
        spec.Name is "LMOVE" or "BLMOVE" or "RPOPLPUSH" or "BRPOPLPUSH" ? Enumerable.Reverse(keys) : keys;

    private static bool Ascii(byte[] arg, string word) => System.Text.Ascii.EqualsIgnoreCase(arg, word);

    private static bool HasOption(byte[][] args, params string[] words) =>
        args.Skip(2).Any(arg => words.Any(word => Ascii(arg, word)));

    /// <summary>Redis's event name for a command, where it is not the command's own name in lowercase.</summary>
    private static string EventName(string command) => command switch
    {
        "INCR" or "INCRBY" => "incrby",
        "DECR" or "DECRBY" => "decrby",
        "HMSET" or "HSETNX" or "HSETEX" => "hset",
        "HINCRBYFLOAT" => "hincrbyfloat",
        "HGETDEL" => "hdel",
        "ZINCRBY" => "zincr",
        "GEOADD" => "zadd",
        "LPUSHX" => "lpush",
        "RPUSHX" => "rpush",
        "BLPOP" => "lpop",
        "BRPOP" => "rpop",
        "BZPOPMIN" => "zpopmin",
        "BZPOPMAX" => "zpopmax",
        "HPEXPIRE" or "HEXPIREAT" or "HPEXPIREAT" => "hexpire",
        _ => command.ToLowerInvariant(),
    };

    private static NotifyFlags TypeOf(string group) => group switch
    {
        "string" or "bitmap" or "hyperloglog" => NotifyFlags.String,
        "list" => NotifyFlags.List,
        "set" => NotifyFlags.Set,
        "hash" => NotifyFlags.Hash,
        "sorted-set" or "geo" => NotifyFlags.ZSet,
        _ => NotifyFlags.Generic,
    };
}
