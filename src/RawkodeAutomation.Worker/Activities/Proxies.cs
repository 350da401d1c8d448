using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// Registers the Klustered activities under their contract names while the implementation behind
/// <see cref="IKlusteredActivities"/> is chosen by DI (Kubernetes adapter, sandbox, or not wired).
/// </summary>
public sealed class KlusteredActivitiesProxy(IKlusteredActivities inner) : IKlusteredActivities
{
    [Activity]
    public Task<TeamProvisioned> ProvisionTeamAsync(KlusteredTeamInput input) => inner.ProvisionTeamAsync(input);

    [Activity]
    public Task<FixCheck> CheckFixedAsync(KlusteredTeamInput input) => inner.CheckFixedAsync(input);

    [Activity]
    public Task<TeardownResult> TeardownTeamAsync(KlusteredTeamInput input) => inner.TeardownTeamAsync(input);

    [Activity]
    public Task<WriteBackResult> RecordTimeToFixAsync(RecordTimeToFixInput input) => inner.RecordTimeToFixAsync(input);
}

/// <summary>Registers the cleanup activity while its implementation is chosen by DI.</summary>
public sealed class CleanupActivitiesProxy(ICleanupActivities inner) : ICleanupActivities
{
    [Activity]
    public Task<CleanupReport> CleanupAsync(CleanupInput input) => inner.CleanupAsync(input);
}
