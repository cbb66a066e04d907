namespace Lodestone.Engine.Types;

/// <summary>
/// A Redis stream (t_stream.c): entries ordered by id in compact <see cref="StreamBlock"/>s, plus the
/// counters Redis 7 keeps (last id, max deleted id, entries added, first id) and the consumer groups.
/// </summary>
/// <remarks>
/// Design note. Redis keeps a radix tree of listpacks keyed by each node's master id; here the
/// blocks sit in a list sorted by master id — entries only ever join the last block, so the list
/// only grows at its end, and finding the block of an id is a binary search: XRANGE is
/// O(log N + M). A block holds up to <see cref="BlockEntries"/> entries or about
/// <see cref="BlockBytes"/> bytes (stream-node-max-entries / -bytes). XDEL flags an entry deleted
/// and drops the block once all its entries are; trimming drops whole blocks from the head and, when
/// exact, flags entries of the next one — Redis's streamTrim, so the same arguments remove the same
/// entries. Unlike the other collections, a stream may exist with no entries (it keeps its last id
/// and its groups).
/// </remarks>
internal sealed class StreamValue : IValue
{
    /// <summary>Redis's stream-node-max-entries default.</summary>
    public const int BlockEntries = 100;

    /// <summary>Redis's stream-node-max-bytes default.</summary>
    public const int BlockBytes = 4096;

    private readonly List<StreamBlock> _blocks = [];
    private long _blockBytes;

    public long Length { get; private set; }

    public StreamId LastId { get; set; }

    /// <summary>The largest id XDEL (or XSETID MAXDELETEDID) removed; 0-0 when none.</summary>
    public StreamId MaxDeletedId { get; set; }

    /// <summary>How many entries were ever added (XSETID ENTRIESADDED may set it).</summary>
    public long EntriesAdded { get; set; }

    /// <summary>The id of the first entry; 0-0 when empty.</summary>
    public StreamId FirstId { get; private set; }

    /// <summary>Consumer groups by name, in Redis's order; null until the first is created.</summary>
    public SortedDictionary<byte[], StreamGroup>? Groups { get; private set; }

    public int GroupCount => Groups?.Count ?? 0;

    /// <summary>Blocks (Redis's radix-tree nodes), for XINFO and MEMORY.</summary>
    public int BlockCount => _blocks.Count;

    public long EstimatedBytes => 120 + Keyspace.MemoryModel.RefArray(_blocks.Capacity) + _blockBytes
        + (Groups is null ? 0 : 48 + Groups.Values.Sum(g => g.EstimatedBytes));

    /// <summary>
    /// Appends an entry whose id is above <see cref="LastId"/> (the caller checked):
    /// <paramref name="pairs"/> are fields and values, alternating.
    /// </summary>
    public void Append(StreamId id, ReadOnlySpan<byte[]> pairs)
    {
        var size = StreamBlock.SizeOf(pairs);
        long rawBytes = 0;
        foreach (var part in pairs)
            rawBytes += part.Length;
        var last = _blocks.Count > 0 ? _blocks[^1] : null;
        // Redis's rule (streamAppendItem): a new node once the entries, deleted ones included, reach
        // the maximum, or the listpack and the new entry's raw bytes would reach the byte limit.
        if (last is null || last.Count >= BlockEntries || last.ListpackBytes + rawBytes >= BlockBytes)
        {
            if (last is not null)
            {
                _blockBytes -= last.EstimatedBytes;
                last.Seal();
                _blockBytes += last.EstimatedBytes;
            }
            // As Redis preallocates a new node's listpack (4 KB): an open block grows rarely, and is cut to size once full.
            last = new StreamBlock(id, Math.Max(size, BlockBytes + 64));
            _blocks.Add(last);
        }
        else
        {
            _blockBytes -= last.EstimatedBytes;
        }
        last.Append(id, pairs);
        _blockBytes += last.EstimatedBytes;
        if (Length == 0)
            FirstId = id;
        Length++;
        EntriesAdded++;
        LastId = id;
    }

    /// <summary>The entry with <paramref name="id"/>, or null.</summary>
    public byte[][]? Get(StreamId id)
    {
        if (!Find(id, out var block, out var index))
            return null;
        return _blocks[block].PairsAt(index);
    }

    /// <summary>Whether an entry with <paramref name="id"/> exists (not deleted).</summary>
    public bool Contains(StreamId id) => Find(id, out _, out _);

    /// <summary>
    /// The entries from <paramref name="start"/> to <paramref name="end"/> inclusive (from
    /// <paramref name="end"/> down when <paramref name="reverse"/>), at most <paramref name="count"/>
    /// (0: all). Do not change the stream while enumerating.
    /// </summary>
    public IEnumerable<(StreamId Id, byte[][] Pairs)> Range(StreamId start, StreamId end, long count = 0, bool reverse = false)
    {
        if (start > end || Length == 0)
            yield break;
        long served = 0;
        if (!reverse)
        {
            for (var b = BlockAtOrBefore(start); b < _blocks.Count; b++)
            {
                var block = _blocks[b];
                if (block.Master > end)
                    yield break;
                for (var i = block.Master >= start ? 0 : block.LowerBound(start); i < block.Count; i++)
                {
                    if (block.IsDeleted(i))
                        continue;
                    var id = block.IdAt(i);
                    if (id > end)
                        yield break;
                    yield return (id, block.PairsAt(i));
                    if (++served == count)
                        yield break;
                }
            }
        }
        else
        {
            for (var b = BlockAtOrBefore(end); b >= 0; b--)
            {
                var block = _blocks[b];
                if (block.Last < start)
                    yield break;
                var from = block.Last <= end ? block.Count - 1 : UpperIndex(block, end);
                for (var i = from; i >= 0; i--)
                {
                    if (block.IsDeleted(i))
                        continue;
                    var id = block.IdAt(i);
                    if (id < start)
                        yield break;
                    yield return (id, block.PairsAt(i));
                    if (++served == count)
                        yield break;
                }
            }
        }
    }

    /// <summary>The first (or last) entry's id, if any.</summary>
    public bool TryEdge(bool last, out StreamId id)
    {
        foreach (var (entryId, _) in Range(StreamId.Min, StreamId.Max, 1, reverse: last))
        {
            id = entryId;
            return true;
        }
        id = default;
        return false;
    }

    /// <summary>XDEL of one id: true when it existed.</summary>
    public bool Delete(StreamId id)
    {
        if (!Find(id, out var b, out var index))
            return false;
        var block = _blocks[b];
        block.MarkDeleted(index);
        Length--;
        if (block.Live == 0)
            RemoveBlocks(b, 1);
        if (id > MaxDeletedId)
            MaxDeletedId = id;
        if (Length == 0)
            FirstId = default;
        else if (id == FirstId)
            FirstId = TryEdge(last: false, out var first) ? first : default;
        return true;
    }

    /// <summary>
    /// Redis's streamTrim: removes entries from the head until at most <paramref name="maxLen"/> remain
    /// (or, with <paramref name="minId"/>, until the first is at or above it). Whole blocks go first;
    /// <paramref name="approximate"/> stops at the first block that cannot go whole, and
    /// <paramref name="limit"/> (0: none) caps the entries removed by dropping blocks. Returns how many were removed.
    /// </summary>
    public long Trim(long maxLen, StreamId? minId, bool approximate, long limit)
    {
        long deleted = 0;
        var drop = 0;
        var b = 0;
        var length = Length;
        for (; b < _blocks.Count; b++)
        {
            if (minId is null && length <= maxLen)
                break;
            var block = _blocks[b];
            var entries = block.Live;
            if (limit > 0 && deleted + entries > limit)
                break;
            var whole = minId is { } min ? block.Last < min : length - entries >= maxLen;
            if (whole)
            {
                drop++;
                length -= entries;
                deleted += entries;
                continue;
            }
            if (approximate)
                break;
            for (var i = 0; i < block.Count; i++)
            {
                if (block.IsDeleted(i))
                    continue;
                if (minId is { } bound ? block.IdAt(i) >= bound : length <= maxLen)
                    break;
                block.MarkDeleted(i);
                length--;
                deleted++;
            }
            if (block.Live == 0)
                drop++;
            break;
        }
        if (drop > 0)
            RemoveBlocks(0, drop);
        Length = length;
        FirstId = Length > 0 && TryEdge(last: false, out var first) ? first : default;
        return deleted;
    }

    public StreamGroup? Group(ReadOnlySpan<byte> name)
    {
        if (Groups is null)
            return null;
        return Groups.TryGetValue(name.ToArray(), out var group) ? group : null;
    }

    /// <summary>Creates a group; null when one of that name exists.</summary>
    public StreamGroup? CreateGroup(byte[] name, StreamId lastId, long entriesRead)
    {
        Groups ??= new SortedDictionary<byte[], StreamGroup>(ByteOrder.Instance);
        if (Groups.ContainsKey(name))
            return null;
        var group = new StreamGroup(name, lastId, entriesRead);
        Groups[name] = group;
        return group;
    }

    public bool DestroyGroup(byte[] name)
    {
        if (Groups is null || !Groups.Remove(name))
            return false;
        if (Groups.Count == 0)
            Groups = null;
        return true;
    }

    /// <summary>
    /// Redis 7's streamEstimateDistanceFromFirstEverEntry: the read counter an id corresponds to, or
    /// <see cref="StreamGroup.UnknownEntriesRead"/> when it cannot be known.
    /// </summary>
    public long EstimateDistance(StreamId id)
    {
        if (EntriesAdded == 0)
            return 0;
        if (Length == 0 && id <= LastId)
            return EntriesAdded;
        var compareLast = id.CompareTo(LastId);
        if (compareLast == 0)
            return EntriesAdded;
        if (compareLast > 0)
            return StreamGroup.UnknownEntriesRead;
        var compareFirst = id.CompareTo(FirstId);
        if (MaxDeletedId.IsZero || MaxDeletedId < FirstId)
        {
            if (compareFirst < 0)
                return EntriesAdded - Length;
            if (compareFirst == 0)
                return EntriesAdded - Length + 1;
        }
        return StreamGroup.UnknownEntriesRead;
    }

    /// <summary>Redis 7's streamRangeHasTombstones: whether an XDEL-ed id may lie at or after <paramref name="start"/>.</summary>
    public bool RangeHasTombstones(StreamId start)
    {
        if (Length == 0 || MaxDeletedId.IsZero || FirstId > MaxDeletedId)
            return false;
        return start <= MaxDeletedId;
    }

    /// <summary>Redis 7's streamReplyWithRange's lag: entries not yet read by <paramref name="group"/>, or null when unknown.</summary>
    public long? Lag(StreamGroup group)
    {
        if (EntriesAdded == 0)
            return 0;
        if (group.EntriesRead != StreamGroup.UnknownEntriesRead && !RangeHasTombstones(group.LastId))
            return EntriesAdded - group.EntriesRead;
        var read = EstimateDistance(group.LastId);
        return read != StreamGroup.UnknownEntriesRead ? EntriesAdded - read : null;
    }

    public IValue DeepCopy()
    {
        var copy = new StreamValue
        {
            Length = Length,
            LastId = LastId,
            MaxDeletedId = MaxDeletedId,
            EntriesAdded = EntriesAdded,
            FirstId = FirstId,
            _blockBytes = _blockBytes,
        };
        foreach (var block in _blocks)
            copy._blocks.Add(block.Copy());
        if (Groups is not null)
        {
            copy.Groups = new SortedDictionary<byte[], StreamGroup>(ByteOrder.Instance);
            foreach (var (name, group) in Groups)
                copy.Groups[name] = group.Copy();
        }
        return copy;
    }

    /// <summary>Restores the counters a snapshot saved, after its entries were appended.</summary>
    public void Restore(StreamId lastId, StreamId maxDeletedId, long entriesAdded)
    {
        LastId = lastId;
        MaxDeletedId = maxDeletedId;
        EntriesAdded = entriesAdded;
    }

    private bool Find(StreamId id, out int block, out int index)
    {
        block = BlockAtOrBefore(id);
        index = 0;
        if (block >= _blocks.Count || _blocks[block].Master > id)
            return false;
        var candidate = _blocks[block];
        index = candidate.LowerBound(id);
        return index < candidate.Count && !candidate.IsDeleted(index) && candidate.IdAt(index) == id;
    }

    /// <summary>The index of the last block whose master id is at or below <paramref name="id"/> (0 when none is).</summary>
    private int BlockAtOrBefore(StreamId id)
    {
        int low = 0, high = _blocks.Count - 1, found = 0;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (_blocks[mid].Master <= id)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return found;
    }

    /// <summary>The index of the last entry of <paramref name="block"/> at or below <paramref name="id"/> (-1 when none).</summary>
    private static int UpperIndex(StreamBlock block, StreamId id)
    {
        var above = id.TryNext(out var next) ? block.LowerBound(next) : block.Count;
        return above - 1;
    }

    private void RemoveBlocks(int start, int count)
    {
        for (var i = start; i < start + count; i++)
            _blockBytes -= _blocks[i].EstimatedBytes;
        _blocks.RemoveRange(start, count);
    }
}
