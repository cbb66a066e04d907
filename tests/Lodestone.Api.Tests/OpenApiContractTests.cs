using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Lodestone.Api.Tests;

/// <summary>
/// The contract check that every API test's client runs (<see cref="ContractCheckingHandler"/>) finds
/// what it is there to find: each case takes a response the service really gave, which keeps the
/// contract, and changes one thing that breaks it.
/// </summary>
public sealed class OpenApiContractTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_response_the_service_gave_keeps_the_contract()
    {
        var (request, response, body) = await GetString();

        Assert.Empty((await Contract()).Check(request, response, body));
    }

    [Fact]
    public async Task A_body_without_a_required_member_breaks_it()
    {
        var (request, response, _) = await GetString();

        var problems = (await Contract()).Check(request, response, Encoding.UTF8.GetBytes("""{"key":"k","ttlMs":null}"""));

        Assert.Contains(problems, problem => problem.Contains("does not match its schema", StringComparison.Ordinal) && problem.Contains("value", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_member_the_schema_does_not_have_breaks_it()
    {
        var (request, response, _) = await GetString();

        var problems = (await Contract()).Check(request, response, Encoding.UTF8.GetBytes("""{"key":"k","value":"v","ttlMs":null,"extra":1}"""));

        Assert.Contains(problems, problem => problem.Contains("does not match its schema", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_undocumented_status_breaks_it()
    {
        var (request, response, body) = await GetString();
        response.StatusCode = (HttpStatusCode)418;

        var problems = (await Contract()).Check(request, response, body);

        Assert.Contains(problems, problem => problem.StartsWith("status 418 is not documented for getString", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_declared_header_with_a_value_its_schema_refuses_breaks_it()
    {
        var (request, response, body) = await GetString();
        response.Headers.ETag = new EntityTagHeaderValue("\"not-a-version\"", isWeak: true);

        var problems = (await Contract()).Check(request, response, body);

        Assert.Contains(problems, problem => problem.StartsWith("header ETag", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_service_header_the_response_does_not_declare_breaks_it()
    {
        var (request, response, body) = await GetString();
        response.Headers.Location = new Uri("/strings/elsewhere", UriKind.Relative);

        var problems = (await Contract()).Check(request, response, body);

        Assert.Contains(problems, problem => problem.StartsWith("header Location", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_media_type_the_response_does_not_declare_breaks_it()
    {
        var (request, response, body) = await GetString();
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("text/html");

        var problems = (await Contract()).Check(request, response, body);

        Assert.Contains(problems, problem => problem.StartsWith("a text/html body", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"inf\"", true)]
    [InlineData("\"-inf\"", true)]
    [InlineData("1.5", true)]
    [InlineData("\"lots\"", false)]
    [InlineData("true", false)]
    public async Task A_score_is_a_number_or_an_infinity(string score, bool keeps)
    {
        using var client = factory.CreateDefaultClient();
        var key = ApiFactory.Key();
        await client.PostAsync($"/zsets/{Http.Segment(key)}/members", Http.Json("""{"members":[{"member":"m","score":2}]}"""));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/zsets/{Http.Segment(key)}/members/m");
        using var response = await client.SendAsync(request);

        var problems = (await Contract()).Check(request, response, Encoding.UTF8.GetBytes($$"""{"key":"k","member":"m","score":{{score}}}"""));

        Assert.Equal(keeps, problems.Count == 0);
    }

    /// <summary>A real GET /strings/{key} (200, with its ETag), taken without the contract check.</summary>
    private async Task<(HttpRequestMessage Request, HttpResponseMessage Response, byte[] Body)> GetString()
    {
        var client = factory.CreateDefaultClient();
        var key = ApiFactory.Key();
        await client.PutAsync(Http.Strings(key), Http.Json("""{"value":"v"}"""));
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseAddress!, Http.Strings(key)));
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (request, response, await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<OpenApiContract> Contract()
    {
        using var client = factory.CreateDefaultClient();
        return await OpenApiContract.LoadAsync((request, cancellation) => client.SendAsync(request, cancellation), client.BaseAddress!, CancellationToken.None);
    }
}
