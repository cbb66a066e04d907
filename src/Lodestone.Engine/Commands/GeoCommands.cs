using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Text;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>Geo: places as sorted-set members whose scores are 52-bit geohashes (Redis's geo.c).</summary>
/// <remarks>
/// Design note. A geo key is an ordinary sorted set — ZRANGE, ZREM and the rest work on it — and
/// <see cref="GeoGrid"/> does the geometry exactly as Redis does. A search looks in up to nine
/// geohash cells around the centre, each a score range of the set, so it costs O(N + log M) for N
/// points in those cells; points are reported in the order the cells are walked unless sorted (COUNT
/// without ANY sorts ascending, as in Redis). Distances are printed as C's "%.4f", coordinates as
/// Redis's long-double "%.17Lf", both from the exact binary value.
/// </remarks>
internal static class GeoCommands
{
    private const string Group = "geo";

    /// <summary>GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]</summary>
    /// <remarks>O(log N) per place. ZADD with the positions' geohashes as scores: NX/XX/CH as ZADD's.</remarks>
    [Command("GEOADD", -5, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]",
        Summary = "Adds one or more members to a geospatial index. The key is created if it doesn't exist.",
        Complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.", Group = Group, Since = "3.2.0")]
    public static Reply GeoAdd(CommandContext ctx)
    {
        var flags = SortedSetCommands.ZAddFlags.None;
        var first = 2;
        for (; first < ctx.ArgCount; first++)
        {
            if (ctx.ArgIs(first, "NX"))
                flags |= SortedSetCommands.ZAddFlags.Nx;
            else if (ctx.ArgIs(first, "XX"))
                flags |= SortedSetCommands.ZAddFlags.Xx;
            else if (ctx.ArgIs(first, "CH"))
                flags |= SortedSetCommands.ZAddFlags.Ch;
            else
                break;
        }
        if ((ctx.ArgCount - first) % 3 != 0 || flags.HasFlag(SortedSetCommands.ZAddFlags.Nx | SortedSetCommands.ZAddFlags.Xx))
            return Errors.Syntax;

        var scores = new double[(ctx.ArgCount - first) / 3];
        for (var j = 0; j < scores.Length; j++)
        {
            var position = Position(ctx, first + (j * 3));
            if (position.Error is { } error)
                return error;
            scores[j] = GeoGrid.Score(position.Longitude, position.Latitude);
        }
        return SortedSetCommands.AddScored(ctx, scores, first + 2, 3, flags);
    }

    /// <summary>GEODIST key member1 member2 [M | KM | FT | MI]</summary>
    /// <remarks>O(1). Nil when either member is missing.</remarks>
    [Command("GEODIST", -4, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "GEODIST key member1 member2 [M | KM | FT | MI]", Summary = "Returns the distance between two members of a geospatial index.",
        Complexity = "O(1)", Group = Group, Since = "3.2.0")]
    public static Reply GeoDist(CommandContext ctx)
    {
        var metres = 1.0;
        if (ctx.ArgCount == 5)
        {
            if (Unit(ctx.Arg(4)) is not { } unit)
                return Errors.GeoUnit;
            metres = unit;
        }
        else if (ctx.ArgCount > 5)
        {
            return Errors.Syntax;
        }
        if (ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value is not SortedSetValue zset
            || !zset.TryGetScore(ctx.Arg(2), out var first) || !zset.TryGetScore(ctx.Arg(3), out var second))
            return Reply.Null;
        var (longitude1, latitude1) = GeoGrid.Decode(first);
        var (longitude2, latitude2) = GeoGrid.Decode(second);
        return Distance(GeoGrid.Distance(longitude1, latitude1, longitude2, latitude2) / metres);
    }

    /// <summary>GEOHASH key [member [member ...]]</summary>
    /// <remarks>O(1) per member: the standard 11-character geohash, nil for a missing member.</remarks>
    [Command("GEOHASH", -2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "GEOHASH key [member [member ...]]", Summary = "Returns members from a geospatial index as geohash strings.",
        Complexity = "O(1) for each member requested.", Group = Group, Since = "3.2.0")]
    public static Reply GeoHash(CommandContext ctx) => PerMember(ctx, score => Reply.Bulk(GeoGrid.Text(score)));

    /// <summary>GEOPOS key [member [member ...]]</summary>
    /// <remarks>O(1) per member: [longitude, latitude] of the cell's centre, nil for a missing member.</remarks>
    [Command("GEOPOS", -2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "GEOPOS key [member [member ...]]", Summary = "Returns the longitude and latitude of members from a geospatial index.",
        Complexity = "O(1) for each member requested.", Group = Group, Since = "3.2.0")]
    public static Reply GeoPos(CommandContext ctx) => PerMember(ctx, score => Coordinates(GeoGrid.Decode(score)));

    /// <summary>GEOHASH and GEOPOS: for each member named from argument 2 on, <paramref name="reply"/> of its score, or nil.</summary>
    private static Reply PerMember(CommandContext ctx, Func<double, Reply> reply)
    {
        var zset = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access)?.Value as SortedSetValue;
        var replies = new Reply[ctx.ArgCount - 2];
        for (var j = 2; j < ctx.ArgCount; j++)
            replies[j - 2] = zset is not null && zset.TryGetScore(ctx.Arg(j), out var score) ? reply(score) : Reply.Null;
        return Reply.Array(replies);
    }

    /// <summary>GEOSEARCH key FROMMEMBER member | FROMLONLAT longitude latitude BYRADIUS radius unit | BYBOX width height unit [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]</summary>
    /// <remarks>O(N + log(M)), N the points in the cells around the shape, M the set's size.</remarks>
    [Command("GEOSEARCH", -7, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "GEOSEARCH key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]",
        Summary = "Queries a geospatial index for members inside an area of a box or a circle.",
        Complexity = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
        Group = Group, Since = "6.2.0")]
    public static Reply GeoSearch(CommandContext ctx) => SearchGeneric(ctx, 1, Search.Shaped);

    /// <summary>GEOSEARCHSTORE destination source FROMMEMBER member | FROMLONLAT longitude latitude BYRADIUS radius unit | BYBOX width height unit [ASC | DESC] [COUNT count [ANY]] [STOREDIST]</summary>
    /// <remarks>O(N + log(M)). Replaces the destination (whatever its type) with the places found, or deletes it when none are; replies their number.</remarks>
    [Command("GEOSEARCHSTORE", -8, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 2,
        Syntax = "GEOSEARCHSTORE destination source <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [STOREDIST]",
        Summary = "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.",
        Complexity = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
        Group = Group, Since = "6.2.0")]
    public static Reply GeoSearchStore(CommandContext ctx) => SearchGeneric(ctx, 2, Search.Shaped | Search.Store);

    /// <summary>GEORADIUS key longitude latitude radius unit [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]</summary>
    /// <remarks>Deprecated since Redis 6.2 for GEOSEARCH / GEOSEARCHSTORE; kept for old clients.</remarks>
    [Command("GEORADIUS", -6, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "GEORADIUS key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]",
        Summary = "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.",
        Complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        Group = Group, Since = "3.2.0")]
    public static Reply GeoRadius(CommandContext ctx) => SearchGeneric(ctx, 1, Search.FromCoordinates);

    /// <summary>GEORADIUSBYMEMBER key member radius unit [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]</summary>
    /// <remarks>Deprecated since Redis 6.2 for GEOSEARCH / GEOSEARCHSTORE; kept for old clients.</remarks>
    [Command("GEORADIUSBYMEMBER", -5, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "GEORADIUSBYMEMBER key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]",
        Summary = "Queries a geospatial index for members within a distance from a member, optionally stores the result.",
        Complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        Group = Group, Since = "3.2.0")]
    public static Reply GeoRadiusByMember(CommandContext ctx) => SearchGeneric(ctx, 1, Search.FromMember);

    /// <summary>GEORADIUS_RO key longitude latitude radius unit [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]</summary>
    /// <remarks>GEORADIUS without STORE, for read-only callers.</remarks>
    [Command("GEORADIUS_RO", -6, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "GEORADIUS_RO key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]",
        Summary = "Returns members from a geospatial index that are within a distance from a coordinate.",
        Complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        Group = Group, Since = "3.2.10")]
    public static Reply GeoRadiusRo(CommandContext ctx) => SearchGeneric(ctx, 1, Search.FromCoordinates | Search.NoStore);

    /// <summary>GEORADIUSBYMEMBER_RO key member radius unit [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]</summary>
    /// <remarks>GEORADIUSBYMEMBER without STORE, for read-only callers.</remarks>
    [Command("GEORADIUSBYMEMBER_RO", -5, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = 1, KeyType = RedisType.ZSet,
        Syntax = "GEORADIUSBYMEMBER_RO key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]",
        Summary = "Returns members from a geospatial index that are within a distance from a member.",
        Complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        Group = Group, Since = "3.2.10")]
    public static Reply GeoRadiusByMemberRo(CommandContext ctx) => SearchGeneric(ctx, 1, Search.FromMember | Search.NoStore);

    [Flags]
    private enum Search
    {
        FromCoordinates = 1,
        FromMember = 2,
        NoStore = 4,
        Shaped = 8,
        Store = 16,
    }

    /// <summary>One place found by a search.</summary>
    private readonly record struct Found(byte[] Member, double Score, double Longitude, double Latitude, double Distance);

    /// <summary>
    /// Redis's georadiusGeneric, for every search command: the source, the centre and shape, the
    /// options in Redis's order of checks, then the cells, then the reply or the stored set.
    /// </summary>
    private static Reply SearchGeneric(CommandContext ctx, int source, Search kind)
    {
        // GEOSEARCHSTORE's source is not type-checked by the declaration (its destination may be anything).
        var sourceEntry = ctx.Keyspace.Lookup(ctx.Arg(source), ctx.Access);
        if (sourceEntry is not null && sourceEntry.Value is not SortedSetValue)
            return Errors.WrongType;
        var zset = (SortedSetValue?)sourceEntry?.Value;

        double longitude = 0, latitude = 0, radius = 0, width = 0, height = 0, metres = 1;
        var isBox = false;
        int options;
        if (kind.HasFlag(Search.FromCoordinates))
        {
            options = 6;
            var centre = Position(ctx, 2);
            if (centre.Error is { } refused)
                return refused;
            (longitude, latitude) = (centre.Longitude, centre.Latitude);
            if (Radius(ctx, 4, out radius, out metres) is { } error)
                return error;
        }
        else if (kind.HasFlag(Search.FromMember))
        {
            options = 5;
            // Without the source there is nothing to measure from; the options are still read (their errors count).
            if (zset is not null)
            {
                if (!zset.TryGetScore(ctx.Arg(2), out var score))
                    return Errors.GeoNoMember;
                (longitude, latitude) = GeoGrid.Decode(score);
                if (Radius(ctx, 3, out radius, out metres) is { } error)
                    return error;
            }
        }
        else
        {
            options = kind.HasFlag(Search.Store) ? 3 : 2;
        }

        byte[]? store = kind.HasFlag(Search.Store) ? ctx.Args[1] : null;
        bool withDistance = false, withHash = false, withCoordinates = false, storeDistance = false, any = false;
        bool fromMember = false, fromCoordinates = false, byRadius = false, byBox = false;
        var descending = (bool?)null;
        long count = 0;
        var shaped = kind.HasFlag(Search.Shaped);
        var legacyStore = !kind.HasFlag(Search.NoStore) && !shaped;
        for (var i = options; i < ctx.ArgCount; i++)
        {
            var left = ctx.ArgCount - i - 1;
            if (ctx.ArgIs(i, "WITHDIST"))
            {
                withDistance = true;
            }
            else if (ctx.ArgIs(i, "WITHHASH"))
            {
                withHash = true;
            }
            else if (ctx.ArgIs(i, "WITHCOORD"))
            {
                withCoordinates = true;
            }
            else if (ctx.ArgIs(i, "ANY"))
            {
                any = true;
            }
            else if (ctx.ArgIs(i, "ASC"))
            {
                descending = false;
            }
            else if (ctx.ArgIs(i, "DESC"))
            {
                descending = true;
            }
            else if (ctx.ArgIs(i, "COUNT") && left >= 1)
            {
                if (!ctx.TryInt64(++i, out count))
                    return Errors.NotInteger;
                if (count <= 0)
                    return Errors.GeoCountNotPositive;
            }
            else if ((ctx.ArgIs(i, "STORE") || ctx.ArgIs(i, "STOREDIST")) && left >= 1 && legacyStore)
            {
                storeDistance = ctx.ArgIs(i, "STOREDIST");
                store = ctx.Args[++i];
                // The destination is a key the declaration's positions do not name: checked here.
                if (ctx.User is { } user && !user.MayAccess(store))
                    return Errors.NoPermissionForKey;
            }
            else if (ctx.ArgIs(i, "STOREDIST") && shaped && kind.HasFlag(Search.Store))
            {
                storeDistance = true;
            }
            else if (ctx.ArgIs(i, "FROMMEMBER") && left >= 1 && shaped && !fromCoordinates)
            {
                fromMember = true;
                i++;
                if (zset is null)
                    continue;
                if (!zset.TryGetScore(ctx.Arg(i), out var score))
                    return Errors.GeoNoMember;
                (longitude, latitude) = GeoGrid.Decode(score);
            }
            else if (ctx.ArgIs(i, "FROMLONLAT") && left >= 2 && shaped && !fromMember)
            {
                var centre = Position(ctx, i + 1);
                if (centre.Error is { } refused)
                    return refused;
                (longitude, latitude) = (centre.Longitude, centre.Latitude);
                fromCoordinates = true;
                i += 2;
            }
            else if (ctx.ArgIs(i, "BYRADIUS") && left >= 2 && shaped && !byBox)
            {
                if (Radius(ctx, i + 1, out radius, out metres) is { } error)
                    return error;
                byRadius = true;
                i += 2;
            }
            else if (ctx.ArgIs(i, "BYBOX") && left >= 3 && shaped && !byRadius)
            {
                if (!TryDouble(ctx, i + 1, out width))
                    return Errors.GeoNeedNumeric("width");
                if (!TryDouble(ctx, i + 2, out height))
                    return Errors.GeoNeedNumeric("height");
                if (width < 0 || height < 0)
                    return Errors.GeoNegativeBox;
                if (Unit(ctx.Arg(i + 3)) is not { } unit)
                    return Errors.GeoUnit;
                metres = unit;
                isBox = byBox = true;
                i += 3;
            }
            else
            {
                return Errors.Syntax;
            }
        }

        var name = Encoding.ASCII.GetString(ctx.Arg(0));
        if (store is not null && (withDistance || withHash || withCoordinates))
            return Errors.GeoStoreWith(kind.HasFlag(Search.Store) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
        if (shaped && !(fromMember || fromCoordinates))
            return Errors.GeoOneOf("FROMMEMBER or FROMLONLAT", name);
        if (shaped && !(byRadius || byBox))
            return Errors.GeoOneOf("BYRADIUS and BYBOX", name);
        if (any && count == 0)
            return Errors.GeoAnyWithoutCount;

        if (zset is null)
        {
            if (store is null)
                return Reply.EmptyArray;
            if (ctx.Keyspace.Delete(store, ctx.Access))
                ctx.MarkDirty();
            return Reply.Zero;
        }

        // COUNT without an order means the nearest ones (but ANY takes whichever come first).
        if (count != 0 && descending is null && !any)
            descending = false;
        var shape = new GeoShape(longitude, latitude, isBox, radius, width, height, metres);
        var found = Find(zset, shape, any ? count : 0);
        if (found.Count == 0 && store is null)
            return Reply.EmptyArray;
        var returned = count == 0 || found.Count < count ? found.Count : (int)count;
        if (descending is { } desc)
            found = Sort(found, desc);

        if (store is null)
        {
            var replies = new Reply[returned];
            for (var j = 0; j < returned; j++)
            {
                var place = found[j];
                if (!(withDistance || withHash || withCoordinates))
                {
                    replies[j] = Reply.Bulk(place.Member);
                    continue;
                }
                var parts = new List<Reply>(4) { Reply.Bulk(place.Member) };
                if (withDistance)
                    parts.Add(Distance(place.Distance / metres));
                if (withHash)
                    parts.Add(Reply.Integer(ScoreAsInteger(place.Score)));
                if (withCoordinates)
                    parts.Add(Coordinates((place.Longitude, place.Latitude)));
                replies[j] = Reply.Array([.. parts]);
            }
            return Reply.Array(replies);
        }

        if (returned == 0)
        {
            if (ctx.Keyspace.Delete(store, ctx.Access))
                ctx.MarkDirty();
            return Reply.Zero;
        }
        var stored = new SortedSetValue();
        for (var j = 0; j < returned; j++)
            stored.Set(found[j].Member, storeDistance ? found[j].Distance / metres : found[j].Score);
        ctx.Keyspace.Overwrite(store, RedisType.ZSet, stored, ctx.Access);
        ctx.MarkDirty(returned);
        return Reply.Integer(returned);
    }

    /// <summary>
    /// The places inside <paramref name="shape"/>, cell by cell in Redis's order, each cell in score
    /// order; with a <paramref name="limit"/> (ANY) the walk stops once that many are found.
    /// </summary>
    private static List<Found> Find(SortedSetValue zset, in GeoShape shape, long limit)
    {
        var found = new List<Found>();
        var cells = GeoGrid.SearchCells(shape);
        var last = 0;
        for (var i = 0; i < cells.Length; i++)
        {
            if (cells[i].IsNone)
                continue;
            // Very large searches can name one cell twice in a row: Redis skips the repeat (never the centre's).
            if (last != 0 && cells[i] == cells[last])
                continue;
            if (limit != 0 && found.Count >= limit)
                break;
            var (min, max) = cells[i].Scores;
            var (start, end) = zset.RanksOf(new ScoreRange(min, false, max, true));
            foreach (var element in zset.Range(start, end - start, descending: false))
            {
                var (longitude, latitude) = GeoGrid.Decode(element.Score);
                if (GeoGrid.Within(shape, longitude, latitude, out var distance))
                    found.Add(new Found(element.Member, element.Score, longitude, latitude, distance));
                if (limit != 0 && found.Count >= limit)
                    break;
            }
            last = i;
        }
        return found;
    }

    /// <summary>
    /// The places by distance, equal distances in the order found (a stable sort, as glibc's qsort is
    /// for Redis); with COUNT only the first few are replied.
    /// </summary>
    private static List<Found> Sort(List<Found> found, bool descending) =>
        [.. descending ? found.OrderByDescending(place => place.Distance) : found.OrderBy(place => place.Distance)];

    /// <summary>A longitude and latitude argument pair, checked against Redis's ranges.</summary>
    private static Parsed Position(CommandContext ctx, int index)
    {
        if (!TryDouble(ctx, index, out var longitude) || !TryDouble(ctx, index + 1, out var latitude))
            return new Parsed(0, 0, Errors.NotFloat);
        if (!GeoGrid.IsValid(longitude, latitude))
            return new Parsed(0, 0, Errors.GeoInvalidPosition(CFormat(longitude), CFormat(latitude)));
        return new Parsed(longitude, latitude, null);
    }

    /// <summary>A position, or the error that refused it.</summary>
    private readonly record struct Parsed(double Longitude, double Latitude, EngineError? Error);

    /// <summary>Redis's extractDistanceOrReply: a non-negative radius, then its unit.</summary>
    private static EngineError? Radius(CommandContext ctx, int index, out double radius, out double metres)
    {
        metres = 1;
        if (!TryDouble(ctx, index, out radius))
            return Errors.GeoNeedNumeric("radius");
        if (radius < 0)
            return Errors.GeoNegativeRadius;
        if (Unit(ctx.Arg(index + 1)) is not { } unit)
            return Errors.GeoUnit;
        metres = unit;
        return null;
    }

    private static bool TryDouble(CommandContext ctx, int index, out double value) =>
        RedisNumbers.TryParseDouble(ctx.Arg(index), out value);

    /// <summary>Metres per unit, or null for an unknown unit (case-insensitive, as Redis 7).</summary>
    private static double? Unit(ReadOnlySpan<byte> unit) =>
        Ascii.EqualsIgnoreCase(unit, "m"u8) ? 1
        : Ascii.EqualsIgnoreCase(unit, "km"u8) ? 1000
        : Ascii.EqualsIgnoreCase(unit, "ft"u8) ? 0.3048
        : Ascii.EqualsIgnoreCase(unit, "mi"u8) ? 1609.34
        : null;

    private static Reply Distance(double distance) => Reply.Bulk(LongDouble.FromDouble(distance).ToFixedString(4));

    private static Reply Coordinates((double Longitude, double Latitude) position) =>
        Reply.Array([Reply.Bulk(LongDouble.FromDouble(position.Longitude).ToHumanString()), Reply.Bulk(LongDouble.FromDouble(position.Latitude).ToHumanString())]);

    /// <summary>WITHHASH's integer: C's <c>(long long)</c> of the score (a GEOADD score always fits).</summary>
    private static long ScoreAsInteger(double score) =>
        score is >= -9223372036854775808.0 and < 9223372036854775808.0 ? (long)score : long.MinValue;

    /// <summary>C's "%f": six decimals (and "inf"/"-inf").</summary>
    private static string CFormat(double value) =>
        double.IsInfinity(value) ? (value > 0 ? "inf" : "-inf") : LongDouble.FromDouble(value).ToFixedString(6);
}
