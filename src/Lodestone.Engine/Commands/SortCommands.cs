using System.Globalization;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>SORT and SORT_RO: a list's, set's or sorted set's elements, sorted, limited, looked up (Redis's sort.c).</summary>
/// <remarks>
/// Design note. The elements are loaded, given their sort keys (the element itself, or the string or
/// hash field a BY pattern names), sorted with Redis's comparison — numbers with ties broken by the
/// element's bytes, or bytes with ALPHA (the C locale's collation) — and the LIMIT window is then
/// replied or stored, each element replaced by what its GET patterns name. A BY pattern without
/// <c>*</c> does not sort: lists and sorted sets keep their order (a set is sorted as ALPHA when the
/// result is stored, so it does not depend on hash order). As in Redis, a caller whose API key is
/// scoped to key patterns may not use BY or GET patterns: they read keys the patterns do not name.
/// Differs from Redis: SORT is not @dangerous (here that would make it admin-only); the BY/GET rule
/// above is what @dangerous guards against.
/// </remarks>
internal static class SortCommands
{
    private const string Group = "generic";

    /// <summary>SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]</summary>
    /// <remarks>O(N+M·log(M)), N the elements, M those returned. STORE replaces the destination with a list (deleting it when empty) and replies its length.</remarks>
    [Command("SORT", -2, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, Categories = "@set @sortedset @list",
        Syntax = "SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]",
        Summary = "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
        Complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
        Group = Group, Since = "1.0.0")]
    public static Reply Sort(CommandContext ctx) => SortGeneric(ctx, readOnly: false);

    /// <summary>SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]</summary>
    /// <remarks>SORT without STORE, for read-only callers.</remarks>
    [Command("SORT_RO", -2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, Categories = "@set @sortedset @list",
        Syntax = "SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]",
        Summary = "Returns the sorted elements of a list, a set, or a sorted set.",
        Complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
        Group = Group, Since = "7.0.0")]
    public static Reply SortRo(CommandContext ctx) => SortGeneric(ctx, readOnly: true);

    private sealed class Item(byte[] element)
    {
        public byte[] Element { get; } = element;

        public double Score { get; set; }

        public byte[]? By { get; set; }
    }

    private static Reply SortGeneric(CommandContext ctx, bool readOnly)
    {
        bool descending = false, alpha = false, dontSort = false;
        long limitStart = 0, limitCount = -1;
        byte[]? sortBy = null, store = null;
        var gets = new List<byte[]>();
        var fullKeyAccess = ctx.User is not { IsScoped: true };
        for (var j = 2; j < ctx.ArgCount; j++)
        {
            var left = ctx.ArgCount - j - 1;
            if (ctx.ArgIs(j, "ASC"))
                descending = false;
            else if (ctx.ArgIs(j, "DESC"))
                descending = true;
            else if (ctx.ArgIs(j, "ALPHA"))
                alpha = true;
            else if (ctx.ArgIs(j, "LIMIT") && left >= 2)
            {
                if (!ctx.TryInt64(j + 1, out limitStart) || !ctx.TryInt64(j + 2, out limitCount))
                    return Errors.NotInteger;
                j += 2;
            }
            else if (!readOnly && ctx.ArgIs(j, "STORE") && left >= 1)
            {
                store = ctx.Args[++j];
                // The destination is a key the declaration's positions do not name: checked here.
                if (ctx.User is { } user && !user.MayAccess(store))
                    return Errors.NoPermissionForKey;
            }
            else if (ctx.ArgIs(j, "BY") && left >= 1)
            {
                sortBy = ctx.Args[++j];
                if (Array.IndexOf(sortBy, (byte)'*') < 0)
                    dontSort = true;
                else if (!fullKeyAccess)
                    return Errors.SortByDenied;
            }
            else if (ctx.ArgIs(j, "GET") && left >= 1)
            {
                if (!fullKeyAccess)
                    return Errors.SortGetDenied;
                gets.Add(ctx.Args[++j]);
            }
            else
            {
                return Errors.Syntax;
            }
        }

        var source = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (source is not null && source.Value is not (ListValue or SetValue or SortedSetValue))
            return Errors.WrongType;
        // A set's hash order is not for replaying: stored unsorted, it is sorted as ALPHA instead.
        if (dontSort && source?.Value is SetValue && store is not null)
            (dontSort, alpha, sortBy) = (false, true, null);

        var count = source?.Value switch
        {
            ListValue list => list.Count,
            SetValue set => set.Count,
            SortedSetValue zset => zset.Count,
            _ => 0,
        };
        long start = limitStart < 0 ? 0 : limitStart;
        long end = limitCount < 0 ? count - 1 : start + limitCount - 1;
        if (start >= count)
            (start, end) = (count - 1, count - 2);
        if (end >= count)
            end = count - 1;

        List<Item> items;
        if (dontSort && source?.Value is ListValue or SortedSetValue)
        {
            // Unsorted lists and sorted sets keep their order (from the end with DESC): only the window is loaded.
            items = [];
            if (end >= start)
            {
                var ordered = source.Value is ListValue list
                    ? Enumerable.Range(0, list.Count).Select(i => list[descending ? list.Count - 1 - i : i])
                    : ((SortedSetValue)source.Value).Range(descending ? count - 1 - (int)start : (int)start, (int)(end - start + 1), descending).Select(m => m.Member);
                items.AddRange((source.Value is ListValue ? ordered.Skip((int)start) : ordered).Take((int)(end - start + 1)).Select(e => new Item(e)));
            }
            (start, end) = (0, items.Count - 1);
        }
        else
        {
            items = (source?.Value switch
            {
                ListValue list => Enumerable.Range(0, list.Count).Select(i => list[i]),
                SetValue set => set.Members(),
                SortedSetValue zset => zset.All().Select(m => m.Member),
                _ => [],
            }).Select(e => new Item(e)).ToList();
        }

        if (!dontSort)
        {
            var notNumbers = false;
            foreach (var item in items)
            {
                var by = sortBy is null ? item.Element : Lookup(ctx, sortBy, item.Element);
                if (by is null)
                    continue;
                if (alpha)
                {
                    if (sortBy is not null)
                        item.By = by;
                }
                else if (!TryScore(by, out var score))
                {
                    notNumbers = true;
                }
                else
                {
                    item.Score = score;
                }
            }
            if (notNumbers)
                return Errors.SortNotNumbers;
            items.Sort((x, y) => Compare(x, y, alpha, sortBy is not null, descending));
        }

        var window = end >= start ? items.GetRange((int)start, (int)(end - start + 1)) : [];
        var output = new List<byte[]?>();
        foreach (var item in window)
        {
            if (gets.Count == 0)
                output.Add(item.Element);
            foreach (var pattern in gets)
                output.Add(Lookup(ctx, pattern, item.Element));
        }
        if (store is null)
            return Reply.Array([.. output.Select(value => value is null ? Reply.Null : Reply.Bulk(value))]);

        if (output.Count == 0)
        {
            if (ctx.Keyspace.Delete(store, ctx.Access))
                ctx.MarkDirty();
            return Reply.Zero;
        }
        var stored = new ListValue();
        foreach (var value in output)
            stored.PushTail(value ?? []);
        ctx.Keyspace.Overwrite(store, RedisType.List, stored, ctx.Access);
        ctx.MarkDirty(output.Count);
        return Reply.Integer(output.Count);
    }

    /// <summary>Redis's sortCompare: numbers with ties by the element's bytes, or bytes (ALPHA); missing BY values first.</summary>
    private static int Compare(Item x, Item y, bool alpha, bool byPattern, bool descending)
    {
        int comparison;
        if (!alpha)
        {
            comparison = x.Score.CompareTo(y.Score);
            if (x.Score == y.Score)
                comparison = x.Element.AsSpan().SequenceCompareTo(y.Element);
        }
        else if (byPattern)
        {
            comparison = x.By is null || y.By is null
                ? (x.By is null ? (y.By is null ? 0 : -1) : 1)
                : x.By.AsSpan().SequenceCompareTo(y.By);
        }
        else
        {
            comparison = x.Element.AsSpan().SequenceCompareTo(y.Element);
        }
        return Math.Sign(descending ? -comparison : comparison);
    }

    /// <summary>Redis's lookupKeyByPattern: "#" is the element; otherwise the first <c>*</c> is replaced by it and the string (or with <c>-&gt;field</c>, the hash field) read. Null when there is none.</summary>
    private static byte[]? Lookup(CommandContext ctx, byte[] pattern, byte[] element)
    {
        if (pattern is [(byte)'#'])
            return element;
        var star = Array.IndexOf(pattern, (byte)'*');
        if (star < 0)
            return null;
        var arrow = pattern.AsSpan(star + 1).IndexOf("->"u8);
        byte[]? field = null;
        var keyEnd = pattern.Length;
        if (arrow >= 0 && star + 1 + arrow + 2 < pattern.Length)
        {
            field = pattern[(star + 1 + arrow + 2)..];
            keyEnd = star + 1 + arrow;
        }
        var key = new byte[star + element.Length + (keyEnd - star - 1)];
        pattern.AsSpan(0, star).CopyTo(key);
        element.CopyTo(key, star);
        pattern.AsSpan(star + 1, keyEnd - star - 1).CopyTo(key.AsSpan(star + element.Length));
        var entry = ctx.Keyspace.Lookup(key, ctx.Access);
        if (field is not null)
            return entry?.Value is HashValue hash && hash.TryGet(field, out var value) ? value : null;
        return entry?.Value is StringValue text ? text.Span.ToArray() : null;
    }

    /// <summary>strtod over the whole text, as SORT reads a number (not NaN, not out of range).</summary>
    private static bool TryScore(byte[] text, out double score)
    {
        if (Text.RedisNumbers.TryParseDouble(text, out score))
            return !double.IsNaN(score);
        // strtod also takes leading spaces, which the score parser refuses.
        var trimmed = System.Text.Encoding.ASCII.GetString(text).TrimStart(' ', '\t', '\n', '\v', '\f', '\r');
        return trimmed.Length > 0 && trimmed.Length < text.Length && double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out score) && double.IsFinite(score);
    }
}
