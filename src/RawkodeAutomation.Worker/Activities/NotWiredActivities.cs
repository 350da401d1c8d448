using RawkodeAutomation.Worker.Seams;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Activities;

/// <summary>
/// Stands in where an adapter is not wired into this build: every call fails, non-retryably, with a
/// message that says so, so the episode shows the reason in its state instead of pretending to work.
/// </summary>
public sealed class NotWiredKlusteredActivities : IKlusteredActivities
{
    private const string Message = "Klustered is not wired into this worker: no Kubernetes adapter is registered (IKlusteredActivities)";

    [Activity]
    public Task<TeamProvisioned> ProvisionTeamAsync(KlusteredTeamInput input) => throw Fail();

    [Activity]
    public Task<FixCheck> CheckFixedAsync(KlusteredTeamInput input) => throw Fail();

    [Activity]
    public Task<TeardownResult> TeardownTeamAsync(KlusteredTeamInput input) => throw Fail();

    [Activity]
    public Task<WriteBackResult> RecordTimeToFixAsync(RecordTimeToFixInput input) => throw Fail();

    [Activity]
    public Task<TeamHandedOver> HandOverTeamAsync(KlusteredTeamInput input) => throw Fail();

    [Activity]
    public Task<WriteBackResult> RecordFixChaptersAsync(RecordFixChaptersInput input) => throw Fail();

    private static ApplicationFailureException Fail() => new(Message, PipelineErrors.Forbidden, nonRetryable: true);
}

/// <summary>Thumbnail rendering not wired into this build.</summary>
public sealed class NotWiredThumbnailSource : IThumbnailSource
{
    public Task<RenderedThumbnail> RenderAsync(string episodeId, string commit, CancellationToken cancellationToken) =>
        throw new ApplicationFailureException(
            $"episode {episodeId}: thumbnail rendering is not wired into this worker (IThumbnailSource)", PipelineErrors.Forbidden, nonRetryable: true);
}
