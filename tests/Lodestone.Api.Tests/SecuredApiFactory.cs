namespace Lodestone.Api.Tests;

/// <summary>The service with API keys configured: one per role, and one limited to keys matching <c>app1:*</c>.</summary>
public sealed class SecuredApiFactory : ApiFactory
{
    public const string AdminToken = "admin-token-0123456789";
    public const string WriteToken = "write-token-0123456789";
    public const string ReadToken = "read-token-0123456789";
    public const string ScopedToken = "scoped-token-0123456789";
    public const string ReplicaToken = "replica-token-0123456789";

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        .. ApiKey(0, "admin", AdminToken, "admin"),
        .. ApiKey(1, "writer", WriteToken, "write"),
        .. ApiKey(2, "reader", ReadToken, "read"),
        .. ApiKey(3, "app1", ScopedToken, "write"),
        ("Auth:ApiKeys:3:KeyPatterns:0", "app1:*"),
        .. ApiKey(4, "replica", ReplicaToken, "replica"),
    ];
}
