using System.Text;
using k8s;
using k8s.Models;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Kubernetes.Sandbox;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>A Kubernetes sandbox (management cluster + Cluster API stand-in) and operations pointed at it.</summary>
public class SandboxFixture : IAsyncLifetime
{
    public const string EpisodeId = "klustered/2021-05-20-guy-templeton";

    public KubernetesSandbox Sandbox { get; private set; } = null!;

    public KubernetesClusterOperations Operations { get; private set; } = null!;

    public KubernetesOptions Options { get; private set; } = null!;

    protected virtual string HostPodPhase => "Failed";

    /// <summary>How long verification waits for the rollout; it ends early when the rollout succeeds.</summary>
    protected virtual TimeSpan VerifyBrokenTimeout => TimeSpan.FromSeconds(2.5);

    public async Task InitializeAsync()
    {
        Sandbox = await KubernetesSandbox.StartAsync(new KubernetesSandboxOptions { ProvisionDelay = TimeSpan.FromMilliseconds(150), HostPodPhase = HostPodPhase });
        Options = TestOptions(Sandbox);
        Options.VerifyBrokenTimeout = VerifyBrokenTimeout;
        Operations = new KubernetesClusterOperations(Options);
    }

    public static KubernetesOptions TestOptions(KubernetesSandbox sandbox) => new()
    {
        ManagementKubeconfigContent = sandbox.ManagementKubeconfig,
        PollInterval = TimeSpan.FromMilliseconds(100),
        ProvisionTimeout = TimeSpan.FromSeconds(20),
        WorkloadReadyTimeout = TimeSpan.FromSeconds(20),
        BreakStepTimeout = TimeSpan.FromSeconds(5),
        // Long enough that an unbroken rollout always completes in the sandbox (see VerifyBroken_NoBreaks_RolloutSucceeds).
        VerifyBrokenTimeout = TimeSpan.FromSeconds(2.5),
        TeardownTimeout = TimeSpan.FromSeconds(10),
    };

    public async Task DisposeAsync()
    {
        Operations.Dispose();
        await Sandbox.DisposeAsync();
    }

    /// <summary>Provisions and waits, and deploys the workload at v1.</summary>
    public async Task<ClusterRef> ReadyClusterAsync(string team, string episodeId = EpisodeId)
    {
        var cluster = await Operations.ProvisionAsync(episodeId, team, new ClusterSpec("kubeadm-small", "v1.31.0", 1, 2), DateTimeOffset.UtcNow.AddHours(4));
        await Operations.WaitProvisionedAsync(cluster);
        await Operations.DeployWorkloadAsync(cluster);
        return cluster;
    }

    /// <summary>What a fixer does once the cluster works: <c>kubectl set image deployment/klustered klustered=...:v2</c>.</summary>
    public async Task RolloutV2Async(ClusterRef cluster)
    {
        using var client = await WorkloadClientAsync(cluster);
        await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch(KlusteredWorkload.SetImagePatch(KlusteredWorkload.Image(Options, Options.FixedTag)).ToJsonString(), V1Patch.PatchType.StrategicMergePatch),
            KlusteredWorkload.DeploymentName,
            KlusteredWorkload.Namespace);
    }

    public async Task<IKubernetes> WorkloadClientAsync(ClusterRef cluster)
    {
        var kubeconfig = await Operations.GetWorkloadKubeconfigAsync(cluster);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(kubeconfig));
        return new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
    }

    public SandboxCluster WorkloadCluster(ClusterRef cluster) =>
        Sandbox.FindWorkloadCluster(cluster.Namespace, cluster.Name) ?? throw new InvalidOperationException($"no sandbox cluster for {cluster.Name}");

    public static string TeamFor(string breakId) => "t-" + breakId;
}

/// <summary>A sandbox that pretends host scripts succeed, to test what node-level breaks submit.</summary>
public sealed class HostScriptSandboxFixture : SandboxFixture
{
    protected override string HostPodPhase => "Succeeded";

    // Here the rollout is expected to succeed (the sandbox cannot run host scripts): a long timeout costs nothing.
    protected override TimeSpan VerifyBrokenTimeout => TimeSpan.FromSeconds(15);
}
