using RawkodeAutomation.Pipeline.Tests.Decisions;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;
using Temporalio.Common;
using Temporalio.Worker;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

/// <summary>
/// The entities live for months, so a new build must replay the histories an older build wrote. Recorded
/// histories, one set per scenario (operator scenarios: retry, skip, force re-render, the validated updates, approve
/// and keep on delete; a guest's bio sweep read in one batch, <c>person~guest-person</c> and its two episodes) live in
/// <c>Workflows/Histories</c> and are replayed against the current workflow code; the same scenarios run live are
/// replayed too, which also checks any patch taken inside a signal handler.
/// Set <c>RAWKODE_RECORD_HISTORIES=1</c> to write the live histories there (only when the recorded ones are
/// meant to be replaced: keep the old files when a change must stay compatible with them).
/// </summary>
public class ReplayTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static WorkflowReplayer Replayer() => new(new WorkflowReplayerOptions()
        .AddWorkflow<EpisodeWorkflow>()
        .AddWorkflow<PersonWorkflow>()
        .AddWorkflow<YouTubeQuotaWorkflow>());

    [Fact]
    public async Task Replay_RecordedOperatorHistories_NoNondeterminism()
    {
        var files = Directory.GetFiles(HistoriesDirectory(), "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        var replayer = Replayer();
        foreach (var file in files)
        {
            // The workflow id matters: quota grants are matched on request ids made from it.
            var history = WorkflowHistory.FromJson(WorkflowIdOf(file), await File.ReadAllTextAsync(file));
            var replay = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
            Assert.True(replay.ReplayFailure is null, $"{Path.GetFileName(file)}: {replay.ReplayFailure}");
        }
    }

    [Fact]
    public async Task Replay_OperatorScenariosRunNow_NoNondeterminism()
    {
        await using var h = await PipelineHarness.StartAsync();
        await h.StartWorkerAsync();
        var retried = EpisodeDecisionsTests.Spec("replay-show/2030-01-01-retried");
        // On air (started, not over): the broadcast is created (a show that is over never is) and deleting it needs approval.
        var onAir = DateTimeOffset.UtcNow.AddMinutes(-10);
        var approved = EpisodeDecisionsTests.Spec("replay-show/2020-01-01-approved") with { ScheduledFor = onAir, Duration = TimeSpan.FromHours(6) };
        var kept = EpisodeDecisionsTests.Spec("replay-show/2020-01-02-kept") with { ScheduledFor = onAir, Duration = TimeSpan.FromHours(6) };

        // Retry after a rejection, a skip of a rejected edit, a forced re-render, the validated updates.
        h.YouTube.RejectBroadcastWith = "invalidScheduledStartTime";
        await h.SignalAsync(Change(retried));
        await WaitAsync(h, retried, s => s.Phase == EpisodePhase.Failed);
        await Episode(h, retried).SignalAsync(wf => wf.SkipAsync(new SkipRequest("ignored: no broadcast yet")));
        await WaitAsync(h, retried, s => s.LastResult?.StartsWith("skip ignored", StringComparison.Ordinal) == true);
        h.YouTube.RejectBroadcastWith = null;
        await Episode(h, retried).ExecuteUpdateAsync(wf => wf.RetryFailedAsync());
        h.YouTube.RejectBroadcastWith = "invalidTitle";
        var edited = retried with { Title = "Refused", Commit = "c2", CommitTime = retried.CommitTime.AddHours(1) };
        await h.SignalAsync(Change(edited));
        await WaitAsync(h, retried, s => s.Phase == EpisodePhase.Failed);
        await Episode(h, retried).SignalAsync(wf => wf.SkipAsync(new SkipRequest("fixed by hand")));
        await WaitAsync(h, retried, s => s.Phase == EpisodePhase.Idle && !s.Busy);
        h.YouTube.RejectBroadcastWith = null;
        await Episode(h, retried).SignalAsync(wf => wf.ForceRerenderAsync());
        await WaitAsync(h, retried, s => !s.Busy && s.LastResult?.Contains("thumbnail uploaded", StringComparison.Ordinal) == true);
        await Episode(h, retried).ExecuteUpdateAsync(wf => wf.ForceRerenderNowAsync());

        // An early approve, then deleting an aired episode, approved once asked.
        await h.SignalAsync(Change(approved));
        await WaitAsync(h, approved, s => !s.Busy && !s.Pending.Any);
        await Episode(h, approved).SignalAsync(wf => wf.ApproveAsync());
        await WaitAsync(h, approved, s => s.LastResult == "approve: nothing is waiting for approval");
        await h.SignalAsync(Deleted(approved));
        await WaitAsync(h, approved, s => s.Phase == EpisodePhase.AwaitingApproval);
        await Episode(h, approved).ExecuteUpdateAsync(wf => wf.ApproveDeletionAsync());
        await Episode(h, approved).GetResultAsync<EpisodeOutcome>();

        // Deleting an aired episode, kept by the operator.
        await h.SignalAsync(Change(kept));
        await WaitAsync(h, kept, s => !s.Busy && !s.Pending.Any);
        await h.SignalAsync(Deleted(kept));
        await WaitAsync(h, kept, s => s.Phase == EpisodePhase.AwaitingApproval);
        await Episode(h, kept).SignalAsync(wf => wf.SkipAsync(new SkipRequest("keep the recording")));
        await Episode(h, kept).GetResultAsync<EpisodeOutcome>();

        await ReplayAsync(h, new[] { retried.EpisodeId, approved.EpisodeId, kept.EpisodeId }.Select(WorkflowIds.Episode));
    }

    [Fact]
    public async Task Replay_PersonSweepReadInBatches_NoNondeterminism()
    {
        // Given four episodes, two with the guest, reconciled.
        await using var h = await PipelineHarness.StartAsync();
        var (source, _) = await CommitWiring.StartWorkerAsync(h);
        var c0 = await CommitWiring.ApplyBaseAsync(h, source, 4);
        var all = Enumerable.Range(1, 4).Select(Channel.EpisodeId).ToList();
        await Task.WhenAll(all.Select(id => PipelineHarness.WaitForAsync(() => h.EpisodeAsync(id), s => !s.Busy && !s.Pending.Any, Timeout, id)));

        // When the guest's bio changes: the sweep reads both videos in one call and the episodes write onto that read.
        source.Commits["c1"] = new Dictionary<string, byte[]>(c0) { ["episodes/people/guest-person.yaml"] = Channel.Person("Guest Person", "Now replays.") };
        await CommitWiring.ApplyAsync(h, "c1", "c0");
        var person = h.Client.GetWorkflowHandle<PersonWorkflow>(WorkflowIds.Person("guest-person"));
        await PipelineHarness.WaitForAsync(() => person.QueryAsync(wf => wf.State), s => !s.Busy && s.Done == 2, Timeout, "sweep done");
        var swept = new[] { 1, 3 }.Select(Channel.EpisodeId).ToList();
        await Task.WhenAll(swept.Select(id => PipelineHarness.WaitForAsync(
            () => h.EpisodeAsync(id), s => !s.Busy && s.LastResult?.EndsWith("description rewritten", StringComparison.Ordinal) == true, Timeout, id)));
        Assert.Equal(1, h.YouTube.BatchReads);
        Assert.Equal(0, h.YouTube.DescriptionReads);

        // Then the sweep's history and the swept episodes' replay on today's code.
        await ReplayAsync(h, swept.Select(WorkflowIds.Episode).Prepend(WorkflowIds.Person("guest-person")));
    }

    [Fact]
    public async Task Replay_CommitRecordedBeforeLongActivitiesHadAHeartbeatTimeout_NoNondeterminism()
    {
        await using var h = await PipelineHarness.StartAsync();
        var (source, _) = await CommitWiring.StartWorkerAsync(h);
        await CommitWiring.ApplyBaseAsync(h, source, 1);
        var history = await h.Client.GetWorkflowHandle(WorkflowIds.Commit("c0")).FetchHistoryAsync();
        var json = history.ToJson();
        Assert.Contains("\"heartbeatTimeout\"", json, StringComparison.Ordinal);

        // What a build from before the heartbeat timeout recorded: ApplyCommit scheduled with no heartbeat timeout. The
        // SDK matches a scheduled activity on its id and type only, so the options may change under a running history.
        var older = System.Text.RegularExpressions.Regex.Replace(json, "\"heartbeatTimeout\":\\s*\"[^\"]*\",?", "");
        Assert.DoesNotContain("\"heartbeatTimeout\"", older, StringComparison.Ordinal);
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<CommitWorkflow>());
        foreach (var recorded in new[] { json, older })
        {
            var replay = await replayer.ReplayWorkflowAsync(WorkflowHistory.FromJson(WorkflowIds.Commit("c0"), recorded), throwOnReplayFailure: false);
            Assert.True(replay.ReplayFailure is null, replay.ReplayFailure?.ToString());
        }
    }

    /// <summary>
    /// Replays the live histories of <paramref name="workflowIds"/> on today's code; with <c>RAWKODE_RECORD_HISTORIES=1</c>
    /// also writes them to <c>Workflows/Histories</c>, where <see cref="Replay_RecordedOperatorHistories_NoNondeterminism"/> reads them.
    /// </summary>
    private static async Task ReplayAsync(PipelineHarness h, IEnumerable<string> workflowIds)
    {
        var replayer = Replayer();
        var record = Environment.GetEnvironmentVariable("RAWKODE_RECORD_HISTORIES") == "1";
        foreach (var workflowId in workflowIds)
        {
            var history = await h.Client.GetWorkflowHandle(workflowId).FetchHistoryAsync();
            var replay = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
            Assert.True(replay.ReplayFailure is null, $"{workflowId}: {replay.ReplayFailure}");
            if (record)
            {
                await File.WriteAllTextAsync(Path.Combine(HistoriesDirectory(), workflowId.Replace('/', '~') + ".json"), history.ToJson());
            }
        }
    }

    private static SpecChanged Change(DesiredEpisode d) => new(d.EpisodeId, d, false, ChangeReason.EpisodeEdited, d.Commit, d.CommitTime);

    private static SpecChanged Deleted(DesiredEpisode d) => new(d.EpisodeId, null, true, ChangeReason.EpisodeEdited, "c-delete", d.CommitTime.AddDays(1));

    private static Temporalio.Client.WorkflowHandle<EpisodeWorkflow> Episode(PipelineHarness h, DesiredEpisode d) =>
        h.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(d.EpisodeId));

    private static Task<EpisodeStatus> WaitAsync(PipelineHarness h, DesiredEpisode d, Func<EpisodeStatus, bool> done) =>
        PipelineHarness.WaitForAsync(() => h.EpisodeAsync(d.EpisodeId), done, Timeout, d.EpisodeId);

    private static string WorkflowIdOf(string file) => Path.GetFileNameWithoutExtension(file).Replace('~', '/');

    private static string HistoriesDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RawkodeAutomation.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "RawkodeAutomation.Pipeline.Tests", "Workflows", "Histories");
            }
        }
        throw new InvalidOperationException("RawkodeAutomation.sln not found above " + AppContext.BaseDirectory);
    }
}
