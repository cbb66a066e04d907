using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Lodestone.Api.Tests;

/// <summary>
/// A TCP relay a test puts between a replica and its primary to break the replication stream on
/// purpose: delay what the primary sends, cut the stream after a given number of bytes (mid-record),
/// flip one byte of it, or drop every connection and refuse new ones for a while (a partition).
/// Faults apply only to a connection while it carries <c>GET /replication/stream</c>; the replica's
/// acknowledgements and everything else pass untouched. Test code, on loopback only.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Relay, byte> _relays = new();
    private readonly Task _accepting;
    private volatile bool _refusing;
    private long _delayMs;
    private long _cutAfter = -1;
    private long _corruptAt = -1;

    public FaultProxy(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The URL a replica is pointed at instead of the primary's.</summary>
    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Stream connections opened through the proxy so far (each reconnection of the replica is one more).</summary>
    public int StreamsOpened => Volatile.Read(ref _streamsOpened);

    private int _streamsOpened;

    /// <summary>Holds every chunk the primary sends on a stream this long after it arrived before passing it on.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromMilliseconds(Interlocked.Read(ref _delayMs));
        set => Interlocked.Exchange(ref _delayMs, (long)value.TotalMilliseconds);
    }

    /// <summary>The stream open now ends (both ways) after <paramref name="bytes"/> more bytes from the primary.</summary>
    public void CutAfter(long bytes) => Interlocked.Exchange(ref _cutAfter, bytes);

    /// <summary>The byte <paramref name="bytes"/> further on the stream open now (or the next one) reaches the replica with its bits flipped.</summary>
    public void CorruptAt(long bytes) => Interlocked.Exchange(ref _corruptAt, bytes);

    /// <summary>Whether an armed cut or corruption has not happened yet.</summary>
    public bool FaultPending => Interlocked.Read(ref _cutAfter) >= 0 || Interlocked.Read(ref _corruptAt) >= 0;

    /// <summary>Closes every connection now and refuses new ones for <paramref name="duration"/>: a partition.</summary>
    public async Task PartitionAsync(TimeSpan duration)
    {
        _refusing = true;
        foreach (var relay in _relays.Keys)
            relay.Close();
        await Task.Delay(duration);
        _refusing = false;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception stopped) when (stopped is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (_refusing)
            {
                client.Client.Close(0);
                client.Dispose();
                continue;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        using (client)
        {
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
            }
            catch (Exception refused) when (refused is SocketException or OperationCanceledException)
            {
                return;
            }
            var relay = new Relay(client, server);
            _relays[relay] = 0;
            try
            {
                var up = PumpUpAsync(relay);
                var down = PumpDownAsync(relay);
                await Task.WhenAny(up, down);
                relay.Close();
                await Task.WhenAll(up, down);
            }
            finally
            {
                _relays.TryRemove(relay, out _);
            }
        }
    }

    /// <summary>Replica → primary, untouched; each request on the connection says whether it now carries the stream.</summary>
    private async Task PumpUpAsync(Relay relay)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var from = relay.Client.GetStream();
            var to = relay.Server.GetStream();
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                    return;
                // A connection may carry other requests (acknowledgements) before the stream: each request decides.
                var start = Encoding.ASCII.GetString(buffer, 0, Math.Min(read, 64));
                if (start.StartsWith("GET /replication/stream", StringComparison.Ordinal))
                {
                    relay.IsStream = true;
                    Interlocked.Increment(ref _streamsOpened);
                }
                else if (start.StartsWith("POST ", StringComparison.Ordinal) || start.StartsWith("GET ", StringComparison.Ordinal))
                {
                    relay.IsStream = false;
                }
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception gone) when (gone is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// Primary → replica, with the armed faults applied to a stream connection. Reading and writing are
    /// apart, so a delay holds each chunk for <see cref="Delay"/> from when it arrived — chunks that
    /// arrive together leave together — instead of adding up.
    /// </summary>
    private async Task PumpDownAsync(Relay relay)
    {
        var chunks = Channel.CreateUnbounded<(byte[] Bytes, long Due, bool Last)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writing = WriteDownAsync(relay, chunks.Reader);
        var buffer = new byte[16 * 1024];
        try
        {
            var from = relay.Server.GetStream();
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                    break;
                var count = read;
                var cut = false;
                var due = Stopwatch.GetTimestamp();
                if (relay.IsStream)
                {
                    due += (long)(Delay.TotalSeconds * Stopwatch.Frequency);
                    var corruptAt = Interlocked.Read(ref _corruptAt);
                    if (corruptAt >= 0)
                    {
                        if (corruptAt < read)
                        {
                            buffer[corruptAt] ^= 0xFF;
                            Interlocked.Exchange(ref _corruptAt, -1);
                        }
                        else
                        {
                            Interlocked.Add(ref _corruptAt, -read);
                        }
                    }
                    var cutAfter = Interlocked.Read(ref _cutAfter);
                    if (cutAfter >= 0)
                    {
                        if (cutAfter <= read)
                        {
                            count = (int)cutAfter;
                            cut = true;
                            Interlocked.Exchange(ref _cutAfter, -1);
                        }
                        else
                        {
                            Interlocked.Add(ref _cutAfter, -read);
                        }
                    }
                }
                chunks.Writer.TryWrite((buffer.AsSpan(0, count).ToArray(), due, cut));
                if (cut)
                    break;
            }
        }
        catch (Exception gone) when (gone is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            chunks.Writer.TryComplete();
        }
        await writing;
    }

    /// <summary>Writes each chunk once it is due; after a cut's last chunk, stops (the relay then closes).</summary>
    private async Task WriteDownAsync(Relay relay, ChannelReader<(byte[] Bytes, long Due, bool Last)> chunks)
    {
        try
        {
            var to = relay.Client.GetStream();
            await foreach (var (bytes, due, last) in chunks.ReadAllAsync(_stop.Token))
            {
                if (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due) is { Ticks: > 0 } wait)
                    await Task.Delay(wait, _stop.Token);
                await to.WriteAsync(bytes, _stop.Token);
                if (last)
                {
                    await to.FlushAsync(_stop.Token);
                    return;
                }
            }
        }
        catch (Exception gone) when (gone is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var relay in _relays.Keys)
            relay.Close();
        await _accepting;
        _stop.Dispose();
    }

    private sealed class Relay(TcpClient client, TcpClient server)
    {
        public TcpClient Client { get; } = client;

        public TcpClient Server { get; } = server;

        public volatile bool IsStream;

        private int _closed;

        /// <summary>Closes both sides, once (the pumps and a partition may all ask).</summary>
        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
                return;
            try
            {
                Client.Client?.Shutdown(SocketShutdown.Both);
            }
            catch (Exception closed) when (closed is SocketException or ObjectDisposedException)
            {
            }
            Client.Close();
            Server.Close();
        }
    }
}
