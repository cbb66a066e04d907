using System.Text.Json;
using System.Text.RegularExpressions;
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
        string detail;
        if (exception is BadHttpRequestException bad)
        {
            kind = ProblemTable.ForStatus(bad.StatusCode);
            detail = Describe(bad);
        }
        else
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", context.Request.Method, context.Request.Path);
            kind = ProblemTable.ForStatus(StatusCodes.Status500InternalServerError);
            detail = "An unexpected error occurred. It has been logged.";
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

    private static string Describe(BadHttpRequestException exception)
    {
        if (exception.InnerException is JsonException json)
        {
            var message = CleanJsonMessage(json.Message);
            return json.Path is { Length: > 0 } path
                ? $"The request body is not valid JSON for this operation at '{path}': {message}"
                : $"The request body is not valid JSON for this operation: {message}";
        }
        if (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
            return "The request body is larger than the configured limit (Http:MaxRequestBodyBytes).";
        return exception.Message;
    }

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
        return ContractName().Replace(message, "the request body");
    }

    [GeneratedRegex(@"\s*Path: \$.*$", RegexOptions.Singleline)]
    private static partial Regex PathSuffix();

    [GeneratedRegex(@"missing required properties including: (.*?)\.?$")]
    private static partial Regex MissingProperties();

    [GeneratedRegex(@"The JSON property '(.*?)' could not be mapped")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex(@"(for type )?'?Lodestone\.[\w.]+'?")]
    private static partial Regex ContractName();
}
