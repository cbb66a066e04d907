using FluentValidation;
using Lodestone.Api.Contracts;

namespace Lodestone.Api.Validation;

/// <summary>Positions in Redis's ranges: longitude ±180, latitude ±85.05112878 (Web Mercator's limits).</summary>
internal static class GeoRules
{
    public const double MaxLatitude = 85.05112878;

    public static bool IsUnit(string? unit) => unit is null or "m" or "km" or "ft" or "mi";

    public const string UnitMessage = "unit must be \"m\", \"km\", \"ft\" or \"mi\".";
}

internal sealed class GeoAddRequestValidator : AbstractValidator<GeoAddRequest>
{
    public const int MaxPlaces = 1000;

    public GeoAddRequestValidator()
    {
        RuleFor(r => r.Encoding).IsEncodingName();
        RuleFor(r => r.Places).NotEmpty().WithMessage("places must hold at least one place.")
            .Must(places => places.Count <= MaxPlaces).WithMessage($"places may hold at most {MaxPlaces} entries.");
        RuleForEach(r => r.Places).NotNull().WithMessage("Each place must be an object with a member, a longitude and a latitude.");
        RuleForEach(r => r.Places).Must((r, p) => p is null || r.Encoding != BinaryText.Base64 || BinaryText.IsValidBase64(p.Member))
            .WithMessage("Each member must be valid base64 when encoding is \"base64\".");
        RuleForEach(r => r.Places).Must(p => p is null || p.Longitude is >= -180 and <= 180)
            .WithMessage("Each longitude must be between -180 and 180.");
        RuleForEach(r => r.Places).Must(p => p is null || p.Latitude is >= -GeoRules.MaxLatitude and <= GeoRules.MaxLatitude)
            .WithMessage($"Each latitude must be between -{GeoRules.MaxLatitude} and {GeoRules.MaxLatitude} (the poles cannot be indexed).");
        RuleFor(r => r.Condition).Must(c => c is null or "nx" or "xx").WithMessage("condition must be \"nx\" or \"xx\".");
    }
}

internal sealed class GeoDistanceQueryValidator : AbstractValidator<GeoDistanceQuery>
{
    public GeoDistanceQueryValidator()
    {
        RuleFor(q => q.From).NotEmpty().WithMessage("from must name a member.");
        RuleFor(q => q.To).NotEmpty().WithMessage("to must name a member.");
        RuleFor(q => q.Unit).Must(GeoRules.IsUnit).WithMessage(GeoRules.UnitMessage);
    }
}

internal sealed class GeoSearchQueryValidator : AbstractValidator<GeoSearchQuery>
{
    public GeoSearchQueryValidator()
    {
        RuleFor(q => q.Member).Must((q, member) => member is not null != (q.Longitude is not null || q.Latitude is not null))
            .WithMessage("Name the centre: member, or longitude and latitude (not both).");
        RuleFor(q => q.Longitude).NotNull().When(q => q.Latitude is not null).WithMessage("longitude goes with latitude.");
        RuleFor(q => q.Latitude).NotNull().When(q => q.Longitude is not null).WithMessage("latitude goes with longitude.");
        RuleFor(q => q.Longitude).InclusiveBetween(-180, 180).When(q => q.Longitude is not null)
            .WithMessage("longitude must be between -180 and 180.");
        RuleFor(q => q.Latitude).InclusiveBetween(-GeoRules.MaxLatitude, GeoRules.MaxLatitude).When(q => q.Latitude is not null)
            .WithMessage($"latitude must be between -{GeoRules.MaxLatitude} and {GeoRules.MaxLatitude}.");
        RuleFor(q => q.Radius).Must((q, radius) => radius is not null != (q.Width is not null || q.Height is not null))
            .WithMessage("Name the shape: radius, or width and height (not both).");
        RuleFor(q => q.Width).NotNull().When(q => q.Height is not null).WithMessage("width goes with height.");
        RuleFor(q => q.Height).NotNull().When(q => q.Width is not null).WithMessage("height goes with width.");
        RuleFor(q => q.Radius).Must(r => r is null || (double.IsFinite(r.Value) && r >= 0)).WithMessage("radius must be a finite number, at least 0.");
        RuleFor(q => q.Width).Must(w => w is null || (double.IsFinite(w.Value) && w >= 0)).WithMessage("width must be a finite number, at least 0.");
        RuleFor(q => q.Height).Must(h => h is null || (double.IsFinite(h.Value) && h >= 0)).WithMessage("height must be a finite number, at least 0.");
        RuleFor(q => q.Unit).Must(GeoRules.IsUnit).WithMessage(GeoRules.UnitMessage);
        RuleFor(q => q.Order).Must(o => o is null or "asc" or "desc").WithMessage("order must be \"asc\" or \"desc\".");
        RuleFor(q => q.Count).GreaterThan(0).When(q => q.Count is not null).WithMessage("count must be at least 1.");
        RuleFor(q => q.Any).Must((q, any) => any != true || q.Count is not null).WithMessage("any needs a count: the first count places found.");
    }
}
