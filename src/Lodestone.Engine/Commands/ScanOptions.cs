using Lodestone.Engine.Execution;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Commands;

/// <summary>
/// The options of SCAN and its per-type forms (SSCAN, HSCAN, ZSCAN): <c>[MATCH pattern] [COUNT count]</c>,
/// and <c>[TYPE type]</c> for SCAN, in any order, as Redis's scanGenericCommand parses them.
/// </summary>
internal readonly record struct ScanOptions(long Count, byte[]? Pattern, string? TypeName)
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
        options = new ScanOptions(count, pattern is null || GlobPattern.MatchesAll(pattern) ? null : pattern, typeName);
        return null;
    }

    /// <summary>How many buckets one call may visit: ten per element asked for, as Redis bounds it (saturating).</summary>
    public long MaxBuckets => Count > long.MaxValue / 10 ? long.MaxValue : Count * 10;

    /// <summary>Whether an element passes MATCH (always, without a pattern or with "*").</summary>
    public bool Matches(ReadOnlySpan<byte> element) => Pattern is null || GlobPattern.IsMatch(Pattern, element);
}
