using FluentValidation;
using Lodestone.Api.Contracts;
using Lodestone.Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Validation;

/// <summary>Rules the lock validators share.</summary>
internal static class LockRules
{
    /// <summary>The longest owner token accepted.</summary>
    public const int MaxOwnerLength = 256;

    public static IRuleBuilderOptions<T, string?> IsOwner<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(owner => owner is null || owner.Length is > 0 and <= MaxOwnerLength)
            .WithMessage($"owner must be 1 to {MaxOwnerLength} characters.");

    public static IRuleBuilderOptions<T, long> IsLease<T>(this IRuleBuilder<T, long> rule) =>
        rule.GreaterThan(0).WithMessage("ttlMs must be a positive number of milliseconds.");
}

internal sealed class AcquireLockRequestValidator : AbstractValidator<AcquireLockRequest>
{
    public AcquireLockRequestValidator(IOptions<HttpSettings> settings)
    {
        var maxWaitMs = (long)(settings.Value.MaxBlockingTimeoutSeconds * 1000);
        RuleFor(r => r.TtlMs).IsLease();
        RuleFor(r => r.WaitMs).InclusiveBetween(0, maxWaitMs)
            .WithMessage($"waitMs must be between 0 and {maxWaitMs} (Http:MaxBlockingTimeoutSeconds).");
        RuleFor(r => r.Owner).IsOwner();
    }
}

internal sealed class ExtendLockRequestValidator : AbstractValidator<ExtendLockRequest>
{
    public ExtendLockRequestValidator()
    {
        RuleFor(r => r.Owner).NotNull().WithMessage("owner is required.").IsOwner();
        RuleFor(r => r.TtlMs).IsLease();
    }
}
