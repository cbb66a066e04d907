using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Commands;

/// <summary>Builds the argument vectors handlers log through <see cref="CommandContext.Propagate"/>.</summary>
internal static class Effects
{
    /// <inheritdoc cref="Execution.Argv.Of"/>
    public static byte[][] Argv(params object[] parts) => Execution.Argv.Of(parts);

    /// <summary>The record before a script's effects: what follows up to <see cref="Exec"/> is one atomic unit.</summary>
    public static readonly byte[] Multi = "MULTI"u8.ToArray();

    /// <summary>The record after a script's effects.</summary>
    public static readonly byte[] Exec = "EXEC"u8.ToArray();

    /// <summary>Whether <paramref name="record"/> is one of the markers around a script's effects (MULTI, EXEC).</summary>
    public static bool IsTransactionMarker(Effect record) =>
        record.Args is [var name] && (name.AsSpan().SequenceEqual(Multi) || name.AsSpan().SequenceEqual(Exec));
}
