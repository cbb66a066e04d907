namespace Lodestone.Api.Infrastructure;

/// <summary>The <c>Http</c> configuration section.</summary>
public sealed class HttpSettings
{
    public const string Section = "Http";

    /// <summary>Largest request body accepted, in bytes; larger bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Browser origins allowed to call the API (CORS). Empty: none.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Most elements one resource response may hold (a list range, a set's members…); more is a 400 naming this cap.</summary>
    public int MaxResponseElements { get; set; } = 10_000;

    /// <summary>Longest a blocking pop may wait over HTTP (a long poll), in seconds.</summary>
    public double MaxBlockingTimeoutSeconds { get; set; } = 60;
}

/// <summary>The <c>RequestLogging</c> configuration section.</summary>
public sealed class RequestLoggingSettings
{
    public const string Section = "RequestLogging";

    /// <summary>"text" for people, "json" for log pipelines (compact JSON, one event per line).</summary>
    public string Format { get; set; } = "text";

    /// <summary>Requests slower than this are logged as warnings; fast successful ones at Debug.</summary>
    public int SlowRequestMs { get; set; } = 250;
}
