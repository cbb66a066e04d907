using Lodestone.Engine.Commands;
using Lodestone.Engine.Diagnostics;
using Lodestone.Engine.Effects;
using Lodestone.Engine.Keyspace;
using Microsoft.Extensions.Logging;

namespace Lodestone.Engine.Execution;

/// <summary>
/// Runs one command on the engine thread: the generic checks (exists, arity, sizes, permission,
/// loading, a log that cannot be written, the memory limit, the caller's precondition), the type
/// check, the handler, and what follows it (the effect it logs, its version, its reply's share of
/// the caller's element limit, the stats, slow log, latency and MONITOR). The executor owns when;
/// this owns how.
/// </summary>
/// <remarks>
/// Everything here runs on the engine thread, between <see cref="Executor"/>'s loop turns' starts and
/// commits: the handler's effects go to the executor's batch list, which it commits once per turn.
/// </remarks>
internal sealed class CommandDispatcher(
    Executor engine, CommandTable commands, EngineOptions options, CommandContext context, Keyspace.Keyspace keyspace,
    Eviction eviction, List<Effect> effects, EffectStream stream, LoopClock clock, EngineDiagnostics diagnostics,
    TimeProvider time, ILogger logger)
{
    /// <summary>The time snapshot (Unix ms) the running work item sees; each command's <see cref="KeyAccess"/> is made from it.</summary>
    public long NowMs { get; set; }

    /// <summary>The name of the command running (for the log line of a failure), or null between commands.</summary>
    public byte[]? RunningCommand { get; set; }

    /// <summary>While set, the log cannot be written: write commands are refused with it, reads go on.</summary>
    public EngineError? WriteRefusal { get; set; }

    /// <summary>The checks a command gets before it runs (it exists, its arity, argument sizes, the user's permission), and its spec. Any thread.</summary>
    /// <remarks>
    /// A write on a read-only replica is refused here (READONLY), and one on a primary without enough
    /// good replicas (NOREPLICAS, min-replicas-to-write), after the permission check as in Redis — so
    /// every way in (one command, a pipeline, a transaction's queue) refuses it alike. So is any command
    /// Redis does not flag <c>stale</c> on a replica whose data may be stale while
    /// <c>replica-serve-stale-data</c> is no (MASTERDOWN, or LOADING during a full sync), before READONLY as in Redis.
    /// </remarks>
    public EngineError? Check(byte[][] args, Security.AclUser? user, out CommandSpec spec) =>
        commands.Check(args, options.ProtoMaxBulkLen, out spec) ?? user?.Check(spec, args)
        ?? ((spec.Flags & CommandFlags.Stale) == 0 ? engine.Replication.StaleDataRefusal : null)
        ?? (spec.IsWrite ? WriteCheck() : null);

    /// <summary>Whether this node takes writes from callers now: not as a read-only replica, not as a primary without its failover group's lease, not as one short of good replicas. Any thread.</summary>
    private EngineError? WriteCheck()
    {
        var replication = engine.Replication;
        if (replication.RefusesWrites)
            return Errors.ReadOnlyReplica;
        if (replication.WriteFence is { } fence)
            return fence;
        return replication.ChecksGoodReplicas && replication.LacksGoodReplicas(time.GetUtcNow().ToUnixTimeMilliseconds()) ? Errors.NoReplicas : null;
    }

    /// <summary>Logs a failure outside or inside a handler, with the command that was running.</summary>
    public void LogFailure(Exception exception)
    {
        var command = RunningCommand is { } name ? System.Text.Encoding.UTF8.GetString(name.AsSpan(0, Math.Min(name.Length, 64))) : "(engine work)";
        logger.LogError(exception, "The engine failed while running {Command}; the command fails with an internal error and the engine goes on", command);
    }

    /// <summary>
    /// Fixes the time that expiry checks see until the next snapshot: once per command, and once for
    /// a whole atomic batch — as Redis's EXEC, whose commands all see EXEC's time — so that no key
    /// expires between the requests of a batch. It is the time of the clock's last read (the end of
    /// the previous command, or the start of the loop turn): see <see cref="LoopClock"/>.
    /// </summary>
    public void TakeTimeSnapshot() => NowMs = clock.UnixMs;

    /// <summary>Executes one request at the current time snapshot.</summary>
    /// <remarks>
    /// Order matters: the command's own checks and the caller's permissions come before the key is
    /// observed, so a caller without permission learns nothing about the key (not even through a
    /// failed precondition).
    /// </remarks>
    /// <param name="continuesReply">
    /// The request is a later command of the same pipeline or transaction: its reply shares what is
    /// left of the caller's element limit instead of starting afresh.
    /// </param>
    public CommandResult Execute(CommandRequest request, bool continuesReply = false)
    {
        context.ClearBlockRequest();
        if (!continuesReply)
            context.ReplyLimit = request.MaxReplyElements ?? long.MaxValue;
        RunningCommand = request.Args.Length > 0 ? request.Args[0] : null;
        if (engine.IsLoading)
            return Refuse(request, Errors.Loading);
        // A replica hides expired keys instead of removing them: its primary's DEL does that.
        var replica = engine.Replication.IsReplica;
        keyspace.HidesExpired = replica;
        if (Check(request.Args, request.User, out var spec) is { } refused)
            return Refuse(request, refused);
        // While the log cannot be written, writes are refused; reads go on.
        if (WriteRefusal is not null && spec.IsWrite)
            return Refuse(request, WriteRefusal);
        // Over the memory limit: evict first (before any command, as Redis); if that cannot get under
        // it, refuse what may grow memory and let reads and deletes go on.
        var settings = engine.Settings;
        var access = KeyAccess.At(NowMs, settings.MaxMemoryPolicy.IsLfu());
        // A replica never evicts on its own (Redis's replica-ignore-maxmemory): it holds what its primary holds.
        if (!replica && !eviction.MakeRoom(NowMs, settings) && (spec.Flags & CommandFlags.DenyOom) != 0)
            return Refuse(request, Errors.OutOfMemory);
        var before = Observe(request.Key, access);
        if (request.Condition is { } condition && !condition.HoldsFor(before))
            return Refuse(request, Errors.PreconditionFailed, before);
        var started = clock.Timestamp;
        context.User = request.User;
        Reply reply;
        try
        {
            reply = Dispatch(spec, request.Args, access);
        }
        finally
        {
            context.User = null;
            clock.Read();
        }
        if (context.ReplyLimit != long.MaxValue && !reply.IsError)
            reply = ChargeReply(spec, reply);
        // A command that parks its caller is counted when it answers, as Redis counts a blocked command on unblock.
        if (context.BlockRequest is null || reply.IsError)
            Executed(spec, request, reply, started);
        return new CommandResult(reply, before, request.Key is null ? default : Observe(request.Key, access));
    }

    /// <summary>
    /// Counts a reply's elements against the caller's limit. A read whose reply is over it fails
    /// instead (nothing changed, so nothing is lost); a write's reply is never refused after it ran —
    /// what it popped would be lost — so writes only use up the limit.
    /// </summary>
    private Reply ChargeReply(CommandSpec spec, Reply reply)
    {
        var elements = ReplyElements(reply);
        if (!spec.IsWrite && context.CheckReplySize(elements) is { } tooLarge)
            return tooLarge;
        context.ReplyLimit = Math.Max(0, context.ReplyLimit - elements);
        return reply;
    }

    /// <summary>The values in a reply: 1 for a single value, the sum over its items for an array, set or map (the container itself not counted).</summary>
    internal static long ReplyElements(Reply reply)
    {
        if (reply.Kind is not (ReplyKind.Array or ReplyKind.Set or ReplyKind.Map))
            return 1;
        var items = reply.AsItems();
        long count = 0;
        for (var i = 0; i < items.Count; i++)
            count += ReplyElements(items[i]);
        return count;
    }

    private KeyState Observe(byte[]? key, in KeyAccess access)
    {
        if (key is null)
            return default;
        // Ahead: the handler's own lookups of the same argument then skip hashing it again.
        var entry = keyspace.PeekAhead(key, access);
        return entry is null ? KeyState.Missing : new KeyState(entry.Type, entry.Version, entry.ExpireAtMs);
    }

    /// <summary>The type check, then the handler; then the effect is logged unless the handler logged its own.</summary>
    /// <param name="access">The command's time snapshot and policy; the command's own kind of access is added here.</param>
    /// <param name="version">The version the command's writes get: a replayed record's, or 0 to take the next one.</param>
    public Reply Dispatch(CommandSpec spec, byte[][] args, in KeyAccess access, long version = 0)
    {
        // What a write command looks up it may change: a running snapshot saves it first.
        var checking = access.For(write: spec.IsWrite, countsReads: false);
        if (spec.KeyType != Types.RedisType.None)
        {
            foreach (var index in spec.KeyIndexes(args))
            {
                var entry = keyspace.PeekAhead(args[index], checking);
                if (entry is not null && entry.Type != spec.KeyType)
                    return Errors.WrongType;
            }
        }

        // What a read-only command's handler looks up counts as a keyspace hit or miss (INFO stats);
        // the type check above does not.
        context.Begin(spec, args, checking.For(write: spec.IsWrite, countsReads: (spec.Flags & CommandFlags.ReadOnly) != 0));
        var firstEffect = effects.Count;
        // Not the effect's byte offset (known once the batch is encoded), but as good for what it is
        // for: it grows with every effect and stays below the next batch's offset.
        context.LogOffset = stream.Offset + firstEffect;
        Reply reply;
        // While anyone listens for keyspace events, a write's keys are compared before and after it.
        var watched = spec.IsWrite && engine.Notifications.Active ? VersionsOf(spec, args) : null;
        keyspace.BeginCommand(version);
        try
        {
            reply = spec.Handler(context);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogFailure(exception);
            return Errors.Internal(exception);
        }
        finally
        {
            version = keyspace.EndCommand();
        }
        if (watched is not null)
            NotifyChanged(spec, args, watched);
        if (version != 0)
            StampEffects(firstEffect, version);
        if (spec.IsWrite && context.Dirty > 0 && !context.Propagated)
            effects.Add(new Effect(args, version));
        return reply;
    }

    private List<(int Index, long Version)> VersionsOf(CommandSpec spec, byte[][] args)
    {
        var versions = new List<(int, long)>();
        foreach (var index in spec.KeyIndexes(args))
            versions.Add((index, keyspace.VersionOf(args[index])));
        return versions;
    }

    /// <summary>Reports each key whose version the command changed (created, written or removed) as its keyspace events.</summary>
    private void NotifyChanged(CommandSpec spec, byte[][] args, List<(int Index, long Version)> before)
    {
        var reported = new HashSet<byte[]>(Keyspace.ByteArrayComparer.Instance);
        foreach (var (index, was) in PubSub.KeyspaceNotifications.InRedisOrder(spec, before))
        {
            var now = keyspace.VersionOf(args[index]);
            if (now == was || !reported.Add(args[index]))
                continue;
            // Redis sends "new" (class n) before the command's own event when the write created the key.
            if (was < 0 && now >= 0)
                engine.Notifications.Notify(PubSub.NotifyFlags.NewKey, "new", args[index]);
            // A stream command names its own events (below): they depend on what it did.
            if (spec.Group != "stream")
                engine.Notifications.CommandChanged(spec, args, index, existed: was >= 0, exists: now >= 0);
        }
        foreach (var (name, key) in context.KeyEvents)
            engine.Notifications.Notify(PubSub.NotifyFlags.Stream, name, key);
    }

    /// <summary>
    /// Gives the effects the handler emitted (from <paramref name="first"/> on: what it propagated, the
    /// expiries its lookups caused) the version its writes took, so that replaying them gives each key
    /// the version it has now (see <see cref="Effect"/>).
    /// </summary>
    private void StampEffects(int first, long version)
    {
        var batch = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(effects);
        for (var i = first; i < batch.Length; i++)
            batch[i] = batch[i] with { Version = version };
    }

    /// <summary>
    /// Runs a command a script called (redis.call), on the engine thread, inside the script's own
    /// command: the checks Redis makes for scripts (the command exists and may run from a script, its
    /// arity, the caller's permission, read-only scripts, the log, the memory limit), then the command
    /// at the script's time snapshot. Its effects go to the batch like any command's, with a version
    /// of its own.
    /// </summary>
    /// <param name="wrote">Whether it was a write that ran (the script may no longer be killed).</param>
    public Reply RunFromScript(byte[][] args, in Scripting.ScriptCall script, out bool wrote)
    {
        wrote = false;
        if (commands.Find(args[0]) is not { } spec)
            return Errors.ScriptUnknownCommand;
        if (!spec.AcceptsArgumentCount(args.Length))
            return Errors.ScriptWrongArity;
        // Redis 7.0 flags its blocking list, sorted-set and (here) lock commands noscript; XREAD and
        // XREADGROUP run in scripts and refuse only their BLOCK option themselves.
        if ((spec.Flags & CommandFlags.NoScript) != 0 || ((spec.Flags & CommandFlags.Blocking) != 0 && spec.Group != "stream"))
            return Errors.ScriptCommandNotAllowed;
        if (script.User?.Check(spec, args) is { } denied)
            return ReferenceEquals(denied, Errors.NoPermissionForKey) ? Errors.ScriptNoKeyPermission : Errors.ScriptNoCommandPermission;
        if (spec.IsWrite && script.ReadOnly)
            return Errors.ScriptWriteNotAllowed;
        // A stale replica (replica-serve-stale-data no) refuses what the script calls as it refuses callers, unless the script allows stale data.
        if ((spec.Flags & CommandFlags.Stale) == 0 && !script.AllowStale && engine.Replication.StaleDataRefusal is { } stale)
            return stale;
        // On a read-only replica a script's writes are refused as any write is: its data is its primary's;
        // on a primary without enough good replicas, too (NOREPLICAS).
        if (spec.IsWrite && WriteCheck() is { } refusedWrite)
            return refusedWrite;
        if (spec.IsWrite && WriteRefusal is not null)
            return WriteRefusal;
        var settings = engine.Settings;
        if ((spec.Flags & CommandFlags.DenyOom) != 0 && !eviction.MakeRoom(NowMs, settings))
            return Errors.OutOfMemory;
        var outer = context.User;
        var started = clock.Timestamp;
        context.User = script.User;
        Reply reply;
        try
        {
            reply = Dispatch(spec, args, KeyAccess.At(NowMs, settings.MaxMemoryPolicy.IsLfu()));
        }
        finally
        {
            context.User = outer;
            // The script's own command goes on: what runs after this belongs to it again.
            keyspace.BeginCommand(0);
        }
        wrote = spec.IsWrite && !reply.IsError;
        diagnostics.Stats.Executed(spec, clock.MicrosecondsSince(started), reply.IsError);
        return reply;
    }

    /// <summary>Runs a logged record as loading replay: no permissions, no logging of its own, its keys get the record's version.</summary>
    public Reply Replay(Effect record)
    {
        // The markers around a script's effects (see CommandContext.WrapEffects): the records between
        // them replay in order on this one thread, so they need nothing more here.
        if (Commands.Effects.IsTransactionMarker(record))
            return Reply.Ok;
        if (commands.Check(record.Args, long.MaxValue, out var spec) is { } invalid)
            return invalid;
        context.IsReplay = true;
        try
        {
            return Dispatch(spec, record.Args, KeyAccess.At(NowMs, engine.Settings.MaxMemoryPolicy.IsLfu()), record.Version);
        }
        finally
        {
            context.IsReplay = false;
        }
    }

    private CommandResult Refuse(CommandRequest request, EngineError error, KeyState before = default)
    {
        var stats = diagnostics.Stats;
        stats.Rejected(request.Args.Length > 0 ? commands.Find(request.Args[0]) : null);
        stats.ErrorReply(error);
        return new CommandResult(error, before, before);
    }

    private void Executed(CommandSpec spec, CommandRequest request, Reply reply, long started)
    {
        var usec = clock.MicrosecondsSince(started);
        diagnostics.Stats.Executed(spec, usec, reply.IsError);
        if (reply.IsError)
            diagnostics.Stats.ErrorReply(reply.AsError());
        if (diagnostics.Slowlog.IsSlow(usec))
            diagnostics.Slowlog.Add(request.Args, NowMs / 1000, usec, request.ClientAddress, request.ClientName);
        if (diagnostics.Latency.Enabled)
        {
            var fast = (spec.Flags & CommandFlags.Fast) != 0;
            diagnostics.Latency.AddIfNeeded(fast ? "fast-command" : "command", usec / 1000, NowMs / 1000);
        }
        if (diagnostics.Monitor.HasSubscribers)
        {
            var now = time.GetUtcNow() - DateTimeOffset.UnixEpoch;
            diagnostics.Monitor.Publish(spec, request.Args, request.ClientAddress, Math.Round(now.TotalSeconds, 6));
        }
    }
}
