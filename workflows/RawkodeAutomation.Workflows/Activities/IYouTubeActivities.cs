using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;

namespace RawkodeAutomation.Workflows.Activities;

/// <summary>
/// The YouTube side of an episode. Every operation is idempotent (find by stored id or by our marker,
/// compare before writing) and reports the quota units it really spent.
/// Errors: <see cref="PipelineErrors.QuotaExceeded"/> (wait for the reset), <see cref="PipelineErrors.InvalidInput"/>,
/// <see cref="PipelineErrors.NotFound"/>, <see cref="PipelineErrors.Forbidden"/>; anything else is retried.
/// </summary>
/// <remarks>Upstream: https://developers.google.com/youtube/v3/live/docs/liveBroadcasts</remarks>
public interface IYouTubeActivities
{
    /// <summary>Broadcast exists and matches (insert/update, bound to the show's stream, in the playlist).</summary>
    [Activity]
    Task<EnsureBroadcastResult> EnsureBroadcastAsync(EnsureBroadcastInput input);

    /// <summary>The video's description equals the desired text (read, compare, write only when different).</summary>
    [Activity]
    Task<EnsureDescriptionResult> EnsureDescriptionAsync(EnsureDescriptionInput input);

    /// <summary>
    /// A sweep reads its episodes' videos before it signals them: the video each episode's entity holds, read with
    /// videos.list part=snippet 50 ids a call (1 unit each), so a guest's bio edit touching N videos costs ⌈N/50⌉ reads
    /// instead of N. Episodes whose entity holds no video yet are returned without one (they read for themselves).
    /// </summary>
    /// <remarks>Upstream: https://developers.google.com/youtube/v3/docs/videos/list</remarks>
    [Activity]
    Task<ObservedVideos> ObserveVideosAsync(ObserveVideosInput input);

    /// <summary>Render the episode's thumbnail at the commit and upload it (thumbnails.set).</summary>
    [Activity]
    Task<EnsureThumbnailResult> EnsureThumbnailAsync(EnsureThumbnailInput input);

    /// <summary>Delete the broadcast of a deleted episode.</summary>
    [Activity]
    Task<DeleteBroadcastResult> DeleteBroadcastAsync(DeleteBroadcastInput input);
}

/// <summary>Input of <see cref="IYouTubeActivities.EnsureBroadcastAsync"/>.</summary>
/// <param name="KnownVideoId">The id the entity already holds, if any.</param>
/// <param name="ExistingVideo">
/// The show is over and the episode names its video: reconcile it as that existing video (videos.update of the whole
/// snippet and the privacy; no schedule change, no bind, no transition, no playlist) and never create anything.
/// </param>
public sealed record EnsureBroadcastInput(DesiredEpisode Desired, string? KnownVideoId, bool ExistingVideo = false);

/// <summary>Result of <see cref="IYouTubeActivities.EnsureBroadcastAsync"/>.</summary>
/// <param name="Action">created, updated, adopted or unchanged.</param>
/// <param name="DescriptionApplied">The description was written as part of the broadcast.</param>
public sealed record EnsureBroadcastResult(string VideoId, string Action, bool DescriptionApplied, long UnitsSpent);

/// <summary>Input of <see cref="IYouTubeActivities.EnsureDescriptionAsync"/>.</summary>
/// <param name="Observed">
/// The video as its sweep read it (<see cref="IYouTubeActivities.ObserveVideosAsync"/>): the write goes straight onto that
/// snippet, guarded by its etag, without reading again; a video changed since is read again first.
/// </param>
public sealed record EnsureDescriptionInput(string EpisodeId, string VideoId, string Title, int CategoryId, string Description, ObservedVideo? Observed = null);

/// <summary>Input of <see cref="IYouTubeActivities.ObserveVideosAsync"/>.</summary>
public sealed record ObserveVideosInput(IReadOnlyList<string> EpisodeIds);

/// <summary>Result of <see cref="IYouTubeActivities.ObserveVideosAsync"/>: one entry per episode asked about.</summary>
public sealed record ObservedVideos(IReadOnlyList<ObservedVideo> Videos, long UnitsSpent);

/// <summary>Result of <see cref="IYouTubeActivities.EnsureDescriptionAsync"/>.</summary>
public sealed record EnsureDescriptionResult(bool Changed, long UnitsSpent);

/// <summary>Input of <see cref="IYouTubeActivities.EnsureThumbnailAsync"/>.</summary>
/// <param name="Force">Upload even when the fingerprint says YouTube already has this picture.</param>
public sealed record EnsureThumbnailInput(string EpisodeId, string VideoId, string Commit, string Fingerprint, string? PreviousFingerprint, bool Force);

/// <summary>Result of <see cref="IYouTubeActivities.EnsureThumbnailAsync"/>.</summary>
public sealed record EnsureThumbnailResult(bool Uploaded, string Fingerprint, long Bytes, long UnitsSpent);

/// <summary>Input of <see cref="IYouTubeActivities.DeleteBroadcastAsync"/>.</summary>
public sealed record DeleteBroadcastInput(string EpisodeId, string VideoId);

/// <summary>Result of <see cref="IYouTubeActivities.DeleteBroadcastAsync"/>.</summary>
public sealed record DeleteBroadcastResult(bool Deleted, long UnitsSpent);
