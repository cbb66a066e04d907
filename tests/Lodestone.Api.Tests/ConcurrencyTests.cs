using System.Net;
using static Lodestone.Api.Tests.Http;

namespace Lodestone.Api.Tests;

public sealed class ConcurrencyTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Parallel_increments_from_many_clients_are_never_lost()
    {
        const int Clients = 64;
        const int IncrementsEach = 500;
        var key = ApiFactory.Key();
        var url = Strings(key, "/incr");

        // Created one by one: the factory starts its server on first use, and is not safe to start from many threads.
        var clients = Enumerable.Range(0, Clients).Select(_ => factory.CreateClient()).ToList();

        var workers = clients.Select(client => Task.Run(async () =>
        {
            for (var i = 0; i < IncrementsEach; i++)
            {
                using var response = await client.PostAsync(url, null);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }));
        await Task.WhenAll(workers);
        clients.ForEach(client => client.Dispose());

        using var reader = factory.CreateClient();
        Assert.Equal((Clients * IncrementsEach).ToString(System.Globalization.CultureInfo.InvariantCulture), await reader.GetValue(key));
    }
}
