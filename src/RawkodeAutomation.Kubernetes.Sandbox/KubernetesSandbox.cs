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
    private readonly CancellationTokenSource _stop = new();
    private Task _saver = Task.CompletedTask;
    private string? _saved;

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
        if (options.StatePath is { } path && File.Exists(path))
        {
            var restored = await RestoreAsync(path, options).ConfigureAwait(false);
            restored.StartSaving();
            return restored;
        }

        var sandbox = await StartFreshAsync(options).ConfigureAwait(false);
        sandbox.StartSaving();
        return sandbox;
    }

    private static async Task<KubernetesSandbox> RestoreAsync(string path, KubernetesSandboxOptions options)
    {
        JsonNode state;
        try
        {
            state = JsonNode.Parse(await File.ReadAllTextAsync(path).ConfigureAwait(false)) ?? throw new InvalidDataException("empty");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
        {
            throw new InvalidOperationException($"the Kubernetes sandbox state file {path} is not readable ({e.Message}); move it away to start afresh", e);
        }

        var management = await SandboxCluster.RestoreAsync(ClusterState.FromJson(state["management"]!), options).ConfigureAwait(false);
        var sandbox = new KubernetesSandbox(management, new ClusterApiStandIn(management, options), options);
        foreach (var workload in (state["workloads"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var cluster = await SandboxCluster.RestoreAsync(ClusterState.FromJson(workload["state"]!), options).ConfigureAwait(false);
            await sandbox._clusterApi.AdoptAsync(workload["key"]!.GetValue<string>(), cluster).ConfigureAwait(false);
        }

        // Clusters that were being provisioned or deleted when the process stopped carry on from where they are.
        sandbox._clusterApi.Resume();
        return sandbox;
    }

    private void StartSaving()
    {
        if (Options.StatePath is null)
        {
            return;
        }

        _saver = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                await SaveAsync().ConfigureAwait(false);
            }
        });
    }

    /// <summary>Writes the state file now (when <see cref="KubernetesSandboxOptions.StatePath"/> is set and anything changed).</summary>
    public async Task SaveAsync()
    {
        if (Options.StatePath is not { } path)
        {
            return;
        }

        var state = new JsonObject
        {
            ["management"] = Management.ExportState().ToJson(),
            ["workloads"] = new JsonArray([.. WorkloadClusters.Select(kv => (JsonNode)new JsonObject { ["key"] = kv.Key, ["state"] = kv.Value.ExportState().ToJson() })]),
        };
        var text = state.ToJsonString();
        if (text == _saved)
        {
            return;
        }

        // Write then rename, so a crash mid-write leaves the previous state intact.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
        _saved = text;
    }

    private static async Task<KubernetesSandbox> StartFreshAsync(KubernetesSandboxOptions options)
    {
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
        await _stop.CancelAsync().ConfigureAwait(false);
        await _saver.ConfigureAwait(false);
        await SaveAsync().ConfigureAwait(false);
        _stop.Dispose();
        await _clusterApi.DisposeAsync().ConfigureAwait(false);
        await Management.DisposeAsync().ConfigureAwait(false);
    }
}
