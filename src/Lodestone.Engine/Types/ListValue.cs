namespace Lodestone.Engine.Types;

/// <summary>
/// A Redis list: a double-ended queue over a circular buffer — O(1) push and pop at both ends, O(1)
/// access by index, and insertion in the middle in O(distance to the nearer end).
/// Elements are byte arrays that are never changed once stored, so they may be shared with replies
/// and copies.
/// </summary>
/// <remarks>
/// The buffer's capacity is a power of two (a slot is an index masked, not divided). It doubles when
/// full and halves when under a quarter full, so a queue that drains gives its memory back and every
/// operation stays amortised O(1) per element moved.
/// </remarks>
internal sealed class ListValue : IValue
{
    private const int MinCapacity = 8;

    private byte[][] _items = new byte[MinCapacity][];
    private int _head;

    public int Count { get; private set; }

    long IValue.Length => Count;

    /// <summary>The element at <paramref name="index"/> (0 … Count-1, from the head).</summary>
    public byte[] this[int index]
    {
        get => _items[Slot(index)];
        set => _items[Slot(index)] = value;
    }

    public void PushHead(byte[] item)
    {
        GrowIfFull();
        _head = (_head - 1) & (_items.Length - 1);
        _items[_head] = item;
        Count++;
    }

    public void PushTail(byte[] item)
    {
        GrowIfFull();
        _items[Slot(Count)] = item;
        Count++;
    }

    public byte[] PopHead()
    {
        var item = _items[_head];
        _items[_head] = null!;
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        ShrinkIfSparse();
        return item;
    }

    public byte[] PopTail()
    {
        var slot = Slot(Count - 1);
        var item = _items[slot];
        _items[slot] = null!;
        Count--;
        ShrinkIfSparse();
        return item;
    }

    /// <summary>Inserts at <paramref name="index"/> (0 … Count), shifting the elements on the shorter side.</summary>
    public void Insert(int index, byte[] item)
    {
        if (index < Count / 2)
        {
            PushHead(item);
            for (var i = 0; i < index; i++)
                this[i] = this[i + 1];
        }
        else
        {
            PushTail(item);
            for (var i = Count - 1; i > index; i--)
                this[i] = this[i - 1];
        }
        this[index] = item;
    }

    /// <summary>The index of the first element equal to <paramref name="element"/>, from the head; -1 if none.</summary>
    public int IndexOf(ReadOnlySpan<byte> element)
    {
        for (var i = 0; i < Count; i++)
        {
            if (element.SequenceEqual(this[i]))
                return i;
        }
        return -1;
    }

    /// <summary>
    /// Removes up to <paramref name="limit"/> elements equal to <paramref name="element"/>, the first
    /// ones met from the head (or from the tail), in one pass that closes the gaps as it goes: O(N).
    /// </summary>
    /// <returns>How many were removed.</returns>
    public int RemoveMatches(ReadOnlySpan<byte> element, long limit, bool fromTail)
    {
        var removed = 0;
        if (!fromTail)
        {
            var kept = 0;
            for (var i = 0; i < Count; i++)
            {
                var item = this[i];
                if (removed < limit && element.SequenceEqual(item))
                    removed++;
                else
                    this[kept++] = item;
            }
            for (var i = kept; i < Count; i++)
                this[i] = null!;
        }
        else
        {
            var kept = Count - 1;
            for (var i = Count - 1; i >= 0; i--)
            {
                var item = this[i];
                if (removed < limit && element.SequenceEqual(item))
                    removed++;
                else
                    this[kept--] = item;
            }
            for (var i = 0; i < removed; i++)
                this[i] = null!;
            _head = Slot(removed);
        }
        Count -= removed;
        ShrinkIfSparse();
        return removed;
    }

    /// <summary>
    /// Keeps only the elements from <paramref name="start"/> to <paramref name="end"/> inclusive
    /// (0 ≤ start ≤ end &lt; Count), dropping the others from both ends: O(elements removed).
    /// </summary>
    public void Trim(int start, int end)
    {
        for (var i = 0; i < start; i++)
            _items[Slot(i)] = null!;
        for (var i = end + 1; i < Count; i++)
            _items[Slot(i)] = null!;
        _head = Slot(start);
        Count = end - start + 1;
        ShrinkIfSparse();
    }

    public IValue DeepCopy()
    {
        var copy = new ListValue { _items = new byte[CapacityFor(Count)][], Count = Count };
        for (var i = 0; i < Count; i++)
            copy._items[i] = this[i];
        return copy;
    }

    private int Slot(int index) => (_head + index) & (_items.Length - 1);

    private void GrowIfFull()
    {
        if (Count == _items.Length)
            Resize(_items.Length * 2);
    }

    private void ShrinkIfSparse()
    {
        if (_items.Length > MinCapacity && Count < _items.Length / 4)
            Resize(CapacityFor(Count * 2));
    }

    private void Resize(int capacity)
    {
        var resized = new byte[capacity][];
        for (var i = 0; i < Count; i++)
            resized[i] = this[i];
        _items = resized;
        _head = 0;
    }

    /// <summary>The smallest power of two at least <paramref name="count"/>, and at least <see cref="MinCapacity"/>.</summary>
    private static int CapacityFor(int count) => Math.Max(MinCapacity, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)count));
}
