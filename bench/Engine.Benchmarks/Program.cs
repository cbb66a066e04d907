using BenchmarkDotNet.Running;
using Lodestone.Bench.Engine;

// dotnet run -c Release --project bench/Engine.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/Engine.Benchmarks -- --engine-thread   (the engine thread's own cost)
if (args is ["--engine-thread", ..])
{
    await EngineThreadThroughput.RunAsync(TimeSpan.FromSeconds(5), rounds: 3);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
