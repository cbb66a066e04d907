using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;

namespace Lodestone.Api.Endpoints;

/// <summary>
/// HTTP semantics on keys, shared by every resource family (ARCHITECTURE.md §5): ETag = key version,
/// If-Match / If-None-Match → engine preconditions, TTL reporting, key URLs.
/// </summary>
internal static class KeyHttp
{
    public const string TtlHeader = "Lodestone-Ttl-Ms";

    /// <summary>
    /// Runs a command on the route's key under the request's conditional headers (see
    /// <see cref="TryPrecondition(HttpRequest, out KeyCondition?, out ProblemHttpResult?)"/>), reporting the
    /// key's state before and after. Awaiting it gives the result and the problem, set when the headers
    /// are malformed or the engine replied with an error.
    /// </summary>
    /// <param name="read">A read: only If-Match is a precondition (If-None-Match means 304, see <see cref="IsNotModified"/>).</param>
    public static KeyRun RunAsync(EngineClient engine, HttpContext http, RouteKey target, byte[][] args, bool read = false) =>
        TryPrecondition(http.Request, includeIfNoneMatch: !read, out var condition, out var invalid)
            ? new KeyRun(engine.ExecuteAsync(args, target.Bytes, condition), null)
            : new KeyRun(null, invalid);

    /// <summary>
    /// What <see cref="RunAsync"/> returns: the engine's task seen as (result, problem). An awaitable
    /// struct rather than an async method, so the endpoints' own await is the only one between them
    /// and the engine (each async layer costs an allocation and a continuation per request).
    /// </summary>
    public readonly struct KeyRun(Task<CommandResult>? pending, ProblemHttpResult? invalid)
    {
        public Awaiter GetAwaiter() => new(pending, invalid);

        public readonly struct Awaiter(Task<CommandResult>? pending, ProblemHttpResult? invalid) : ICriticalNotifyCompletion
        {
            public bool IsCompleted => pending is null || pending.IsCompleted;

            public (CommandResult Result, ProblemHttpResult? Problem) GetResult()
            {
                if (pending is null)
                    return (default, invalid);
                var result = pending.GetAwaiter().GetResult();
                return result.Reply.IsProblem(out var problem) ? (result, problem) : (result, null);
            }

            public void OnCompleted(Action continuation) => pending!.GetAwaiter().OnCompleted(continuation);

            public void UnsafeOnCompleted(Action continuation) => pending!.GetAwaiter().UnsafeOnCompleted(continuation);
        }
    }

    /// <summary>What a key read does when the key is missing.</summary>
    public enum Missing
    {
        /// <summary>404 naming the key.</summary>
        NotFound,

        /// <summary>Go on: the family reads a missing key as empty (a list range, a member test).</summary>
        Empty,
    }

    /// <summary>The answer to a read whose If-None-Match matches.</summary>
    public static StatusCodeHttpResult NotModified { get; } = TypedResults.StatusCode(StatusCodes.Status304NotModified);

    /// <summary>
    /// The read pipeline of every route that reads a key, in one order: the request's If-Match (a
    /// precondition, 412) → the command → an error reply as its problem → a missing key (404, unless
    /// <paramref name="missing"/> says the family reads it as empty) → the ETag and TTL headers →
    /// If-None-Match (304). Awaiting it gives a <see cref="KeyRead"/>: a problem, not-modified, or the
    /// result to build the body from. (An awaitable struct, like <see cref="RunAsync"/>: no async
    /// layer of its own on the hot read path.)
    /// </summary>
    public static KeyReadRun ReadAsync(EngineClient engine, HttpContext http, RouteKey target, byte[][] args, Missing missing = Missing.NotFound) =>
        new(RunAsync(engine, http, target, args, read: true), http, target, engine.Time, missing);

    /// <summary>What <see cref="ReadAsync"/> gives: the command's result and the TTL it reported, or the response to give instead.</summary>
    public readonly record struct KeyRead(CommandResult Result, long? TtlMs, ProblemHttpResult? Problem, bool IsNotModified)
    {
        public Reply Reply => Result.Reply;
    }

    public readonly struct KeyReadRun(KeyRun run, HttpContext http, RouteKey target, TimeProvider clock, Missing missing)
    {
        public Awaiter GetAwaiter() => new(run.GetAwaiter(), http, target, clock, missing);

        public readonly struct Awaiter(KeyRun.Awaiter inner, HttpContext http, RouteKey target, TimeProvider clock, Missing missing) : ICriticalNotifyCompletion
        {
            public bool IsCompleted => inner.IsCompleted;

            public KeyRead GetResult()
            {
                var (result, problem) = inner.GetResult();
                if (problem is not null)
                    return new KeyRead(result, null, problem, false);
                if (!result.After.Exists && missing == Missing.NotFound)
                    return new KeyRead(result, null, Problems.NoSuchKey(target.ToString()), false);
                var ttl = WriteEntityHeaders(http.Response, result.After, clock);
                return new KeyRead(result, ttl, null, IsNotModified(http.Request, result.After));
            }

            public void OnCompleted(Action continuation) => inner.OnCompleted(continuation);

            public void UnsafeOnCompleted(Action continuation) => inner.UnsafeOnCompleted(continuation);
        }
    }

    /// <summary>
    /// The precondition the request's conditional headers put on its key, for a write:
    /// <c>If-Match: *</c> = the key exists (XX), <c>If-Match: "v"</c> = it is at version v (compare-and-set),
    /// <c>If-None-Match: *</c> = it does not exist (NX), <c>If-None-Match: "v"</c> = it is not at version v.
    /// </summary>
    public static bool TryPrecondition(HttpRequest request, out KeyCondition? condition, out ProblemHttpResult? problem) =>
        TryPrecondition(request, includeIfNoneMatch: true, out condition, out problem);

    /// <summary>Whether a GET's If-None-Match matches the key's current version (weak comparison, RFC 9110).</summary>
    public static bool IsNotModified(HttpRequest request, KeyState state)
    {
        var header = request.Headers.IfNoneMatch;
        if (StringValues.IsNullOrEmpty(header) || !state.Exists)
            return false;
        foreach (var tag in Tags(header))
        {
            if (tag == "*" || Version(tag, weakAllowed: true) == state.Version)
                return true;
        }
        return false;
    }

    /// <summary>Sets ETag and the TTL header for an existing key; returns the TTL it reported, so a body can say the same.</summary>
    public static long? WriteEntityHeaders(HttpResponse response, KeyState state, TimeProvider clock)
    {
        if (!state.Exists)
            return null;
        response.Headers.ETag = ETag(state.Version);
        var ttl = TtlMs(state, clock);
        if (ttl is not null)
            response.Headers[TtlHeader] = ttl.Value.ToString(CultureInfo.InvariantCulture);
        return ttl;
    }

    public static string ETag(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>Milliseconds left before the key expires, or null without a TTL.</summary>
    public static long? TtlMs(KeyState state, TimeProvider clock) =>
        state.HasExpiry ? Math.Max(0, state.ExpireAtMs - clock.GetUtcNow().ToUnixTimeMilliseconds()) : null;

    public static KeyInfo Info(byte[] key, KeyState state, long? ttlMs, bool base64Requested)
    {
        var encoding = BinaryText.Choose(base64Requested, key);
        return new KeyInfo(BinaryText.Encode(key, encoding), state.Type.Name(), ttlMs, state.Version) { Encoding = encoding };
    }

    /// <summary>A key as one percent-encoded path segment (every byte outside RFC 3986's unreserved set is escaped).</summary>
    public static string PathSegment(ReadOnlySpan<byte> key)
    {
        var text = new StringBuilder(key.Length);
        foreach (var b in key)
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
                text.Append((char)b);
            else
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    /// <summary>The key's text for messages.</summary>
    public static string Display(byte[] key) => Encoding.UTF8.GetString(key);

    public static bool TryPrecondition(HttpRequest request, bool includeIfNoneMatch, out KeyCondition? condition, out ProblemHttpResult? problem)
    {
        condition = null;
        problem = null;
        var ifMatch = request.Headers.IfMatch;
        var ifNoneMatch = includeIfNoneMatch ? request.Headers.IfNoneMatch : StringValues.Empty;
        if (!StringValues.IsNullOrEmpty(ifMatch) && !StringValues.IsNullOrEmpty(ifNoneMatch))
        {
            problem = Problems.Of(ErrorKind.BadRequest, "Send If-Match or If-None-Match, not both.");
            return false;
        }
        var header = StringValues.IsNullOrEmpty(ifMatch) ? ifNoneMatch : ifMatch;
        if (StringValues.IsNullOrEmpty(header))
            return true;
        var tags = Tags(header).ToList();
        if (tags.Count != 1)
        {
            problem = Problems.Of(ErrorKind.BadRequest, "Conditional headers take one entity tag or *.");
            return false;
        }
        var matching = !StringValues.IsNullOrEmpty(ifMatch);
        if (tags[0] == "*")
        {
            condition = matching ? KeyCondition.Exists : KeyCondition.NotExists;
            return true;
        }
        // If-Match compares strongly (a weak tag never matches); an unparsable tag matches no version.
        var version = Version(tags[0], weakAllowed: !matching) ?? -1;
        condition = matching ? KeyCondition.VersionIs(version) : KeyCondition.VersionIsNot(version);
        return true;
    }

    private static IEnumerable<string> Tags(StringValues header) =>
        header.SelectMany(value => (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static long? Version(string tag, bool weakAllowed)
    {
        if (tag.StartsWith("W/", StringComparison.Ordinal))
        {
            if (!weakAllowed)
                return null;
            tag = tag[2..];
        }
        if (tag.Length < 3 || tag[0] != '"' || tag[^1] != '"')
            return null;
        return long.TryParse(tag.AsSpan(1, tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;
    }
}
