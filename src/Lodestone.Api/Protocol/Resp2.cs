using System.Buffers;
using System.Globalization;
using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Api.Protocol;

/// <summary>
/// Replies in RESP2, Redis's wire format, for clients that ask for it
/// (<c>Upstash-Response-Format: resp2</c>): maps are flattened into arrays, doubles and nil become
/// bulk strings and <c>$-1</c>, booleans integers — what a Redis 7 server sends a RESP2 client.
/// </summary>
internal static class Resp2
{
    public static void Write(IBufferWriter<byte> output, Reply reply)
    {
        ArgumentNullException.ThrowIfNull(output);
        switch (reply.Kind)
        {
            case ReplyKind.Null:
                Text(output, "$-1\r\n");
                break;
            case ReplyKind.SimpleString:
                Text(output, "+" + reply.AsSimple() + "\r\n");
                break;
            case ReplyKind.Error:
                // An error line cannot hold a line break.
                Text(output, "-" + reply.AsError().Message.ReplaceLineEndings(" ") + "\r\n");
                break;
            case ReplyKind.Integer:
            case ReplyKind.Boolean:
                Text(output, ":" + reply.AsInteger().ToString(CultureInfo.InvariantCulture) + "\r\n");
                break;
            case ReplyKind.Double:
                Bulk(output, Encoding.ASCII.GetBytes(ReplyText.Double(reply.AsDouble())));
                break;
            case ReplyKind.Bulk:
                Bulk(output, reply.AsBulk().Span);
                break;
            default:
                var items = reply.AsItems();
                Text(output, "*" + items.Count.ToString(CultureInfo.InvariantCulture) + "\r\n");
                foreach (var item in items)
                    Write(output, item);
                break;
        }
    }

    private static void Bulk(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        Text(output, "$" + bytes.Length.ToString(CultureInfo.InvariantCulture) + "\r\n");
        output.Write(bytes);
        Text(output, "\r\n");
    }

    private static void Text(IBufferWriter<byte> output, string text) => output.Write(Encoding.UTF8.GetBytes(text));
}
