namespace Lodestone.Engine.Types;

/// <summary>A geohash cell: <see cref="Bits"/> interleaved latitude/longitude bits, <see cref="Step"/> bits of each.</summary>
internal readonly record struct GeoCell(ulong Bits, int Step)
{
    /// <summary>A cell left out of a search (Redis's GZERO).</summary>
    public bool IsNone => Bits == 0 && Step == 0;

    /// <summary>The sorted-set scores [Min, Max) of the points inside this cell.</summary>
    public (double Min, double Max) Scores =>
        (Bits << (52 - (Step * 2)), (Bits + 1) << (52 - (Step * 2)));
}

/// <summary>
/// A search shape: a circle (radius) or an axis-aligned box (width × height) around a centre, in a unit
/// of <see cref="Metres"/> metres (kept apart, as Redis keeps them, so every product rounds as Redis's).
/// </summary>
internal readonly record struct GeoShape(double Longitude, double Latitude, bool IsBox, double Radius, double Width, double Height, double Metres);

/// <summary>
/// Redis's geohash (geohash.c, geohash_helper.c): positions as 52-bit interleaved cells stored as
/// sorted-set scores, distances on a sphere, and the nine cells that cover a search.
/// </summary>
/// <remarks>
/// Design note. Every formula is Redis's, in the same order of double operations, so positions,
/// distances and hashes equal Redis's to the last printed digit: latitude is limited to ±85.05112878
/// (Web Mercator), a point is the centre of its 26-step cell, distances are haversine on a sphere of
/// 6,372,797.560856 m. The cells a search looks in are chosen as Redis chooses them (the step from the
/// radius, one step coarser when a neighbour does not reach the shape's bounding box, useless
/// neighbours dropped), so an unsorted or ANY reply lists points in Redis's order too.
/// </remarks>
internal static class GeoGrid
{
    public const double LongitudeMin = -180;
    public const double LongitudeMax = 180;
    public const double LatitudeMin = -85.05112878;
    public const double LatitudeMax = 85.05112878;
    public const int StepMax = 26;

    private const double EarthRadius = 6372797.560856;
    private const double MercatorMax = 20037726.37;
    private const double DegreesToRadians = Math.PI / 180.0;

    /// <summary>Whether Redis accepts the pair as a position.</summary>
    public static bool IsValid(double longitude, double latitude) =>
        longitude is >= LongitudeMin and <= LongitudeMax && latitude is >= LatitudeMin and <= LatitudeMax;

    /// <summary>The 52-bit score of a (valid) position.</summary>
    public static ulong Score(double longitude, double latitude) =>
        Encode(longitude, latitude, LatitudeMin, LatitudeMax, StepMax).Bits;

    /// <summary>
    /// The centre of the cell a score names, clamped to the valid ranges. A score not made by GEOADD is
    /// converted to 64 bits as Redis's C cast does on x86-64, so odd scores decode to Redis's odd places.
    /// </summary>
    public static (double Longitude, double Latitude) Decode(double score)
    {
        var area = Area(new GeoCell(CastToUInt64(score), StepMax), LatitudeMin, LatitudeMax);
        var longitude = Math.Clamp((area.LongitudeMin + area.LongitudeMax) / 2, LongitudeMin, LongitudeMax);
        var latitude = Math.Clamp((area.LatitudeMin + area.LatitudeMax) / 2, LatitudeMin, LatitudeMax);
        return (longitude, latitude);
    }

    /// <summary>The standard 11-character geohash of a score (re-encoded with latitudes ±90, as GEOHASH does).</summary>
    public static string Text(double score)
    {
        const string alphabet = "0123456789bcdefghjkmnpqrstuvwxyz";
        var (longitude, latitude) = Decode(score);
        var bits = Encode(longitude, latitude, -90, 90, StepMax).Bits;
        Span<char> text = stackalloc char[11];
        for (var i = 0; i < 10; i++)
            text[i] = alphabet[(int)((bits >> (52 - ((i + 1) * 5))) & 0x1f)];
        // 52 bits make ten characters and two bits; Redis writes the eleventh as zero.
        text[10] = alphabet[0];
        return new string(text);
    }

    /// <summary>The great-circle distance in metres (Redis's geohashGetDistance).</summary>
    public static double Distance(double longitude1, double latitude1, double longitude2, double latitude2)
    {
        var lon1 = longitude1 * DegreesToRadians;
        var lon2 = longitude2 * DegreesToRadians;
        var v = Math.Sin((lon2 - lon1) / 2);
        // On one meridian the haversine is the latitude difference (and cheaper).
        if (v == 0.0)
            return LatitudeDistance(latitude1, latitude2);
        var lat1 = latitude1 * DegreesToRadians;
        var lat2 = latitude2 * DegreesToRadians;
        var u = Math.Sin((lat2 - lat1) / 2);
        var a = (u * u) + (Math.Cos(lat1) * Math.Cos(lat2) * v * v);
        return 2.0 * EarthRadius * Math.Asin(Math.Sqrt(a));
    }

    /// <summary>
    /// Whether the point is inside <paramref name="shape"/>, and its distance from the shape's centre in
    /// metres (Redis's geoWithinShape: a box compares the latitude and longitude distances with half its sides).
    /// </summary>
    public static bool Within(in GeoShape shape, double longitude, double latitude, out double distance)
    {
        distance = 0;
        if (!shape.IsBox)
        {
            distance = Distance(shape.Longitude, shape.Latitude, longitude, latitude);
            return distance <= shape.Radius * shape.Metres;
        }
        if (LatitudeDistance(latitude, shape.Latitude) > shape.Height * shape.Metres / 2)
            return false;
        if (Distance(longitude, latitude, shape.Longitude, latitude) > shape.Width * shape.Metres / 2)
            return false;
        distance = Distance(shape.Longitude, shape.Latitude, longitude, latitude);
        return true;
    }

    /// <summary>
    /// The cells to look in for <paramref name="shape"/>, in Redis's order: the centre's cell, then
    /// north, south, east, west, north-east, north-west, south-east, south-west (some of them
    /// <see cref="GeoCell.IsNone"/>). Redis's geohashCalculateAreasByShapeWGS84.
    /// </summary>
    public static GeoCell[] SearchCells(in GeoShape shape)
    {
        var (minLongitude, minLatitude, maxLongitude, maxLatitude) = BoundingBox(shape);
        var radius = shape.IsBox
            ? Math.Sqrt((shape.Width / 2 * (shape.Width / 2)) + (shape.Height / 2 * (shape.Height / 2)))
            : shape.Radius;
        radius *= shape.Metres;
        var step = EstimateStep(radius, shape.Latitude);
        var centre = Encode(shape.Longitude, shape.Latitude, LatitudeMin, LatitudeMax, step);
        var cells = Neighbourhood(centre);

        // A neighbour that does not reach the bounding box means the cells are too small: one step coarser.
        if (step > 1 && (Area(cells[1], LatitudeMin, LatitudeMax).LatitudeMax < maxLatitude
            || Area(cells[2], LatitudeMin, LatitudeMax).LatitudeMin > minLatitude
            || Area(cells[3], LatitudeMin, LatitudeMax).LongitudeMax < maxLongitude
            || Area(cells[4], LatitudeMin, LatitudeMax).LongitudeMin > minLongitude))
        {
            step--;
            centre = Encode(shape.Longitude, shape.Latitude, LatitudeMin, LatitudeMax, step);
            cells = Neighbourhood(centre);
        }

        if (step >= 2)
        {
            var area = Area(centre, LatitudeMin, LatitudeMax);
            if (area.LatitudeMin < minLatitude)
                Drop(cells, South, SouthWest, SouthEast);
            if (area.LatitudeMax > maxLatitude)
                Drop(cells, North, NorthEast, NorthWest);
            if (area.LongitudeMin < minLongitude)
                Drop(cells, West, SouthWest, NorthWest);
            if (area.LongitudeMax > maxLongitude)
                Drop(cells, East, SouthEast, NorthEast);
        }
        return cells;
    }

    private const int North = 1, South = 2, East = 3, West = 4, NorthEast = 5, NorthWest = 6, SouthEast = 7, SouthWest = 8;

    private static void Drop(GeoCell[] cells, int a, int b, int c)
    {
        cells[a] = default;
        cells[b] = default;
        cells[c] = default;
    }

    private static double LatitudeDistance(double latitude1, double latitude2) =>
        EarthRadius * Math.Abs((latitude2 * DegreesToRadians) - (latitude1 * DegreesToRadians));

    private readonly record struct CellArea(double LongitudeMin, double LongitudeMax, double LatitudeMin, double LatitudeMax);

    private static GeoCell Encode(double longitude, double latitude, double latitudeMin, double latitudeMax, int step)
    {
        var latitudeOffset = (latitude - latitudeMin) / (latitudeMax - latitudeMin);
        var longitudeOffset = (longitude - LongitudeMin) / (LongitudeMax - LongitudeMin);
        latitudeOffset *= 1UL << step;
        longitudeOffset *= 1UL << step;
        return new GeoCell(Interleave((uint)latitudeOffset, (uint)longitudeOffset), step);
    }

    private static CellArea Area(GeoCell cell, double latitudeMin, double latitudeMax)
    {
        var separated = Deinterleave(cell.Bits);
        var latitudeCell = (uint)separated;
        var longitudeCell = (uint)(separated >> 32);
        double cells = 1UL << cell.Step;
        var latitudeScale = latitudeMax - latitudeMin;
        const double longitudeScale = LongitudeMax - LongitudeMin;
        return new CellArea(
            LongitudeMin + (longitudeCell * 1.0 / cells * longitudeScale),
            LongitudeMin + (unchecked(longitudeCell + 1u) * 1.0 / cells * longitudeScale),
            latitudeMin + (latitudeCell * 1.0 / cells * latitudeScale),
            latitudeMin + (unchecked(latitudeCell + 1u) * 1.0 / cells * latitudeScale));
    }

    private static (double MinLongitude, double MinLatitude, double MaxLongitude, double MaxLatitude) BoundingBox(in GeoShape shape)
    {
        var height = shape.Metres * (shape.IsBox ? shape.Height / 2 : shape.Radius);
        var width = shape.Metres * (shape.IsBox ? shape.Width / 2 : shape.Radius);
        var latitudeDelta = height / EarthRadius / DegreesToRadians;
        var longitudeDeltaTop = width / EarthRadius / Math.Cos((shape.Latitude + latitudeDelta) * DegreesToRadians) / DegreesToRadians;
        var longitudeDeltaBottom = width / EarthRadius / Math.Cos((shape.Latitude - latitudeDelta) * DegreesToRadians) / DegreesToRadians;
        // The box is widest at the edge nearer the equator.
        var longitudeDelta = shape.Latitude < 0 ? longitudeDeltaBottom : longitudeDeltaTop;
        return (shape.Longitude - longitudeDelta, shape.Latitude - latitudeDelta, shape.Longitude + longitudeDelta, shape.Latitude + latitudeDelta);
    }

    private static int EstimateStep(double metres, double latitude)
    {
        if (metres == 0)
            return StepMax;
        var step = 1;
        while (metres < MercatorMax)
        {
            metres *= 2;
            step++;
        }
        step -= 2;
        // Cells are narrower towards the poles.
        if (latitude is > 66 or < -66)
        {
            step--;
            if (latitude is > 80 or < -80)
                step--;
        }
        return Math.Clamp(step, 1, StepMax);
    }

    private static GeoCell[] Neighbourhood(GeoCell centre) =>
    [
        centre,
        Move(centre, 0, 1),
        Move(centre, 0, -1),
        Move(centre, 1, 0),
        Move(centre, -1, 0),
        Move(centre, 1, 1),
        Move(centre, -1, 1),
        Move(centre, 1, -1),
        Move(centre, -1, -1),
    ];

    /// <summary>The cell <paramref name="dx"/> east and <paramref name="dy"/> north, wrapping round (geohash_move_x/y).</summary>
    private static GeoCell Move(GeoCell cell, int dx, int dy)
    {
        var bits = cell.Bits;
        var shift = 64 - (cell.Step * 2);
        if (dx != 0)
        {
            var x = bits & 0xaaaaaaaaaaaaaaaaUL;
            var y = bits & 0x5555555555555555UL;
            var zz = 0x5555555555555555UL >> shift;
            x = dx > 0 ? x + (zz + 1) : (x | zz) - (zz + 1);
            x &= 0xaaaaaaaaaaaaaaaaUL >> shift;
            bits = x | y;
        }
        if (dy != 0)
        {
            var x = bits & 0xaaaaaaaaaaaaaaaaUL;
            var y = bits & 0x5555555555555555UL;
            var zz = 0xaaaaaaaaaaaaaaaaUL >> shift;
            y = dy > 0 ? y + (zz + 1) : (y | zz) - (zz + 1);
            y &= 0x5555555555555555UL >> shift;
            bits = x | y;
        }
        return cell with { Bits = bits };
    }

    /// <summary>Latitude bits to the even positions, longitude bits to the odd.</summary>
    private static ulong Interleave(uint latitude, uint longitude) => Spread(latitude) | (Spread(longitude) << 1);

    /// <summary>Latitude bits in the low half, longitude bits in the high half.</summary>
    private static ulong Deinterleave(ulong bits) => Gather(bits) | ((ulong)Gather(bits >> 1) << 32);

    private static ulong Spread(uint value)
    {
        ulong x = value;
        x = (x | (x << 16)) & 0x0000FFFF0000FFFFUL;
        x = (x | (x << 8)) & 0x00FF00FF00FF00FFUL;
        x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        x = (x | (x << 2)) & 0x3333333333333333UL;
        return (x | (x << 1)) & 0x5555555555555555UL;
    }

    private static uint Gather(ulong bits)
    {
        var x = bits & 0x5555555555555555UL;
        x = (x | (x >> 1)) & 0x3333333333333333UL;
        x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FUL;
        x = (x | (x >> 4)) & 0x00FF00FF00FF00FFUL;
        x = (x | (x >> 8)) & 0x0000FFFF0000FFFFUL;
        return (uint)((x | (x >> 16)) & 0x00000000FFFFFFFFUL);
    }

    /// <summary>C's <c>(uint64_t)score</c> as gcc compiles it on x86-64 (cvttsd2si, with 2^63 subtracted above it).</summary>
    private static ulong CastToUInt64(double score)
    {
        const double twoTo63 = 9223372036854775808.0;
        if (score < twoTo63)
            return unchecked((ulong)ConvertToInt64(score));
        return unchecked((ulong)ConvertToInt64(score - twoTo63)) ^ 0x8000000000000000UL;
    }

    /// <summary>cvttsd2si: truncation, and the "integer indefinite" 0x8000000000000000 when out of range.</summary>
    private static long ConvertToInt64(double value) =>
        value is >= -9223372036854775808.0 and < 9223372036854775808.0 ? (long)value : long.MinValue;
}
