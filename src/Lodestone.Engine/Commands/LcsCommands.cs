using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>LCS: the longest common subsequence of two strings (Redis 7's, from t_string.c).</summary>
/// <remarks>
/// Design note. The classic dynamic-programming table of LCS lengths, (|a|+1)·(|b|+1) 32-bit cells,
/// then one walk back from its corner that builds the subsequence and, for IDX, the matching ranges
/// from the last to the first — exactly Redis's walk, so its ranges (and its quirks: a match that
/// breaks a range is not the start of the next one) are the same. The table is bounded as Redis bounds
/// it: more than proto-max-bulk-len bytes is refused before anything is allocated.
/// </remarks>
internal static class LcsCommands
{
    /// <summary>LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]</summary>
    /// <remarks>
    /// O(N·M). Missing keys are empty strings; a key that is not a string is refused with Redis's own
    /// message (not WRONGTYPE). LEN replies the length; IDX a map of the matches (each
    /// <c>[[a-start, a-end], [b-start, b-end]]</c>, plus the length with WITHMATCHLEN, last match first,
    /// shorter than MINMATCHLEN left out) and <c>len</c>; otherwise the subsequence itself.
    /// </remarks>
    [Command("LCS", -3, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 2,
        Syntax = "LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]", Summary = "Finds the longest common substring.",
        Complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively", Group = "string", Since = "7.0.0")]
    public static Reply Lcs(CommandContext ctx)
    {
        var first = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var second = ctx.Keyspace.Lookup(ctx.Arg(2), ctx.Access);
        if ((first is not null && first.Value is not StringValue) || (second is not null && second.Value is not StringValue))
            return Errors.LcsNotStrings;
        var a = first?.Value is StringValue sa ? sa.Span : [];
        var b = second?.Value is StringValue sb ? sb.Span : [];

        bool getLength = false, getIndexes = false, withMatchLength = false;
        long minMatchLength = 0;
        for (var j = 3; j < ctx.ArgCount; j++)
        {
            if (ctx.ArgIs(j, "IDX"))
                getIndexes = true;
            else if (ctx.ArgIs(j, "LEN"))
                getLength = true;
            else if (ctx.ArgIs(j, "WITHMATCHLEN"))
                withMatchLength = true;
            else if (ctx.ArgIs(j, "MINMATCHLEN") && j + 1 < ctx.ArgCount)
            {
                if (!ctx.TryInt64(j + 1, out minMatchLength))
                    return Errors.NotInteger;
                minMatchLength = Math.Max(0, minMatchLength);
                j++;
            }
            else
            {
                return Errors.Syntax;
            }
        }
        if (getIndexes && getLength)
            return Errors.LcsLenAndIdx;

        var width = b.Length + 1;
        var cells = (long)(a.Length + 1) * width;
        if (cells * sizeof(uint) > ctx.Options.ProtoMaxBulkLen || cells > Array.MaxLength)
            return Errors.LcsTooMuchMemory;
        var table = new uint[cells];
        for (var i = 1; i <= a.Length; i++)
        {
            for (var k = 1; k <= b.Length; k++)
            {
                table[(i * width) + k] = a[i - 1] == b[k - 1]
                    ? table[((i - 1) * width) + k - 1] + 1
                    : Math.Max(table[((i - 1) * width) + k], table[(i * width) + k - 1]);
            }
        }
        var length = table[(a.Length * width) + b.Length];
        if (getLength)
            return Reply.Integer(length);

        // Redis's walk back from the corner: the subsequence from its end, and the ranges of matches.
        var result = new byte[length];
        var matches = new List<Reply>();
        var idx = (int)length;
        var noRange = a.Length;
        int aStart = noRange, aEnd = 0, bStart = 0, bEnd = 0;
        int x = a.Length, y = b.Length;
        while (x > 0 && y > 0)
        {
            var emit = false;
            if (a[x - 1] == b[y - 1])
            {
                result[idx - 1] = a[x - 1];
                if (aStart == noRange)
                {
                    (aStart, aEnd, bStart, bEnd) = (x - 1, x - 1, y - 1, y - 1);
                }
                else if (aStart == x && bStart == y)
                {
                    aStart--;
                    bStart--;
                }
                else
                {
                    emit = true;
                }
                if (aStart == 0 || bStart == 0)
                    emit = true;
                idx--;
                x--;
                y--;
            }
            else
            {
                if (table[((x - 1) * width) + y] > table[(x * width) + y - 1])
                    x--;
                else
                    y--;
                if (aStart != noRange)
                    emit = true;
            }
            if (!emit)
                continue;
            var matchLength = aEnd - aStart + 1;
            if (getIndexes && (minMatchLength == 0 || matchLength >= minMatchLength))
            {
                var range = new List<Reply>
                {
                    Reply.Array([Reply.Integer(aStart), Reply.Integer(aEnd)]),
                    Reply.Array([Reply.Integer(bStart), Reply.Integer(bEnd)]),
                };
                if (withMatchLength)
                    range.Add(Reply.Integer(matchLength));
                matches.Add(Reply.Array([.. range]));
            }
            aStart = noRange;
        }
        if (getIndexes)
            return Reply.Map([Reply.Bulk("matches"), Reply.Array([.. matches]), Reply.Bulk("len"), Reply.Integer(length)]);
        return Reply.Bulk(result);
    }
}
