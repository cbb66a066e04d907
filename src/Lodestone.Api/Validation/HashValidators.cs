using System.Globalization;
using FluentValidation;
using Lodestone.Api.Contracts;

namespace Lodestone.Api.Validation;

internal sealed class SetHashRequestValidator : AbstractValidator<SetHashRequest>
{
    public const int MaxFields = 1000;

    public SetHashRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Fields).NotEmpty().WithMessage("fields must hold at least one field.")
            .Must(fields => fields.Count <= MaxFields).WithMessage($"fields may hold at most {MaxFields} fields.");
        RuleFor(r => r.Fields).Must(fields => fields.Values.All(value => value is not null))
            .WithMessage("Each field's value must be a string.");
        RuleFor(r => r.Fields).Must((r, fields) => r.Encoding != BinaryText.Base64 || fields.All(f => BinaryText.IsValidBase64(f.Key) && BinaryText.IsValidBase64(f.Value ?? "")))
            .WithMessage("Each field name and value must be valid base64 when encoding is \"base64\".");
    }
}

internal sealed class SetFieldRequestValidator : AbstractValidator<SetFieldRequest>
{
    public SetFieldRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Value).IsEncodedAs(r => r.Encoding);
        RuleFor(r => r.TtlMs).IsTtl();
        RuleFor(r => r.KeepTtl).Must((r, keep) => !keep || r.TtlMs is null).WithMessage("Give ttlMs or keepTtl, not both.");
    }
}

internal sealed class FieldIncrementByFloatRequestValidator : AbstractValidator<FieldIncrementByFloatRequest>
{
    public FieldIncrementByFloatRequestValidator() =>
        RuleFor(r => r.By).Must(double.IsFinite).WithMessage("by must be a finite number.");
}

internal sealed class HashFieldsRequestValidator : AbstractValidator<HashFieldsRequest>
{
    public const int MaxFields = 1000;

    public HashFieldsRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Fields).NotEmpty().WithMessage("fields must list at least one field.")
            .Must(fields => fields.Count <= MaxFields).WithMessage($"fields may list at most {MaxFields} fields.");
        RuleForEach(r => r.Fields).NotNull().WithMessage("Each field must be a string.")
            .Must((r, field) => r.Encoding != BinaryText.Base64 || BinaryText.IsValidBase64(field ?? ""))
            .WithMessage("Each field must be valid base64 when encoding is \"base64\".")
            .OverridePropertyName("fields");
    }
}
