namespace Lodestone.Api.Infrastructure;

/// <summary>The <c>Commands</c> configuration section: limits of the command endpoint.</summary>
internal sealed class CommandSettings
{
    public const string Section = "Commands";

    /// <summary>Largest request body of the command endpoint, in bytes (10 MB).</summary>
    public long MaxRequestBodyBytes { get; set; } = 10L * 1024 * 1024;

    /// <summary>The most arguments in one command, and the most commands in one pipeline or transaction.</summary>
    public int MaxArguments { get; set; } = 100_000;

    /// <summary>
    /// The most elements one reply may hold — for a pipeline or transaction, all its replies together —
    /// as Redis's client-output-buffer-limit keeps one client from exhausting the server's memory.
    /// A read over it is refused (found before the reply is built where the arguments say its size).
    /// </summary>
    public long MaxReplyElements { get; set; } = 1_000_000;
}
