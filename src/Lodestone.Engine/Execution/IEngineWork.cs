namespace Lodestone.Engine.Execution;

/// <summary>A unit of work for the engine thread: a command, a batch, a tick, a timer's wake-up, a read of engine state.</summary>
internal interface IEngineWork
{
    /// <summary>Runs on the engine thread; false when there is nothing to hand over now (a parked caller completes later).</summary>
    bool Execute(Executor executor);

    /// <summary>Hands the result to the caller (after the batch's effects are committed).</summary>
    void Complete();

    /// <summary>Fails the caller (the engine is stopping, the work threw, or the batch's commit failed).</summary>
    void Fail(EngineError error);
}
