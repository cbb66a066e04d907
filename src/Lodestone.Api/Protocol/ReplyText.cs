using System.Globalization;

namespace Lodestone.Api.Protocol;

/// <summary>How reply values that have no JSON or RESP2 type of their own are written as text.</summary>
public static class ReplyText
{
    /// <summary>A double as Redis prints it: the shortest text that reads back the same, "inf"/"-inf", exponents in lower case.</summary>
    public static string Double(double value) => value switch
    {
        double.PositiveInfinity => "inf",
        double.NegativeInfinity => "-inf",
        _ => value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal),
    };
}
