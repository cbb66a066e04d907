using System.Reflection;
using Lodestone.Engine.Diagnostics;
using Lodestone.Engine.Execution;
using Lodestone.Engine.PubSub;
using Lodestone.Engine.Security;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// The engine as one request sees it: every command it sends carries the caller's
/// <see cref="AclUser"/>, so the engine's generic checks enforce the API key's role and key patterns
/// on resource routes and the command endpoint alike. Endpoints take it as a parameter; it binds from
/// the request.
/// </summary>
/// <remarks>
/// The rules every HTTP way in shares live here, once, not in each endpoint: a blocking command waits
/// at most <see cref="HttpSettings.MaxBlockingTimeoutSeconds"/> and only while its client is connected
/// (a waiter whose client has gone is removed and never served); a reply holds at most
/// <see cref="CommandSettings.MaxReplyElements"/> elements.
/// </remarks>
internal sealed class EngineClient : ICaller
{
    private readonly Executor _executor;
    private readonly Limits _limits;
    private readonly ConnectionInfo? _connection;
    private readonly CancellationToken _aborted;
    private readonly HttpContext? _http;
    private string? _address;

    private EngineClient(Limits limits, AclUser? user, ConnectionInfo? connection, CancellationToken aborted, HttpContext? http = null)
    {
        _executor = limits.Executor;
        _limits = limits;
        User = user;
        _connection = connection;
        _aborted = aborted;
        _http = http;
    }

    /// <summary>The caller's permissions; null when the service is open (no API keys).</summary>
    public AclUser? User { get; }

    /// <summary>The caller's address (ip:port), for the slow log and MONITOR; null when the transport has none. Worked out when first asked.</summary>
    public string? Address => _address ??= _connection is null ? null : AddressOf(_connection);

    string? ICaller.Name => User?.Name;

    public TimeProvider Time => _executor.Time;

    public static ValueTask<EngineClient?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<EngineClient?>(new EngineClient(
            context.RequestServices.GetRequiredService<Limits>(), ApiKeys.AclUserOf(context), context.Connection, context.RequestAborted, context));

    /// <summary>The engine and the limits every HTTP caller gets (one per service).</summary>
    public sealed class Limits(Executor executor, Microsoft.Extensions.Options.IOptions<HttpSettings> http, Microsoft.Extensions.Options.IOptions<CommandSettings> commands)
    {
        public Executor Executor { get; } = executor;

        public TimeSpan MaxBlock { get; } = TimeSpan.FromSeconds(http.Value.MaxBlockingTimeoutSeconds);

        public long MaxReplyElements { get; } = commands.Value.MaxReplyElements;
    }

    /// <summary>ip:port as Redis shows a client ([v6]:port for IPv6).</summary>
    public static string? AddressOf(ConnectionInfo connection) => connection.RemoteIpAddress switch
    {
        null => null,
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ip when !ip.IsIPv4MappedToIPv6 => $"[{ip}]:{connection.RemotePort}",
        { } ip => $"{(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip)}:{connection.RemotePort}",
    };

    private CommandRequest Request(byte[][] args, byte[]? key = null, KeyCondition? condition = null) =>
        new(args, key, condition)
        {
            User = User, Aborted = _aborted, Caller = this, MaxBlock = _limits.MaxBlock, MaxReplyElements = _limits.MaxReplyElements,
        };

    /// <summary>
    /// Runs one command as the caller, observing <paramref name="key"/> and checking <paramref name="condition"/> on it.
    /// A blocking command whose client goes away while it waits is cancelled (the task throws
    /// <see cref="OperationCanceledException"/>) and pops nothing.
    /// </summary>
    public Task<CommandResult> ExecuteAsync(byte[][] args, byte[]? key = null, KeyCondition? condition = null)
    {
        MarkIfBlocking(args);
        return _executor.ExecuteAsync(Request(args, key, condition));
    }

    /// <summary>Runs one command as the caller and returns its reply.</summary>
    public async Task<Reply> RunAsync(byte[][] args) => (await ExecuteAsync(args)).Reply;

    /// <summary>Runs the commands as the caller with nothing in between (see <see cref="Executor.ExecuteAtomicAsync"/>).</summary>
    public Task<CommandResult[]> ExecuteAtomicAsync(IEnumerable<(byte[][] Args, byte[]? Key, KeyCondition? Condition)> commands) =>
        _executor.ExecuteAtomicAsync(commands.Select(c => Request(c.Args, c.Key, c.Condition)).ToArray());

    /// <summary>Runs the commands as the caller, in order, as a pipeline (see <see cref="Executor.ExecuteBatchAsync"/>); their replies in the same order.</summary>
    public async Task<Reply[]> RunBatchAsync(IReadOnlyList<byte[][]> commands)
    {
        var requests = new CommandRequest[commands.Count];
        for (var i = 0; i < requests.Length; i++)
        {
            MarkIfBlocking(commands[i]);
            requests[i] = Request(commands[i]);
        }
        var results = await _executor.ExecuteBatchAsync(requests);
        var replies = new Reply[results.Length];
        for (var i = 0; i < replies.Length; i++)
            replies[i] = results[i].Reply;
        return replies;
    }

    /// <summary>A blocking command makes its request a long poll, which the request log does not call slow.</summary>
    private void MarkIfBlocking(byte[][] args)
    {
        if (_http is not null && args.Length > 0
            && Lodestone.Engine.Commands.CommandTable.Default.Find(args[0]) is { } spec && (spec.Flags & Lodestone.Engine.Commands.CommandFlags.Blocking) != 0)
            RequestLog.MarkLongPoll(_http);
    }

    /// <summary>
    /// MONITOR for this caller: the checks MONITOR gets from the command table (the admin flag, the
    /// caller's role), then a subscription to every command the engine executes, filtered to
    /// <paramref name="command"/> and keys matching <paramref name="match"/>, buffered up to
    /// <paramref name="capacity"/> events. The engine never waits for it.
    /// </summary>
    /// <returns>Why the caller may not, or null with <paramref name="subscription"/> set.</returns>
    public EngineError? Monitor(string? command, byte[]? match, int capacity, out MonitorSubscription? subscription)
    {
        subscription = null;
        if (Check([System.Text.Encoding.ASCII.GetBytes("MONITOR")]) is { } refused)
            return refused;
        subscription = _executor.Diagnostics.Monitor.Subscribe(command, match, capacity);
        return null;
    }

    /// <summary>
    /// A new pub/sub subscriber for this caller (an SSE stream or a WebSocket), or why not: the service
    /// holds <c>Engine:PubSubMaxSubscribers</c> already (503). Dispose it when the connection ends.
    /// </summary>
    public PubSubSubscriber? OpenSubscriber(out EngineError? refused)
    {
        refused = null;
        var subscriber = _executor.PubSub.Open();
        if (subscriber is null)
            refused = new EngineError(ErrorKind.Unavailable, "ERR the service holds as many subscribers as Engine:PubSubMaxSubscribers allows; try again later");
        return subscriber;
    }

    /// <summary>
    /// Why this caller may not use <paramref name="channel"/> (or a pattern, taken literally), or null:
    /// an API key scoped to key patterns reaches only channels they match, as Redis's ACL channel patterns.
    /// </summary>
    public EngineError? RefuseChannel(ReadOnlySpan<byte> channel) =>
        User is { IsScoped: true } user && !user.MayAccess(channel) ? PubSubHub.ChannelRefused : null;

    /// <summary>The engine's keyspace notifications (key watchers for <c>GET /keys/{key}/events</c>).</summary>
    public KeyspaceNotifications Notifications => _executor.Notifications;

    /// <summary>This node's replication role, ids, link and attached replicas.</summary>
    public Lodestone.Engine.Replication.ReplicationState Replication => _executor.Replication;

    /// <summary>Whether the engine is loading its data (callers get LOADING).</summary>
    public bool IsLoading => _executor.IsLoading;

    /// <summary>The primary's side of replication on this engine (GET /replication/stream).</summary>
    public Lodestone.Engine.Replication.ReplicationSource ReplicationSource() => new(_executor);

    /// <summary>The checks a queued transaction command gets (exists, arity, size, permission), without running it.</summary>
    public EngineError? Check(byte[][] args) => _executor.Check(args, User);
}
