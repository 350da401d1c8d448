using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// The cleanup pass. Clusters past their TTL are removed by the Kubernetes adapter's cleanup when it is
/// registered (<see cref="IClusterJanitor"/>); with none registered the report says so.
/// </summary>
public sealed class CleanupActivities(IEnumerable<IClusterJanitor> janitors) : ICleanupActivities
{
    public async Task<CleanupReport> CleanupAsync(CleanupInput input)
    {
        List<string> clusters = [], notes = [];
        var any = false;
        foreach (var janitor in janitors)
        {
            any = true;
            clusters.AddRange(await janitor.DeleteExpiredAsync(input.Now, CancellationToken.None).ConfigureAwait(false));
        }
        if (!any)
        {
            notes.Add("no Kubernetes cleanup registered: expired clusters were not looked for");
        }
        return new CleanupReport(input.Now, clusters, [], notes);
    }
}

/// <summary>Deletes our clusters whose expiry label is in the past (the Kubernetes area behind it).</summary>
public interface IClusterJanitor
{
    /// <summary>Deletes expired clusters we own; returns their names.</summary>
    Task<IReadOnlyList<string>> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
