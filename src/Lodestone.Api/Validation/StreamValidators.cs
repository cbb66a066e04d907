using FluentValidation;
using Lodestone.Api.Contracts;

namespace Lodestone.Api.Validation;

/// <summary>Rules the stream validators share. Ids themselves are the engine's to judge: its errors say what is wrong with one.</summary>
internal static class StreamRules
{
    /// <summary>Most fields one entry may carry, and most ids one acknowledgement or claim may name (the body size limit applies too).</summary>
    public const int MaxItems = 10_000;

    /// <summary>
    /// The trimming options of XADD and XTRIM: at most one threshold, a non-negative length, LIMIT only with <c>~</c>.
    /// Checked only when one is given: most adds trim nothing, and each rule costs on the hot path.
    /// </summary>
    public static void Trimming<T>(AbstractValidator<T> validator, Func<T, long?> maxLen, Func<T, string?> minId, Func<T, bool> approximate, Func<T, long?> limit) =>
        validator.When(r => maxLen(r) is not null || minId(r) is not null || approximate(r) || limit(r) is not null, () => TrimmingRules(validator, maxLen, minId, approximate, limit));

    private static void TrimmingRules<T>(AbstractValidator<T> validator, Func<T, long?> maxLen, Func<T, string?> minId, Func<T, bool> approximate, Func<T, long?> limit)
    {
        validator.RuleFor(r => r).Must(r => maxLen(r) is null || minId(r) is null)
            .WithName("maxLen").WithMessage("Give maxLen or minId, not both.");
        validator.RuleFor(r => maxLen(r)).GreaterThanOrEqualTo(0).WithName("maxLen").WithMessage("maxLen must not be negative.");
        validator.RuleFor(r => minId(r)).NotEmpty().When(r => minId(r) is not null).WithName("minId").WithMessage("minId must not be empty.");
        validator.RuleFor(r => limit(r)).GreaterThanOrEqualTo(0).WithName("limit").WithMessage("limit must not be negative.");
        validator.RuleFor(r => r).Must(r => limit(r) is null || approximate(r))
            .WithName("limit").WithMessage("limit applies to an approximate trim only: send approximate: true.");
        validator.RuleFor(r => r).Must(r => !approximate(r) || maxLen(r) is not null || minId(r) is not null)
            .WithName("approximate").WithMessage("approximate applies to a trim: give maxLen or minId.");
    }

    public static IRuleBuilderOptions<T, IReadOnlyList<string>?> AreIds<T>(this IRuleBuilder<T, IReadOnlyList<string>?> rule) =>
        rule.Must(ids => ids is null || ids.Count <= MaxItems).WithMessage($"ids may name at most {MaxItems} entries.")
            .Must(ids => ids is null || ids.All(id => !string.IsNullOrEmpty(id))).WithMessage("Each id must be a non-empty string.");
}

internal sealed class AddEntryRequestValidator : AbstractValidator<AddEntryRequest>
{
    public AddEntryRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Fields).NotEmpty().WithMessage("fields must hold at least one field.")
            .Must(fields => fields.Count <= StreamRules.MaxItems).WithMessage($"fields may hold at most {StreamRules.MaxItems} fields.");
        RuleFor(r => r.Fields).Must(fields => fields.Values.All(value => value is not null))
            .WithMessage("Each field's value must be a string.");
        When(r => r.Encoding == BinaryText.Base64, () =>
            RuleFor(r => r.Fields).Must(fields => fields.All(f => BinaryText.IsValidBase64(f.Key) && BinaryText.IsValidBase64(f.Value ?? "")))
                .WithMessage("Each field name and value must be valid base64 when encoding is \"base64\"."));
        StreamRules.Trimming(this, r => r.MaxLen, r => r.MinId, r => r.Approximate, r => r.Limit);
    }
}

internal sealed class StreamTrimRequestValidator : AbstractValidator<StreamTrimRequest>
{
    public StreamTrimRequestValidator()
    {
        RuleFor(r => r).Must(r => r.MaxLen is not null || r.MinId is not null).WithName("maxLen").WithMessage("Give maxLen or minId: what to trim to.");
        StreamRules.Trimming(this, r => r.MaxLen, r => r.MinId, r => r.Approximate, r => r.Limit);
    }
}

internal sealed class StreamRangeQueryValidator : AbstractValidator<StreamRangeQuery>
{
    public StreamRangeQueryValidator()
    {
        RuleFor(q => q.From).NotEmpty().When(q => q.From is not null).WithMessage("from must not be empty.");
        RuleFor(q => q.To).NotEmpty().When(q => q.To is not null).WithMessage("to must not be empty.");
    }
}

internal sealed class CreateGroupRequestValidator : AbstractValidator<CreateGroupRequest>
{
    public CreateGroupRequestValidator() =>
        RuleFor(r => r.EntriesRead).GreaterThanOrEqualTo(0).WithMessage("entriesRead must not be negative.");
}

internal sealed class GroupReadQueryValidator : AbstractValidator<GroupReadQuery>
{
    public GroupReadQueryValidator()
    {
        RuleFor(q => q.Consumer).NotEmpty().WithMessage("consumer must name the consumer reading (?consumer=worker-1).");
        RuleFor(q => q.From).NotEmpty().When(q => q.From is not null).WithMessage("from must not be empty.");
        RuleFor(q => q.Count).GreaterThanOrEqualTo(1).WithMessage("count must be at least 1.");
        RuleFor(q => q.Block).GreaterThan(0).WithMessage("block must be a number of milliseconds above 0 (leave it out not to wait).");
    }
}

internal sealed class AckRequestValidator : AbstractValidator<AckRequest>
{
    public AckRequestValidator() =>
        RuleFor(r => r.Ids).NotEmpty().WithMessage("ids must name at least one entry.").AreIds();
}

internal sealed class PendingQueryValidator : AbstractValidator<PendingQuery>
{
    public PendingQueryValidator()
    {
        RuleFor(q => q.MinIdleMs).GreaterThanOrEqualTo(0).WithMessage("minIdleMs must not be negative.");
        RuleFor(q => q.Consumer).NotEmpty().When(q => q.Consumer is not null).WithMessage("consumer must not be empty.");
    }
}

internal sealed class ClaimRequestValidator : AbstractValidator<ClaimRequest>
{
    public ClaimRequestValidator()
    {
        RuleFor(r => r.Consumer).NotEmpty().WithMessage("consumer must name the consumer taking the entries over.");
        RuleFor(r => r.MinIdleMs).GreaterThanOrEqualTo(0).WithMessage("minIdleMs must not be negative.");
        RuleFor(r => r.Ids).AreIds();
        RuleFor(r => r.Count).InclusiveBetween(1, StreamRules.MaxItems).WithMessage($"count must be between 1 and {StreamRules.MaxItems}.");
        RuleFor(r => r).Must(r => r.Ids is not { Count: > 0 } || (r.Start is null && r.Count is null))
            .WithName("start").WithMessage("start and count apply to a claim by idle time; with ids, the ids say what to claim.");
    }
}
