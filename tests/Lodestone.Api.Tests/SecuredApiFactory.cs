using Lodestone.Api.Infrastructure;

namespace Lodestone.Api.Tests;

/// <summary>The service with API keys configured: one per role, and one limited to keys matching <c>app1:*</c>.</summary>
public sealed class SecuredApiFactory : ApiFactory
{
    public const string AdminToken = "admin-token-0123456789";
    public const string WriteToken = "write-token-0123456789";
    public const string ReadToken = "read-token-0123456789";
    public const string ScopedToken = "scoped-token-0123456789";

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        .. Key(0, "admin", AdminToken, "admin"),
        .. Key(1, "writer", WriteToken, "write"),
        .. Key(2, "reader", ReadToken, "read"),
        .. Key(3, "app1", ScopedToken, "write"),
        ("Auth:ApiKeys:3:KeyPatterns:0", "app1:*"),
    ];

    /// <summary>An HTTP client that sends <paramref name="token"/> as its bearer token.</summary>
    public HttpClient ClientWith(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static (string, string)[] Key(int index, string name, string token, string role) =>
    [
        ($"Auth:ApiKeys:{index}:Name", name),
        ($"Auth:ApiKeys:{index}:Sha256", ApiKeys.Hash(token)),
        ($"Auth:ApiKeys:{index}:Role", role),
    ];
}
