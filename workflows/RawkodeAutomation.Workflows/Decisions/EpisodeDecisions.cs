using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Workflows.Decisions;

/// <summary>What an episode entity must do, as plain functions of desired and applied state.</summary>
public static class EpisodeDecisions
{
    /// <summary>Fingerprint of the whole spec except where it came from: equal means nothing to do.</summary>
    public static string SpecFingerprint(DesiredEpisode desired) =>
        Fingerprint.OfJson(desired with { Commit = "", CommitTime = default });

    /// <summary>Fingerprint of the fields the broadcast itself carries (not the description or thumbnail).</summary>
    public static string BroadcastFingerprint(DesiredEpisode d) => Fingerprint.OfJson(new
    {
        d.Title,
        d.ScheduledFor,
        d.Duration,
        d.Visibility,
        d.Tags,
        d.CategoryId,
        d.PlaylistId,
        d.StreamKey,
        d.AdoptVideoId,
    });

    /// <summary>Fingerprint of the description text.</summary>
    public static string DescriptionFingerprint(DesiredEpisode d) => Fingerprint.Of(d.Description);

    /// <summary>
    /// Whether an incoming spec replaces the held one: never go back to an older commit's spec
    /// (a slow sweep must not undo a newer edit), and ignore an identical spec.
    /// </summary>
    public static bool ShouldAccept(DesiredEpisode? held, DesiredEpisode incoming)
    {
        if (held is null)
        {
            return true;
        }
        if (incoming.CommitTime < held.CommitTime)
        {
            return false;
        }
        return SpecFingerprint(held) != SpecFingerprint(incoming);
    }

    /// <summary>What still differs on YouTube. Drafts are never published.</summary>
    public static ReconcilePlan Plan(DesiredEpisode? desired, AppliedEpisode applied, bool forceThumbnail)
    {
        if (desired is null || desired.Draft)
        {
            return ReconcilePlan.Nothing;
        }
        var broadcast = applied.VideoId is null || applied.BroadcastFingerprint != BroadcastFingerprint(desired);
        var description = applied.DescriptionFingerprint != DescriptionFingerprint(desired);
        var thumbnail = forceThumbnail || applied.ThumbnailFingerprint != desired.ThumbnailFingerprint;
        return new ReconcilePlan(broadcast, description, thumbnail);
    }

    /// <summary>Quota priority of a description write: the episode's own edit is live scheduling, a retroactive rewrite is a sweep.</summary>
    public static QuotaPriority DescriptionPriority(ChangeReason reason) =>
        reason == ChangeReason.Sweep ? QuotaPriority.Sweep : QuotaPriority.LiveScheduling;

    /// <summary>
    /// What deleting the file does: a broadcast that has not gone live is deleted; one that is live or
    /// complete (a published video) needs an operator's approval first.
    /// </summary>
    public static DeletionAction OnDeleted(AppliedEpisode applied, DesiredEpisode? lastDesired, DateTimeOffset now)
    {
        if (applied.VideoId is null)
        {
            return DeletionAction.NothingToDelete;
        }
        if (lastDesired?.AdoptVideoId is not null)
        {
            // An adopted video was created by a human; deleting the file releases it, never deletes it.
            return DeletionAction.Release;
        }
        var started = lastDesired?.ScheduledFor is { } at && at <= now;
        return started ? DeletionAction.NeedsApproval : DeletionAction.DeleteBroadcast;
    }
}

/// <summary>What to do with the broadcast of a deleted episode.</summary>
public enum DeletionAction
{
    NothingToDelete,
    DeleteBroadcast,
    NeedsApproval,
    Release,
}
