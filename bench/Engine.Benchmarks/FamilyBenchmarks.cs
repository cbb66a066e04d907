using System.Text;
using BenchmarkDotNet.Attributes;
using Lodestone.Engine;
using Lodestone.Engine.Execution;

namespace Lodestone.Bench.Engine;

/// <summary>
/// The executor in-process, per command family, with no log: <see cref="Depth"/> × <see cref="Batch"/>
/// commands in flight at a time — enough that the engine thread runs them back to back rather than
/// waiting for the caller — either queued one by one (<see cref="Submission.Single"/>: what
/// concurrent HTTP requests do) or as pipelines of <see cref="Batch"/> (<see cref="Submission.Pipeline"/>:
/// one work item and one task per pipeline, as <c>/commands/pipeline</c> sends them). Results are per
/// command (OperationsPerInvoke); allocated bytes include the caller's tasks and replies.
/// </summary>
[MemoryDiagnoser]
public class FamilyBenchmarks : IDisposable
{
    private const int Batch = 100;
    private const int Depth = 10;
    private const int PerInvoke = Batch * Depth;
    private readonly Task<Reply>[] _pending = new Task<Reply>[PerInvoke];
    private readonly Task<CommandResult[]>[] _pipelines = new Task<CommandResult[]>[Depth];
    private Executor _engine = null!;
    private readonly Dictionary<byte[][][], CommandRequest[]> _requests = [];

    /// <summary>How the commands reach the engine.</summary>
    public enum Submission
    {
        Single,
        Pipeline,
    }

    [Params(Submission.Single, Submission.Pipeline)]
    public Submission Mode { get; set; }
    private byte[][][] _get = null!, _set = null!, _incr = null!, _lpush = null!, _rpop = null!,
        _sadd = null!, _sismember = null!, _hset = null!, _hget = null!, _zadd = null!, _zrange = null!, _mixed = null!, _xadd = null!, _lpushOnly = null!;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new Executor(new EngineOptions(), TimeProvider.System);
        _get = Repeat(i => Args("GET", $"str:{i % 1000}"));
        _set = Repeat(i => Args("SET", $"str:{i % 1000}", new string('v', 64)));
        _incr = Repeat(i => Args("INCR", $"counter:{i % 10}"));
        _lpush = Repeat(_ => Args("LPUSH", "queue", new string('v', 64)));
        _rpop = Repeat(_ => Args("RPOP", "queue"));
        // XADD beside LPUSH with the same 64-byte payload (both keys are dropped after each iteration).
        _xadd = Repeat(_ => Args("XADD", "events", "*", "payload", new string('v', 64)));
        _lpushOnly = Repeat(_ => Args("LPUSH", "pushed", new string('v', 64)));
        _sadd = Repeat(i => Args("SADD", "tags", $"tag:{i}"));
        _sismember = Repeat(i => Args("SISMEMBER", "tags", $"tag:{i * 7 % Batch}"));
        _hset = Repeat(i => Args("HSET", "profile", $"field:{i % 20}", "value"));
        _hget = Repeat(i => Args("HGET", "profile", $"field:{i % 20}"));
        _zadd = Repeat(i => Args("ZADD", "board", (i * 37 % 1000).ToString(System.Globalization.CultureInfo.InvariantCulture), $"player:{i % 1000}"));
        _zrange = Repeat(_ => Args("ZRANGE", "board", "0", "9", "REV", "WITHSCORES"));
        _mixed = Repeat(i => (i % 5) switch
        {
            0 => _set![i],
            1 => _incr![i],
            2 => _hset![i],
            3 => _zadd![i],
            _ => _get![i],
        });
        // Reads find what they look for.
        Run(_set);
        Run(_sadd);
        Run(_hset);
        for (var round = 0; round < 10; round++)
            Run(_zadd);
    }

    /// <summary>Drops what the push-only benchmarks grew, so memory stays flat across iterations.</summary>
    [IterationCleanup]
    public void DropGrowth() => _engine.ExecuteAsync(Args("DEL", "pushed", "events")).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Dispose()
    {
        _engine?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = PerInvoke)] public void Get() => Run(_get);
    [Benchmark(OperationsPerInvoke = PerInvoke)] public void Set() => Run(_set);
    [Benchmark(OperationsPerInvoke = PerInvoke)] public void Incr() => Run(_incr);
    [Benchmark(OperationsPerInvoke = PerInvoke * 2)] public void LPushRPop() { Run(_lpush); Run(_rpop); }
    [Benchmark(OperationsPerInvoke = PerInvoke)] public void LPush() => Run(_lpushOnly);
    [Benchmark(OperationsPerInvoke = PerInvoke)] public void XAdd() => Run(_xadd);
    [Benchmark(OperationsPerInvoke = PerInvoke)] public void SAdd() => Run(_sadd);
    [Benchmark(OperationsPerInvoke = PerInvoke)] public void SIsMember() => Run(_sismember);
    [Benchmark(OperationsPerInvoke = PerInvoke)] public void HSet() => Run(_hset);
    [Benchmark(OperationsPerInvoke = PerInvoke)] public void HGet() => Run(_hget);
    [Benchmark(OperationsPerInvoke = PerInvoke)] public void ZAdd() => Run(_zadd);
    [Benchmark(OperationsPerInvoke = PerInvoke)] public void ZRangeTop10() => Run(_zrange);
    [Benchmark(OperationsPerInvoke = PerInvoke)] public void Mixed100() => Run(_mixed);

    private void Run(byte[][][] commands)
    {
        if (Mode == Submission.Pipeline)
        {
            if (!_requests.TryGetValue(commands, out var requests))
                _requests[commands] = requests = [.. commands.Select(args => new CommandRequest(args))];
            for (var d = 0; d < Depth; d++)
                _pipelines[d] = _engine.ExecuteBatchAsync(requests);
            foreach (var pipeline in _pipelines)
            {
                if (pipeline.GetAwaiter().GetResult().Any(result => result.Reply.IsError))
                    throw new InvalidOperationException("A command failed.");
            }
            return;
        }
        for (var i = 0; i < PerInvoke; i++)
            _pending[i] = _engine.ExecuteAsync(commands[i % Batch]);
        for (var i = 0; i < PerInvoke; i++)
        {
            if (_pending[i].GetAwaiter().GetResult().IsError)
                throw new InvalidOperationException($"Command {i} failed.");
        }
    }

    private static byte[][][] Repeat(Func<int, byte[][]> make) => [.. Enumerable.Range(0, Batch).Select(make)];

    private static byte[][] Args(params string[] words) => [.. words.Select(Encoding.UTF8.GetBytes)];
}
