using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>The direction of dependencies (ARCHITECTURE.md §1): the Api uses the Engine, never the reverse.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void The_engine_references_no_asp_net_core_assembly()
    {
        var references = typeof(Executor).Assembly.GetReferencedAssemblies().Select(name => name.Name ?? "").ToList();

        Assert.Contains("System.Runtime", references);
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.OrdinalIgnoreCase));
    }
}
