namespace Lodestone.Engine.Types;

/// <summary>
/// One node of a stream (Redis's listpack under a radix-tree key): up to
/// <see cref="StreamValue.BlockEntries"/> entries packed in one byte buffer, ids as deltas from the
/// block's master id, field names left out when they equal the master entry's.
/// </summary>
/// <remarks>
/// An entry at <c>Offsets[i]</c>: a flags byte (<see cref="Deleted"/>, <see cref="SameFields"/>),
/// varint ms − master ms, varint seq (minus master seq when the ms are equal), varint pair count, then
/// each field (unless <see cref="SameFields"/>) and value as varint length + bytes. XDEL only sets the
/// deleted flag; a block whose entries are all deleted is dropped by its stream, as Redis drops a node.
/// </remarks>
internal sealed class StreamBlock
{
    public const byte Deleted = 1;
    public const byte SameFields = 2;

    private int[] _offsets;

    public StreamBlock(StreamId master, int capacity)
    {
        Master = master;
        Data = new byte[Math.Max(capacity, 64)];
        _offsets = new int[32];
    }

    private StreamBlock(StreamBlock other)
    {
        Master = other.Master;
        Data = (byte[])other.Data.Clone();
        _offsets = (int[])other._offsets.Clone();
        Used = other.Used;
        Count = other.Count;
        Live = other.Live;
        Last = other.Last;
        MasterFields = other.MasterFields;
        ListpackBytes = other.ListpackBytes;
        _masterFieldsBytes = other._masterFieldsBytes;
    }

    /// <summary>The id of the block's first entry (which may be deleted since): no entry in it is smaller.</summary>
    public StreamId Master { get; }

    /// <summary>The id of the block's last entry, deleted or not.</summary>
    public StreamId Last { get; private set; }

    public byte[] Data { get; private set; }

    public int Used { get; private set; }

    /// <summary>Entries in the block, deleted ones included.</summary>
    public int Count { get; private set; }

    /// <summary>Entries not deleted.</summary>
    public int Live { get; private set; }

    /// <summary>
    /// The size Redis's listpack for the same entries would have (lpBytes): the stream opens a new
    /// block where Redis opens a new node, so node counts, and the trims that drop whole nodes,
    /// come out as Redis's.
    /// </summary>
    public long ListpackBytes { get; private set; }

    /// <summary>The field names of the master entry, shared by every entry flagged <see cref="SameFields"/>.</summary>
    public byte[][]? MasterFields { get; private set; }

    /// <summary>Estimated bytes of this block: the object, its buffer and its offsets.</summary>
    public long EstimatedBytes => 72 + Keyspace.MemoryModel.ByteArray(Data.Length) + 24 + (4L * _offsets.Length) + _masterFieldsBytes;

    private long _masterFieldsBytes;

    /// <summary>The bytes an entry would take (an upper bound), to decide whether it still fits the block.</summary>
    public static int SizeOf(ReadOnlySpan<byte[]> pairs)
    {
        var size = 1 + 10 + 10 + 5;
        foreach (var part in pairs)
            size += 5 + part.Length;
        return size;
    }

    /// <summary>Appends an entry (its id above <see cref="Last"/>, checked by the stream).</summary>
    public void Append(StreamId id, ReadOnlySpan<byte[]> pairs)
    {
        if (Count == 0)
        {
            MasterFields = FieldsOf(pairs);
            _masterFieldsBytes = Keyspace.MemoryModel.RefArray(MasterFields.Length);
            foreach (var field in MasterFields)
                _masterFieldsBytes += Keyspace.MemoryModel.ByteArray(field.Length);
            // Header and end, count, deleted, field count, the fields, the master's terminator.
            ListpackBytes = 7 + (3 * LpInt(0)) + LpInt(pairs.Length / 2);
            foreach (var field in MasterFields)
                ListpackBytes += LpString(field);
        }
        var same = HasMasterFields(pairs);
        ListpackBytes += LpEntry(id, pairs, same);
        var need = SizeOf(pairs);
        if (Used + need > Data.Length)
        {
            var grown = new byte[Math.Max(Data.Length * 2, Used + need)];
            Data.AsSpan(0, Used).CopyTo(grown);
            Data = grown;
        }
        if (Count == _offsets.Length)
            Array.Resize(ref _offsets, _offsets.Length * 2);
        _offsets[Count] = Used;
        var span = Data.AsSpan();
        var at = Used;
        span[at++] = same ? SameFields : (byte)0;
        at += WriteVarint(span[at..], id.Ms - Master.Ms);
        at += WriteVarint(span[at..], id.Ms == Master.Ms ? id.Seq - Master.Seq : id.Seq);
        at += WriteVarint(span[at..], (ulong)(pairs.Length / 2));
        for (var i = 0; i < pairs.Length; i++)
        {
            if (same && i % 2 == 0)
                continue;
            at += WriteVarint(span[at..], (ulong)pairs[i].Length);
            pairs[i].CopyTo(span[at..]);
            at += pairs[i].Length;
        }
        Used = at;
        Count++;
        Live++;
        Last = id;
    }

    /// <summary>Gives back the spare room of a block that will take no more entries.</summary>
    public void Seal()
    {
        if (Data.Length > Used)
            Data = Data.AsSpan(0, Used).ToArray();
        if (_offsets.Length > Count)
            Array.Resize(ref _offsets, Count);
    }

    public bool IsDeleted(int index) => (Data[_offsets[index]] & Deleted) != 0;

    /// <summary>Flags entry <paramref name="index"/> deleted (it must not be already).</summary>
    public void MarkDeleted(int index)
    {
        Data[_offsets[index]] |= Deleted;
        Live--;
    }

    public StreamId IdAt(int index)
    {
        var span = Data.AsSpan(_offsets[index] + 1);
        var at = ReadVarint(span, out var msDelta);
        ReadVarint(span[at..], out var seq);
        return msDelta == 0 ? new StreamId(Master.Ms, Master.Seq + seq) : new StreamId(Master.Ms + msDelta, seq);
    }

    /// <summary>The entry's fields and values, alternating.</summary>
    public byte[][] PairsAt(int index)
    {
        var span = Data.AsSpan(_offsets[index]);
        var same = (span[0] & SameFields) != 0;
        var at = 1;
        at += ReadVarint(span[at..], out _);
        at += ReadVarint(span[at..], out _);
        at += ReadVarint(span[at..], out var pairCount);
        var pairs = new byte[(int)pairCount * 2][];
        for (var i = 0; i < pairs.Length; i++)
        {
            if (same && i % 2 == 0)
            {
                pairs[i] = MasterFields![i / 2];
                continue;
            }
            at += ReadVarint(span[at..], out var length);
            pairs[i] = span.Slice(at, (int)length).ToArray();
            at += (int)length;
        }
        return pairs;
    }

    /// <summary>The index of the first entry (deleted or not) with an id at or above <paramref name="id"/>; <see cref="Count"/> when none.</summary>
    public int LowerBound(StreamId id)
    {
        int low = 0, high = Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (IdAt(mid) < id)
                low = mid + 1;
            else
                high = mid;
        }
        return low;
    }

    public StreamBlock Copy() => new(this);

    private bool HasMasterFields(ReadOnlySpan<byte[]> pairs)
    {
        if (MasterFields is null || MasterFields.Length != pairs.Length / 2)
            return false;
        for (var i = 0; i < MasterFields.Length; i++)
        {
            if (!MasterFields[i].AsSpan().SequenceEqual(pairs[i * 2]))
                return false;
        }
        return true;
    }

    private static byte[][] FieldsOf(ReadOnlySpan<byte[]> pairs)
    {
        var fields = new byte[pairs.Length / 2][];
        for (var i = 0; i < fields.Length; i++)
            fields[i] = pairs[i * 2];
        return fields;
    }

    /// <summary>What one entry adds to Redis's listpack: flags, ms and seq deltas, [field count, fields], values, lp-count.</summary>
    private long LpEntry(StreamId id, ReadOnlySpan<byte[]> pairs, bool same)
    {
        var size = LpInt(same ? SameFields : 0) + LpInt(unchecked((long)(id.Ms - Master.Ms))) + LpInt(unchecked((long)(id.Seq - Master.Seq)));
        var fields = pairs.Length / 2;
        for (var i = 0; i < pairs.Length; i++)
        {
            if (!same || i % 2 == 1)
                size += LpString(pairs[i]);
        }
        var lpCount = fields + 3;
        if (!same)
        {
            size += LpInt(fields);
            lpCount += fields + 1;
        }
        return size + LpInt(lpCount);
    }

    /// <summary>A listpack integer element: its encoding and its one-byte back length.</summary>
    private static long LpInt(long value) => IntEncoding(value) + 1;

    /// <summary>A listpack string element (stored as an integer when it reads as one), with its back length.</summary>
    private static long LpString(byte[] text)
    {
        long encoded = text.Length is > 0 and <= 20 && Text.RedisNumbers.TryParseInt64(text, out var number)
            ? IntEncoding(number)
            : text.Length < 64 ? 1 + text.Length : text.Length < 4096 ? 2 + text.Length : 5L + text.Length;
        var back = encoded <= 127 ? 1 : encoded < 16383 ? 2 : encoded < 2097151 ? 3 : encoded < 268435455 ? 4 : 5;
        return encoded + back;
    }

    private static int IntEncoding(long value) => value switch
    {
        >= 0 and <= 127 => 1,
        >= -4096 and <= 4095 => 2,
        >= short.MinValue and <= short.MaxValue => 3,
        >= -8388608 and <= 8388607 => 4,
        >= int.MinValue and <= int.MaxValue => 5,
        _ => 9,
    };

    private static int WriteVarint(Span<byte> into, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            into[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        into[i++] = (byte)value;
        return i;
    }

    private static int ReadVarint(ReadOnlySpan<byte> from, out ulong value)
    {
        value = 0;
        var shift = 0;
        var i = 0;
        while (true)
        {
            var b = from[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return i;
            shift += 7;
        }
    }
}
