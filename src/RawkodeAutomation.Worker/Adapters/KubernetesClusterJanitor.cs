using RawkodeAutomation.Kubernetes;
using RawkodeAutomation.Worker.Activities;

namespace RawkodeAutomation.Worker.Adapters;

/// <summary>
/// The cleanup's Kubernetes half on <see cref="IClusterOperations"/>: lists the <c>Cluster</c>s with our ownership
/// label and tears one down (the operation itself refuses any cluster without the label).
/// </summary>
public sealed class KubernetesClusterJanitor(IClusterOperations clusters) : IClusterJanitor
{
    public async Task<IReadOnlyList<OwnedClusterInfo>> ListOwnedAsync(CancellationToken cancellationToken) =>
        [.. (await clusters.ListOwnedClustersAsync(cancellationToken).ConfigureAwait(false)).Select(owned => new OwnedClusterInfo(
            owned.Cluster.Namespace,
            owned.Cluster.Name,
            string.IsNullOrEmpty(owned.Cluster.EpisodeId) ? null : owned.Cluster.EpisodeId,
            string.IsNullOrEmpty(owned.Cluster.Team) ? null : owned.Cluster.Team,
            owned.ExpiresAt))];

    public Task DeleteAsync(OwnedClusterInfo cluster, CancellationToken cancellationToken) =>
        clusters.TeardownAsync(new ClusterRef(cluster.Namespace, cluster.Name, cluster.EpisodeId ?? "", cluster.Team ?? ""), cancellationToken);
}
