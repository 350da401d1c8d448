using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using RawkodeAutomation.Kubernetes.Sandbox;

namespace RawkodeAutomation.Kubernetes.Tests;

/// <summary>The sandbox speaks the Kubernetes API well enough for KubernetesClient, unchanged.</summary>
public sealed class SandboxApiTests : IAsyncLifetime
{
    private SandboxCluster _cluster = null!;
    private IKubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _cluster = await SandboxCluster.StartWorkloadAsync("api-test", 1, 2);
        _client = ClientFor(_cluster);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _cluster.DisposeAsync();
    }

    internal static IKubernetes ClientFor(SandboxCluster cluster)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(cluster.Kubeconfig));
        return new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
    }

    /// <summary>An HttpClient that trusts the cluster's CA only (no credentials).</summary>
    internal static HttpClient TrustingHttpClient(SandboxCluster cluster)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
                chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(cluster.Pki.CaCertificate);
                chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
        return new HttpClient(handler);
    }

    [Fact]
    public async Task Discovery_CoreAndGroups_AdvertisesResources()
    {
        var core = await _client.CoreV1.GetAPIResourcesAsync();
        Assert.Contains(core.Resources, r => r.Name == "pods" && r.Namespaced);
        var groups = await _client.Apis.GetAPIVersionsAsync();
        Assert.Contains(groups.Groups, g => g.Name == "cluster.x-k8s.io");
        var version = await _client.Version.GetCodeAsync();
        Assert.Equal("1", version.Major);
    }

    [Fact]
    public async Task Create_Twice_ConflictsWithAlreadyExists()
    {
        var map = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "twice", NamespaceProperty = "default" }, Data = new Dictionary<string, string> { ["a"] = "1" } };
        await _client.CoreV1.CreateNamespacedConfigMapAsync(map, "default");
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.CreateNamespacedConfigMapAsync(map, "default"));
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("AlreadyExists", error.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_StaleResourceVersion_Conflicts()
    {
        var created = await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "stale" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, "default");
        created.Data["a"] = "2";
        var updated = await _client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "stale", "default");
        Assert.NotEqual(created.Metadata.ResourceVersion, updated.Metadata.ResourceVersion);
        created.Data["a"] = "3";
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "stale", "default"));
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
    }

    [Fact]
    public async Task Patch_MergeStrategicAndJson_AllApply()
    {
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "patched" }, Data = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" } }, "default");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"b":null,"c":"3"}}""", V1Patch.PatchType.MergePatch), "patched", "default");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""[{"op":"replace","path":"/data/a","value":"10"}]""", V1Patch.PatchType.JsonPatch), "patched", "default");
        var map = await _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"d":"4"}}""", V1Patch.PatchType.StrategicMergePatch), "patched", "default");
        Assert.Equal(new Dictionary<string, string> { ["a"] = "10", ["c"] = "3", ["d"] = "4" }, map.Data);
    }

    [Fact]
    public async Task List_LabelSelector_FiltersPods()
    {
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "red", Labels = new Dictionary<string, string> { ["colour"] = "red", ["tier"] = "a" } } }, "default");
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "blue", Labels = new Dictionary<string, string> { ["colour"] = "blue" } } }, "default");
        Assert.Equal(["red"], (await _client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "colour=red")).Items.Select(i => i.Metadata.Name));
        Assert.Equal(["blue"], (await _client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "colour in (blue,green),!tier")).Items.Select(i => i.Metadata.Name));
    }

    [Fact]
    public async Task Get_WrongToken_Unauthorized()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(_cluster.KubeconfigForToken("wrong")));
        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespaceAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.Response.StatusCode);

        // Health checks are anonymous (over the cluster's TLS).
        using var http = TrustingHttpClient(_cluster);
        Assert.Equal("ok", await http.GetStringAsync(new Uri(_cluster.Server, "readyz")));
    }

    [Fact]
    public async Task Watch_Deployment_StreamsModifiedUntilReady()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 2,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx:1.27" }] },
                },
            },
        };
        var created = await _client.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default", cancellationToken: cts.Token);
        var seen = new List<WatchEventType>();

        // Resuming from the creation's resourceVersion replays every change since, then streams live ones.
        await foreach (var (type, item) in _client.AppsV1.WatchListNamespacedDeploymentAsync("default", fieldSelector: "metadata.name=web", resourceVersion: created.Metadata.ResourceVersion, cancellationToken: cts.Token))
        {
            seen.Add(type);
            if (item.Status?.ReadyReplicas == 2)
            {
                break;
            }
        }

        Assert.All(seen, t => Assert.Equal(WatchEventType.Modified, t));
        Assert.NotEmpty(seen);
        var pods = await _client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web", cancellationToken: cts.Token);
        Assert.Equal(2, pods.Items.Count);
        Assert.All(pods.Items, p => Assert.False(string.IsNullOrEmpty(p.Spec.NodeName)));
    }

    [Fact]
    public async Task UpdateStatus_MainResource_IgnoresStatus()
    {
        var ns = await _client.CoreV1.ReadNamespaceAsync("default");
        ns.Status = new V1NamespaceStatus { Phase = "Terminating" };
        var replaced = await _client.CoreV1.ReplaceNamespaceAsync(ns, "default");
        Assert.Equal("Active", replaced.Status.Phase);
        var viaStatus = await _client.CoreV1.ReplaceNamespaceStatusAsync(ns, "default");
        Assert.Equal("Terminating", viaStatus.Status.Phase);
    }
}
