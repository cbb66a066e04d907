using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Xunit.Abstractions;

namespace Lodestone.Api.Tests;

/// <summary>
/// A fresh service for one <c>.http</c> file, on the real clock rather than <see cref="ApiFactory"/>'s
/// fake one: nothing would advance a fake clock between a file's requests, so a long poll there would
/// never time out. The files are run by hand against a real service, so their waits and TTLs should
/// run here as they do there; the files keep their long polls to a second. Settings come from the
/// file's own start-up instructions.
/// </summary>
internal sealed class HttpFileHost(IEnumerable<(string Key, string Value)> settings) : ApiFactory
{
    protected override IEnumerable<(string Key, string Value)> Settings => settings;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton(TimeProvider.System);
        });
    }

    /// <summary>The settings of API key number <paramref name="index"/>.</summary>
    public static (string, string)[] ApiKeySettings(int index, string name, string token, string role) => ApiKey(index, name, token, role);
}

/// <summary>
/// The <c>http/*.http</c> files are the API's runnable examples: each runs top to bottom on a fresh
/// service and every request gets the status its <c># expect</c> line names, so the examples cannot
/// drift from the service (see <see cref="HttpFile"/> for the notation).
/// </summary>
public sealed class HttpFilesTests(ITestOutputHelper output)
{
    private static string Directory => Path.Combine(Repository.Root, "http");

    public static TheoryData<string> Files =>
        new(System.IO.Directory.GetFiles(Directory, "*.http").Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Every_request_of_a_file_gets_the_status_it_expects_on_a_fresh_service(string name)
    {
        var file = HttpFile.Load(Path.Combine(Directory, name));
        Assert.True(file.Errors.Count == 0, $"http/{name}:\n" + string.Join('\n', file.Errors));
        Assert.NotEmpty(file.Requests);

        using var host = new HttpFileHost(SettingsFor(file));
        using var client = host.CreateCheckedClient();
        var address = client.BaseAddress!;
        client.Timeout = TimeSpan.FromSeconds(15);
        var variables = new HttpFileVariables(file.Variables, new Dictionary<string, string> { ["base"] = address.ToString().TrimEnd('/') });
        var failures = new List<string>();
        foreach (var request in file.Requests)
        {
            var where = $"http/{name}:{request.Line}: {request}";
            try
            {
                using var message = Message(request, variables);
                using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
                var body = await Body(response);
                output.WriteLine($"{where}\n  {(int)response.StatusCode} {Shorten(body)}");
                if ((int)response.StatusCode != request.Expect)
                    failures.Add($"{where}\n  expected {request.Expect}, got {(int)response.StatusCode}: {Shorten(body)}");
                if (request.Name is not null)
                    variables.Remember(request.Name, response, body);
            }
            catch (InvalidOperationException unresolved)
            {
                failures.Add($"{where}\n  {unresolved.Message}");
            }
            catch (TaskCanceledException)
            {
                failures.Add($"{where}\n  no answer within {client.Timeout.TotalSeconds} s (keep a long poll's timeout short).");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Fact]
    public void A_request_without_an_expect_line_or_with_a_mistyped_one_makes_the_file_fail()
    {
        var file = HttpFile.Parse("t.http", """
            @base = http://localhost:8379
            ### Fine
            # expect 200
            GET {{base}}/a

            ### No expectation
            GET {{base}}/b

            ### A typo
            # expect: 201
            PUT {{base}}/c
            """);

        Assert.Equal(3, file.Requests.Count);
        Assert.Equal(
            [
                "line 7: GET {{base}}/b has no '# expect <status>' above it.",
                "line 10: '# expect: 201' is not '# expect <status>'.",
                "line 11: PUT {{base}}/c has no '# expect <status>' above it.",
            ],
            file.Errors);
    }

    [Fact]
    public void A_request_is_its_line_headers_and_body_as_REST_Client_reads_them()
    {
        var file = HttpFile.Parse("t.http", """
            ###############
            # A banner: no request here
            ###############

            ### Create it
            # → 201
            # expect 201
            # @name created
            PUT {{base}}/strings/k HTTP/1.1
            Content-Type: application/json
            # a comment among the headers is dropped
            If-None-Match: *

            {"value":
             "v"}


            ###
            """);

        var request = Assert.Single(file.Requests);
        Assert.Empty(file.Errors);
        Assert.Equal((9, "created", 201, "PUT", "{{base}}/strings/k"), (request.Line, request.Name, request.Expect, request.Method, request.Url));
        Assert.Equal(new[] { ("Content-Type", "application/json"), ("If-None-Match", "*") }, request.Headers);
        Assert.Equal("{\"value\":\n \"v\"}", request.Body);
    }

    [Fact]
    public void Later_requests_take_values_from_the_file_variables_and_the_named_responses()
    {
        var variables = new HttpFileVariables(
            new Dictionary<string, string> { ["base"] = "http://localhost:8379", ["tags"] = "{{base}}/sets/t" },
            new Dictionary<string, string> { ["base"] = "http://127.0.0.1:5000" });
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("") };
        response.Headers.ETag = new EntityTagHeaderValue("\"42\"");
        variables.Remember("first", response, """{"next":"AgAB","members":[{"member":"a","score":1.5}]}""");

        Assert.Equal("http://127.0.0.1:5000/sets/t?page=AgAB", variables.Substitute("{{tags}}?page={{first.response.body.$.next}}"));
        Assert.Equal("\"42\" 1.5 a", variables.Substitute("{{first.response.headers.etag}} {{first.response.body.$.members[0].score}} {{first.response.body.$.members[0].member}}"));
        Assert.Throws<InvalidOperationException>(() => variables.Substitute("{{second.response.headers.ETag}}"));
        Assert.Throws<InvalidOperationException>(() => variables.Substitute("{{first.response.body.$.members[1].member}}"));
        Assert.Throws<InvalidOperationException>(() => variables.Substitute("{{first.response.headers.Location}}"));
        Assert.Throws<InvalidOperationException>(() => variables.Substitute("{{nobody}}"));
    }

    /// <summary>How the file says to start the service it runs against.</summary>
    private static IEnumerable<(string, string)> SettingsFor(HttpFile file) => Path.GetFileName(file.Path) switch
    {
        // Its header: a read key and an admin key (the file's @read and @admin), and a tiny anonymous bucket.
        "security.http" =>
        [
            .. HttpFileHost.ApiKeySettings(0, "reader", file.Variables["read"], "read"),
            .. HttpFileHost.ApiKeySettings(1, "admin", file.Variables["admin"], "admin"),
            ("RateLimiting:Enabled", "true"),
            ("RateLimiting:Policies:Anonymous:TokenLimit", "3"),
            ("RateLimiting:Policies:Anonymous:TokensPerPeriod", "1"),
            ("RateLimiting:Policies:Anonymous:ReplenishmentPeriodMs", "10000"),
        ],
        _ => [],
    };

    private static HttpRequestMessage Message(HttpFileRequest request, HttpFileVariables variables)
    {
        var message = new HttpRequestMessage(new HttpMethod(request.Method), variables.Substitute(request.Url));
        if (request.Body is not null)
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(variables.Substitute(request.Body)));
        foreach (var (name, value) in request.Headers)
        {
            var text = variables.Substitute(value);
            if (message.Headers.TryAddWithoutValidation(name, text))
                continue;
            message.Content ??= new ByteArrayContent([]);
            if (!message.Content.Headers.TryAddWithoutValidation(name, text))
                throw new InvalidOperationException($"The header '{name}: {text}' cannot be sent.");
        }
        return message;
    }

    /// <summary>The body as text; an event stream never ends, so only its status and headers are taken.</summary>
    private static async Task<string> Body(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
            return "(an event stream, not read)";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await response.Content.ReadAsStringAsync(timeout.Token);
    }

    private static string Shorten(string body) => body.Length == 0 ? "(no body)" : body.Length <= 1500 ? body : body[..1500] + "…";
}
