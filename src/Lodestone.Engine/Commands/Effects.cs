using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Commands;

/// <summary>Builds the argument vectors handlers log through <see cref="CommandContext.Propagate"/>.</summary>
internal static class Effects
{
    /// <inheritdoc cref="Execution.Argv.Of"/>
    public static byte[][] Argv(params object[] parts) => Execution.Argv.Of(parts);
}
