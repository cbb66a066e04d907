using System.Text.Json;
using System.Text.RegularExpressions;
using Lodestone.Api.Infrastructure;
using Microsoft.AspNetCore.Diagnostics;

namespace Lodestone.Api.Errors;

/// <summary>
/// Turns exceptions into problem responses: malformed requests (bad JSON, unbindable parameters,
/// oversize bodies) become the 4xx they are, with a message that says what is wrong; anything else is
/// a bug, logged with its stack trace and answered with a 500 that carries none.
/// </summary>
internal sealed partial class ExceptionToProblem(IProblemDetailsService problems, ILogger<ExceptionToProblem> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        ProblemKind kind;
        string? detail;
        if (exception is BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } && await ExceedsBodyLimitAsync(context, cancellationToken))
        {
            kind = ProblemTable.ForStatus(StatusCodes.Status413PayloadTooLarge);
            detail = null; // the standard 413 detail (ProblemDefaults)
        }
        else if (exception is BadHttpRequestException bad)
        {
            kind = ProblemTable.ForStatus(bad.StatusCode);
            detail = Describe(bad);
        }
        else if (IsValueTooLargeForJson(exception))
        {
            // A value over what the JSON writer takes in one token (about 166 MB); only GET
            // /strings/{key} and /commands stream values that large.
            kind = ProblemTable.For(Lodestone.Engine.Execution.ErrorKind.TooLarge);
            detail = "The response holds a value too large to write as JSON here. Read it as raw bytes (GET /strings/{key} with " +
                "Accept: application/octet-stream), as JSON from GET /strings/{key}, or through /commands, which stream values of any size.";
        }
        else
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path} (trace {TraceId})", context.Request.Method, context.Request.Path, RequestLog.TraceIdOf(context));
            kind = ProblemTable.ForStatus(StatusCodes.Status500InternalServerError);
            detail = "An unexpected error occurred. It has been logged.";
        }

        if (context.GetEndpoint()?.Metadata.GetMetadata<UpstashErrors>() is not null)
        {
            await UpstashErrors.WriteAsync(context, kind.Status, "ERR " + (detail ?? kind.Title));
            return true;
        }
        context.Response.StatusCode = kind.Status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = kind.Status,
                Title = kind.Title,
                Type = kind.Type,
                Detail = detail,
                Extensions = { ["code"] = "ERR" },
            },
        });
    }

    /// <summary>
    /// Whether a body sent without a length (chunked), refused for what its start held, runs past
    /// the size limit: the client is told that — 413 — rather than about JSON it would have to cut
    /// anyway. The rest is read to find out, as the server would read it to keep the connection.
    /// </summary>
    private static async Task<bool> ExceedsBodyLimitAsync(HttpContext context, CancellationToken cancellation)
    {
        if (context.Request.ContentLength is not null)
            return false;
        var discard = new byte[16 * 1024];
        try
        {
            while (await context.Request.Body.ReadAsync(discard, cancellation) > 0)
            {
            }
            return false;
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return true;
        }
        catch (Exception unreadable) when (unreadable is IOException or OperationCanceledException or InvalidOperationException or BadHttpRequestException)
        {
            return false;
        }
    }

    /// <summary>System.Text.Json's refusal of a string token over its size limit (ArgumentException from its writer).</summary>
    private static bool IsValueTooLargeForJson(Exception exception) =>
        exception is ArgumentException { Source: "System.Text.Json" } && exception.StackTrace?.Contains("Utf8JsonWriter", StringComparison.Ordinal) == true;

    /// <summary>
    /// What was wrong with the request, in the API's terms: ASP.NET Core's binding messages name .NET
    /// types and parameters ("Nullable&lt;int&gt; Count"), which mean nothing to a client. Null leaves the
    /// status's standard text to <see cref="ProblemDefaults"/>.
    /// </summary>
    private static string? Describe(BadHttpRequestException exception)
    {
        if (exception.InnerException is JsonException json)
        {
            var message = json.InnerException is InvalidOperationException { Message: var inner } && inner.Contains("invalid UTF-16", StringComparison.Ordinal)
                ? "the string is not valid text: it holds a lone UTF-16 surrogate escape (such as \\udfff); send bytes as base64 with \"encoding\": \"base64\"."
                : CleanJsonMessage(json.Message);
            return json.Path is { Length: > 0 } path
                ? $"The request body is not valid JSON for this operation at '{path}': {message}"
                : $"The request body is not valid JSON for this operation: {message}";
        }
        if (ProblemDefaults.HasStandardDetail(exception.StatusCode))
            return null;
        if (BindingFailed().Match(exception.Message) is { Success: true } failed)
            return $"Parameter '{CamelCase(failed.Groups["name"].Value)}' must be {Expected(failed.Groups["type"].Value)}, not '{failed.Groups["value"].Value}'.";
        if (RequiredMissing().Match(exception.Message) is { Success: true } missing)
        {
            return missing.Groups["source"].Value == "body"
                ? BodyRequired
                : $"Parameter '{CamelCase(missing.Groups["name"].Value)}' is required (in the {missing.Groups["source"].Value}).";
        }
        if (ImplicitBodyMissing().IsMatch(exception.Message))
            return BodyRequired;
        return exception.Message;
    }

    private const string BodyRequired = "The request body is required: send a JSON object (see the operation's schema in /openapi/v1.json).";

    private static string Expected(string parameterType) => NullableOf().Replace(parameterType, "$1") switch
    {
        "int" or "long" or "short" or "uint" or "ulong" or "ushort" => "an integer",
        "double" or "float" or "decimal" => "a number",
        "bool" => "true or false",
        _ => "a valid value",
    };

    private static string CamelCase(string name) =>
        name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>System.Text.Json's messages name .NET types and repeat the position; say the same thing in the API's terms.</summary>
    private static string CleanJsonMessage(string message)
    {
        message = PathSuffix().Replace(message, "").Trim();
        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
            return "the value has the wrong type for this field (see the operation's schema in /openapi/v1.json).";
        if (MissingProperties().Match(message) is { Success: true } missing)
            return $"required properties are missing: {missing.Groups[1].Value}.";
        if (UnknownProperty().Match(message) is { Success: true } unknown)
            return $"unknown property '{unknown.Groups[1].Value}'.";
        if (DuplicateProperty().Match(message) is { Success: true } duplicate)
            return $"property '{duplicate.Groups[1].Value}' appears more than once.";
        if (NullNotAllowed().Match(message) is { Success: true } isNull)
            return $"'{CamelCase(isNull.Groups[1].Value)}' must not be null.";
        return ContractName().Replace(message, "the request body");
    }

    [GeneratedRegex(@"\s*Path: \$.*$", RegexOptions.Singleline)]
    private static partial Regex PathSuffix();

    [GeneratedRegex(@"missing required properties including: (.*?)\.?$")]
    private static partial Regex MissingProperties();

    [GeneratedRegex(@"The JSON property '(.*?)' could not be mapped")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex(@"^Duplicate property '(.*?)' encountered")]
    private static partial Regex DuplicateProperty();

    [GeneratedRegex(@"(for type )?'?Lodestone\.[\w.]+'?")]
    private static partial Regex ContractName();

    [GeneratedRegex(@"^The (?:constructor parameter|property or field) '(.*?)' on type .* doesn't allow (?:setting )?null values")]
    private static partial Regex NullNotAllowed();

    [GeneratedRegex(@"^Failed to bind parameter ""(?<type>.+) (?<name>[^ ""]+)"" from ""(?<value>.*)""\.$", RegexOptions.Singleline)]
    private static partial Regex BindingFailed();

    [GeneratedRegex(@"^Required parameter ""(?<type>.+) (?<name>[^ ""]+)"" was not provided from (?<source>.+)\.$")]
    private static partial Regex RequiredMissing();

    [GeneratedRegex(@"^Implicit body inferred for parameter ""[^""]+"" but no body was provided")]
    private static partial Regex ImplicitBodyMissing();

    [GeneratedRegex(@"^Nullable<(.+)>$")]
    private static partial Regex NullableOf();
}
