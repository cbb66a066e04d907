using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lodestone.Client;

/// <summary>A lock granted by one Lodestone node (the body of <c>201</c> from <c>POST /locks/{name}</c>).</summary>
/// <param name="FencingToken">Strictly greater than every earlier grant of the lock on that node.</param>
public sealed record LockGrant(string Name, string Owner, long FencingToken, DateTimeOffset ExpiresAt, long TtlMs);

/// <summary>A reply the client cannot turn into an answer: an error status other than the lock's own 409.</summary>
public sealed class LodestoneException(HttpStatusCode status, string message) : Exception(message)
{
    /// <summary>The HTTP status of the refused request.</summary>
    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// The <c>/locks</c> resource of one Lodestone node. The <see cref="HttpClient"/> is the caller's: its
/// base address is the node, and its default headers carry the API key if the node wants one.
/// </summary>
/// <remarks>
/// A lock someone else holds is an answer, not a failure: acquire returns null, extend, release and
/// fence return false. Anything else (a bad request, a refused key, a node in trouble) throws
/// <see cref="LodestoneException"/>; a node that does not answer throws what <see cref="HttpClient"/> throws.
/// </remarks>
public sealed class LockClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The node this client talks to.</summary>
    public Uri? Node => http.BaseAddress;

    /// <summary>Takes the lock for <paramref name="ttl"/>, waiting in line up to <paramref name="wait"/>; null if someone else has it.</summary>
    /// <param name="owner">Your owner token; the node makes a random one when null.</param>
    public async Task<LockGrant?> TryAcquireAsync(string name, TimeSpan ttl, string? owner = null, TimeSpan wait = default, CancellationToken cancellationToken = default)
    {
        var body = new { ttlMs = Milliseconds(ttl), waitMs = Milliseconds(wait), owner };
        using var response = await http.PostAsJsonAsync(PathOf(name), body, Json, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
            return null;
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<LockGrant>(Json, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renews the owner's lease to <paramref name="ttl"/> from now; null if the owner no longer holds the lock.</summary>
    public async Task<LockGrant?> ExtendAsync(string name, string owner, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, PathOf(name))
        {
            Content = JsonContent.Create(new { owner, ttlMs = Milliseconds(ttl) }, options: Json),
        };
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
            return null;
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<LockGrant>(Json, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases the owner's lock; false if the owner did not hold it (any more).</summary>
    public async Task<bool> ReleaseAsync(string name, string owner, CancellationToken cancellationToken = default)
    {
        using var response = await http.DeleteAsync($"{PathOf(name)}?owner={Uri.EscapeDataString(owner)}", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
            return false;
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Whether <paramref name="fencingToken"/> is still the lock's latest grant (or newer) on this node.</summary>
    public async Task<bool> FenceAsync(string name, long fencingToken, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync($"{PathOf(name)}/fence", new { fencingToken }, Json, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
            return false;
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// LOCK.RAISE on the command endpoint: the holder lifts the lock's fencing token to at least
    /// <paramref name="fencingToken"/>. Returns the token the lock now has, or null if the owner does
    /// not hold it.
    /// </summary>
    public async Task<long?> RaiseAsync(string name, string owner, long fencingToken, CancellationToken cancellationToken = default)
    {
        string[] command = ["LOCK.RAISE", name, owner, fencingToken.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        using var response = await http.PostAsJsonAsync("/commands", command, Json, cancellationToken).ConfigureAwait(false);
        var reply = await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode && reply.TryGetProperty("result", out var result) && result.TryGetInt64(out var token))
            return token;
        var error = reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("error", out var text) ? text.GetString() : null;
        if (error is not null && error.StartsWith("NOTOWNER", StringComparison.Ordinal))
            return null;
        throw new LodestoneException(response.StatusCode, $"LOCK.RAISE on {Node}: {error ?? response.ReasonPhrase}");
    }

    private static string PathOf(string name) => "/locks/" + Uri.EscapeDataString(name);

    private static long Milliseconds(TimeSpan span) => (long)Math.Ceiling(span.TotalMilliseconds);

    private async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return;
        // A problem-details body says what was wrong; say that rather than the bare status.
        var detail = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        throw new LodestoneException(response.StatusCode, $"{(int)response.StatusCode} from {Node}: {detail}");
    }
}
