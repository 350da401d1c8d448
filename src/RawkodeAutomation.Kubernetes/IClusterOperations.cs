using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Kubernetes;

/// <summary>A Cluster API <c>Cluster</c> we own: where it lives and whom it is for.</summary>
/// <param name="Namespace">Namespace of the <c>Cluster</c> on the management cluster.</param>
/// <param name="Name">Name of the <c>Cluster</c> (see <see cref="Ownership.ClusterName"/>).</param>
public sealed record ClusterRef(string Namespace, string Name, string EpisodeId, string Team);

/// <summary>Provisioning progress, reported while waiting.</summary>
public sealed record ClusterProgress(ClusterRef Cluster, string Phase, string? Message, TimeSpan Elapsed);

/// <summary>What one break check found.</summary>
public sealed record BreakCheckResult(string BreakId, bool Holds, string Detail);

/// <summary>
/// The verdict of <see cref="IClusterOperations.VerifyBrokenAsync"/>: broken when the v1→v2 rollout did not
/// succeed in time and every break's own check holds; <see cref="NotHolding"/> names the breaks that failed.
/// </summary>
public sealed record VerifyBrokenResult(bool Broken, bool RolloutSucceeded, IReadOnlyList<BreakCheckResult> Checks, IReadOnlyList<string> NotHolding, string Summary);

/// <summary>Whether the fixers won: <c>klustered</c> runs <c>:v2</c> and is Ready.</summary>
/// <param name="TimeToFix">From the moment the cluster was handed over broken to the moment it was seen fixed.</param>
public sealed record FixStatus(bool Fixed, string Detail, TimeSpan? TimeToFix = null);

/// <summary>A cluster carrying our ownership label, as the cleanup sees it.</summary>
public sealed record OwnedCluster(ClusterRef Cluster, DateTimeOffset? ExpiresAt, string? Phase)
{
    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } at && at <= now;
}

/// <summary>
/// Everything the Klustered pipeline does to Kubernetes, as one narrow seam for the workflows' activities. Every
/// operation is idempotent by name and guarded: it refuses (<see cref="OwnershipException"/>) any cluster without
/// our ownership label. Implemented by <see cref="KubernetesClusterOperations"/> (Cluster API + KubernetesClient).
/// </summary>
public interface IClusterOperations
{
    /// <summary>
    /// Creates (or adopts, when it already exists and is ours) the Cluster API <c>Cluster</c> for one team.
    /// See https://cluster-api.sigs.k8s.io/reference/api/crd-reference (cluster.x-k8s.io/v1beta1 Cluster).
    /// </summary>
    Task<ClusterRef> ProvisionAsync(string episodeId, string team, ClusterSpec spec, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Waits until the <c>Cluster</c> is Provisioned and its kubeconfig secret exists, reporting progress.</summary>
    Task WaitProvisionedAsync(ClusterRef cluster, IProgress<ClusterProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>The workload cluster's kubeconfig: secret <c>&lt;cluster&gt;-kubeconfig</c>, key <c>value</c>.</summary>
    Task<string> GetWorkloadKubeconfigAsync(ClusterRef cluster, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deploys the Klustered workload at v1 (Deployment and Service <c>klustered</c> in <c>default</c>, and its database)
    /// and waits until it is Ready. When it is already there (ours), it is adopted without waiting: breaks applied since
    /// may keep it from being Ready on purpose.
    /// </summary>
    Task DeployWorkloadAsync(ClusterRef cluster, CancellationToken cancellationToken = default);

    /// <summary>Applies break modules by id (see <see cref="BreakLibrary"/>); node-level breaks that cut API access go last.</summary>
    Task ApplyBreaksAsync(ClusterRef cluster, IReadOnlyList<string> breakIds, CancellationToken cancellationToken = default);

    /// <summary>Runs each break's check, then attempts the v1→v2 rollout, which must not succeed in time; rolls back to v1 after.</summary>
    Task<VerifyBrokenResult> VerifyBrokenAsync(ClusterRef cluster, IReadOnlyList<string> breakIds, CancellationToken cancellationToken = default);

    /// <summary>Undoes break modules (the reverse order of application).</summary>
    Task UndoBreaksAsync(ClusterRef cluster, IReadOnlyList<string> breakIds, CancellationToken cancellationToken = default);

    /// <summary>One look: does <c>klustered</c> run <c>:v2</c> and is it Ready?</summary>
    Task<FixStatus> IsFixedAsync(ClusterRef cluster, CancellationToken cancellationToken = default);

    /// <summary>Watches until fixed or <paramref name="timeout"/>; the time to fix counts from <paramref name="brokenSince"/>.</summary>
    Task<FixStatus> WaitFixedAsync(ClusterRef cluster, DateTimeOffset brokenSince, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Deletes the <c>Cluster</c> and waits until it is gone. Missing already: done.</summary>
    Task TeardownAsync(ClusterRef cluster, CancellationToken cancellationToken = default);

    /// <summary>
    /// A person's access for one window: ServiceAccount <c>klustered-&lt;role&gt;</c> in the workload cluster, bound to
    /// <c>cluster-admin</c>, and a token from the TokenRequest API that expires at <paramref name="expiresAt"/>. The
    /// kubeconfig carries the workload API server's CA. Refused on a cluster without our ownership label.
    /// See https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/.
    /// </summary>
    Task<WorkloadCredential> GrantAccessAsync(ClusterRef cluster, string role, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Ends a role's access: removes its ClusterRoleBinding (so a token that outlives it is useless) and its ServiceAccount.</summary>
    Task RevokeAccessAsync(ClusterRef cluster, string role, CancellationToken cancellationToken = default);

    /// <summary>Every <c>Cluster</c> with our ownership label (for the cleanup schedule: expired or orphaned).</summary>
    Task<IReadOnlyList<OwnedCluster>> ListOwnedClustersAsync(CancellationToken cancellationToken = default);
}
