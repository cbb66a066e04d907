using Lodestone.Engine.Commands;

namespace Lodestone.Engine.Tests;

/// <summary>One grep for a command finds its handler: every handler is named after a command it serves (aliases share one).</summary>
public sealed class CommandNamingTests
{
    [Fact]
    public void Every_handler_is_named_after_one_of_its_commands()
    {
        var misnamed = CommandTable.Default.All
            .GroupBy(spec => spec.Handler.Method)
            .Where(group => !group.Any(spec => string.Equals(Squash(spec.Name), group.Key.Name, StringComparison.OrdinalIgnoreCase)))
            .Select(group => $"{group.Key.DeclaringType?.Name}.{group.Key.Name} serves {string.Join(", ", group.Select(spec => spec.Name))}")
            .ToList();

        Assert.Empty(misnamed);
    }

    /// <summary>LOCK.ACQUIRE → LOCKACQUIRE and BITFIELD_RO → BITFIELDRO, which their handlers LockAcquire and BitFieldRo match ignoring case.</summary>
    private static string Squash(string command) =>
        command.Replace(".", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
}
