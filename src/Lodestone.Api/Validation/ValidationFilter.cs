using FluentValidation;
using Lodestone.Api.Errors;

namespace Lodestone.Api.Validation;

/// <summary>
/// The one endpoint filter that validates request bodies and query records: every handler argument
/// whose type has a FluentValidation validator is validated before the handler runs, and a failure is
/// a 400 validation problem naming each invalid field. Which arguments to check is worked out once,
/// when the endpoint is built.
/// </summary>
internal static class ValidationFilter
{
    /// <summary>
    /// Registers the validators. Messages name fields as the JSON does (<c>newKey</c>, not
    /// FluentValidation's default "New Key"), so a message and its <c>errors</c> entry agree.
    /// </summary>
    public static IServiceCollection AddLodestoneValidation(this IServiceCollection services)
    {
        // FluentValidation asks for a rule's display name every time the rule runs, valid or not: the
        // answers are kept (one per property name the validators declare).
        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) => member is null ? null : CamelCased.GetOrAdd(member.Name, ToCamelCase);
        return services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton, includeInternalTypes: true);
    }

    /// <summary>Validates the arguments of every endpoint in the group.</summary>
    public static TBuilder WithValidation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory(Create);

    private static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var services = context.ApplicationServices;
        var checks = context.MethodInfo.GetParameters()
            .Select((parameter, index) => (index, validate: Validation(services, parameter.ParameterType)))
            .Where(check => check.validate is not null)
            .ToArray();
        if (checks.Length == 0)
            return next;

        // Synchronous: no validator here has an asynchronous rule (FluentValidation would throw if
        // one did), and a valid body then goes on to the handler without a state machine of its own.
        return invocation =>
        {
            foreach (var (index, validate) in checks)
            {
                if (invocation.Arguments[index] is not { } argument)
                    continue;
                var result = validate!(argument);
                if (!result.IsValid)
                    return ValueTask.FromResult<object?>(Problem(result));
            }
            return next(invocation);
        };
    }

    /// <summary>The validator of <paramref name="type"/> as a call on the typed instance (one validation context, not a wrapper and its typed copy), or null.</summary>
    private static Func<object, FluentValidation.Results.ValidationResult>? Validation(IServiceProvider services, Type type) =>
        services.GetService(typeof(IValidator<>).MakeGenericType(type)) is { } validator
            ? (Func<object, FluentValidation.Results.ValidationResult>)typeof(ValidationFilter)
                .GetMethod(nameof(Typed), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(type).Invoke(null, [validator])!
            : null;

    private static Func<object, FluentValidation.Results.ValidationResult> Typed<T>(IValidator<T> validator) =>
        argument => validator.Validate((T)argument);

    private static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem Problem(FluentValidation.Results.ValidationResult result)
    {
        var errors = result.Errors
            .GroupBy(error => ToCamelCase(error.PropertyName))
            .ToDictionary(group => group.Key, group => group.Select(error => error.ErrorMessage).ToArray());
        var kind = ProblemTable.ForStatus(StatusCodes.Status400BadRequest);
        return TypedResults.ValidationProblem(
            errors,
            detail: string.Join(" ", result.Errors.Select(error => error.ErrorMessage)),
            title: "Invalid request",
            type: kind.Type,
            extensions: new Dictionary<string, object?> { ["code"] = "ERR" });
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> CamelCased = new(StringComparer.Ordinal);

    /// <summary>Each segment of a property path, as the JSON names it: <c>Items[0].Key</c> → <c>items[0].key</c>.</summary>
    private static string ToCamelCase(string path) =>
        string.Join('.', path.Split('.').Select(name => string.IsNullOrEmpty(name) ? name : char.ToLowerInvariant(name[0]) + name[1..]));
}
