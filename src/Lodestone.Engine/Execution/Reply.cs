using System.Runtime.InteropServices;
using System.Text;

namespace Lodestone.Engine.Execution;

/// <summary>The shape of a <see cref="Reply"/>, after RESP3's reply types.</summary>
public enum ReplyKind : byte
{
    /// <summary>No value: a missing key, an empty pop (RESP3 <c>_</c>).</summary>
    Null,
    /// <summary>A short status text such as <c>OK</c> or <c>PONG</c>.</summary>
    SimpleString,
    /// <summary>An error value carrying an <see cref="EngineError"/>.</summary>
    Error,
    /// <summary>A signed 64-bit integer.</summary>
    Integer,
    /// <summary>A double-precision number.</summary>
    Double,
    /// <summary>A binary-safe byte string.</summary>
    Bulk,
    /// <summary>An ordered sequence of replies.</summary>
    Array,
    /// <summary>Key/value pairs, stored flat (key, value, key, value…).</summary>
    Map,
    /// <summary>An unordered collection of distinct replies.</summary>
    Set,
    /// <summary>A true/false value.</summary>
    Boolean,
}

/// <summary>
/// A typed, protocol-neutral command reply (RESP3-like). Front ends translate it: JSON for HTTP,
/// RESP bytes for a RESP port. A reply is immutable once the engine has produced it, so it may be
/// read from any thread after the command completes.
/// </summary>
public readonly struct Reply
{
    private readonly object? _object;
    private readonly long _number;
    private readonly int _start;

    private Reply(ReplyKind kind, object? value = null, long number = 0, int start = 0)
    {
        Kind = kind;
        _object = value;
        _number = number;
        _start = start;
    }

    /// <summary>What this reply holds.</summary>
    public ReplyKind Kind { get; }

    /// <summary>The null reply.</summary>
    public static Reply Null => default;

    /// <summary>The <c>OK</c> status reply.</summary>
    public static Reply Ok { get; } = new(ReplyKind.SimpleString, "OK");

    /// <summary>The empty byte string.</summary>
    public static Reply EmptyBulk { get; } = new(ReplyKind.Bulk, System.Array.Empty<byte>(), 0);

    /// <summary>The empty array.</summary>
    public static Reply EmptyArray { get; } = new(ReplyKind.Array, System.Array.Empty<Reply>());

    /// <summary>Integer 0, the common "nothing happened" reply.</summary>
    public static Reply Zero => Integer(0);

    /// <summary>Integer 1, the common "it happened" reply.</summary>
    public static Reply One => Integer(1);

    /// <summary>A simple string (<c>OK</c>, a type name).</summary>
    public static Reply Simple(string text) => new(ReplyKind.SimpleString, text);

    /// <summary>An integer.</summary>
    public static Reply Integer(long value) => new(ReplyKind.Integer, number: value);

    /// <summary>A double (a score).</summary>
    public static Reply Double(double value) => new(ReplyKind.Double, number: BitConverter.DoubleToInt64Bits(value));

    /// <summary>A boolean.</summary>
    public static Reply Boolean(bool value) => new(ReplyKind.Boolean, number: value ? 1 : 0);

    /// <summary>A byte string reply that takes the array as it is (the caller must not change it later).</summary>
    public static Reply Bulk(byte[] value) => new(ReplyKind.Bulk, value, value.Length);

    /// <summary>A byte string reply over part of an array that nobody will change later.</summary>
    public static Reply Bulk(ReadOnlyMemory<byte> value)
    {
        if (!MemoryMarshal.TryGetArray(value, out var segment))
            return Bulk(value.ToArray());
        return new(ReplyKind.Bulk, segment.Array, segment.Count, segment.Offset);
    }

    /// <summary>A byte string reply holding UTF-8 text.</summary>
    public static Reply Bulk(string text) => Bulk(Encoding.UTF8.GetBytes(text));

    /// <summary>An ordered array.</summary>
    public static Reply Array(Reply[] items) => new(ReplyKind.Array, items);

    /// <summary>A set: its items in no particular order.</summary>
    public static Reply Set(Reply[] items) => new(ReplyKind.Set, items);

    /// <summary>A map reply; <paramref name="flatPairs"/> holds key, value, key, value….</summary>
    public static Reply Map(Reply[] flatPairs)
    {
        if (flatPairs.Length % 2 != 0)
            throw new ArgumentException("A map needs an even number of items.", nameof(flatPairs));
        return new(ReplyKind.Map, flatPairs);
    }

    /// <summary>An error reply.</summary>
    public static Reply Error(EngineError error) => new(ReplyKind.Error, error);

    /// <summary>A handler returns an error as its reply.</summary>
    public static implicit operator Reply(EngineError error) => Error(error);

    /// <summary>Whether the reply is null (a missing key).</summary>
    public bool IsNull => Kind == ReplyKind.Null;

    /// <summary>Whether the reply is an error.</summary>
    public bool IsError => Kind == ReplyKind.Error;

    /// <summary>The integer (a boolean as 0 or 1); throws for another kind.</summary>
    public long AsInteger() => Kind is ReplyKind.Integer or ReplyKind.Boolean ? _number : throw Mismatch(ReplyKind.Integer);

    /// <summary>The double; throws for another kind.</summary>
    public double AsDouble() => Kind == ReplyKind.Double ? BitConverter.Int64BitsToDouble(_number) : throw Mismatch(ReplyKind.Double);

    /// <summary>The boolean; throws for another kind.</summary>
    public bool AsBoolean() => Kind == ReplyKind.Boolean ? _number != 0 : throw Mismatch(ReplyKind.Boolean);

    /// <summary>The simple string's text; throws for another kind.</summary>
    public string AsSimple() => Kind == ReplyKind.SimpleString ? (string)_object! : throw Mismatch(ReplyKind.SimpleString);

    /// <summary>The bulk string's bytes; throws for another kind.</summary>
    public ReadOnlyMemory<byte> AsBulk() =>
        Kind == ReplyKind.Bulk ? new ReadOnlyMemory<byte>((byte[])_object!, _start, (int)_number) : throw Mismatch(ReplyKind.Bulk);

    /// <summary>The items of an array, set or (flattened) map reply.</summary>
    public IReadOnlyList<Reply> AsItems() =>
        Kind is ReplyKind.Array or ReplyKind.Set or ReplyKind.Map ? (Reply[])_object! : throw Mismatch(ReplyKind.Array);

    /// <summary>The error; throws for another kind.</summary>
    public EngineError AsError() => Kind == ReplyKind.Error ? (EngineError)_object! : throw Mismatch(ReplyKind.Error);

    /// <summary>A readable rendering for logs and test failures (not a wire format).</summary>
    public override string ToString() => Kind switch
    {
        ReplyKind.Null => "(nil)",
        ReplyKind.SimpleString => AsSimple(),
        ReplyKind.Error => "(error) " + AsError().Message,
        ReplyKind.Integer => "(integer) " + _number,
        ReplyKind.Double => "(double) " + Text.RedisNumbers.FormatDouble(AsDouble()),
        ReplyKind.Boolean => AsBoolean() ? "(true)" : "(false)",
        ReplyKind.Bulk => "\"" + Encoding.UTF8.GetString(AsBulk().Span) + "\"",
        _ => "[" + string.Join(", ", AsItems()) + "]",
    };

    private InvalidOperationException Mismatch(ReplyKind wanted) =>
        new($"The reply is {Kind}, not {wanted}: {this}");
}
