using FluentValidation;
using Lodestone.Api.Contracts;
using Lodestone.Engine.Types;

namespace Lodestone.Api.Validation;

/// <summary>Rules several validators share.</summary>
internal static class Rules
{
    public static IRuleBuilderOptions<T, string?> IsEncodingName<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(BinaryText.IsKnown).WithMessage("encoding must be \"utf8\" or \"base64\".");

    /// <summary>The text decodes under the object's encoding (base64 must be valid base64).</summary>
    public static IRuleBuilderOptions<T, string> IsEncodedAs<T>(this IRuleBuilder<T, string> rule, Func<T, string?> encoding) =>
        rule.Must((owner, text) => encoding(owner) != BinaryText.Base64 || BinaryText.IsValidBase64(text))
            .WithMessage("{PropertyName} is not valid base64.");

    public static IRuleBuilderOptions<T, string> IsKey<T>(this IRuleBuilder<T, string> rule, Func<T, string?> encoding) =>
        rule.NotEmpty().WithMessage("{PropertyName} must not be empty.").IsEncodedAs(encoding);

    public static IRuleBuilderOptions<T, long?> IsTtl<T>(this IRuleBuilder<T, long?> rule) =>
        rule.GreaterThan(0).WithMessage("ttlMs must be a positive number of milliseconds.");

    public static bool IsTypeName(string? type) => type is null || RedisTypeNames.TryParse(type, out _);
}

internal sealed class SetStringRequestValidator : AbstractValidator<SetStringRequest>
{
    public SetStringRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Value).IsEncodedAs(r => r.Encoding);
        RuleFor(r => r.TtlMs).IsTtl();
        RuleFor(r => r.KeepTtl).Must((r, keep) => !(keep && r.TtlMs is not null))
            .WithMessage("Give ttlMs or keepTtl, not both.");
    }
}

internal sealed class RawSetOptionsValidator : AbstractValidator<RawSetOptions>
{
    public RawSetOptionsValidator()
    {
        RuleFor(r => r.TtlMs).IsTtl();
        RuleFor(r => r.KeepTtl).Must((r, keep) => !(keep == true && r.TtlMs is not null))
            .WithMessage("Give ttlMs or keepTtl, not both.");
    }
}

internal sealed class AppendRequestValidator : AbstractValidator<AppendRequest>
{
    public AppendRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Value).IsEncodedAs(r => r.Encoding);
    }
}

internal sealed class SetRangeRequestValidator : AbstractValidator<SetRangeRequest>
{
    public SetRangeRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Value).IsEncodedAs(r => r.Encoding);
        RuleFor(r => r.Offset).GreaterThanOrEqualTo(0).WithMessage("offset must not be negative.");
    }
}

internal sealed class IncrementByFloatRequestValidator : AbstractValidator<IncrementByFloatRequest>
{
    public IncrementByFloatRequestValidator() =>
        RuleFor(r => r.By).Must(double.IsFinite).WithMessage("by must be a finite number.");
}

internal sealed class MultiGetRequestValidator : AbstractValidator<MultiGetRequest>
{
    public const int MaxKeys = 1000;

    public MultiGetRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Keys).NotEmpty().WithMessage("keys must list at least one key.")
            .Must(keys => keys.Count <= MaxKeys).WithMessage($"keys may list at most {MaxKeys} keys.");
        RuleForEach(r => r.Keys).IsKey(r => r.Encoding).OverridePropertyName("keys");
    }
}

internal sealed class MultiSetRequestValidator : AbstractValidator<MultiSetRequest>
{
    public const int MaxItems = 1000;

    public MultiSetRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Items).NotEmpty().WithMessage("items must hold at least one key and value.")
            .Must(items => items.Count <= MaxItems).WithMessage($"items may hold at most {MaxItems} entries.");
        RuleForEach(r => r.Items).NotNull().WithMessage("Each item must be an object with a key and a value.");
        RuleForEach(r => r.Items).ChildRules(item =>
        {
            item.RuleFor(i => i.Key).NotEmpty().WithMessage("Each item needs a non-empty key.");
        });
        RuleForEach(r => r.Items).Must((r, item) => item is null || r.Encoding != BinaryText.Base64 || (BinaryText.IsValidBase64(item.Key) && BinaryText.IsValidBase64(item.Value)))
            .WithMessage("Each item's key and value must be valid base64 when encoding is \"base64\".");
    }
}

internal sealed class KeyListQueryValidator : AbstractValidator<KeyListQuery>
{
    public KeyListQueryValidator() =>
        RuleFor(q => q.Type).Must(Rules.IsTypeName).WithMessage("type must be one of string, list, set, zset, hash, stream.");
}

internal sealed class SetExpiryRequestValidator : AbstractValidator<SetExpiryRequest>
{
    public SetExpiryRequestValidator()
    {
        RuleFor(r => r).Must(r => (r.TtlMs is null) != (r.AtMs is null))
            .WithName("ttlMs").WithMessage("Give exactly one of ttlMs or atMs.");
        RuleFor(r => r.TtlMs).IsTtl();
        RuleFor(r => r.AtMs).GreaterThanOrEqualTo(0).WithMessage("atMs must be a Unix time in milliseconds.");
        RuleFor(r => r.Condition).Must(c => c is null or "nx" or "xx" or "gt" or "lt")
            .WithMessage("condition must be one of nx, xx, gt, lt.");
    }
}

internal sealed class RenameRequestValidator : AbstractValidator<RenameRequest>
{
    public RenameRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.NewKey).IsKey(r => r.Encoding);
    }
}

internal sealed class CopyRequestValidator : AbstractValidator<CopyRequest>
{
    public CopyRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Destination).IsKey(r => r.Encoding);
    }
}
