using System.Globalization;
using System.Text.Json.Nodes;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// The sandbox's model of what node-level break scripts do to a node's host, for
/// <see cref="KubernetesSandboxOptions.SimulatedHostPods"/>. The sandbox has no hosts to run a script on, so it does not
/// read the script: it reads which break and step a host pod is for (the <c>rawkode.dev/break</c> and
/// <c>rawkode.dev/purpose</c> labels the break engine puts on it), records the break on the node for <c>apply</c>,
/// removes it for <c>undo</c>, and answers <c>check</c> from that record. Only breaks whose effect the workload stand-in
/// reproduces are modelled, so a check that passes here means the effect is really there:
/// <list type="bullet">
/// <item><c>controller-manager-no-deployments</c>: the deployment controller stops (a changed Deployment gets no new pods, its status goes stale);</item>
/// <item><c>kubelet-max-pods</c>: the node takes at most 3 pods, counting the 2 every kubeadm node runs that the sandbox does not list (kube-proxy, the CNI agent);</item>
/// <item><c>hosts-blackhole-registry</c>: images from ghcr.io that the node had not pulled before the break fail with ErrImagePull;</item>
/// <item><c>chmod-kubectl</c>: only the fixers' shell notices; nothing to reproduce through the API;</item>
/// <item><c>kubelet-stopped</c>: once the script's pod is deleted (the real script stops kubelet from a delayed unit),
/// the node stops posting its status: Ready goes Unknown ("Kubelet stopped posting node status."), kubectl shows it
/// NotReady, the node lifecycle controller's <c>node.kubernetes.io/unreachable</c> taints go on, its pods are marked not
/// Ready and new pods bound to it stay Pending;</item>
/// <item><c>apiserver-wrong-port</c>: the cluster's API server stops answering (connections refused) once the script's
/// pod is deleted, as the real break's delayed unit moves kube-apiserver's port seconds after the pod reported back.</item>
/// </list>
/// Any other host pod fails with a message saying the sandbox does not model it. Nobody can log in to a sandbox node, so
/// none of these can be fixed by hand here: that needs a real cluster.
/// </summary>
internal sealed class NodeModel
{
    public const string BreakLabel = "rawkode.dev/break";
    public const string PurposeLabel = "rawkode.dev/purpose";
    public const string NoDeploymentController = "controller-manager-no-deployments";
    public const string MaxPods = "kubelet-max-pods";
    public const string BlackholeRegistry = "hosts-blackhole-registry";
    public const string ChmodKubectl = "chmod-kubectl";
    public const string ApiServerWrongPort = "apiserver-wrong-port";
    public const string KubeletStopped = "kubelet-stopped";

    /// <summary>kubelet-max-pods' limit, and the pods of a kubeadm node the sandbox does not list.</summary>
    public const int MaxPodsLimit = 3;
    public const int UnlistedSystemPods = 2;

    private static readonly HashSet<string> Modelled = new(StringComparer.Ordinal) { NoDeploymentController, MaxPods, BlackholeRegistry, ChmodKubectl, ApiServerWrongPort, KubeletStopped };
    private static readonly string[] BlackholedRegistries = ["ghcr.io", "pkg-containers.githubusercontent.com"];

    // Changed by the controllers' loop, read by it and by the state saver (another thread).
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<string>> _breaks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _pulledBeforeBlackhole = new(StringComparer.Ordinal);

    // Written by the delete that starts the effect (an API request), read by the controllers' loop.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _kubeletDown = new(StringComparer.Ordinal);

    public NodeModel(NodeState? state = null)
    {
        foreach (var (node, breaks) in state?.Breaks ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            _breaks[node] = breaks.ToHashSet(StringComparer.Ordinal);
        }

        foreach (var (node, images) in state?.PulledBeforeBlackhole ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            _pulledBeforeBlackhole[node] = images.ToHashSet(StringComparer.Ordinal);
        }

        foreach (var node in state?.KubeletStopped ?? [])
        {
            _kubeletDown.TryAdd(node, 0);
        }
    }

    /// <summary>What the model holds, to be saved with the cluster (the API server's part is the caller's).</summary>
    public NodeState Export()
    {
        lock (_lock)
        {
            return new NodeState(
                _breaks.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)[.. kv.Value.Order(StringComparer.Ordinal)], StringComparer.Ordinal),
                _pulledBeforeBlackhole.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)[.. kv.Value.Order(StringComparer.Ordinal)], StringComparer.Ordinal),
                [.. _kubeletDown.Keys.Order(StringComparer.Ordinal)],
                ApiServerDown: null);
        }
    }

    /// <summary>The kubelet of <paramref name="node"/> no longer runs (see <see cref="KubeletStopped"/>).</summary>
    public bool KubeletDown(string? node) => node is not null && _kubeletDown.ContainsKey(node);

    public void StopKubelet(string node) => _kubeletDown.TryAdd(node, 0);

    /// <summary>True when some node's controller manager runs without the deployment controller.</summary>
    public bool DeploymentControllerStopped
    {
        get
        {
            lock (_lock)
            {
                return _breaks.Values.Any(b => b.Contains(NoDeploymentController));
            }
        }
    }

    public bool Has(string node, string breakId)
    {
        lock (_lock)
        {
            return _breaks.TryGetValue(node, out var b) && b.Contains(breakId);
        }
    }

    /// <summary>
    /// "Runs" a host pod's script against the model: the phase it ends in and its message.
    /// <paramref name="podsOnNode"/> are the pods bound to its node (for what the node had pulled).
    /// </summary>
    public (string Phase, string Message) Run(JsonObject pod, IEnumerable<JsonObject> podsOnNode)
    {
        var labels = LabelSelector.Labels(pod);
        var id = labels.GetValueOrDefault(BreakLabel);
        var purpose = labels.GetValueOrDefault(PurposeLabel);
        var node = pod["spec"]?["nodeName"]?.GetValue<string>() ?? "";
        if (id is null || purpose is null || !Modelled.Contains(id))
        {
            return ("Failed", $"the Kubernetes sandbox has no real nodes and does not model {(id is null ? "this host script" : $"the node script of break {id}")}; run it on a real cluster");
        }

        lock (_lock)
        {
            return RunLocked(id, purpose, node, podsOnNode);
        }
    }

    private (string Phase, string Message) RunLocked(string id, string purpose, string node, IEnumerable<JsonObject> podsOnNode)
    {
        if (!_breaks.TryGetValue(node, out var breaks))
        {
            _breaks[node] = breaks = new HashSet<string>(StringComparer.Ordinal);
        }

        switch (purpose)
        {
            case "apply":
                if (breaks.Add(id) && id == BlackholeRegistry)
                {
                    _pulledBeforeBlackhole[node] = podsOnNode.SelectMany(Images).ToHashSet(StringComparer.Ordinal);
                }

                return ("Succeeded", $"the Kubernetes sandbox applied its model of break {id} to node {node} (no real host)");
            case "undo":
                breaks.Remove(id);
                return ("Succeeded", $"the Kubernetes sandbox undid its model of break {id} on node {node} (no real host)");
            case "check":
                return breaks.Contains(id)
                    ? ("Succeeded", $"break {id} is in effect on node {node} (sandbox model)")
                    : ("Failed", $"break {id} is not in effect on node {node} (sandbox model)");
            default:
                return ("Failed", $"the Kubernetes sandbox does not know the host script purpose \"{purpose}\"");
        }
    }

    /// <summary>
    /// The break whose effect starts when its apply pod, having succeeded, is deleted (the real scripts delay the effect
    /// with a systemd timer so their pod can report back first); null for any other pod.
    /// </summary>
    public static string? DelayedEffect(JsonObject deletedPod)
    {
        var labels = LabelSelector.Labels(deletedPod);
        return labels.GetValueOrDefault(PurposeLabel) == "apply" && Phase(deletedPod) == "Succeeded" && labels.GetValueOrDefault(BreakLabel) is ApiServerWrongPort or KubeletStopped
            ? labels[BreakLabel]
            : null;

        static string? Phase(JsonObject p) => p["status"]?["phase"]?.GetValue<string>();
    }

    /// <summary>Why <paramref name="node"/> cannot take another pod, or null.</summary>
    public string? Full(string node, int podsOnNode) =>
        Has(node, MaxPods) && podsOnNode + UnlistedSystemPods >= MaxPodsLimit ? "Too many pods" : null;

    /// <summary>The image a pod on <paramref name="node"/> cannot pull, or null.</summary>
    public string? Unpullable(string node, JsonObject pod)
    {
        if (!Has(node, BlackholeRegistry))
        {
            return null;
        }

        HashSet<string> pulled;
        lock (_lock)
        {
            pulled = _pulledBeforeBlackhole.GetValueOrDefault(node) ?? [];
        }

        return Images(pod).FirstOrDefault(image => !pulled.Contains(image) && BlackholedRegistries.Contains(Registry(image), StringComparer.Ordinal));
    }

    /// <summary>The node's pod capacity as kubelet reports it.</summary>
    public string PodCapacity(string node) => Has(node, MaxPods) ? MaxPodsLimit.ToString(CultureInfo.InvariantCulture) : "110";

    private static IEnumerable<string> Images(JsonObject pod) =>
        ((pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? []).Select(c => c["image"]?.GetValue<string>()).OfType<string>();

    // "ghcr.io/rawkode/klustered:v2" -> ghcr.io; "postgres:16-alpine" -> docker.io (no registry host in the name).
    private static string Registry(string image)
    {
        var first = image.Split('/')[0];
        return image.Contains('/', StringComparison.Ordinal) && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
            ? first
            : "docker.io";
    }
}

/// <summary>
/// The sandbox's node model of one cluster as saved with it (see <see cref="ClusterState"/>), so node-level breaks stay
/// in effect across a restart of the sandbox as they would on real hosts: the breaks applied per node, the images each
/// node had pulled before its registry was blackholed, the nodes whose kubelet stopped, and why the API server went away
/// (null while it answers).
/// </summary>
public sealed record NodeState(
    IReadOnlyDictionary<string, IReadOnlyList<string>> Breaks,
    IReadOnlyDictionary<string, IReadOnlyList<string>> PulledBeforeBlackhole,
    IReadOnlyList<string> KubeletStopped,
    string? ApiServerDown)
{
    /// <summary>Nodes as kubeadm left them: nothing broken.</summary>
    public static NodeState Healthy { get; } = new(new Dictionary<string, IReadOnlyList<string>>(), new Dictionary<string, IReadOnlyList<string>>(), [], null);

    public JsonObject ToJson() => new()
    {
        ["breaks"] = Map(Breaks),
        ["pulledBeforeBlackhole"] = Map(PulledBeforeBlackhole),
        ["kubeletStopped"] = Strings(KubeletStopped),
        ["apiServerDown"] = ApiServerDown,
    };

    /// <summary>Reads <see cref="ToJson"/>'s shape; a state file written before node state was saved has none: healthy.</summary>
    public static NodeState FromJson(JsonNode? json) => json is not JsonObject o ? Healthy : new(
        ReadMap(o["breaks"]),
        ReadMap(o["pulledBeforeBlackhole"]),
        ReadStrings(o["kubeletStopped"]),
        o["apiServerDown"]?.GetValue<string>());

    private static JsonObject Map(IReadOnlyDictionary<string, IReadOnlyList<string>> map)
    {
        var json = new JsonObject();
        foreach (var (key, values) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            json[key] = Strings(values);
        }

        return json;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);

    private static Dictionary<string, IReadOnlyList<string>> ReadMap(JsonNode? json) =>
        (json as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => ReadStrings(kv.Value), StringComparer.Ordinal);

    private static IReadOnlyList<string> ReadStrings(JsonNode? json) =>
        [.. (json as JsonArray ?? []).Select(v => v?.GetValue<string>()).OfType<string>()];
}
