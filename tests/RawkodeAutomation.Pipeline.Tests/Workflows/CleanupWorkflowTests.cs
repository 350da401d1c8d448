using System.Collections.Concurrent;
using RawkodeAutomation.Pipeline.Tests.Decisions;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Worker.Decisions;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Activities;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>One cleanup pass with fake cleanup activities and the real quota entity.</summary>
public sealed class CleanupWorkflowTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Pass_SweepReserveLeavesLessThanTheSurvey_DeletesClustersThenWaitsForQuotaAndFinishesWhenGranted()
    {
        // Given a day whose units, but for the reserve kept for live scheduling, are fewer than the survey reserves.
        await using var h = await PipelineHarness.StartAsync(o =>
        {
            o.DailyQuota = 100;
            o.SweepReserve = 100 - CleanupWorkflow.SurveyUnits + 1;
        });
        var fake = new FakeCleanup();
        h.ExtraActivities.Add(fake);
        await h.StartWorkerAsync();

        // When a pass runs.
        var handle = await h.Client.StartWorkflowAsync(
            (CleanupWorkflow wf) => wf.RunAsync(new CleanupPassInput()), new WorkflowOptions("cleanup-test", h.Options.TaskQueue));

        // Then the clusters are cleaned at once, and the YouTube half waits for the quota entity.
        var waiting = await PipelineHarness.WaitForAsync(
            () => handle.QueryAsync(wf => wf.State), s => s.Phase == CleanupPhase.WaitingForQuota, Timeout, "pass waiting for quota");
        Assert.Equal(["expired-cluster"], waiting.Report.Deleted.Select(d => d.Name));
        Assert.Equal(0, fake.Surveys);

        // When YouTube grants more quota, the pass surveys, deletes the leftover and reports what it kept.
        await h.Client.GetWorkflowHandle<YouTubeQuotaWorkflow>(WorkflowIds.Quota).SignalAsync(wf => wf.SetBudgetAsync(new QuotaBudget(10_000, 0)));
        var report = await handle.GetResultAsync<CleanupReport>();
        Assert.Equal(["expired-cluster", "leftover-video", "orphan-stream"], report.Deleted.Select(d => d.Name));
        Assert.Equal(["live-video", "held-stream"], report.Kept.Select(k => k.Name));
        Assert.Equal(["leftover-video"], fake.DeleteCalls);
        Assert.Equal(["old-show:orphan-stream"], fake.StreamDeleteCalls);
        Assert.Equal(2 + 52 + 1 + 51, report.QuotaUnitsSpent);
        var quota = await h.QuotaAsync();
        Assert.Equal(2 + 52 + 1 + 51, quota.Used);
    }

    [Fact]
    public async Task Pass_DryRun_ReportsWhatWouldGoAndDeletesNothing()
    {
        await using var h = await PipelineHarness.StartAsync();
        var fake = new FakeCleanup();
        h.ExtraActivities.Add(fake);
        await h.StartWorkerAsync();

        var report = await h.Client.ExecuteWorkflowAsync(
            (CleanupWorkflow wf) => wf.RunAsync(new CleanupPassInput(DryRun: true)), new WorkflowOptions("cleanup-dry", h.Options.TaskQueue));

        Assert.True(report.DryRun);
        Assert.Equal(["expired-cluster", "leftover-video", "orphan-stream"], report.Deleted.Select(d => d.Name));
        Assert.Empty(fake.DeleteCalls);
        Assert.Empty(fake.StreamDeleteCalls);
        Assert.Equal([true], fake.ClusterDryRuns);
    }

    [Fact]
    public async Task Pass_ClusterCleanupFailsAndBroadcastAndStreamDeletesFail_ReportsAllAndFinishes()
    {
        await using var h = await PipelineHarness.StartAsync();
        var fake = new FakeCleanup { FailClusters = true, FailDelete = true, FailStreamDelete = true };
        h.ExtraActivities.Add(fake);
        await h.StartWorkerAsync();

        var report = await h.Client.ExecuteWorkflowAsync(
            (CleanupWorkflow wf) => wf.RunAsync(new CleanupPassInput()), new WorkflowOptions("cleanup-failing", h.Options.TaskQueue));

        Assert.Empty(report.Deleted);
        Assert.Contains(report.Notes, n => n.StartsWith("clusters: management cluster says no", StringComparison.Ordinal));
        var kept = Assert.Single(report.Kept, k => k.Name == "leftover-video");
        Assert.StartsWith("deleting failed, the next pass tries again", kept.Reason, StringComparison.Ordinal);
        var stream = Assert.Single(report.Kept, k => k.Name == "orphan-stream");
        Assert.StartsWith("deleting failed, the next pass tries again: YouTube says no to the stream", stream.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EntityKeptVideo_OutcomesOfRealEpisodeEntities_RecognisesSkipOnDeleteAndAdoptedReleaseButNotACancellation()
    {
        // The cleanup reads an ended episode entity's outcome to respect a video kept on purpose: pin that contract.
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var aired = EpisodeDecisionsTests.Spec() with { EpisodeId = "show/aired", ScheduledFor = DateTimeOffset.UtcNow.AddMinutes(-10), Duration = TimeSpan.FromHours(6) };
        var adopted = EpisodeDecisionsTests.Spec() with { EpisodeId = "show/adopted", AdoptVideoId = "adopted-video" };
        var upcoming = EpisodeDecisionsTests.Spec() with { EpisodeId = "show/upcoming" };
        foreach (var spec in new[] { aired, adopted, upcoming })
        {
            await h.SignalAsync(new SpecChanged(spec.EpisodeId, spec, false, ChangeReason.EpisodeEdited, spec.Commit, spec.CommitTime));
            await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => !s.Busy && !s.Pending.Any && s.Phase == EpisodePhase.Idle, Timeout, $"{spec.EpisodeId} converged");
            await h.SignalAsync(new SpecChanged(spec.EpisodeId, null, true, ChangeReason.EpisodeEdited, "c-delete", spec.CommitTime.AddMinutes(1)));
        }
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(aired.EpisodeId), s => s.Phase == EpisodePhase.AwaitingApproval, Timeout, "awaiting approval");
        await h.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(aired.EpisodeId)).SignalAsync(wf => wf.SkipAsync(new SkipRequest("keep the recording")));

        async Task<EpisodeOutcome> OutcomeAsync(DesiredEpisode spec) =>
            await h.Client.GetWorkflowHandle(WorkflowIds.Episode(spec.EpisodeId)).GetResultAsync<EpisodeOutcome>();

        var (airedOutcome, adoptedOutcome, upcomingOutcome) = (await OutcomeAsync(aired), await OutcomeAsync(adopted), await OutcomeAsync(upcoming));
        // The structured field is what the cleanup reads now...
        Assert.True(airedOutcome.VideoKept);
        Assert.True(adoptedOutcome.VideoKept);
        Assert.False(upcomingOutcome.VideoKept);
        Assert.True(CleanupDecisions.EntityKeptVideo(new EpisodeEntity(true, false, airedOutcome.Result, airedOutcome.VideoKept)));
        Assert.False(CleanupDecisions.EntityKeptVideo(new EpisodeEntity(true, false, upcomingOutcome.Result, upcomingOutcome.VideoKept)));
        // ...and the text still carries the phrases the fallback reads for outcomes recorded before the field.
        Assert.True(CleanupDecisions.EntityKeptVideo(airedOutcome.Result));
        Assert.True(CleanupDecisions.EntityKeptVideo(adoptedOutcome.Result));
        Assert.False(CleanupDecisions.EntityKeptVideo(upcomingOutcome.Result));
    }

    /// <summary>Fake cleanup activities: one expired cluster, one leftover broadcast, one live broadcast kept.</summary>
    private sealed class FakeCleanup : ICleanupActivities
    {
        public ConcurrentQueue<string> DeleteCalls { get; } = new();

        public ConcurrentQueue<string> StreamDeleteCalls { get; } = new();

        public bool FailStreamDelete { get; init; }

        public ConcurrentQueue<bool> ClusterDryRuns { get; } = new();

        private int _surveys;

        public int Surveys => Volatile.Read(ref _surveys);

        public bool FailClusters { get; init; }

        public bool FailDelete { get; init; }

        [Activity]
        public Task<ClusterCleanupResult> CleanClustersAsync(CleanClustersInput input)
        {
            if (FailClusters)
            {
                throw new ApplicationFailureException("management cluster says no", PipelineErrors.Forbidden, nonRetryable: true);
            }
            ClusterDryRuns.Enqueue(input.DryRun);
            return Task.FromResult(new ClusterCleanupResult([new CleanupItem("cluster", "expired-cluster", "show/ep", "expired")], [], ["1 cluster"]));
        }

        [Activity]
        public Task<BroadcastSurvey> SurveyBroadcastsAsync(SurveyBroadcastsInput input)
        {
            Interlocked.Increment(ref _surveys);
            return Task.FromResult(new BroadcastSurvey(
                [new CleanupItem("broadcast", "leftover-video", "show/gone", "episode gone")],
                [new CleanupItem("broadcast", "live-video", "show/aired", "is live")],
                [],
                2));
        }

        [Activity]
        public Task<BroadcastDeletion> DeleteLeftoverBroadcastAsync(DeleteLeftoverBroadcastInput input)
        {
            if (FailDelete)
            {
                throw new ApplicationFailureException("YouTube says no", PipelineErrors.Forbidden, nonRetryable: true);
            }
            DeleteCalls.Enqueue(input.VideoId);
            return Task.FromResult(new BroadcastDeletion(true, "deleted", 52));
        }

        [Activity]
        public Task<StreamSurvey> SurveyStreamsAsync(SurveyStreamsInput input) =>
            Task.FromResult(new StreamSurvey(
                [new OrphanStream("old-show", new CleanupItem("stream", "orphan-stream", null, "show gone"))],
                [new CleanupItem("stream", "held-stream", null, "bound to an upcoming broadcast")],
                [],
                1));

        [Activity]
        public Task<StreamDeletion> DeleteOrphanStreamAsync(DeleteOrphanStreamInput input)
        {
            if (FailStreamDelete)
            {
                throw new ApplicationFailureException("YouTube says no to the stream", PipelineErrors.Forbidden, nonRetryable: true);
            }
            StreamDeleteCalls.Enqueue($"{input.StreamKey}:{input.StreamId}");
            return Task.FromResult(new StreamDeletion(true, "deleted", 51));
        }

        [Activity]
        public Task<HeldVideos> ListHeldVideosAsync(ListHeldVideosInput input) => Task.FromResult(new HeldVideos([], []));

        [Activity]
        public Task<VideoPresence> CheckVideosAsync(CheckVideosInput input) => Task.FromResult(new VideoPresence([], 0));
    }
}
