using RawkodeAutomation.Workflows.Contracts;
using RawkodeAutomation.Workflows.Decisions;

namespace RawkodeAutomation.Pipeline.Tests.Decisions;

public class KlusteredScheduleTests
{
    private static readonly DateTimeOffset Show = new(2030, 5, 20, 17, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(30);

    private static DesiredEpisode Spec() => EpisodeDecisionsTests.Spec("klustered/2030-05-20-demo") with
    {
        ScheduledFor = Show,
        Duration = TimeSpan.FromMinutes(90),
        Klustered = new KlusteredDesired(TimeSpan.FromHours(2), TimeSpan.FromHours(4),
            [new KlusteredTeamDesired("team-a", ["a"], ["b"], "kubeadm-small", "v1.31.0", 1, 1, ["coredns-homoglyph"])]),
    };

    [Fact]
    public void Next_BeforeProvisionTime_SleepsUntilProvisionBefore()
    {
        var step = KlusteredSchedule.Next(Show.AddHours(-3), Spec(), new TeamState("team-a", TeamPhase.Waiting), Poll);
        Assert.Equal(new KlusteredStep(KlusteredAction.None, Show.AddHours(-2)), step);
    }

    [Fact]
    public void Next_AtProvisionTime_Provisions()
    {
        var step = KlusteredSchedule.Next(Show.AddHours(-2), Spec(), new TeamState("team-a", TeamPhase.Waiting), Poll);
        Assert.Equal(KlusteredAction.Provision, step.Action);
    }

    [Fact]
    public void Next_ProvisionedBeforeShow_SleepsUntilShowStart()
    {
        var step = KlusteredSchedule.Next(Show.AddHours(-1), Spec(), new TeamState("team-a", TeamPhase.Provisioned), Poll);
        Assert.Equal(new KlusteredStep(KlusteredAction.None, Show), step);
    }

    [Fact]
    public void Next_DuringShowAfterHandOver_ChecksForFixEveryPoll()
    {
        var now = Show.AddMinutes(10);
        var step = KlusteredSchedule.Next(now, Spec(), new TeamState("team-a", TeamPhase.Provisioned, HandedOverAt: Show), Poll);
        Assert.Equal(new KlusteredStep(KlusteredAction.CheckFixed, now + Poll), step);
    }

    [Fact]
    public void Next_ShowStartedNotHandedOver_HandsOverFirst()
    {
        var step = KlusteredSchedule.Next(Show.AddMinutes(10), Spec(), new TeamState("team-a", TeamPhase.Provisioned), Poll);
        Assert.Equal(new KlusteredStep(KlusteredAction.HandOver, null), step);
    }

    [Fact]
    public void Next_FixedTeam_SleepsUntilTeardownAfter()
    {
        var step = KlusteredSchedule.Next(Show.AddMinutes(30), Spec(), new TeamState("team-a", TeamPhase.Fixed), Poll);
        Assert.Equal(new KlusteredStep(KlusteredAction.None, Show.AddMinutes(90).AddHours(4)), step);
    }

    [Fact]
    public void Next_AfterTeardownTime_TearsDown()
    {
        var step = KlusteredSchedule.Next(Show.AddHours(6), Spec(), new TeamState("team-a", TeamPhase.Provisioned), Poll);
        Assert.Equal(KlusteredAction.Teardown, step.Action);
    }

    [Fact]
    public void Next_WindowPassedNeverProvisioned_Expires()
    {
        var step = KlusteredSchedule.Next(Show.AddDays(1), Spec(), new TeamState("team-a", TeamPhase.Waiting), Poll);
        Assert.Equal(KlusteredAction.Expire, step.Action);
    }

    [Fact]
    public void TimeToFix_ProvisionedLate_CountsFromProvisioning()
    {
        Assert.Equal(TimeSpan.FromMinutes(20), KlusteredSchedule.TimeToFix(Show, Show.AddMinutes(10), Show.AddMinutes(30)));
        Assert.Equal(TimeSpan.FromMinutes(30), KlusteredSchedule.TimeToFix(Show, Show.AddHours(-2), Show.AddMinutes(30)));
    }
}
