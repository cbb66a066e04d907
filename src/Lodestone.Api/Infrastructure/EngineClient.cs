using System.Reflection;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Security;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// The engine as one request sees it: every command it sends carries the caller's
/// <see cref="AclUser"/>, so the engine's generic checks enforce the API key's role and key patterns
/// on resource routes and the command endpoint alike. Endpoints take it as a parameter; it binds from
/// the request (no service registration).
/// </summary>
public sealed class EngineClient
{
    private readonly Executor _executor;

    private EngineClient(Executor executor, AclUser? user)
    {
        _executor = executor;
        User = user;
    }

    /// <summary>The caller's permissions; null when the service is open (no API keys).</summary>
    public AclUser? User { get; }

    public TimeProvider Time => _executor.Time;

    public static ValueTask<EngineClient?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<EngineClient?>(new EngineClient(
            context.RequestServices.GetRequiredService<Executor>(), ApiKeys.AclUserOf(context.User)));

    /// <summary>Runs one command as the caller, observing <paramref name="key"/> and checking <paramref name="condition"/> on it.</summary>
    /// <param name="aborted">For blocking commands: the caller went away, stop waiting (the task is then cancelled).</param>
    public Task<CommandResult> ExecuteAsync(byte[][] args, byte[]? key = null, KeyCondition? condition = null, CancellationToken aborted = default) =>
        _executor.ExecuteAsync(new CommandRequest(args, key, condition) { User = User, Aborted = aborted });

    /// <summary>Runs one command as the caller and returns its reply.</summary>
    public async Task<Reply> RunAsync(byte[][] args) => (await ExecuteAsync(args)).Reply;

    /// <summary>Runs the commands as the caller with nothing in between (see <see cref="Executor.ExecuteAtomicAsync"/>).</summary>
    public Task<CommandResult[]> ExecuteAtomicAsync(IEnumerable<(byte[][] Args, byte[]? Key, KeyCondition? Condition)> commands) =>
        _executor.ExecuteAtomicAsync(commands.Select(c => new CommandRequest(c.Args, c.Key, c.Condition) { User = User }).ToArray());

    /// <summary>The checks a queued transaction command gets (exists, arity, size, permission), without running it.</summary>
    public EngineError? Check(byte[][] args) => _executor.Check(args, User);
}
