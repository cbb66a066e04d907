namespace Lodestone.Api.Tests;

/// <summary>
/// The deployment files under <c>deploy/</c>, checked by the tool that reads them. There is no
/// Docker engine on this project's machines, so a compose file is validated with Debian's
/// <c>docker-compose config -q</c> (which .ci/run installs) and its resolved form is read for the
/// wiring that matters: every replica follows a primary of the same file, every node has its own
/// volume and host port, and the keys come from the environment, never from the file. There is no
/// Kubernetes either: the manifests are loaded into the official client's typed models
/// (KubernetesClient's <c>KubernetesYaml</c>), checked for the same wiring, and linted with yamllint.
/// </summary>
public sealed class DeployFilesTests
{
    private static readonly string Compose = Path.Combine(Repository.Root, "deploy", "compose");

    private static readonly (string, string)[] Keys =
    [
        ("LODESTONE_ADMIN_SHA256", new string('a', 64)),
        ("LODESTONE_REPLICA_SHA256", new string('b', 64)),
        ("LODESTONE_REPLICA_KEY", "replica-key-from-the-environment"),
    ];

    private static Task<(int ExitCode, string Output)> DockerCompose(string file, IEnumerable<(string, string)> environment, params string[] arguments) =>
        Repository.RunAsync("docker-compose", ["-f", file, .. arguments], Compose, TimeSpan.FromSeconds(60), environment);

    [Fact]
    public async Task The_replication_compose_file_is_valid_and_wires_two_replicas_to_its_primary()
    {
        var (exitCode, output) = await DockerCompose("replication.yml", Keys, "config", "-q");
        Assert.True(exitCode == 0, $"docker-compose config -q refused deploy/compose/replication.yml:\n{output}");

        (exitCode, output) = await DockerCompose("replication.yml", Keys, "config");
        Assert.Equal(0, exitCode);
        Assert.Equal(2, CountOf(output, "Replication__PrimaryOf: http://primary:8379"));
        Assert.Equal(2, CountOf(output, "Replication__ApiKey: replica-key-from-the-environment"));
        Assert.Equal(3, CountOf(output, "Auth__ApiKeys__1__Role: replica"));
        foreach (var port in new[] { "8379", "8380", "8381" })
            Assert.Contains($"published: {port}", output, StringComparison.Ordinal);
        foreach (var volume in new[] { "primary-data", "replica1-data", "replica2-data" })
            Assert.Contains($"- {volume}:/app/data", output, StringComparison.Ordinal);
        Assert.Contains("condition: service_healthy", output, StringComparison.Ordinal);
        // The image is built from this checkout's Dockerfile.
        Assert.Equal(3, CountOf(output, $"context: {Repository.Root}\n"));
    }

    [Fact]
    public async Task The_replication_compose_file_refuses_to_start_without_keys()
    {
        var (exitCode, output) = await DockerCompose("replication.yml", [], "config", "-q");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("LODESTONE_ADMIN_SHA256", output, StringComparison.Ordinal);
    }

    private static readonly (string, string)[] GroupKeys = [.. Keys, ("LODESTONE_CLUSTER_KEY", "cluster-key-from-the-environment")];

    [Fact]
    public async Task The_failover_compose_file_is_valid_and_makes_three_members_of_one_group()
    {
        var (exitCode, output) = await DockerCompose("failover.yml", GroupKeys, "config", "-q");
        Assert.True(exitCode == 0, $"docker-compose config -q refused deploy/compose/failover.yml:\n{output}");

        (exitCode, output) = await DockerCompose("failover.yml", GroupKeys, "config");
        Assert.Equal(0, exitCode);
        // Every node: the same members and cluster key, its own id, and no PrimaryOf (the group decides).
        foreach (var node in new[] { "node-1", "node-2", "node-3" })
        {
            Assert.Equal(1, CountOf(output, $"Failover__NodeId: {node}\n"));
            Assert.Equal(3, CountOf(output, $"Url: http://{node}:8379\n"));
        }
        Assert.Equal(3, CountOf(output, "Failover__ClusterKey: cluster-key-from-the-environment"));
        Assert.Equal(3, CountOf(output, "Replication__ApiKey: replica-key-from-the-environment"));
        Assert.DoesNotContain("Replication__PrimaryOf", output, StringComparison.Ordinal);
        foreach (var port in new[] { "8379", "8380", "8381" })
            Assert.Contains($"published: {port}", output, StringComparison.Ordinal);
        foreach (var volume in new[] { "node1-data", "node2-data", "node3-data" })
            Assert.Contains($"- {volume}:/app/data", output, StringComparison.Ordinal);
        Assert.Equal(3, CountOf(output, $"context: {Repository.Root}\n"));
    }

    [Fact]
    public async Task The_failover_compose_file_refuses_to_start_without_a_cluster_key()
    {
        var (exitCode, output) = await DockerCompose("failover.yml", Keys, "config", "-q");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("LODESTONE_CLUSTER_KEY", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_kubernetes_manifests_load_as_typed_objects_and_make_a_group_of_three()
    {
        var path = Path.Combine(Repository.Root, "deploy", "kubernetes", "lodestone.yaml");
        var objects = await k8s.KubernetesYaml.LoadAllFromFileAsync(path);

        var set = Assert.Single(objects.OfType<k8s.Models.V1StatefulSet>());
        var headless = objects.OfType<k8s.Models.V1Service>().Single(s => s.Metadata.Name == set.Spec.ServiceName);
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.Equal(3, set.Spec.Replicas);
        var labels = set.Spec.Template.Metadata.Labels;
        Assert.All(set.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, labels[label.Key]));
        Assert.All(headless.Spec.Selector, label => Assert.Equal(label.Value, labels[label.Key]));
        var container = Assert.Single(set.Spec.Template.Spec.Containers);
        Assert.Equal("/health", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/app/data", Assert.Single(container.VolumeMounts).MountPath);
        Assert.Equal("data", Assert.Single(set.Spec.VolumeClaimTemplates).Metadata.Name);
        // Every pod of the set is a member, under the name the headless Service gives it; keys come from a Secret.
        var env = container.Env.ToDictionary(e => e.Name);
        for (var i = 0; i < set.Spec.Replicas; i++)
        {
            Assert.Equal($"{set.Metadata.Name}-{i}", env[$"Failover__Members__{i}__Id"].Value);
            Assert.Equal($"http://{set.Metadata.Name}-{i}.{headless.Metadata.Name}:8379", env[$"Failover__Members__{i}__Url"].Value);
        }
        Assert.Equal("metadata.name", env["POD_NAME"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("$(POD_NAME)", env["Failover__NodeId"].Value);
        foreach (var secret in new[] { "Failover__ClusterKey", "Replication__ApiKey", "Auth__ApiKeys__0__Sha256", "Auth__ApiKeys__1__Sha256" })
            Assert.NotNull(env[secret].ValueFrom.SecretKeyRef);
        Assert.DoesNotContain(env.Keys, name => name == "Replication__PrimaryOf");

        var budget = Assert.Single(objects.OfType<k8s.Models.V1PodDisruptionBudget>());
        Assert.Equal("2", budget.Spec.MinAvailable.Value);
        Assert.All(budget.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, labels[label.Key]));

        // And Debian's yamllint (which .ci/run installs) finds nothing to say.
        var (exitCode, output) = await Repository.RunAsync("yamllint", ["-d", "{extends: default, rules: {line-length: {max: 140}}}", path], Repository.Root, TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, output);
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}
