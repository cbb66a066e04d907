namespace Lodestone.Engine.Execution;

/// <summary>Reads of engine state on the engine thread, between commands.</summary>
/// <remarks>The hot-key and big-key reports are commands now (Commands/KeyStatisticsCommands.cs).</remarks>
public sealed partial class Executor
{
    /// <summary>How often, in milliseconds, hot-key access counts are halved (so they follow recent traffic).</summary>
    public const long HotKeysHalfLifeMs = Keyspace.HotKeys.HalfLifeMs;

    /// <summary>Runs <paramref name="read"/> on the engine thread between commands and returns its result.</summary>
    internal Task<T> InvokeAsync<T>(Func<Keyspace.Keyspace, T> read)
    {
        var work = new InvokeWork<T>(read);
        Enqueue(work);
        return work.Task;
    }

    private sealed class InvokeWork<T>(Func<Keyspace.Keyspace, T> read)
        : TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously), IEngineWork
    {
        private T _result = default!;

        public bool Execute(Executor executor)
        {
            executor._dispatcher.TakeTimeSnapshot();
            _result = read(executor._keyspace);
            return true;
        }

        public void Complete() => TrySetResult(_result);

        public void Fail(EngineError error) => TrySetException(new InvalidOperationException(error.Message));
    }
}
