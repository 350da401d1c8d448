using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Kubernetes.Sandbox;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>
/// People's access against the sandbox's API server (HTTPS, ServiceAccount tokens from the TokenRequest API, RBAC):
/// the breakers' token stops working at the show's start, the fixers' works until teardown, and nothing is granted on a
/// cluster without our ownership label. The sandbox and the adapter share a clock the test moves, so a four-hour
/// window is checked without waiting four hours.
/// </summary>
public sealed class AccessTests : IAsyncLifetime
{
    private const string EpisodeId = "klustered/2030-06-01-hands";
    private readonly MovableClock _clock = new(DateTimeOffset.UtcNow);
    private KubernetesSandbox _sandbox = null!;
    private KubernetesClusterOperations _operations = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await KubernetesSandbox.StartAsync(new KubernetesSandboxOptions { ProvisionDelay = TimeSpan.FromMilliseconds(150), Time = _clock });
        _operations = new KubernetesClusterOperations(SandboxFixture.TestOptions(_sandbox), _clock);
    }

    public async Task DisposeAsync()
    {
        _operations.Dispose();
        await _sandbox.DisposeAsync();
    }

    [Fact]
    public async Task GrantAccess_BreakersAfterTheStart_TokenRefused()
    {
        var cluster = await ClusterAsync("team-a");
        var start = _clock.GetUtcNow().AddHours(2);

        // Given the breakers' credential, valid until the show's start,
        var breakers = await _operations.GrantAccessAsync(cluster, "Breakers", start);
        Assert.Equal(start, breakers.ExpiresAt);
        Assert.Equal("kube-system/klustered-breakers", breakers.ServiceAccount);
        Assert.Contains("certificate-authority-data: ", breakers.Kubeconfig, StringComparison.Ordinal);
        Assert.Contains("server: https://", breakers.Kubeconfig, StringComparison.Ordinal);
        Assert.DoesNotContain(breakers.Kubeconfig, breakers.ToString(), StringComparison.Ordinal);
        using var client = ClientFor(breakers.Kubeconfig);
        // they act as cluster-admin during their window (over TLS, checked against the cluster's CA),
        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync("klustered", "default");
        Assert.EndsWith(":v1", deployment.Spec.Template.Spec.Containers.Single().Image, StringComparison.Ordinal);

        // when the show starts and their binding is removed, the same token is refused, although it has not expired.
        _clock.Now = start;
        await _operations.RevokeAccessAsync(cluster, "Breakers");
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.ReadNamespacedDeploymentAsync("klustered", "default"));
        Assert.Contains(refused.Response.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
    }

    [Fact]
    public async Task GrantAccess_BreakersTokenOutlivingNothing_ExpiresAtTheStart()
    {
        var cluster = await ClusterAsync("team-b");
        var start = _clock.GetUtcNow().AddHours(2);
        using var client = ClientFor((await _operations.GrantAccessAsync(cluster, "Breakers", start)).Kubeconfig);
        await client.CoreV1.ListNamespacedPodAsync("default");

        // Even if the binding were never removed, the token itself ends with the window.
        _clock.Now = start.AddSeconds(1);
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedPodAsync("default"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Response.StatusCode);
    }

    [Fact]
    public async Task GrantAccess_Fixers_WorksUntilTeardownThenRefused()
    {
        var cluster = await ClusterAsync("team-c");
        var start = _clock.GetUtcNow();
        var teardown = start + TimeSpan.FromMinutes(90) + TimeSpan.FromHours(4);

        var fixers = await _operations.GrantAccessAsync(cluster, "Fixers", teardown);
        Assert.Equal(teardown, fixers.ExpiresAt);
        using var client = ClientFor(fixers.Kubeconfig);

        // A minute before teardown the fixers still change the cluster,
        _clock.Now = teardown.AddMinutes(-1);
        await client.AppsV1.PatchNamespacedDeploymentAsync(
            new k8s.Models.V1Patch(KlusteredWorkload.SetImagePatch(KlusteredWorkload.Image(SandboxFixture.TestOptions(_sandbox), "v2")).ToJsonString(), k8s.Models.V1Patch.PatchType.StrategicMergePatch),
            "klustered", "default");

        // and a minute after, their token is refused.
        _clock.Now = teardown.AddMinutes(1);
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.ReadNamespacedDeploymentAsync("klustered", "default"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Response.StatusCode);
    }

    [Fact]
    public async Task GrantAccess_ClusterWithoutOwnershipLabel_NothingGranted()
    {
        var cluster = await ClusterAsync("team-d");
        var workload = _sandbox.FindWorkloadCluster(cluster.Namespace, cluster.Name)!;
        // A human took the cluster over: our label is gone from its Cluster object.
        using (var management = ClientFor(_sandbox.ManagementKubeconfig))
        {
            await management.CustomObjects.PatchNamespacedCustomObjectAsync(
                new k8s.Models.V1Patch("{\"metadata\":{\"labels\":{\"" + Ownership.OwnedByLabel + "\":null}}}", k8s.Models.V1Patch.PatchType.MergePatch),
                "cluster.x-k8s.io", "v1beta1", cluster.Namespace, "clusters", cluster.Name);
        }

        var error = await Assert.ThrowsAsync<OwnershipException>(() => _operations.GrantAccessAsync(cluster, "Fixers", _clock.GetUtcNow().AddHours(4)));

        Assert.Contains(Ownership.OwnedSelector, error.Message, StringComparison.Ordinal);
        Assert.Null(workload.Get("v1", "ServiceAccount", "kube-system", "klustered-fixers"));
        Assert.Null(workload.Get("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", null, "klustered-fixers"));
        await Assert.ThrowsAsync<OwnershipException>(() => _operations.RevokeAccessAsync(cluster, "Breakers"));
    }

    private async Task<ClusterRef> ClusterAsync(string team)
    {
        var cluster = await _operations.ProvisionAsync(EpisodeId, team, new ClusterSpec("kubeadm-small", "v1.31.0", 1, 1), _clock.GetUtcNow().AddHours(8));
        await _operations.WaitProvisionedAsync(cluster);
        await _operations.DeployWorkloadAsync(cluster);
        return cluster;
    }

    private static k8s.Kubernetes ClientFor(string kubeconfig)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(kubeconfig));
        return new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
    }

    /// <summary>A clock the test moves; timers still run in real time (only "now" is the test's).</summary>
    private sealed class MovableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
