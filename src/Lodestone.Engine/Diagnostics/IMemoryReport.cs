namespace Lodestone.Engine.Diagnostics;

/// <summary>
/// What INFO memory, CONFIG and <c>/metrics</c> say about memory: one small provider, so that
/// per-value accounting and eviction can replace the default without touching the report.
/// Called on the engine thread.
/// </summary>
public interface IMemoryReport
{
    /// <summary>Bytes in use by the data set and the engine (Redis's used_memory).</summary>
    long UsedMemory { get; }

    /// <summary>The memory limit in bytes; 0 for none (maxmemory).</summary>
    long MaxMemory { get; }

    /// <summary>What happens at the limit (maxmemory-policy).</summary>
    string MaxMemoryPolicy { get; }
}

/// <summary>
/// Until values are accounted for one by one: the managed heap in use, as the garbage collector
/// reports it (which includes the engine's and the host's own objects), no limit, no eviction.
/// </summary>
public sealed class GcMemoryReport : IMemoryReport
{
    public long UsedMemory => GC.GetTotalMemory(forceFullCollection: false);

    public long MaxMemory => 0;

    public string MaxMemoryPolicy => "noeviction";
}
