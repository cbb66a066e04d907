namespace Lodestone.Engine.Execution;

/// <summary>
/// The engine thread's clock: the wall time that expiry checks see and the timestamps that time
/// each command, for one clock read per command.
/// </summary>
/// <remarks>
/// Design note. A command needs the wall time (expiry), its start and its end (the slow log,
/// latency, INFO commandstats). Reading the clock three times per command was a fifth of the engine
/// thread's time in a pipeline. Here the wall clock is read once per loop turn, with a monotonic
/// timestamp taken beside it; after that only the monotonic clock is read — at the end of each
/// command, which is also the start of the next — and the wall time is that base plus the elapsed
/// monotonic time. So within a turn the two clocks cannot disagree, and a wall-clock step is seen
/// at the next turn. Everything comes from the engine's <see cref="TimeProvider"/>: under a fake
/// clock the engine sees exactly the fake time.
/// Engine thread only.
/// </remarks>
internal sealed class LoopClock(TimeProvider time)
{
    // Multiplications rather than divisions by the frequency: these run for every command.
    private readonly double _ticksPerTimestamp = (double)TimeSpan.TicksPerSecond / time.TimestampFrequency;
    private readonly double _microsecondsPerTimestamp = 1e6 / time.TimestampFrequency;
    private long _baseTicks;
    private long _baseTimestamp;

    /// <summary>The monotonic timestamp of the last read (<see cref="TimeProvider.GetTimestamp"/> units).</summary>
    public long Timestamp { get; private set; }

    /// <summary>The wall time at <see cref="Timestamp"/>, in Unix milliseconds.</summary>
    public long UnixMs
    {
        get
        {
            // Within a 100 ns tick of the exact quotient (exact when the clock counts ticks, as a fake one does).
            var ticks = (long)((Timestamp - _baseTimestamp) * _ticksPerTimestamp);
            return (_baseTicks + ticks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMillisecond;
        }
    }

    /// <summary>Reads both clocks: at the start of a loop turn.</summary>
    public void Rebase()
    {
        _baseTicks = time.GetUtcNow().UtcTicks;
        _baseTimestamp = Timestamp = time.GetTimestamp();
    }

    /// <summary>Reads the monotonic clock: at the end of a command, or of other work that takes time.</summary>
    public long Read() => Timestamp = time.GetTimestamp();

    /// <summary>Microseconds from <paramref name="started"/> to the last read.</summary>
    public long MicrosecondsSince(long started) => (long)((Timestamp - started) * _microsecondsPerTimestamp);
}
