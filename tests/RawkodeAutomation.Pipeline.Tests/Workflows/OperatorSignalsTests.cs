using RawkodeAutomation.Pipeline.Tests.Decisions;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>
/// What an operator does from the Temporal UI (signals Retry, Skip, ForceRerender, Approve on an episode; Retry on
/// a person's sweep), observed the way they observe it: through the entities' queries.
/// </summary>
public class OperatorSignalsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static SpecChanged Change(DesiredEpisode d) => new(d.EpisodeId, d, false, ChangeReason.EpisodeEdited, d.Commit, d.CommitTime);

    private static SpecChanged Deleted(DesiredEpisode d) =>
        new(d.EpisodeId, null, true, ChangeReason.EpisodeEdited, "c-delete", d.CommitTime.AddMinutes(1));

    private static WorkflowHandle<EpisodeWorkflow> Episode(PipelineHarness h, string episodeId) =>
        h.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(episodeId));

    private static Task<EpisodeStatus> ConvergedAsync(PipelineHarness h, string episodeId) =>
        PipelineHarness.WaitForAsync(() => h.EpisodeAsync(episodeId), s => !s.Busy && !s.Pending.Any && s.Phase == EpisodePhase.Idle, Timeout, $"{episodeId} converged");

    private static Task<EpisodeStatus> FailedAsync(PipelineHarness h, string episodeId) =>
        PipelineHarness.WaitForAsync(() => h.EpisodeAsync(episodeId), s => s.Phase == EpisodePhase.Failed && !s.Busy, Timeout, $"{episodeId} failed");

    [Fact]
    public async Task Retry_AfterYouTubeRejectedTheBroadcast_FailedWithErrorThenRunsAgainAndConverges()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var spec = EpisodeDecisionsTests.Spec();

        // Given YouTube rejects the broadcast as invalid (not retryable).
        h.YouTube.RejectBroadcastWith = "invalidScheduledStartTime";
        await h.SignalAsync(Change(spec));

        // Then the episode is Failed, with YouTube's error in its state, and nothing was created.
        var failed = await FailedAsync(h, spec.EpisodeId);
        Assert.Contains("invalidScheduledStartTime", failed.LastError, StringComparison.Ordinal);
        Assert.True(failed.Pending.Broadcast);
        Assert.Equal(0, h.YouTube.Inserts);
        Assert.Equal(1, h.YouTube.BroadcastCalls);

        // When the operator retries while the cause is still there, it runs once more and fails again.
        await Episode(h, spec.EpisodeId).SignalAsync(wf => wf.RetryAsync());
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => s.Phase == EpisodePhase.Failed && !s.Busy && h.YouTube.BroadcastCalls == 2, Timeout, "second attempt failed");

        // And once the cause is gone, a retry converges.
        h.YouTube.RejectBroadcastWith = null;
        await Episode(h, spec.EpisodeId).SignalAsync(wf => wf.RetryAsync());
        var state = await ConvergedAsync(h, spec.EpisodeId);
        Assert.Null(state.LastError);
        Assert.Equal(1, h.YouTube.Inserts);
        Assert.Equal(spec.ThumbnailFingerprint, h.YouTube.Thumbnails[state.Applied.VideoId!]);
        Assert.Equal(3, h.YouTube.BroadcastCalls);
    }

    [Fact]
    public async Task Skip_AfterYouTubeRejectedAnEdit_MarksSpecAppliedWithoutCallingYouTubeAndSaysSo()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var spec = EpisodeDecisionsTests.Spec();
        await h.SignalAsync(Change(spec));
        var before = await ConvergedAsync(h, spec.EpisodeId);

        // Given an edit YouTube rejects.
        h.YouTube.RejectBroadcastWith = "invalidTitle";
        var edited = spec with { Title = "A title YouTube refuses", Commit = "c2", CommitTime = spec.CommitTime.AddHours(1) };
        await h.SignalAsync(Change(edited));
        var failed = await FailedAsync(h, spec.EpisodeId);
        Assert.Contains("invalidTitle", failed.LastError, StringComparison.Ordinal);
        var calls = h.YouTube.BroadcastCalls;

        // When the operator skips it.
        await Episode(h, spec.EpisodeId).SignalAsync(wf => wf.SkipAsync(new SkipRequest("title fixed by hand in YouTube Studio")));

        // Then the spec counts as applied, the state says who skipped it and why, and YouTube was not called.
        var state = await PipelineHarness.WaitForAsync(
            () => h.EpisodeAsync(spec.EpisodeId), s => s.Phase == EpisodePhase.Idle && !s.Busy, Timeout, "skip applied");
        Assert.False(state.Pending.Any);
        Assert.Null(state.LastError);
        Assert.Contains("skipped by operator: title fixed by hand in YouTube Studio", state.LastResult, StringComparison.Ordinal);
        Assert.Equal(before.Applied.VideoId, state.Applied.VideoId);
        Assert.Equal(calls, h.YouTube.BroadcastCalls);
        Assert.Equal(1, h.YouTube.Inserts);
    }

    [Fact]
    public async Task Skip_BeforeTheBroadcastExists_IsIgnoredAndSaysWhy()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var spec = EpisodeDecisionsTests.Spec();
        h.YouTube.RejectBroadcastWith = "invalidScheduledStartTime";
        await h.SignalAsync(Change(spec));
        await FailedAsync(h, spec.EpisodeId);

        await Episode(h, spec.EpisodeId).SignalAsync(wf => wf.SkipAsync(new SkipRequest("try anyway")));

        // Still failed, nothing called again, and the state says what to do instead.
        var state = await PipelineHarness.WaitForAsync(
            () => h.EpisodeAsync(spec.EpisodeId), s => s.LastResult?.StartsWith("skip ignored", StringComparison.Ordinal) == true, Timeout, "skip answered");
        Assert.Equal(EpisodePhase.Failed, state.Phase);
        Assert.True(state.Pending.Broadcast);
        Assert.Contains("invalidScheduledStartTime", state.LastError, StringComparison.Ordinal);
        Assert.Equal(1, h.YouTube.BroadcastCalls);
    }

    [Fact]
    public async Task ForceRerender_UnchangedThumbnail_UploadsExactlyOnceMore()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var spec = EpisodeDecisionsTests.Spec();
        await h.SignalAsync(Change(spec));
        var before = await ConvergedAsync(h, spec.EpisodeId);
        Assert.Equal(1, h.YouTube.ThumbnailUploads);
        // The same spec again uploads nothing: the fingerprint did not change.
        await h.SignalAsync(Change(spec with { Commit = "c1-again" }));
        await ConvergedAsync(h, spec.EpisodeId);
        Assert.Equal(1, h.YouTube.ThumbnailUploads);

        await Episode(h, spec.EpisodeId).SignalAsync(wf => wf.ForceRerenderAsync());

        var state = await PipelineHarness.WaitForAsync(
            () => h.EpisodeAsync(spec.EpisodeId),
            s => !s.Busy && !s.Pending.Any && s.LastResult?.Contains("thumbnail uploaded", StringComparison.Ordinal) == true,
            Timeout,
            "forced upload done");
        Assert.Equal(2, h.YouTube.ThumbnailUploads);
        Assert.Equal(before.Applied.ThumbnailFingerprint, state.Applied.ThumbnailFingerprint);
        Assert.Equal(1, h.YouTube.Inserts);
        // And nothing more after it: the force was used up.
        await h.SignalAsync(Change(spec with { Commit = "c1-third" }));
        await ConvergedAsync(h, spec.EpisodeId);
        Assert.Equal(2, h.YouTube.ThumbnailUploads);
    }

    [Fact]
    public async Task Approve_DeletingAnEpisodeThatWentLive_WaitsForApprovalThenDeletes()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        // A show on air (started, not over): its broadcast went live.
        var spec = EpisodeDecisionsTests.Spec() with { ScheduledFor = DateTimeOffset.UtcNow.AddMinutes(-10), Duration = TimeSpan.FromHours(6) };
        await h.SignalAsync(Change(spec));
        await ConvergedAsync(h, spec.EpisodeId);
        // An Approve sent before anything asked for one must not count later.
        await Episode(h, spec.EpisodeId).SignalAsync(wf => wf.ApproveAsync());
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => s.LastResult == "approve: nothing is waiting for approval", Timeout, "early approve answered");

        await h.SignalAsync(Deleted(spec));

        var waiting = await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => s.Phase == EpisodePhase.AwaitingApproval, Timeout, "awaiting approval");
        Assert.False(waiting.Busy);
        Assert.Contains("approve to delete the video, skip to keep it", waiting.LastResult, StringComparison.Ordinal);
        Assert.Equal(0, h.YouTube.Deletes);

        await Episode(h, spec.EpisodeId).SignalAsync(wf => wf.ApproveAsync());

        var outcome = await Episode(h, spec.EpisodeId).GetResultAsync<EpisodeOutcome>();
        Assert.Contains("deleted", outcome.Result, StringComparison.Ordinal);
        Assert.Equal(1, h.YouTube.Deletes);
        Assert.False(h.YouTube.VideoByEpisode.ContainsKey(spec.EpisodeId));
    }

    [Fact]
    public async Task Skip_DeletingAnEpisodeThatWentLive_KeepsThePublishedVideo()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var spec = EpisodeDecisionsTests.Spec() with { ScheduledFor = DateTimeOffset.UtcNow.AddMinutes(-10), Duration = TimeSpan.FromHours(6) };
        await h.SignalAsync(Change(spec));
        var live = await ConvergedAsync(h, spec.EpisodeId);

        await h.SignalAsync(Deleted(spec));
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => s.Phase == EpisodePhase.AwaitingApproval, Timeout, "awaiting approval");
        await Episode(h, spec.EpisodeId).SignalAsync(wf => wf.SkipAsync(new SkipRequest("keep the recording")));

        var outcome = await Episode(h, spec.EpisodeId).GetResultAsync<EpisodeOutcome>();
        Assert.Contains("published video kept by operator", outcome.Result, StringComparison.Ordinal);
        Assert.Equal(0, h.YouTube.Deletes);
        Assert.Equal(live.Applied.VideoId, h.YouTube.VideoByEpisode[spec.EpisodeId]);
    }
}

/// <summary>The validated operator updates: rejected with a reason when there is nothing to do, answered with the state when done.</summary>
public class OperatorUpdatesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static SpecChanged Change(DesiredEpisode d) => new(d.EpisodeId, d, false, ChangeReason.EpisodeEdited, d.Commit, d.CommitTime);

    private static WorkflowHandle<EpisodeWorkflow> Episode(PipelineHarness h, string episodeId) =>
        h.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(episodeId));

    [Fact]
    public async Task RetryFailed_NothingFailed_RejectedWithReason()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var spec = EpisodeDecisionsTests.Spec();
        await h.SignalAsync(Change(spec));
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => !s.Busy && !s.Pending.Any, Timeout, "converged");

        var rejected = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => Episode(h, spec.EpisodeId).ExecuteUpdateAsync(wf => wf.RetryFailedAsync()));
        Assert.Contains("nothing failed", rejected.InnerException?.Message, StringComparison.Ordinal);
        var approve = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => Episode(h, spec.EpisodeId).ExecuteUpdateAsync(wf => wf.ApproveDeletionAsync()));
        Assert.Contains("nothing is waiting for approval", approve.InnerException?.Message, StringComparison.Ordinal);
        var skip = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => Episode(h, spec.EpisodeId).ExecuteUpdateAsync(wf => wf.SkipFailedAsync(new SkipRequest("because"))));
        Assert.Contains("nothing is pending or failed", skip.InnerException?.Message, StringComparison.Ordinal);
        Assert.Equal(1, h.YouTube.BroadcastCalls);
    }

    [Fact]
    public async Task RetryFailed_AfterYouTubeRejected_AnswersWithTheStateOfEachAttempt()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var spec = EpisodeDecisionsTests.Spec();
        h.YouTube.RejectBroadcastWith = "invalidScheduledStartTime";
        await h.SignalAsync(Change(spec));
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => s.Phase == EpisodePhase.Failed, Timeout, "failed");

        // Still broken: the answer carries the error of the new attempt.
        var again = await Episode(h, spec.EpisodeId).ExecuteUpdateAsync(wf => wf.RetryFailedAsync());
        Assert.Contains("invalidScheduledStartTime", again.LastError, StringComparison.Ordinal);
        Assert.Equal(2, h.YouTube.BroadcastCalls);

        // Fixed: the answer shows the broadcast.
        h.YouTube.RejectBroadcastWith = null;
        var state = await Episode(h, spec.EpisodeId).ExecuteUpdateAsync(wf => wf.RetryFailedAsync());
        Assert.Null(state.LastError);
        Assert.NotNull(state.Applied.VideoId);
        Assert.False(state.Pending.Any);
        Assert.Equal(1, h.YouTube.Inserts);
    }

    [Fact]
    public async Task ForceRerenderNow_Converged_AnswersAfterExactlyOneMoreUpload()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var spec = EpisodeDecisionsTests.Spec();
        await h.SignalAsync(Change(spec));
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => !s.Busy && !s.Pending.Any, Timeout, "converged");

        var state = await Episode(h, spec.EpisodeId).ExecuteUpdateAsync(wf => wf.ForceRerenderNowAsync());

        Assert.Equal(2, h.YouTube.ThumbnailUploads);
        Assert.False(state.Pending.Any);
        Assert.Contains("thumbnail uploaded", state.LastResult, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveDeletion_DeletedLiveEpisode_AcceptedAndDeletes()
    {
        await using var h = await PipelineHarness.StartWithWorkerAsync();
        var spec = EpisodeDecisionsTests.Spec() with { ScheduledFor = DateTimeOffset.UtcNow.AddMinutes(-10), Duration = TimeSpan.FromHours(6) };
        await h.SignalAsync(Change(spec));
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => !s.Busy && !s.Pending.Any, Timeout, "converged");
        await h.SignalAsync(new SpecChanged(spec.EpisodeId, null, true, ChangeReason.EpisodeEdited, "c-delete", spec.CommitTime.AddMinutes(1)));
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(spec.EpisodeId), s => s.Phase == EpisodePhase.AwaitingApproval, Timeout, "awaiting approval");

        var answer = await Episode(h, spec.EpisodeId).ExecuteUpdateAsync(wf => wf.ApproveDeletionAsync());

        Assert.StartsWith("approved", answer, StringComparison.Ordinal);
        var outcome = await Episode(h, spec.EpisodeId).GetResultAsync<EpisodeOutcome>();
        Assert.Contains("deleted", outcome.Result, StringComparison.Ordinal);
        Assert.Equal(1, h.YouTube.Deletes);
    }
}

public class PersonOperatorSignalsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task PersonRetry_SweepWhoseEpisodeFailed_SweepsItAgainAndCompletes()
    {
        await using var h = await PipelineHarness.StartAsync();
        var (source, _) = await CommitWiring.StartWorkerAsync(h);
        var c0 = await CommitWiring.ApplyBaseAsync(h, source, 2);
        var guestEpisode = Channel.EpisodeId(1);
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(guestEpisode), s => !s.Busy && !s.Pending.Any, Timeout, "episode 1 converged");

        // Given YouTube rejects the rewritten description of the guest's episode.
        h.YouTube.RejectDescriptionWith = "invalidDescription";
        var c1 = new Dictionary<string, byte[]>(c0) { ["episodes/people/guest-person.yaml"] = Channel.Person("Guest Person", "Now leads SIG Autoscaling.") };
        source.Commits["c1"] = c1;
        await CommitWiring.ApplyAsync(h, "c1", "c0");
        var person = h.Client.GetWorkflowHandle<PersonWorkflow>(WorkflowIds.Person("guest-person"));
        var failed = await PipelineHarness.WaitForAsync(() => person.QueryAsync(wf => wf.State), s => !s.Busy && s.Failed.Count == 1, Timeout, "sweep finished with a failure");
        Assert.Equal([guestEpisode], failed.Failed);
        var episode = await h.EpisodeAsync(guestEpisode);
        Assert.Equal(EpisodePhase.Failed, episode.Phase);
        Assert.Contains("invalidDescription", episode.LastError, StringComparison.Ordinal);

        // When the cause is gone and the operator retries the sweep (the update answers with the requeued sweep).
        h.YouTube.RejectDescriptionWith = null;
        var requeued = await person.ExecuteUpdateAsync(wf => wf.RetryFailedAsync());
        Assert.Empty(requeued.Failed);
        Assert.True(requeued.Busy);

        // Then the failed episode is swept again (it does not leave the sweep waiting) and the sweep completes.
        var done = await PipelineHarness.WaitForAsync(() => person.QueryAsync(wf => wf.State), s => !s.Busy && s.Failed.Count == 0, Timeout, "sweep retried");
        Assert.True(done.Done >= 1);
        var state = await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(guestEpisode), s => !s.Busy && !s.Pending.Any && s.Phase == EpisodePhase.Idle, Timeout, "episode 1 converged again");
        Assert.Null(state.LastError);
        Assert.Contains("Now leads SIG Autoscaling.", h.YouTube.Descriptions[state.Applied.VideoId!], StringComparison.Ordinal);
        Assert.Equal(1, h.YouTube.DescriptionWrites[guestEpisode]);
        // Nothing failed any more: another retry is refused.
        await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => person.ExecuteUpdateAsync(wf => wf.RetryFailedAsync()));
    }
}
