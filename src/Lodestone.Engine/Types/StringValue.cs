namespace Lodestone.Engine.Types;

/// <summary>
/// A Redis string: a binary-safe byte buffer with spare capacity, so that APPEND and SETRANGE are
/// amortised O(1) per byte written, as with Redis's sds.
/// </summary>
/// <remarks>
/// Sharing rule: a reply may hand out the buffer itself (no copy on GET). Once handed out, the
/// buffer is <em>shared</em> and never written again; the next mutation copies into a fresh
/// buffer first. Only the engine thread touches a <see cref="StringValue"/>.
/// </remarks>
internal sealed class StringValue : IValue
{
    private byte[] _buffer;
    private bool _shared;

    private StringValue(byte[] buffer, int length, bool shared)
    {
        _buffer = buffer;
        Length = length;
        _shared = shared;
    }

    public int Length { get; private set; }

    long IValue.Length => Length;

    /// <summary>The object and its whole buffer, spare capacity included (as sds's alloc).</summary>
    public long EstimatedBytes => Keyspace.MemoryModel.StringObjectBytes + Keyspace.MemoryModel.ByteArray(_buffer.Length);

    /// <summary>The buffer's size, spare capacity included (OBJECT ENCODING tells raw from embstr by it).</summary>
    public int Capacity => _buffer.Length;

    IValue IValue.DeepCopy() => Clone();

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    /// <summary>Takes <paramref name="bytes"/> as the value without copying; it is treated as shared.</summary>
    public static StringValue Wrap(byte[] bytes) => new(bytes, bytes.Length, shared: true);

    /// <summary>A private copy of <paramref name="bytes"/>.</summary>
    public static StringValue Copy(ReadOnlySpan<byte> bytes) => new(bytes.ToArray(), bytes.Length, shared: false);

    /// <summary>The value's bytes for a reply: no copy, and the buffer becomes read-only from now on.</summary>
    public ReadOnlyMemory<byte> Share()
    {
        _shared = true;
        return new ReadOnlyMemory<byte>(_buffer, 0, Length);
    }

    public StringValue Clone() => Copy(Span);

    /// <summary>Values up to this size are copied when a key is written again (see <see cref="Rewrite"/>); larger ones are taken as they are.</summary>
    internal const int RewriteCopyLimit = 1024;

    /// <summary>
    /// The value a key holding <paramref name="current"/> holds after a plain write of
    /// <paramref name="bytes"/>. A key written once tends to be written again, and in a garbage-collected
    /// heap the cheapest write is one that puts no new object in an old one: a young value referenced
    /// from an old entry is what each young-generation collection has to find (card marking) and
    /// promote. So a small value is copied into the key's private buffer of the same size, and the
    /// same object returned; failing that it gets a private copy, so that its next write can do that.
    /// A large value is taken as it is (no copy on the engine thread).
    /// </summary>
    public static StringValue Rewrite(IValue current, byte[] bytes)
    {
        if (bytes.Length > RewriteCopyLimit)
            return Wrap(bytes);
        if (current is StringValue { _shared: false } value && value._buffer.Length == bytes.Length)
        {
            bytes.CopyTo(value._buffer, 0);
            value.Length = bytes.Length;
            return value;
        }
        return Copy(bytes);
    }

    /// <summary>Appends <paramref name="bytes"/>. The caller has checked the resulting length against its limit.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        var newLength = checked(Length + bytes.Length);
        EnsureWritable(newLength);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length = newLength;
    }

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="offset"/>, zero-padding any gap.</summary>
    public void SetRange(int offset, ReadOnlySpan<byte> bytes)
    {
        var newLength = Math.Max(Length, checked(offset + bytes.Length));
        EnsureWritable(newLength);
        if (offset > Length)
            _buffer.AsSpan(Length, offset - Length).Clear();
        bytes.CopyTo(_buffer.AsSpan(offset));
        Length = newLength;
    }

    /// <summary>
    /// The value's bytes to change in place, first grown to at least <paramref name="length"/> bytes
    /// with zeros (SETBIT past the end). The caller has checked the length against its limit.
    /// </summary>
    public Span<byte> Writable(int length)
    {
        var newLength = Math.Max(Length, length);
        EnsureWritable(newLength);
        if (newLength > Length)
            _buffer.AsSpan(Length, newLength - Length).Clear();
        Length = newLength;
        return _buffer.AsSpan(0, Length);
    }

    /// <summary>Replaces the content with the decimal digits of <paramref name="value"/>, reusing the buffer when it can.</summary>
    public void SetInteger(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        var written = Text.RedisNumbers.FormatInt64(value, digits);
        if (_shared || _buffer.Length < written)
        {
            _buffer = new byte[Math.Max(written, 8)];
            _shared = false;
        }
        digits[..written].CopyTo(_buffer);
        Length = written;
    }

    private void EnsureWritable(int needed)
    {
        if (!_shared && needed <= _buffer.Length)
            return;
        // Grow like sds: double small strings, add 1 MB at a time to big ones.
        const int greedyLimit = 1024 * 1024;
        long capacity = needed < greedyLimit ? Math.Max((long)needed * 2, 16) : (long)needed + greedyLimit;
        var fresh = new byte[Math.Min(capacity, Array.MaxLength)];
        Span.CopyTo(fresh);
        _buffer = fresh;
        _shared = false;
    }
}
