using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// Stands in for the Cluster API controllers on the management cluster: a <c>cluster.x-k8s.io/v1beta1</c>
/// <c>Cluster</c> with a topology whose ClusterClass exists goes Pending → Provisioning → Provisioned after
/// <see cref="KubernetesSandboxOptions.ProvisionDelay"/>; then a new sandbox cluster (nodes from the topology's
/// replicas) serves it and its kubeconfig is published in the secret <c>&lt;cluster&gt;-kubeconfig</c> (key
/// <c>value</c>), as https://cluster-api.sigs.k8s.io/developer/architecture/controllers/cluster describes.
/// Deleting the <c>Cluster</c> stops that sandbox cluster and deletes the secret.
/// </summary>
internal sealed class ClusterApiStandIn : IAsyncDisposable
{
    private readonly SandboxCluster _management;
    private readonly KubernetesSandboxOptions _options;
    private readonly ConcurrentDictionary<string, SandboxCluster> _clusters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _provisioning = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _deprovisioning = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private const string Finalizer = "cluster.cluster.x-k8s.io";

    public ClusterApiStandIn(SandboxCluster management, KubernetesSandboxOptions options)
    {
        _management = management;
        _options = options;
        management.Store.Changed += OnChanged;
    }

    public IReadOnlyDictionary<string, SandboxCluster> Clusters => _clusters;

    /// <summary>
    /// Takes over a workload cluster restored from the state file as the one serving Cluster <paramref name="key"/>
    /// (<c>namespace/name</c>), and republishes its kubeconfig in case it now listens on another port.
    /// </summary>
    public async Task AdoptAsync(string key, SandboxCluster workload)
    {
        _clusters[key] = workload;
        var ns = key.Split('/')[0];
        var secretType = _management.Type("Secret");
        if (_management.Store.Get(secretType, ns, $"{workload.Name}-kubeconfig") is { } secret &&
            secret["data"]?["value"]?.GetValue<string>() != SandboxCluster.Base64(workload.Kubeconfig) &&
            !System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(secret["data"]!["value"]!.GetValue<string>())).Contains(workload.Server.ToString().TrimEnd('/'), StringComparison.Ordinal))
        {
            secret["data"]!["value"] = SandboxCluster.Base64(workload.Kubeconfig);
            await _management.Store.UpdateAsync(secretType, ns, $"{workload.Name}-kubeconfig", secret, null, admit: false).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// After a restart from the state file: a <c>Cluster</c> without a workload cluster that is not being deleted was
    /// still provisioning (or was never served) and is provisioned now; one being deleted is deleted, as the real
    /// controllers reconcile whatever they find when they start.
    /// </summary>
    public void Resume()
    {
        foreach (var cluster in _management.Store.List(_management.Type("Cluster"), null).Items)
        {
            var ns = cluster["metadata"]!["namespace"]!.GetValue<string>();
            var name = cluster["metadata"]!["name"]!.GetValue<string>();
            var key = $"{ns}/{name}";
            if (cluster["metadata"]?["deletionTimestamp"] is not null)
            {
                if (_deprovisioning.TryAdd(key, 0))
                {
                    _ = Task.Run(() => DeprovisionAsync(key, ns, name));
                }
            }
            else if (!_clusters.ContainsKey(key))
            {
                _provisioning.TryAdd(key, Task.Run(() => ProvisionAsync(key, ns, name)));
            }
        }
    }

    private void OnChanged(WatchEvent change)
    {
        if (change.Resource.Kind != "Cluster" || change.Resource.Group != "cluster.x-k8s.io")
        {
            return;
        }

        var ns = change.Object["metadata"]!["namespace"]!.GetValue<string>();
        var name = change.Object["metadata"]!["name"]!.GetValue<string>();
        var key = $"{ns}/{name}";
        if (change.Type == "MODIFIED" && change.Object["metadata"]?["deletionTimestamp"] is not null)
        {
            if (_deprovisioning.TryAdd(key, 0))
            {
                _ = Task.Run(() => DeprovisionAsync(key, ns, name));
            }
        }
        else if (change.Type == "ADDED")
        {
            _provisioning.TryAdd(key, Task.Run(() => ProvisionAsync(key, ns, name)));
        }
    }

    private async Task ProvisionAsync(string key, string ns, string name)
    {
        try
        {
            var clusterType = _management.Type("Cluster");
            var cluster = _management.Store.GetRequired(clusterType, ns, name);

            // Like the real controller: a finalizer keeps the Cluster until its machines are gone.
            cluster["metadata"]!["finalizers"] = new JsonArray(Finalizer);
            cluster = await _management.Store.UpdateAsync(clusterType, ns, name, cluster, null, admit: false).ConfigureAwait(false);
            var topology = cluster["spec"]?["topology"];
            var className = topology?["class"]?.GetValue<string>();
            if (className is null || _management.Store.Get(_management.Type("ClusterClass"), ns, className) is null)
            {
                await SetStatusAsync(ns, name, "Pending", ready: false, reason: "ClusterClassNotFound",
                    message: $"ClusterClass \"{className}\" not found in namespace \"{ns}\"").ConfigureAwait(false);
                return;
            }

            await SetStatusAsync(ns, name, "Provisioning", ready: false, reason: "WaitingForControlPlane", message: "provisioning infrastructure and control plane").ConfigureAwait(false);
            await Task.Delay(_options.ProvisionDelay, _stop.Token).ConfigureAwait(false);
            if (_management.Store.Get(clusterType, ns, name) is null)
            {
                return;
            }

            var controlPlanes = topology?["controlPlane"]?["replicas"]?.GetValue<int>() ?? 1;
            var workers = (topology?["workers"]?["machineDeployments"] as JsonArray)?.OfType<JsonObject>().Sum(m => m["replicas"]?.GetValue<int>() ?? 1) ?? 0;
            var workload = await SandboxCluster.StartWorkloadAsync(name, controlPlanes, workers, _options).ConfigureAwait(false);
            _clusters[key] = workload;
            var secretType = _management.Type("Secret");
            if (_management.Store.Get(secretType, ns, $"{name}-kubeconfig") is not null)
            {
                // Published before a restart lost the workload cluster it pointed at: this one replaces it.
                _management.Store.Delete(secretType, ns, $"{name}-kubeconfig");
            }

            await _management.Store.CreateAsync(secretType, ns, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"{name}-kubeconfig",
                    ["namespace"] = ns,
                    ["labels"] = new JsonObject { ["cluster.x-k8s.io/cluster-name"] = name },
                    ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "cluster.x-k8s.io/v1beta1", ["kind"] = "Cluster", ["name"] = name, ["uid"] = cluster["metadata"]!["uid"]!.DeepClone() }),
                },
                ["type"] = "cluster.x-k8s.io/secret",
                ["data"] = new JsonObject { ["value"] = SandboxCluster.Base64(workload.Kubeconfig) },
            }, admit: false).ConfigureAwait(false);
            await SetStatusAsync(ns, name, "Provisioned", ready: true, reason: null, message: null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The sandbox is stopping.
        }
        catch (ApiError e) when (e.Code == 404)
        {
            // Deleted while provisioning.
        }
    }

    private async Task DeprovisionAsync(string key, string ns, string name)
    {
        if (_provisioning.TryRemove(key, out var provisioning))
        {
            await provisioning.ConfigureAwait(false);
        }

        if (_clusters.TryRemove(key, out var workload))
        {
            await workload.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            _management.Store.Delete(_management.Type("Secret"), ns, $"{name}-kubeconfig");
        }
        catch (ApiError e) when (e.Code == 404)
        {
            // Never published.
        }

        // Everything is gone: release the Cluster.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            try
            {
                var type = _management.Type("Cluster");
                var cluster = _management.Store.GetRequired(type, ns, name);
                cluster["metadata"]!["finalizers"] = new JsonArray(((cluster["metadata"]!["finalizers"] as JsonArray) ?? []).Where(f => f?.GetValue<string>() != Finalizer).Select(f => f!.DeepClone()).ToArray());
                await _management.Store.UpdateAsync(type, ns, name, cluster, null, admit: false).ConfigureAwait(false);
                break;
            }
            catch (ApiError e) when (e.Code == 409)
            {
                // Status written concurrently: read again.
            }
            catch (ApiError e) when (e.Code == 404)
            {
                break;
            }
        }

        _deprovisioning.TryRemove(key, out _);
    }

    private async Task SetStatusAsync(string ns, string name, string phase, bool ready, string? reason, string? message)
    {
        var type = _management.Type("Cluster");
        var cluster = _management.Store.GetRequired(type, ns, name);
        var condition = new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False", ["reason"] = reason, ["message"] = message };
        cluster["status"] = new JsonObject
        {
            ["phase"] = phase,
            ["infrastructureReady"] = ready,
            ["controlPlaneReady"] = ready,
            ["observedGeneration"] = cluster["metadata"]!["generation"]?.DeepClone(),
            ["conditions"] = new JsonArray(
                condition,
                new JsonObject { ["type"] = "TopologyReconciled", ["status"] = reason == "ClusterClassNotFound" ? "False" : "True", ["reason"] = reason == "ClusterClassNotFound" ? reason : null, ["message"] = reason == "ClusterClassNotFound" ? message : null }),
        };
        await _management.Store.UpdateAsync(type, ns, name, cluster, "status", admit: false).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var task in _provisioning.Values)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        foreach (var cluster in _clusters.Values)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
        }

        _clusters.Clear();
        _stop.Dispose();
    }
}
