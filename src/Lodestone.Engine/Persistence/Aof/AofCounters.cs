namespace Lodestone.Engine.Persistence.Aof;

/// <summary>
/// Records written and fsyncs done by the writers that share these counters: the log's writers all do,
/// so a new segment (after each snapshot) does not start them again from zero. Safe on any thread.
/// </summary>
public sealed class AofCounters
{
    private long _records;
    private long _fsyncs;

    /// <summary>Records handed to the writers (less the ones a refused batch took back).</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>fsyncs done (under Always, one per batch that wrote: records ÷ fsyncs is the group-commit factor).</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    internal void AddRecords(long count) => Interlocked.Add(ref _records, count);

    internal void Fsynced() => Interlocked.Increment(ref _fsyncs);
}
