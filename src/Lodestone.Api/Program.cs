using Lodestone.Api.Endpoints;
using Lodestone.Api.Errors;
using Lodestone.Api.Failover;
using Lodestone.Api.Infrastructure;
using Lodestone.Api.Validation;

if (await CommandLineTools.TryRunAsync(args) is { } toolExitCode)
    return toolExitCode;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddLodestoneSettings();

builder.AddLodestoneLogging();
builder.Services.AddLodestoneEngine(builder.Configuration);
builder.Services.AddLodestonePersistence(builder.Configuration);
builder.Services.AddLodestoneReplication(builder.Configuration);
builder.Services.AddLodestoneFailover(builder.Configuration);
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

if (await builder.BuildValidatedAsync() is not { } app)
    return ExitCodes.InvalidConfiguration;
await app.RestoreFailoverStateAsync();

// First of all, as ASP.NET Core places it: only a configured proxy's X-Forwarded-For names the client.
app.UseLodestoneForwardedHeaders();
// Node-to-node traffic of a failover group (Raft, heartbeats): answered here, with the cluster key, before anything else.
app.UseLodestoneFailover();
// Set as each response starts, so every response carries the sync token (and a replica's offset and lag), whoever made it.
app.UseReplicationHeaders();
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
app.UseReplicaRedirect();
// After the redirect (a replica's writes go to the primary): Lodestone-Wait holds a write's response for replicas' acks.
app.UseReplicaWait();
app.UseReadYourWrites();
app.UseContentNegotiation();
// For GET /ws; a keep-alive frame every 15 s, so proxies do not close a quiet socket.
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });

app.MapLodestoneDocs();
app.MapLodestoneHealth();
app.MapStrings();
app.MapKeys();
app.MapSets();
app.MapHashes();
app.MapLists();
app.MapZSets();
app.MapGeo();
app.MapStreams();
app.MapChannels();
app.MapLocks();
app.MapRateLimits();
app.MapCommands();
app.MapWebSockets();
app.MapAdmin();
app.MapReplication();
app.MapFailover();
app.MapMetrics();
app.AnswerHeadWhereGet();

return await app.RunToExitCodeAsync();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
