namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>Knobs of the Kubernetes sandbox. Defaults suit <c>rawkode up</c>; tests shorten the delays.</summary>
public sealed class KubernetesSandboxOptions
{
    /// <summary>How long the Cluster API stand-in takes to provision a <c>Cluster</c>.</summary>
    public TimeSpan ProvisionDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The <see cref="HostPodPhase"/> that runs host pods against the sandbox's node model.</summary>
    public const string SimulatedHostPods = "Simulated";

    /// <summary>
    /// What privileged host pods (node-level break scripts) do, since the sandbox has no hosts to run them on.
    /// <see cref="SimulatedHostPods"/> (the default, for <c>rawkode up</c>): the sandbox models the node-level breaks
    /// whose effect it can reproduce (their checks answer from that model; the others fail, saying so).
    /// <c>Failed</c>: every host pod fails ("no nodes"). <c>Succeeded</c>: every host pod pretends to succeed, for
    /// tests that only check what was submitted.
    /// </summary>
    public string HostPodPhase { get; set; } = SimulatedHostPods;

    /// <summary>The ClusterClass objects seeded in <see cref="ClusterClassNamespace"/> of the management cluster.</summary>
    public IList<string> ClusterClasses { get; } = ["kubeadm-small", "kubeadm-medium"];

    /// <summary>The namespace of the management cluster that holds the ClusterClasses (and our Clusters).</summary>
    public string ClusterClassNamespace { get; set; } = "default";

    /// <summary>
    /// A file that keeps the sandbox's state (the management cluster, every provisioned workload cluster, their CAs, tokens
    /// and objects) across restarts, like the YouTube sandbox's <c>.rawkode/youtube.json</c>; unset keeps it in memory.
    /// Saved every couple of seconds while something changed, and on dispose.
    /// </summary>
    public string? StatePath { get; set; }

    /// <summary>The clock ServiceAccount tokens are issued and checked against (tests move it to expire tokens).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>The loopback address every sandbox cluster listens on (port chosen by the OS).</summary>
    public string Host { get; set; } = "127.0.0.1";
}
