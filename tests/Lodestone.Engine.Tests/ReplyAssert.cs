using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>Assertions on replies, named after what Redis would print.</summary>
public static class ReplyAssert
{
    public static void Ok(Reply reply) => Simple(reply, "OK");

    public static void Simple(Reply reply, string expected)
    {
        Assert.True(reply.Kind == ReplyKind.SimpleString, $"Expected +{expected}, got {reply}");
        Assert.Equal(expected, reply.AsSimple());
    }

    public static void Integer(Reply reply, long expected)
    {
        Assert.True(reply.Kind == ReplyKind.Integer, $"Expected (integer) {expected}, got {reply}");
        Assert.Equal(expected, reply.AsInteger());
    }

    public static void Bulk(Reply reply, string expected)
    {
        Assert.True(reply.Kind == ReplyKind.Bulk, $"Expected \"{expected}\", got {reply}");
        Assert.Equal(expected, Encoding.UTF8.GetString(reply.AsBulk().Span));
    }

    public static void BulkBytes(Reply reply, byte[] expected)
    {
        Assert.True(reply.Kind == ReplyKind.Bulk, $"Expected bytes, got {reply}");
        Assert.Equal(expected, reply.AsBulk().ToArray());
    }

    public static void Null(Reply reply) => Assert.True(reply.IsNull, $"Expected (nil), got {reply}");

    public static void Error(Reply reply, string expectedMessage)
    {
        Assert.True(reply.IsError, $"Expected (error) {expectedMessage}, got {reply}");
        Assert.Equal(expectedMessage, reply.AsError().Message);
    }

    public static void Error(Reply reply, ErrorKind kind)
    {
        Assert.True(reply.IsError, $"Expected an error of kind {kind}, got {reply}");
        Assert.Equal(kind, reply.AsError().Kind);
    }

    /// <summary>An array of byte strings (nil items as null), in order.</summary>
    public static void BulkArray(Reply reply, params string?[] expected)
    {
        Assert.True(reply.Kind == ReplyKind.Array, $"Expected an array, got {reply}");
        Assert.Equal(expected, reply.AsItems().Select(Text).ToArray());
    }

    /// <summary>The items of an array reply as text (bulk and simple strings; null for nil).</summary>
    public static string?[] Texts(Reply reply) => reply.AsItems().Select(Text).ToArray();

    private static string? Text(Reply item) => item.Kind switch
    {
        ReplyKind.Null => null,
        ReplyKind.Bulk => Encoding.UTF8.GetString(item.AsBulk().Span),
        ReplyKind.SimpleString => item.AsSimple(),
        ReplyKind.Integer => item.AsInteger().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ReplyKind.Double => item.AsDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => item.ToString(),
    };
}
