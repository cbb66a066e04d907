using System.Text;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Nothing escapes the engine thread: a command that fails in a way nobody planned fails alone, is
/// logged with its name, and the engine goes on serving everyone else.
/// </summary>
public sealed class EngineSafetyTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));
    private readonly RecordingLogger _log = new();
    private readonly Executor _executor;

    public EngineSafetyTests()
    {
        var table = CommandTable.With(
            (new CommandAttribute("TEST.THROW", 2)
            {
                Flags = CommandFlags.Write, FirstKey = 1, LastKey = 1, Syntax = "TEST.THROW key", Summary = "Throws (a handler bug).",
                Complexity = "O(1)", Group = "test", Since = "0.0.0",
            }, Throw),
            (new CommandAttribute("TEST.BADBLOCK", 2)
            {
                Flags = CommandFlags.Write | CommandFlags.Blocking, FirstKey = 1, LastKey = 1, Syntax = "TEST.BADBLOCK key",
                Summary = "Asks to block on no keys at all (a bug outside the handler: parking fails).",
                Complexity = "O(1)", Group = "test", Since = "0.0.0",
            }, BlockOnNothing));
        _executor = new Executor(new EngineOptions(), _time, [], _log, table);
    }

    public void Dispose() => _executor.Dispose();

    private static Reply Throw(CommandContext ctx) =>
        throw new InvalidOperationException("handler bug for " + ctx.ArgText(1));

    private static Reply BlockOnNothing(CommandContext ctx) => ctx.Block(null!, TimeSpan.FromSeconds(1));

    private Task<Reply> Run(params string[] args) => _executor.ExecuteAsync(args.Select(Encoding.UTF8.GetBytes).ToArray());

    [Fact]
    public async Task A_handler_that_throws_fails_its_command_with_err_and_the_next_command_still_runs()
    {
        var failed = await Run("TEST.THROW", "k");

        ReplyAssert.Error(failed, "ERR internal error while executing the command");
        Assert.Equal(ErrorKind.Internal, failed.AsError().Kind);
        ReplyAssert.Ok(await Run("SET", "k", "v"));
        ReplyAssert.Bulk(await Run("GET", "k"), "v");
        var logged = Assert.Single(_log.Errors);
        Assert.Contains("TEST.THROW", logged.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(logged.Exception);
    }

    [Fact]
    public async Task A_failure_outside_any_handler_fails_only_that_command_and_the_loop_goes_on()
    {
        var failed = await Run("TEST.BADBLOCK", "k");

        Assert.Equal(ErrorKind.Internal, failed.AsError().Kind);
        Assert.Equal(0, _executor.BlockedCount);
        ReplyAssert.Integer(await Run("RPUSH", "q", "a"), 1);
        ReplyAssert.Bulk(await Run("LPOP", "q"), "a");
        Assert.Contains("TEST.BADBLOCK", Assert.Single(_log.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_command_inside_a_pipeline_fails_alone()
    {
        var results = await _executor.ExecuteBatchAsync(
            [new CommandRequest(Argv("SET", "a", "1")), new CommandRequest(Argv("TEST.THROW", "b")), new CommandRequest(Argv("INCR", "a"))]);

        ReplyAssert.Ok(results[0].Reply);
        Assert.Equal(ErrorKind.Internal, results[1].Reply.AsError().Kind);
        ReplyAssert.Integer(results[2].Reply, 2);
    }

    private static byte[][] Argv(params string[] args) => args.Select(Encoding.UTF8.GetBytes).ToArray();

    /// <summary>Keeps what was logged at Error level.</summary>
    private sealed class RecordingLogger : ILogger
    {
        private readonly List<(string Message, Exception? Exception)> _errors = [];

        public IReadOnlyList<(string Message, Exception? Exception)> Errors
        {
            get
            {
                lock (_errors)
                    return [.. _errors];
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel < LogLevel.Error)
                return;
            lock (_errors)
                _errors.Add((formatter(state, exception), exception));
        }
    }
}
