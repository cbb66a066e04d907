using Lodestone.Api.Endpoints;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Validation;
using Microsoft.Extensions.Options;

if (HealthProbe.IsRequested(args))
    return await HealthProbe.RunAsync(args);
if (args is ["check-aof", var directory, ..] && args.Skip(2).All(a => a == "--fix"))
    return Lodestone.Engine.Persistence.AofCheck.Run(Lodestone.Engine.Persistence.LocalFileSystem.Instance, directory, args.Contains("--fix"), Console.Out);
if (args is [Lodestone.Engine.Persistence.SnapshotRestore.Command, var dataDirectory, var snapshot])
    return Lodestone.Engine.Persistence.SnapshotRestore.Run(Lodestone.Engine.Persistence.LocalFileSystem.Instance, dataDirectory, snapshot, Console.Out);

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddLodestoneSettings();

builder.AddLodestoneLogging();
builder.Services.AddLodestoneEngine(builder.Configuration);
builder.Services.AddLodestonePersistence(builder.Configuration);
builder.Services.AddLodestoneForwardedHeaders(builder.Configuration);
builder.Services.AddLodestoneAuth(builder.Configuration);
builder.Services.AddLodestoneRateLimiting(builder.Configuration);
builder.Services.AddStrictJson();
builder.Services.AddLodestoneValidation();
builder.Services.AddLodestoneProblems();
builder.Services.AddExceptionHandler<ExceptionToProblem>();
builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
builder.Services.AddLodestoneCors(builder.Configuration);
builder.Services.AddLodestoneCompression();
builder.Services.AddLodestoneOpenApi();
builder.Services.AddLodestoneHealth();
builder.Services.AddLodestoneObservability();
builder.Services.AddLodestoneMetrics();

WebApplication app;
try
{
    app = builder.Build();
    // Every setting now, before the pipeline below reads some of them (the server's limits are read
    // while building): a bad value is the message below, not an unhandled exception.
    app.Services.GetService<IStartupValidator>()?.Validate();
}
catch (Exception invalid) when (Settings.ValidationFailures(invalid) is { } failures)
{
    return await InvalidConfigurationAsync(failures);
}

// First of all, as ASP.NET Core places it: only a configured proxy's X-Forwarded-For names the client.
app.UseLodestoneForwardedHeaders();
// Outermost after that, so each request is logged with the status the client got (a bad body is a 400, not the
// exception's 500); it also gives an error without a body its problem details (as UseStatusCodePages).
app.UseLodestoneRequestLogging();
app.UseExceptionHandler();
// Inside the exception handler, whose problem bodies are small; around everything that writes a body.
app.UseLodestoneCompression();
// Inside the exception handler, so a routing failure (an ambiguous match) is a problem, not a bare 500.
app.UseRouting();
app.UseProtectedMode();
app.UseBodySizeLimit();
app.UseLodestoneCors(app.Configuration);
app.UseLodestoneAuth(between: RateLimiting.UseLodestoneRateLimiting);
app.UseContentNegotiation();

app.MapLodestoneDocs();
app.MapLodestoneHealth();
app.MapStrings();
app.MapKeys();
app.MapSets();
app.MapHashes();
app.MapLists();
app.MapZSets();
app.MapLocks();
app.MapRateLimits();
app.MapCommands();
app.MapAdmin();
app.MapMetrics();
app.AnswerHeadWhereGet();

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
    return 3;
}

static async Task<int> InvalidConfigurationAsync(IEnumerable<string> failures)
{
    await Console.Error.WriteLineAsync($"Lodestone did not start: invalid configuration. {string.Join(" ", failures)}");
    return 2;
}

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
