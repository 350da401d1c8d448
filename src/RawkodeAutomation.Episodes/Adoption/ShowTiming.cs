using RawkodeAutomation.Episodes.Model;

namespace RawkodeAutomation.Episodes.Adoption;

/// <summary>Where an episode stands against the clock, for YouTube: a show still to come, or history.</summary>
public enum ShowTime
{
    /// <summary>A draft, or an episode without a start: nothing is published.</summary>
    Unscheduled,

    /// <summary>The show has not ended yet: a broadcast to schedule (or already scheduled).</summary>
    Upcoming,

    /// <summary>The show is over (<c>scheduledFor + duration</c> is before now): an existing video to adopt, never a broadcast to create.</summary>
    Over,
}

/// <summary>The past-vs-upcoming decision, as a pure function of the episode and the time.</summary>
public static class ShowTiming
{
    /// <summary>When the show ends: <c>scheduledFor + duration</c>; null for drafts and unscheduled episodes.</summary>
    public static DateTimeOffset? EndOf(Episode episode) =>
        episode.Draft || episode.ScheduledFor is not { } start ? null : start + episode.Duration;

    /// <summary>
    /// <see cref="ShowTime.Over"/> once the show's end is before <paramref name="now"/>. YouTube refuses
    /// <c>liveBroadcasts.insert</c> scheduled in the past (<c>invalidScheduledStartTime</c>), so an episode that is
    /// over is reconciled as the video it already is (with <c>youtube.videoId</c>) or left alone until adopted.
    /// </summary>
    public static ShowTime Of(Episode episode, DateTimeOffset now) => EndOf(episode) switch
    {
        null => ShowTime.Unscheduled,
        { } end when end < now => ShowTime.Over,
        _ => ShowTime.Upcoming,
    };

    /// <summary>True when the episode is history and has no video to reconcile: <c>rawkode adopt</c> finds it.</summary>
    public static bool NeedsAdoption(Episode episode, DateTimeOffset now) =>
        Of(episode, now) == ShowTime.Over && episode.YouTube?.VideoId is null;
}
