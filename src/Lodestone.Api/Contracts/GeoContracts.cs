using System.Text.Json.Serialization;

namespace Lodestone.Api.Contracts;

/// <summary>One place to add: a member and its position in degrees (WGS 84).</summary>
/// <param name="Member">The place's name (base64 when the request's encoding is "base64").</param>
/// <param name="Longitude">-180 to 180.</param>
/// <param name="Latitude">-85.05112878 to 85.05112878 (Web Mercator's limits, as Redis's).</param>
public sealed record GeoPlaceInput(string Member, double Longitude, double Latitude);

/// <summary>Body of <c>POST /geo/{key}/places</c> (GEOADD).</summary>
/// <param name="Places">One to 1000 places.</param>
/// <param name="Condition">"nx": only add new places; "xx": only move existing ones.</param>
/// <param name="Ch">Count changed places (added or moved) instead of only added ones.</param>
/// <param name="Encoding">"base64" when the members are base64.</param>
public sealed record GeoAddRequest(IReadOnlyList<GeoPlaceInput> Places, string? Condition = null, bool Ch = false, string? Encoding = null);

/// <summary>What GEOADD did: the places added (with <c>ch</c>: added or moved).</summary>
public sealed record GeoAddResult(string Key, long Count)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>A stored place (GEOPOS): the centre of its 52-bit geohash cell, within about 0.6 m of what was added.</summary>
public sealed record GeoPlace(string Key, string Member, double Longitude, double Latitude)
{
    /// <summary>"base64" when Key and Member are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Query of <c>GET /geo/{key}/distance</c> (GEODIST).</summary>
/// <param name="From">One member.</param>
/// <param name="To">The other member.</param>
/// <param name="Unit">"m" (default), "km", "ft" or "mi".</param>
public sealed record GeoDistanceQuery(string? From, string? To, string? Unit);

/// <summary>The great-circle distance between two places, rounded to 4 decimals as Redis prints it.</summary>
public sealed record GeoDistance(string Key, string From, string To, double Distance, string Unit)
{
    /// <summary>"base64" when Key, From and To are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>
/// Query of <c>GET /geo/{key}/search</c> (GEOSEARCH): a centre — a stored <c>member</c>, or
/// <c>longitude</c> and <c>latitude</c> — and a shape — a <c>radius</c>, or a <c>width</c> and
/// <c>height</c> box — in <c>unit</c>s.
/// </summary>
/// <param name="Member">Search around this stored place.</param>
/// <param name="Longitude">Search around this longitude (with latitude).</param>
/// <param name="Latitude">Search around this latitude (with longitude).</param>
/// <param name="Radius">Places within this distance of the centre.</param>
/// <param name="Width">Places within a box this wide (east–west), centred on the centre.</param>
/// <param name="Height">Places within a box this high (north–south).</param>
/// <param name="Unit">"m" (default), "km", "ft" or "mi", for the shape and the distances replied.</param>
/// <param name="Order">"asc" (default: nearest first) or "desc".</param>
/// <param name="Count">The most places replied (1 to Http:MaxResponseElements, which is the default): the nearest (or farthest) ones.</param>
/// <param name="Any">Reply the first <c>count</c> places found, not the nearest — faster on large sets.</param>
public sealed record GeoSearchQuery(string? Member, double? Longitude, double? Latitude, double? Radius, double? Width, double? Height,
    string? Unit, string? Order, int? Count, bool? Any);

/// <summary>A place a search found, with its distance from the search's centre.</summary>
public sealed record GeoFound(string Member, double Longitude, double Latitude, double Distance)
{
    /// <summary>"base64" when Member is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>What a search found, in the order asked for; distances are in <c>unit</c>.</summary>
public sealed record GeoSearchResult(string Key, string Unit, IReadOnlyList<GeoFound> Places)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>; each place says its own); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>
/// A search's places as a GeoJSON FeatureCollection (RFC 7946), served for
/// <c>Accept: application/geo+json</c>: what web maps (Leaflet, MapLibre, OpenLayers) load directly.
/// </summary>
/// <param name="Type">Always "FeatureCollection".</param>
/// <param name="Features">One Point feature per place.</param>
public sealed record GeoFeatureCollection(string Type, IReadOnlyList<GeoFeature> Features);

/// <summary>A place as a GeoJSON Feature: its member is the feature's id.</summary>
/// <param name="Type">Always "Feature".</param>
/// <param name="Id">The member (base64 when properties.encoding says so).</param>
/// <param name="Geometry">The place's position.</param>
/// <param name="Properties">The member, and its distance from the search's centre.</param>
public sealed record GeoFeature(string Type, string Id, GeoPoint Geometry, GeoFeatureProperties Properties);

/// <summary>A GeoJSON Point.</summary>
/// <param name="Type">Always "Point".</param>
/// <param name="Coordinates">[longitude, latitude], in that order, as GeoJSON has them.</param>
public sealed record GeoPoint(string Type, IReadOnlyList<double> Coordinates);

/// <summary>A place's properties in GeoJSON.</summary>
/// <param name="Member">The member (as the feature's id).</param>
/// <param name="Distance">From the search's centre, in <c>unit</c>.</param>
/// <param name="Unit">"m", "km", "ft" or "mi".</param>
public sealed record GeoFeatureProperties(string Member, double Distance, string Unit)
{
    /// <summary>"base64" when Member is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}
