using Lodestone.Engine.Effects;

namespace Lodestone.Engine.Execution;

/// <summary>
/// The synchronous reader of the committed effect stream: it receives each executed batch's
/// canonical effects — every change, as a deterministic command — before the batch's replies
/// complete. The AOF is the one such reader; everything else (the replication backlog, replicas)
/// reads the stream asynchronously (<see cref="EffectStream"/>).
/// </summary>
/// <remarks>
/// Called on the engine thread after a batch has executed and <em>before</em> any reply of that
/// batch is completed — so a sink that writes (and fsyncs) here makes every acknowledged write
/// durable. Whatever it does delays every caller of the batch: only durability belongs here. One call per batch is what makes group commit possible. A sink that throws fails the
/// batch: its callers get the error, and the batch must then not happen. The engine asks every sink to
/// <see cref="Discard"/> it and, when the first sink (the log) has, reloads its data from that sink
/// (<see cref="Reload"/>) before any reply, so the refused writes are gone from memory too.
/// </remarks>
public interface IEffectSink
{
    /// <param name="batch">The batch's effects in execution order, each with the version of the keys it wrote, and the
    /// same encoded as stream bytes at their offsets; only valid during the call.</param>
    /// <param name="sync">A command of the batch (a lock grant) needs it durable before its reply, whatever the
    /// configured fsync policy: a sink that writes to disk fsyncs before returning, and throws if it cannot.</param>
    /// <exception cref="IOException">The effects are not durable: the callers whose commands wrote them get an error.</exception>
    void Commit(EffectBatch batch, bool sync);

    /// <summary>Null while healthy; otherwise why the engine must refuse writes until <see cref="TryRecover"/> succeeds.</summary>
    EngineError? Failure => null;

    /// <summary>Retries what failed (called on the engine's tick); true when healthy again.</summary>
    bool TryRecover() => true;

    /// <summary>
    /// Forgets the batch last handed to <see cref="Commit"/>, which the engine refused: its effects are
    /// never written or sent, and the next effects take their offsets. Engine thread, right after the
    /// failed Commit. False when the sink cannot (it holds no data of its own to reload from).
    /// </summary>
    bool Discard() => false;

    /// <summary>
    /// After <see cref="Discard"/>, on the engine thread: loads the engine — loading, its keyspace empty —
    /// with what the sink holds, through the loading calls (<see cref="Executor.ReplayAsync"/>…), which
    /// run at once on that thread; returns the offset the next effect gets.
    /// </summary>
    long Reload(Executor executor) => throw new NotSupportedException("This sink holds no data to reload the engine from.");
}
