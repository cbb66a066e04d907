using System.Globalization;
using System.Text;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Security;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Geo searches against a brute-force model, STOREDIST against WITHDIST, and the key rules of STORE
/// (RedisTablesTests compares every reply with a real Redis's).
/// </summary>
public sealed class GeoCommandsTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(Reply reply) => Encoding.UTF8.GetString(reply.AsBulk().Span);

    private static double Number(Reply reply) => double.Parse(Text(reply), CultureInfo.InvariantCulture);

    /// <summary>The haversine distance in metres, written independently of the engine's (same sphere).</summary>
    private static double Haversine(double lon1, double lat1, double lon2, double lat2)
    {
        const double radius = 6372797.560856;
        double Rad(double degrees) => degrees * Math.PI / 180;
        var dLat = Rad(lat2 - lat1);
        var dLon = Rad(lon2 - lon1);
        var a = Math.Pow(Math.Sin(dLat / 2), 2) + (Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Pow(Math.Sin(dLon / 2), 2));
        return 2 * radius * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    [Fact]
    public async Task Searches_by_radius_and_by_box_find_exactly_the_places_a_brute_force_scan_finds()
    {
        var random = new Random(7);
        var centres = new[] { (13.4, 52.5), (-0.1, 51.5), (179.5, -17.8), (-70.0, 78.0), (151.2, -33.9) };
        foreach (var (lon, lat) in centres)
        {
            await _engine.Run("DEL", "places");
            var args = new List<string> { "GEOADD", "places" };
            for (var i = 0; i < 400; i++)
            {
                // Longitude ±180 exactly is outside the 52-bit cells a search walks (see below): not modelled.
                var x = Math.Clamp(lon + ((random.NextDouble() - 0.5) * 6), -179.999, 179.999);
                var y = Math.Clamp(lat + ((random.NextDouble() - 0.5) * 4), -85, 85);
                args.AddRange([x.ToString("R", CultureInfo.InvariantCulture), y.ToString("R", CultureInfo.InvariantCulture), $"p{i}"]);
            }
            ReplyAssert.Integer(await _engine.Run([.. args]), 400);

            // The model: every stored position (as GEOPOS reports it), measured from the centre.
            var positions = new Dictionary<string, (double Lon, double Lat)>();
            var reported = (await _engine.Run(["GEOPOS", "places", .. Enumerable.Range(0, 400).Select(i => $"p{i}")])).AsItems();
            for (var i = 0; i < 400; i++)
                positions[$"p{i}"] = (Number(reported[i].AsItems()[0]), Number(reported[i].AsItems()[1]));

            for (var search = 0; search < 20; search++)
            {
                var (cx, cy) = (Math.Clamp(lon + ((random.NextDouble() - 0.5) * 4), -180, 180), Math.Clamp(lat + ((random.NextDouble() - 0.5) * 2), -85, 85));
                var radiusKm = 5 + (random.NextDouble() * 200);
                var (widthKm, heightKm) = (5 + (random.NextDouble() * 300), 5 + (random.NextDouble() * 300));
                var centre = new[] { "FROMLONLAT", cx.ToString("R", CultureInfo.InvariantCulture), cy.ToString("R", CultureInfo.InvariantCulture) };

                var inCircle = Members(await _engine.Run(["GEOSEARCH", "places", .. centre, "BYRADIUS", radiusKm.ToString("R", CultureInfo.InvariantCulture), "km"]));
                var inBox = Members(await _engine.Run(["GEOSEARCH", "places", .. centre, "BYBOX", widthKm.ToString("R", CultureInfo.InvariantCulture),
                    heightKm.ToString("R", CultureInfo.InvariantCulture), "km"]));

                foreach (var (member, (x, y)) in positions)
                {
                    var distance = Haversine(cx, cy, x, y);
                    // Points within a millimetre of an edge may fall either way by rounding: not judged.
                    if (Math.Abs(distance - (radiusKm * 1000)) > 1e-3)
                        Assert.True(inCircle.Contains(member) == distance <= radiusKm * 1000, $"{member} at {distance} m, radius {radiusKm} km");
                    var north = Haversine(cx, cy, cx, y);
                    var east = Haversine(cx, y, x, y);
                    if (Math.Abs(north - (heightKm * 500)) > 1e-3 && Math.Abs(east - (widthKm * 500)) > 1e-3)
                        Assert.True(inBox.Contains(member) == (north <= heightKm * 500 && east <= widthKm * 500), $"{member} in a box {widthKm}×{heightKm} km");
                }
            }
        }
    }

    [Fact]
    public async Task A_place_at_longitude_180_is_stored_but_as_in_Redis_no_search_finds_it()
    {
        // Its cell number is 2^26, one past the 52 bits the search cells cover: Redis 7.0 answers the same.
        await _engine.Run("GEOADD", "g", "180", "-17.4", "edge", "179.9", "-17.4", "near");
        ReplyAssert.BulkArray(await _engine.Run("GEOSEARCH", "g", "FROMLONLAT", "179.5", "-17.5", "BYRADIUS", "167", "km"), "near");
        Assert.Equal(2, (await _engine.Run("GEOPOS", "g", "edge", "near")).AsItems().Count(item => !item.IsNull));
    }

    private static HashSet<string> Members(Reply reply) => [.. reply.AsItems().Select(Text)];

    [Fact]
    public async Task Sorted_searches_list_the_nearest_first_and_COUNT_keeps_the_nearest()
    {
        await _engine.Run("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania", "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2");
        var all = (await _engine.Run("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "400", "km", "ASC", "WITHDIST")).AsItems();
        var distances = all.Select(item => Number(item.AsItems()[1])).ToList();
        Assert.Equal(distances.Order(), distances);
        ReplyAssert.BulkArray(await _engine.Run("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "400", "km", "COUNT", "2"),
            [.. all.Take(2).Select(item => Text(item.AsItems()[0]))]);
        ReplyAssert.BulkArray(await _engine.Run("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "400", "km", "COUNT", "1", "DESC"),
            Text(all[^1].AsItems()[0]));
    }

    [Fact]
    public async Task STOREDIST_stores_the_distances_WITHDIST_replies_and_STORE_the_geohash_scores()
    {
        await _engine.Run("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania");
        var found = (await _engine.Run("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHDIST", "WITHHASH", "ASC")).AsItems();

        ReplyAssert.Integer(await _engine.Run("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "STOREDIST"), 2);
        foreach (var item in found)
        {
            var stored = (await _engine.Run("ZSCORE", "d", Text(item.AsItems()[0]))).AsDouble();
            Assert.Equal(Text(item.AsItems()[1]), stored.ToString("F4", CultureInfo.InvariantCulture));
        }

        ReplyAssert.Integer(await _engine.Run("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d"), 2);
        foreach (var item in found)
            Assert.Equal(item.AsItems()[2].AsInteger(), (long)(await _engine.Run("ZSCORE", "d", Text(item.AsItems()[0]))).AsDouble());

        // Nothing found: the destination goes.
        ReplyAssert.Integer(await _engine.Run("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"), 0);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "d"), 0);
    }

    [Fact]
    public async Task A_refused_GEOADD_changes_nothing_even_when_earlier_places_were_valid()
    {
        await _engine.Run("GEOADD", "g", "1", "2", "a");
        ReplyAssert.Error(await _engine.Run("GEOADD", "g", "3", "4", "b", "200", "0", "c"), "ERR invalid longitude,latitude pair 200.000000,0.000000");
        ReplyAssert.Integer(await _engine.Run("ZCARD", "g"), 1);
        ReplyAssert.Error(await _engine.Run("GEOADD", "g", "NX", "XX", "3", "4", "b"), "ERR syntax error");
        ReplyAssert.Integer(await _engine.Run("GEOADD", "g", "CH", "1", "2", "a", "3", "4", "b"), 1);
        ReplyAssert.Integer(await _engine.Run("GEOADD", "g", "XX", "CH", "5", "6", "a", "7", "8", "c"), 1);
        ReplyAssert.Integer(await _engine.Run("ZCARD", "g"), 2);
    }

    [Fact]
    public async Task A_caller_scoped_to_key_patterns_cannot_store_a_search_outside_them()
    {
        await _engine.Run("GEOADD", "user:g", "13.361389", "38.115556", "Palermo");
        var scoped = new AclUser("scoped", AclRole.Write, [B("user:*")]);
        Task<CommandResult> RunAs(params string[] args) => _engine.Executor.ExecuteAsync(new CommandRequest([.. args.Select(B)]) { User = scoped });

        ReplyAssert.Error((await RunAs("GEORADIUS", "user:g", "13", "38", "100", "km", "STORE", "elsewhere")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Error((await RunAs("GEORADIUSBYMEMBER", "user:g", "Palermo", "100", "km", "STOREDIST", "elsewhere")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Error((await RunAs("GEOSEARCHSTORE", "elsewhere", "user:g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km")).Reply, ErrorKind.NoPermission);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "elsewhere"), 0);
        ReplyAssert.Integer((await RunAs("GEORADIUS", "user:g", "13", "38", "100", "km", "STORE", "user:near")).Reply, 1);
    }
}
