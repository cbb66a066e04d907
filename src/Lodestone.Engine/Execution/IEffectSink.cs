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
    void Commit(IReadOnlyList<byte[][]> effects);
}
