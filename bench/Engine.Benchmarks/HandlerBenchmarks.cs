using System.Text;
using BenchmarkDotNet.Attributes;
using Lodestone.Engine;
using Lodestone.Engine.Commands;
using Lodestone.Engine.Execution;

namespace Lodestone.Bench.Engine;

/// <summary>
/// The engine thread's own work, without the queue and the caller's task: a command handler run
/// directly on a keyspace, as the executor's loop runs it. What allocates here is the command itself.
/// </summary>
[MemoryDiagnoser]
public class HandlerBenchmarks
{
    private const int Calls = 1000;
    private const long NowMs = 1_700_000_000_000;
    private readonly List<Effect> _effects = [];
    private CommandContext _context = null!;
    private CommandSpec _get = null!, _set = null!, _incr = null!;
    private byte[][] _getArgs = null!, _setArgs = null!, _incrArgs = null!;

    [GlobalSetup]
    public void Setup()
    {
        var keyspace = new Lodestone.Engine.Keyspace.Keyspace(new Random(1), firstVersion: 1);
        _context = new CommandContext(keyspace, new EngineOptions(), CommandTable.Default, TimeProvider.System, _effects);
        (_get, _getArgs) = Command("GET", "str:1");
        (_set, _setArgs) = Command("SET", "str:1", new string('v', 64));
        (_incr, _incrArgs) = Command("INCR", "counter");
        Run(_set, _setArgs);
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public Reply Get() => Repeat(_get, _getArgs);

    [Benchmark(OperationsPerInvoke = Calls)]
    public Reply Set() => Repeat(_set, _setArgs);

    [Benchmark(OperationsPerInvoke = Calls)]
    public Reply Incr() => Repeat(_incr, _incrArgs);

    private Reply Repeat(CommandSpec spec, byte[][] args)
    {
        var reply = default(Reply);
        for (var i = 0; i < Calls; i++)
            reply = Run(spec, args);
        // The log's records are the executor's to keep; here they are dropped each round.
        _effects.Clear();
        return reply;
    }

    private Reply Run(CommandSpec spec, byte[][] args)
    {
        _context.Begin(spec, args, Lodestone.Engine.Keyspace.KeyAccess.At(NowMs).For(spec.IsWrite, countsReads: (spec.Flags & CommandFlags.ReadOnly) != 0));
        return spec.Handler(_context);
    }

    private static (CommandSpec, byte[][]) Command(params string[] words) =>
        (CommandTable.Default[words[0]], [.. words.Select(Encoding.UTF8.GetBytes)]);
}
