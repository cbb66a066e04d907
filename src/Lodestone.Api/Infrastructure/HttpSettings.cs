namespace Lodestone.Api.Infrastructure;

/// <summary>The <c>Http</c> configuration section.</summary>
internal sealed class HttpSettings
{
    public const string Section = "Http";

    /// <summary>Largest request body accepted, in bytes; larger bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Compress JSON responses over 1 KB (br, gzip) for clients that accept it; see <see cref="Compression"/>.</summary>
    public bool ResponseCompression { get; set; } = true;

    /// <summary>Browser origins allowed to call the API (CORS). Empty: none.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Most elements one resource response may hold (a list range, a set's members…); more is a 400 naming this cap.</summary>
    public int MaxResponseElements { get; set; } = 10_000;

    /// <summary>Longest a blocking pop may wait over HTTP (a long poll), in seconds.</summary>
    public double MaxBlockingTimeoutSeconds { get; set; } = 60;

    /// <summary>Most connections open at once; more are refused by the server (Kestrel closes them).</summary>
    public long MaxConcurrentConnections { get; set; } = 10_000;

    /// <summary>Largest total size of a request's headers, in bytes; larger is 431.</summary>
    public int MaxRequestHeadersTotalSize { get; set; } = 32 * 1024;

    /// <summary>Most headers one request may carry; more is 431.</summary>
    public int MaxRequestHeaderCount { get; set; } = 100;

    /// <summary>Longest request line (method, path and query), in bytes; longer is 414.</summary>
    public int MaxRequestLineSize { get; set; } = 16 * 1024;

    /// <summary>How long a client has to send all of a request's headers, in seconds; slower is 408 (slowloris).</summary>
    public double RequestHeadersTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// How long a connection may sit idle between requests, in seconds — including a new connection
    /// that has not started its first request, which the header timeout does not cover — before the
    /// server closes it.
    /// </summary>
    public double KeepAliveTimeoutSeconds { get; set; } = 30;

    /// <summary>Slowest a request body may arrive after a grace period, in bytes per second; slower is 408. 0 turns the check off.</summary>
    public double MinRequestBodyDataRateBytesPerSecond { get; set; } = 240;

    /// <summary>The grace period before <see cref="MinRequestBodyDataRateBytesPerSecond"/> applies, in seconds.</summary>
    public double MinRequestBodyDataRateGraceSeconds { get; set; } = 5;
}

/// <summary>The <c>RequestLogging</c> configuration section.</summary>
internal sealed class RequestLoggingSettings
{
    public const string Section = "RequestLogging";

    /// <summary>"text" for people, "json" for log pipelines (compact JSON, one event per line).</summary>
    public string Format { get; set; } = "text";

    /// <summary>Requests slower than this are logged as warnings; fast successful ones at Debug.</summary>
    public int SlowRequestMs { get; set; } = 250;
}
