using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;

namespace RawkodeAutomation.Workflows.Activities;

/// <summary>
/// Reading commits and talking to other entities. Workflows cannot signal-with-start another
/// workflow themselves, so the calls that must create the entity if it does not exist run here.
/// </summary>
public interface ICommitActivities
{
    /// <summary>
    /// Read the commit's tree, validate it, compute every episode's desired spec, and signal the
    /// entities whose spec differs from the parent commit's (every one when <c>Full</c>).
    /// Invalid commits signal nothing.
    /// </summary>
    [Activity]
    Task<CommitOutcome> ApplyCommitAsync(CommitInput input);

    /// <summary>Report the commit's status where it came from (GitHub commit status, or the local log).</summary>
    /// <remarks>Upstream: https://docs.github.com/en/rest/commits/statuses</remarks>
    [Activity]
    Task<CommitStatusResult> ReportCommitStatusAsync(CommitStatusInput input);

    /// <summary>Signal-with-start the given episodes with their spec at <c>Commit</c> (used by sweeps).</summary>
    [Activity]
    Task<SignalEpisodesResult> SignalEpisodesAsync(SignalEpisodesInput input);
}

/// <summary>Input of <see cref="ICommitActivities.ReportCommitStatusAsync"/>.</summary>
/// <param name="State">pending, success, failure or error.</param>
/// <param name="Details">Every finding (each validation error as <c>path:line:column: message</c>).</param>
public sealed record CommitStatusInput(string Sha, string State, string Description, string? TargetUrl, IReadOnlyList<string>? Details = null);

/// <summary>Result of <see cref="ICommitActivities.ReportCommitStatusAsync"/>.</summary>
public sealed record CommitStatusResult(bool Reported, string Where);

/// <summary>Input of <see cref="ICommitActivities.SignalEpisodesAsync"/>.</summary>
/// <param name="Observed">The episodes' videos as the sweep read them (<see cref="SpecChanged.Observed"/>), when it did.</param>
public sealed record SignalEpisodesInput(
    string Commit, DateTimeOffset CommitTime, IReadOnlyList<string> EpisodeIds, ChangeReason Reason, string? NotifyWorkflowId,
    IReadOnlyList<ObservedVideo>? Observed = null);

/// <summary>Result of <see cref="ICommitActivities.SignalEpisodesAsync"/>.</summary>
/// <param name="Missing">Episodes that no longer exist at the commit (the sweep counts them as done).</param>
public sealed record SignalEpisodesResult(IReadOnlyList<string> Signaled, IReadOnlyList<string> Missing);

/// <summary>The quota entity's front door: signal-with-start so it always exists.</summary>
public interface IQuotaActivities
{
    /// <summary>Ask the quota entity for units; the grant arrives as a signal.</summary>
    [Activity]
    Task<QuotaRequestResult> RequestQuotaAsync(QuotaRequest input);
}

/// <summary>Result of <see cref="IQuotaActivities.RequestQuotaAsync"/>.</summary>
public sealed record QuotaRequestResult(bool Accepted);

/// <summary>
/// The cleanup pass: removes what nothing owns any more. Every step is guarded: nothing without our ownership
/// label (clusters), our <c>rawkode-episode:</c> marker tag (broadcasts) or our <c>rawkode-stream:</c> description
/// marker (streams) is ever touched.
/// </summary>
public interface ICleanupActivities
{
    /// <summary>
    /// Deletes our clusters past their expiry label, and our clusters whose episode or team is not in the
    /// desired state at the branch head (orphans). With an unreadable or invalid head only expired ones go.
    /// </summary>
    /// <remarks>Upstream: https://cluster-api.sigs.k8s.io/reference/api/crd-reference</remarks>
    [Activity]
    Task<ClusterCleanupResult> CleanClustersAsync(CleanClustersInput input);

    /// <summary>
    /// Lists our upcoming and active broadcasts (liveBroadcasts.list + videos.list for the marker, 1 unit per 50
    /// each) and decides which are leftovers: episode not in the desired state at the branch head, its entity
    /// not running and not having kept the video on purpose, and not yet live.
    /// </summary>
    /// <remarks>Upstream: https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/list</remarks>
    [Activity]
    Task<BroadcastSurvey> SurveyBroadcastsAsync(SurveyBroadcastsInput input);

    /// <summary>
    /// Deletes one leftover broadcast after checking again (marker, lifecycle, entity not running); a broadcast
    /// that went live or gained an owner meanwhile is kept.
    /// </summary>
    /// <remarks>Upstream: https://developers.google.com/youtube/v3/live/docs/liveBroadcasts/delete</remarks>
    [Activity]
    Task<BroadcastDeletion> DeleteLeftoverBroadcastAsync(DeleteLeftoverBroadcastInput input);

    /// <summary>
    /// Lists our shows' streams (liveStreams.list, 1 unit per 50; ours carry the <c>rawkode-stream:</c> description
    /// marker) and decides which are orphans: no episode at the branch head uses their stream key (the show was
    /// removed or has no episode left) and no upcoming or active broadcast is bound to them (then liveBroadcasts.list
    /// upcoming and active, 1 unit per 50 each, is read too). With an unreadable or invalid head none are judged.
    /// </summary>
    /// <remarks>Upstream: https://developers.google.com/youtube/v3/live/docs/liveStreams/list</remarks>
    [Activity]
    Task<StreamSurvey> SurveyStreamsAsync(SurveyStreamsInput input);

    /// <summary>
    /// Deletes one orphaned stream after checking again (still marked with its key, its key still unused at the branch
    /// head); YouTube refusing because a broadcast that has not completed is bound to it keeps it, with that reason.
    /// </summary>
    /// <remarks>Upstream: https://developers.google.com/youtube/v3/live/docs/liveStreams/delete</remarks>
    [Activity]
    Task<StreamDeletion> DeleteOrphanStreamAsync(DeleteOrphanStreamInput input);

    /// <summary>
    /// The drift check's first half, without any YouTube call: the video each running episode entity of the desired
    /// state at the branch head holds (queried from the entity), and whether its show is still to come (a vanished
    /// broadcast is then recreated) or is over (a vanished video is only reported).
    /// </summary>
    [Activity]
    Task<HeldVideos> ListHeldVideosAsync(ListHeldVideosInput input);

    /// <summary>
    /// The drift check's second half: which of the ids YouTube no longer has (videos.list part=id, 50 ids per call,
    /// 1 unit each). A video of any privacy is returned to its channel's owner, so only a deleted one is missing.
    /// </summary>
    /// <remarks>Upstream: https://developers.google.com/youtube/v3/docs/videos/list</remarks>
    [Activity]
    Task<VideoPresence> CheckVideosAsync(CheckVideosInput input);
}

/// <summary>Input of <see cref="ICleanupActivities.ListHeldVideosAsync"/>.</summary>
public sealed record ListHeldVideosInput(DateTimeOffset Now);

/// <summary>A video an episode's entity holds.</summary>
/// <param name="RecreateIfMissing">The show has not started and the file claims no video: a vanished broadcast is recreated.</param>
/// <param name="Why">Why it would (or would not) be recreated, for the report.</param>
public sealed record HeldVideo(string EpisodeId, string VideoId, bool RecreateIfMissing, string Why);

/// <summary>Result of <see cref="ICleanupActivities.ListHeldVideosAsync"/>.</summary>
public sealed record HeldVideos(IReadOnlyList<HeldVideo> Videos, IReadOnlyList<string> Notes);

/// <summary>Input of <see cref="ICleanupActivities.CheckVideosAsync"/>.</summary>
public sealed record CheckVideosInput(IReadOnlyList<string> VideoIds);

/// <summary>Result of <see cref="ICleanupActivities.CheckVideosAsync"/>.</summary>
/// <param name="Missing">The ids videos.list did not return.</param>
public sealed record VideoPresence(IReadOnlyList<string> Missing, long UnitsSpent);

/// <summary>Input of <see cref="ICleanupActivities.CleanClustersAsync"/>.</summary>
public sealed record CleanClustersInput(DateTimeOffset Now, bool DryRun);

/// <summary>Result of <see cref="ICleanupActivities.CleanClustersAsync"/>.</summary>
public sealed record ClusterCleanupResult(IReadOnlyList<CleanupItem> Deleted, IReadOnlyList<CleanupItem> Kept, IReadOnlyList<string> Notes);

/// <summary>Input of <see cref="ICleanupActivities.SurveyBroadcastsAsync"/>.</summary>
public sealed record SurveyBroadcastsInput(DateTimeOffset Now);

/// <summary>Result of <see cref="ICleanupActivities.SurveyBroadcastsAsync"/>.</summary>
/// <param name="Leftovers">Broadcasts to delete (<see cref="CleanupItem.Name"/> is the video id).</param>
/// <param name="Kept">Broadcasts whose episode is gone that stay, with the reason.</param>
public sealed record BroadcastSurvey(IReadOnlyList<CleanupItem> Leftovers, IReadOnlyList<CleanupItem> Kept, IReadOnlyList<string> Notes, long UnitsSpent);

/// <summary>Input of <see cref="ICleanupActivities.DeleteLeftoverBroadcastAsync"/>.</summary>
public sealed record DeleteLeftoverBroadcastInput(string EpisodeId, string VideoId);

/// <summary>Result of <see cref="ICleanupActivities.DeleteLeftoverBroadcastAsync"/>.</summary>
/// <param name="Detail">What was done, or why the broadcast was kept after all.</param>
public sealed record BroadcastDeletion(bool Deleted, string Detail, long UnitsSpent);

/// <summary>Input of <see cref="ICleanupActivities.SurveyStreamsAsync"/>.</summary>
public sealed record SurveyStreamsInput(DateTimeOffset Now);

/// <summary>An orphaned stream of ours: <see cref="Item"/> for the report (its name is the stream id), and its key.</summary>
public sealed record OrphanStream(string StreamKey, CleanupItem Item);

/// <summary>Result of <see cref="ICleanupActivities.SurveyStreamsAsync"/>.</summary>
/// <param name="Orphans">Streams to delete.</param>
/// <param name="Kept">Streams whose show is gone that stay (bound to an upcoming or active broadcast), with the reason.</param>
public sealed record StreamSurvey(IReadOnlyList<OrphanStream> Orphans, IReadOnlyList<CleanupItem> Kept, IReadOnlyList<string> Notes, long UnitsSpent);

/// <summary>Input of <see cref="ICleanupActivities.DeleteOrphanStreamAsync"/>.</summary>
public sealed record DeleteOrphanStreamInput(string StreamKey, string StreamId, DateTimeOffset Now);

/// <summary>Result of <see cref="ICleanupActivities.DeleteOrphanStreamAsync"/>.</summary>
/// <param name="Detail">What was done, or why the stream was kept after all.</param>
public sealed record StreamDeletion(bool Deleted, string Detail, long UnitsSpent);
