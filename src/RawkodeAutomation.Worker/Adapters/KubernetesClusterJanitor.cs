using RawkodeAutomation.Kubernetes;

namespace RawkodeAutomation.Worker.Adapters;

/// <summary>The cleanup's Kubernetes half: delete our clusters whose expiry label passed.</summary>
public sealed class KubernetesClusterJanitor(IClusterOperations clusters) : Activities.IClusterJanitor
{
    public async Task<IReadOnlyList<string>> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<string> deleted = [];
        foreach (var owned in await clusters.ListOwnedClustersAsync(cancellationToken).ConfigureAwait(false))
        {
            if (owned.IsExpired(now))
            {
                await clusters.TeardownAsync(owned.Cluster, cancellationToken).ConfigureAwait(false);
                deleted.Add(owned.Cluster.Name);
            }
        }
        return deleted;
    }
}
