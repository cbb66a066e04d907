using Lodestone.Engine.Persistence;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// The service's binary is also its own toolbox: a health probe for container checks, an AOF checker
/// and a snapshot restore. Each runs instead of the service and ends the process with its exit code.
/// </summary>
internal static class CommandLineTools
{
    /// <summary>Runs the tool <paramref name="args"/> name and returns its exit code; null when they name none (start the service).</summary>
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (HealthProbe.IsRequested(args))
            return await HealthProbe.RunAsync(args);
        if (args is ["check-aof", var directory, ..] && args.Skip(2).All(a => a == "--fix"))
            return AofCheck.Run(LocalFileSystem.Instance, directory, args.Contains("--fix"), Console.Out);
        if (args is [SnapshotRestore.Command, var dataDirectory, var snapshot])
            return SnapshotRestore.Run(LocalFileSystem.Instance, dataDirectory, snapshot, Console.Out);
        return null;
    }
}
