using Lodestone.Engine.Commands;

namespace Lodestone.Engine.Execution;

/// <summary>The executor's side of blocking commands: running a command that may park its caller, and running it again when a key it waits on is ready.</summary>
/// <remarks>Who waits where, the timers and the order of service are <see cref="BlockingRegistry"/>'s.</remarks>
public sealed partial class Executor
{
    /// <summary>How many callers are parked on blocking commands (for INFO's blocked_clients, and tests).</summary>
    public int BlockedCount => _blocking.BlockedCount;

    /// <summary>
    /// The longest wait the engine's timers can take (System.Threading.Timer's limit, about 49.7
    /// days): a longer blocking timeout is clamped to it.
    /// </summary>
    public static TimeSpan LongestWait => BlockingRegistry.LongestWait;

    /// <summary>
    /// Ends every wait, now and from now on, with <paramref name="reason"/>: parked callers get it as
    /// their reply, and a blocking command that would park answers it at once. For a service that is
    /// stopping: it must not wait for long polls to time out. Safe on any thread.
    /// </summary>
    public void EndWaits(EngineError reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        _blocking.EndWaits(reason);
    }

    /// <summary>Runs a standalone command; parks the caller if it asked to block. True when it can complete now.</summary>
    private bool ExecuteOrPark(SingleWork work)
    {
        var block = ExecuteBlocking(work.Request, resumed: false, out var result);
        work.Result = result;
        if (block is null)
            return true;
        if (_blocking.WaitsEnded is { } ended)
        {
            work.Result = new CommandResult(ended, result.Before, result.After);
            return true;
        }
        if (block.ResumeArgs is { } resumeArgs)
            work.Request.Args = resumeArgs;
        _blocking.Park(work, block);
        return false;
    }

    /// <summary>Runs a command that may block; returns its request to block (null when it answered).</summary>
    private BlockRequest? ExecuteBlocking(CommandRequest request, bool resumed, out CommandResult result)
    {
        _context.CanBlock = true;
        _context.IsResumed = resumed;
        try
        {
            result = _dispatcher.Execute(request);
        }
        finally
        {
            _context.CanBlock = false;
            _context.IsResumed = false;
        }
        return _context.BlockRequest is { } block && !result.Reply.IsError ? block : null;
    }

    /// <summary>A waiter's last run when its time is up: at a fresh time snapshot, and it may not wait.</summary>
    internal CommandResult ExecuteWithoutWaiting(CommandRequest request)
    {
        _dispatcher.TakeTimeSnapshot();
        return _dispatcher.Execute(request);
    }

    /// <summary>Resumes the waiters on keys that became ready (after each command).</summary>
    private void ServeReadyKeys()
    {
        if (!_blocking.HasReadyKeys)
            return;
        // Between two commands of a pipeline: the waiters' replies count against their own callers'
        // limits, and the pipeline's next command goes on with what is left of its own.
        var replyLimit = _context.ReplyLimit;
        try
        {
            _blocking.ServeReady(_resumeWaiter);
        }
        finally
        {
            _context.ReplyLimit = replyLimit;
        }
    }

    /// <summary>Runs a parked command again; true if it got its answer (it completes with this loop turn).</summary>
    private bool ResumeWaiter(SingleWork work)
    {
        _dispatcher.TakeTimeSnapshot();
        if (ExecuteBlocking(work.Request, resumed: true, out var result) is { } again)
        {
            _blocking.Renew(again);
            return false;
        }
        work.Result = result;
        _completions.Add((work, true));
        return true;
    }
}
