using Lodestone.Engine.Keyspace;

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
    private long _elementBytes;

    public int Count { get; private set; }

    long IValue.Length => Count;

    /// <summary>The object, its buffer (spare slots included) and the elements; kept current as the list changes.</summary>
    public long EstimatedBytes => MemoryModel.ListObjectBytes + MemoryModel.RefArray(_items.Length) + _elementBytes;

    /// <summary>Slots in the buffer, spare ones included.</summary>
    public int Capacity => _items.Length;

    /// <summary>The element at <paramref name="index"/> (0 … Count-1, from the head).</summary>
    public byte[] this[int index]
    {
        get => _items[Slot(index)];
        set
        {
            ref var slot = ref _items[Slot(index)];
            _elementBytes += MemoryModel.ByteArray(value.Length) - MemoryModel.ByteArray(slot.Length);
            slot = value;
        }
    }

    public void PushHead(byte[] item)
    {
        GrowIfFull();
        _head = (_head - 1) & (_items.Length - 1);
        _items[_head] = item;
        _elementBytes += MemoryModel.ByteArray(item.Length);
        Count++;
    }

    public void PushTail(byte[] item)
    {
        GrowIfFull();
        _items[Slot(Count)] = item;
        _elementBytes += MemoryModel.ByteArray(item.Length);
        Count++;
    }

    public byte[] PopHead()
    {
        var item = _items[_head];
        _items[_head] = null!;
        _head = (_head + 1) & (_items.Length - 1);
        _elementBytes -= MemoryModel.ByteArray(item.Length);
        Count--;
        ShrinkIfSparse();
        return item;
    }

    public byte[] PopTail()
    {
        var slot = Slot(Count - 1);
        var item = _items[slot];
        _items[slot] = null!;
        _elementBytes -= MemoryModel.ByteArray(item.Length);
        Count--;
        ShrinkIfSparse();
        return item;
    }

    /// <summary>Inserts at <paramref name="index"/> (0 … Count), shifting the elements on the shorter side.</summary>
    public void Insert(int index, byte[] item)
    {
        // The pushes count the new element; the shifts only move references.
        if (index < Count / 2)
        {
            PushHead(item);
            for (var i = 0; i < index; i++)
                _items[Slot(i)] = _items[Slot(i + 1)];
        }
        else
        {
            PushTail(item);
            for (var i = Count - 1; i > index; i--)
                _items[Slot(i)] = _items[Slot(i - 1)];
        }
        _items[Slot(index)] = item;
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
                {
                    removed++;
                    _elementBytes -= MemoryModel.ByteArray(item.Length);
                }
                else
                {
                    _items[Slot(kept++)] = item;
                }
            }
            for (var i = kept; i < Count; i++)
                _items[Slot(i)] = null!;
        }
        else
        {
            var kept = Count - 1;
            for (var i = Count - 1; i >= 0; i--)
            {
                var item = this[i];
                if (removed < limit && element.SequenceEqual(item))
                {
                    removed++;
                    _elementBytes -= MemoryModel.ByteArray(item.Length);
                }
                else
                {
                    _items[Slot(kept--)] = item;
                }
            }
            for (var i = 0; i < removed; i++)
                _items[Slot(i)] = null!;
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
            Drop(Slot(i));
        for (var i = end + 1; i < Count; i++)
            Drop(Slot(i));
        _head = Slot(start);
        Count = end - start + 1;
        ShrinkIfSparse();
    }

    public IValue DeepCopy()
    {
        var copy = new ListValue { _items = new byte[CapacityFor(Count)][], Count = Count, _elementBytes = _elementBytes };
        for (var i = 0; i < Count; i++)
            copy._items[i] = this[i];
        return copy;
    }

    private int Slot(int index) => (_head + index) & (_items.Length - 1);

    private void Drop(int slot)
    {
        _elementBytes -= MemoryModel.ByteArray(_items[slot].Length);
        _items[slot] = null!;
    }

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
