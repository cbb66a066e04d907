namespace Lodestone.Engine.Types;

/// <summary>
/// A Redis list: a double-ended queue over a circular buffer — O(1) push and pop at both ends, O(1)
/// access by index, O(N) insertion or removal in the middle. Elements are byte arrays that are never
/// changed once stored, so they may be shared with replies and copies.
/// </summary>
internal sealed class ListValue : IValue
{
    private byte[][] _items = new byte[8][];
    private int _head;

    public int Count { get; private set; }

    long IValue.Length => Count;

    public byte[] this[int index]
    {
        get => _items[Slot(index)];
        set => _items[Slot(index)] = value;
    }

    public void PushHead(byte[] item)
    {
        Grow();
        _head = (_head - 1 + _items.Length) % _items.Length;
        _items[_head] = item;
        Count++;
    }

    public void PushTail(byte[] item)
    {
        Grow();
        _items[(_head + Count) % _items.Length] = item;
        Count++;
    }

    public byte[] PopHead()
    {
        var item = _items[_head];
        _items[_head] = null!;
        _head = (_head + 1) % _items.Length;
        Count--;
        return item;
    }

    public byte[] PopTail()
    {
        var slot = Slot(Count - 1);
        var item = _items[slot];
        _items[slot] = null!;
        Count--;
        return item;
    }

    /// <summary>Inserts at <paramref name="index"/> (0 … Count), shifting later elements.</summary>
    public void Insert(int index, byte[] item)
    {
        PushTail(item);
        for (var i = Count - 1; i > index; i--)
            this[i] = this[i - 1];
        this[index] = item;
    }

    public void RemoveAt(int index)
    {
        for (var i = index; i < Count - 1; i++)
            this[i] = this[i + 1];
        PopTail();
    }

    /// <summary>Keeps only the elements from <paramref name="start"/> to <paramref name="end"/> inclusive (valid indexes, start ≤ end).</summary>
    public void Keep(int start, int end)
    {
        var kept = new byte[Math.Max(8, end - start + 1)][];
        for (var i = start; i <= end; i++)
            kept[i - start] = this[i];
        _items = kept;
        _head = 0;
        Count = end - start + 1;
    }

    public IEnumerable<byte[]> Range(int start, int end)
    {
        for (var i = start; i <= end; i++)
            yield return this[i];
    }

    public IValue DeepCopy()
    {
        var copy = new ListValue { _items = new byte[Math.Max(8, Count)][], Count = Count };
        for (var i = 0; i < Count; i++)
            copy._items[i] = this[i];
        return copy;
    }

    private int Slot(int index) => (_head + index) % _items.Length;

    private void Grow()
    {
        if (Count < _items.Length)
            return;
        var larger = new byte[_items.Length * 2][];
        for (var i = 0; i < Count; i++)
            larger[i] = this[i];
        _items = larger;
        _head = 0;
    }
}
