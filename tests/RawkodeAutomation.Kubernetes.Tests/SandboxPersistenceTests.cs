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

    [Fact]
    public async Task Restart_NodeLevelBreaksApplied_StillInEffect()
    {
        await using var state = new StateDirectory();
        var breaks = new[] { "controller-manager-no-deployments", "kubelet-max-pods", "hosts-blackhole-registry" };
        ClusterRef cluster;

        // Given node-level breaks applied and holding (the sandbox models what their scripts do to the hosts),
        await using (var sandbox = await KubernetesSandbox.StartAsync(state.Options))
        {
            using var ops = Operations(sandbox);
            cluster = await ReadyAsync(ops, "node-breaks");
            await ops.ApplyBreaksAsync(cluster, breaks);
            Assert.All((await ops.VerifyBrokenAsync(cluster, breaks)).Checks, c => Assert.True(c.Holds, c.Detail));
        }

        // when the sandbox restarts from its state file (real hosts would have kept running as they were),
        await using (var restarted = await KubernetesSandbox.StartAsync(state.Options))
        {
            using var ops = Operations(restarted);

            // then every break is still in effect: each check holds and a v2 rollout still cannot become Ready.
            var verdict = await ops.VerifyBrokenAsync(cluster, breaks);
            Assert.All(verdict.Checks, c => Assert.True(c.Holds, c.Detail));
            Assert.True(verdict.Broken, verdict.Summary);
            using var kubectl = new Kubectl(await ops.GetWorkloadKubeconfigAsync(cluster));
            Assert.Contains("-deployment", await kubectl.OkAsync("get", "pods", "-n", "kube-system", "-l", "component=kube-controller-manager", "-o", "jsonpath={.items[0].spec.containers[0].command}"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Restart_KubeletStopped_NodeStaysUnreachableAndItsTaintComesBack()
    {
        await using var state = new StateDirectory();
        ClusterRef cluster;

        // Given a worker whose kubelet a break stopped,
        await using (var sandbox = await KubernetesSandbox.StartAsync(state.Options))
        {
            using var ops = Operations(sandbox);
            cluster = await ReadyAsync(ops, "kubelet");
            await ops.ApplyBreaksAsync(cluster, ["kubelet-stopped"]);
            using var kubectl = new Kubectl(await ops.GetWorkloadKubeconfigAsync(cluster));
            await Eventually.ThatAsync(async () => (await kubectl.OkAsync("get", "nodes")).Contains("NotReady", StringComparison.Ordinal), "the worker shows NotReady");
        }

        // when the sandbox restarts and a fixer removes the node lifecycle controller's taint with kubectl,
        await using (var restarted = await KubernetesSandbox.StartAsync(state.Options))
        {
            using var ops = Operations(restarted);
            using var kubectl = new Kubectl(await ops.GetWorkloadKubeconfigAsync(cluster));
            Assert.Matches(@"-worker-0\s+NotReady", await kubectl.OkAsync("get", "nodes"));
            await kubectl.OkAsync("taint", "nodes", "-l", "!node-role.kubernetes.io/control-plane", "node.kubernetes.io/unreachable-");

            // then the controller puts it back, as it does while the kubelet stays stopped: only a fix on the node helps.
            await Eventually.ThatAsync(
                async () => (await kubectl.OkAsync("get", "nodes", "-o", "jsonpath={.items[*].spec.taints[*].key}")).Contains("node.kubernetes.io/unreachable", StringComparison.Ordinal),
                "the unreachable taint is back on the worker");
            Assert.False((await ops.VerifyBrokenAsync(cluster, ["kubelet-stopped"])).RolloutSucceeded);
        }
    }

    [Fact]
    public async Task Restart_ApiServerWrongPort_ApiServerStaysAway()
    {
        await using var state = new StateDirectory();
        ClusterRef cluster;
        string kubeconfig;

        // Given a cluster whose API server a break moved to another port,
        await using (var sandbox = await KubernetesSandbox.StartAsync(state.Options))
        {
            using var ops = Operations(sandbox);
            cluster = await ReadyAsync(ops, "apiserver");
            kubeconfig = await ops.GetWorkloadKubeconfigAsync(cluster);
            await ops.ApplyBreaksAsync(cluster, ["apiserver-wrong-port"]);
            Assert.True(sandbox.FindWorkloadCluster(cluster.Namespace, cluster.Name)!.ApiServerDown);
        }

        // when the sandbox restarts from its state file,
        await using (var restarted = await KubernetesSandbox.StartAsync(state.Options))
        {
            // then the API server still does not answer: kubectl is refused, as it was before the restart.
            Assert.True(restarted.FindWorkloadCluster(cluster.Namespace, cluster.Name)!.ApiServerDown);
            using var kubectl = new Kubectl(kubeconfig);
            await Eventually.ThatAsync(async () =>
            {
                var result = await kubectl.RunAsync("get", "pods", "--request-timeout=5s");
                return result.ExitCode != 0 && result.Stderr.Contains("refused", StringComparison.Ordinal);
            }, "kubectl is refused");
        }
    }

    private static KubernetesClusterOperations Operations(KubernetesSandbox sandbox)
    {
        var options = SandboxFixture.TestOptions(sandbox);
        // Long enough for an unbroken rollout on a busy machine; these clusters are broken, so it is always waited out.
        options.VerifyBrokenTimeout = TimeSpan.FromSeconds(3);
        return new KubernetesClusterOperations(options);
    }

    private static async Task<ClusterRef> ReadyAsync(KubernetesClusterOperations ops, string team)
    {
        var cluster = await ops.ProvisionAsync(SandboxFixture.EpisodeId, team, new ClusterSpec("kubeadm-small", "v1.31.0", 1, 1), DateTimeOffset.UtcNow.AddHours(4));
        await ops.WaitProvisionedAsync(cluster);
        await ops.DeployWorkloadAsync(cluster);
        return cluster;
    }

    /// <summary>A state file in a temp directory, for a sandbox that runs host pods against its node model.</summary>
    private sealed class StateDirectory : IAsyncDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("k8s-state-");

        public KubernetesSandboxOptions Options => new()
        {
            ProvisionDelay = TimeSpan.FromMilliseconds(150),
            HostPodPhase = KubernetesSandboxOptions.SimulatedHostPods,
            StatePath = Path.Combine(_directory.FullName, "kubernetes.json"),
        };

        public ValueTask DisposeAsync()
        {
            _directory.Delete(recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}
