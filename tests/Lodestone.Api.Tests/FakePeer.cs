using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Lodestone.Api.Tests;

/// <summary>
/// Lets a test play a client on another machine: the test host's loopback connection takes the
/// address sent in <see cref="Header"/>, before anything else in the pipeline sees the request —
/// the forwarded-headers middleware too, as a real peer's address would be.
/// </summary>
internal sealed class FakePeer : IStartupFilter
{
    public const string Header = "X-Test-Peer";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(Header, out var peer))
                context.Connection.RemoteIpAddress = IPAddress.Parse(peer.ToString());
            await nextMiddleware(context);
        });
        next(app);
    };

    /// <summary>A host like <paramref name="factory"/>'s with the fake peer and <paramref name="settings"/> on top.</summary>
    /// <remarks>Starts <paramref name="factory"/>'s own server first: a derived Kestrel factory cannot create clients before it.</remarks>
    public static Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> Host(ApiFactory factory, params (string Key, string Value)[] settings)
    {
        factory.CreateClient().Dispose();
        return factory.WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in settings)
                builder.UseSetting(key, value);
            builder.ConfigureServices(Register);
        });
    }

    /// <summary>
    /// Adds the fake peer as the first startup filter, so its middleware runs outermost: before the one
    /// ASP.NET Core adds for <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>, which is registered earlier.
    /// </summary>
    public static void Register(IServiceCollection services)
    {
        if (!services.Any(service => service.ImplementationType == typeof(FakePeer)))
            services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter, FakePeer>());
    }

    /// <summary>A request as if from <paramref name="address"/>.</summary>
    public static HttpRequestMessage From(string address, HttpMethod method, string url, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Add(Header, address);
        return request;
    }
}
