using RawkodeAutomation.Episodes.Loading;
using RawkodeAutomation.Episodes.Model;
using RawkodeAutomation.Episodes.Planning;
using RawkodeAutomation.GitHub;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.Workflows;
using RawkodeAutomation.Workflows.Contracts;

namespace RawkodeAutomation.Pipeline.Tests.Workflows;

public class CommitPipelineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static Task WaitConvergedAsync(PipelineHarness h, IEnumerable<string> episodeIds, Func<EpisodeStatus, bool>? extra = null) =>
        Task.WhenAll(episodeIds.Select(id => PipelineHarness.WaitForAsync(
            () => h.EpisodeAsync(id),
            s => !s.Busy && !s.Pending.Any && s.LastError is null && (extra?.Invoke(s) ?? true),
            Timeout,
            $"{id} converged")));

    [Fact]
    public async Task CommitWorkflow_AddEpisodeDeliveredTwiceAndWorkerRestarted_ExactlyOneBroadcast()
    {
        await using var h = await PipelineHarness.StartAsync();
        var (source, statuses) = await CommitWiring.StartWorkerAsync(h);
        var c0 = await CommitWiring.ApplyBaseAsync(h, source, 2);
        await WaitConvergedAsync(h, [Channel.EpisodeId(1), Channel.EpisodeId(2)]);
        Assert.Equal(2, h.YouTube.Inserts);

        // Given a commit that adds one episode.
        var c1 = new Dictionary<string, byte[]>(c0);
        Channel.AddEpisode(c1, 3, "guest-person");
        source.Commits["c1"] = c1;
        var outcome = await CommitWiring.ApplyAsync(h, "c1", "c0");
        Assert.True(outcome.Valid);
        // The new episode, plus its siblings whose series index now lists it (their descriptions are swept).
        Assert.Contains(Channel.EpisodeId(3), outcome.EpisodesSignaled);

        // When the worker dies once the broadcast exists, a new worker (new connection) picks up from history.
        await PipelineHarness.WaitForAsync(() => h.EpisodeAsync(Channel.EpisodeId(3)), s => s.Applied.VideoId is not null, Timeout, "broadcast created");
        await h.StopWorkerAsync();
        await h.StartWorkerAsync();
        // And the same commit is delivered again.
        Assert.Null(await TemporalCommitSink.StartAsync(h.Client, h.Options, new CommitInput("c1", "c0", DateTimeOffset.UtcNow), CancellationToken.None));

        // Then there is exactly one broadcast for the new episode, with its thumbnail and description.
        try
        {
            await WaitConvergedAsync(h, [Channel.EpisodeId(3)]);
        }
        catch (TimeoutException)
        {
            await h.DumpHistoryAsync("episode/" + Channel.EpisodeId(3), "/tmp/ep3.txt");
            throw;
        }
        var state = await h.EpisodeAsync(Channel.EpisodeId(3));
        Assert.Equal(3, h.YouTube.Inserts);
        Assert.Equal(state.Desired!.Description, h.YouTube.Descriptions[state.Applied.VideoId!]);
        Assert.Equal(state.Desired.ThumbnailFingerprint, h.YouTube.Thumbnails[state.Applied.VideoId!]);
        Assert.Contains(statuses.Reports, r => r.Sha == "c1" && r.Report.State == CommitStatusState.Success);
    }

    [Fact]
    public async Task CommitWorkflow_InvalidThenFixed_FailureListsEveryErrorAndSignalsNothingThenTheFixApplies()
    {
        await using var h = await PipelineHarness.StartAsync();
        var (source, statuses) = await CommitWiring.StartWorkerAsync(h);
        // Given a commit with errors in two files.
        var bad = Channel.Base(1);
        bad["episodes/people/broken.yaml"] = "name: Broken\nemail: someone@example.com\n"u8.ToArray();
        bad[$"episodes/{Channel.EpisodeId(1)}.yaml"] = [.. bad[$"episodes/{Channel.EpisodeId(1)}.yaml"], .. "sponsor: nobody\n"u8];
        source.Commits["bad"] = bad;

        // When it is applied.
        var outcome = await CommitWiring.ApplyAsync(h, "bad", null, full: true);

        // Then nothing is signalled, and the commit's status fails with every error, each where it is.
        Assert.False(outcome.Valid);
        Assert.Contains(outcome.Errors, e => e.StartsWith("episodes/people/broken.yaml:", StringComparison.Ordinal));
        Assert.Contains(outcome.Errors, e => e.StartsWith($"episodes/{Channel.EpisodeId(1)}.yaml:", StringComparison.Ordinal));
        Assert.All(outcome.Errors, e => Assert.Matches(@"^episodes/[^:]+:\d+:\d+: ", e));
        Assert.Empty(outcome.EpisodesSignaled);
        Assert.Equal(0, h.YouTube.Inserts);
        var reports = statuses.Reports.Where(r => r.Sha == "bad").Select(r => r.Report).ToList();
        Assert.Equal([CommitStatusState.Pending, CommitStatusState.Failure], reports.Select(r => r.State));
        Assert.Equal(outcome.Errors, reports[^1].Details);
        Assert.True(reports[^1].Summary.Length <= 140, reports[^1].Summary);

        // When the next commit fixes both files.
        source.Commits["fixed"] = Channel.Base(1);
        var fixedOutcome = await CommitWiring.ApplyAsync(h, "fixed", "bad");

        // Then it succeeds and its episode is reconciled.
        Assert.True(fixedOutcome.Valid);
        Assert.Equal([Channel.EpisodeId(1)], fixedOutcome.EpisodesSignaled);
        Assert.Equal([CommitStatusState.Pending, CommitStatusState.Success], statuses.Reports.Where(r => r.Sha == "fixed").Select(r => r.Report.State));
        await WaitConvergedAsync(h, [Channel.EpisodeId(1)]);
        Assert.Equal(1, h.YouTube.Inserts);
    }

    [Fact]
    public async Task PersonWorkflow_BioEditWithLowQuota_PausesAtBudgetAndCompletesAfterResetOncePerEpisode()
    {
        await using var h = await PipelineHarness.StartAsync();
        var (source, _) = await CommitWiring.StartWorkerAsync(h);
        var c0 = await CommitWiring.ApplyBaseAsync(h, source, 10);
        var all = Enumerable.Range(1, 10).Select(Channel.EpisodeId).ToList();
        var affected = Enumerable.Range(1, 10).Where(i => i % 2 == 1).Select(Channel.EpisodeId).ToList();
        await WaitConvergedAsync(h, all);
        var before = await h.QuotaAsync();

        // Given today's budget leaves room for exactly two description rewrites (51 units each).
        var quota = h.Client.GetWorkflowHandle<YouTubeQuotaWorkflow>(WorkflowIds.Quota);
        await quota.SignalAsync(wf => wf.SetBudgetAsync(new QuotaBudget(before.Used + 110, 0)));

        // When the guest's bio changes (the guest appears in 5 of the 10 episodes).
        var c1 = new Dictionary<string, byte[]>(c0) { ["episodes/people/guest-person.yaml"] = Channel.Person("Guest Person", "Now leads SIG Autoscaling.") };
        source.Commits["c1"] = c1;
        var outcome = await CommitWiring.ApplyAsync(h, "c1", "c0");
        Assert.Equal(["guest-person"], outcome.PeopleSwept);
        Assert.Empty(outcome.EpisodesSignaled);

        // Then the sweep pauses at the budget: two rewritten, the rest waiting for quota.
        var person = h.Client.GetWorkflowHandle<PersonWorkflow>(WorkflowIds.Person("guest-person"));
        await PipelineHarness.WaitForAsync(() => h.QuotaAsync(), q => q.QueuedSweeps > 0 && h.YouTube.DescriptionWrites.Count == 2, Timeout, "sweep paused at the budget");
        // The writes land before the person workflow records them: wait for its state to catch up.
        await PipelineHarness.WaitForAsync(() => person.QueryAsync(wf => wf.State), s => s.Done >= 2, Timeout, "sweep recorded two done");
        Assert.Equal(2, (await person.QueryAsync(wf => wf.State)).Done);

        // And after the (simulated) daily reset it completes, every affected description written once.
        await quota.SignalAsync(wf => wf.ResetDayAsync());
        await PipelineHarness.WaitForAsync(() => person.QueryAsync(wf => wf.State), s => !s.Busy, Timeout, "sweep done");
        await WaitConvergedAsync(h, all);
        Assert.Equal(affected.Order(), h.YouTube.DescriptionWrites.Keys.Order());
        Assert.All(h.YouTube.DescriptionWrites.Values, n => Assert.Equal(1, n));
        foreach (var id in affected)
        {
            var s = await h.EpisodeAsync(id);
            Assert.Contains("Now leads SIG Autoscaling.", h.YouTube.Descriptions[s.Applied.VideoId!], StringComparison.Ordinal);
        }
        Assert.Equal(10, h.YouTube.Inserts);
    }

    [Fact]
    public async Task PersonWorkflow_BioEditOneVideoAlreadySaysIt_OneBatchedReadNoReadOfTheirOwn_OnlyTheOtherWritten()
    {
        // Given four episodes, the guest's in 1 and 3, reconciled.
        await using var h = await PipelineHarness.StartAsync();
        var (source, _) = await CommitWiring.StartWorkerAsync(h);
        var c0 = await CommitWiring.ApplyBaseAsync(h, source, 4);
        var all = Enumerable.Range(1, 4).Select(Channel.EpisodeId).ToList();
        await WaitConvergedAsync(h, all);
        var c1 = new Dictionary<string, byte[]>(c0) { ["episodes/people/guest-person.yaml"] = Channel.Person("Guest Person", "Now leads SIG Autoscaling.") };
        var change = ChannelChange.Compute(Load(c0), Load(c1), new ChangeOptions { Now = DateTimeOffset.UtcNow });
        var (one, three) = (Channel.EpisodeId(1), Channel.EpisodeId(3));
        Assert.Equal([one, three], change.PersonSweeps["guest-person"]);
        // And episode 1's video already says the new bio (someone pasted it in YouTube Studio).
        h.YouTube.Descriptions[h.YouTube.VideoByEpisode[one]] = change.Episodes.Single(e => e.EpisodeId == one).After!.Description;
        var (batchReads, ownReads) = (h.YouTube.BatchReads, h.YouTube.DescriptionReads);

        // When the guest's bio changes.
        source.Commits["c1"] = c1;
        await CommitWiring.ApplyAsync(h, "c1", "c0");
        var person = h.Client.GetWorkflowHandle<PersonWorkflow>(WorkflowIds.Person("guest-person"));
        await PipelineHarness.WaitForAsync(() => person.QueryAsync(wf => wf.State), s => !s.Busy && s.Done == 2, Timeout, "sweep done");
        await WaitConvergedAsync(h, all);

        // Then the sweep read both videos in one call, neither episode read its own, and only episode 3 was written.
        Assert.Equal(batchReads + 1, h.YouTube.BatchReads);
        Assert.Equal(ownReads, h.YouTube.DescriptionReads);
        Assert.Equal([three], h.YouTube.DescriptionWrites.Keys);
        Assert.Equal("reconciled at c1: description already up to date (read with the sweep's batch)", (await h.EpisodeAsync(one)).LastResult);
    }

    private static EpisodeRepository Load(IReadOnlyDictionary<string, byte[]> files) => EpisodeLoader.Load(files).Repository;

    [Fact]
    public async Task CommitWorkflow_EpisodeFileDeleted_BroadcastDeletedAndEntityCompletes()
    {
        await using var h = await PipelineHarness.StartAsync();
        var (source, _) = await CommitWiring.StartWorkerAsync(h);
        var c0 = await CommitWiring.ApplyBaseAsync(h, source, 2);
        await WaitConvergedAsync(h, [Channel.EpisodeId(1), Channel.EpisodeId(2)]);

        var c1 = new Dictionary<string, byte[]>(c0);
        c1.Remove($"episodes/{Channel.EpisodeId(2)}.yaml");
        source.Commits["c1"] = c1;
        var outcome = await CommitWiring.ApplyAsync(h, "c1", "c0");

        Assert.Equal([Channel.EpisodeId(2)], outcome.EpisodesDeleted);
        var result = await h.Client.GetWorkflowHandle<EpisodeWorkflow>(WorkflowIds.Episode(Channel.EpisodeId(2))).GetResultAsync<EpisodeOutcome>();
        Assert.Contains("deleted", result.Result, StringComparison.Ordinal);
        Assert.Equal(1, h.YouTube.Deletes);
        Assert.False(h.YouTube.VideoByEpisode.ContainsKey(Channel.EpisodeId(2)));
    }
}
