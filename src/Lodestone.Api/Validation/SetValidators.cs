using System.Globalization;
using FluentValidation;
using Lodestone.Api.Contracts;

namespace Lodestone.Api.Validation;

/// <summary>Members in a body: present, at most <see cref="MaxMembers"/>, each decodable under the body's encoding (the empty member is a member).</summary>
internal sealed class SetMembersRequestValidator : AbstractValidator<SetMembersRequest>
{
    public const int MaxMembers = 10_000;

    public SetMembersRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Members).NotEmpty().WithMessage("members must list at least one member.")
            .Must(members => members.Count <= MaxMembers).WithMessage($"members may list at most {MaxMembers} members.");
        RuleForEach(r => r.Members).NotNull().WithMessage("Each member must be a string.")
            .Must((r, member) => member is null || r.Encoding != BinaryText.Base64 || BinaryText.IsValidBase64(member))
            .WithMessage("Each member must be valid base64 when encoding is \"base64\".")
            .OverridePropertyName("members");
    }
}

internal sealed class SetPopQueryValidator : AbstractValidator<SetPopQuery>
{
    public SetPopQueryValidator() =>
        RuleFor(q => q.Count).GreaterThanOrEqualTo(0).WithMessage("count must be 0 or more.");
}

internal sealed class SetMoveRequestValidator : AbstractValidator<SetMoveRequest>
{
    public SetMoveRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Destination).IsKey(r => r.Encoding);
        RuleFor(r => r.Member).IsEncodedAs(r => r.Encoding);
    }
}

/// <summary>The keys of set algebra: at least one, at most <see cref="MaxKeys"/>, none empty.</summary>
internal sealed class SetAlgebraRequestValidator : AbstractValidator<SetAlgebraRequest>
{
    public const int MaxKeys = 1000;

    public SetAlgebraRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Keys).NotEmpty().WithMessage("keys must list at least one key.")
            .Must(keys => keys.Count <= MaxKeys).WithMessage($"keys may list at most {MaxKeys} keys.");
        RuleForEach(r => r.Keys).NotNull().WithMessage("Each key must be a string.")
            .Must((r, key) => key is null || SetKeyRules.IsKey(key, r.Encoding)).WithMessage(SetKeyRules.Message)
            .OverridePropertyName("keys");
        RuleFor(r => r.Destination!).IsKey(r => r.Encoding).When(r => r.Destination is not null);
    }
}

internal sealed class SetInterCardRequestValidator : AbstractValidator<SetInterCardRequest>
{
    public SetInterCardRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Keys).NotEmpty().WithMessage("keys must list at least one key.")
            .Must(keys => keys.Count <= SetAlgebraRequestValidator.MaxKeys).WithMessage($"keys may list at most {SetAlgebraRequestValidator.MaxKeys} keys.");
        RuleForEach(r => r.Keys).NotNull().WithMessage("Each key must be a string.")
            .Must((r, key) => key is null || SetKeyRules.IsKey(key, r.Encoding)).WithMessage(SetKeyRules.Message)
            .OverridePropertyName("keys");
        RuleFor(r => r.Limit).GreaterThanOrEqualTo(0).WithMessage("limit must be 0 (no limit) or more.");
    }
}

/// <summary>A key inside a list of keys: not empty, and valid base64 when the body says so.</summary>
internal static class SetKeyRules
{
    public const string Message = "Each key must be non-empty (and valid base64 when encoding is \"base64\").";

    public static bool IsKey(string key, string? encoding) =>
        key.Length > 0 && (encoding != BinaryText.Base64 || BinaryText.IsValidBase64(key));
}
