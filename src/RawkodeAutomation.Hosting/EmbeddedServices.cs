using RawkodeAutomation.Kubernetes.Sandbox;
using RawkodeAutomation.StateFiles;
using RawkodeAutomation.TemporalServer;
using RawkodeAutomation.YouTube.Sandbox;

namespace RawkodeAutomation.Hosting;

/// <summary>
/// What <see cref="EmbeddedDefaultsExtensions.AddRawkodeEmbeddedDefaultsAsync"/> decided and started. The host disposes
/// it after its own host has stopped: the embedded servers outlive the worker that talks to them.
/// </summary>
public sealed class EmbeddedServices(EmbeddedPlan plan) : IAsyncDisposable
{
    /// <summary>Which areas run on configured services and which on their embedded defaults.</summary>
    public EmbeddedPlan Plan { get; } = plan;

    /// <summary>The offline Temporal server, when no Temporal address was configured.</summary>
    public OfflineTemporalServer? Temporal { get; internal set; }

    /// <summary>The YouTube sandbox, when no channel credentials were configured; its address is the channel page.</summary>
    public YouTubeSandbox? YouTube { get; internal set; }

    /// <summary>The Kubernetes sandbox, when no management cluster was configured.</summary>
    public KubernetesSandbox? Kubernetes { get; internal set; }

    /// <summary>The Temporal frontend the worker uses, <c>host:port</c>: the offline server's or the configured one.</summary>
    public string TemporalAddress => Temporal?.Address ?? Plan.Temporal.TargetHost!;

    /// <summary>The settings the embedded defaults added to the host's configuration (addresses, credentials, paths).</summary>
    public IReadOnlyDictionary<string, string?> Settings => Added;

    internal Dictionary<string, string?> Added { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>This process's hold on the state folder, when there is one; released after everything else stopped.</summary>
    internal StateFileOwnership? StateLock { get; set; }

    /// <summary>Stops what was started, the last started first.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Kubernetes is not null)
        {
            await Kubernetes.DisposeAsync().ConfigureAwait(false);
        }
        if (YouTube is not null)
        {
            await YouTube.DisposeAsync().ConfigureAwait(false);
        }
        if (Temporal is not null)
        {
            await Temporal.DisposeAsync().ConfigureAwait(false);
        }
        StateLock?.Dispose();
    }
}
