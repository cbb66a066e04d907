using Lodestone.Engine.Keyspace;

namespace Lodestone.Engine.Types;

/// <summary>A member of a sorted set with its score.</summary>
internal readonly record struct ScoredMember(byte[] Member, double Score);

/// <summary>
/// A range of scores, as ZRANGEBYSCORE takes it: each end inclusive, or exclusive with <c>(</c>.
/// </summary>
internal readonly record struct ScoreRange(double Min, bool MinExclusive, double Max, bool MaxExclusive);

/// <summary>One end of a lexicographic range: <c>-</c> (below everything), <c>+</c> (above everything), or a member, inclusive (<c>[</c>) or exclusive (<c>(</c>).</summary>
internal readonly record struct LexBound(byte[]? Value, bool Exclusive, int Infinity)
{
    public static LexBound Minimum => new(null, true, -1);

    public static LexBound Maximum => new(null, true, 1);

    /// <summary>Redis's sdscmplex: the order of member bytes, with <c>-</c> and <c>+</c> at the ends.</summary>
    public int CompareTo(ReadOnlySpan<byte> member) =>
        Infinity != 0 ? Infinity : Value.AsSpan().SequenceCompareTo(member);

    /// <summary>sdscmplex between two bounds: equal ends compare equal, <c>-</c> below and <c>+</c> above everything else.</summary>
    public int CompareTo(in LexBound other)
    {
        if (Infinity != 0 && Infinity == other.Infinity)
            return 0;
        if (Infinity == -1 || other.Infinity == 1)
            return -1;
        if (Infinity == 1 || other.Infinity == -1)
            return 1;
        return Value.AsSpan().SequenceCompareTo(other.Value);
    }
}

/// <summary>A lexicographic range, as ZRANGEBYLEX takes it.</summary>
internal readonly record struct LexRange(LexBound Min, LexBound Max)
{
    /// <summary>Nothing can be in it (Redis's check before any walk): min above max, or equal with either end exclusive.</summary>
    public bool IsEmpty
    {
        get
        {
            var comparison = Min.CompareTo(Max);
            return comparison > 0 || (comparison == 0 && (Min.Exclusive || Max.Exclusive));
        }
    }

    /// <summary>Redis's zslLexValueGteMin: <paramref name="member"/> is at or above the lower end.</summary>
    public bool AboveMin(ReadOnlySpan<byte> member) => Min.Exclusive ? Min.CompareTo(member) < 0 : Min.CompareTo(member) <= 0;

    /// <summary>Redis's zslLexValueLteMax: <paramref name="member"/> is at or below the upper end.</summary>
    public bool BelowMax(ReadOnlySpan<byte> member) => Max.Exclusive ? Max.CompareTo(member) > 0 : Max.CompareTo(member) >= 0;
}

/// <summary>
/// A Redis sorted set: members (binary strings) ordered by score, ties by member bytes. A skip list
/// keeps the order (O(log N) insert, remove, rank, and O(log N + M) ranges); a <see cref="ByteMap{TValue}"/>
/// from member to skip-list node answers score and membership in O(1), samples at random and backs
/// ZSCAN's cursor. Members are never changed once stored, so they may be shared with replies.
/// </summary>
/// <remarks>
/// Scores are never NaN (the commands refuse it) and a score of -0 is stored as 0, so that the
/// order of equal scores, and how they print, do not depend on the sign of zero — except in a set
/// made only to be replied (<see cref="KeepsNegativeZero"/>: ZUNION's, as Redis's prints "-0").
/// </remarks>
internal sealed class SortedSetValue : IValue
{
    private readonly ByteMap<SkipList.Node> _members = new();
    private readonly SkipList _order = new();

    public int Count => _order.Count;

    /// <summary>Buckets in the member table.</summary>
    public int BucketCount => _members.BucketCount;

    /// <summary>The skip-list levels of every element, walked one by one (O(N), for checks of the memory estimate).</summary>
    public long CountLevels()
    {
        long levels = 0;
        for (var node = _order.First; node is not null; node = node.Next)
            levels += node.Levels.Length;
        return levels;
    }

    long IValue.Length => Count;

    /// <summary>The map (whose keys are the members, shared with the nodes) and the skip list's nodes and levels.</summary>
    public long EstimatedBytes =>
        Keyspace.MemoryModel.SortedSetObjectBytes + _members.EstimatedBytes
        + Count * Keyspace.MemoryModel.SkipListNodeBytes + _order.LevelCount * Keyspace.MemoryModel.SkipListLevelBytes;

    public bool TryGetScore(ReadOnlySpan<byte> member, out double score)
    {
        if (_members.TryGetValue(member, out var node))
        {
            score = node.Score;
            return true;
        }
        score = 0;
        return false;
    }

    /// <summary>
    /// A set that is only replied, never stored: its scores keep the sign of a zero, as Redis's
    /// ZUNION, ZINTER and ZDIFF reply "-0" (a stored set, like a listpack, holds 0).
    /// </summary>
    public bool KeepsNegativeZero { get; init; }

    /// <summary>Adds <paramref name="member"/> or gives it a new score; true when it was new. O(log N).</summary>
    public bool Set(byte[] member, double score)
    {
        // Adding 0 turns -0 into 0 and leaves every other score as it is.
        if (!KeepsNegativeZero)
            score += 0.0;
        if (_members.TryGetValue(member, out var node))
        {
            if (node.Score != score)
                _order.UpdateScore(node, score);
            return false;
        }
        _members.Set(member, _order.Insert(score, member));
        return true;
    }

    /// <summary>Removes <paramref name="member"/>; false when it is not in the set. O(log N).</summary>
    public bool Remove(ReadOnlySpan<byte> member)
    {
        if (!_members.Remove(member, out var node))
            return false;
        _order.Remove(node);
        return true;
    }

    /// <summary>The 0-based rank of <paramref name="member"/> (from the highest when <paramref name="reverse"/>), or -1. O(log N).</summary>
    public int RankOf(ReadOnlySpan<byte> member, bool reverse, out double score)
    {
        score = 0;
        if (!_members.TryGetValue(member, out var node))
            return -1;
        score = node.Score;
        var rank = _order.RankOf(node);
        return reverse ? Count - 1 - rank : rank;
    }

    /// <summary>
    /// The elements from 0-based ascending rank <paramref name="start"/>, <paramref name="count"/> of
    /// them, walking up (or down when <paramref name="descending"/>). O(log N + M).
    /// </summary>
    public IEnumerable<ScoredMember> Range(int start, int count, bool descending)
    {
        if (count <= 0 || start < 0 || start >= Count)
            yield break;
        for (var node = _order.AtRank(start); node is not null && count > 0; count--)
        {
            yield return new ScoredMember(node.Member, node.Score);
            node = descending ? node.Backward : node.Next;
        }
    }

    /// <summary>Every element, lowest first. Do not change the set while enumerating.</summary>
    public IEnumerable<ScoredMember> All() => Range(0, Count, descending: false);

    /// <summary>The ascending ranks of <paramref name="range"/>: [Start, End). O(log N).</summary>
    public (int Start, int End) RanksOf(in ScoreRange range) =>
        (_order.CountWhile(new BelowScore(range.Min, orEqual: range.MinExclusive)),
         _order.CountWhile(new BelowScore(range.Max, orEqual: !range.MaxExclusive)));

    /// <summary>
    /// The ascending ranks of <paramref name="range"/>: [Start, End), as Redis walks its small sets
    /// (the listpack's zzlFirstInLexRange / zzlLastInLexRange), at every size. Forward: empty when the
    /// last member (in score order) is below the range or the first above it; otherwise from the first
    /// member at or above min, if that one is not above max, while members stay at or below max.
    /// <paramref name="reverse"/> mirrors it from the end (ZREVRANGEBYLEX, ZRANGE … BYLEX REV). When all
    /// scores are equal the members are in byte order and this is a binary search, O(log N); with mixed
    /// scores (an order Redis leaves unspecified) it is a walk, O(N) — and never yields a member outside
    /// [min, max].
    /// </summary>
    public (int Start, int End) RanksOf(in LexRange range, bool reverse = false)
    {
        if (Count == 0 || range.IsEmpty || !range.AboveMin(_order.Last!.Member) || !range.BelowMax(_order.First!.Member))
            return (0, 0);
        if (_order.First.Score == _order.Last.Score)
        {
            var (start, end) = (_order.CountWhile(new BelowLex(range.Min, orEqual: range.Min.Exclusive)),
                _order.CountWhile(new BelowLex(range.Max, orEqual: !range.Max.Exclusive)));
            return start < end ? (start, end) : (0, 0);
        }
        return reverse ? WalkDown(range) : WalkUp(range);
    }

    private (int Start, int End) WalkUp(in LexRange range)
    {
        var rank = 0;
        var node = _order.First;
        while (node is not null && !range.AboveMin(node.Member))
        {
            node = node.Next;
            rank++;
        }
        if (node is null || !range.BelowMax(node.Member))
            return (0, 0);
        var start = rank;
        while (node is not null && range.BelowMax(node.Member))
        {
            node = node.Next;
            rank++;
        }
        return (start, rank);
    }

    private (int Start, int End) WalkDown(in LexRange range)
    {
        var rank = Count - 1;
        var node = _order.Last;
        while (node is not null && !range.BelowMax(node.Member))
        {
            node = node.Backward;
            rank--;
        }
        if (node is null || !range.AboveMin(node.Member))
            return (0, 0);
        var end = rank + 1;
        while (node is not null && range.AboveMin(node.Member))
        {
            node = node.Backward;
            rank--;
        }
        return (rank + 1, end);
    }

    /// <summary>Removes the elements of ascending ranks <paramref name="start"/> to <paramref name="end"/> inclusive. O(log N + M).</summary>
    public int RemoveRange(int start, int end) =>
        start > end ? 0 : _order.RemoveRange(start, end, node => _members.Remove(node.Member));

    /// <summary>Removes and returns the lowest (or highest) element. The set must not be empty.</summary>
    public ScoredMember Pop(bool highest)
    {
        var node = (highest ? _order.Last : _order.First) ?? throw new InvalidOperationException("Pop from an empty sorted set.");
        _members.Remove(node.Member);
        _order.Remove(node);
        return new ScoredMember(node.Member, node.Score);
    }

    /// <summary>A random element (O(1) expected, as Redis's dictGetFairRandomKey). The set must not be empty.</summary>
    public ScoredMember Random(Random random)
    {
        var (member, node) = _members.Random(random);
        return new ScoredMember(member, node.Score);
    }

    /// <summary>One ZSCAN step: adds a bucket's elements and returns the next cursor (0 when done).</summary>
    public ulong Scan(ulong cursor, List<ScoredMember> into)
    {
        var found = new List<KeyValuePair<byte[], SkipList.Node>>();
        var next = _members.Scan(cursor, found);
        foreach (var (member, node) in found)
            into.Add(new ScoredMember(member, node.Score));
        return next;
    }

    public IValue DeepCopy()
    {
        var copy = new SortedSetValue();
        foreach (var element in All())
            copy.Set(element.Member, element.Score);
        return copy;
    }

    /// <summary>Nodes below a score: score &lt; bound, or ≤ with <c>orEqual</c> (Redis's zslValueGteMin / zslValueLteMax).</summary>
    private readonly struct BelowScore(double bound, bool orEqual) : SkipList.IBelow
    {
        public bool IsBelow(SkipList.Node node) => orEqual ? node.Score <= bound : node.Score < bound;
    }

    /// <summary>Nodes below a lex bound: member &lt; bound, or ≤ with <c>orEqual</c> (Redis's zslLexValueGteMin / zslLexValueLteMax).</summary>
    private readonly struct BelowLex(LexBound bound, bool orEqual) : SkipList.IBelow
    {
        public bool IsBelow(SkipList.Node node)
        {
            var comparison = bound.CompareTo(node.Member);
            return orEqual ? comparison >= 0 : comparison > 0;
        }
    }
}
