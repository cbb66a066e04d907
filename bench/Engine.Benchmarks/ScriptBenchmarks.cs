using System.Text;
using BenchmarkDotNet.Attributes;
using Lodestone.Engine;
using Lodestone.Engine.Execution;

namespace Lodestone.Bench.Engine;

/// <summary>
/// What a script costs beyond the command it runs: EVALSHA of a one-<c>redis.call</c> script against
/// the command itself, each sent 1000 at a time as one pipeline, so the engine thread's own work per
/// command dominates (the queue and the caller's task are shared by the 1000). The difference between
/// the pairs is the script's price: KEYS/ARGV, the call into Lua, the host function, the conversions.
/// </summary>
[MemoryDiagnoser]
public class ScriptBenchmarks : IDisposable
{
    private const int Calls = 1000;
    private Executor _engine = null!;
    private CommandRequest[] _get = null!, _evalShaGet = null!, _incr = null!, _evalShaIncr = null!;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new Executor(new EngineOptions(), TimeProvider.System);
        Run("SET", "str:1", new string('v', 64));
        var getSha = Encoding.ASCII.GetString(Run("SCRIPT", "LOAD", "return redis.call('GET', KEYS[1])").AsBulk().Span);
        var incrSha = Encoding.ASCII.GetString(Run("SCRIPT", "LOAD", "return redis.call('INCR', KEYS[1])").AsBulk().Span);
        _get = Many("GET", "str:1");
        _evalShaGet = Many("EVALSHA", getSha, "1", "str:1");
        _incr = Many("INCR", "counter");
        _evalShaIncr = Many("EVALSHA", incrSha, "1", "counter");
    }

    [GlobalCleanup]
    public void Cleanup() => Dispose();

    public void Dispose()
    {
        _engine.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = Calls, Baseline = true)]
    public Task<CommandResult[]> Get() => _engine.ExecuteBatchAsync(_get);

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task<CommandResult[]> EvalShaGet() => _engine.ExecuteBatchAsync(_evalShaGet);

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task<CommandResult[]> Incr() => _engine.ExecuteBatchAsync(_incr);

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task<CommandResult[]> EvalShaIncr() => _engine.ExecuteBatchAsync(_evalShaIncr);

    private Reply Run(params string[] words) => _engine.ExecuteAsync([.. words.Select(Encoding.UTF8.GetBytes)]).GetAwaiter().GetResult();

    private static CommandRequest[] Many(params string[] words) =>
        [.. Enumerable.Range(0, Calls).Select(_ => new CommandRequest([.. words.Select(Encoding.UTF8.GetBytes)]))];
}
