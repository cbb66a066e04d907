using System.Net;
using System.Net.Http.Headers;

namespace Lodestone.Api.Tests;

/// <summary>The runner of the <c>http/*.http</c> files: how it reads a file and fills in its values (see <see cref="HttpFile"/>).</summary>
public sealed class HttpFilesTests
{
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
}
