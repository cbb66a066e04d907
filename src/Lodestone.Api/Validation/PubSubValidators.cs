using FluentValidation;
using Lodestone.Api.Contracts;

namespace Lodestone.Api.Validation;

internal sealed class PublishRequestValidator : AbstractValidator<PublishRequest>
{
    public PublishRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Message).NotNull().WithMessage("message is required.").IsEncodedAs(r => r.Encoding);
    }
}
