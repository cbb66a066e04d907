// The C# scenario: Lodestone driven through the client Kiota generated from the service's own
// OpenAPI document (into Generated/, namespace Lodestone.Generated), with no hand edits to either.
// Usage: dotnet Scenario.dll <base url> <API key>
// Prints one line per step and exits 0 only when every step passed.
using System.Globalization;
using Lodestone.Generated;
using Lodestone.Generated.Models;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;

if (args is not [var baseUrl, var apiKey])
{
    Console.Error.WriteLine("Usage: dotnet Scenario.dll <base url> <API key>");
    return 2;
}

using var adapter = new HttpClientRequestAdapter(new BearerApiKey(apiKey)) { BaseUrl = baseUrl.TrimEnd('/') };
var client = new LodestoneClient(adapter);
var prefix = $"generated-cs:{Guid.NewGuid():N}:";
var passed = 0;
var failed = 0;

await Step("strings: put and get with If-None-Match and If-Match", async () =>
{
    var key = prefix + "greeting";
    var put = Inspect();
    var created = await client.Strings[key].PutAsync(new SetStringRequest { Value = "hello" }, c =>
    {
        c.Headers.Add("If-None-Match", "*");
        c.Options.Add(put);
    });
    Expect(created?.Value == "hello", $"PUT If-None-Match: * stored 'hello', got '{created?.Value}'");
    var etag = Header(put.ResponseHeaders, "ETag");

    var again = await Refused<ProblemDetails>(() => client.Strings[key].PutAsync(new SetStringRequest { Value = "again" },
        c => c.Headers.Add("If-None-Match", "*")));
    Expect(again.ResponseStatusCode == 412 && again.Code == "PRECONDITION", $"a second If-None-Match: * is 412 PRECONDITION, got {again.ResponseStatusCode} {again.Code}");

    var got = Inspect();
    var entry = await client.Strings[key].GetAsync(c => c.Options.Add(got));
    Expect(entry?.Value == "hello" && Header(got.ResponseHeaders, "ETag") == etag, "GET returns the value and the ETag of the PUT");

    var cached = await client.Strings[key].GetAsync(c => c.Headers.Add("If-None-Match", etag));
    Expect(cached is null, "GET If-None-Match: <current ETag> is 304 Not Modified: no entry");

    var replace = Inspect();
    var replaced = await client.Strings[key].PutAsync(new SetStringRequest { Value = "world" }, c =>
    {
        c.Headers.Add("If-Match", etag);
        c.Options.Add(replace);
    });
    var newEtag = Header(replace.ResponseHeaders, "ETag");
    Expect(replaced?.Value == "world" && newEtag != etag, "PUT If-Match: <current ETag> replaces the value and changes the ETag");

    var stale = await Refused<ProblemDetails>(() => client.Strings[key].PutAsync(new SetStringRequest { Value = "lost update" },
        c => c.Headers.Add("If-Match", etag)));
    Expect(stale.ResponseStatusCode == 412 && stale.Code == "PRECONDITION", $"PUT If-Match: <stale ETag> is 412 PRECONDITION, got {stale.ResponseStatusCode} {stale.Code}");
    Expect((await client.Strings[key].GetAsync())?.Value == "world", "the stale PUT changed nothing");

    await client.Strings[key].DeleteAsync();
    var gone = await Refused<ProblemDetails>(() => client.Strings[key].GetAsync());
    Expect(gone.ResponseStatusCode == 404, $"GET after DELETE is 404, got {gone.ResponseStatusCode}");
});

await Step("lists: push right, pop left", async () =>
{
    var key = prefix + "queue";
    var pushed = await client.Lists[key].Right.PostAsync(new PushRequest { Items = ["first", "second", "third"] });
    Expect(pushed?.Length == 3, $"RPUSH of 3 items: length 3, got {pushed?.Length}");
    var one = await client.Lists[key].Left.Pop.PostAsync();
    Expect(one?.Items is ["first"], $"LPOP: [first], got [{string.Join(", ", one?.Items ?? [])}]");
    var two = await client.Lists[key].Left.Pop.PostAsync(c => c.QueryParameters.Count = 2);
    Expect(two?.Items is ["second", "third"], $"LPOP count=2: [second, third], got [{string.Join(", ", two?.Items ?? [])}]");
});

await Step("hashes: an object round trip", async () =>
{
    var key = prefix + "user:1";
    var profile = new Dictionary<string, object> { ["name"] = "Ada Lovelace", ["lang"] = "en", ["born"] = "1815" };
    await client.Hashes[key].PutAsync(new SetHashRequest { Fields = new() { AdditionalData = profile } });
    var hash = await client.Hashes[key].GetAsync();
    var fields = (hash?.Fields?.AdditionalData ?? new Dictionary<string, object>())
        .ToDictionary(field => field.Key, field => Text(field.Value));
    Expect(fields.Count == profile.Count && profile.All(field => fields.GetValueOrDefault(field.Key) == (string)field.Value),
        $"HGETALL returns the object as written, got {{{string.Join(", ", fields.Select(f => $"{f.Key}: {f.Value}"))}}}");
});

await Step("zsets: a leaderboard range with inf bounds, paged", async () =>
{
    var key = prefix + "leaderboard";
    var added = await client.Zsets[key].Members.PostAsync(new ZAddRequest
    {
        Members =
        [
            new() { Member = "ann", Score = new() { Double = 120 } },
            new() { Member = "bob", Score = new() { Double = 75.5 } },
            new() { Member = "cy", Score = new() { Double = 98 } },
            new() { Member = "disqualified", Score = new() { String = "-inf" } },
        ],
    });
    // ZADD answers a count, or with INCR a member's score: the client reads whichever came.
    Expect(added?.ZAddResult?.Count == 4, $"ZADD of 4 new members: count 4, got {added?.ZAddResult?.Count}");
    var top = await client.Zsets[key].Members.GetAsync(c =>
    {
        c.QueryParameters.By = "score";
        c.QueryParameters.Min = "-inf";
        c.QueryParameters.Max = "+inf";
        c.QueryParameters.Reverse = true;
        c.QueryParameters.Limit = 3;
    });
    var board = string.Join(", ", (top?.Members ?? []).Select(m => $"{m.Member}={Score(m)}"));
    Expect(board == "ann=120, cy=98, bob=75.5", $"the top 3 from +inf down: ann=120, cy=98, bob=75.5, got {board}");
    Expect(top?.Next is not null, "the page says there is more");

    var rest = await client.Zsets[key].Members.GetAsync(c =>
    {
        c.QueryParameters.By = "score";
        c.QueryParameters.Min = "-inf";
        c.QueryParameters.Max = "+inf";
        c.QueryParameters.Reverse = true;
        c.QueryParameters.Limit = 3;
        c.QueryParameters.Page = top!.Next;
    });
    var last = string.Join(", ", (rest?.Members ?? []).Select(m => $"{m.Member}={Score(m)}"));
    Expect(last == "disqualified=-inf" && rest?.Next is null, $"the next page: disqualified=-inf and no more, got {last}");
});

await Step("locks: acquire, extend and release, with fencing tokens", async () =>
{
    var name = prefix + "nightly-report";
    var grant = await client.Locks[name].PostAsync(new AcquireLockRequest { TtlMs = 30_000 });
    Expect(grant is { FencingToken: > 0, Owner.Length: > 0, TtlMs: 30_000 }, "acquire grants the lock with a fencing token and an owner token");

    var busy = await Refused<ProblemDetails>(() => client.Locks[name].PostAsync(new AcquireLockRequest { TtlMs = 30_000, Owner = "someone-else" }));
    Expect(busy.ResponseStatusCode == 409 && !string.IsNullOrEmpty(busy.Code), $"a second owner is refused with 409 and a code, got {busy.ResponseStatusCode} {busy.Code}");

    var extended = await client.Locks[name].PatchAsync(new ExtendLockRequest { Owner = grant!.Owner, TtlMs = 60_000 });
    Expect(extended is { TtlMs: 60_000 } && extended.FencingToken == grant.FencingToken, "extend renews the lease and keeps the fencing token");

    await client.Locks[name].DeleteAsync(c => c.QueryParameters.Owner = grant.Owner);
    var next = await client.Locks[name].PostAsync(new AcquireLockRequest { TtlMs = 30_000, Owner = "someone-else" });
    Expect(next?.FencingToken > grant.FencingToken, $"after release the next grant's fencing token is greater: {next?.FencingToken} > {grant.FencingToken}");
    await client.Locks[name].DeleteAsync(c => c.QueryParameters.Owner = "someone-else");
});

await Step("ratelimits: throttle until 429, headers read from the typed client", async () =>
{
    var key = prefix + "api-calls";
    var limit = new RateLimitRequest { MaxBurst = 2, Count = 1, PeriodMs = 60_000 };
    // Kiota's retry handler would wait out a 429's Retry-After: this scenario wants to see the 429.
    var noRetry = new RetryHandlerOption { ShouldRetry = (_, _, _) => false };
    var admitted = new List<long?>();
    RateLimitDecision? refused = null;
    for (var attempt = 0; attempt < 10 && refused is null; attempt++)
    {
        try
        {
            var headers = Inspect();
            var decision = await client.Ratelimits[key].PostAsync(limit, c =>
            {
                c.Options.Add(noRetry);
                c.Options.Add(headers);
            });
            Expect(decision?.Limited == false && Header(headers.ResponseHeaders, "RateLimit").Contains($"r={decision.Remaining}", StringComparison.Ordinal),
                "an admitted request's RateLimit header says what remains");
            admitted.Add(decision?.Remaining);
        }
        catch (RateLimitDecision limited)
        {
            refused = limited;
        }
    }
    Expect(admitted is [2, 1, 0], $"3 requests admitted (burst of 3), remaining 2, 1, 0; got [{string.Join(", ", admitted)}]");
    Expect(refused is { ResponseStatusCode: 429, Limited: true, RetryAfterMs: > 0 }, "the 4th is refused: 429, limited, with a retry time");
    var retryAfter = long.Parse(Header(refused!.ResponseHeaders, "Retry-After"), CultureInfo.InvariantCulture);
    Expect(retryAfter * 1000 >= refused.RetryAfterMs, $"Retry-After ({retryAfter} s) is not before retryAfterMs ({refused.RetryAfterMs})");
    Expect(Header(refused.ResponseHeaders, "RateLimit-Policy") == "\"default\";q=3;w=180", $"RateLimit-Policy names the limit of 3, got {Header(refused.ResponseHeaders, "RateLimit-Policy")}");
    Expect(Header(refused.ResponseHeaders, "RateLimit").StartsWith("\"default\";r=0;", StringComparison.Ordinal), "RateLimit says nothing remains");
});

await Step("errors: the problem's code, read from the typed problem", async () =>
{
    var key = prefix + "not-a-string";
    await client.Lists[key].Right.PostAsync(new PushRequest { Items = ["x"] });
    var problem = await Refused<ProblemDetails>(() => client.Strings[key].GetAsync());
    Expect(problem.ResponseStatusCode == 409 && problem.Status == 409, $"GET of a list as a string is 409, got {problem.ResponseStatusCode}");
    Expect(problem.Code == "WRONGTYPE", $"the problem carries Redis's error code WRONGTYPE, got '{problem.Code}'");
});

Console.WriteLine($"C# scenario: {passed}/{passed + failed} steps passed");
return failed == 0 ? 0 : 1;

async Task Step(string name, Func<Task> body)
{
    try
    {
        await body();
        passed++;
        Console.WriteLine($"ok   {name}");
    }
    catch (Exception failure)
    {
        failed++;
        Console.WriteLine($"FAIL {name}: {failure.GetType().Name}: {failure.Message}");
        if (failure is not ScenarioFailure)
            Console.WriteLine(failure);
    }
}

static void Expect(bool condition, string what)
{
    if (!condition)
        throw new ScenarioFailure(what);
}

/// <summary>The typed problem the call must throw (the generated client maps each error status to one).</summary>
static async Task<TProblem> Refused<TProblem>(Func<Task> call) where TProblem : ApiException
{
    try
    {
        await call();
    }
    catch (TProblem problem)
    {
        return problem;
    }
    throw new ScenarioFailure($"expected {typeof(TProblem).Name}, but the call succeeded");
}

/// <summary>Asks Kiota's headers inspection handler to keep the response's headers for this request.</summary>
static HeadersInspectionHandlerOption Inspect() => new() { InspectResponseHeaders = true };

static string Header(IDictionary<string, IEnumerable<string>> headers, string name) =>
    headers.FirstOrDefault(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault()
        ?? throw new ScenarioFailure($"no {name} header in the response");

/// <summary>A score is a number, or "inf" / "-inf" (JSON has no infinities).</summary>
static string Score(ZMember member) =>
    member.Score?.Double?.ToString(CultureInfo.InvariantCulture) ?? member.Score?.String ?? "none";

/// <summary>An additional-data value as Kiota deserialized it: a string, or an untyped JSON string node.</summary>
static string? Text(object value) => value switch
{
    string text => text,
    Microsoft.Kiota.Abstractions.Serialization.UntypedString untyped => untyped.GetValue(),
    _ => value.ToString(),
};

sealed class ScenarioFailure(string message) : Exception(message);

/// <summary>
/// The service takes its API key as a bearer token. Kiota's own bearer and API-key providers refuse
/// plain http, which a service on loopback speaks, so the scenario sends the header itself.
/// </summary>
sealed class BearerApiKey(string apiKey) : IAuthenticationProvider
{
    public Task AuthenticateRequestAsync(RequestInformation request, Dictionary<string, object>? additionalAuthenticationContext = null,
        CancellationToken cancellationToken = default)
    {
        request.Headers.Add("Authorization", $"Bearer {apiKey}");
        return Task.CompletedTask;
    }
}
