namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>Knobs of the Kubernetes sandbox. Defaults suit <c>rawkode up</c>; tests shorten the delays.</summary>
public sealed class KubernetesSandboxOptions
{
    /// <summary>How long the Cluster API stand-in takes to provision a <c>Cluster</c>.</summary>
    public TimeSpan ProvisionDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The phase privileged host pods (node-level break scripts) end in: <c>Failed</c> by default, because the sandbox
    /// has no nodes; tests that only check what was submitted may set <c>Succeeded</c>.
    /// </summary>
    public string HostPodPhase { get; set; } = "Failed";

    /// <summary>The ClusterClass objects seeded in <see cref="ClusterClassNamespace"/> of the management cluster.</summary>
    public IList<string> ClusterClasses { get; } = ["kubeadm-small", "kubeadm-medium"];

    /// <summary>The namespace of the management cluster that holds the ClusterClasses (and our Clusters).</summary>
    public string ClusterClassNamespace { get; set; } = "default";

    /// <summary>The loopback address every sandbox cluster listens on (port chosen by the OS).</summary>
    public string Host { get; set; } = "127.0.0.1";
}
