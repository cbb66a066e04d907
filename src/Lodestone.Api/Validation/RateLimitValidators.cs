using FluentValidation;
using Lodestone.Api.Contracts;

namespace Lodestone.Api.Validation;

internal sealed class RateLimitRequestValidator : AbstractValidator<RateLimitRequest>
{
    public RateLimitRequestValidator()
    {
        RuleFor(r => r.MaxBurst).GreaterThanOrEqualTo(0).WithMessage("maxBurst must not be negative.");
        RuleFor(r => r.Count).GreaterThan(0).WithMessage("count must be at least 1.");
        RuleFor(r => r.PeriodMs).GreaterThan(0).WithMessage("periodMs must be a positive number of milliseconds.");
        RuleFor(r => r.Quantity).GreaterThanOrEqualTo(0).WithMessage("quantity must not be negative.");
        // CL.THROTTLE answers "limited, retry never" to such a request; over HTTP a 429 would invite retries.
        RuleFor(r => r.Quantity).Must((r, quantity) => quantity is not > 0 || r.MaxBurst < 0 || quantity - 1 <= r.MaxBurst)
            .WithMessage("quantity must be at most the limit, maxBurst + 1: a larger request could never be admitted.");
    }
}
