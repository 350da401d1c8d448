using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// The Kubernetes sandbox: a management cluster with a Cluster API stand-in, and the workload clusters it
/// provisions, each a loopback Kubernetes API server that KubernetesClient talks to unchanged.
/// </summary>
/// <example>
/// <code>
/// await using var sandbox = await KubernetesSandbox.StartAsync();
/// File.WriteAllText("mgmt.kubeconfig", sandbox.ManagementKubeconfig);
/// </code>
/// </example>
public sealed class KubernetesSandbox : IAsyncDisposable
{
    private readonly ClusterApiStandIn _clusterApi;

    private KubernetesSandbox(SandboxCluster management, ClusterApiStandIn clusterApi, KubernetesSandboxOptions options)
    {
        Management = management;
        _clusterApi = clusterApi;
        Options = options;
    }

    /// <summary>The management cluster (Cluster API objects live here).</summary>
    public SandboxCluster Management { get; }

    /// <summary>The management cluster's kubeconfig (YAML).</summary>
    public string ManagementKubeconfig => Management.Kubeconfig;

    public KubernetesSandboxOptions Options { get; }

    /// <summary>The workload clusters currently provisioned, by <c>namespace/name</c> of their <c>Cluster</c>.</summary>
    public IReadOnlyDictionary<string, SandboxCluster> WorkloadClusters => _clusterApi.Clusters;

    public static async Task<KubernetesSandbox> StartAsync(KubernetesSandboxOptions? options = null)
    {
        options ??= new KubernetesSandboxOptions();
        var management = await SandboxCluster.StartAsync("management", options).ConfigureAwait(false);
        if (options.ClusterClassNamespace != "default")
        {
            await management.CreateAsync(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = options.ClusterClassNamespace } }).ConfigureAwait(false);
        }

        foreach (var clusterClass in options.ClusterClasses)
        {
            await management.CreateAsync(new JsonObject
            {
                ["apiVersion"] = "cluster.x-k8s.io/v1beta1",
                ["kind"] = "ClusterClass",
                ["metadata"] = new JsonObject { ["name"] = clusterClass, ["namespace"] = options.ClusterClassNamespace },
                ["spec"] = new JsonObject
                {
                    ["controlPlane"] = new JsonObject { ["ref"] = new JsonObject { ["apiVersion"] = "controlplane.cluster.x-k8s.io/v1beta1", ["kind"] = "KubeadmControlPlaneTemplate", ["name"] = clusterClass + "-control-plane" } },
                    ["workers"] = new JsonObject { ["machineDeployments"] = new JsonArray(new JsonObject { ["class"] = "default-worker" }) },
                },
            }).ConfigureAwait(false);
        }

        return new KubernetesSandbox(management, new ClusterApiStandIn(management, options), options);
    }

    /// <summary>The workload cluster serving <c>Cluster</c> <paramref name="ns"/>/<paramref name="name"/>, if provisioned.</summary>
    public SandboxCluster? FindWorkloadCluster(string ns, string name) => WorkloadClusters.GetValueOrDefault($"{ns}/{name}");

    public async ValueTask DisposeAsync()
    {
        await _clusterApi.DisposeAsync().ConfigureAwait(false);
        await Management.DisposeAsync().ConfigureAwait(false);
    }
}
