using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.Workflows.Decisions;

namespace RawkodeAutomation.Pipeline.Tests.Decisions;

public class EpisodeDecisionsTests
{
    internal static DesiredEpisode Spec(string id = "rawkode-live/2030-01-01-demo", string description = "About the show.", DateTimeOffset? commitTime = null) => new(
        id,
        id.Split('/')[0],
        "Demo episode",
        new DateTimeOffset(2030, 1, 1, 17, 0, 0, TimeSpan.Zero),
        TimeSpan.FromMinutes(90),
        "public",
        false,
        description,
        ["kubernetes"],
        28,
        null,
        "rawkode-live",
        null,
        "thumb-1",
        null,
        "c1",
        commitTime ?? new DateTimeOffset(2029, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Plan_NewEpisode_NeedsEverything()
    {
        Assert.Equal(new ReconcilePlan(true, true, true), EpisodeDecisions.Plan(Spec(), new AppliedEpisode(), false));
    }

    [Fact]
    public void Plan_FullyApplied_NeedsNothing()
    {
        var d = Spec();
        var applied = new AppliedEpisode("vid", EpisodeDecisions.BroadcastFingerprint(d), EpisodeDecisions.DescriptionFingerprint(d), d.ThumbnailFingerprint);
        Assert.False(EpisodeDecisions.Plan(d, applied, false).Any);
    }

    [Fact]
    public void Plan_OnlyDescriptionChanged_NeedsOnlyDescription()
    {
        var d = Spec();
        var applied = new AppliedEpisode("vid", EpisodeDecisions.BroadcastFingerprint(d), EpisodeDecisions.DescriptionFingerprint(d), d.ThumbnailFingerprint);
        var changed = d with { Description = "A guest's new bio." };
        Assert.Equal(new ReconcilePlan(false, true, false), EpisodeDecisions.Plan(changed, applied, false));
    }

    [Fact]
    public void Plan_ForceRerender_NeedsThumbnailEvenWhenHashSame()
    {
        var d = Spec();
        var applied = new AppliedEpisode("vid", EpisodeDecisions.BroadcastFingerprint(d), EpisodeDecisions.DescriptionFingerprint(d), d.ThumbnailFingerprint);
        Assert.Equal(new ReconcilePlan(false, false, true), EpisodeDecisions.Plan(d, applied, true));
    }

    [Fact]
    public void Plan_Draft_NeedsNothing()
    {
        Assert.False(EpisodeDecisions.Plan(Spec() with { Draft = true }, new AppliedEpisode(), true).Any);
    }

    [Fact]
    public void ShouldAccept_SameSpecFromAnotherCommit_IsIgnored()
    {
        var held = Spec();
        Assert.False(EpisodeDecisions.ShouldAccept(held, held with { Commit = "c2", CommitTime = held.CommitTime.AddHours(1) }));
    }

    [Fact]
    public void ShouldAccept_OlderCommit_IsIgnored()
    {
        var held = Spec(description: "new");
        var older = Spec(description: "old", commitTime: held.CommitTime.AddHours(-1));
        Assert.False(EpisodeDecisions.ShouldAccept(held, older));
        Assert.True(EpisodeDecisions.ShouldAccept(older, held));
    }

    [Fact]
    public void OnDeleted_NotYetLive_DeletesBroadcast()
    {
        var d = Spec();
        Assert.Equal(DeletionAction.DeleteBroadcast, EpisodeDecisions.OnDeleted(new AppliedEpisode("vid"), d, d.ScheduledFor!.Value.AddDays(-1)));
    }

    [Fact]
    public void OnDeleted_AlreadyLive_NeedsApproval()
    {
        var d = Spec();
        Assert.Equal(DeletionAction.NeedsApproval, EpisodeDecisions.OnDeleted(new AppliedEpisode("vid"), d, d.ScheduledFor!.Value.AddMinutes(1)));
    }

    [Fact]
    public void OnDeleted_AdoptedVideo_IsReleasedNotDeleted()
    {
        var d = Spec() with { AdoptVideoId = "ozbE25Y_rcM" };
        Assert.Equal(DeletionAction.Release, EpisodeDecisions.OnDeleted(new AppliedEpisode("ozbE25Y_rcM"), d, d.ScheduledFor!.Value.AddDays(-1)));
    }

    [Fact]
    public void DescriptionPriority_Sweep_IsLowest()
    {
        Assert.Equal(QuotaPriority.Sweep, EpisodeDecisions.DescriptionPriority(ChangeReason.Sweep));
        Assert.Equal(QuotaPriority.LiveScheduling, EpisodeDecisions.DescriptionPriority(ChangeReason.EpisodeEdited));
    }
}
