using RawkodeAutomation.Pipeline.Tests.Decisions;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

public class KlusteredWorkflowTests
{
    [Fact]
    public async Task EpisodeWorkflow_KlusteredEpisode_ProvisionsAtProvisionBeforeDetectsFixAndTearsDownAfter()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        // Given a show starting in 4 s: provision 2 s before, 2 s long, tear down 1 s after it ends.
        var start = DateTimeOffset.UtcNow.AddSeconds(4);
        var spec = TwoTeams("klustered/2030-05-20-demo", start, "coredns-homoglyph", provisionBefore: TimeSpan.FromSeconds(2), teardownAfter: TimeSpan.FromSeconds(1), duration: TimeSpan.FromSeconds(2));
        await h.SignalAsync(Created(spec));

        // When the time comes, both clusters are provisioned and broken, not before.
        var provisioned = await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId),
            s => s.Teams.Count == 2 && s.Teams.All(t => t.Phase == TeamPhase.Provisioned), TimeSpan.FromSeconds(30), "teams provisioned");
        Assert.All(provisioned.Teams, t => Assert.True(t.ProvisionedAt >= start.AddSeconds(-2).AddMilliseconds(-500), $"{t.Name} provisioned at {t.ProvisionedAt:O}, before {start.AddSeconds(-2):O}"));
        Assert.All(provisioned.Teams, t => Assert.StartsWith("secret/", t.Access, StringComparison.Ordinal));

        // And team-a fixes its cluster during the show; team-b never does.
        await PipelineHarness.WaitForAsync(() => Task.FromResult(DateTimeOffset.UtcNow), now => now > start.AddSeconds(0.5), TimeSpan.FromSeconds(30), "show started");
        h.Klustered.FixedTeams[FakeKlustered.Key(spec.EpisodeId, "team-a")] = DateTimeOffset.UtcNow;

        // Then team-a's time to fix is recorded, and both clusters are torn down after teardownAfter.
        var done = await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId),
            s => s.Teams.All(t => t.Phase == TeamPhase.TornDown), TimeSpan.FromSeconds(30), "teams torn down");
        Assert.Empty(h.Klustered.Clusters);
        Assert.Equal(2, h.Klustered.TornDown.Count);
        var recorded = Assert.Single(h.Klustered.Recorded);
        Assert.Equal("team-a", recorded.Team);
        Assert.True(recorded.TimeToFix > TimeSpan.Zero && recorded.TimeToFix < TimeSpan.FromSeconds(10), recorded.TimeToFix.ToString());
        Assert.True(DateTimeOffset.UtcNow >= start.AddSeconds(3), "torn down before teardownAfter");
        Assert.Null(done.NextWakeUp);
    }
    [Fact]
    public async Task EpisodeWorkflow_YouTubeQuotaSpentDuringTheShow_ClustersStillProvisionedFixedAndTornDownOnTime()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        // Given a show starting in 5 s: provision 3 s before, 2 s long, tear down 1 s after it ends.
        var start = DateTimeOffset.UtcNow.AddSeconds(5);
        var spec = TwoTeams("klustered/2030-05-21-quota", start, "quota-zero-pods", provisionBefore: TimeSpan.FromSeconds(3), teardownAfter: TimeSpan.FromSeconds(1), duration: TimeSpan.FromSeconds(2));
        await h.SignalAsync(Created(spec));
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => s.Applied.VideoId is not null && !s.Pending.Any,
            TimeSpan.FromSeconds(30), "broadcast reconciled");

        // When YouTube's quota for the day is spent and an edit needs a description rewrite before the show,
        h.YouTube.DailyQuota = h.YouTube.UsedToday;
        var edited = spec with { Description = "About the show, edited.", Commit = "c2", CommitTime = spec.CommitTime.AddMinutes(1) };
        await h.SignalAsync(new SpecChanged(spec.EpisodeId, edited, false, ChangeReason.EpisodeEdited, "c2", edited.CommitTime));
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => s.Phase == "WaitingForQuota" && s.LastError is not null,
            TimeSpan.FromSeconds(30), "description waiting for the quota reset");

        // Then the clusters do not wait for the reset: provisioned on time, team-a's fix seen, both torn down after the show.
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => s.Teams.All(t => t.Phase == TeamPhase.Provisioned),
            TimeSpan.FromSeconds(30), "teams provisioned while YouTube waits");
        await PipelineHarness.WaitForAsync(() => Task.FromResult(DateTimeOffset.UtcNow), now => now > start.AddSeconds(0.5), TimeSpan.FromSeconds(30), "show started");
        h.Klustered.FixedTeams[FakeKlustered.Key(spec.EpisodeId, "team-a")] = DateTimeOffset.UtcNow;
        var done = await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId),
            s => s.Teams.All(t => t.Phase == TeamPhase.TornDown), TimeSpan.FromSeconds(30), "teams torn down");
        Assert.Equal("team-a", Assert.Single(h.Klustered.Recorded).Team);
        Assert.Empty(h.Klustered.Clusters);
        Assert.Equal("WaitingForQuota", done.Phase);
        Assert.True(done.Busy);
        // The two concurrent timelines replay deterministically.
        await AssertReplaysAsync(h, spec.EpisodeId);
    }
    [Fact]
    public async Task EpisodeWorkflow_KlusteredEpisodeDeletedWhileProvisioned_ClustersTornDownOnceAndEntityCompletes()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        // Given a show tomorrow whose clusters are already provisioned (provisionBefore is a day and a half).
        var start = DateTimeOffset.UtcNow.AddDays(1);
        var spec = TwoTeams("klustered/2030-05-22-deleted", start, "quota-zero-pods", provisionBefore: TimeSpan.FromHours(36), teardownAfter: TimeSpan.FromHours(4));
        await h.SignalAsync(Created(spec));
        var provisioned = await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId),
            s => s.Teams.Count == 2 && s.Teams.All(t => t.Phase == TeamPhase.Provisioned) && !s.Busy, TimeSpan.FromSeconds(30), "teams provisioned");
        Assert.Equal("Sleeping", provisioned.Phase);
        Assert.Equal(start, provisioned.NextWakeUp);

        // When the episode file is deleted,
        await h.SignalAsync(new SpecChanged(spec.EpisodeId, null, true, ChangeReason.EpisodeEdited, "c2", spec.CommitTime.AddMinutes(1)));

        // then both clusters are torn down, once each, and the entity completes.
        var outcome = await h.Client.GetWorkflowHandle(WorkflowIds.Episode(spec.EpisodeId)).GetResultAsync<EpisodeOutcome>();
        Assert.StartsWith("cancelled", outcome.Result, StringComparison.Ordinal);
        Assert.Empty(h.Klustered.Clusters);
        Assert.Equal(2, h.Klustered.TornDown.Count);
        await AssertReplaysAsync(h, spec.EpisodeId);
    }

    /// <summary>The episode file's first commit, <c>c1</c>, as the commit workflow signals it.</summary>
    private static SpecChanged Created(DesiredEpisode spec) =>
        new(spec.EpisodeId, spec, false, ChangeReason.EpisodeEdited, "c1", spec.CommitTime);

    /// <summary>A Klustered episode starting at <paramref name="start"/>: teams team-a and team-b, each with one break.</summary>
    private static DesiredEpisode TwoTeams(string episodeId, DateTimeOffset start, string breakName, TimeSpan provisionBefore, TimeSpan teardownAfter, TimeSpan? duration = null)
    {
        var teams = new[] { "team-a", "team-b" }.Select(n =>
            new KlusteredTeamDesired(n, ["breaker"], ["fixer"], "kubeadm-small", "v1.31.0", 1, 1, [breakName])).ToList();
        var spec = EpisodeDecisionsTests.Spec(episodeId);
        return spec with
        {
            ScheduledFor = start,
            Duration = duration ?? spec.Duration,
            Klustered = new KlusteredDesired(provisionBefore, teardownAfter, teams),
        };
    }

    private static async Task AssertReplaysAsync(PipelineHarness h, string episodeId)
    {
        var history = await h.Client.GetWorkflowHandle(WorkflowIds.Episode(episodeId)).FetchHistoryAsync();
        var replayer = new Temporalio.Worker.WorkflowReplayer(new Temporalio.Worker.WorkflowReplayerOptions().AddWorkflow<EpisodeWorkflow>());
        var replay = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        Assert.True(replay.ReplayFailure is null, $"{episodeId}: {replay.ReplayFailure}");
    }
}
