namespace Lodestone.Api.Infrastructure;

/// <summary>The <c>Commands</c> configuration section: limits of the command endpoint.</summary>
public sealed class CommandSettings
{
    public const string Section = "Commands";

    /// <summary>Largest request body of the command endpoint, in bytes (10 MB).</summary>
    public long MaxRequestBodyBytes { get; set; } = 10L * 1024 * 1024;

    /// <summary>The most arguments in one command, and the most commands in one pipeline or transaction.</summary>
    public int MaxArguments { get; set; } = 100_000;
}
