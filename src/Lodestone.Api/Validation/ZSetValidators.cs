using FluentValidation;
using Lodestone.Api.Contracts;

namespace Lodestone.Api.Validation;

internal sealed class ZAddRequestValidator : AbstractValidator<ZAddRequest>
{
    public const int MaxMembers = 1000;

    public ZAddRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Members).NotEmpty().WithMessage("members must hold at least one member and score.")
            .Must(members => members.Count <= MaxMembers).WithMessage($"members may hold at most {MaxMembers} entries.");
        RuleForEach(r => r.Members).NotNull().WithMessage("Each member must be an object with a member and a score.");
        RuleForEach(r => r.Members).Must((r, m) => m is null || r.Encoding != BinaryText.Base64 || BinaryText.IsValidBase64(m.Member))
            .WithMessage("Each member must be valid base64 when encoding is \"base64\".");
        RuleFor(r => r.Condition).Must(c => c is null or "nx" or "xx").WithMessage("condition must be \"nx\" or \"xx\".");
        RuleFor(r => r.Compare).Must(c => c is null or "gt" or "lt").WithMessage("compare must be \"gt\" or \"lt\".");
        RuleFor(r => r.Compare).Must((r, c) => c is null || r.Condition != "nx")
            .WithMessage("compare (gt/lt) and condition \"nx\" cannot be combined.");
        RuleFor(r => r.Incr).Must((r, incr) => !incr || r.Members is not { Count: > 1 })
            .WithMessage("incr takes exactly one member.");
    }
}

internal sealed class ZCountQueryValidator : AbstractValidator<ZCountQuery>
{
    public ZCountQueryValidator()
    {
        RuleFor(q => q.Min).NotEmpty().When(q => q.Min is not null).WithMessage("min must not be empty.");
        RuleFor(q => q.Max).NotEmpty().When(q => q.Max is not null).WithMessage("max must not be empty.");
    }
}

internal sealed class ZRangeQueryValidator : AbstractValidator<ZRangeQuery>
{
    public ZRangeQueryValidator()
    {
        RuleFor(q => q.By).Must(by => by is null or "rank" or "score" or "lex").WithMessage("by must be \"rank\", \"score\" or \"lex\".");
        When(q => q.By is null or "rank", () =>
        {
            RuleFor(q => q.Min).Null().WithMessage("min and max apply to by=score or by=lex; ranks take start and stop.");
            RuleFor(q => q.Max).Null().WithMessage("min and max apply to by=score or by=lex; ranks take start and stop.");
        });
        When(q => q.By is "score" or "lex", () =>
        {
            RuleFor(q => q.Start).Null().WithMessage("start and stop apply to by=rank; score and lex ranges take min and max.");
            RuleFor(q => q.Stop).Null().WithMessage("start and stop apply to by=rank; score and lex ranges take min and max.");
            RuleFor(q => q.Min).NotEmpty().When(q => q.Min is not null).WithMessage("min must not be empty.");
            RuleFor(q => q.Max).NotEmpty().When(q => q.Max is not null).WithMessage("max must not be empty.");
        });
    }
}

internal sealed class ZPopQueryValidator : AbstractValidator<ZPopQuery>
{
    public ZPopQueryValidator() =>
        RuleFor(q => q.Count).GreaterThan(0).WithMessage("count must be at least 1.");
}

internal sealed class ZSetAlgebraRequestValidator : AbstractValidator<ZSetAlgebraRequest>
{
    public const int MaxKeys = 1000;

    public ZSetAlgebraRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Keys).NotEmpty().WithMessage("keys must list at least one key.")
            .Must(keys => keys.Count <= MaxKeys).WithMessage($"keys may list at most {MaxKeys} keys.");
        RuleForEach(r => r.Keys).IsKey(r => r.Encoding).OverridePropertyName("keys");
        RuleFor(r => r.Store!).IsKey(r => r.Encoding).When(r => r.Store is not null);
        RuleFor(r => r.Weights).Must((r, weights) => weights is null || weights.Count == r.Keys?.Count)
            .WithMessage("weights must have one weight per key.");
        RuleFor(r => r.Aggregate).Must(a => a is null or "sum" or "min" or "max").WithMessage("aggregate must be \"sum\", \"min\" or \"max\".");
    }
}
