using System.Text;
using Lodestone.Engine.Effects;
using Lodestone.Engine.Execution;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>An engine on a fake clock, driven the way callers drive it: through the executor.</summary>
public sealed class TestEngine : IDisposable
{
    /// <summary>2023-11-14T22:13:20Z: a round instant far from 0 so absolute and relative times differ.</summary>
    public const long StartMs = 1_700_000_000_000;

    public TestEngine(EngineOptions? options = null)
    {
        Executor = new Executor(options ?? new EngineOptions(), Time, [Log]);
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(StartMs));

    public RecordingSink Log { get; } = new();

    public Executor Executor { get; }

    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    public Task<Reply> Run(params string[] args) => Executor.ExecuteAsync(args.Select(Encoding.UTF8.GetBytes).ToArray());

    public Task<Reply> RunBytes(params byte[][] args) => Executor.ExecuteAsync(args);

    public void Advance(TimeSpan by) => Time.Advance(by);

    public void Dispose() => Executor.Dispose();
}

/// <summary>Records every committed batch of effects, as the AOF will see them.</summary>
public sealed class RecordingSink : IEffectSink
{
    private readonly List<string> _effects = [];
    private readonly List<Effect> _records = [];

    public int Batches { get; private set; }

    /// <summary>Batches committed with a request to fsync whatever the policy.</summary>
    public int SyncedBatches { get; private set; }

    public void Commit(EffectBatch batch, bool sync)
    {
        lock (_effects)
        {
            Batches++;
            if (sync)
                SyncedBatches++;
            foreach (var effect in batch.Effects)
            {
                _effects.Add(string.Join(' ', effect.Args.Select(a => Encoding.UTF8.GetString(a))));
                _records.Add(effect);
            }
        }
    }

    /// <summary>Every effect so far as it was committed: arguments and version (what a replica would apply).</summary>
    public IReadOnlyList<Effect> Records
    {
        get
        {
            lock (_effects)
                return [.. _records];
        }
    }

    /// <summary>Every effect so far, each as its arguments joined by spaces.</summary>
    public IReadOnlyList<string> Effects
    {
        get
        {
            lock (_effects)
                return [.. _effects];
        }
    }

    public void Clear()
    {
        lock (_effects)
        {
            _effects.Clear();
            _records.Clear();
        }
    }
}
