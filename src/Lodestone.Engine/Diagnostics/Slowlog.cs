using System.Text;

namespace Lodestone.Engine.Diagnostics;

/// <summary>One slow command, as SLOWLOG GET reports it.</summary>
/// <param name="Id">Grows by one per logged command, never reused (not even after SLOWLOG RESET).</param>
/// <param name="Timestamp">When it ran, Unix seconds.</param>
/// <param name="DurationUs">How long it ran, microseconds.</param>
/// <param name="Args">The command and its arguments, shortened as Redis does (at most 32, each at most 128 bytes).</param>
/// <param name="ClientAddress">The caller's address (ip:port), or empty.</param>
/// <param name="ClientName">The caller's name (the API key's name), or empty.</param>
public sealed record SlowlogEntry(long Id, long Timestamp, long DurationUs, byte[][] Args, string ClientAddress, string ClientName);

/// <summary>
/// Redis's slow log (slowlog.c): the last <see cref="MaxLen"/> commands that ran for at least
/// <see cref="LogSlowerThanUs"/> microseconds, newest first. Engine thread only.
/// </summary>
public sealed class Slowlog
{
    /// <summary>At most this many arguments are kept; the last kept one says how many more there were.</summary>
    public const int MaxArgs = 32;

    /// <summary>An argument longer than this is cut, with a note of how many bytes more it had.</summary>
    public const int MaxArgBytes = 128;

    private readonly LinkedList<SlowlogEntry> _entries = new();
    private long _nextId;
    private long _maxLen;

    internal Slowlog(long logSlowerThanUs, long maxLen)
    {
        LogSlowerThanUs = logSlowerThanUs;
        _maxLen = maxLen;
    }

    /// <summary>The threshold in microseconds: negative logs nothing, 0 logs every command (slowlog-log-slower-than).</summary>
    public long LogSlowerThanUs { get; internal set; }

    /// <summary>How many entries are kept (slowlog-max-len); lowering it drops the oldest at once.</summary>
    public long MaxLen
    {
        get => _maxLen;
        internal set
        {
            _maxLen = value;
            Trim();
        }
    }

    /// <summary>Entries held now (SLOWLOG LEN).</summary>
    public int Count => _entries.Count;

    /// <summary>The newest <paramref name="count"/> entries (all with a negative count), newest first.</summary>
    public IReadOnlyList<SlowlogEntry> Newest(long count) =>
        (count < 0 ? _entries : _entries.Take((int)Math.Min(count, int.MaxValue))).ToArray();

    internal bool IsSlow(long durationUs) => LogSlowerThanUs >= 0 && durationUs >= LogSlowerThanUs;

    internal void Add(byte[][] args, long timestamp, long durationUs, string? clientAddress, string? clientName)
    {
        _entries.AddFirst(new SlowlogEntry(_nextId++, timestamp, durationUs, Shorten(args), clientAddress ?? "", clientName ?? ""));
        Trim();
    }

    internal void Reset() => _entries.Clear();

    private void Trim()
    {
        while (_entries.Count > _maxLen)
            _entries.RemoveLast();
    }

    /// <summary>Redis's slowlogCreateEntry: the first 31 arguments, then "... (N more arguments)"; long ones cut to 128 bytes plus "... (N more bytes)".</summary>
    private static byte[][] Shorten(byte[][] args)
    {
        var kept = Math.Min(args.Length, MaxArgs);
        var shortened = new byte[kept][];
        for (var i = 0; i < kept; i++)
        {
            if (kept != args.Length && i == kept - 1)
                shortened[i] = Encoding.ASCII.GetBytes($"... ({args.Length - kept + 1} more arguments)");
            else if (args[i].Length > MaxArgBytes)
                shortened[i] = [.. args[i].AsSpan(0, MaxArgBytes), .. Encoding.ASCII.GetBytes($"... ({args[i].Length - MaxArgBytes} more bytes)")];
            else
                shortened[i] = args[i];
        }
        return shortened;
    }
}
