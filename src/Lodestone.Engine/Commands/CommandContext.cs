using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Commands;

/// <summary>
/// What a handler sees: its arguments, the keyspace, the limits, and the way to say what it changed.
/// One instance is reused for every command on the engine thread.
/// </summary>
internal sealed class CommandContext
{
    private readonly List<Effect> _effects;

    public CommandContext(Keyspace.Keyspace keyspace, EngineOptions options, CommandTable table, TimeProvider clock, List<Effect> effects)
    {
        Keyspace = keyspace;
        Clock = clock;
        Options = options;
        Table = table;
        _effects = effects;
    }

    public Keyspace.Keyspace Keyspace { get; }

    /// <summary>Counters, slow log, latency events and the host's facts, for INFO, SLOWLOG, LATENCY and CONFIG.</summary>
    public Diagnostics.EngineDiagnostics Diagnostics { get; init; } = null!;

    public EngineOptions Options { get; }

    /// <summary>Publish/subscribe (PUBLISH, PUBSUB).</summary>
    public PubSub.PubSubHub PubSub { get; init; } = null!;

    /// <summary>Keyspace notifications (CONFIG notify-keyspace-events).</summary>
    public PubSub.KeyspaceNotifications Notifications { get; init; } = null!;

    public CommandTable Table { get; }

    /// <summary>The engine's clock, for commands that report time (TIME). Expiry uses <see cref="NowMs"/>.</summary>
    public TimeProvider Clock { get; }

    /// <summary>The arguments, command name first. The engine may keep these arrays (they are never changed).</summary>
    public byte[][] Args { get; private set; } = [];

    public int ArgCount => Args.Length;

    public CommandSpec Spec { get; private set; } = null!;

    /// <summary>Randomness for commands that sample (SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER).</summary>
    public Random Random => Keyspace.Random;

    /// <summary>
    /// How this command uses the keyspace — its time snapshot, whether it writes, whether its lookups
    /// count as hits — set when it begins. Pass it to the keyspace's lookups.
    /// </summary>
    public KeyAccess Access { get; private set; }

    /// <summary>The command's time snapshot, Unix milliseconds.</summary>
    public long NowMs => Access.NowMs;

    /// <summary>How many changes the command made; a write with none is not logged.</summary>
    public int Dirty { get; private set; }

    /// <summary>Whether the handler logged its own (rewritten) effects.</summary>
    public bool Propagated { get; private set; }

    /// <summary>Whether this command may park its caller (a standalone request, not one inside a transaction).</summary>
    public bool CanBlock { get; set; }

    /// <summary>Set by <see cref="Block"/>: the keys to wait on, for how long, and when to look again regardless.</summary>
    public BlockRequest? BlockRequest { get; private set; }

    /// <summary>
    /// The most elements this command's reply may hold: its caller's
    /// <see cref="CommandRequest.MaxReplyElements"/>, less what earlier commands of the same request
    /// (a pipeline, a transaction) returned. The executor refuses a larger reply from a read after it
    /// is built; a handler that knows its reply's size from the arguments checks first
    /// (<see cref="CheckReplySize"/>), so the reply is never built.
    /// </summary>
    public long ReplyLimit { get; set; } = long.MaxValue;

    /// <summary>The refusal for a reply of <paramref name="elements"/> elements, or null when it fits <see cref="ReplyLimit"/>.</summary>
    public EngineError? CheckReplySize(long elements) => elements > ReplyLimit ? Errors.ReplyTooLarge(elements, ReplyLimit) : null;

    /// <summary>
    /// Whether this command is a logged record being replayed (loading). Replay runs at time 0, so a
    /// command that keeps a time it was given (XCLAIM's TIME) must not bound it by <see cref="NowMs"/>.
    /// </summary>
    public bool IsReplay { get; set; }

    /// <summary>
    /// The time to record as "last seen" (a stream consumer's seen-time): the command's time, or,
    /// while replaying, the clock's — when the record is loaded, as a Redis replica would see it.
    /// </summary>
    public long SeenNowMs => IsReplay ? Clock.GetUtcNow().ToUnixTimeMilliseconds() : NowMs;

    /// <summary>Whether this run is a parked command resumed at the head of its key's queue (not a new arrival).</summary>
    public bool IsResumed { get; set; }

    /// <summary>Eviction's counters (INFO's evicted_keys).</summary>
    public Keyspace.Eviction Eviction { get; init; } = null!;

    /// <summary>The engine's runtime settings in effect (OBJECT FREQ/IDLETIME need the memory policy).</summary>
    public RuntimeSettings Settings => Diagnostics.Engine.Settings;

    /// <summary>Swaps in new runtime settings (CONFIG SET): see <see cref="Execution.Executor.ChangeSettings"/>.</summary>
    public void ChangeSettings(Func<RuntimeSettings, RuntimeSettings> change) => Diagnostics.Engine.ChangeSettings(change);

    /// <summary>How many callers are parked on a key (set by the executor).</summary>
    public Func<byte[], int> WaiterCount { get; set; } = _ => 0;

    /// <summary>The log offset this command's first effect gets (set by the executor before the handler runs).</summary>
    public long LogOffset { get; set; }

    /// <summary>Whether a command of the current batch needs the batch fsynced before its reply, whatever the fsync policy.</summary>
    public bool SyncRequested { get; private set; }

    /// <summary>
    /// Until when (on <see cref="MonotonicMs"/>'s clock) lock grants are refused: the delayed restart
    /// after a restart that may have lost acknowledged lock writes. Written before loading ends.
    /// </summary>
    public long LockGrantsResumeAtMs
    {
        get => Volatile.Read(ref _lockGrantsResumeAtMs);
        set => Volatile.Write(ref _lockGrantsResumeAtMs, value);
    }

    private long _lockGrantsResumeAtMs = long.MinValue;

    /// <summary>
    /// The engine's monotonic clock in milliseconds (from <see cref="Clock"/>'s timestamps): leases run
    /// on it, so a wall-clock jump neither ends nor lengthens them. Only differences are meaningful.
    /// </summary>
    public long MonotonicMs => (long)((Int128)Clock.GetTimestamp() * 1000 / Clock.TimestampFrequency);

    /// <summary>Who runs the command (null: the engine itself, AOF replay, an open service); commands that iterate the keyspace filter by it.</summary>
    public Security.AclUser? User { get; set; }

    /// <summary>Starts a command: its spec, its arguments and how it uses the keyspace.</summary>
    public void Begin(CommandSpec spec, byte[][] args, in KeyAccess access)
    {
        Spec = spec;
        Args = args;
        Access = access;
        Dirty = 0;
        Propagated = false;
        _keyEvents?.Clear();
    }

    /// <summary>Forgets the last command's request to block (called before every command, even one refused before it runs).</summary>
    public void ClearBlockRequest() => BlockRequest = null;

    /// <summary>
    /// For a blocking command with nothing to serve yet: park the caller until one of
    /// <paramref name="keys"/> becomes ready — comes into existence, or (a lock) is released — and the
    /// command runs again, or until <paramref name="timeout"/> passes (<see cref="TimeSpan.Zero"/> waits
    /// forever), when it runs once more without waiting and that is its answer. With
    /// <paramref name="wakeAfter"/>, the keys are also looked at again after that long (a lease ending).
    /// Returns nil, which is the reply when the command may not wait (inside a transaction).
    /// </summary>
    /// <remarks>
    /// <paramref name="resumeArgs"/>, when given, is the command the parked caller runs from then on
    /// (XREAD's <c>$</c> resolved to the id it stood for when the caller parked).
    /// </remarks>
    public Reply Block(byte[][] keys, TimeSpan timeout, TimeSpan? wakeAfter = null, byte[][]? resumeArgs = null)
    {
        if (CanBlock)
            BlockRequest = new BlockRequest(keys, timeout, wakeAfter) { ResumeArgs = resumeArgs };
        return Reply.Null;
    }

    /// <summary>
    /// For WAIT with too few acknowledgements yet: park the caller until <paramref name="replicas"/>
    /// replicas acknowledged the offset its writes reached, or <paramref name="timeout"/> passes
    /// (<see cref="TimeSpan.Zero"/> waits forever); it is then answered with the count, without
    /// running again. Call only when <see cref="CanBlock"/>.
    /// </summary>
    public Reply WaitForReplicas(long replicas, TimeSpan timeout)
    {
        if (CanBlock)
            BlockRequest = new BlockRequest([], timeout, null) { Replicas = replicas };
        return Reply.Null;
    }

    /// <summary>Whether this loop turn has effects not yet committed (an earlier command of the caller's pipeline, or anyone's).</summary>
    public bool HasUncommittedEffects => _effects.Count > 0;

    /// <summary>
    /// The keyspace events (Redis's names, class <c>t</c>) the running stream command reported, in
    /// order; the dispatcher publishes them after it (see <see cref="KeyEvent"/>).
    /// </summary>
    public IReadOnlyList<(string Name, byte[] Key)> KeyEvents => _keyEvents ?? (IReadOnlyList<(string, byte[])>)[];

    private List<(string Name, byte[] Key)>? _keyEvents;

    /// <summary>
    /// Reports a keyspace event for a command whose events depend on what it did rather than on its
    /// name (the stream commands: XADD's "xadd" then "xtrim", XGROUP's subcommands…).
    /// </summary>
    public void KeyEvent(string name, byte[] key) => (_keyEvents ??= []).Add((name, key));

    /// <summary>Asks for this batch to be fsynced before any of its replies, whatever the fsync policy (lock grants).</summary>
    public void RequireSync() => SyncRequested = true;

    /// <summary>Called by the executor once the batch's effects are committed.</summary>
    public void ClearSyncRequest() => SyncRequested = false;

    public void MarkDirty(int changes = 1) => Dirty += changes;

    /// <summary>
    /// After <paramref name="changes"/> elements of the collection at <paramref name="entry"/> changed
    /// in place: the key goes if the collection is now empty (Redis keeps no empty list, set, hash or
    /// sorted set), else it gets a new version; the changes count as dirty.
    /// </summary>
    public void ChangedInPlace(Entry entry, int changes)
    {
        if (entry.Value.Length == 0)
            Keyspace.Delete(entry);
        else
            Keyspace.Touch(entry);
        MarkDirty(changes);
    }

    /// <summary>
    /// Logs <paramref name="argv"/> as this command's effect instead of the command itself — for
    /// commands whose literal form would not replay to the same state (relative TTLs, randomness).
    /// May be called several times. The executor gives each the command's version once it has run.
    /// </summary>
    public void Propagate(params byte[][] argv)
    {
        _effects.Add(new Effect(argv, 0));
        Propagated = true;
    }

    /// <summary>How many effects the batch holds so far: where a script's effects will begin.</summary>
    public int EffectCount => _effects.Count;

    /// <summary>
    /// Wraps the effects from <paramref name="first"/> on (a script's writes) in MULTI … EXEC, as Redis 7
    /// replicates a script's effects, when there are two or more: a reader of the log applies them as
    /// one unit, and recovery drops a unit whose EXEC never reached the disk.
    /// </summary>
    /// <remarks>Markers never nest: a unit already inside the range (a script's, within a MULTI batch) joins this one.</remarks>
    public void WrapEffects(int first)
    {
        for (var i = _effects.Count - 1; i >= first; i--)
        {
            if (Effects.IsTransactionMarker(_effects[i]))
                _effects.RemoveAt(i);
        }
        if (_effects.Count - first < 2)
            return;
        _effects.Insert(first, new Effect([Effects.Multi], 0));
        _effects.Add(new Effect([Effects.Exec], 0));
    }

    /// <summary>Forgets the effects from <paramref name="first"/> on: a script ended by the engine stopping is never logged in part.</summary>
    public void DropEffects(int first) => _effects.RemoveRange(first, _effects.Count - first);

    /// <summary>Lua scripts: the engine's one Lua state and its script cache.</summary>
    public Scripting.ScriptRuntime Scripts { get; init; } = null!;

    public ReadOnlySpan<byte> Arg(int index) => Args[index];

    /// <summary>Argument as text, for messages.</summary>
    public string ArgText(int index) => Encoding.UTF8.GetString(Args[index]);

    /// <summary>Whether argument <paramref name="index"/> is <paramref name="word"/>, ignoring ASCII case.</summary>
    public bool ArgIs(int index, string word) => Ascii.EqualsIgnoreCase(Args[index], word);

    public bool TryInt64(int index, out long value) => RedisNumbers.TryParseInt64(Args[index], out value);

    /// <summary>Whether a value of <paramref name="length"/> bytes is within proto-max-bulk-len.</summary>
    public bool FitsBulkLimit(long length) => length <= Options.ProtoMaxBulkLen;
}

/// <summary>A blocking command's request to park its caller (see <see cref="CommandContext.Block"/>).</summary>
internal sealed record BlockRequest(byte[][] Keys, TimeSpan Timeout, TimeSpan? WakeAfter)
{
    /// <summary>The command the parked caller runs when resumed, if not the one it sent.</summary>
    public byte[][]? ResumeArgs { get; init; }

    /// <summary>WAIT: park until this many replicas acknowledged the caller's offset (no keys; see <see cref="Execution.ReplicaWaits"/>).</summary>
    public long? Replicas { get; init; }
}
