using BenchmarkDotNet.Running;
using Lodestone.Bench.Engine;

// dotnet run -c Release --project bench/Engine.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/Engine.Benchmarks -- --engine-thread   (the engine thread's own cost)
// dotnet run -c Release --project bench/Engine.Benchmarks -- --engine-thread --reader   (…with an effect-stream reader attached)
if (args is ["--engine-thread", ..])
{
    await EngineThreadThroughput.RunAsync(TimeSpan.FromSeconds(5), rounds: 3, withReader: args.Contains("--reader"));
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
