namespace Lodestone.Api.Protocol;

/// <summary>How reply values that have no JSON or RESP2 type of their own are written as text.</summary>
internal static class ReplyText
{
    /// <summary>A double as Redis 7.2+ prints it (see <see cref="Lodestone.Engine.Text.RedisNumbers.FormatDouble"/>).</summary>
    public static string Double(double value) => Lodestone.Engine.Text.RedisNumbers.FormatDouble(value);
}
