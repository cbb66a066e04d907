using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Engine;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lodestone.Api.Endpoints;

/// <summary><c>/admin/hotkeys</c> and <c>/admin/bigkeys</c>: which keys are used most, and which are largest.</summary>
public static partial class AdminEndpoints
{
    private const int MaxHotKeys = Executor.MaxHotKeys;
    private const int MaxBigKeys = 100;

    private static void MapMemory(RouteGroupBuilder group)
    {
        group.MapGet("/hotkeys", GetHotKeys)
            .Describe("getHotKeys", null, "GET /admin/hotkeys?count=10",
                $"The most accessed keys with estimated access counts and rates (a count-min sketch with a top-{MaxHotKeys} list, halved every {Executor.HotKeysHalfLifeMs / 1000} s), hottest first; with an LFU policy also each key's LFU counter. count: 1 to {MaxHotKeys}, default 10. Keys are text, or base64 when not UTF-8 or with ?encoding=base64.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/bigkeys", GetBigKeys)
            .Describe("getBigKeys", null, "GET /admin/bigkeys?type=&count=5",
                $"Walks the keyspace (in slices of at most 1 ms, so commands go on) and reports per type the key count and the largest keys by elements and by estimated bytes, like redis-cli --bigkeys --memkeys. type: string, list, set, hash, zset or lock (default: all); count: 1 to {MaxBigKeys}, default 5.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task<Results<Ok<HotKeysResult>, ProblemHttpResult>> GetHotKeys(Executor executor, HttpRequest request, string? count = null)
    {
        if (ParseCount(count, 10, MaxHotKeys) is not { } wanted)
            return Problems.Of(ErrorKind.BadRequest, $"count must be an integer from 1 to {MaxHotKeys}.");
        var base64 = BinaryText.Requested(request);
        var hot = await executor.HotKeysAsync(wanted);
        return TypedResults.Ok(new HotKeysResult(
            executor.MaxMemoryPolicy.Name(), Executor.HotKeysHalfLifeMs / 1000.0,
            hot.Select(k => Item(k.Key, base64, (text, encoding) =>
                new HotKeyItem(text, k.Type.Name(), k.EstimatedAccesses, Math.Round(k.AccessesPerSecond, 2), k.LfuFrequency, encoding))).ToList()));
    }

    private static async Task<Results<Ok<BigKeysResult>, ProblemHttpResult>> GetBigKeys(Executor executor, HttpRequest request, string? type = null, string? count = null)
    {
        var only = RedisType.None;
        if (type is not null && !RedisTypeNames.TryParse(type, out only))
            return Problems.Of(ErrorKind.BadRequest, "type must be one of string, list, set, hash, zset, lock.");
        if (ParseCount(count, 5, MaxBigKeys) is not { } wanted)
            return Problems.Of(ErrorKind.BadRequest, $"count must be an integer from 1 to {MaxBigKeys}.");
        var base64 = BinaryText.Requested(request);
        var report = await executor.BigKeysAsync(only, wanted);
        BigKeyItem Big(BigKey k) => Item(k.Key, base64, (text, encoding) => new BigKeyItem(text, k.Elements, k.EstimatedBytes, encoding));
        return TypedResults.Ok(new BigKeysResult(
            report.KeysScanned, report.Slices, Math.Round(report.Elapsed.TotalMilliseconds, 3),
            report.Types.Select(t => new BigKeysTypeItem(t.Type.Name(), t.Keys, t.TotalElements, t.TotalBytes,
                t.LargestByElements.Select(Big).ToList(), t.LargestByBytes.Select(Big).ToList())).ToList()));
    }

    private static int? ParseCount(string? text, int fallback, int max) =>
        text is null ? fallback
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max ? n
        : null;

    private static T Item<T>(byte[] key, bool base64, Func<string, string?, T> create)
    {
        var encoding = BinaryText.Choose(base64, key);
        return create(BinaryText.Encode(key, encoding), encoding);
    }
}
