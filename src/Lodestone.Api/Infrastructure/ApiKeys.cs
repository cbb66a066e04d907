using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Lodestone.Api.Errors;
using Lodestone.Engine.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Infrastructure;

/// <summary>The <c>Auth</c> configuration section.</summary>
internal sealed class AuthSettings
{
    public const string Section = "Auth";

    /// <summary>The API keys; none means the service is open — to loopback clients only, unless <see cref="ProtectedMode"/> is off.</summary>
    public List<ApiKeySetting> ApiKeys { get; set; } = [];

    /// <summary>With no API keys, serve only loopback clients (Redis's protected-mode); see <see cref="Infrastructure.ProtectedMode"/>.</summary>
    public bool ProtectedMode { get; set; } = true;
}

/// <summary>One API key, stored only as its SHA-256 hash.</summary>
public sealed class ApiKeySetting
{
    /// <summary>Who holds the key, for logs.</summary>
    public string Name { get; set; } = "";

    /// <summary>Hex SHA-256 of the key (<c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>read, write, admin, or replica (may follow the replication stream, nothing else).</summary>
    public string Role { get; set; } = "read";

    /// <summary>Glob patterns of the keys the holder may touch (<c>app1:*</c>); empty means all keys.</summary>
    public List<string> KeyPatterns { get; set; } = [];
}

/// <summary>
/// Bearer API keys: <c>Authorization: Bearer &lt;key&gt;</c> (or <c>?_token=</c>, as Upstash clients
/// allow). A key is hashed and compared in constant time against every configured hash; a match
/// gives the caller an <see cref="AclUser"/> whose role and key patterns the engine enforces on each
/// command. With no keys configured every caller is let in (loopback callers only, in protected mode).
/// </summary>
internal static class ApiKeys
{
    public const string Scheme = "ApiKey";
    public const string Policy = "ApiKey";
    public const string AdminPolicy = "Admin";
    /// <summary>The replication routes: a key of the replica role (or an admin's).</summary>
    public const string ReplicaPolicy = "Replica";
    /// <summary>
    /// The command endpoint's 401s. Upstash answers both with <c>WRONGPASS invalid or missing auth token</c>:
    /// these keep its code (Redis's for a wrong password) and say which of the two it was.
    /// </summary>
    public const string WrongPassMissing = "WRONGPASS missing auth token: send Authorization: Bearer <token>";

    /// <inheritdoc cref="WrongPassMissing"/>
    public const string WrongPassInvalid = "WRONGPASS invalid auth token";

    public static IServiceCollection AddLodestoneAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthSettings>()
            .Bind(configuration.GetSection(AuthSettings.Section))
            .Validate(s => s.ApiKeys.All(k => !string.IsNullOrWhiteSpace(k.Name)), "Auth:ApiKeys: every key needs a Name.")
            .Validate(s => s.ApiKeys.Select(k => k.Name).Distinct().Count() == s.ApiKeys.Count, "Auth:ApiKeys: names must be unique.")
            .Validate(s => s.ApiKeys.All(k => k.Sha256.Length == 64 && k.Sha256.All(char.IsAsciiHexDigit)),
                "Auth:ApiKeys: Sha256 must be the 64 hex digits of the key's SHA-256.")
            .Validate(s => s.ApiKeys.All(k => k.Role is "read" or "write" or "admin" or "replica"), "Auth:ApiKeys: Role must be read, write, admin or replica.")
            .Validate(s => s.ApiKeys.All(k => k.KeyPatterns.All(p => p.Length > 0 && Lodestone.Engine.Text.GlobPattern.Refusal(Encoding.UTF8.GetBytes(p)) is null)),
                $"Auth:ApiKeys: each of KeyPatterns must be a non-empty glob of at most {Lodestone.Engine.Text.GlobPattern.MaxLength} bytes and {Lodestone.Engine.Text.GlobPattern.MaxStars} '*'.")
            .ValidateOnStart();
        services.AddSingleton<KeyRing>();
        // An open service registers no authentication or authorization at all: the host would add
        // their middleware by itself, and authenticating each request (a handler built per request)
        // would only ever find nothing. The keys come from the same configuration the KeyRing reads.
        if (!configuration.GetSection($"{AuthSettings.Section}:ApiKeys").GetChildren().Any())
            return services;
        services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, Handler>(Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).AddRequirements(new KeyRequired()))
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(Scheme).AddRequirements(new KeyRequired(AclRole.Admin)))
            .AddPolicy(ReplicaPolicy, policy => policy.AddAuthenticationSchemes(Scheme).AddRequirements(new KeyRequired(AclRole.Replica)));
        services.AddSingleton<IAuthorizationHandler, KeyRequiredHandler>();
        return services;
    }

    /// <summary>
    /// Requires an API key (of the role <paramref name="policy"/> names) on the group — when keys are
    /// configured. An open service (no keys) skips authorization altogether, which it would always pass.
    /// </summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder group, IEndpointRouteBuilder app, string policy = Policy)
        where TBuilder : IEndpointConventionBuilder =>
        IsOpen(app.ServiceProvider) ? group : group.RequireAuthorization(policy);

    /// <summary>
    /// Authentication, then <paramref name="between"/> (rate limiting, which needs to know the caller
    /// and must also limit callers about to be refused), then authorization — when there are keys to
    /// check; without keys only <paramref name="between"/>.
    /// </summary>
    public static IApplicationBuilder UseLodestoneAuth(this IApplicationBuilder app, Func<IApplicationBuilder, IApplicationBuilder> between)
    {
        ArgumentNullException.ThrowIfNull(between);
        if (IsOpen(app.ApplicationServices))
            return between(app);
        return between(app.UseAuthentication()).UseAuthorization();
    }

    private static bool IsOpen(IServiceProvider services) => services.GetRequiredService<KeyRing>().IsOpen;

    /// <summary>The caller's permissions, or null for an open service (no keys configured).</summary>
    public static AclUser? AclUserOf(HttpContext context) =>
        // The feature, not HttpContext.User: that builds an empty principal for every request of an open service.
        (context.Features.Get<IHttpAuthenticationFeature>()?.User?.Identity as KeyIdentity)?.AclUser;

    /// <summary>SHA-256 of <paramref name="key"/> in lower-case hex, as <c>Auth:ApiKeys:*:Sha256</c> holds it.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The configured keys, hashed bytes beside the ACL user each one grants.</summary>
    internal sealed class KeyRing(IOptions<AuthSettings> settings)
    {
        private readonly (byte[] Hash, AclUser User)[] _keys = settings.Value.ApiKeys
            .Select(k => (Convert.FromHexString(k.Sha256), new AclUser(k.Name, Enum.Parse<AclRole>(k.Role, ignoreCase: true),
                k.KeyPatterns.Select(Encoding.UTF8.GetBytes))))
            .ToArray();

        public bool IsOpen => _keys.Length == 0;

        /// <summary>The user the key grants, or null. Compares against every hash, in constant time each.</summary>
        public AclUser? Find(string presented)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
            AclUser? found = null;
            foreach (var (expected, user) in _keys)
            {
                if (CryptographicOperations.FixedTimeEquals(hash, expected))
                    found = user;
            }
            return found;
        }
    }

    private sealed class KeyIdentity(AclUser user) : ClaimsIdentity([new Claim(ClaimTypes.Name, user.Name), new Claim(ClaimTypes.Role, user.Role.ToString())], Scheme)
    {
        public AclUser AclUser { get; } = user;
    }

    // The host builds a handler per request. It logs nothing: its events (not authenticated,
    // challenged, forbidden) would repeat, at Information and without saying who, what the request
    // log says once with the client's address and the key's name.
    private sealed class Handler(IOptionsMonitor<AuthenticationSchemeOptions> options, UrlEncoder encoder, KeyRing keys)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (keys.IsOpen)
                return Task.FromResult(AuthenticateResult.NoResult());
            var presented = Presented(Request);
            if (string.IsNullOrEmpty(presented))
                return Task.FromResult(AuthenticateResult.NoResult());
            if (keys.Find(presented) is not { } user)
                return Task.FromResult(AuthenticateResult.Fail("Invalid API key."));
            var principal = new ClaimsPrincipal(new KeyIdentity(user));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, ApiKeys.Scheme)));
        }

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        {
            var endpoint = Context.GetEndpoint();
            // A resource route refused for its command says so in Redis's words, as the engine would;
            // /admin routes (whose group needs admin) and admin commands name the role.
            var command = endpoint?.Metadata.GetMetadata<RedisCommandMetadata>()?.Command;
            var detail = Context.Request.Path.StartsWithSegments("/replication") ? "This route needs an API key with the replica (or admin) role."
                : command is null || Lodestone.Engine.Commands.CommandTable.Default.Find(command) is null || RequiredRole(endpoint, AclRole.Read) == AclRole.Admin
                ? "This route needs an API key with the admin role."
                : $"NOPERM this user has no permissions to run the '{command.ToLowerInvariant()}' command";
            return Problems.Of(Lodestone.Engine.Execution.ErrorKind.NoPermission, detail, "NOPERM").ExecuteAsync(Context);
        }

        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Bearer";
            // A key was sent and matched none (the result is the one authentication already cached).
            // Only that is said: the key is compared whole, so there is nothing about which part to tell.
            var wrongKey = (await HandleAuthenticateOnceSafeAsync()).Failure is not null;
            if (Context.GetEndpoint()?.Metadata.GetMetadata<UpstashErrors>() is not null)
            {
                await UpstashErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized, wrongKey ? WrongPassInvalid : WrongPassMissing);
                return;
            }
            await Problems.Create(ProblemTable.ForStatus(StatusCodes.Status401Unauthorized),
                    wrongKey ? "The API key is not valid." : "Send an API key: Authorization: Bearer <key>.", "WRONGPASS")
                .ExecuteAsync(Context);
        }

        private static string? Presented(HttpRequest request)
        {
            var header = request.Headers.Authorization.ToString();
            if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                return header["Bearer ".Length..].Trim();
            return request.Query.TryGetValue("_token", out var token) ? token.ToString() : null;
        }
    }

    /// <summary>
    /// The role a route needs: at least <paramref name="floor"/> (its group's policy), and what its
    /// Redis command needs — write for a write command, admin for an admin or @dangerous one. Checked
    /// before the route runs, so a read key is refused a write route whatever the body; the engine
    /// checks each command again as it runs (the only check on <c>/commands</c>, which names no command).
    /// </summary>
    internal static AclRole RequiredRole(Endpoint? endpoint, AclRole floor)
    {
        if (endpoint?.Metadata.GetMetadata<RedisCommandMetadata>()?.Command is not { } command
            || Lodestone.Engine.Commands.CommandTable.Default.Find(command) is not { } spec)
            return floor;
        var role = (spec.Flags & (Lodestone.Engine.Commands.CommandFlags.Admin | Lodestone.Engine.Commands.CommandFlags.Dangerous)) != 0 ? AclRole.Admin
            : spec.IsWrite ? AclRole.Write
            : AclRole.Read;
        return role > floor ? role : floor;
    }

    /// <summary>With keys configured, a key of at least <see cref="Role"/> is required.</summary>
    private sealed class KeyRequired(AclRole role = AclRole.Read) : IAuthorizationRequirement
    {
        public AclRole Role { get; } = role;
    }

    /// <summary>With keys configured, the caller must have presented one (of the role the route needs); without, everyone passes.</summary>
    private sealed class KeyRequiredHandler(KeyRing keys) : AuthorizationHandler<KeyRequired>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, KeyRequired requirement)
        {
            var endpoint = (context.Resource as HttpContext)?.GetEndpoint();
            if (keys.IsOpen)
                context.Succeed(requirement);
            else if (context.User.Identity is KeyIdentity identity)
            {
                // The replica role reaches the replication routes only, and they only it (or an admin).
                var role = identity.AclUser.Role;
                if (requirement.Role == AclRole.Replica ? role is AclRole.Replica or AclRole.Admin : role >= RequiredRole(endpoint, requirement.Role))
                    context.Succeed(requirement);
            }
            return Task.CompletedTask;
        }
    }
}
