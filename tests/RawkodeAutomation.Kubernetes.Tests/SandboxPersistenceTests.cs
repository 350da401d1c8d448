using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Kubernetes.Sandbox;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>With a state file, the sandbox's clusters (and the kubeconfigs it handed out) survive a restart.</summary>
public sealed class SandboxPersistenceTests
{
    [Fact]
    public async Task Restart_WithStatePath_KeepsClustersObjectsAndCredentials()
    {
        var directory = Directory.CreateTempSubdirectory("k8s-state-");
        try
        {
            var options = new KubernetesSandboxOptions { ProvisionDelay = TimeSpan.FromMilliseconds(150), StatePath = Path.Combine(directory.FullName, "kubernetes.json") };
            string kubeconfig;
            ClusterRef cluster;

            // Given a provisioned Klustered cluster with the workload and an object made by kubectl,
            await using (var sandbox = await KubernetesSandbox.StartAsync(options))
            {
                using var ops = new KubernetesClusterOperations(SandboxFixture.TestOptions(sandbox));
                cluster = await ops.ProvisionAsync(SandboxFixture.EpisodeId, "persist", new ClusterSpec("kubeadm-small", "v1.31.0", 1, 1), DateTimeOffset.UtcNow.AddHours(4));
                await ops.WaitProvisionedAsync(cluster);
                await ops.DeployWorkloadAsync(cluster);
                kubeconfig = await ops.GetWorkloadKubeconfigAsync(cluster);
                using var kubectl = new Kubectl(kubeconfig);
                await kubectl.OkAsync("create", "configmap", "survivor", "--from-literal=a=1");
            }

            // when the sandbox restarts from its state file,
            await using (var restarted = await KubernetesSandbox.StartAsync(options))
            {
                Assert.Single(restarted.WorkloadClusters);
                using var ops = new KubernetesClusterOperations(SandboxFixture.TestOptions(restarted));

                // then the cluster, its objects and the workload are still there, through the kubeconfig it publishes,
                using var kubectl = new Kubectl(await ops.GetWorkloadKubeconfigAsync(cluster));
                Assert.Equal("1", await kubectl.OkAsync("get", "configmap", "survivor", "-o", "jsonpath={.data.a}"));
                await kubectl.OkAsync("rollout", "status", "deployment/klustered", "--timeout=60s");
                Assert.Contains("kubeadm-small", await new Kubectl(restarted.ManagementKubeconfig).OkAsync("get", "clusters.cluster.x-k8s.io", "-A"), StringComparison.Ordinal);

                // and a kubeconfig handed out before the restart still authenticates (same CA, same port when free).
                using var before = new Kubectl(kubeconfig);
                Assert.Equal("1", await before.OkAsync("get", "configmap", "survivor", "-o", "jsonpath={.data.a}"));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Restart_ClusterStillProvisioning_ProvisioningResumes()
    {
        var directory = Directory.CreateTempSubdirectory("k8s-state-");
        try
        {
            var statePath = Path.Combine(directory.FullName, "kubernetes.json");
            ClusterRef cluster;

            // Given a Cluster that is still provisioning when the process stops (provisioning that would take a day),
            await using (var sandbox = await KubernetesSandbox.StartAsync(new KubernetesSandboxOptions { ProvisionDelay = TimeSpan.FromDays(1), StatePath = statePath }))
            {
                using var ops = new KubernetesClusterOperations(SandboxFixture.TestOptions(sandbox));
                cluster = await ops.ProvisionAsync(SandboxFixture.EpisodeId, "interrupted", new ClusterSpec("kubeadm-small", "v1.31.0", 1, 1), DateTimeOffset.UtcNow.AddHours(4));
                await Eventually.ThatAsync(
                    () => Task.FromResult(sandbox.Management.Get("cluster.x-k8s.io/v1beta1", "Cluster", cluster.Namespace, cluster.Name)?["status"]?["phase"]?.GetValue<string>() == "Provisioning"),
                    "the Cluster is Provisioning");
            }

            // when the sandbox restarts from its state file,
            await using (var restarted = await KubernetesSandbox.StartAsync(new KubernetesSandboxOptions { ProvisionDelay = TimeSpan.FromMilliseconds(150), StatePath = statePath }))
            {
                using var ops = new KubernetesClusterOperations(SandboxFixture.TestOptions(restarted));

                // then the Cluster API stand-in carries on: the cluster gets provisioned and serves its kubeconfig.
                await ops.WaitProvisionedAsync(cluster);
                using var kubectl = new Kubectl(await ops.GetWorkloadKubeconfigAsync(cluster));
                Assert.Contains("interrupted", await kubectl.OkAsync("get", "nodes"), StringComparison.Ordinal);
                Assert.Single(restarted.WorkloadClusters);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
