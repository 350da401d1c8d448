using RawkodeAutomation.Kubernetes.Sandbox;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>One sandbox workload cluster (1 control plane, 2 workers) and an admin kubectl for it, shared by a test class.</summary>
public sealed class KubectlClusterFixture : IAsyncLifetime
{
    public SandboxCluster Cluster { get; private set; } = null!;

    public Kubectl Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await SandboxCluster.StartWorkloadAsync("kc", 1, 2);
        Admin = new Kubectl(Cluster.Kubeconfig);
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Cluster.DisposeAsync();
    }
}
