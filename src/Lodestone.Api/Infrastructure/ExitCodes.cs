using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// How the service ends when it cannot start: one line on standard error naming the cause, and an
/// exit code a supervisor can act on — never an unhandled exception's stack trace.
/// </summary>
internal static class ExitCodes
{
    /// <summary>A setting is invalid (the line names each one).</summary>
    public const int InvalidConfiguration = 2;

    /// <summary>The address to listen on is taken.</summary>
    public const int AddressInUse = 3;

    /// <summary>
    /// Builds the app and validates every setting now, before the pipeline reads some of them (the
    /// server's limits are read while building). Null, after writing why, when a setting is invalid.
    /// </summary>
    public static async Task<WebApplication?> BuildValidatedAsync(this WebApplicationBuilder builder)
    {
        try
        {
            var app = builder.Build();
            app.Services.GetService<IStartupValidator>()?.Validate();
            return app;
        }
        catch (Exception invalid) when (Settings.ValidationFailures(invalid) is { } failures)
        {
            await InvalidConfigurationAsync(failures);
            return null;
        }
    }

    /// <summary>Runs the service until it stops; returns the process's exit code.</summary>
    public static async Task<int> RunToExitCodeAsync(this WebApplication app)
    {
        try
        {
            await app.RunAsync();
            return Environment.ExitCode;
        }
        catch (Exception invalid) when (Settings.ValidationFailures(invalid) is { } failures)
        {
            return await InvalidConfigurationAsync(failures);
        }
        catch (OperationCanceledException) when (Environment.ExitCode != 0)
        {
            // Recovery refused the data files while the host was still starting; the reason is logged.
            return Environment.ExitCode;
        }
        catch (IOException cannotListen) when (cannotListen.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            await Console.Error.WriteLineAsync($"Lodestone did not start: {cannotListen.Message} Set another address with --Urls or Urls in appsettings.json.");
            return AddressInUse;
        }
    }

    private static async Task<int> InvalidConfigurationAsync(IEnumerable<string> failures)
    {
        await Console.Error.WriteLineAsync($"Lodestone did not start: invalid configuration. {string.Join(" ", failures)}");
        return InvalidConfiguration;
    }
}
