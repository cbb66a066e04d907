namespace Lodestone.Engine.Execution;

/// <summary>
/// Receives the canonical effects of each executed batch: every change, as a deterministic command
/// (the AOF and replication will be sinks).
/// </summary>
/// <remarks>
/// Called on the engine thread after a batch has executed and <em>before</em> any reply of that
/// batch is completed — so a sink that writes (and fsyncs) here makes every acknowledged write
/// durable. One call per batch is what makes group commit possible. A sink that throws fails the
/// whole batch's replies.
/// </remarks>
public interface IEffectSink
{
    /// <param name="effects">The batch's effects in execution order; only valid during the call.</param>
    /// <param name="sync">A command of the batch (a lock grant) needs it durable before its reply, whatever the
    /// configured fsync policy: a sink that writes to disk fsyncs before returning, and throws if it cannot.</param>
    /// <exception cref="IOException">The effects are not durable: the callers whose commands wrote them get an error.</exception>
    void Commit(IReadOnlyList<byte[][]> effects, bool sync);

    /// <summary>Null while healthy; otherwise why the engine must refuse writes until <see cref="TryRecover"/> succeeds.</summary>
    EngineError? Failure => null;

    /// <summary>Retries what failed (called on the engine's tick); true when healthy again.</summary>
    bool TryRecover() => true;
}
