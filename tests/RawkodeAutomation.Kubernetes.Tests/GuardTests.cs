using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>The guard: nothing without our ownership label is touched, whatever the input says.</summary>
public sealed class GuardTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private static readonly ClusterSpec Small = new("kubeadm-small", "v1.31.0", 1, 1);

    /// <summary>Someone else's Cluster, created without our label, named exactly as ours would be.</summary>
    private async Task<ClusterRef> ForeignClusterAsync(string team)
    {
        var name = Ownership.ClusterName(SandboxFixture.EpisodeId, team);
        await fixture.Sandbox.Management.CreateAsync(new JsonObject
        {
            ["apiVersion"] = "cluster.x-k8s.io/v1beta1",
            ["kind"] = "Cluster",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["labels"] = new JsonObject { ["team"] = team } },
            ["spec"] = new JsonObject { ["topology"] = new JsonObject { ["class"] = "kubeadm-small", ["version"] = "v1.31.0" } },
        });
        return new ClusterRef("default", name, SandboxFixture.EpisodeId, team);
    }

    private bool ClusterExists(ClusterRef cluster) =>
        fixture.Sandbox.Management.Get("cluster.x-k8s.io/v1beta1", "Cluster", cluster.Namespace, cluster.Name) is not null;

    [Fact]
    public async Task Provision_UnlabelledClusterWithOurName_Refused()
    {
        var foreign = await ForeignClusterAsync("guard-provision");
        var error = await Assert.ThrowsAsync<OwnershipException>(() => fixture.Operations.ProvisionAsync(SandboxFixture.EpisodeId, "guard-provision", Small, DateTimeOffset.UtcNow.AddHours(1)));
        Assert.Contains(Ownership.OwnedSelector, error.Message, StringComparison.Ordinal);
        Assert.Null(fixture.Sandbox.Management.Get("cluster.x-k8s.io/v1beta1", "Cluster", "default", foreign.Name)!["metadata"]!["labels"]![Ownership.OwnedByLabel]);
    }

    [Fact]
    public async Task TeardownAndBreak_UnlabelledCluster_RefusedAndClusterKept()
    {
        var foreign = await ForeignClusterAsync("guard-teardown");
        await Assert.ThrowsAsync<OwnershipException>(() => fixture.Operations.TeardownAsync(foreign));
        await Assert.ThrowsAsync<OwnershipException>(() => fixture.Operations.ApplyBreaksAsync(foreign, ["quota-zero-pods"]));
        await Assert.ThrowsAsync<OwnershipException>(() => fixture.Operations.UndoBreaksAsync(foreign, ["quota-zero-pods"]));
        await Assert.ThrowsAsync<OwnershipException>(() => fixture.Operations.DeployWorkloadAsync(foreign));
        await Assert.ThrowsAsync<OwnershipException>(() => fixture.Operations.GetWorkloadKubeconfigAsync(foreign));
        await Assert.ThrowsAsync<OwnershipException>(() => fixture.Operations.VerifyBrokenAsync(foreign, ["quota-zero-pods"]));
        Assert.True(ClusterExists(foreign));
        Assert.DoesNotContain(await fixture.Operations.ListOwnedClustersAsync(), c => c.Cluster.Name == foreign.Name);
    }

    [Fact]
    public async Task Teardown_OurClusterClaimedByAnotherTeam_Refused()
    {
        var ours = await fixture.Operations.ProvisionAsync(SandboxFixture.EpisodeId, "guard-team", Small, DateTimeOffset.UtcNow.AddHours(1));
        try
        {
            // The input lies about whose cluster it is: same name, different episode.
            var lie = ours with { EpisodeId = "klustered/some-other-episode" };
            await Assert.ThrowsAsync<OwnershipException>(() => fixture.Operations.TeardownAsync(lie));
            Assert.True(ClusterExists(ours));
        }
        finally
        {
            await fixture.Operations.TeardownAsync(ours);
        }

        Assert.False(ClusterExists(ours));
    }

    [Fact]
    public async Task UndoBreaks_UnlabelledObjectOfTheSameName_RefusedAndKept()
    {
        var cluster = await fixture.ReadyClusterAsync("guard-undo");
        try
        {
            // Someone created a policy with the break's name by hand: undoing the break must not delete it.
            using var client = await fixture.WorkloadClientAsync(cluster);
            await client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(
                new V1NetworkPolicy { Metadata = new V1ObjectMeta { Name = "allow-all-ingress" }, Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector(), Ingress = [new V1NetworkPolicyIngressRule()] } },
                "default");
            await Assert.ThrowsAsync<OwnershipException>(() => fixture.Operations.UndoBreaksAsync(cluster, ["networkpolicy-deny-all"]));

            // Nor may applying the break overwrite it.
            await Assert.ThrowsAsync<OwnershipException>(() => fixture.Operations.ApplyBreaksAsync(cluster, ["networkpolicy-deny-all"]));
            var kept = await client.NetworkingV1.ReadNamespacedNetworkPolicyAsync("allow-all-ingress", "default");
            Assert.NotNull(kept.Spec.Ingress);
        }
        finally
        {
            await fixture.Operations.TeardownAsync(cluster);
        }
    }

    [Fact]
    public async Task DeployWorkload_UnlabelledKlusteredDeploymentExists_Refused()
    {
        var cluster = await fixture.Operations.ProvisionAsync(SandboxFixture.EpisodeId, "guard-deploy", Small, DateTimeOffset.UtcNow.AddHours(1));
        await fixture.Operations.WaitProvisionedAsync(cluster);
        try
        {
            using var client = await fixture.WorkloadClientAsync(cluster);
            await client.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "postgres" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 5432 }] } }, "default");
            var error = await Assert.ThrowsAsync<OwnershipException>(() => fixture.Operations.DeployWorkloadAsync(cluster));
            Assert.Contains("Service default/postgres", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Operations.TeardownAsync(cluster);
        }
    }

    [Fact]
    public async Task ApplyBreaks_UnknownId_ListsTheLibraryAndTouchesNothing()
    {
        var cluster = await fixture.Operations.ProvisionAsync(SandboxFixture.EpisodeId, "guard-unknown", Small, DateTimeOffset.UtcNow.AddHours(1));
        await fixture.Operations.WaitProvisionedAsync(cluster);
        try
        {
            var error = await Assert.ThrowsAsync<KlusteredException>(() => fixture.Operations.ApplyBreaksAsync(cluster, ["quota-zero-pods", "rm-rf-slash"]));
            Assert.Contains("\"rm-rf-slash\"", error.Message, StringComparison.Ordinal);
            Assert.Null(fixture.WorkloadCluster(cluster).Get("v1", "ResourceQuota", "default", "compute"));
        }
        finally
        {
            await fixture.Operations.TeardownAsync(cluster);
        }
    }

    [Fact]
    public async Task Provision_UnknownClassOrBadVersion_ClearError()
    {
        var error = await Assert.ThrowsAsync<KlusteredException>(() => fixture.Operations.ProvisionAsync(SandboxFixture.EpisodeId, "team-x", Small with { Class = "kubeadm-huge" }, DateTimeOffset.UtcNow));
        Assert.Contains("unknown cluster class \"kubeadm-huge\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("kubeadm-medium", error.Message, StringComparison.Ordinal);
        error = await Assert.ThrowsAsync<KlusteredException>(() => fixture.Operations.ProvisionAsync(SandboxFixture.EpisodeId, "team-x", Small with { KubernetesVersion = "1.31" }, DateTimeOffset.UtcNow));
        Assert.Contains("must look like v1.31.0", error.Message, StringComparison.Ordinal);
        error = await Assert.ThrowsAsync<KlusteredException>(() => fixture.Operations.ProvisionAsync(SandboxFixture.EpisodeId, "team-x", Small with { WorkerReplicas = 9 }, DateTimeOffset.UtcNow));
        Assert.Contains("9 workers", error.Message, StringComparison.Ordinal);
    }
}
