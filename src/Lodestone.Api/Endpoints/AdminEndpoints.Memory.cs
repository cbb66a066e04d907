using System.Diagnostics;
using System.Globalization;
using Lodestone.Api.Contracts;
using Lodestone.Api.Errors;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Diagnostics;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lodestone.Api.Endpoints;

/// <summary><c>/admin/hotkeys</c> and <c>/admin/bigkeys</c>: which keys are used most, and which are largest (HOTKEYS, BIGKEYS).</summary>
internal static partial class AdminEndpoints
{
    private const int MaxHotKeys = KeyStatistics.MaxHotKeys;
    private const int MaxBigKeys = KeyStatistics.MaxBigKeys;

    private static void MapMemory(RouteGroupBuilder group)
    {
        group.MapGet("/hotkeys", GetHotKeys)
            .Describe("getHotKeys", "HOTKEYS",
                $"The most accessed keys with estimated access counts and rates (a count-min sketch with a top-{MaxHotKeys} list, halved every {Executor.HotKeysHalfLifeMs / 1000} s), hottest first; with an LFU policy also each key's LFU counter. count: 1 to {MaxHotKeys}, default 10. Keys are text, or base64 when not UTF-8 or with ?encoding=base64.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/bigkeys", GetBigKeys)
            .Describe("getBigKeys", "BIGKEYS",
                $"Walks the keyspace (BIGKEYS from cursor 0 until it is 0 again, each call a slice of at most 1 ms, so commands go on) and reports per type the key count and the largest keys by elements and by estimated bytes, like redis-cli --bigkeys --memkeys. type: string, list, set, hash, zset or lock (default: all); count: 1 to {MaxBigKeys}, default 5.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task<Results<Ok<HotKeysResult>, ProblemHttpResult>> GetHotKeys(EngineClient engine, HttpRequest request, string? count = null)
    {
        if (ParseCount(count, 10, MaxHotKeys) is not { } wanted)
            return Problems.Of(ErrorKind.BadRequest, $"count must be an integer from 1 to {MaxHotKeys}.");
        var base64 = BinaryText.Requested(request);
        var replies = await engine.RunBatchAsync([
            [Bytes("HOTKEYS"), Bytes("COUNT"), Bytes(wanted.ToString(CultureInfo.InvariantCulture))],
            [Bytes("CONFIG"), Bytes("GET"), Bytes("maxmemory-policy")],
        ]);
        if (replies[0].IsProblem(out var problem) || replies[1].IsProblem(out problem))
            return problem;
        return TypedResults.Ok(new HotKeysResult(
            ConfigMap(replies[1])["maxmemory-policy"], Executor.HotKeysHalfLifeMs / 1000.0,
            replies[0].AsItems().Select(map =>
            {
                // key, type, accesses, accesses-per-second, lfu-freq: HOTKEYS's fields, in its order.
                var f = map.AsItems();
                return Item(f[1].AsBulk().ToArray(), base64, (text, encoding) =>
                    new HotKeyItem(text, Text(f[3]), f[5].AsInteger(), Math.Round(f[7].AsDouble(), 2), f[9].IsNull ? null : (int)f[9].AsInteger(), encoding));
            }).ToList()));
    }

    private static async Task<Results<Ok<BigKeysResult>, ProblemHttpResult>> GetBigKeys(EngineClient engine, HttpRequest request, string? type = null, string? count = null)
    {
        if (type is not null && !RedisTypeNames.TryParse(type, out _))
            return Problems.Of(ErrorKind.BadRequest, "type must be one of string, list, set, hash, zset, lock.");
        if (ParseCount(count, 5, MaxBigKeys) is not { } wanted)
            return Problems.Of(ErrorKind.BadRequest, $"count must be an integer from 1 to {MaxBigKeys}.");
        var base64 = BinaryText.Requested(request);
        var started = Stopwatch.GetTimestamp();
        var tally = new BigKeysTally(wanted);
        var cursor = "0";
        do
        {
            // One call per slice: other callers' commands run between them.
            byte[][] args = type is null
                ? [Bytes("BIGKEYS"), Bytes(cursor), Bytes("COUNT"), Bytes(wanted.ToString(CultureInfo.InvariantCulture))]
                : [Bytes("BIGKEYS"), Bytes(cursor), Bytes("TYPE"), Bytes(type), Bytes("COUNT"), Bytes(wanted.ToString(CultureInfo.InvariantCulture))];
            var reply = await engine.RunAsync(args);
            if (reply.IsProblem(out var problem))
                return problem;
            cursor = tally.AddReply(reply).ToString(CultureInfo.InvariantCulture);
        }
        while (cursor != "0");
        BigKeyItem Big(Lodestone.Engine.BigKey k) => Item(k.Key, base64, (text, encoding) => new BigKeyItem(text, k.Elements, k.EstimatedBytes, encoding));
        return TypedResults.Ok(new BigKeysResult(
            tally.Keys, tally.Slices, Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3),
            tally.Types.Select(t => new BigKeysTypeItem(t.Type.Name(), t.Keys, t.TotalElements, t.TotalBytes,
                t.LargestByElements.Select(Big).ToList(), t.LargestByBytes.Select(Big).ToList())).ToList()));
    }

    private static int? ParseCount(string? text, int fallback, int max) =>
        text is null ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max ? n
        : null;

    private static T Item<T>(byte[] key, bool base64, Func<string, string?, T> create)
    {
        var encoding = BinaryText.Choose(base64, key);
        return create(BinaryText.Encode(key, encoding), encoding);
    }
}
