using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

/// <summary>
/// <c>/geo</c> over HTTP: adding places, reading, measuring and removing them, searching by radius
/// and box (as JSON and as GeoJSON for a web map), the problems for bad input, and the command
/// endpoint reaching the geo commands with Redis's printed digits.
/// </summary>
public sealed class GeoEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Geo(string key, string suffix = "") => $"/geo/{Segment(key)}{suffix}";

    private const string Sicily = """
        {"places":[{"member":"Palermo","longitude":13.361389,"latitude":38.115556},{"member":"Catania","longitude":15.087269,"latitude":37.502669}]}
        """;

    private async Task<string> AddSicily()
    {
        var key = ApiFactory.Key("sicily");
        var body = await (await _client.PostAsync(Geo(key, "/places"), Json(Sicily))).Body(HttpStatusCode.Created);
        Assert.Equal(2, body.GetProperty("count").GetInt64());
        return key;
    }

    [Fact]
    public async Task Places_are_added_read_back_measured_and_removed()
    {
        var key = await AddSicily();
        var again = await (await _client.PostAsync(Geo(key, "/places"), Json(Sicily.Replace("}]}", "}],\"ch\":true}", StringComparison.Ordinal)))).Body(HttpStatusCode.OK);
        Assert.Equal(0, again.GetProperty("count").GetInt64());

        var place = await (await _client.GetAsync(Geo(key, "/places/Palermo"))).Body(HttpStatusCode.OK);
        // The centre of the stored cell: within a metre of what was added, and Redis's own value.
        Assert.Equal(13.361389338970184, place.GetProperty("longitude").GetDouble());
        Assert.Equal(38.1155563954963, place.GetProperty("latitude").GetDouble());

        var distance = await (await _client.GetAsync(Geo(key, "/distance?from=Palermo&to=Catania&unit=km"))).Body(HttpStatusCode.OK);
        Assert.Equal(166.2742, distance.GetProperty("distance").GetDouble());
        Assert.Equal("km", distance.GetProperty("unit").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync(Geo(key, "/places/Palermo"))).StatusCode);
        await _client.GetAsync(Geo(key, "/places/Palermo")).Problem(HttpStatusCode.NotFound);
        await _client.DeleteAsync(Geo(key, "/places/Palermo")).Problem(HttpStatusCode.NotFound);
        await _client.GetAsync(Geo(key, "/distance?from=Palermo&to=Catania")).Problem(HttpStatusCode.NotFound);
        // The key is a sorted set: the zset routes read it too.
        Assert.Equal(1, (await (await _client.GetAsync($"/zsets/{Segment(key)}")).Body(HttpStatusCode.OK)).GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task A_search_by_radius_or_box_lists_the_nearest_first_with_distances_in_the_unit_asked()
    {
        var key = await AddSicily();

        var around = await (await _client.GetAsync(Geo(key, "/search?longitude=15&latitude=37&radius=200&unit=km"))).Body(HttpStatusCode.OK);
        Assert.Equal(["Catania", "Palermo"], around.GetProperty("places").EnumerateArray().Select(p => p.GetProperty("member").GetString()));
        Assert.Equal([56.4413, 190.4424], around.GetProperty("places").EnumerateArray().Select(p => p.GetProperty("distance").GetDouble()));

        var farthest = await (await _client.GetAsync(Geo(key, "/search?longitude=15&latitude=37&width=400&height=400&unit=km&order=desc&count=1"))).Body(HttpStatusCode.OK);
        Assert.Equal("Palermo", farthest.GetProperty("places")[0].GetProperty("member").GetString());
        Assert.Equal(1, farthest.GetProperty("places").GetArrayLength());

        var fromMember = await (await _client.GetAsync(Geo(key, "/search?member=Palermo&radius=100&unit=km"))).Body(HttpStatusCode.OK);
        Assert.Equal(["Palermo"], fromMember.GetProperty("places").EnumerateArray().Select(p => p.GetProperty("member").GetString()));

        var missingKey = await (await _client.GetAsync(Geo(ApiFactory.Key(), "/search?longitude=15&latitude=37&radius=200"))).Body(HttpStatusCode.OK);
        Assert.Equal(0, missingKey.GetProperty("places").GetArrayLength());
    }

    [Fact]
    public async Task A_search_asked_for_GeoJSON_is_a_FeatureCollection_a_web_map_can_load()
    {
        var key = await AddSicily();
        var request = new HttpRequestMessage(HttpMethod.Get, Geo(key, "/search?member=Palermo&radius=200&unit=km"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/geo+json"));

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        var collection = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("FeatureCollection", collection.GetProperty("type").GetString());
        var features = collection.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(["Palermo", "Catania"], features.Select(f => f.GetProperty("id").GetString()));
        Assert.All(features, f => Assert.Equal("Feature", f.GetProperty("type").GetString()));
        var point = features[1].GetProperty("geometry");
        Assert.Equal("Point", point.GetProperty("type").GetString());
        // GeoJSON's order: longitude, then latitude.
        Assert.Equal([15.087267458438873, 37.50266842333162], point.GetProperty("coordinates").EnumerateArray().Select(c => c.GetDouble()));
        Assert.Equal(166.2742, features[1].GetProperty("properties").GetProperty("distance").GetDouble());

        // JSON stays the default, and wins a tie.
        var both = new HttpRequestMessage(HttpMethod.Get, Geo(key, "/search?member=Palermo&radius=1"));
        both.Headers.Accept.ParseAdd("application/json, application/geo+json");
        Assert.Equal("application/json", (await _client.SendAsync(both)).Content.Headers.ContentType?.MediaType);
        var neither = new HttpRequestMessage(HttpMethod.Get, Geo(key, "/search?member=Palermo&radius=1"));
        neither.Headers.Accept.ParseAdd("text/csv");
        await (await _client.SendAsync(neither)).Problem(HttpStatusCode.NotAcceptable);
    }

    [Theory]
    [InlineData("/search?radius=1", "Name the centre")]
    [InlineData("/search?member=a&longitude=1&latitude=2&radius=1", "Name the centre")]
    [InlineData("/search?longitude=1&radius=1", "latitude goes with longitude")]
    [InlineData("/search?longitude=200&latitude=2&radius=1", "longitude must be between")]
    [InlineData("/search?longitude=1&latitude=86&radius=1", "latitude must be between")]
    [InlineData("/search?longitude=1&latitude=2", "Name the shape")]
    [InlineData("/search?longitude=1&latitude=2&radius=1&width=2&height=2", "Name the shape")]
    [InlineData("/search?longitude=1&latitude=2&width=2", "height goes with width")]
    [InlineData("/search?longitude=1&latitude=2&radius=-1", "radius must be")]
    [InlineData("/search?longitude=1&latitude=2&radius=1&unit=yd", "unit must be")]
    [InlineData("/search?longitude=1&latitude=2&radius=1&order=up", "order must be")]
    [InlineData("/search?longitude=1&latitude=2&radius=1&count=0", "count must be at least 1")]
    [InlineData("/search?longitude=1&latitude=2&radius=1&any=true", "any needs a count")]
    [InlineData("/search?longitude=1&latitude=2&radius=1&count=1000000", "count must be between 1 and")]
    [InlineData("/distance?from=a", "to must name a member")]
    [InlineData("/distance?from=a&to=b&unit=yd", "unit must be")]
    public async Task Bad_queries_are_problems_that_say_what_is_wrong(string query, string says)
    {
        var key = await AddSicily();
        var problem = await _client.GetAsync(Geo(key, query)).Problem(HttpStatusCode.BadRequest);
        Assert.Contains(says, problem.Detail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_search_around_a_member_that_is_not_there_is_not_found()
    {
        var key = await AddSicily();
        var problem = await _client.GetAsync(Geo(key, "/search?member=Rome&radius=1")).Problem(HttpStatusCode.NotFound);
        Assert.Contains("'Rome' is not a place", problem.Detail(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"places":[]}""", "at least one place")]
    [InlineData("""{"places":[{"member":"x","longitude":181,"latitude":0}]}""", "longitude must be between")]
    [InlineData("""{"places":[{"member":"x","longitude":0,"latitude":-90}]}""", "poles cannot be indexed")]
    [InlineData("""{"places":[{"member":"x","longitude":0,"latitude":0}],"condition":"gt"}""", "condition must be")]
    [InlineData("""{"places":[{"member":"%%","longitude":0,"latitude":0}],"encoding":"base64"}""", "valid base64")]
    public async Task A_refused_add_is_a_problem_and_stores_nothing(string body, string says)
    {
        var key = ApiFactory.Key();
        var problem = await _client.PostAsync(Geo(key, "/places"), Json(body)).Problem(HttpStatusCode.BadRequest);
        Assert.Contains(says, problem.Detail(), StringComparison.Ordinal);
        await _client.GetAsync($"/zsets/{Segment(key)}").Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_command_endpoint_runs_geo_commands_with_the_digits_redis_prints()
    {
        var key = await AddSicily();

        async Task<string> Command(string json)
        {
            var response = await _client.PostAsync("/commands", Json(json));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("result").GetRawText();
        }

        Assert.Equal("""[["13.36138933897018433","38.11555639549629859"],null]""", await Command($"""["GEOPOS","{key}","Palermo","nope"]"""));
        Assert.Equal("""["sqc8b49rny0","sqdtr74hyu0"]""", await Command($"""["GEOHASH","{key}","Palermo","Catania"]"""));
        Assert.Equal("\"166.2742\"", await Command($"""["GEODIST","{key}","Palermo","Catania","km"]"""));
        Assert.Equal("""[["Catania","56.4413",3479447370796909,["15.08726745843887329","37.50266842333162032"]]]""",
            await Command($"""["GEOSEARCH","{key}","FROMLONLAT","15","37","BYRADIUS","100","km","WITHDIST","WITHHASH","WITHCOORD"]"""));
        var refused = await _client.PostAsync("/commands", Json($"""["GEOADD","{key}","200","100","x"]"""));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("ERR invalid longitude,latitude pair 200.000000,100.000000",
            JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }
}
