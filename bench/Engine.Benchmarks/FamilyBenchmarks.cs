using System.Text;
using BenchmarkDotNet.Attributes;
using Lodestone.Engine;
using Lodestone.Engine.Execution;

namespace Lodestone.Bench.Engine;

/// <summary>
/// The executor in-process, per command family, with no log: <see cref="Batch"/> commands are queued
/// at once and awaited together, so the engine thread runs them in one batch as it does under load.
/// Results are per command (OperationsPerInvoke); allocated bytes include the caller's task and reply.
/// </summary>
[MemoryDiagnoser]
public class FamilyBenchmarks : IDisposable
{
    private const int Batch = 100;
    private readonly Task<Reply>[] _pending = new Task<Reply>[Batch];
    private Executor _engine = null!;
    private byte[][][] _get = null!, _set = null!, _incr = null!, _lpush = null!, _rpop = null!,
        _sadd = null!, _sismember = null!, _hset = null!, _hget = null!, _zadd = null!, _zrange = null!, _mixed = null!;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new Executor(new EngineOptions(), TimeProvider.System);
        _get = Repeat(i => Args("GET", $"str:{i % 1000}"));
        _set = Repeat(i => Args("SET", $"str:{i % 1000}", new string('v', 64)));
        _incr = Repeat(i => Args("INCR", $"counter:{i % 10}"));
        _lpush = Repeat(_ => Args("LPUSH", "queue", new string('v', 64)));
        _rpop = Repeat(_ => Args("RPOP", "queue"));
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

    [GlobalCleanup]
    public void Dispose()
    {
        _engine?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = Batch)] public void Get() => Run(_get);
    [Benchmark(OperationsPerInvoke = Batch)] public void Set() => Run(_set);
    [Benchmark(OperationsPerInvoke = Batch)] public void Incr() => Run(_incr);
    [Benchmark(OperationsPerInvoke = Batch * 2)] public void LPushRPop() { Run(_lpush); Run(_rpop); }
    [Benchmark(OperationsPerInvoke = Batch)] public void SAdd() => Run(_sadd);
    [Benchmark(OperationsPerInvoke = Batch)] public void SIsMember() => Run(_sismember);
    [Benchmark(OperationsPerInvoke = Batch)] public void HSet() => Run(_hset);
    [Benchmark(OperationsPerInvoke = Batch)] public void HGet() => Run(_hget);
    [Benchmark(OperationsPerInvoke = Batch)] public void ZAdd() => Run(_zadd);
    [Benchmark(OperationsPerInvoke = Batch)] public void ZRangeTop10() => Run(_zrange);
    [Benchmark(OperationsPerInvoke = Batch)] public void Mixed100() => Run(_mixed);

    private void Run(byte[][][] commands)
    {
        for (var i = 0; i < commands.Length; i++)
            _pending[i] = _engine.ExecuteAsync(commands[i]);
        for (var i = 0; i < commands.Length; i++)
        {
            if (_pending[i].GetAwaiter().GetResult().IsError)
                throw new InvalidOperationException($"Command {i} failed.");
        }
    }

    private static byte[][][] Repeat(Func<int, byte[][]> make) => [.. Enumerable.Range(0, Batch).Select(make)];

    private static byte[][] Args(params string[] words) => [.. words.Select(Encoding.UTF8.GetBytes)];
}
