using System.Collections.Concurrent;

// The ceiling: the same routes and JSON shapes as Lodestone's /strings, on the same Kestrel, backed
// by a ConcurrentDictionary — no engine thread, no log, no validation, no auth, no request logging.
// What Lodestone loses against this is what its engine hop and its safety cost over bare HTTP.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
var store = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);

app.MapGet("/strings/{key}", (string key) =>
    store.TryGetValue(key, out var value)
        ? Results.Ok(new StringEntry(key, value, null))
        : Results.NotFound());

app.MapPut("/strings/{key}", (string key, SetBody body) =>
{
    var created = true;
    store.AddOrUpdate(key, body.Value, (_, _) =>
    {
        created = false;
        return body.Value;
    });
    var entry = new StringEntry(key, body.Value, body.TtlMs);
    return created ? Results.Created($"/strings/{Uri.EscapeDataString(key)}", entry) : Results.Ok(entry);
});

app.Run();

internal sealed record SetBody(string Value, long? TtlMs);

internal sealed record StringEntry(string Key, string Value, long? TtlMs);
