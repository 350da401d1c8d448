namespace RawkodeAutomation.Kubernetes;

/// <summary>
/// Where the Cluster API management cluster is and how Klustered clusters are built, bound from the configuration
/// section <c>Kubernetes</c> (docs/configuration.md). Unset <see cref="ManagementKubeconfig"/> means the Kubernetes sandbox.
/// </summary>
public sealed class KubernetesOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Kubernetes";

    /// <summary>Path to the management cluster's kubeconfig file (Cluster API is installed there).</summary>
    public string? ManagementKubeconfig { get; set; }

    /// <summary>
    /// The management kubeconfig's content, for hosts that hold it in memory (the sandbox) or a secret store.
    /// Takes precedence over <see cref="ManagementKubeconfig"/>.
    /// </summary>
    public string? ManagementKubeconfigContent { get; set; }

    /// <summary>The management-cluster namespace our <c>Cluster</c> objects (and the ClusterClasses) live in.</summary>
    public string Namespace { get; set; } = "default";

    /// <summary>
    /// The cluster class catalogue: the names episodes may use in <c>cluster.class</c>, each mapped to a ClusterClass
    /// on the management cluster. See https://cluster-api.sigs.k8s.io/tasks/experimental-features/cluster-class/.
    /// </summary>
    public Dictionary<string, ClusterClassOptions> ClusterClasses { get; set; } = new(StringComparer.Ordinal)
    {
        ["kubeadm-small"] = new() { ClusterClass = "kubeadm-small", MaxControlPlaneReplicas = 1, MaxWorkerReplicas = 2 },
        ["kubeadm-medium"] = new() { ClusterClass = "kubeadm-medium", MaxControlPlaneReplicas = 3, MaxWorkerReplicas = 5 },
    };

    /// <summary>The Klustered workload: image repository and the tags that mean "before" and "fixed".</summary>
    public string WorkloadImage { get; set; } = "ghcr.io/rawkode/klustered";

    public string BrokenTag { get; set; } = "v1";

    public string FixedTag { get; set; } = "v2";

    /// <summary>The database image the workload depends on.</summary>
    public string DatabaseImage { get; set; } = "postgres:16-alpine";

    /// <summary>The image of the privileged pod node-level breaks run in; it needs <c>nsenter</c> and <c>sh</c>.</summary>
    public string NodeScriptImage { get; set; } = "busybox:1.36";

    /// <summary>How long provisioning may take before we give up.</summary>
    public TimeSpan ProvisionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long the freshly deployed workload may take to become Ready.</summary>
    public TimeSpan WorkloadReadyTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a node-level script or a break check may take.</summary>
    public TimeSpan BreakStepTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Verify broken: the v1→v2 rollout must not succeed within this time.</summary>
    public TimeSpan VerifyBrokenTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long deleting a cluster may take.</summary>
    public TimeSpan TeardownTimeout { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>How often to re-check while waiting (watches wake us earlier).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Where the breakers' and fixers' kubeconfig files are written (<c>&lt;show&gt;/&lt;slug&gt;/&lt;team&gt;/&lt;role&gt;.kubeconfig</c>,
    /// mode 0600) on the machine that runs the worker. <c>rawkode up</c> sets it to <c>.rawkode/klustered</c> in the checkout.
    /// </summary>
    public string AccessDirectory { get; set; } = Path.Combine(".rawkode", "klustered");

    /// <summary>Checks the options and returns every problem, each naming its configuration key.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ManagementKubeconfig is { Length: > 0 } path && ManagementKubeconfigContent is null && !File.Exists(path))
        {
            problems.Add($"Kubernetes:ManagementKubeconfig: the file \"{path}\" does not exist");
        }

        if (ClusterClasses.Count == 0)
        {
            problems.Add("Kubernetes:ClusterClasses: the catalogue is empty");
        }

        foreach (var (name, cc) in ClusterClasses)
        {
            if (string.IsNullOrWhiteSpace(cc.ClusterClass))
            {
                problems.Add($"Kubernetes:ClusterClasses:{name}:ClusterClass is required");
            }
        }

        foreach (var (key, value) in new[] { ("ProvisionTimeout", ProvisionTimeout), ("WorkloadReadyTimeout", WorkloadReadyTimeout), ("BreakStepTimeout", BreakStepTimeout), ("VerifyBrokenTimeout", VerifyBrokenTimeout), ("TeardownTimeout", TeardownTimeout), ("PollInterval", PollInterval) })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"Kubernetes:{key} must be positive (got {value})");
            }
        }

        return problems;
    }
}

/// <summary>One entry of the cluster class catalogue.</summary>
public sealed class ClusterClassOptions
{
    /// <summary>The name of the ClusterClass object on the management cluster.</summary>
    public string ClusterClass { get; set; } = "";

    /// <summary>The machine deployment class workers use (<c>spec.topology.workers.machineDeployments[].class</c>).</summary>
    public string WorkerClass { get; set; } = "default-worker";

    public int MaxControlPlaneReplicas { get; set; } = 1;

    public int MaxWorkerReplicas { get; set; } = 3;
}
