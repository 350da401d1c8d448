using RawkodeAutomation.Pipeline.Tests.Decisions;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

public class KlusteredWorkflowTests
{
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
        Assert.Equal(EpisodePhase.Sleeping, provisioned.Phase);
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
    private static DesiredEpisode TwoTeams(string episodeId, DateTimeOffset start, string breakName, TimeSpan provisionBefore, TimeSpan teardownAfter)
    {
        var teams = new[] { "team-a", "team-b" }.Select(n =>
            new KlusteredTeamDesired(n, ["breaker"], ["fixer"], "kubeadm-small", "v1.31.0", 1, 1, [breakName])).ToList();
        var spec = EpisodeDecisionsTests.Spec(episodeId);
        return spec with
        {
            ScheduledFor = start,
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
