using System.Net;
using System.Net.Sockets;

namespace Lodestone.Api.Tests;

/// <summary>
/// A TCP proxy on a loopback port that holds every chunk coming back from the target for
/// <see cref="Delay"/> before passing it on: a replica that follows its primary through it is
/// always that far behind, so a read that does not wait for the replica to catch up is seen to miss.
/// </summary>
internal sealed class DelayingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _target;

    public DelayingProxy(int targetPort, TimeSpan delay)
    {
        _target = targetPort;
        Delay = delay;
        _listener.Start();
        _ = AcceptAsync();
    }

    public TimeSpan Delay { get; }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

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
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var up = Pump(client.GetStream(), upstream.GetStream(), TimeSpan.Zero);
                var down = Pump(upstream.GetStream(), client.GetStream(), Delay);
                await Task.WhenAny(up, down);
            }
            catch (Exception gone) when (gone is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task Pump(Stream from, Stream to, TimeSpan delay)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (delay > TimeSpan.Zero)
                    await Task.Delay(delay, _stop.Token);
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception gone) when (gone is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Dispose();
        _stop.Dispose();
    }
}
