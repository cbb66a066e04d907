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
/// The engine's own accounting: the estimated bytes of every key and value (see Keyspace/MemoryModel.cs),
/// against the limit and policy eviction works to.
/// </summary>
internal sealed class AccountedMemoryReport(Keyspace.Keyspace keyspace, Execution.Executor engine) : IMemoryReport
{
    public long UsedMemory => keyspace.UsedBytes;

    public long MaxMemory => engine.Settings.MaxMemoryBytes;

    public string MaxMemoryPolicy => engine.Settings.MaxMemoryPolicy.Name();
}
