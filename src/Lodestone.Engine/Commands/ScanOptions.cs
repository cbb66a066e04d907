using Lodestone.Engine.Execution;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Commands;

/// <summary>
/// The options of SCAN and its per-type forms (SSCAN, HSCAN, ZSCAN): <c>[MATCH pattern] [COUNT count]</c>,
/// and <c>[TYPE type]</c> for SCAN, in any order, as Redis's scanGenericCommand parses them.
/// </summary>
internal readonly record struct ScanOptions(long Count, GlobPattern? Pattern, string? TypeName)
{
    /// <summary>Largest COUNT accepted: one call does at most ten buckets per element asked for on the engine thread. Differs from Redis, which caps nothing.</summary>
    public const long MaxCount = 100_000;

    /// <summary>Parses the options from argument <paramref name="first"/> on.</summary>
    public static EngineError? Parse(CommandContext ctx, int first, bool allowType, out ScanOptions options)
    {
        long count = 10;
        byte[]? pattern = null;
        string? typeName = null;
        options = default;
        for (var i = first; i < ctx.ArgCount; i++)
        {
            var hasValue = i + 1 < ctx.ArgCount;
            if (ctx.ArgIs(i, "COUNT") && hasValue)
            {
                if (!ctx.TryInt64(++i, out count))
                    return Errors.NotInteger;
                if (count < 1)
                    return Errors.Syntax;
                if (count > MaxCount)
                    return Errors.ScanCountTooLarge;
            }
            else if (ctx.ArgIs(i, "MATCH") && hasValue)
            {
                pattern = ctx.Args[++i];
                if (GlobPattern.Refusal(pattern) is { } why)
                    return Errors.PatternTooComplex(why);
            }
            else if (allowType && ctx.ArgIs(i, "TYPE") && hasValue)
            {
                typeName = ctx.ArgText(++i);
            }
            else
            {
                return Errors.Syntax;
            }
        }
        options = new ScanOptions(count, pattern is null || GlobPattern.MatchesAll(pattern) ? null : GlobPattern.Compile(pattern), typeName);
        return null;
    }

    /// <summary>
    /// The most matcher steps one call may spend on MATCH before it returns (with a cursor to go on
    /// from): a few milliseconds of the engine thread. The pattern caps and the compiled matcher bound
    /// the cost per element (about one pass over it), but not per call: COUNT 100000 over long keys
    /// under a pattern such as <c>*a?b*</c> would still hold the engine for the whole walk. Differs
    /// from Redis, which bounds only the buckets visited.
    /// </summary>
    public const long MaxMatchSteps = 4_000_000;

    /// <summary>How many buckets one call may visit: ten per element asked for, as Redis bounds it (saturating).</summary>
    public long MaxBuckets => Count > long.MaxValue / 10 ? long.MaxValue : Count * 10;

    /// <summary>
    /// One SCAN-family call, as Redis's scanGenericCommand: visits buckets from <paramref name="cursor"/>
    /// (<paramref name="scanBucket"/> adds one bucket's elements and returns the next cursor) until
    /// COUNT elements were visited (each counting <paramref name="weight"/>: a field and its value are
    /// two), <see cref="MaxBuckets"/> buckets, or <see cref="MaxMatchSteps"/> matcher steps — the
    /// bucket under way is always finished, so every call makes progress. The visited elements that
    /// pass MATCH are added to <paramref name="matched"/>.
    /// </summary>
    /// <param name="steps">The matcher steps the call spent (for tests of the bound).</param>
    /// <returns>The cursor to continue from; 0 when the iteration is complete.</returns>
    public ulong Walk<T>(ulong cursor, Func<ulong, List<T>, ulong> scanBucket, Func<T, byte[]> name, List<T> matched, out long steps, int weight = 1)
    {
        var bucket = new List<T>();
        var visited = 0L;
        var buckets = MaxBuckets;
        steps = 0;
        do
        {
            bucket.Clear();
            cursor = scanBucket(cursor, bucket);
            visited += bucket.Count * (long)weight;
            foreach (var element in bucket)
            {
                if (Pattern is null || Pattern.IsMatch(name(element), ref steps))
                    matched.Add(element);
            }
        }
        while (cursor != 0 && buckets-- > 0 && visited < Count && steps < MaxMatchSteps);
        return cursor;
    }
}
