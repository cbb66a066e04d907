using System.Net;
using System.Text.Json;
using Lodestone.Api.Failover;

namespace Lodestone.Api.Tests;

/// <summary>Failover's pieces that need no second process: the choice of a replica, the settings' checks, the cluster key, and /topology outside a group.</summary>
public sealed class FailoverTests
{
    private static NodeStatus Status(string id, long offset, int priority = 100, bool loading = false) =>
        new(id, "slave", offset, "id", priority, 1, loading, false);

    [Fact]
    public void The_most_up_to_date_replica_is_chosen_then_the_lowest_priority_then_the_smallest_id()
    {
        Assert.Equal("b", GroupConfiguration.ChooseCandidate([Status("a", 10), Status("b", 12), Status("c", 11)])!.Id);
        Assert.Equal("c", GroupConfiguration.ChooseCandidate([Status("a", 12, priority: 50), Status("c", 12, priority: 10)])!.Id);
        Assert.Equal("a", GroupConfiguration.ChooseCandidate([Status("b", 12), Status("a", 12)])!.Id);
        // Priority 0 is never promoted; nor is a node still loading its data.
        Assert.Equal("a", GroupConfiguration.ChooseCandidate([Status("a", 1), Status("b", 99, priority: 0), Status("c", 100, loading: true)])!.Id);
        Assert.Null(GroupConfiguration.ChooseCandidate([Status("b", 99, priority: 0)]));
        Assert.Null(GroupConfiguration.ChooseCandidate([]));
    }

    [Fact]
    public void A_configuration_reads_back_from_its_log_entry()
    {
        var configuration = new GroupConfiguration(3, "node-2", [new("node-1", "http://127.0.0.1:7001"), new("node-2", "http://127.0.0.1:7002")]);
        var read = GroupConfiguration.FromBytes(configuration.ToBytes());
        Assert.Equal(configuration.Epoch, read.Epoch);
        Assert.Equal("http://127.0.0.1:7002", read.PrimaryMember!.Url);
        Assert.Equal(configuration.Members, read.Members);
        Assert.Throws<JsonException>(() => GroupConfiguration.FromBytes("null"u8));
    }

    private static FailoverSettings Settings(Action<FailoverSettings>? change = null)
    {
        var settings = new FailoverSettings
        {
            NodeId = "node-1",
            ClusterKey = "0123456789abcdef",
            Members = [new() { Id = "node-1", Url = "http://127.0.0.1:7001" }, new() { Id = "node-2", Url = "http://127.0.0.1:7002/" }],
        };
        change?.Invoke(settings);
        return settings;
    }

    [Fact]
    public void The_settings_say_what_is_wrong_with_them()
    {
        Assert.Null(new FailoverSettings().Problem());
        Assert.Null(Settings().Problem());
        Assert.Contains("NodeId", Settings(s => s.NodeId = "node-9").Problem(), StringComparison.Ordinal);
        Assert.Contains("ClusterKey", Settings(s => s.ClusterKey = "short").Problem(), StringComparison.Ordinal);
        Assert.Contains("Url", Settings(s => s.Members[1].Url = "http://127.0.0.1:7002/path").Problem(), StringComparison.Ordinal);
        Assert.Contains("ids must differ", Settings(s => s.Members[1].Id = "node-1").Problem(), StringComparison.Ordinal);
        Assert.Contains("urls must differ", Settings(s => s.Members[1].Url = "http://127.0.0.1:7001").Problem(), StringComparison.Ordinal);
        Assert.Contains("Id", Settings(s => s.Members[1].Id = "node 2").Problem(), StringComparison.Ordinal);
        Assert.Contains("DownAfterMs", Settings(s => s.DownAfterMs = 1000).Problem(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_a_group_the_topology_is_this_node_alone_as_primary()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();
        var topology = JsonDocument.Parse(await client.GetStringAsync("/topology")).RootElement;
        Assert.False(topology.GetProperty("group").GetBoolean());
        Assert.Equal(0, topology.GetProperty("epoch").GetInt64());
        var member = Assert.Single(topology.GetProperty("members").EnumerateArray());
        Assert.Equal("primary", member.GetProperty("role").GetString());
        Assert.Equal(member.GetProperty("url").GetString(), topology.GetProperty("primary").GetString());
    }

    [Fact]
    public async Task Node_to_node_routes_answer_only_the_cluster_key_and_writes_wait_for_the_group()
    {
        using var factory = new GroupMemberFactory();
        using var client = factory.CreateClient();
        const string Heartbeat = """{"epoch":0,"primary":"","term":0}""";
        // Node-to-node routes are not in the public OpenAPI document: their answers are not checked against it.
        static HttpRequestMessage NodeToNode(string path, string? key, string body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Http.Json(body) };
            request.Options.Set(ContractCheckingHandler.Unchecked, true);
            if (key is not null)
                request.Headers.Add(FailoverHosting.KeyHeader, key);
            return request;
        }
        using (var request = NodeToNode(FailoverHosting.HeartbeatPath, null, Heartbeat))
        using (var anonymous = await client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
            Assert.Contains(FailoverHosting.KeyHeader, await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var raft = NodeToNode("/cluster-consensus/raft", "not-the-key-0123456789", "{}"))
        {
            using var refused = await client.SendAsync(raft);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using (var heartbeat = NodeToNode(FailoverHosting.HeartbeatPath, GroupMemberFactory.ClusterKey, Heartbeat))
        {
            using var answered = await client.SendAsync(heartbeat);
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            var status = JsonDocument.Parse(await answered.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("node-1", status.GetProperty("id").GetString());
            Assert.False(status.GetProperty("hasLease").GetBoolean());
        }
        // The test host listens nowhere its own Raft member can reach, so no heartbeat ever names it
        // primary: it holds no lease and takes no write, on any entry point; reads go on.
        using (var put = await client.PutAsync("/strings/k", Http.Json("""{"value":"v"}""")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
            Assert.Contains("\"code\":\"TRYAGAIN\"", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var pipeline = await client.PostAsync("/commands/pipeline", Http.Json("""[["GET","k"],["SET","k","v"]]""")))
        {
            var replies = JsonDocument.Parse(await pipeline.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(JsonValueKind.Null, replies[0].GetProperty("result").ValueKind);
            Assert.StartsWith("TRYAGAIN ", replies[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        using (var exec = await client.PostAsync("/commands/multi-exec", Http.Json("""[["SET","k","v"]]""")))
            Assert.Contains("TRYAGAIN", await exec.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var topology = JsonDocument.Parse(await client.GetStringAsync("/topology")).RootElement;
        Assert.True(topology.GetProperty("group").GetBoolean());
        Assert.Equal("node-1", topology.GetProperty("self").GetString());
    }

    /// <summary>The service as the one member of a group whose address it does not listen on.</summary>
    private sealed class GroupMemberFactory : ApiFactory
    {
        public const string ClusterKey = "cluster-key-0123456789";

        protected override IEnumerable<(string Key, string Value)> Settings =>
        [
            ("Failover:NodeId", "node-1"),
            ("Failover:ClusterKey", ClusterKey),
            ("Failover:Members:0:Id", "node-1"),
            ("Failover:Members:0:Url", "http://127.0.0.1:9"),
        ];
    }
}
