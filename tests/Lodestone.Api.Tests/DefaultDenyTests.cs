using System.Net;
using Lodestone.Api.Infrastructure;
using Lodestone.Engine.Commands;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Lodestone.Api.Tests;

/// <summary>
/// Default deny, proven over every route the app maps (read from the EndpointDataSource, not from a
/// list here): with API keys configured, a route is either one of the few public ones named below, or
/// it refuses a caller without a key (401), and refuses a key whose role is below what the route's
/// Redis command needs (403). A new route cannot slip through: it is enumerated like the others.
/// </summary>
public sealed class DefaultDenyTests(SecuredApiFactory factory) : IClassFixture<SecuredApiFactory>
{
    /// <summary>The routes open to anyone: probes and the API's own description (Swagger UI is middleware, not a route).</summary>
    private static readonly string[] Public = ["/health", "/alive", "/openapi/v1.json"];

    /// <summary>
    /// Routes that name no command: the command endpoint, whose commands the engine checks one by one as
    /// they run, and its Upstash subscribe streams (any key; channels checked against its patterns).
    /// </summary>
    private static readonly string[] EngineChecked = ["/commands", "/commands/pipeline", "/commands/multi-exec", "/commands/{command}/{**arguments}", "/commands/{**rest}",
        "/commands/subscribe/{channel}", "/commands/psubscribe/{pattern}"];

    /// <summary>
    /// Admin routes outside /admin: the Prometheus scrape; and the replication stream and its acks,
    /// which a key of the replica role reaches too (and nothing else: see the test below).
    /// </summary>
    private static readonly string[] AdminOutsideAdmin = ["/metrics", "/replication/stream", "/replication/ack"];

    private enum Needs { Read, Write, Admin }

    private sealed record Route(string Method, string Pattern, string Url, Needs Needs);

    private List<Route> Routes()
    {
        var routes = new List<Route>();
        foreach (var endpoint in factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            if (Public.Contains(pattern))
                continue;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [HttpMethods.Delete];
            foreach (var method in methods)
                routes.Add(new Route(method, pattern, Url(endpoint.RoutePattern), NeedsOf(endpoint, pattern)));
        }
        return routes;
    }

    /// <summary>What the route's Redis command needs, as the command table declares it; /admin needs admin whatever it names.</summary>
    private static Needs NeedsOf(RouteEndpoint endpoint, string pattern)
    {
        if (pattern.StartsWith("/admin/", StringComparison.Ordinal) || AdminOutsideAdmin.Contains(pattern))
            return Needs.Admin;
        if (EngineChecked.Contains(pattern))
            return Needs.Read;
        var command = endpoint.Metadata.GetMetadata<RedisCommandMetadata>();
        Assert.True(command?.Command is not null, $"{pattern} names no Redis command: give it ForCommand, or list it here as public or engine-checked.");
        var spec = CommandTable.Default[command.Command];
        if ((spec.Flags & (CommandFlags.Admin | CommandFlags.Dangerous)) != 0)
            return Needs.Admin;
        return spec.IsWrite ? Needs.Write : Needs.Read;
    }

    private static string Url(RoutePattern pattern) => Http.UrlOf(pattern, "deny");

    private async Task<HttpResponseMessage> Send(Route route, string? token)
    {
        var client = token is null ? factory.CreateClient() : factory.ClientWith(token);
        client.Timeout = TimeSpan.FromSeconds(10);
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Url);
        // The replication routes are outside the public OpenAPI document, and the stream never ends: not read, not checked.
        if (route.Pattern.StartsWith("/replication/", StringComparison.Ordinal) || token == SecuredApiFactory.ReplicaToken)
            request.Options.Set(ContractCheckingHandler.Unchecked, true);
        // Headers are enough, and a stream (the MONITOR route) never ends: do not wait for the body.
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.Content.Headers.ContentType?.MediaType is "text/event-stream" or "application/octet-stream")
        {
            var status = response.StatusCode;
            response.Dispose();
            client.Dispose();
            return new HttpResponseMessage(status);
        }
        return response;
    }

    [Fact]
    public void Every_route_is_enumerated_including_admin_write_and_the_command_endpoint()
    {
        var routes = Routes();

        Assert.Contains(routes, r => r.Needs == Needs.Admin);
        Assert.Contains(routes, r => r.Needs == Needs.Write);
        Assert.Contains(routes, r => r.Pattern == "/commands");
        Assert.True(routes.Count > 80, $"only {routes.Count} routes enumerated");
    }

    [Fact]
    public async Task Without_a_key_every_route_but_the_public_ones_is_401_with_a_bearer_challenge()
    {
        foreach (var route in Routes())
        {
            using var response = await Send(route, null);

            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route.Method} {route.Url}: {(int)response.StatusCode}");
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task A_wrong_key_is_401_not_403()
    {
        foreach (var route in Routes().Take(20))
        {
            using var response = await Send(route, "not-a-configured-key");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Theory]
    [InlineData(SecuredApiFactory.ReadToken, 0)]
    [InlineData(SecuredApiFactory.WriteToken, 1)]
    [InlineData(SecuredApiFactory.AdminToken, 2)]
    public async Task A_key_reaches_exactly_the_routes_its_role_allows_and_is_403_elsewhere(string token, int role)
    {
        foreach (var route in Routes())
        {
            using var response = await Send(route, token);

            var allowed = (int)route.Needs <= role;
            if (allowed)
                Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
                    $"{route.Method} {route.Url} ({route.Needs}) refused a {(Needs)role} key: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            else
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden,
                    $"{route.Method} {route.Url} ({route.Needs}) let a {(Needs)role} key through: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_replica_key_reaches_the_replication_routes_and_nothing_else()
    {
        foreach (var route in Routes())
        {
            using var response = await Send(route, SecuredApiFactory.ReplicaToken);
            if (route.Pattern.StartsWith("/replication/", StringComparison.Ordinal))
                Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
                    $"{route.Method} {route.Url} refused a replica key: {(int)response.StatusCode}");
            else
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{route.Method} {route.Url} let a replica key through: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_public_routes_and_swagger_need_no_key()
    {
        var client = factory.CreateClient();

        foreach (var path in new[] { "/health", "/alive", "/openapi/v1.json", "/swagger/index.html" })
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
    }

    [Theory]
    [InlineData(SecuredApiFactory.WriteToken, "KEYS")]
    [InlineData(SecuredApiFactory.WriteToken, "FLUSHALL")]
    [InlineData(SecuredApiFactory.WriteToken, "FLUSHDB")]
    [InlineData(SecuredApiFactory.ReadToken, "KEYS")]
    public async Task Keys_and_flushes_are_admin_only_and_a_refused_flush_keeps_the_data(string token, string command)
    {
        var key = ApiFactory.Key();
        await factory.ClientWith(SecuredApiFactory.AdminToken).PutString(key, "v");

        var args = command == "KEYS" ? $"""["KEYS","*"]""" : $"""["{command}"]""";
        var response = await factory.ClientWith(token).PostAsync("/commands", Http.Json(args));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"NOPERM this user has no permissions to run the '{command.ToLowerInvariant()}' command", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("v", await factory.ClientWith(SecuredApiFactory.AdminToken).GetValue(key));
    }

    [Fact]
    public async Task An_admin_key_may_run_keys()
    {
        var key = ApiFactory.Key();
        var admin = factory.ClientWith(SecuredApiFactory.AdminToken);
        await admin.PutString(key, "v");

        var response = await admin.PostAsync("/commands", Http.Json($"""["KEYS","{key}"]"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(key, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
