using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Lodestone.Api.Tests;

/// <summary>One request of a <c>.http</c> file: where it is, what it expects, and its text before variables are substituted.</summary>
internal sealed record HttpFileRequest(
    int Line, string? Name, int? Expect, string Method, string Url, IReadOnlyList<(string Name, string Value)> Headers, string? Body)
{
    public override string ToString() => $"{Method} {Url}";
}

/// <summary>
/// A <c>.http</c> file as the VS Code REST Client reads it, plus the expected status: requests are
/// separated by lines starting with <c>###</c>; in each, comment lines (<c>#</c>, <c>//</c>), blank
/// lines and file variables (<c>@name = value</c>) come before the request line (<c>METHOD URL</c>),
/// then headers up to a blank line, then the body up to the next <c>###</c> (comment lines dropped,
/// trailing blank lines trimmed, as REST Client does). Among the comments above a request,
/// <c># @name first</c> names it (REST Client's request variable) and <c># expect 201</c> is the status
/// it must get. A block with no request line (a banner, a note) is skipped.
/// </summary>
/// <remarks>
/// Values are written as REST Client writes them, so the files run in that tool too: <c>{{base}}</c> is a
/// file variable, <c>{{first.response.headers.ETag}}</c> a header of the named request's response, and
/// <c>{{first.response.body.$.a[0].b}}</c> a value of its JSON body (a JSONPath subset: member names and
/// array indexes after <c>$</c>; <c>*</c> is the whole body).
/// </remarks>
internal sealed partial class HttpFile
{
    private HttpFile(string path, Dictionary<string, string> variables, List<HttpFileRequest> requests, List<string> errors)
    {
        Path = path;
        Variables = variables;
        Requests = requests;
        Errors = errors;
    }

    public string Path { get; }

    /// <summary>The file variables (<c>@name = value</c>), as written.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; }

    public IReadOnlyList<HttpFileRequest> Requests { get; }

    /// <summary>What is wrong with the file itself (a request without <c># expect</c>…), one line each, with its line number.</summary>
    public IReadOnlyList<string> Errors { get; }

    public static HttpFile Load(string path) => Parse(path, File.ReadAllText(path));

    public static HttpFile Parse(string path, string text)
    {
        var lines = text.Split('\n').Select(line => line.TrimEnd('\r')).ToArray();
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var requests = new List<HttpFileRequest>();
        var errors = new List<string>();
        var start = 0;
        for (var end = 0; end <= lines.Length; end++)
        {
            if (end < lines.Length && !lines[end].StartsWith("###", StringComparison.Ordinal))
                continue;
            ParseBlock(lines, start, end, variables, requests, errors);
            start = end + 1;
        }
        foreach (var named in requests.Where(r => r.Name is not null).GroupBy(r => r.Name).Where(g => g.Count() > 1))
            errors.Add($"line {named.ElementAt(1).Line}: a second request named '{named.Key}'.");
        return new HttpFile(path, variables, requests, errors);
    }

    /// <summary>Lines <paramref name="start"/> up to <paramref name="end"/> (exclusive), between two delimiters.</summary>
    private static void ParseBlock(
        string[] lines, int start, int end, Dictionary<string, string> variables, List<HttpFileRequest> requests, List<string> errors)
    {
        string? name = null;
        int? expect = null;
        var index = start;
        for (; index < end; index++)
        {
            var line = lines[index];
            if (FileVariable().Match(line) is { Success: true } variable)
            {
                variables[variable.Groups[1].Value] = variable.Groups[2].Value;
                continue;
            }
            if (string.IsNullOrWhiteSpace(line))
                continue;
            if (!IsComment(line))
                break;
            if (RequestName().Match(line) is { Success: true } named)
                name = named.Groups[1].Value;
            if (ExpectLine().Match(line) is { Success: true } expected)
            {
                if (expect is not null)
                    errors.Add($"line {index + 1}: a second '# expect' for one request.");
                expect = int.Parse(expected.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            else if (ExpectWord().IsMatch(line))
            {
                errors.Add($"line {index + 1}: '{line.Trim()}' is not '# expect <status>'.");
            }
        }
        if (index == end)
        {
            if (expect is not null || name is not null)
                errors.Add($"line {Math.Max(start, 1)}: '# expect' or '# @name' in a block without a request.");
            return;
        }

        var requestLine = index + 1;
        if (RequestLine().Match(lines[index]) is not { Success: true } request)
        {
            errors.Add($"line {requestLine}: '{lines[index]}' is not a request line (METHOD URL).");
            return;
        }
        if (expect is null)
            errors.Add($"line {requestLine}: {lines[index]} has no '# expect <status>' above it.");

        var headers = new List<(string, string)>();
        for (index++; index < end && !string.IsNullOrWhiteSpace(lines[index]); index++)
        {
            if (IsComment(lines[index]))
                continue;
            if (Header().Match(lines[index]) is not { Success: true } header)
            {
                errors.Add($"line {index + 1}: '{lines[index]}' is not a header (a blank line must come before the body).");
                return;
            }
            headers.Add((header.Groups[1].Value, header.Groups[2].Value));
        }

        var body = new List<string>();
        for (index++; index < end; index++)
        {
            if (IsComment(lines[index]))
            {
                if (ExpectWord().IsMatch(lines[index]))
                    errors.Add($"line {index + 1}: '# expect' belongs above the request line it is for.");
                continue;
            }
            body.Add(lines[index]);
        }
        while (body.Count > 0 && string.IsNullOrWhiteSpace(body[^1]))
            body.RemoveAt(body.Count - 1);

        requests.Add(new HttpFileRequest(
            requestLine, name, expect, request.Groups[1].Value, request.Groups[2].Value, headers, body.Count == 0 ? null : string.Join('\n', body)));
    }

    private static bool IsComment(string line) => CommentLine().IsMatch(line);

    [GeneratedRegex(@"^\s*(#|//)")]
    private static partial Regex CommentLine();

    // REST Client's own patterns for file variables and request names.
    [GeneratedRegex(@"^\s*@([^\s=]+)\s*=\s*(.*?)\s*$")]
    private static partial Regex FileVariable();

    [GeneratedRegex(@"^\s*(?:#+|//+)\s+@name\s+(\w+)\s*$")]
    private static partial Regex RequestName();

    [GeneratedRegex(@"^\s*#\s*expect\s+([1-5][0-9][0-9])\s*$")]
    private static partial Regex ExpectLine();

    /// <summary>A comment that looks meant as an expectation but is not one (a typo must not pass silently).</summary>
    [GeneratedRegex(@"^\s*(#|//)\s*expect\b", RegexOptions.IgnoreCase)]
    private static partial Regex ExpectWord();

    [GeneratedRegex(@"^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\s+(\S+)(?:\s+HTTP/[\d.]+)?\s*$")]
    private static partial Regex RequestLine();

    [GeneratedRegex(@"^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):\s*(.*?)\s*$")]
    private static partial Regex Header();
}

/// <summary>
/// The values a running file has so far: its file variables (some overridden, such as <c>base</c> by the
/// test's own address) and the responses of its named requests; <see cref="Substitute"/> fills in
/// <c>{{…}}</c> as REST Client does.
/// </summary>
internal sealed partial class HttpFileVariables(IReadOnlyDictionary<string, string> fileVariables, IReadOnlyDictionary<string, string> overrides)
{
    private readonly Dictionary<string, (Dictionary<string, string> Headers, string Body)> _responses = new(StringComparer.Ordinal);

    /// <summary>Keeps what a later <c>{{name.response.…}}</c> may ask of the response to the request named <paramref name="name"/>.</summary>
    public void Remember(string name, HttpResponseMessage response, string body)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (header, values) in response.Headers.Concat(response.Content.Headers))
            headers[header] = string.Join(", ", values);
        _responses[name] = (headers, body);
    }

    /// <summary><paramref name="text"/> with every <c>{{…}}</c> replaced; throws <see cref="InvalidOperationException"/> naming one that has no value.</summary>
    public string Substitute(string text) => SubstituteAt(text, depth: 0);

    private string SubstituteAt(string text, int depth)
    {
        if (depth > 10)
            throw new InvalidOperationException($"Variables refer to each other in a loop: '{text}'.");
        return Reference().Replace(text, match => Value(match.Groups[1].Value, depth));
    }

    private string Value(string reference, int depth)
    {
        if (overrides.TryGetValue(reference, out var value))
            return value;
        if (fileVariables.TryGetValue(reference, out value))
            return SubstituteAt(value, depth + 1);
        var parts = reference.Split('.', 4);
        if (parts is [var name, "response", var part, var selector] && _responses.TryGetValue(name, out var response))
        {
            return part switch
            {
                "headers" => response.Headers.GetValueOrDefault(selector)
                    ?? throw new InvalidOperationException($"The response to '{name}' has no {selector} header."),
                "body" => BodyValue(response.Body, selector, name),
                _ => throw new InvalidOperationException($"'{{{{{reference}}}}}': only a response's headers and body can be referred to."),
            };
        }
        throw new InvalidOperationException(parts is [var unsent, "response", ..]
            ? $"'{{{{{reference}}}}}' refers to '{unsent}', which is not a request sent before this one."
            : $"'{{{{{reference}}}}}' is not a file variable.");
    }

    /// <summary>The value at <paramref name="path"/> (<c>$.a.b</c>, <c>$.a[0].b</c>, or <c>*</c> for all) of a JSON body: strings unquoted, anything else as JSON.</summary>
    private static string BodyValue(string body, string path, string name)
    {
        if (path == "*")
            return body;
        if (!path.StartsWith('$'))
            throw new InvalidOperationException($"'{path}' is not a JSONPath ($.member or $.member[0]).");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new InvalidOperationException($"The response to '{name}' is not JSON, so '{path}' selects nothing: {body}");
        }
        using var _ = document;
        var element = document.RootElement;
        var steps = PathStep().Matches(path[1..]);
        if (string.Concat(steps.Select(step => step.Value)) != path[1..])
            throw new InvalidOperationException($"'{path}' is not in the JSONPath subset the runner reads ($.member, $.member[0]).");
        foreach (Match step in steps)
        {
            if (step.Groups["member"].Success)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(step.Groups["member"].Value, out element))
                    throw new InvalidOperationException($"'{path}' selects nothing in the response to '{name}': {body}");
                continue;
            }
            var index = int.Parse(step.Groups["index"].Value, CultureInfo.InvariantCulture);
            if (element.ValueKind != JsonValueKind.Array || index >= element.GetArrayLength())
                throw new InvalidOperationException($"'{path}' selects nothing in the response to '{name}': {body}");
            element = element[index];
        }
        return element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
    }

    [GeneratedRegex(@"\{\{\s*([^{}\s]+)\s*\}\}")]
    private static partial Regex Reference();

    [GeneratedRegex(@"\.(?<member>[A-Za-z_][A-Za-z0-9_]*)|\[(?<index>\d+)\]")]
    private static partial Regex PathStep();
}
