using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Request JSON is strict: unknown members, duplicate members (<c>{"value":"x","value":"y"}</c>: which
/// one was meant?), missing required members, nulls where a value is required, and deep nesting are
/// all refused with 400 rather than silently ignored.
/// </summary>
internal static class StrictJson
{
    /// <summary>The deepest nesting any JSON body may have: resource bodies and <c>/commands</c> arrays alike.</summary>
    public const int MaxDepth = 16;

    public static IServiceCollection AddStrictJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options => Apply(options.SerializerOptions));

    public static void Apply(JsonSerializerOptions options)
    {
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.AllowDuplicateProperties = false;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.MaxDepth = MaxDepth;
        options.NumberHandling = JsonNumberHandling.Strict;
    }
}
