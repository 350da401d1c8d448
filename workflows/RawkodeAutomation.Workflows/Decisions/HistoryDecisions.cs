using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Workflows.Decisions;

/// <summary>What an episode is on YouTube, given the clock.</summary>
public enum YouTubeRole
{
    /// <summary>A show still to come (or one the automation scheduled): a live broadcast to create, update and bind.</summary>
    Broadcast,

    /// <summary>A show that is over and names its video (<c>youtube.videoId</c>): an existing video to keep in sync, never a broadcast.</summary>
    ExistingVideo,

    /// <summary>A show that is over with no video: nothing is created (YouTube refuses broadcasts in the past); <c>rawkode adopt</c> finds its video.</summary>
    NotOnYouTube,
}

/// <summary>
/// A channel has history (DESIGN §7): the past-vs-upcoming decision of an episode entity and what it implies for the
/// thumbnail, as pure functions of the desired spec, what the entity already holds and the time.
/// </summary>
public static class HistoryDecisions
{
    /// <summary>Why an episode that is over and has no video does nothing; shown as the entity's last result.</summary>
    public const string NotOnYouTubeResult = "not on YouTube: the show is over and the episode has no youtube.videoId, so nothing is created (run `rawkode adopt` to find its video)";

    /// <summary>True once the show's end (<c>scheduledFor + duration</c>) is before <paramref name="now"/>.</summary>
    public static bool IsOver(DesiredEpisode desired, DateTimeOffset now) =>
        desired.ScheduledFor is { } start && start + desired.Duration < now;

    /// <summary>
    /// The role of the episode on YouTube. An upcoming show is a broadcast. A show that is over is the video its file
    /// names; without one it is a broadcast only if this entity created that broadcast before the show (it holds its
    /// id), else it is not on YouTube and nothing is created.
    /// </summary>
    public static YouTubeRole RoleOf(DesiredEpisode desired, string? heldVideoId, DateTimeOffset now)
    {
        if (!IsOver(desired, now))
        {
            return YouTubeRole.Broadcast;
        }
        if (desired.AdoptVideoId is not null)
        {
            return YouTubeRole.ExistingVideo;
        }
        return heldVideoId is null ? YouTubeRole.NotOnYouTube : YouTubeRole.Broadcast;
    }

    /// <summary>What is left to do, as the entity's state shows it: nothing for an episode that is not on YouTube.</summary>
    public static ReconcilePlan Pending(ReconcilePlan plan, DesiredEpisode? desired, string? heldVideoId, DateTimeOffset now) =>
        desired is not null && RoleOf(desired, heldVideoId, now) == YouTubeRole.NotOnYouTube ? ReconcilePlan.Nothing : plan;

    /// <summary>
    /// Whether the rendered thumbnail goes up: always on a broadcast the automation created; on an existing video only
    /// when the episode or its show opted in (<c>youtube.replaceThumbnail: true</c>), because the creator's thumbnail is theirs.
    /// </summary>
    public static bool UploadsThumbnail(DesiredEpisode desired, YouTubeRole role) =>
        role == YouTubeRole.Broadcast || (role == YouTubeRole.ExistingVideo && desired.ReplaceThumbnail);
}
