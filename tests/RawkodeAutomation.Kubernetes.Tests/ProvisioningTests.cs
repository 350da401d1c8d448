using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Kubernetes.Sandbox;

namespace RawkodeAutomation.Kubernetes.Tests;

public sealed class ProvisioningTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task Provision_Twice_SameClusterWithOurLabels()
    {
        var expires = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var spec = new ClusterSpec("kubeadm-medium", "v1.31.0", 3, 2);
        var first = await fixture.Operations.ProvisionAsync(SandboxFixture.EpisodeId, "idem", spec, expires);
        var second = await fixture.Operations.ProvisionAsync(SandboxFixture.EpisodeId, "idem", spec, expires);
        try
        {
            Assert.Equal(first, second);
            var obj = fixture.Sandbox.Management.Get("cluster.x-k8s.io/v1beta1", "Cluster", first.Namespace, first.Name)!;
            var labels = obj["metadata"]!["labels"]!;
            Assert.Equal(Ownership.OwnedByValue, labels[Ownership.OwnedByLabel]!.GetValue<string>());
            Assert.Equal("idem", labels[Ownership.TeamLabel]!.GetValue<string>());
            Assert.Equal(expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), labels[Ownership.ExpiresLabel]!.GetValue<string>());
            Assert.Equal(SandboxFixture.EpisodeId, obj["metadata"]!["annotations"]![Ownership.EpisodeIdAnnotation]!.GetValue<string>());
            var topology = obj["spec"]!["topology"]!;
            Assert.Equal("kubeadm-medium", topology["class"]!.GetValue<string>());
            Assert.Equal("v1.31.0", topology["version"]!.GetValue<string>());
            Assert.Equal(3, topology["controlPlane"]!["replicas"]!.GetValue<int>());
            Assert.Equal(2, topology["workers"]!["machineDeployments"]![0]!["replicas"]!.GetValue<int>());

            var progress = new ConcurrentQueue<ClusterProgress>();
            await fixture.Operations.WaitProvisionedAsync(first, new SyncProgress<ClusterProgress>(progress.Enqueue));
            Assert.Equal("Provisioned", progress.Last().Phase);
            Assert.Equal(5, fixture.WorkloadCluster(first).List("v1", "Node").Count);

            var kubeconfig = await fixture.Operations.GetWorkloadKubeconfigAsync(first);
            Assert.Contains(fixture.WorkloadCluster(first).Server.ToString().TrimEnd('/'), kubeconfig, StringComparison.Ordinal);

            var owned = await fixture.Operations.ListOwnedClustersAsync();
            var listed = Assert.Single(owned, c => c.Cluster.Name == first.Name);
            Assert.Equal(expires, listed.ExpiresAt);
            Assert.True(listed.IsExpired(expires));
            Assert.False(listed.IsExpired(expires.AddSeconds(-1)));
        }
        finally
        {
            await fixture.Operations.TeardownAsync(first);
        }

        Assert.Null(fixture.Sandbox.FindWorkloadCluster(first.Namespace, first.Name));
        Assert.Null(fixture.Sandbox.Management.Get("v1", "Secret", first.Namespace, first.Name + "-kubeconfig"));

        // Tearing down what is already gone is fine.
        await fixture.Operations.TeardownAsync(first);
    }

    [Fact]
    public async Task WaitProvisioned_ClusterClassMissing_FailsWithTheReason()
    {
        var options = SandboxFixture.TestOptions(fixture.Sandbox);
        options.ClusterClasses["kubeadm-gpu"] = new ClusterClassOptions { ClusterClass = "kubeadm-gpu" };
        using var ops = new KubernetesClusterOperations(options);
        var cluster = await ops.ProvisionAsync(SandboxFixture.EpisodeId, "no-class", new ClusterSpec("kubeadm-gpu", "v1.31.0"), DateTimeOffset.UtcNow.AddHours(1));
        try
        {
            var error = await Assert.ThrowsAsync<KlusteredException>(() => ops.WaitProvisionedAsync(cluster));
            Assert.Contains("ClusterClass \"kubeadm-gpu\" not found", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await ops.TeardownAsync(cluster);
        }
    }

    [Fact]
    public async Task VerifyBroken_NoBreaks_RolloutSucceedsAndClusterIsNotBroken()
    {
        // The control for every break test: without breaks, the v1→v2 rollout completes within the verify time.
        var cluster = await fixture.ReadyClusterAsync("control");
        var options = SandboxFixture.TestOptions(fixture.Sandbox);
        options.VerifyBrokenTimeout = TimeSpan.FromSeconds(15);
        using var patient = new KubernetesClusterOperations(options);
        try
        {
            var started = DateTimeOffset.UtcNow;
            var verdict = await patient.VerifyBrokenAsync(cluster, []);

            // It returns as soon as the rollout succeeds; normally well within the 2.5 s the break tests allow.
            Assert.True(DateTimeOffset.UtcNow - started < options.VerifyBrokenTimeout);
            Assert.True(verdict.RolloutSucceeded, verdict.Summary);
            Assert.False(verdict.Broken);

            // Verification hands the cluster back at v1.
            var status = await fixture.Operations.IsFixedAsync(cluster);
            Assert.False(status.Fixed);
            Assert.Contains(":v1", status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Operations.TeardownAsync(cluster);
        }
    }

    [Fact]
    public async Task VerifyBroken_BreakThatDoesNotBlockRollout_NamedAsNotHolding()
    {
        var cluster = await fixture.ReadyClusterAsync("not-holding");
        try
        {
            await fixture.Operations.ApplyBreaksAsync(cluster, ["quota-zero-pods"]);

            // Someone removes the quota before verification: the break's own check fails and it is named.
            using var client = await fixture.WorkloadClientAsync(cluster);
            await k8s.CoreV1OperationsExtensions.DeleteNamespacedResourceQuotaAsync(client.CoreV1, "compute", "default");
            var verdict = await fixture.Operations.VerifyBrokenAsync(cluster, ["quota-zero-pods"]);
            Assert.False(verdict.Broken);
            Assert.Equal(["quota-zero-pods"], verdict.NotHolding);
            Assert.Contains("does not exist", verdict.Summary, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Operations.TeardownAsync(cluster);
        }
    }

    [Fact]
    public async Task VerifyBroken_AttemptCancelledDuringTheRolloutAttempt_LeavesTheWorkloadAtV1()
    {
        var cluster = await fixture.ReadyClusterAsync("cancelled-verify");
        try
        {
            await fixture.Operations.ApplyBreaksAsync(cluster, ["quota-zero-pods"]);
            using var client = await fixture.WorkloadClientAsync(cluster);

            // Given a verification whose rollout attempt has set :v2 (the break keeps it from rolling out; it would
            // wait for a minute),
            var options = SandboxFixture.TestOptions(fixture.Sandbox);
            options.VerifyBrokenTimeout = TimeSpan.FromMinutes(1);
            using var patient = new KubernetesClusterOperations(options);
            using var cancel = new CancellationTokenSource();
            var verifying = patient.VerifyBrokenAsync(cluster, ["quota-zero-pods"], cancel.Token);
            await WaitForImageAsync(client, ":v2", verifying);

            // when its activity attempt is cancelled (timed out on a busy machine, or the workflow gave up on it),
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => verifying);

            // then the workload is left at v1, as the fixers must find it, not already asking for :v2.
            var deployment = await k8s.AppsV1OperationsExtensions.ReadNamespacedDeploymentAsync(client.AppsV1, "klustered", "default");
            Assert.EndsWith(":v1", deployment.Spec.Template.Spec.Containers.Single().Image, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Operations.TeardownAsync(cluster);
        }
    }

    private static async Task WaitForImageAsync(k8s.IKubernetes client, string tag, Task stopsWaiting)
    {
        while (true)
        {
            var deployment = await k8s.AppsV1OperationsExtensions.ReadNamespacedDeploymentAsync(client.AppsV1, "klustered", "default");
            if (deployment.Spec.Template.Spec.Containers.Single().Image.EndsWith(tag, StringComparison.Ordinal))
            {
                return;
            }
            Assert.False(stopsWaiting.IsCompleted, $"the verification ended before the workload asked for {tag}");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    [Fact]
    public async Task WaitFixed_DeploymentDeletedThenRecreatedAtV2_KeepsWatchingUntilFixed()
    {
        var cluster = await fixture.ReadyClusterAsync("deleted");
        try
        {
            using var client = await fixture.WorkloadClientAsync(cluster);
            var original = await k8s.AppsV1OperationsExtensions.ReadNamespacedDeploymentAsync(client.AppsV1, "klustered", "default");
            await k8s.AppsV1OperationsExtensions.DeleteNamespacedDeploymentAsync(client.AppsV1, "klustered", "default");
            var since = DateTimeOffset.UtcNow;
            var watching = fixture.Operations.WaitFixedAsync(cluster, since, TimeSpan.FromSeconds(20));
            Assert.False((await fixture.Operations.IsFixedAsync(cluster)).Fixed);

            // A fixer recreates it at v2.
            original.Metadata.ResourceVersion = null;
            original.Metadata.Uid = null;
            original.Status = null;
            original.Spec.Template.Spec.Containers[0].Image = KlusteredWorkload.Image(fixture.Options, fixture.Options.FixedTag);
            await k8s.AppsV1OperationsExtensions.CreateNamespacedDeploymentAsync(client.AppsV1, original, "default");
            var status = await watching;
            Assert.True(status.Fixed, status.Detail);

            // Scaling to zero is not a way to win.
            await k8s.AppsV1OperationsExtensions.PatchNamespacedDeploymentAsync(client.AppsV1, new k8s.Models.V1Patch("{\"spec\":{\"replicas\":0}}", k8s.Models.V1Patch.PatchType.MergePatch), "klustered", "default");
            var scaled = await fixture.Operations.IsFixedAsync(cluster);
            Assert.False(scaled.Fixed);
            Assert.Contains("scaled to 0", scaled.Detail, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Operations.TeardownAsync(cluster);
        }
    }

    [Fact]
    public void Options_Invalid_EveryProblemNamesItsKey()
    {
        var options = new KubernetesOptions { ManagementKubeconfig = "/nope/kubeconfig", VerifyBrokenTimeout = TimeSpan.Zero };
        options.ClusterClasses["broken"] = new ClusterClassOptions();
        var error = Assert.Throws<KlusteredException>(() => new KubernetesClusterOperations(options));
        Assert.Contains("Kubernetes:ManagementKubeconfig: the file \"/nope/kubeconfig\" does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kubernetes:VerifyBrokenTimeout must be positive", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kubernetes:ClusterClasses:broken:ClusterClass is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddKubernetes_BadConfiguration_ValidationNamesTheKeys()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Kubernetes:PollInterval"] = "00:00:00", ["Kubernetes:Namespace"] = "capi" })
            .Build();
        using var provider = new ServiceCollection().AddKubernetes(configuration).BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<KubernetesOptions>>();
        var error = Assert.Throws<OptionsValidationException>(() => options.Value);
        Assert.Contains("Kubernetes:PollInterval must be positive", error.Message, StringComparison.Ordinal);
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
