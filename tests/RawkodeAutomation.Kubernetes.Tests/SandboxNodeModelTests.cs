using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Kubernetes.Sandbox;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>A sandbox that runs host pods against its node model (what <c>rawkode up</c> uses).</summary>
public sealed class SimulatedNodesSandboxFixture : SandboxFixture
{
    protected override string HostPodPhase => KubernetesSandboxOptions.SimulatedHostPods;
}

/// <summary>
/// Node-level breaks on the sandbox's node model: the modelled ones really block the rollout through the workload
/// stand-in (so "broken" is earned, not asserted), undo restores the node, and the unmodelled ones fail saying so.
/// </summary>
public sealed class SandboxNodeModelTests(SimulatedNodesSandboxFixture fixture) : IClassFixture<SimulatedNodesSandboxFixture>
{
    [Theory]
    [InlineData("controller-manager-no-deployments")]
    [InlineData("kubelet-max-pods")]
    [InlineData("hosts-blackhole-registry")]
    public async Task ApplyVerifyUndo_ModelledNodeBreak_BlocksRolloutUntilUndone(string breakId)
    {
        var ops = fixture.Operations;
        // One worker, as an episode's cluster has by default.
        var cluster = await ops.ProvisionAsync(SandboxFixture.EpisodeId, "n-" + breakId, new ClusterSpec("kubeadm-small", "v1.31.0", 1, 1), DateTimeOffset.UtcNow.AddHours(4));
        try
        {
            await ops.WaitProvisionedAsync(cluster);
            await ops.DeployWorkloadAsync(cluster);

            // Given the workload at v1, when the node-level break is applied,
            await ops.ApplyBreaksAsync(cluster, [breakId]);

            // then its check holds and the v2 rollout does not succeed in time.
            var verdict = await ops.VerifyBrokenAsync(cluster, [breakId]);
            Assert.True(verdict.Broken, verdict.Summary);
            Assert.False(verdict.RolloutSucceeded);
            Assert.All(verdict.Checks, c => Assert.True(c.Holds, c.Detail));

            // When it is undone, a v2 rollout succeeds and the check no longer holds.
            await ops.UndoBreaksAsync(cluster, [breakId]);
            var since = DateTimeOffset.UtcNow;
            await fixture.RolloutV2Async(cluster);
            var status = await ops.WaitFixedAsync(cluster, since, TimeSpan.FromSeconds(20));
            Assert.True(status.Fixed, status.Detail);
            var engine = new BreakEngine(new DynamicClient(await fixture.WorkloadClientAsync(cluster)), fixture.Options);
            Assert.False((await engine.CheckAsync(BreakLibrary.Get(breakId))).Holds);
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }

    [Fact]
    public async Task ApplyBreaks_KubeletMaxPods_NodeReportsCapacityAndNewPodsAreUnschedulable()
    {
        var ops = fixture.Operations;
        var cluster = await ops.ProvisionAsync(SandboxFixture.EpisodeId, "n-capacity", new ClusterSpec("kubeadm-small", "v1.31.0", 1, 1), DateTimeOffset.UtcNow.AddHours(4));
        try
        {
            await ops.WaitProvisionedAsync(cluster);
            await ops.DeployWorkloadAsync(cluster);
            await ops.ApplyBreaksAsync(cluster, ["kubelet-max-pods"]);

            // What a fixer sees with kubectl describe node / get pods.
            var workload = fixture.WorkloadCluster(cluster);
            var worker = workload.List("v1", "Node").Single(n => !n["metadata"]!["name"]!.GetValue<string>().Contains("control-plane", StringComparison.Ordinal));
            Assert.Equal("3", worker["status"]!["capacity"]!["pods"]!.GetValue<string>());
            await fixture.RolloutV2Async(cluster);
            var pending = await Eventually.WaitAsync(
                () => Task.FromResult(workload.List("v1", "Pod", "default")
                    .FirstOrDefault(p => p["status"]?["conditions"]?[0]?["reason"]?.GetValue<string>() == "Unschedulable")),
                pod => pod is not null, "a pod Unschedulable");
            Assert.Contains("Too many pods", pending!["status"]!["conditions"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }

    [Fact]
    public async Task ApplyBreaks_UnmodelledNodeBreak_FailsSayingTheSandboxDoesNotModelIt()
    {
        var ops = fixture.Operations;
        var cluster = await fixture.ReadyClusterAsync("n-unmodelled");
        try
        {
            var module = BreakLibrary.Parse("""
                id: made-up
                title: A break the sandbox has never heard of
                difficulty: easy
                level: node
                node: { on: workers, apply: "true", check: "true", undo: "true" }
                """, "made-up.yaml");
            var engine = new BreakEngine(new DynamicClient(await fixture.WorkloadClientAsync(cluster)), fixture.Options);
            var error = await Assert.ThrowsAsync<KlusteredException>(() => engine.ApplyAsync(module));
            Assert.Contains("break made-up", error.Message, StringComparison.Ordinal);
            Assert.Contains("does not model the node script of break made-up", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }

    [Fact]
    public async Task ApplyBreaks_ApiServerWrongPort_BrokenAndKubectlIsRefused()
    {
        var ops = fixture.Operations;
        var cluster = await fixture.ReadyClusterAsync("n-apiserver");
        try
        {
            using var kubectl = new Kubectl(await ops.GetWorkloadKubeconfigAsync(cluster));
            await kubectl.OkAsync("get", "pods");

            // Given the break applied with an API-level one (its pod reports back, then the API server moves to another port),
            await ops.ApplyBreaksAsync(cluster, ["quota-zero-pods", "apiserver-wrong-port"]);

            // then the cluster counts as broken (the API-level break cannot be looked at any more, and says so),
            var verdict = await ops.VerifyBrokenAsync(cluster, ["quota-zero-pods", "apiserver-wrong-port"]);
            Assert.True(verdict.Broken, verdict.Summary);
            Assert.Contains("not checked: the API server is unreachable, as break apiserver-wrong-port intends", verdict.Checks.Single(c => c.BreakId == "quota-zero-pods").Detail, StringComparison.Ordinal);

            // and kubectl is refused, as the break's hint says.
            Assert.True(fixture.WorkloadCluster(cluster).ApiServerDown);
            var refused = "";
            await Eventually.ThatAsync(async () =>
            {
                var result = await kubectl.RunAsync("get", "pods");
                refused = result.Stderr;
                return result.ExitCode != 0 && result.Stderr.Contains("refused", StringComparison.Ordinal);
            }, $"kubectl is refused (last: {refused})");
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }

    [Fact]
    public async Task ApplyBreaks_KubeletStopped_KubectlShowsTheWorkerNotReadyAndTheRolloutIsBlocked()
    {
        var ops = fixture.Operations;
        var cluster = await fixture.ReadyClusterAsync("n-kubelet");
        try
        {
            using var kubectl = new Kubectl(await ops.GetWorkloadKubeconfigAsync(cluster));
            Assert.Matches(@"-worker-0\s+Ready\s+<none>", await kubectl.OkAsync("get", "nodes"));

            // Given the break applied (the kubelet stops once its pod reported back),
            await ops.ApplyBreaksAsync(cluster, ["kubelet-stopped"]);

            // then the worker is NotReady and the v2 rollout cannot become Ready,
            var verdict = await ops.VerifyBrokenAsync(cluster, ["kubelet-stopped"]);
            Assert.True(verdict.Broken, verdict.Summary);
            Assert.False(verdict.RolloutSucceeded);
            var nodes = await kubectl.OkAsync("get", "nodes");
            Assert.Matches(@"-worker-0\s+NotReady\s+<none>", nodes);
            Assert.Matches(@"-worker-1\s+NotReady\s+<none>", nodes);
            Assert.Matches(@"-control-plane-0\s+Ready\s+control-plane", nodes);

            // and kubectl describe says why, as on a real cluster.
            var worker = nodes.Split('\n').Select(l => l.Split(' ')[0]).Single(n => n.EndsWith("-worker-0", StringComparison.Ordinal));
            var describe = await kubectl.OkAsync("describe", "node", worker);
            Assert.Contains("Kubelet stopped posting node status.", describe, StringComparison.Ordinal);
            Assert.Contains("node.kubernetes.io/unreachable:NoSchedule", describe, StringComparison.Ordinal);
            Assert.Matches(@"klustered\s+0/\d+\s+", await kubectl.OkAsync("get", "deployments", "klustered"));
            Assert.False((await ops.IsFixedAsync(cluster)).Fixed);
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }

    [Fact]
    public async Task VerifyBroken_ChmodKubectlAlone_HoldsButDoesNotBlockTheRollout()
    {
        var ops = fixture.Operations;
        var cluster = await fixture.ReadyClusterAsync("n-chmod");
        try
        {
            await ops.ApplyBreaksAsync(cluster, ["chmod-kubectl"]);
            var verdict = await ops.VerifyBrokenAsync(cluster, ["chmod-kubectl"]);

            // It stops the fixers' kubectl, not the rollout: the check holds and the verdict says the cluster is not broken.
            Assert.All(verdict.Checks, c => Assert.True(c.Holds, c.Detail));
            Assert.True(verdict.RolloutSucceeded);
            Assert.False(verdict.Broken);
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }
}

/// <summary>Node-level breaks stay simulated, but kubectl shows their symptoms where a fixer looks.</summary>
public sealed class KubectlNodeSymptomTests(SimulatedNodesSandboxFixture fixture) : IClassFixture<SimulatedNodesSandboxFixture>
{
    [Fact]
    public async Task ControllerManagerBreak_MirrorPodShowsTheFlag_UntilUndone()
    {
        var ops = fixture.Operations;
        var cluster = await ops.ProvisionAsync(SandboxFixture.EpisodeId, "symptom", new ClusterSpec("kubeadm-small", "v1.31.0", 1, 1), DateTimeOffset.UtcNow.AddHours(4));
        try
        {
            await ops.WaitProvisionedAsync(cluster);
            using var kubectl = new Kubectl(await ops.GetWorkloadKubeconfigAsync(cluster));
            var pods = await kubectl.OkAsync("get", "pods", "-n", "kube-system");
            Assert.Matches(@"kube-controller-manager-\S+-control-plane-0\s+1/1\s+Running", pods);
            Assert.Matches(@"kube-apiserver-\S+-control-plane-0\s+1/1\s+Running", pods);

            await ops.ApplyBreaksAsync(cluster, ["controller-manager-no-deployments"]);
            var command = "";
            await Eventually.ThatAsync(async () =>
            {
                command = await kubectl.OkAsync("get", "pods", "-n", "kube-system", "-l", "component=kube-controller-manager", "-o", "jsonpath={.items[0].spec.containers[0].command}");
                return command.Contains("-deployment", StringComparison.Ordinal);
            }, $"the controller manager's mirror pod shows --controllers=...,-deployment (last controller error: {fixture.WorkloadCluster(cluster).LastControllerError?.Message})");

            await ops.UndoBreaksAsync(cluster, ["controller-manager-no-deployments"]);
            await Eventually.ThatAsync(async () => !(await kubectl.OkAsync("get", "pods", "-n", "kube-system", "-l", "component=kube-controller-manager", "-o", "jsonpath={.items[0].spec.containers[0].command}")).Contains("-deployment", StringComparison.Ordinal), "the flag is gone after undo");
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }
}
