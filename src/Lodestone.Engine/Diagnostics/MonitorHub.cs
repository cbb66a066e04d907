using System.Threading.Channels;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Diagnostics;

/// <summary>One executed command, as MONITOR shows it.</summary>
/// <param name="Time">When it ran, Unix seconds with microseconds.</param>
/// <param name="Client">The caller's address, or empty.</param>
/// <param name="Command">The command name, lower case.</param>
/// <param name="Args">Its arguments after the name (the engine's own arrays: do not change them).</param>
public sealed record MonitorEvent(double Time, string Client, string Command, byte[][] Args);

/// <summary>
/// MONITOR's fan-out: the engine offers every executed command to each subscriber whose filters
/// it passes, through a bounded channel per subscriber.
/// </summary>
/// <remarks>
/// Design note. Nothing is built while nobody listens: the engine looks at
/// <see cref="HasSubscribers"/> (one volatile read of an array) and goes on. A subscriber that does
/// not keep up is dropped when its buffer is full — its channel is completed and
/// <see cref="MonitorSubscription.Overflowed"/> set — so a slow reader can never make the engine
/// buffer without bound or wait. Subscribing and leaving happen on request threads (copy-on-write
/// under a lock); publishing happens on the engine thread only. Administrative commands are not
/// shown, as in Redis (they may carry secrets, such as CONFIG SET values).
/// </remarks>
public sealed class MonitorHub
{
    private readonly object _gate = new();
    private MonitorSubscription[] _subscribers = [];

    /// <summary>Whether anyone is monitoring.</summary>
    public bool HasSubscribers => Volatile.Read(ref _subscribers).Length != 0;

    /// <summary>Subscribers now (any thread).</summary>
    public int Count => Volatile.Read(ref _subscribers).Length;

    /// <summary>Starts receiving executed commands, optionally only <paramref name="command"/> and only those with a key matching <paramref name="keyPattern"/>.</summary>
    /// <param name="capacity">How many events may wait for the reader before it is dropped.</param>
    public MonitorSubscription Subscribe(string? command = null, byte[]? keyPattern = null, int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var subscription = new MonitorSubscription(this, string.IsNullOrEmpty(command) ? null : command.ToUpperInvariant(), keyPattern, capacity);
        lock (_gate)
            Volatile.Write(ref _subscribers, [.. _subscribers, subscription]);
        return subscription;
    }

    internal void Remove(MonitorSubscription subscription)
    {
        lock (_gate)
            Volatile.Write(ref _subscribers, _subscribers.Where(s => s != subscription).ToArray());
    }

    internal void Publish(CommandSpec spec, byte[][] args, string? client, double time)
    {
        if ((spec.Flags & CommandFlags.Admin) != 0)
            return;
        MonitorEvent? shown = null;
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            if (!subscriber.Wants(spec, args))
                continue;
            shown ??= new MonitorEvent(time, client ?? "", spec.Name.ToLowerInvariant(), args[1..]);
            if (!subscriber.Offer(shown))
                Remove(subscriber);
        }
    }
}

/// <summary>A MONITOR subscriber: read <see cref="Events"/> until it completes; dispose to leave.</summary>
public sealed class MonitorSubscription : IDisposable
{
    private readonly MonitorHub _hub;
    private readonly string? _command;
    private readonly GlobPattern? _keyPattern;
    private readonly Channel<MonitorEvent> _channel;

    internal MonitorSubscription(MonitorHub hub, string? command, byte[]? keyPattern, int capacity)
    {
        _hub = hub;
        _command = command;
        _keyPattern = keyPattern is null ? null : GlobPattern.Compile(keyPattern);
        _channel = Channel.CreateBounded<MonitorEvent>(new BoundedChannelOptions(capacity)
        {
            SingleWriter = true,
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The executed commands, in order, from when the subscription began.</summary>
    public ChannelReader<MonitorEvent> Events => _channel.Reader;

    /// <summary>Whether the reader fell so far behind that it was dropped (then <see cref="Events"/> has completed).</summary>
    public bool Overflowed { get; private set; }

    internal bool Wants(CommandSpec spec, byte[][] args)
    {
        if (_command is not null && !string.Equals(spec.Name, _command, StringComparison.Ordinal))
            return false;
        if (_keyPattern is null)
            return true;
        foreach (var index in spec.KeyIndexes(args))
        {
            if (_keyPattern.IsMatch(args[index]))
                return true;
        }
        return false;
    }

    /// <summary>Hands an event to the reader; false (and the subscription ends) when its buffer is full.</summary>
    internal bool Offer(MonitorEvent shown)
    {
        if (_channel.Writer.TryWrite(shown))
            return true;
        Overflowed = true;
        _channel.Writer.TryComplete();
        return false;
    }

    /// <summary>Stops this subscription; its reader completes.</summary>
    public void Dispose()
    {
        _hub.Remove(this);
        _channel.Writer.TryComplete();
    }
}
