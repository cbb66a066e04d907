using System.Threading.Channels;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.PubSub;

/// <summary>What a subscriber receives: a message, or the confirmation of a (un)subscription.</summary>
/// <param name="Kind">Redis's reply type: message, pmessage, smessage, subscribe, psubscribe, ssubscribe, unsubscribe, punsubscribe, sunsubscribe.</param>
/// <param name="Pattern">The pattern that matched (pmessage only).</param>
/// <param name="Channel">The channel (or pattern, for psubscribe/punsubscribe).</param>
/// <param name="Payload">The message; null for a confirmation.</param>
/// <param name="Count">For a confirmation: the subscriber's subscriptions after it.</param>
public sealed record PubSubMessage(string Kind, byte[]? Pattern, byte[] Channel, byte[]? Payload, int Count = 0)
{
    /// <summary>What the message counts for against the output limits.</summary>
    internal long Size => 64 + Channel.Length + (Pattern?.Length ?? 0) + (Payload?.Length ?? 0);
}

/// <summary>
/// Publish/subscribe (Redis's pubsub.c): channels, patterns and shard channels, each subscriber a
/// bounded outbox that the publisher never waits for.
/// </summary>
/// <remarks>
/// Design note. PUBLISH runs on the engine thread, so messages from one publisher (indeed from all)
/// reach every subscriber in the order they were published. Subscribing and leaving happen on the
/// callers' threads; one lock guards the tables (a publish holds it only to copy the receivers).
/// Delivery is an unbounded channel per subscriber with a byte count beside it: past the hard limit,
/// or above the soft limit for longer than its time, the subscriber is disconnected — Redis's
/// <c>client-output-buffer-limit pubsub</c> — so a slow reader can never grow memory without bound.
/// Counts follow Redis: PUBLISH answers the channel's subscribers plus one per (subscriber, pattern)
/// match.
/// </remarks>
public sealed class PubSubHub
{
    private readonly object _gate = new();
    private readonly Dictionary<byte[], List<PubSubSubscriber>> _channels = new(ByteArrayComparer.Instance);
    private readonly Dictionary<byte[], List<PubSubSubscriber>> _shardChannels = new(ByteArrayComparer.Instance);
    private readonly Dictionary<byte[], (GlobPattern Matcher, List<PubSubSubscriber> Subscribers)> _patterns = new(ByteArrayComparer.Instance);
    private readonly HashSet<PubSubSubscriber> _subscribers = [];
    private readonly EngineOptions _options;
    private readonly TimeProvider _time;

    internal PubSubHub(EngineOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>The refusal of a channel (or pattern) a scoped API key may not use: Redis's ACL text, the one PUBLISH answers.</summary>
    public static EngineError ChannelRefused => Errors.NoPermissionForChannel;

    /// <summary>Subscribers open now.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_gate)
                return _subscribers.Count;
        }
    }

    /// <summary>A new subscriber (one SSE stream or WebSocket), or null when <see cref="EngineOptions.PubSubMaxSubscribers"/> are open.</summary>
    public PubSubSubscriber? Open()
    {
        lock (_gate)
        {
            if (_subscribers.Count >= _options.PubSubMaxSubscribers)
                return null;
            var subscriber = new PubSubSubscriber(this, _options.PubSubMaxSubscriptionsPerClient);
            _subscribers.Add(subscriber);
            return subscriber;
        }
    }

    /// <summary>Delivers <paramref name="payload"/> to the channel's subscribers and matching patterns' (PUBLISH); returns how many received it.</summary>
    public int Publish(byte[] channel, byte[] payload) => Deliver(channel, payload, shard: false);

    /// <summary>SPUBLISH: the same for shard channels (on one node, every shard channel is local).</summary>
    public int PublishShard(byte[] channel, byte[] payload) => Deliver(channel, payload, shard: true);

    /// <summary>Whether anyone listens to any channel or pattern.</summary>
    public bool HasListeners
    {
        get
        {
            lock (_gate)
                return _channels.Count > 0 || _patterns.Count > 0;
        }
    }

    /// <summary>PUBSUB CHANNELS / SHARDCHANNELS: active channels, those matching <paramref name="pattern"/> when given.</summary>
    public List<byte[]> ActiveChannels(byte[]? pattern, bool shard)
    {
        var matcher = pattern is null ? null : GlobPattern.Compile(pattern);
        lock (_gate)
            return [.. (shard ? _shardChannels : _channels).Keys.Where(channel => matcher is null || matcher.IsMatch(channel))];
    }

    /// <summary>PUBSUB NUMSUB / SHARDNUMSUB: a channel's subscribers.</summary>
    public int SubscribersOf(byte[] channel, bool shard)
    {
        lock (_gate)
            return (shard ? _shardChannels : _channels).TryGetValue(channel, out var list) ? list.Count : 0;
    }

    /// <summary>PUBSUB NUMPAT: patterns subscribed to (by anyone).</summary>
    public int PatternCount
    {
        get
        {
            lock (_gate)
                return _patterns.Count;
        }
    }

    private int Deliver(byte[] channel, byte[] payload, bool shard)
    {
        PubSubSubscriber[]? direct;
        List<(byte[] Pattern, PubSubSubscriber Subscriber)>? matched = null;
        lock (_gate)
        {
            direct = (shard ? _shardChannels : _channels).TryGetValue(channel, out var list) ? [.. list] : null;
            if (!shard)
            {
                foreach (var (pattern, (matcher, subscribers)) in _patterns)
                {
                    if (!matcher.IsMatch(channel))
                        continue;
                    matched ??= [];
                    foreach (var subscriber in subscribers)
                        matched.Add((pattern, subscriber));
                }
            }
        }
        var now = Now;
        var receivers = 0;
        if (direct is not null)
        {
            var message = new PubSubMessage(shard ? "smessage" : "message", null, channel, payload);
            foreach (var subscriber in direct)
            {
                subscriber.Offer(message, now);
                receivers++;
            }
        }
        if (matched is not null)
        {
            foreach (var (pattern, subscriber) in matched)
            {
                subscriber.Offer(new PubSubMessage("pmessage", pattern, channel, payload), now);
                receivers++;
            }
        }
        return receivers;
    }

    /// <summary>The clock the output limits are timed by.</summary>
    internal long Now => _time.GetTimestamp();

    internal long SoftLimitTicks => _options.PubSubSoftLimitSeconds * _time.TimestampFrequency;

    internal long HardLimitBytes => _options.PubSubHardLimitBytes;

    internal long SoftLimitBytes => _options.PubSubSoftLimitBytes;

    internal bool Add(PubSubSubscriber subscriber, byte[] name, SubscriptionKind kind)
    {
        lock (_gate)
        {
            if (!_subscribers.Contains(subscriber))
                return false;
            switch (kind)
            {
                case SubscriptionKind.Pattern:
                    if (!_patterns.TryGetValue(name, out var entry))
                        _patterns[name] = entry = (GlobPattern.Compile(name), []);
                    entry.Subscribers.Add(subscriber);
                    break;
                default:
                    var table = kind == SubscriptionKind.Shard ? _shardChannels : _channels;
                    if (!table.TryGetValue(name, out var list))
                        table[name] = list = [];
                    list.Add(subscriber);
                    break;
            }
            return true;
        }
    }

    internal void Remove(PubSubSubscriber subscriber, byte[] name, SubscriptionKind kind)
    {
        lock (_gate)
        {
            if (kind == SubscriptionKind.Pattern)
            {
                if (_patterns.TryGetValue(name, out var entry) && entry.Subscribers.Remove(subscriber) && entry.Subscribers.Count == 0)
                    _patterns.Remove(name);
                return;
            }
            var table = kind == SubscriptionKind.Shard ? _shardChannels : _channels;
            if (table.TryGetValue(name, out var list) && list.Remove(subscriber) && list.Count == 0)
                table.Remove(name);
        }
    }

    internal void Close(PubSubSubscriber subscriber)
    {
        lock (_gate)
            _subscribers.Remove(subscriber);
    }
}

/// <summary>Which table a subscription is in.</summary>
public enum SubscriptionKind
{
    /// <summary>SUBSCRIBE: an exact channel.</summary>
    Channel,

    /// <summary>PSUBSCRIBE: a glob pattern of channels.</summary>
    Pattern,

    /// <summary>SSUBSCRIBE: a shard channel.</summary>
    Shard,
}

/// <summary>
/// One subscribing connection (an SSE stream or a WebSocket): its channels and patterns, and its
/// outbox. Dispose it when the connection ends.
/// </summary>
public sealed class PubSubSubscriber : IDisposable
{
    private readonly PubSubHub _hub;
    private readonly int _maxSubscriptions;
    private readonly Channel<PubSubMessage> _outbox = Channel.CreateUnbounded<PubSubMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<byte[]> _channels = new(ByteArrayComparer.Instance);
    private readonly HashSet<byte[]> _patterns = new(ByteArrayComparer.Instance);
    private readonly HashSet<byte[]> _shardChannels = new(ByteArrayComparer.Instance);
    private long _queuedBytes;
    private long _overSoftSince = -1;
    private int _closed;

    internal PubSubSubscriber(PubSubHub hub, int maxSubscriptions)
    {
        _hub = hub;
        _maxSubscriptions = maxSubscriptions;
    }

    /// <summary>What arrives, in order. Completes when the subscriber is closed (by its owner or by the output limit).</summary>
    public ChannelReader<PubSubMessage> Messages => _outbox.Reader;

    /// <summary>Why the hub disconnected this subscriber (the output limit), or null.</summary>
    public string? DisconnectReason { get; private set; }

    /// <summary>Channels, patterns and shard channels held.</summary>
    public int SubscriptionCount
    {
        get
        {
            lock (_channels)
                return _channels.Count + _patterns.Count + _shardChannels.Count;
        }
    }

    /// <summary>
    /// SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE: adds each name (once) and queues Redis's confirmation for
    /// each. False, adding none, when the names would pass the subscription limit.
    /// </summary>
    public bool Subscribe(SubscriptionKind kind, IReadOnlyList<byte[]> names)
    {
        lock (_channels)
        {
            var set = SetOf(kind);
            var adding = names.Distinct(ByteArrayComparer.Instance).Count(name => !set.Contains(name));
            if (_channels.Count + _patterns.Count + _shardChannels.Count + adding > _maxSubscriptions)
                return false;
            foreach (var name in names)
            {
                if (set.Add(name) && !_hub.Add(this, name, kind))
                    set.Remove(name);
                Confirm(kind == SubscriptionKind.Pattern ? "psubscribe" : kind == SubscriptionKind.Shard ? "ssubscribe" : "subscribe", name);
            }
            return true;
        }
    }

    /// <summary>UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE: the names given, or all of that kind when none are.</summary>
    public void Unsubscribe(SubscriptionKind kind, IReadOnlyList<byte[]> names)
    {
        lock (_channels)
        {
            var set = SetOf(kind);
            var leaving = names.Count > 0 ? names : [.. set];
            foreach (var name in leaving)
            {
                if (set.Remove(name))
                    _hub.Remove(this, name, kind);
                Confirm(kind == SubscriptionKind.Pattern ? "punsubscribe" : kind == SubscriptionKind.Shard ? "sunsubscribe" : "unsubscribe", name);
            }
        }
    }

    /// <summary>Leaves every channel and pattern and ends <see cref="Messages"/>.</summary>
    public void Dispose() => Close(null);

    private HashSet<byte[]> SetOf(SubscriptionKind kind) =>
        kind == SubscriptionKind.Pattern ? _patterns : kind == SubscriptionKind.Shard ? _shardChannels : _channels;

    private void Confirm(string kind, byte[] name)
    {
        var message = new PubSubMessage(kind, null, name, null, _channels.Count + _patterns.Count + _shardChannels.Count);
        Interlocked.Add(ref _queuedBytes, message.Size);
        _outbox.Writer.TryWrite(message);
    }

    /// <summary>Queues a message for the reader; past the output limits, disconnects instead.</summary>
    internal void Offer(PubSubMessage message, long now)
    {
        if (Volatile.Read(ref _closed) != 0)
            return;
        var queued = Interlocked.Add(ref _queuedBytes, message.Size);
        if (queued > _hub.HardLimitBytes)
        {
            Close($"the subscriber fell {queued} bytes behind, over the hard limit of {_hub.HardLimitBytes}");
            return;
        }
        if (queued > _hub.SoftLimitBytes)
        {
            var since = Interlocked.CompareExchange(ref _overSoftSince, now, -1);
            if (since != -1 && now - since > _hub.SoftLimitTicks)
            {
                Close($"the subscriber stayed over the soft limit of {_hub.SoftLimitBytes} bytes for too long");
                return;
            }
        }
        else
        {
            Interlocked.Exchange(ref _overSoftSince, -1);
        }
        _outbox.Writer.TryWrite(message);
    }

    /// <summary>Called by the reader for each message it has sent on (its bytes no longer count).</summary>
    public void Delivered(PubSubMessage message) => Interlocked.Add(ref _queuedBytes, -message.Size);

    private void Close(string? reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        DisconnectReason = reason;
        _hub.Close(this);
        lock (_channels)
        {
            foreach (var name in _channels)
                _hub.Remove(this, name, SubscriptionKind.Channel);
            foreach (var name in _patterns)
                _hub.Remove(this, name, SubscriptionKind.Pattern);
            foreach (var name in _shardChannels)
                _hub.Remove(this, name, SubscriptionKind.Shard);
        }
        _outbox.Writer.TryComplete();
    }
}
