using FluentValidation;
using Lodestone.Api.Contracts;

namespace Lodestone.Api.Validation;

/// <summary>Rules the list validators share.</summary>
internal static class ListRules
{
    /// <summary>Most elements one push may carry (the body size limit applies too).</summary>
    public const int MaxPushItems = 10_000;

    /// <summary>Most lists one multi-pop may name.</summary>
    public const int MaxPopKeys = 1000;

    /// <summary>"left" (the head) or "right" (the tail).</summary>
    public static IRuleBuilderOptions<T, string> IsListEnd<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(end => end is "left" or "right").WithMessage("{PropertyName} must be \"left\" or \"right\".");
}

internal sealed class PushRequestValidator : AbstractValidator<PushRequest>
{
    public PushRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Items).NotEmpty().WithMessage("items must hold at least one element.")
            .Must(items => items.Count <= ListRules.MaxPushItems).WithMessage($"items may hold at most {ListRules.MaxPushItems} elements.");
        RuleForEach(r => r.Items).NotNull().WithMessage("Each item must be a string.").OverridePropertyName("items");
        RuleForEach(r => r.Items).Must((r, item) => item is null || r.Encoding != BinaryText.Base64 || BinaryText.IsValidBase64(item))
            .WithMessage("Each item must be valid base64 when encoding is \"base64\".").OverridePropertyName("items");
    }
}

internal sealed class PopQueryValidator : AbstractValidator<PopQuery>
{
    public PopQueryValidator() =>
        RuleFor(q => q.Count).GreaterThanOrEqualTo(1).WithMessage("count must be at least 1.");
}

internal sealed class MultiPopRequestValidator : AbstractValidator<MultiPopRequest>
{
    public MultiPopRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Keys).NotEmpty().WithMessage("keys must list at least one key.")
            .Must(keys => keys.Count <= ListRules.MaxPopKeys).WithMessage($"keys may list at most {ListRules.MaxPopKeys} keys.");
        RuleForEach(r => r.Keys).IsKey(r => r.Encoding).OverridePropertyName("keys");
        RuleFor(r => r.From).IsListEnd();
        RuleFor(r => r.Count).GreaterThanOrEqualTo(1).WithMessage("count must be at least 1.");
    }
}

internal sealed class SetElementRequestValidator : AbstractValidator<SetElementRequest>
{
    public SetElementRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Value).IsEncodedAs(r => r.Encoding);
    }
}

internal sealed class InsertRequestValidator : AbstractValidator<InsertRequest>
{
    public InsertRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Pivot).IsEncodedAs(r => r.Encoding);
        RuleFor(r => r.Element).IsEncodedAs(r => r.Encoding);
        RuleFor(r => r.Position).Must(p => p is "before" or "after").WithMessage("position must be \"before\" or \"after\".");
    }
}

internal sealed class PositionQueryValidator : AbstractValidator<PositionQuery>
{
    public PositionQueryValidator()
    {
        RuleFor(q => q.Encoding).IsEncodingName();
        RuleFor(q => q.Element).IsEncodedAs(q => q.Encoding);
        RuleFor(q => q.Rank).NotEqual(0).WithMessage("rank must not be 0: 1 is the first match, -1 the first from the tail.")
            .NotEqual(long.MinValue).WithMessage("rank must be at least -9223372036854775807.");
        RuleFor(q => q.Count).GreaterThanOrEqualTo(0).WithMessage("count must not be negative (0 means every match).");
        RuleFor(q => q.MaxLen).GreaterThanOrEqualTo(0).WithMessage("maxLen must not be negative (0 means the whole list).");
    }
}

internal sealed class MoveRequestValidator : AbstractValidator<MoveRequest>
{
    public MoveRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Destination).IsKey(r => r.Encoding);
        RuleFor(r => r.From).IsListEnd();
        RuleFor(r => r.To).IsListEnd();
    }
}
