using System.Runtime.CompilerServices;

namespace Lodestone.Engine.Types;

/// <summary>
/// Redis's skip list (t_zset.c, after William Pugh): the ordered half of a sorted set. Nodes are
/// ordered by score, then by member bytes; every forward link records its span (how many nodes it
/// passes), so rank lookups, access by rank and counts below a bound are O(log N) expected, and a
/// range of M nodes from a rank is O(log N + M).
/// </summary>
/// <remarks>
/// Design note. As in Redis: levels are drawn with p = 1/4 up to 32; only level 0 is doubly linked
/// (<see cref="Node.Backward"/>), for reverse walks. Unlike Redis, a node that changes score is
/// unlinked and relinked as the same object, so the member → node index of
/// <see cref="SortedSetValue"/> never has to be updated. The search paths (<c>update</c>, <c>rank</c>)
/// are inline arrays on the stack: no allocation per operation and nothing shared between the engine
/// threads of several executors.
/// </remarks>
internal sealed class SkipList
{
    public const int MaxLevel = 32;

    private readonly Node _header = new([], 0, MaxLevel);
    private Node? _tail;
    private int _level = 1;

    public int Count { get; private set; }

    /// <summary>The levels of all nodes together (for the memory estimate).</summary>
    public long LevelCount { get; private set; }

    /// <summary>The lowest node (rank 0), or null when empty.</summary>
    public Node? First => _header.Levels[0].Forward;

    /// <summary>The highest node, or null when empty.</summary>
    public Node? Last => _tail;

    /// <summary>Adds a node for a member that is not in the list.</summary>
    public Node Insert(double score, byte[] member)
    {
        var node = new Node(member, score, RandomLevel());
        Link(node);
        return node;
    }

    /// <summary>Unlinks <paramref name="node"/> (which must be in this list).</summary>
    public void Remove(Node node)
    {
        var update = default(NodePath);
        FindPath(node.Score, node.Member, ref update, out _);
        Unlink(node, ref update);
    }

    /// <summary>Gives <paramref name="node"/> a new score, moving it if its place changes (Redis's zslUpdateScore).</summary>
    public void UpdateScore(Node node, double score)
    {
        // Still between its neighbours: change the score in place, no relinking.
        if ((node.Backward is null || node.Backward.Score < score) &&
            (node.Levels[0].Forward is not { } next || next.Score > score))
        {
            node.Score = score;
            return;
        }
        Remove(node);
        node.Score = score;
        Link(node);
    }

    /// <summary>The 0-based rank of <paramref name="node"/>, counting from the lowest.</summary>
    public int RankOf(Node node)
    {
        var x = _header;
        var rank = 0;
        for (var i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } next && Compare(next, node.Score, node.Member) <= 0)
            {
                rank += x.Levels[i].Span;
                x = next;
            }
            if (ReferenceEquals(x, node))
                return rank - 1;
        }
        throw new InvalidOperationException("The node is not in this skip list.");
    }

    /// <summary>The node at 0-based <paramref name="rank"/> (0 ≤ rank &lt; Count).</summary>
    public Node AtRank(int rank)
    {
        var wanted = rank + 1;
        var x = _header;
        var traversed = 0;
        for (var i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } next && traversed + x.Levels[i].Span <= wanted)
            {
                traversed += x.Levels[i].Span;
                x = next;
            }
            if (traversed == wanted)
                return x;
        }
        throw new ArgumentOutOfRangeException(nameof(rank), rank, "No node at that rank.");
    }

    /// <summary>
    /// How many nodes come before the first node that <paramref name="bound"/> does not hold below — walking
    /// the list as Redis's zslFirstInRange does, which for a predicate monotone in the order is the
    /// number of nodes below the bound.
    /// </summary>
    public int CountWhile<TBound>(in TBound bound) where TBound : struct, IBelow
    {
        var x = _header;
        var count = 0;
        for (var i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } next && bound.IsBelow(next))
            {
                count += x.Levels[i].Span;
                x = next;
            }
        }
        return count;
    }

    /// <summary>
    /// Removes the nodes of 0-based ranks <paramref name="start"/> to <paramref name="end"/> inclusive
    /// in O(log N + M) and hands each to <paramref name="removed"/> (Redis's zslDeleteRangeByRank).
    /// </summary>
    public int RemoveRange(int start, int end, Action<Node> removed)
    {
        var update = default(NodePath);
        var x = _header;
        var traversed = 0;
        for (var i = _level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } next && traversed + x.Levels[i].Span <= start)
            {
                traversed += x.Levels[i].Span;
                x = next;
            }
            update[i] = x;
        }
        var count = 0;
        var node = x.Levels[0].Forward;
        while (node is not null && traversed <= end)
        {
            var next = node.Levels[0].Forward;
            Unlink(node, ref update);
            removed(node);
            count++;
            traversed++;
            node = next;
        }
        return count;
    }

    /// <summary>A predicate on nodes that is true for a prefix of the list (those below a bound).</summary>
    public interface IBelow
    {
        bool IsBelow(Node node);
    }

    /// <summary>Redis's order: by score, then by member bytes (memcmp, then length).</summary>
    private static int Compare(Node node, double score, byte[] member)
    {
        if (node.Score < score)
            return -1;
        if (node.Score > score)
            return 1;
        return node.Member.AsSpan().SequenceCompareTo(member);
    }

    /// <summary>For each level, the last node before (score, member); and the rank of each.</summary>
    private void FindPath(double score, byte[] member, ref NodePath update, out RankPath rank)
    {
        rank = default;
        var x = _header;
        for (var i = _level - 1; i >= 0; i--)
        {
            rank[i] = i == _level - 1 ? 0 : rank[i + 1];
            while (x.Levels[i].Forward is { } next && Compare(next, score, member) < 0)
            {
                rank[i] += x.Levels[i].Span;
                x = next;
            }
            update[i] = x;
        }
    }

    /// <summary>Links a node (new, or unlinked by <see cref="UpdateScore"/>) at its place (Redis's zslInsert).</summary>
    private void Link(Node node)
    {
        var update = default(NodePath);
        FindPath(node.Score, node.Member, ref update, out var rank);
        var level = node.Levels.Length;
        if (level > _level)
        {
            for (var i = _level; i < level; i++)
            {
                rank[i] = 0;
                update[i] = _header;
                _header.Levels[i].Span = Count;
            }
            _level = level;
        }
        for (var i = 0; i < level; i++)
        {
            var before = update[i]!;
            node.Levels[i].Forward = before.Levels[i].Forward;
            before.Levels[i].Forward = node;
            node.Levels[i].Span = before.Levels[i].Span - (rank[0] - rank[i]);
            before.Levels[i].Span = rank[0] - rank[i] + 1;
        }
        for (var i = level; i < _level; i++)
            update[i]!.Levels[i].Span++;

        node.Backward = ReferenceEquals(update[0], _header) ? null : update[0];
        if (node.Levels[0].Forward is { } following)
            following.Backward = node;
        else
            _tail = node;
        Count++;
        LevelCount += level;
    }

    /// <summary>Unlinks a node given the search path that ends before it (Redis's zslDeleteNode).</summary>
    private void Unlink(Node node, ref NodePath update)
    {
        for (var i = 0; i < _level; i++)
        {
            var before = update[i]!;
            if (ReferenceEquals(before.Levels[i].Forward, node))
            {
                before.Levels[i].Span += node.Levels[i].Span - 1;
                before.Levels[i].Forward = node.Levels[i].Forward;
            }
            else
            {
                before.Levels[i].Span--;
            }
        }
        if (node.Levels[0].Forward is { } following)
            following.Backward = node.Backward;
        else
            _tail = node.Backward;
        while (_level > 1 && _header.Levels[_level - 1].Forward is null)
            _level--;
        Count--;
        LevelCount -= node.Levels.Length;
        // Clear the links so a relinked node starts clean and a removed one holds nothing alive.
        Array.Clear(node.Levels);
        node.Backward = null;
    }

    private static int RandomLevel()
    {
        var level = 1;
        // p = 1/4: each further level with probability 0.25, as ZSKIPLIST_P.
        while (level < MaxLevel && (Random.Shared.Next() & 0xFFFF) < 0xFFFF / 4)
            level++;
        return level;
    }

    /// <summary>A member, its score and its links.</summary>
    internal sealed class Node(byte[] member, double score, int level)
    {
        public byte[] Member { get; } = member;

        public double Score { get; set; } = score;

        /// <summary>The previous node on level 0, or null for the first.</summary>
        public Node? Backward { get; set; }

        public Level[] Levels { get; } = new Level[level];

        /// <summary>The next node on level 0, or null for the last.</summary>
        public Node? Next => Levels[0].Forward;
    }

    /// <summary>One forward link: where it goes and how many nodes it passes.</summary>
    internal struct Level
    {
        public Node? Forward;
        public int Span;
    }

    [InlineArray(MaxLevel)]
    private struct NodePath
    {
        private Node? _first;
    }

    [InlineArray(MaxLevel)]
    private struct RankPath
    {
        private int _first;
    }
}
