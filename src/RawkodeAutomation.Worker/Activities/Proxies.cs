using RawkodeAutomation.Workflows.Activities;
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

    [Activity]
    public Task<TeamHandedOver> HandOverTeamAsync(KlusteredTeamInput input) => inner.HandOverTeamAsync(input);

    [Activity]
    public Task<WriteBackResult> RecordFixChaptersAsync(RecordFixChaptersInput input) => inner.RecordFixChaptersAsync(input);
}

/// <summary>Registers the cleanup activities while their implementation is chosen by DI.</summary>
public sealed class CleanupActivitiesProxy(ICleanupActivities inner) : ICleanupActivities
{
    [Activity]
    public Task<ClusterCleanupResult> CleanClustersAsync(CleanClustersInput input) => inner.CleanClustersAsync(input);

    [Activity]
    public Task<BroadcastSurvey> SurveyBroadcastsAsync(SurveyBroadcastsInput input) => inner.SurveyBroadcastsAsync(input);

    [Activity]
    public Task<BroadcastDeletion> DeleteLeftoverBroadcastAsync(DeleteLeftoverBroadcastInput input) => inner.DeleteLeftoverBroadcastAsync(input);

    [Activity]
    public Task<StreamSurvey> SurveyStreamsAsync(SurveyStreamsInput input) => inner.SurveyStreamsAsync(input);

    [Activity]
    public Task<StreamDeletion> DeleteOrphanStreamAsync(DeleteOrphanStreamInput input) => inner.DeleteOrphanStreamAsync(input);

    [Activity]
    public Task<HeldVideos> ListHeldVideosAsync(ListHeldVideosInput input) => inner.ListHeldVideosAsync(input);

    [Activity]
    public Task<VideoPresence> CheckVideosAsync(CheckVideosInput input) => inner.CheckVideosAsync(input);
}
