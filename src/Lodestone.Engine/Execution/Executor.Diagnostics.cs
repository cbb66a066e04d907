using System.Diagnostics;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Diagnostics;

namespace Lodestone.Engine.Execution;

/// <summary>What the engine records about the commands it runs: stats, the slow log, latency events, MONITOR.</summary>
/// <remarks>
/// Design note. The cost per command is one clock read (<see cref="LoopClock"/>) and a few
/// increments of arrays indexed by <see cref="CommandSpec.Id"/>; the slow log, the latency monitor
/// and MONITOR each cost one comparison unless they have something to record. A command refused
/// before it runs (unknown, arity, permission, loading, log failure, precondition) counts as a
/// rejected call; one that runs and answers an error, as a failed call (Redis 7's
/// rejected_calls/failed_calls). A blocking command that parks its caller is counted once, when it
/// answers (served or timed out), with the time of that last run — not the time it waited.
/// </remarks>
public sealed partial class Executor
{
    /// <summary>
    /// Runs <paramref name="read"/> on the engine thread between commands, so it sees a consistent
    /// set of counters (for <c>/metrics</c> and the admin routes). It must be quick and must not block.
    /// </summary>
    public Task<T> ReadDiagnosticsAsync<T>(Func<EngineDiagnostics, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var work = new DiagnosticsWork<T>(read);
        Enqueue(work);
        return work.Task;
    }

    /// <summary>Records a latency event for work that began at <paramref name="started"/>, when the monitor is on.</summary>
    private void LatencySince(string eventName, long started)
    {
        if (!_diagnostics.Latency.Enabled)
            return;
        var ms = (Stopwatch.GetTimestamp() - started) * 1000 / Stopwatch.Frequency;
        _diagnostics.Latency.AddIfNeeded(eventName, ms, _time.GetUtcNow().ToUnixTimeSeconds());
    }

    private sealed class DiagnosticsWork<T>(Func<EngineDiagnostics, T> read)
        : TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously), IEngineWork
    {
        private T? _result;

        public bool Execute(Executor executor)
        {
            try
            {
                _result = read(executor._diagnostics);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                TrySetException(failure);
            }
            return true;
        }

        public void Complete() => TrySetResult(_result!);

        public void Fail(EngineError error) => TrySetException(new InvalidOperationException(error.Message));
    }
}
